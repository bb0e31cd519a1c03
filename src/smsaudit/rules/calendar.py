"""Calendar tables: a rule profile unrolled over the data's span, one row per UTC bucket.

Converting 20 million instants to local time one by one is slow; the span of a month of
traffic holds only a few thousand buckets per clock. ``window_calendar`` therefore holds,
for each territory clock and each UTC bucket, the local time, offset and verdict, and a send
is classified by an integer equality join on one BIGINT ``slot`` numbering the pairs
``(territory, bucket)`` densely, which DuckDB performs by direct indexing (a perfect hash
join): about the cost of reading the sends.

Tables created here:

- ``holiday_calendar(territory, day, name)``: see :mod:`smsaudit.rules.holiday_calendar`;
- ``window_calendar``: see ``sql/window_calendar.sql``;
- ``send_windows`` (a view): one row per canonical send (marketing and transactional) with
  its local time and the profile's verdict; audits filter on ``category = 'marketing'``;
- ``profile_comparison``: marketing traffic counted by (profile, reason, severity) under
  every shipped profile.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from smsaudit import schema, sqlfiles
from smsaudit.rules.holiday_calendar import holiday_rows, holiday_table
from smsaudit.rules.profiles import Profile, list_profiles, load_profile
from smsaudit.schema import TERRITORY_CLOCKS

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# window_calendar.slot = bucket * 9 + the territory's index in TERRITORY_CLOCKS, and
# send_windows.sql computes a send's slot the same way: both must spell it exactly so.
SLOT_TERRITORY_INDEX = (
    f"* {len(TERRITORY_CLOCKS)} + CASE territory "
    + " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(TERRITORY_CLOCKS))
    + " END"
)


def _profile(profile: Profile | str) -> Profile:
    return profile if isinstance(profile, Profile) else load_profile(profile)


def _territories(territories: Iterable[str]) -> list[str]:
    chosen = list(territories)
    return sorted(schema.territories(chosen)) if chosen else []


def _instant(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise ValueError(f"{name} must be time-zone aware (a UTC instant), got {value!r}")
    if value < _EPOCH:
        # Buckets are computed with integer division, which truncates towards zero.
        raise ValueError(f"{name} must not be before 1970, got {value.isoformat()}")
    return value


def _holiday_years(start: datetime, end: datetime) -> range:
    # A local date can be the UTC date plus or minus one day.
    return range((start - timedelta(days=1)).year, (end + timedelta(days=1)).year + 1)


def calendar_params(
    profile: Profile,
    start: datetime,
    end: datetime,
    territories: list[str],
    *,
    alsace_moselle: bool,
    bucket_minutes: int,
) -> dict[str, Any]:
    """Bound values of ``sql/window_calendar.sql`` covering the instants ``[start, end]``."""
    if profile.bucket_minutes % bucket_minutes:
        raise ValueError(
            f"bucket of {bucket_minutes} min does not divide {profile.name}'s "
            f"{profile.bucket_minutes} min grid"
        )
    bucket_seconds = bucket_minutes * 60
    start, end = _instant(start, "start"), _instant(end, "end")
    if end < start:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    holidays = holiday_rows(territories, _holiday_years(start, end), alsace_moselle)
    windows = [
        (isodow, lo, hi) for isodow, day in enumerate(profile.windows, start=1) for lo, hi in day
    ]
    return {
        "profile": profile.name,
        "territories": territories,
        "clocks": [TERRITORY_CLOCKS[t] for t in territories],
        "bucket_seconds": bucket_seconds,
        "first_bucket": int((start - _EPOCH).total_seconds()) // bucket_seconds,
        "end_bucket": int((end - _EPOCH).total_seconds()) // bucket_seconds + 1,
        "window_isodow": [w[0] for w in windows],
        "window_start": [w[1] for w in windows],
        "window_end": [w[2] for w in windows],
        "holiday_territories": [h[0] for h in holidays],
        "holiday_days": [h[1] for h in holidays],
        "holidays_blocked": profile.public_holidays == "blocked",
        "sundays_blocked": profile.sundays == "blocked",
        "severity_public_holiday": profile.severity("public_holiday"),
        "severity_sunday": profile.severity("sunday"),
        "severity_saturday": profile.severity("saturday_outside_hours"),
        "severity_weekday": profile.severity("weekday_outside_hours"),
    }


def build_window_calendar(
    con: duckdb.DuckDBPyConnection,
    profile: Profile | str,
    start: datetime,
    end: datetime,
    territories: Iterable[str],
    *,
    alsace_moselle: bool | None = None,
) -> None:
    """Create ``holiday_calendar`` and ``window_calendar`` for instants in ``[start, end]``.

    ``alsace_moselle`` overrides the profile's own setting when given.
    """
    chosen = _profile(profile)
    names = _territories(territories)
    alsace = chosen.alsace_moselle if alsace_moselle is None else alsace_moselle
    params = calendar_params(
        chosen, start, end, names, alsace_moselle=alsace, bucket_minutes=chosen.bucket_minutes
    )
    holiday_table(con, names, _holiday_years(start, end), alsace)
    sqlfiles.materialize(con, "window_calendar", params)


def _span(
    con: duckdb.DuckDBPyConnection, marketing_only: bool, totals: str | None = None
) -> tuple[datetime, datetime, list[str]]:
    """First and last instant and the territories of the sends, from ``totals`` (the
    pipeline's ``send_totals``, built by whichever engine holds the sends), else from
    ``sends`` in ``con`` through the same query."""
    source = totals if totals is not None else f"({sqlfiles.query('send_totals')})"
    where = "WHERE category = 'marketing'" if marketing_only else ""
    row = con.execute(
        "SELECT min(first_sent_at), max(last_sent_at), list(DISTINCT territory ORDER BY "
        f"territory) FROM {source} {where}"
    ).fetchall()[0]
    if row[0] is None:
        return _EPOCH, _EPOCH, []
    return row[0], row[1], list(row[2])


def _check_slot_spelling() -> None:
    """Every query that joins on window_calendar.slot computes it as window_calendar does."""
    for name in ("window_calendar", "send_windows", "profile_comparison"):
        if SLOT_TERRITORY_INDEX not in " ".join(sqlfiles.query(name).split()):
            raise RuntimeError(  # pragma: no cover - a schema change
                f"{name}.sql must number territories as {SLOT_TERRITORY_INDEX!r}"
            )


def classify_sends(
    con: duckdb.DuckDBPyConnection, profile: Profile | str, *, alsace_moselle: bool = False
) -> None:
    """Classify every row of ``sends`` under ``profile`` into ``send_windows``.

    Builds ``holiday_calendar`` and ``window_calendar`` over the span and territories of
    ``sends`` first. Alsace-Moselle days count when the caller or the profile asks for them.
    """
    calendar_for_sends(con, profile, alsace_moselle=alsace_moselle)
    create_send_windows(con)


def calendar_for_sends(
    con: duckdb.DuckDBPyConnection,
    profile: Profile | str,
    *,
    alsace_moselle: bool = False,
    totals: str | None = None,
) -> None:
    """``holiday_calendar`` and ``window_calendar`` over the span and territories of the
    sends (``totals``: a ``send_totals`` table, when the sends are elsewhere)."""
    chosen = _profile(profile)
    start, end, territories = _span(con, marketing_only=False, totals=totals)
    build_window_calendar(
        con,
        chosen,
        start,
        end,
        territories,
        alsace_moselle=alsace_moselle or chosen.alsace_moselle,
    )


def create_send_windows(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``send_windows`` as a view of ``sends`` classified through ``window_calendar``.

    A view, not a table: the classification costs about as much as reading ``sends``, less
    than writing every send out again, and it then takes no memory (see send_windows.sql).
    The calendar must cover the span and the territories of ``sends`` (as ``classify_sends``
    builds it): a send outside it has no row.
    """
    _check_slot_spelling()
    sqlfiles.define_view(con, "send_windows")


def compare_profiles(
    con: duckdb.DuckDBPyConnection,
    start: datetime | None = None,
    end: datetime | None = None,
    territories: Iterable[str] | None = None,
    *,
    alsace_moselle: bool = False,
) -> None:
    """Create ``profile_comparison``: marketing sends in ``[start, end]`` under every profile.

    Defaults are the span and territories of the marketing rows of ``sends``. The main
    ``holiday_calendar`` and ``window_calendar`` are left untouched.
    """
    with profile_calendars(con, start, end, territories, alsace_moselle=alsace_moselle) as params:
        sqlfiles.materialize(con, "profile_comparison", params)


@contextlib.contextmanager
def profile_calendars(
    con: duckdb.DuckDBPyConnection,
    start: datetime | None = None,
    end: datetime | None = None,
    territories: Iterable[str] | None = None,
    *,
    alsace_moselle: bool = False,
    totals: str | None = None,
) -> Iterator[dict[str, Any]]:
    """While inside, the temporary table ``profile_calendars`` (every shipped profile's
    calendar on one grid); yields the parameters of ``sql/profile_comparison.sql``, which
    reads it. Same defaults as :func:`compare_profiles` (``totals``: as in
    :func:`calendar_for_sends`). The table is dropped on exit."""
    data_start, data_end, data_territories = _span(con, marketing_only=True, totals=totals)
    start = data_start if start is None else start
    end = data_end if end is None else end
    names = _territories(data_territories if territories is None else territories)
    profiles = list_profiles()
    # One grid fine enough for every profile lets all calendars share the traffic's buckets.
    bucket_minutes = math.gcd(*(p.bucket_minutes for p in profiles))
    _check_slot_spelling()
    query = sqlfiles.query("window_calendar")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE profile_calendars (profile VARCHAR, territory VARCHAR, "
        "bucket BIGINT, reason VARCHAR, severity VARCHAR, slot BIGINT)"
    )
    try:
        for chosen in profiles:
            params = calendar_params(
                chosen,
                start,
                end,
                names,
                alsace_moselle=alsace_moselle or chosen.alsace_moselle,
                bucket_minutes=bucket_minutes,
            )
            used = {k: v for k, v in params.items() if k in sqlfiles.parameters("window_calendar")}
            con.execute(
                "INSERT INTO profile_calendars "
                f"SELECT profile, territory, bucket, reason, severity, slot FROM ({query})",
                used,
            )
        yield {"bucket_us": bucket_minutes * 60_000_000, "start": start, "end": end}
    finally:
        con.execute("DROP TABLE IF EXISTS profile_calendars")
