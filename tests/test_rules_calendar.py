"""Calendar classification against a per-row zoneinfo oracle, and the blocked-window audits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaudit import db, schema, sqlfiles
from smsaudit.errors import InputError
from smsaudit.rules import (
    Profile,
    build_window_calendar,
    classify_sends,
    compare_profiles,
    list_profiles,
    load_profile,
    profile_calendars,
)
from smsaudit.rules.calendar import SLOT_TERRITORY_INDEX, calendar_params, create_send_windows
from smsaudit.rules.holiday_calendar import holiday_rows
from smsaudit.rules.profiles import REASONS
from smsaudit.schema import TERRITORY_CLOCKS

TERRITORIES = sorted(TERRITORY_CLOCKS)
SPAN = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC))
HOLIDAYS = {(t, d) for t, d, _ in holiday_rows(TERRITORIES, range(2023, 2029))}
PROFILES = {p.name: p for p in list_profiles()}

Verdict = tuple[str | None, str | None, str]  # reason, severity, local_time


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def oracle(profile: Profile, territory: str, instant: datetime) -> Verdict:
    """The profile's rules applied to one instant converted with zoneinfo."""
    local = instant.astimezone(ZoneInfo(TERRITORY_CLOCKS[territory]))
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    holiday = (territory, local.date()) in HOLIDAYS
    matched: list[tuple[str, str]] = []
    if holiday and profile.public_holidays == "blocked":
        matched.append(("public_holiday", profile.severity("public_holiday")))
    if weekday == 6 and profile.sundays == "blocked":
        matched.append(("sunday", profile.severity("sunday")))
    if not any(lo <= minute < hi for lo, hi in profile.windows[weekday]):
        if weekday == 5:
            matched.append(("saturday_outside_hours", profile.severity("saturday_outside_hours")))
        else:
            reason = "sunday" if weekday == 6 else "weekday_outside_hours"
            matched.append((reason, profile.severity("weekday_outside_hours")))
    local_time = local.replace(microsecond=0).isoformat()
    if not matched:
        return None, None, local_time
    reason = min((r for r, _ in matched), key=REASONS.index)
    severity = "violation" if any(s == "violation" for _, s in matched) else "warning"
    return reason, severity, local_time


def insert_sends(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[tuple[str, datetime]],
    *,
    categories: Sequence[str] | None = None,
    campaigns: Sequence[str | None] | None = None,
) -> None:
    """A fresh ``sends`` table with one row per (territory, instant), message_id m0, m1..."""
    schema.create_empty(con, "sends")
    n = len(rows)
    con.execute(
        """
        INSERT INTO sends (message_id, sent_at, msisdn, territory, tz, sender_id, campaign_id,
                           category, input_file, line)
        SELECT 'm' || i, sent_at, '+33600000' || lpad(i::VARCHAR, 3, '0'), territory, 'x',
               '36184', campaign_id, category, 'test.csv', i
        FROM (SELECT unnest($territory) AS territory, unnest($sent_at) AS sent_at,
                     unnest($category) AS category, unnest($campaign) AS campaign_id,
                     unnest(range($n)) AS i)
        """,
        {
            "territory": [t for t, _ in rows],
            "sent_at": [s for _, s in rows],
            "category": list(categories or ["marketing"] * n),
            "campaign": list(campaigns or [None] * n),
            "n": n,
        },
    )


def classify(con: duckdb.DuckDBPyConnection, profile: Profile) -> list[Verdict]:
    create_send_windows(con)
    return [
        (r, s, t)
        for r, s, t in con.execute(
            # the ISO 8601 text blocked_window_messages writes, here for every send
            "SELECT w.reason, w.severity, "
            "strftime(w.local_ts, '%Y-%m-%dT%H:%M:%S') || w.utc_offset "
            "FROM send_windows AS w JOIN sends USING (message_id) ORDER BY line"
        ).fetchall()
    ]


@pytest.fixture(scope="module")
def calendars() -> Iterator[dict[str, duckdb.DuckDBPyConnection]]:
    """One connection per shipped profile, its window_calendar covering 2024-2027."""
    cons = {}
    for name, profile in PROFILES.items():
        con = db.connect()
        build_window_calendar(con, profile, *SPAN, TERRITORIES)
        cons[name] = con
    yield cons
    for con in cons.values():
        con.close()


