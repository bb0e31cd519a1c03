"""Checking a plan before sending (smsaudit.prevent.check, `smsaudit check`)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smsaudit
from smsaudit.errors import InputError
from smsaudit.prevent.periods import blocked_calendar

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "smsaudit", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def _schedule(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "schedule.csv"
    path.write_text("campaign_id,start_at,messages,messages_per_minute,sender_id\n" + rows)
    return path


def test_a_late_start_reports_the_messages_after_the_close_and_the_latest_safe_start(
    tmp_path: Path,
) -> None:
    """19:40 in Paris, 250,000 messages at 5,000 a minute: 50 minutes, 20 before 20:00."""
    plan = _schedule(tmp_path, "SOLDES,2027-01-12T19:40:00+01:00,250000,5000,36184\n")
    row = smsaudit.check(plan)["schedule_check"].row(0, named=True)
    assert row["messages_after_close"] == 250_000 - 20 * 5_000
    assert row["last_send_local"] == "2027-01-12T20:29:59+01:00"
    # the close minus 49.9998 minutes minus the one-minute margin, down to the minute
    assert row["latest_safe_start_local"] == "2027-01-12T19:09:00+01:00"
    assert row["latest_safe_start"] <= datetime(2027, 1, 12, 18, 10, tzinfo=UTC)


def test_a_campaign_longer_than_any_window_has_no_safe_start(tmp_path: Path) -> None:
    plan = _schedule(tmp_path, "HUGE,2027-01-12 08:00,2000000,1000,36184\n")  # 33 hours
    row = smsaudit.check(plan)["schedule_check"].row(0, named=True)
    assert row["latest_safe_start"] is None
    assert row["messages_after_close"] > 0


def test_a_blocked_start_points_to_the_next_window(tmp_path: Path) -> None:
    # Saturday 2027-01-09 21:00: blocked; the next window is Monday 08:00-20:00.
    plan = _schedule(tmp_path, "LATE,2027-01-09 21:00,600,10,36184\n")
    row = smsaudit.check(plan)["schedule_check"].row(0, named=True)
    assert row["messages_after_close"] == 600
    assert row["latest_safe_start_local"] == "2027-01-11T18:59:00+01:00"  # 59.9 min + 1


def test_recipients_split_a_schedule_by_territory(tmp_path: Path) -> None:
    plan = _schedule(tmp_path, "MIX,2027-01-12T18:00:00+01:00,400,2,36184\n")  # 200 minutes
    recipients = tmp_path / "recipients.csv"
    recipients.write_text("msisdn\n0612345678\n0612345679\n0612345670\n+262692001234\n")
    table = smsaudit.check(plan, recipients=recipients)["schedule_check"].sort("territory")
    rows = {r["territory"]: r for r in table.iter_rows(named=True)}
    assert set(rows) == {"FR", "RE"}
    assert rows["FR"]["territory_messages"] == 300 and rows["RE"]["territory_messages"] == 100
    # Paris closes at 20:00 (messages 240..399 after it); Réunion, 3 hours ahead, is closed
    # from the start (21:00 there).
    assert rows["FR"]["messages_after_close"] == round(160 * 0.75)
    assert rows["RE"]["messages_after_close"] == 100


# ------------------------------------------------------------- the count, against an oracle

CALENDAR = blocked_calendar("2027-01-01", "2027-02-28", territories="FR")
PERIODS = [
    (r["start_utc"], r["end_utc"], r["state"]) for r in CALENDAR.periods.iter_rows(named=True)
]


def _blocked_at(instant: datetime) -> bool:
    return next(state for start, end, state in PERIODS if start <= instant < end) == "blocked"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.datetimes(min_value=datetime(2027, 1, 4), max_value=datetime(2027, 2, 20)).map(
        lambda d: d.replace(microsecond=0, tzinfo=UTC)
    ),
    messages=st.integers(min_value=1, max_value=3000),
    rate=st.sampled_from([1, 3, 7.5, 60, 250, 1000]),
)
def test_messages_after_close_counts_each_message_on_the_calendar(
    tmp_path_factory: pytest.TempPathFactory, start: datetime, messages: int, rate: float
) -> None:
    folder = tmp_path_factory.mktemp("plan")
    plan = _schedule(folder, f"P,{start.isoformat()},{messages},{rate},36184\n")
    row = smsaudit.check(plan)["schedule_check"].row(0, named=True)
    step = 60_000_000 / rate  # microseconds between two messages
    base = int(start.timestamp() * 1_000_000)
    oracle = sum(
        _blocked_at(datetime.fromtimestamp(math.ceil(base + i * step) / 1e6, UTC))
        for i in range(messages)
    )
    assert row["messages_after_close"] == oracle
    assert row["last_send_at"] - start == timedelta(microseconds=(messages - 1) * step)


# --------------------------------------------------------------------------- send lists


def test_a_send_list_is_flagged_exactly_as_the_audit_flags_it() -> None:
    plan = SAMPLES / "sends_mgage_2026-05.csv"
    result = smsaudit.check(plan, SAMPLES)
    audit = smsaudit.audit(SAMPLES)
    ids = audit.con.sql(
        "SELECT message_id FROM sends WHERE input_file = 'sends_mgage_2026-05.csv'"
    ).pl()["message_id"]
    flagged = audit["blocked_window_messages"].filter(pl.col("message_id").is_in(ids.implode()))
    mine = result["planned_blocked"]
    assert sorted(mine["message_id"]) == sorted(flagged["message_id"])
    assert mine.height > 300
    assert set(mine.columns) >= {
        "msisdn",
        "sender_id",
        "send_at",
        "territory",
        "local_time",
        "reason",
        "severity",
    }
    # every suppressed recipient is a pair the audit found suppressed before the send
    suppressed = result["planned_suppressed"]
    assert suppressed.height > 0
    pairs = audit["suppressions"].select("msisdn", "sender_id", "suppressed_at", "lifted_at")
    joined = suppressed.join(pairs, on=["msisdn", "sender_id"], suffix="_audit")
    assert joined.height == suppressed.height
    assert (joined["suppressed_at_audit"] <= joined["send_at"]).all()


def test_a_send_list_with_send_at_and_no_message_id(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "MSISDN;Sender ID;Send At\n"
        "06 12 34 56 78;36184;2027-01-10 11:00\n"  # a Sunday
        "0612345679;36184;2027-01-11 11:00\n"
        "not a number;36184;2027-01-11 11:00\n"
    )
    result = smsaudit.check(plan)
    blocked = result["planned_blocked"]
    assert blocked.select("msisdn", "reason").rows() == [("+33612345678", "sunday")]
    assert blocked["message_id"].to_list() == ["plan-line-2"]
    assert result["rejected_rows"].select("input_file", "line", "column").rows() == [
        ("plan.csv", 4, "msisdn")
    ]


def test_not_a_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.csv"
    plan.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a plan"):
        smsaudit.check(plan)


def test_a_bad_schedule_value_names_its_line_and_column(tmp_path: Path) -> None:
    plan = _schedule(tmp_path, "A,2027-01-12 10:00,100,10,1\nB,2027-01-12 10:00,lots,10,1\n")
    with pytest.raises(InputError, match=r"schedule\.csv, line 3, column 'messages'"):
        smsaudit.check(plan)


# -------------------------------------------------------------------------------- CLI


def test_fail_on_gives_exit_code_3_for_a_scheduler(tmp_path: Path) -> None:
    plan = _schedule(tmp_path, "SOLDES,2027-01-12T19:40:00+01:00,250000,5000,36184\n")
    proc = _cli("check", str(plan), "--out", "out", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "messages after the close  150,000" in proc.stdout
    assert (tmp_path / "out" / "schedule_check.csv").exists()
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert (summary["command"], summary["plan"]) == ("check", "schedule")
    assert summary["figures"] == {"blocked": 150_000, "suppressed": 0}
    proc = _cli(
        "check", str(plan), "--out", "out2", "--fail-on", "blocked,suppressed", cwd=tmp_path
    )
    assert proc.returncode == 3
    assert proc.stderr.strip() == "smsaudit: check failed: blocked (--fail-on)"
    fine = _schedule(tmp_path, "EARLY,2027-01-12T10:00:00+01:00,1000,100,36184\n")
    proc = _cli("check", str(fine), "--out", "out3", "--fail-on", "blocked", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    proc = _cli("check", str(fine), "--fail-on", "sometimes", cwd=tmp_path)
    assert proc.returncode == 2 and "--fail-on takes blocked, suppressed" in proc.stderr


def test_calendar_command_writes_csv_and_ics(tmp_path: Path) -> None:
    proc = _cli(
        "calendar",
        "--from",
        "2027-01-01",
        "--to",
        "2027-01-31",
        "--territories",
        "FR,GP",
        "--out",
        "cal",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "cal").iterdir())
    assert names == [
        ".smsaudit-output",
        "calendar.csv",
        "calendar_FR.ics",
        "calendar_GP.ics",
        "summary.json",
    ]
    header = (tmp_path / "cal" / "calendar.csv").read_text().splitlines()[0]
    assert header == (
        "territory,clock,state,reason,severity,start_utc,end_utc,start_local,end_local"
    )
