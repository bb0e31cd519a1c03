"""The full audit on data_samples/ against the oracle its generator wrote (planted.json).

The generator decides every finding independently (zoneinfo per row, its own holiday
list, the stdlib CSV/JSON readers), so a match here is a match between two
implementations of CONTRACT §3, not a snapshot of our own output.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import smsaudit

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"
PLANTED = json.loads((SAMPLES / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture
def result(samples_audit: smsaudit.Audit) -> smsaudit.Audit:
    return samples_audit


def test_row_accounting_matches_and_balances(result: smsaudit.Audit) -> None:
    acc = {r["input_file"]: r for r in result["row_accounting"].to_dicts()}
    assert {f: r["rows_read"] for f, r in acc.items()} == PLANTED["rows"]
    oos = {f: r["rows_out_of_scope"] for f, r in acc.items() if r["rows_out_of_scope"]}
    assert oos == PLANTED["out_of_scope"]
    assert result.row_accounting_balances()


def test_rejected_rows(result: smsaudit.Audit) -> None:
    got = result["rejected_rows"].rows()
    assert len(got) == len(PLANTED["rejected"])
    for (file, line, column, _value, reason, code), (p_file, p_line, p_column, keyword) in zip(
        sorted(got), sorted(map(tuple, PLANTED["rejected"])), strict=True
    ):
        assert (file, line, column) == (p_file, p_line, p_column)
        assert keyword in reason
        assert code != "other" and code.replace("_", " ") in reason, (code, reason)


def test_blocked_window_messages(result: smsaudit.Audit) -> None:
    frame = result["blocked_window_messages"]
    assert (
        dict(zip(frame["message_id"], frame["reason"], strict=True))
        == PLANTED["blocked_window_messages"]
    )


def test_late_campaigns(result: smsaudit.Audit) -> None:
    frame = result["late_campaigns"]
    got = {
        r["campaign_id"]: {"messages": r["messages"], "messages_blocked": r["messages_blocked"]}
        for r in frame.to_dicts()
    }
    assert got == PLANTED["late_campaigns"]


def test_suppressions(result: smsaudit.Audit) -> None:
    frame = result["suppressions"]
    got = {
        (r["msisdn"], r["sender_id"]): (r["suppressed_at"], r["evidence"]) for r in frame.to_dicts()
    }
    expected = {
        (s["msisdn"], s["sender_id"]): (datetime.fromisoformat(s["suppressed_at"]), s["evidence"])
        for s in PLANTED["suppressions"]
    }
    assert got == expected


def test_sends_after_suppression(result: smsaudit.Audit) -> None:
    frame = result["sends_after_suppression"]
    got = {r["message_id"]: r["suppressed_at"] for r in frame.to_dicts()}
    expected = {m: datetime.fromisoformat(t) for m, t in PLANTED["sends_after_suppression"].items()}
    assert got == expected


def test_suppressed_not_opted_out_and_import_file(result: smsaudit.Audit) -> None:
    frame = result["suppressed_not_opted_out"]
    assert sorted(frame.select("msisdn", "program_id", "finding").rows()) == sorted(
        map(tuple, PLANTED["suppressed_not_opted_out"])
    )
    updates = result["consent_updates"]
    assert sorted(updates.select("msisdn", "program_id").rows()) == sorted(
        map(tuple, PLANTED["consent_updates"])
    )
    assert set(updates["status"]) == {"OPTED-OUT"}


def test_invalid_consent_source(result: smsaudit.Audit) -> None:
    frame = result["invalid_consent_source"]
    assert sorted(frame.select("msisdn", "program_id", "consent_source").rows()) == sorted(
        map(tuple, PLANTED["invalid_consent_source"])
    )


def test_missing_stop_footer(result: smsaudit.Audit) -> None:
    frame = result["missing_stop_footer"]
    assert (
        dict(zip(frame["message_id"], frame["expected"], strict=True))
        == PLANTED["missing_stop_footer"]
    )


def test_territories(result: smsaudit.Audit) -> None:
    sends = result.con.execute("SELECT DISTINCT msisdn, territory FROM sends").fetchall()
    known = dict(sends)
    for number, territory in PLANTED["territories"].items():
        assert known.get(number) == territory, number


def test_wasted_spend_reconciles_with_blocked_messages(result: smsaudit.Audit) -> None:
    blocked = result.con.execute(
        "SELECT sum(cost) FROM blocked_window_messages WHERE severity = 'violation'"
    ).fetchone()
    wasted = result.con.execute(
        "SELECT sum(cost) FROM wasted_spend WHERE reason <> 'after_suppression'"
    ).fetchone()
    assert blocked == wasted
    assert result.count("blocked_window_messages") > 0