def check(con: duckdb.DuckDBPyConnection, profile: Profile, rows: list[tuple[str, datetime]]):
    insert_sends(con, rows)
    expected = [oracle(profile, t, s) for t, s in rows]
    assert classify(con, profile) == expected
    # blocked_window_messages lists exactly the blocked ones (all marketing here), same text
    con.execute(
        "CREATE OR REPLACE TABLE message_costs (message_id VARCHAR, segments INTEGER, "
        "cost DECIMAL(18,6), currency VARCHAR)"
    )
    sqlfiles.materialize(con, "blocked_window_messages")
    got = con.execute(
        "SELECT message_id, reason, severity, local_time FROM blocked_window_messages"
    ).fetchall()
    assert sorted(got) == sorted(
        (f"m{i}", *verdict) for i, verdict in enumerate(expected) if verdict[0] is not None
    )


# --- property tests ---------------------------------------------------------------------

instants = st.integers(int(SPAN[0].timestamp()), int(SPAN[1].timestamp()) - 1).map(
    lambda s: datetime.fromtimestamp(s, UTC)
)


@st.composite
def near_boundary(draw: st.DrawFn, profile: Profile) -> tuple[str, datetime]:
    """A local window edge (or midnight) on a random day, give or take a second."""
    territory = draw(st.sampled_from(TERRITORIES))
    day = draw(st.dates(date(2024, 1, 2), date(2027, 12, 30)))
    edges = {0} | {e for ws in profile.windows for w in ws for e in w if e < 24 * 60}
    minute = draw(st.sampled_from(sorted(edges)))
    local = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    instant = local.replace(tzinfo=ZoneInfo(TERRITORY_CLOCKS[territory])).astimezone(UTC)
    return territory, instant + timedelta(seconds=draw(st.sampled_from([-1, 0, 1])))


@pytest.mark.parametrize("name", sorted(PROFILES))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_calendar_join_matches_zoneinfo_oracle(
    calendars: dict[str, duckdb.DuckDBPyConnection], name: str, data: st.DataObject
) -> None:
    profile = PROFILES[name]
    uniform = st.tuples(st.sampled_from(TERRITORIES), instants)
    rows = data.draw(st.lists(uniform | near_boundary(profile), min_size=1, max_size=40))
    check(calendars[name], profile, rows)


