"""The blocked-window calendar for planners: allowed and blocked periods, as CSV and iCalendar.

Built from the audit's own tables (``rules.build_window_calendar`` then
``sql/calendar_periods.sql``), so a period's state is, by construction, the verdict the audit
gives a send at any instant of it. One ``.ics`` per territory holds an event per blocked
period (RFC 5545, written with ``icalendar``; times in UTC, which every calendar application
shows on its own clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .. import db, rules, schema, sqlfiles
from ..errors import InputError

if TYPE_CHECKING:
    import polars as pl

# Longest span one calendar covers (a decade of half-hour buckets is ~1.6M rows per clock).
MAX_DAYS = 3660
REASON_TEXT = {
    "public_holiday": "public holiday",
    "sunday": "Sunday",
    "saturday_outside_hours": "Saturday outside the allowed hours",
    "weekday_outside_hours": "outside the allowed hours",
}


def install_local_text(con: duckdb.DuckDBPyConnection) -> None:
    """Macro ``smsaudit_local_text(clock, ts)``: ``2027-03-28T03:00:00+02:00``."""
    con.execute(
        """CREATE OR REPLACE TEMP MACRO smsaudit_offset_text(m) AS (
             CASE WHEN m < 0 THEN '-' ELSE '+' END || lpad((abs(m) // 60)::VARCHAR, 2, '0')
             || ':' || lpad((abs(m) % 60)::VARCHAR, 2, '0'))"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP MACRO smsaudit_local_text(clock, ts) AS (
             strftime(timezone(clock, ts), '%Y-%m-%dT%H:%M:%S')
             || smsaudit_offset_text((epoch_us(timezone(clock, ts)) - epoch_us(ts)) // 60000000))"""
    )


def build_periods(
    con: duckdb.DuckDBPyConnection,
    first_day: date,
    last_day: date,
    *,
    profile: rules.Profile,
    territories: list[str],
    alsace_moselle: bool = False,
) -> None:
    """Create ``calendar_periods`` for the local days ``first_day``..``last_day``."""
    if last_day < first_day:
        raise InputError(f"--to {last_day} is before --from {first_day}")
    if (last_day - first_day).days > MAX_DAYS:
        raise InputError(f"a calendar covers at most {MAX_DAYS} days (ten years)")
    if first_day.year < 1971:
        raise InputError("a calendar starts in 1971 at the earliest")
    # Local days run from UTC-4 (Antilles) to UTC+4 (Réunion): a day's margin each side.
    start = datetime.combine(first_day - timedelta(days=1), time(), UTC)
    end = datetime.combine(last_day + timedelta(days=2), time(), UTC)
    rules.build_window_calendar(
        con,
        profile,
        start,
        end,
        territories,
        alsace_moselle=alsace_moselle or profile.alsace_moselle,
    )
    install_local_text(con)
    sqlfiles.materialize(con, "calendar_periods", {"first_day": first_day, "last_day": last_day})


@dataclass
class BlockedCalendar:
    """Allowed and blocked periods of a profile, per territory, over a range of local days."""

    con: duckdb.DuckDBPyConnection
    profile: rules.Profile
    first_day: date
    last_day: date

    @property
    def periods(self) -> pl.DataFrame:
        """One row per half-open period (territory, clock, state, reason, severity, ...)."""
        frame: pl.DataFrame = self.con.table("calendar_periods").pl()
        return frame

    def save(self, out_dir: str | Path, formats: list[str] | None = None) -> list[Path]:
        """Write ``calendar.csv`` (and other formats) and one ``calendar_<TERRITORY>.ics``."""
        from .. import export, outdir

        out = Path(out_dir)
        self.con.execute("CREATE OR REPLACE TEMP VIEW calendar AS SELECT * FROM calendar_periods")
        with outdir.staged(out) as work:
            paths = export.save(self.con, ["calendar"], work, formats or ["csv"], mask_secret=None)
            paths += write_ics(self.con, work, self.profile.name, self.first_day)
            paths.append(outdir.write_summary(work, self.to_dict()))
        return outdir.moved(paths, work, out)

    def to_dict(self) -> dict[str, Any]:
        """The calendar run as plain data (``summary.json``)."""
        from .. import __version__

        rows = self.con.execute(
            "SELECT territory, state, count(*) FROM calendar_periods GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        return {
            "smsaudit": __version__,
            "command": "calendar",
            "profile": self.profile.name,
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "periods": [{"territory": t, "state": s, "periods": n} for t, s, n in rows],
        }


def blocked_calendar(
    first_day: date | str,
    last_day: date | str,
    *,
    profile: str = rules.DEFAULT_PROFILE,
    territories: str | list[str] | None = None,
    alsace_moselle: bool = False,
) -> BlockedCalendar:
    """The allowed and blocked periods of ``profile`` for the local days given (inclusive)."""
    first, last = _day(first_day, "--from"), _day(last_day, "--to")
    prof = rules.load_profile(profile)
    con = db.connect()
    build_periods(
        con,
        first,
        last,
        profile=prof,
        territories=schema.territories(territories),
        alsace_moselle=alsace_moselle,
    )
    return BlockedCalendar(con, prof, first, last)


def _day(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name}: not a date (YYYY-MM-DD): {value!r}") from None


def write_ics(
    con: duckdb.DuckDBPyConnection, out: Path, profile: str, stamp_day: date
) -> list[Path]:
    """One ``calendar_<TERRITORY>.ics`` per territory: an event per blocked period.

    Events are in UTC (``Z``), which Outlook and Google Calendar show on the reader's clock;
    ``UID`` and ``DTSTAMP`` are derived from the period and the calendar's first day, so the
    same calendar gives the same bytes.
    """
    from icalendar import Calendar, Event

    rows = con.execute(
        "SELECT territory, clock, reason, severity, start_utc, end_utc, start_local, end_local "
        "FROM calendar_periods WHERE state = 'blocked' ORDER BY territory, start_utc"
    ).fetchall()
    territories = [
        t for (t,) in con.execute("SELECT DISTINCT territory FROM calendar_periods").fetchall()
    ]
    stamp = datetime.combine(stamp_day, time(), UTC)
    paths = []
    for territory in sorted(territories, key=list(schema.TERRITORY_CLOCKS).index):
        cal = Calendar()
        cal.add("prodid", "-//smsaudit//blocked SMS windows//EN")
        cal.add("version", "2.0")
        cal.add("calscale", "GREGORIAN")
        cal.add("method", "PUBLISH")
        cal.add("x-wr-calname", f"No marketing SMS: {territory} ({profile})")
        cal.add("x-wr-timezone", schema.TERRITORY_CLOCKS[territory])
        for terr, clock, reason, severity, start, end, start_local, end_local in rows:
            if terr != territory:
                continue
            event = Event()
            start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
            event.add("uid", f"{territory}-{start_utc:%Y%m%dT%H%M%SZ}-{profile}@smsaudit")
            event.add("dtstamp", stamp)
            event.add("dtstart", start_utc)
            event.add("dtend", end_utc)
            event.add("summary", f"No marketing SMS ({territory}): {REASON_TEXT[reason]}")
            event.add(
                "description",
                f"Blocked under profile {profile} ({severity}) from {start_local} to "
                f"{end_local}, {clock} time. Messages sent now are blocked but billed.",
            )
            event.add("transp", "TRANSPARENT")
            event.add("categories", ["smsaudit", reason, severity])
            cal.add_component(event)
        path = out / f"calendar_{territory}.ics"
        path.write_bytes(cal.to_ical())
        paths.append(path)
    return paths
