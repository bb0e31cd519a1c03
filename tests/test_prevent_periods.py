"""The blocked-window calendar (smsaudit.prevent.periods, `smsaudit calendar`)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from icalendar import Calendar

import smsaudit
from smsaudit.errors import InputError
from smsaudit.prevent.periods import BlockedCalendar, blocked_calendar

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"


@pytest.fixture(scope="module")
def year_2027() -> BlockedCalendar:
    return blocked_calendar("2027-01-01", "2027-12-31")


def _rows(cal: BlockedCalendar, territory: str) -> list[dict[str, Any]]:
    return list(cal.periods.filter(cal.periods["territory"] == territory).iter_rows(named=True))


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_periods_tile_each_territory_without_gap_or_overlap(year_2027: BlockedCalendar) -> None:
    for territory in ("FR", "RE", "YT", "GP", "MQ", "GF", "BL", "MF", "PM"):
        rows = _rows(year_2027, territory)
        assert rows[0]["start_local"].startswith("2027-01-01T00:00:00")
        assert rows[-1]["end_local"].startswith("2028-01-01T00:00:00")
        for before, after in itertools.pairwise(rows):
            assert before["end_utc"] == after["start_utc"]
            # merged: two neighbours never share a verdict
            assert (before["state"], before["reason"], before["severity"]) != (
                after["state"],
                after["reason"],
                after["severity"],
            )


FR_HOLIDAYS_2027 = [
    "2027-01-01",
    "2027-03-29",  # Easter Monday
    "2027-05-01",
    "2027-05-06",  # Ascension
    "2027-05-08",
    "2027-05-17",  # Whit Monday
    "2027-07-14",
    "2027-08-15",  # a Sunday: still public_holiday
    "2027-11-01",
    "2027-11-11",
    "2027-12-25",
]


def test_national_holidays_are_whole_blocked_days(year_2027: BlockedCalendar) -> None:
    holidays = {
        r["start_local"][:10]: r for r in _rows(year_2027, "FR") if r["reason"] == "public_holiday"
    }
    assert sorted(holidays) == FR_HOLIDAYS_2027
    for day, row in holidays.items():
        assert row["start_local"][11:19] == "00:00:00" and row["state"] == "blocked"
        next_day = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
        assert row["end_local"].startswith(f"{next_day}T00:00:00")


def test_sundays_are_blocked_whole_days(year_2027: BlockedCalendar) -> None:
    sundays = [r for r in _rows(year_2027, "FR") if r["reason"] == "sunday"]
    assert len(sundays) == 52 - 1  # 15 August 2027 is a holiday
    for row in sundays:
        assert date.fromisoformat(row["start_local"][:10]).isoweekday() == 7
        assert row["start_local"][11:19] == "00:00:00" and row["end_local"][11:19] == "00:00:00"


@pytest.mark.parametrize(
    ("day", "open_utc", "close_utc"),
    [
        ("2027-03-26", "07:00", "19:00"),  # Friday before the spring switch: UTC+1
        ("2027-03-30", "06:00", "18:00"),  # Tuesday after it: UTC+2
        ("2027-10-29", "06:00", "18:00"),  # Friday before the autumn switch
        ("2027-11-02", "07:00", "19:00"),  # Tuesday after it
        ("2027-01-09", "09:00", "17:00"),  # a Saturday: 10:00-18:00 local
    ],
)
def test_allowed_hours_follow_the_clock_changes(
    year_2027: BlockedCalendar, day: str, open_utc: str, close_utc: str
) -> None:
    allowed = [
        r
        for r in _rows(year_2027, "FR")
        if r["state"] == "allowed" and r["start_local"][:10] == day
    ]
    assert len(allowed) == 1
    assert allowed[0]["start_utc"] == _utc(f"{day}T{open_utc}:00+00:00")
    assert allowed[0]["end_utc"] == _utc(f"{day}T{close_utc}:00+00:00")


def test_the_spring_switch_falls_inside_sunday_on_the_right_instant(
    year_2027: BlockedCalendar,
) -> None:
    (sunday,) = [r for r in _rows(year_2027, "FR") if r["start_local"].startswith("2027-03-28")]
    assert sunday["start_local"] == "2027-03-28T00:00:00+01:00"
    assert sunday["end_local"] == "2027-03-29T00:00:00+02:00"
    assert sunday["end_utc"] - sunday["start_utc"] == timedelta(hours=23)


@pytest.mark.parametrize(
    ("territory", "day", "offset"),
    [
        ("RE", "2027-12-20", "+04:00"),
        ("YT", "2027-04-27", "+03:00"),
        ("GP", "2027-05-27", "-04:00"),
        ("MQ", "2027-05-22", "-04:00"),
        ("GF", "2027-06-10", "-03:00"),
        ("BL", "2027-10-09", "-04:00"),
        ("MF", "2027-05-28", "-04:00"),
    ],
)
def test_overseas_clocks_and_abolition_days(
    year_2027: BlockedCalendar, territory: str, day: str, offset: str
) -> None:
    rows = [r for r in _rows(year_2027, territory) if r["start_local"][:10] == day]
    assert rows[0]["reason"] == "public_holiday"
    assert rows[0]["start_local"] == f"{day}T00:00:00{offset}"
    fr_same_day = [r for r in _rows(year_2027, "FR") if r["start_local"][:10] == day]
    assert all(r["reason"] != "public_holiday" for r in fr_same_day)


def test_ics_files_parse_and_hold_one_event_per_blocked_period(tmp_path: Path) -> None:
    cal = blocked_calendar("2027-03-01", "2027-03-31", territories="FR,RE")
    paths = cal.save(tmp_path)
    assert sorted(p.name for p in paths) == [
        "calendar.csv",
        "calendar_FR.ics",
        "calendar_RE.ics",
        "summary.json",
    ]
    for territory in ("FR", "RE"):
        parsed = Calendar.from_ical((tmp_path / f"calendar_{territory}.ics").read_bytes())
        assert str(parsed["VERSION"]) == "2.0" and parsed["PRODID"]
        events = [c for c in parsed.walk("VEVENT")]
        blocked = [r for r in _rows(cal, territory) if r["state"] == "blocked"]
        assert len(events) == len(blocked)
        for event, row in zip(events, blocked, strict=True):
            assert event.decoded("DTSTART") == row["start_utc"]
            assert event.decoded("DTEND") == row["end_utc"]
            assert str(event["UID"]).endswith("@smsaudit")
    again = tmp_path / "again"
    cal.save(again)
    assert (again / "calendar_FR.ics").read_bytes() == (tmp_path / "calendar_FR.ics").read_bytes()


def test_every_audited_send_has_the_calendars_verdict() -> None:
    """The calendar and the audit can never disagree: each send of the sample month, blocked
    or not, gets the state, reason and severity of the period holding its instant."""
    audit = smsaudit.audit(SAMPLES)
    cal = blocked_calendar("2026-04-30", "2026-06-01")
    periods = cal.periods.to_arrow()  # noqa: F841 - read by the query below
    mismatches = audit.con.execute(
        """SELECT count(*), count(*) FILTER (WHERE p.state IS NULL
                OR (p.state = 'blocked') <> w.blocked
                OR p.reason IS DISTINCT FROM w.reason
                OR p.severity IS DISTINCT FROM w.severity)
           FROM send_windows w
           LEFT JOIN periods p
             ON p.territory = w.territory AND w.sent_at >= p.start_utc AND w.sent_at < p.end_utc"""
    ).fetchall()[0]
    assert mismatches[0] == audit.count("sends") > 4000
    assert mismatches[1] == 0


def test_bad_ranges_are_input_errors() -> None:
    with pytest.raises(InputError, match="before"):
        blocked_calendar("2027-02-01", "2027-01-01")
    with pytest.raises(InputError, match="not a date"):
        blocked_calendar("2027-13-01", "2027-12-31")
    with pytest.raises(InputError, match="unknown territories"):
        blocked_calendar("2027-01-01", "2027-01-31", territories="FR,XX")
    with pytest.raises(InputError, match="names no territory"):
        blocked_calendar("2027-01-01", "2027-01-31", territories=",")