def test_every_territory_and_profile_over_a_dst_week(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    # Every 20 minutes through both 2026 clock-change weeks, for every clock and profile.
    starts = [utc(2026, 3, 5), utc(2026, 3, 26), utc(2026, 10, 22), utc(2026, 10, 29)]
    stamps = [s + timedelta(minutes=20 * k) for s in starts for k in range(4 * 72)]
    for name, profile in PROFILES.items():
        check(calendars[name], profile, [(t, s) for t in TERRITORIES for s in stamps])


# --- named edge cases (fr-acoustic unless stated) --------------------------------------


def verdicts(
    calendars: dict[str, duckdb.DuckDBPyConnection],
    rows: list[tuple[str, datetime]],
    name: str = "fr-acoustic",
) -> list[Verdict]:
    insert_sends(calendars[name], rows)
    return classify(calendars[name], PROFILES[name])


ALLOWED = (None, None)
WEEKDAY_BLOCKED = ("weekday_outside_hours", "violation")


def test_weekday_edges_are_half_open(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    # Tuesday 16 June 2026, Paris on summer time (UTC+2).
    got = verdicts(
        calendars,
        [
            ("FR", utc(2026, 6, 16, 5, 59, 59)),
            ("FR", utc(2026, 6, 16, 6, 0, 0)),
            ("FR", utc(2026, 6, 16, 17, 59, 59)),
            ("FR", utc(2026, 6, 16, 18, 0, 0)),
        ],
    )
    assert got == [
        (*WEEKDAY_BLOCKED, "2026-06-16T07:59:59+02:00"),
        (*ALLOWED, "2026-06-16T08:00:00+02:00"),
        (*ALLOWED, "2026-06-16T19:59:59+02:00"),
        (*WEEKDAY_BLOCKED, "2026-06-16T20:00:00+02:00"),
    ]


def test_saturday_edges(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    saturday = ("saturday_outside_hours", "violation")
    got = verdicts(
        calendars,
        [
            ("FR", utc(2026, 6, 20, 7, 59, 59)),
            ("FR", utc(2026, 6, 20, 8, 0, 0)),
            ("FR", utc(2026, 6, 20, 15, 59, 59)),
            ("FR", utc(2026, 6, 20, 16, 0, 0)),
        ],
    )
    assert [v[:2] for v in got] == [saturday, ALLOWED, ALLOWED, saturday]
    assert got[3][2] == "2026-06-20T18:00:00+02:00"


def test_paris_clock_changes(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    got = verdicts(
        calendars,
        [
            ("FR", utc(2026, 3, 29, 0, 59, 59)),  # last second of winter time
            ("FR", utc(2026, 3, 29, 1, 0, 0)),  # 03:00 summer time
            ("FR", utc(2026, 3, 30, 5, 59, 59)),  # Monday 07:59:59 CEST
            ("FR", utc(2026, 3, 30, 6, 0, 0)),  # Monday 08:00 CEST
            ("FR", utc(2026, 10, 25, 0, 59, 59)),  # 02:59:59 summer time
            ("FR", utc(2026, 10, 25, 1, 0, 0)),  # 02:00 again, winter time
            ("FR", utc(2026, 10, 26, 6, 59, 59)),  # Monday 07:59:59 CET
            ("FR", utc(2026, 10, 26, 7, 0, 0)),  # Monday 08:00 CET
        ],
    )
    assert [v[2] for v in got] == [
        "2026-03-29T01:59:59+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-30T07:59:59+02:00",
        "2026-03-30T08:00:00+02:00",
        "2026-10-25T02:59:59+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-26T07:59:59+01:00",
        "2026-10-26T08:00:00+01:00",
    ]
    assert [v[0] for v in got] == ["sunday", "sunday", "weekday_outside_hours", None] * 2


def test_paris_spring_forward_under_a_minute_grid_profile(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    # fr-af2m-2026 tolerates Sundays from 08:00: the edge moves with the clock change.
    got = verdicts(
        calendars,
        [("FR", utc(2026, 3, 29, 5, 59, 59)), ("FR", utc(2026, 3, 29, 6, 0, 0))],
        "fr-af2m-2026",
    )
    assert [v[:2] for v in got] == [("sunday", "violation"), ("sunday", "warning")]


def test_miquelon_clock_changes(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    got = verdicts(
        calendars,
        [
            ("PM", utc(2026, 3, 8, 4, 59, 59)),  # 01:59:59 -03:00
            ("PM", utc(2026, 3, 8, 5, 0, 0)),  # 03:00 -02:00
            ("PM", utc(2026, 3, 9, 9, 59, 59)),  # Monday 07:59:59 -02:00
            ("PM", utc(2026, 3, 9, 10, 0, 0)),  # Monday 08:00 -02:00
            ("PM", utc(2026, 11, 1, 3, 59, 59)),  # 01:59:59 -02:00, All Saints' Day
            ("PM", utc(2026, 11, 1, 4, 0, 0)),  # 01:00 -03:00
            ("PM", utc(2026, 11, 2, 10, 59, 59)),  # Monday 07:59:59 -03:00
            ("PM", utc(2026, 11, 2, 11, 0, 0)),  # Monday 08:00 -03:00
        ],
    )
    assert [v[2] for v in got] == [
        "2026-03-08T01:59:59-03:00",
        "2026-03-08T03:00:00-02:00",
        "2026-03-09T07:59:59-02:00",
        "2026-03-09T08:00:00-02:00",
        "2026-11-01T01:59:59-02:00",
        "2026-11-01T01:00:00-03:00",
        "2026-11-02T07:59:59-03:00",
        "2026-11-02T08:00:00-03:00",
    ]
    assert [v[0] for v in got] == [
        "sunday",
        "sunday",
        "weekday_outside_hours",
        None,
        "public_holiday",
        "public_holiday",
        "weekday_outside_hours",
        None,
    ]


def test_holiday_on_a_sunday_is_a_public_holiday(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    got = verdicts(calendars, [("FR", utc(2026, 11, 1, 11)), ("FR", utc(2026, 11, 8, 11))])
    assert [v[0] for v in got] == ["public_holiday", "sunday"]


def test_fourteenth_of_july_evening_in_guadeloupe(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    # 01:30 UTC on 15 July is still 14 July in Guadeloupe, but 15 July in Paris.
    got = verdicts(calendars, [("GP", utc(2026, 7, 15, 1, 30)), ("FR", utc(2026, 7, 15, 1, 30))])
    assert got == [
        ("public_holiday", "violation", "2026-07-14T21:30:00-04:00"),
        ("weekday_outside_hours", "violation", "2026-07-15T03:30:00+02:00"),
    ]


def test_reunion_morning_is_allowed_while_paris_sleeps(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    got = verdicts(calendars, [("RE", utc(2026, 6, 16, 5)), ("FR", utc(2026, 6, 16, 5))])
    assert got == [(*ALLOWED, "2026-06-16T09:00:00+04:00"), (*WEEKDAY_BLOCKED, got[1][2])]


def test_martinique_abolition_day(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    noon = utc(2026, 5, 22, 16)  # Friday, 12:00 in the Antilles
    got = verdicts(calendars, [("MQ", noon), ("GP", noon)])
    assert [v[0] for v in got] == ["public_holiday", None]


@pytest.mark.parametrize(("alsace", "reason"), [(False, None), (True, "public_holiday")])
def test_alsace_moselle_only_when_asked(alsace: bool, reason: str | None) -> None:
    con = db.connect()
    good_friday = utc(2026, 4, 3, 14)  # 16:00 in Paris, 10:00 in Guadeloupe
    insert_sends(con, [("FR", good_friday), ("GP", good_friday)])
    classify_sends(con, "fr-acoustic", alsace_moselle=alsace)
    got = con.execute("SELECT reason FROM send_windows ORDER BY message_id").fetchall()
    assert got == [(reason,), (None,)]


def test_profiles_differ_where_their_hours_do(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    saturday_21h = ("FR", utc(2026, 6, 20, 19))
    sunday_23h = ("FR", utc(2026, 6, 21, 21))
    ascension_noon = ("FR", utc(2026, 5, 14, 10))
    ascension_23h = ("FR", utc(2026, 5, 14, 21))
    lunch = ("FR", utc(2026, 6, 16, 11, 30))
    rows = [saturday_21h, sunday_23h, ascension_noon, ascension_23h, lunch]
    got = {name: [v[:2] for v in verdicts(calendars, rows, name)] for name in PROFILES}
    assert got["fr-af2m-2024"] == [
        ALLOWED,
        ("sunday", "violation"),
        ("public_holiday", "violation"),
        ("public_holiday", "violation"),
        ALLOWED,
    ]
    assert got["fr-af2m-2026"] == [
        ALLOWED,
        ("sunday", "violation"),  # tolerated day, but outside 08:00-21:30
        ("public_holiday", "warning"),
        ("public_holiday", "violation"),
        ALLOWED,
    ]
    assert got["fr-calls-2022"][4] == WEEKDAY_BLOCKED


# --- the calendar table itself ---------------------------------------------------------


def test_window_calendar_columns_and_grid(calendars: dict[str, duckdb.DuckDBPyConnection]) -> None:
    con = calendars["fr-af2m-2026"]
    columns = [row[0] for row in con.execute("DESCRIBE window_calendar").fetchall()]
    assert columns == [
        "territory",
        "tz",
        "bucket",
        "bucket_start",
        "bucket_seconds",
        "local_start",
        "local_date",
        "utc_offset_minutes",
        "utc_offset",
        "blocked",
        "reason",
        "severity",
        "profile",
        "slot",
    ]
    row = con.execute(
        "SELECT count(*), count(DISTINCT (territory, bucket)), min(bucket_seconds), "
        "max(bucket_seconds), count(*) FILTER (WHERE blocked <> (reason IS NOT NULL)) "
        "FROM window_calendar"
    ).fetchone()
    assert row == (row[0], row[0], 1800, 1800, 0)
    assert row[0] == len(TERRITORIES) * (SPAN[1] - SPAN[0]) // timedelta(minutes=30) + 9


def test_slot_numbers_territory_and_bucket_densely(
    calendars: dict[str, duckdb.DuckDBPyConnection],
) -> None:
    con = calendars["fr-acoustic"]
    got = con.execute(
        "SELECT territory, bucket, slot FROM window_calendar ORDER BY territory, bucket"
    ).fetchall()
    index = {t: i for i, t in enumerate(TERRITORY_CLOCKS)}
    assert all(slot == bucket * 9 + index[t] for t, bucket, slot in got)
    buckets = {b for _, b, _ in got}
    # one slot per pair, all within 9 x the buckets: DuckDB can index them directly
    assert len({s for *_, s in got}) == len(got) == len(TERRITORIES) * len(buckets)
    # and every query joining on slot computes it the same way
    for name in ("window_calendar", "send_windows", "profile_comparison"):
        assert SLOT_TERRITORY_INDEX in " ".join(sqlfiles.query(name).split())


def test_a_bucket_straddling_a_clock_change_aborts_the_build() -> None:
    profile = load_profile("fr-acoustic")
    params = calendar_params(
        profile, utc(2026, 3, 29), utc(2026, 3, 30), ["FR"], alsace_moselle=False, bucket_minutes=60
    )
    params["bucket_seconds"] = 7200  # two hours: Paris changes clock at 01:00 UTC
    params["first_bucket"] = int(utc(2026, 3, 29).timestamp()) // 7200
    params["end_bucket"] = params["first_bucket"] + 12
    with pytest.raises(duckdb.Error, match="changes offset inside the bucket"):
        sqlfiles.materialize(db.connect(), "window_calendar", params)


def test_bad_arguments() -> None:
    con = db.connect()
    with pytest.raises(ValueError, match="time-zone aware"):
        build_window_calendar(con, "fr-acoustic", datetime(2026, 1, 1), utc(2026, 2, 1), ["FR"])
    with pytest.raises(ValueError, match="before start"):
        build_window_calendar(con, "fr-acoustic", utc(2026, 2, 1), utc(2026, 1, 1), ["FR"])
    with pytest.raises(InputError, match="unknown territories US"):
        build_window_calendar(con, "fr-acoustic", utc(2026, 1, 1), utc(2026, 2, 1), ["US"])
    with pytest.raises(ValueError, match="does not divide"):
        calendar_params(
            load_profile("fr-af2m-2026"),
            utc(2026, 1, 1),
            utc(2026, 1, 2),
            ["FR"],
            alsace_moselle=False,
            bucket_minutes=60,
        )


# --- send_windows, blocked_window_messages, late_campaigns, profile_comparison ---------


def story(con: duckdb.DuckDBPyConnection) -> None:
    """Campaign c1 starts 19:58 Paris time and runs past 20:00; c2 is all in hours."""
    rows = [
        ("FR", utc(2026, 6, 16, 17, 58)),  # m0 c1 allowed
        ("FR", utc(2026, 6, 16, 17, 59, 59)),  # m1 c1 allowed
        ("FR", utc(2026, 6, 16, 18, 0)),  # m2 c1 blocked
        ("GP", utc(2026, 6, 17, 0, 30)),  # m3 c1 blocked (20:30 in Guadeloupe)
        ("FR", utc(2026, 6, 16, 10)),  # m4 c2 allowed
        ("FR", utc(2026, 6, 21, 10)),  # m5 no campaign, Sunday
        ("FR", utc(2026, 6, 21, 11)),  # m6 transactional on Sunday
    ]
    insert_sends(
        con,
        rows,
        categories=["marketing"] * 6 + ["transactional"],
        campaigns=["c1", "c1", "c1", "c1", "c2", None, "c1"],
    )
    con.execute(
        "CREATE TABLE message_costs (message_id VARCHAR, segments INTEGER, "
        "segments_source VARCHAR, price DECIMAL(18,6), price_source VARCHAR, "
        "cost DECIMAL(18,6), currency VARCHAR)"
    )
    costs = [
        ("m0", 1, "send", "0.05", "send", "0.05", "EUR"),
        ("m1", 1, "send", "0.05", "send", "0.05", "EUR"),
        ("m2", 2, "send", "0.05", "send", "0.10", "EUR"),
        ("m3", 1, "body", None, None, None, None),  # unpriced
        ("m4", 1, "send", "0.05", "send", "0.05", "EUR"),
        ("m5", 1, "send", "0.07", "rate_card", "0.07", "EUR"),
        ("m6", 1, "send", "0.05", "send", "0.05", "EUR"),
    ]
    con.executemany("INSERT INTO message_costs VALUES (?, ?, ?, ?, ?, ?, ?)", costs)
    classify_sends(con, "fr-acoustic")


def test_send_windows_keeps_every_send() -> None:
    con = db.connect()
    story(con)
    rows = con.execute(
        "SELECT message_id, category, local_ts, local_date, utc_offset_minutes, blocked, reason, "
        "utc_offset, profile FROM send_windows ORDER BY message_id"
    ).fetchall()
    assert len(rows) == 7
    assert rows[3] == (
        "m3",
        "marketing",
        datetime(2026, 6, 16, 20, 30),
        date(2026, 6, 16),
        -240,
        True,
        "weekday_outside_hours",
        "-04:00",
        "fr-acoustic",
    )
    assert rows[6][1:2] + rows[6][5:7] == ("transactional", True, "sunday")


def test_blocked_window_messages() -> None:
    con = db.connect()
    story(con)
    sqlfiles.materialize(con, "blocked_window_messages")
    columns = [r[0] for r in con.execute("DESCRIBE blocked_window_messages").fetchall()]
    assert columns == [
        "message_id",
        "msisdn",
        "sender_id",
        "campaign_id",
        "territory",
        "local_time",
        "reason",
        "severity",
        "segments",
        "cost",
        "currency",
        "program_id",
        "aggregator",
        "sent_at",
        "local_date",
        "profile",
    ]
    rows = con.execute(
        "SELECT message_id, campaign_id, local_time, reason, severity, segments, cost, currency "
        "FROM blocked_window_messages"
    ).fetchall()
    assert rows == [
        ("m2", "c1", "2026-06-16T20:00:00+02:00", "weekday_outside_hours", "violation", 2,
         Decimal("0.100000"), "EUR"),
        ("m3", "c1", "2026-06-16T20:30:00-04:00", "weekday_outside_hours", "violation", 1,
         None, None),
        ("m5", None, "2026-06-21T12:00:00+02:00", "sunday", "violation", 1,
         Decimal("0.070000"), "EUR"),
    ]  # fmt: skip


def test_late_campaigns() -> None:
    con = db.connect()
    story(con)
    for table in ("blocked_window_messages", "late_campaigns"):  # the second reads the first
        sqlfiles.materialize(con, table)
    rows = con.execute("SELECT * FROM late_campaigns").fetchall()
    columns = [r[0] for r in con.execute("DESCRIBE late_campaigns").fetchall()]
    assert len(rows) == 1  # c2 never blocked; m6 is transactional
    got = dict(zip(columns, rows[0], strict=True))
    assert got == {
        "campaign_id": "c1",
        "first_sent_at": utc(2026, 6, 16, 17, 58),
        "last_sent_at": utc(2026, 6, 17, 0, 30),
        "messages": 4,
        "messages_blocked": 2,
        "cost_blocked": Decimal("0.100000"),
        "currency": "EUR",
        "first_blocked_at": utc(2026, 6, 16, 18),
        "reasons": "weekday_outside_hours",
        "messages_blocked_unpriced": 1,
        "first_blocked_local_time": "2026-06-16T20:00:00+02:00",
        "profile": "fr-acoustic",
    }


def test_first_blocked_local_time_of_a_tie_is_the_earliest_string() -> None:
    """Messages sent at one instant to several territories: the same answer every run."""
    con = db.connect()
    story(con)
    sqlfiles.materialize(con, "blocked_window_messages")
    first = con.execute("SELECT * FROM blocked_window_messages WHERE message_id = 'm2'")
    names = [d[0] for d in first.description]
    row = dict(zip(names, first.fetchall()[0], strict=True))
    marks = ", ".join(f"${c}" for c in names)
    con.execute("DELETE FROM blocked_window_messages WHERE message_id = 'm2'")
    offsets = ["+04:00", "-03:00", "-04:00", "+03:00"]  # RE, GF, GP, YT at 18:00 UTC
    for i, offset in enumerate(offsets * 50):  # read before m2 (FR, +02:00), the earliest
        tied = {**row, "message_id": f"t{i}", "local_time": "2026-06-16T20:00:00" + offset}
        con.execute(f"INSERT INTO blocked_window_messages VALUES ({marks})", tied)
    con.execute(f"INSERT INTO blocked_window_messages VALUES ({marks})", row)
    # allowed sends of the campaign, so that it stays only partly blocked
    con.execute(
        "INSERT INTO sends SELECT s.* REPLACE ('x' || i AS message_id) "
        "FROM sends AS s, range(300) AS r(i) WHERE message_id = 'm0'"
    )
    for _ in range(5):
        sqlfiles.materialize(con, "late_campaigns")
        got = con.execute("SELECT first_blocked_local_time FROM late_campaigns").fetchall()
        assert got == [("2026-06-16T20:00:00+02:00",)]


def test_late_campaign_costs_are_not_added_across_currencies() -> None:
    con = db.connect()
    story(con)
    con.execute("UPDATE message_costs SET cost = 1, currency = 'USD' WHERE message_id = 'm3'")
    sqlfiles.materialize(con, "blocked_window_messages")
    con.execute("UPDATE blocked_window_messages SET reason = 'sunday' WHERE message_id = 'm3'")
    sqlfiles.materialize(con, "late_campaigns")
    row = con.execute("SELECT cost_blocked, currency, reasons FROM late_campaigns").fetchone()
    assert row == (None, "EUR,USD", "sunday,weekday_outside_hours")


def test_profile_calendars_live_only_inside_their_block() -> None:
    con = db.connect()
    insert_sends(con, [("FR", utc(2026, 5, 10, 12)), ("GP", utc(2026, 5, 10, 23))])
    with profile_calendars(con) as params:
        profiles = con.execute("SELECT DISTINCT profile FROM profile_calendars ORDER BY 1")
        assert [r[0] for r in profiles.fetchall()] == sorted(p.name for p in list_profiles())
        assert set(params) == {"bucket_us", "start", "end"}
    assert not sqlfiles.table_exists(con, "profile_calendars")
    with pytest.raises(RuntimeError), profile_calendars(con):
        raise RuntimeError("a failed build")
    assert not sqlfiles.table_exists(con, "profile_calendars")


def test_profile_comparison_counts_match_the_oracle() -> None:
    con = db.connect()
    stamps = [utc(2026, 5, 10) + timedelta(minutes=37 * k) for k in range(24 * 60 // 37 * 10)]
    rows = [(t, s) for s in stamps for t in ("FR", "GP", "RE", "PM")]
    insert_sends(con, rows)
    classify_sends(con, "fr-acoustic")
    before = con.execute("SELECT count(*), any_value(profile) FROM window_calendar").fetchall()
    compare_profiles(con)
    got = con.execute("SELECT profile, reason, severity, messages FROM profile_comparison")
    expected = Counter(
        (name, *oracle(p, t, s)[:2]) for name, p in PROFILES.items() for t, s in rows
    )
    assert Counter({r[:3]: r[3] for r in got.fetchall()}) == expected
    # The audit's own calendar is left alone.
    assert con.execute("SELECT count(*), any_value(profile) FROM window_calendar").fetchall() == (
        before
    )
    assert "profile_calendars" not in {r[0] for r in con.execute("SHOW TABLES").fetchall()}


def test_profile_comparison_keeps_to_the_chosen_territories_and_span() -> None:
    con = db.connect()
    stamps = [utc(2026, 5, 10) + timedelta(minutes=53 * k) for k in range(24 * 60 // 53 * 6)]
    rows = [(t, s) for s in stamps for t in ("FR", "GP", "RE", "PM")]
    insert_sends(con, rows)
    start, end = utc(2026, 5, 11, 3, 10), utc(2026, 5, 13, 20, 5)
    compare_profiles(con, start, end, ["GP", "RE"])
    got = con.execute("SELECT profile, reason, severity, messages FROM profile_comparison")
    expected = Counter(
        (name, *oracle(p, t, s)[:2])
        for name, p in PROFILES.items()
        for t, s in rows
        if t in ("GP", "RE") and start <= s <= end
    )
    assert Counter({r[:3]: r[3] for r in got.fetchall()}) == expected


def test_empty_sends() -> None:
    con = db.connect()
    schema.create_empty(con, "sends")
    classify_sends(con, "fr-af2m-2026")
    compare_profiles(con)
    for table in ("window_calendar", "send_windows", "profile_comparison"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,)
