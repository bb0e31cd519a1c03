"""Segments, cost precedence, wasted spend, the finance view and the latest safe start."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest
from conftest import canonical_tables
from conftest import insert as insert_rows
from hypothesis import example, given, settings
from hypothesis import strategies as st

from smsaudit import db, sqlfiles
from smsaudit.cost import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    count_segments,
    finance_assumptions,
    is_gsm7,
)

D = Decimal

# --- helpers -------------------------------------------------------------------------

SEND_DEFAULTS: dict[str, Any] = {
    "sent_at": "2024-03-12 10:00:00+00",
    "msisdn": "+33612345678",
    "territory": "FR",
    "tz": "Europe/Paris",
    "sender_id": "36184",
    "program_id": None,
    "campaign_id": None,
    "aggregator": "mgage",
    "category": "marketing",
    "body": None,
    "segments": None,
    "price": None,
    "currency": None,
    "input_file": "sends.csv",
}


def fresh() -> duckdb.DuckDBPyConnection:
    return canonical_tables()


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Canonical rows, sends filled with SEND_DEFAULTS (the shared builder of conftest)."""
    insert_rows(con, table, rows, {"sends": SEND_DEFAULTS})


def sql_segments(bodies: list[str]) -> list[int]:
    """Segments that message_costs.sql counts from each body, in order."""
    con = fresh()
    insert(con, "sends", [{"message_id": str(i), "body": b} for i, b in enumerate(bodies)])
    sqlfiles.materialize(con, "message_costs")
    rows = con.execute(
        "SELECT segments, segments_source FROM message_costs ORDER BY message_id::INTEGER"
    ).fetchall()
    assert all(source == "body" for _, source in rows)
    return [segments for segments, _ in rows]


def costs(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, Any]]:
    sqlfiles.materialize(con, "message_costs")
    rel = con.execute("SELECT * FROM message_costs")
    names = [d[0] for d in rel.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in rel.fetchall()}


# --- segment counting ----------------------------------------------------------------

GSM_TEXT = sorted(GSM7_BASIC | GSM7_EXTENSION)
FRENCH_UCS2 = [*"âêîôûëïçœÀÈÊ«»’…–", "\u00a0", "\u202f"]  # no-break spaces too
EMOJI = ["😀", "👍", "🎉", "\U0001f1eb", "\U0001f1f7"]  # the last two make a 🇫🇷 flag

BOUNDARY_CASES = [
    ("", 1),
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("ç" + "a" * 69, 1),  # 70 UCS-2 units
    ("ç" + "a" * 70, 2),  # 71
    ("ç" + "a" * 133, 2),  # 134 = 2 x 67
    ("ç" + "a" * 134, 3),  # 135
    ("é" * 160, 1),  # é is GSM-7
    ("Ç" * 160, 1),  # capital Ç is GSM-7 (0x09)
    ("ç" * 70, 1),
    ("ç" * 71, 2),  # small ç is not: UCS-2
    ("€" * 80, 1),  # 160 septets
    ("€" * 81, 2),  # 162 septets
    ("a" * 159 + "€", 2),  # 161 septets
    ("^{}[]~\\|\f" + "a" * 142, 1),  # 9 escapes: 18 + 142 = 160
    # An escape sequence never straddles two parts: 306 septets but 3 parts.
    ("a" * 152 + "€" + "a" * 152, 3),
    # Nor does a surrogate pair: 134 units but 3 parts.
    ("ç" + "a" * 65 + "😀" + "a" * 66, 3),
    ("😀" * 35, 1),  # 70 units
    ("😀" * 36, 2),  # 72 units
    ("Votre code\u00a0: 1234", 1),  # a no-break space forces UCS-2, still one part
    ("a" * 69 + "’", 1),
    ("a" * 70 + "’", 2),
]


@pytest.mark.parametrize(("body", "expected"), BOUNDARY_CASES)
def test_count_segments_boundaries(body: str, expected: int) -> None:
    assert count_segments(body) == expected


def test_sql_segments_boundaries() -> None:
    bodies = [body for body, _ in BOUNDARY_CASES]
    assert sql_segments(bodies) == [expected for _, expected in BOUNDARY_CASES]


def test_gsm7_membership() -> None:
    assert is_gsm7("é è à ù ì ò É Ç ä ö ü Ä Ö Ü æ ñ @£$¥§¿¡ΔΦΓΛΩΠΨΣΘΞ")
    for c in "âêîôûëïçœÀÈÊ«»’…–\u00a0\u202f😀`":
        assert not is_gsm7(c), c
    assert len(GSM7_BASIC) == 127  # 128 codes minus the escape
    assert len(GSM7_EXTENSION) == 10


def classify(seg71: int, seg81: int) -> str:
    if seg71 > 1:
        return "ucs2"
    return "basic" if seg81 == 1 else "extension"


def test_sql_charset_matches_python_for_every_character() -> None:
    # c*71 is one part only in GSM-7; c*81 is one part only for a basic GSM-7 character.
    chars = [chr(cp) for cp in range(1, 0x300)] + FRENCH_UCS2 + EMOJI[:3] + ["€", "Δ", "Ω"]
    segs = sql_segments([c * 71 for c in chars] + [c * 81 for c in chars])
    n = len(chars)
    for c, s71, s81 in zip(chars, segs[:n], segs[n:], strict=True):
        expected = "extension" if c in GSM7_EXTENSION else "basic" if c in GSM7_BASIC else "ucs2"
        assert classify(s71, s81) == expected, repr(c)


# A two-unit character right at a part boundary is where naive division goes wrong:
# bodies whose width-1 padding puts one there, with totals around two full parts.
near_a_boundary = st.one_of(
    st.builds(
        lambda n, wide, m: "a" * n + wide + "a" * m,
        st.integers(148, 154),
        st.sampled_from(["€", "[", "|"]),
        st.integers(148, 156),
    ),
    st.builds(
        lambda n, wide, m: "ç" + "a" * (n - 1) + wide + "a" * m,
        st.integers(62, 68),
        st.sampled_from(["😀", "🎉"]),
        st.integers(62, 70),
    ),
)

french_ish = st.one_of(
    near_a_boundary,
    st.text(alphabet=st.sampled_from(GSM_TEXT), max_size=480),
    st.text(
        alphabet=st.one_of(
            st.sampled_from(GSM_TEXT), st.sampled_from(FRENCH_UCS2), st.sampled_from(EMOJI)
        ),
        max_size=320,
    ),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(french_ish, min_size=1, max_size=12))
def test_sql_agrees_with_python_reference(bodies: list[str]) -> None:
    assert sql_segments(bodies) == [count_segments(b) for b in bodies]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(GSM7_BASIC)), max_size=700))
def test_gsm_without_escapes_is_plain_division(body: str) -> None:
    n = len(body)
    assert count_segments(body) == (1 if n <= 160 else math.ceil(n / 153))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from([*FRENCH_UCS2, "a", "é", " "]), max_size=300))
def test_bmp_ucs2_is_plain_division(text: str) -> None:
    body = "œ" + text  # one character outside GSM-7 makes the whole body UCS-2
    n = len(body)
    assert count_segments(body) == (1 if n <= 70 else math.ceil(n / 67))


# --- cost precedence -------------------------------------------------------------------


def test_each_price_source_wins_in_its_turn() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "r", "price": D("0.09"), "currency": "EUR", "body": "x"},
            {"message_id": "c", "price": D("0.09"), "currency": "EUR", "body": "x"},
            {"message_id": "s", "price": D("0.09"), "currency": "EUR", "aggregator": "acme"},
            {"message_id": "n", "aggregator": "acme"},
            {"message_id": "no_aggregator", "aggregator": None},
        ],
    )
    insert(
        con,
        "receipts",
        [
            {"message_id": "r", "status": "DELIVERED", "price": D("0.05"), "currency": "USD"},
            {"message_id": "c", "status": "DELIVERED"},  # a receipt without a price
        ],
    )
    insert(
        con,
        "rate_card",
        [{"aggregator": "mgage", "price_per_segment": D("0.07"), "currency": "EUR"}],
    )
    got = costs(con)
    assert len(got) == 5
    assert (got["r"]["price_source"], got["r"]["price"], got["r"]["currency"]) == (
        "receipt",
        D("0.05"),
        "USD",
    )
    assert (got["c"]["price_source"], got["c"]["price"]) == ("rate_card", D("0.07"))
    assert (got["s"]["price_source"], got["s"]["price"]) == ("send", D("0.09"))
    for unpriced in ("n", "no_aggregator"):
        row = got[unpriced]
        assert row["price_source"] is None
        assert row["price"] is None and row["cost"] is None and row["currency"] is None
        assert row["segments"] == 1 and row["segments_source"] == "default"


def test_each_segment_source_wins_in_its_turn_and_cost_is_exact() -> None:
    con = fresh()
    long_body = "a" * 200  # 2 segments from the body
    priced = {"price": D("0.045"), "currency": "EUR"}
    insert(
        con,
        "sends",
        [
            {"message_id": "r", "segments": 2, "body": long_body, **priced},
            {"message_id": "s", "segments": 4, "body": long_body, **priced},
            {"message_id": "b", "body": long_body, **priced},
            {"message_id": "d", **priced},
        ],
    )
    insert(con, "receipts", [{"message_id": "r", "status": "DELIVERED", "segments": 3}])
    got = costs(con)
    assert {k: (v["segments"], v["segments_source"]) for k, v in got.items()} == {
        "r": (3, "receipt"),
        "s": (4, "send"),
        "b": (2, "body"),
        "d": (1, "default"),
    }
    assert got["r"]["cost"] == D("0.135000")
    assert got["s"]["cost"] == D("0.180000")


@pytest.mark.parametrize(
    ("sent_at", "expected"),
    [
        ("2024-01-31 22:59:59+00", "jan"),  # 23:59:59 in Paris, still 31 Jan
        ("2024-01-31 23:00:00+00", "feb"),  # midnight in Paris: 1 Feb
        ("2024-02-29 12:00:00+00", "feb"),  # valid_to is inclusive
        ("2024-06-30 21:59:59+00", "jun"),  # summer time: UTC+2
        ("2024-06-30 22:00:00+00", "open"),  # 1 Jul in Paris: only the open-ended row
        ("2023-12-31 12:00:00+00", "open"),
    ],
)
def test_rate_card_validity_on_the_paris_billing_date(sent_at: str, expected: str) -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m", "sent_at": sent_at}])
    insert(
        con,
        "rate_card",
        [
            {"aggregator": "mgage", "price_per_segment": D("0.01"), "currency": "EUR"},
            {
                "aggregator": "mgage",
                "price_per_segment": D("0.02"),
                "currency": "EUR",
                "valid_from": "2024-01-01",
                "valid_to": "2024-01-31",
            },
            {
                "aggregator": "mgage",
                "price_per_segment": D("0.03"),
                "currency": "EUR",
                "valid_from": "2024-02-01",
                "valid_to": "2024-02-29",
            },
            {
                "aggregator": "mgage",
                "price_per_segment": D("0.04"),
                "currency": "EUR",
                "valid_from": "2024-01-01",
                "valid_to": "2024-06-30",
            },
            {"aggregator": "infobip", "price_per_segment": D("0.50"), "currency": "EUR"},
        ],
    )
    prices = {"open": D("0.01"), "jan": D("0.02"), "feb": D("0.03"), "jun": D("0.04")}
    row = costs(con)["m"]
    assert row["price_source"] == "rate_card"
    assert row["price"] == prices[expected]


def utc_instants(max_size: int) -> st.SearchStrategy[list[datetime]]:
    """UTC instants from 1960 (before the epoch) to 2040, DST changes included."""
    return st.lists(
        st.datetimes(
            min_value=datetime(1960, 1, 1),
            max_value=datetime(2040, 12, 31),
            timezones=st.just(UTC),
        ),
        min_size=1,
        max_size=max_size,
    )


@settings(max_examples=40, deadline=None)
@given(utc_instants(max_size=30))
@example([datetime(1969, 12, 31, 22, 30, tzinfo=UTC)])  # 23:30 in Paris, before the epoch
@example([datetime(2024, 3, 31, 0, 59, 59, tzinfo=UTC), datetime(2024, 10, 26, 22, tzinfo=UTC)])
def test_billing_date_is_the_paris_date_of_every_send(instants: list[datetime]) -> None:
    # message_costs converts once per UTC hour, not per send: it must still be each send's date
    con = fresh()
    insert(con, "sends", [{"message_id": str(i), "sent_at": t} for i, t in enumerate(instants)])
    sqlfiles.materialize(con, "message_costs")
    got = dict(con.execute("SELECT message_id, billing_date FROM message_costs").fetchall())
    paris = ZoneInfo("Europe/Paris")
    assert got == {str(i): t.astimezone(paris).date() for i, t in enumerate(instants)}


def test_overlapping_rate_card_rows_latest_valid_from_wins() -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m", "sent_at": "2024-05-10 09:00:00+00"}])
    insert(
        con,
        "rate_card",
        [
            {
                "aggregator": "mgage",
                "price_per_segment": D("0.06"),
                "currency": "EUR",
                "valid_from": "2024-05-01",
            },
            {
                "aggregator": "mgage",
                "price_per_segment": D("0.05"),
                "currency": "EUR",
                "valid_from": "2024-01-01",
                "valid_to": "2024-12-31",
            },
            {"aggregator": "mgage", "price_per_segment": D("0.04"), "currency": "EUR"},
        ],
    )
    got = costs(con)
    assert len(got) == 1
    assert got["m"]["price"] == D("0.06")


# --- wasted spend ------------------------------------------------------------------------


def make_findings(con: duckdb.DuckDBPyConnection, rows: list[dict[str, Any]]) -> None:
    """Hand-built blocked_window_messages and sends_after_suppression (other stages' tables).

    Each row: message_id, sent_at, aggregator, campaign_id, segments, cost, currency and
    ``blocked`` (None / 'violation' / 'warning'), ``after`` (bool).
    """
    con.execute(
        """
        CREATE OR REPLACE TABLE blocked_window_messages (
            message_id VARCHAR, msisdn VARCHAR, sender_id VARCHAR, campaign_id VARCHAR,
            territory VARCHAR, local_time VARCHAR, reason VARCHAR, severity VARCHAR,
            segments INTEGER, cost DECIMAL(18,6), currency VARCHAR, program_id VARCHAR,
            aggregator VARCHAR, sent_at TIMESTAMPTZ, local_date DATE, profile VARCHAR)
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TABLE sends_after_suppression (
            message_id VARCHAR, msisdn VARCHAR, sender_id VARCHAR, sent_at TIMESTAMPTZ,
            suppressed_at TIMESTAMPTZ, cost DECIMAL(18,6), currency VARCHAR,
            program_id VARCHAR, campaign_id VARCHAR, aggregator VARCHAR, evidence VARCHAR,
            segments INTEGER)
        """
    )
    for r in rows:
        common = {k: r[k] for k in ("message_id", "sent_at", "aggregator", "campaign_id")}
        money = {k: r[k] for k in ("segments", "cost", "currency")}
        if r["blocked"]:
            con.execute(
                """
                INSERT INTO blocked_window_messages (message_id, sent_at, aggregator,
                    campaign_id, segments, cost, currency, reason, severity, msisdn, sender_id)
                VALUES ($message_id, $sent_at, $aggregator, $campaign_id, $segments, $cost,
                    $currency, 'sunday', $severity, '+33612345678', '36184')
                """,
                {**common, **money, "severity": r["blocked"]},
            )
        if r["after"]:
            con.execute(
                """
                INSERT INTO sends_after_suppression (message_id, sent_at, aggregator,
                    campaign_id, segments, cost, currency, suppressed_at, msisdn, sender_id,
                    evidence)
                VALUES ($message_id, $sent_at, $aggregator, $campaign_id, $segments, $cost,
                    $currency, TIMESTAMPTZ '2020-01-01 00:00:00+00', '+33612345678', '36184',
                    'export')
                """,
                {**common, **money},
            )


def wasted_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    sqlfiles.materialize(con, "wasted_spend")
    rel = con.execute("SELECT * FROM wasted_spend")
    names = [d[0] for d in rel.description]
    return [dict(zip(names, row, strict=True)) for row in rel.fetchall()]


def finding(message_id: str, **kw: Any) -> dict[str, Any]:
    base = {
        "message_id": message_id,
        "sent_at": "2024-03-10 10:00:00+00",
        "aggregator": "mgage",
        "campaign_id": "spring",
        "segments": 1,
        "cost": D("0.05"),
        "currency": "EUR",
        "blocked": None,
        "after": False,
    }
    return {**base, **kw}


def test_message_both_blocked_and_after_suppression_is_counted_once() -> None:
    con = fresh()
    make_findings(
        con,
        [
            finding("both", blocked="violation", after=True),
            finding("only_after", after=True),
            finding("tolerated", blocked="warning"),
        ],
    )
    rows = wasted_rows(con)
    by_reason = {r["reason"]: r for r in rows}
    assert set(by_reason) == {"sunday", "after_suppression"}
    assert by_reason["sunday"]["messages"] == 1
    assert by_reason["after_suppression"]["messages"] == 1
    assert sum(r["cost"] for r in rows) == D("0.10")


def test_month_is_paris_and_null_keys_are_kept() -> None:
    con = fresh()
    make_findings(
        con,
        [
            # 23:30 UTC on 31 Mar is 1 Apr in Paris (summer time)
            finding("late", sent_at="2024-03-31 23:30:00+00", campaign_id=None, after=True),
            finding("unpriced", aggregator=None, cost=None, currency=None, after=True),
        ],
    )
    rows = wasted_rows(con)
    assert {(r["month"], r["campaign_id"], r["aggregator"]) for r in rows} == {
        ("2024-04", None, "mgage"),
        ("2024-03", "spring", None),
    }
    unpriced = next(r for r in rows if r["aggregator"] is None)
    assert unpriced["cost"] is None and unpriced["unpriced_messages"] == 1


@settings(max_examples=40, deadline=None)
@given(utc_instants(max_size=20))
@example([datetime(1969, 11, 30, 22, 30, tzinfo=UTC)])  # 23:30 in Paris, before the epoch
@example([datetime(2024, 3, 31, 21, 59, 59, tzinfo=UTC), datetime(2024, 3, 31, 22, tzinfo=UTC)])
def test_wasted_month_is_the_paris_month_of_every_message(instants: list[datetime]) -> None:
    # wasted_spend converts once per UTC hour, not per message: it must still be each one's
    con = fresh()
    make_findings(
        con,
        [
            finding(f"m{i}", sent_at=t, campaign_id=f"c{i}", blocked="violation")
            for i, t in enumerate(instants)
        ],
    )
    got = {(r["campaign_id"], r["month"]) for r in wasted_rows(con)}
    paris = ZoneInfo("Europe/Paris")
    assert got == {(f"c{i}", f"{t.astimezone(paris):%Y-%m}") for i, t in enumerate(instants)}


finding_rows = st.lists(
    st.fixed_dictionaries(
        {
            "sent_at": st.sampled_from(
                ["2024-01-31 23:30:00+00", "2024-02-15 08:00:00+00", "2024-02-29 23:00:00+00"]
            ),
            "aggregator": st.sampled_from(["mgage", "infobip", None]),
            "campaign_id": st.sampled_from(["c1", "c2", None]),
            "segments": st.integers(1, 4),
            "priced": st.sampled_from([("EUR", D("0.05")), ("USD", D("0.031")), (None, None)]),
            "blocked": st.sampled_from([None, "violation", "warning"]),
            "after": st.booleans(),
        }
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None)
@given(finding_rows)
def test_wasted_spend_against_an_oracle(drawn: list[dict[str, Any]]) -> None:
    rows = []
    for i, d in enumerate(drawn):
        currency, price = d.pop("priced")
        cost = None if price is None else price * d["segments"]
        rows.append(finding(f"m{i}", currency=currency, cost=cost, **d))
    con = fresh()
    make_findings(con, rows)
    got = wasted_rows(con)

    wasted = [r for r in rows if r["blocked"] == "violation" or r["after"]]
    assert sum(g["messages"] for g in got) == len(wasted)
    assert sum(g["unpriced_messages"] for g in got) == sum(r["cost"] is None for r in wasted)

    # Per currency, the blocked part equals blocked_window_messages over violations and
    # the after-suppression part is what is left: nothing counted twice, nothing mixed.
    expect: dict[tuple[str, Any], Decimal] = defaultdict(Decimal)
    for r in wasted:
        if r["cost"] is not None:
            kind = "blocked" if r["blocked"] == "violation" else "after"
            expect[kind, r["currency"]] += r["cost"]
    actual: dict[tuple[str, Any], Decimal] = defaultdict(Decimal)
    for g in got:
        if g["cost"] is not None:
            kind = "after" if g["reason"] == "after_suppression" else "blocked"
            actual[kind, g["currency"]] += g["cost"]
    assert actual == expect
    blocked_sql = con.execute(
        "SELECT currency, sum(cost) FROM blocked_window_messages "
        "WHERE severity = 'violation' AND cost IS NOT NULL GROUP BY currency"
    ).fetchall()
    assert {("blocked", c): v for c, v in blocked_sql} == {
        k: v for k, v in actual.items() if k[0] == "blocked"
    }
    # A group holds one currency: priced rows never share a row with another currency.
    keys = [
        (g["month"], g["aggregator"], g["campaign_id"], g["reason"], g["currency"]) for g in got
    ]
    assert len(keys) == len(set(keys))


# --- finance view ------------------------------------------------------------------------


def finance_story() -> duckdb.DuckDBPyConnection:
    """Three priced sends in two currencies, one unpriced; two of them wasted."""
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "e1", "price": D("0.05"), "currency": "EUR", "segments": 2},
            {"message_id": "e2", "price": D("0.05"), "currency": "EUR"},
            {"message_id": "u1", "aggregator": "infobip"},
            {"message_id": "n1", "aggregator": "infobip"},
        ],
    )
    insert(
        con,
        "receipts",
        [{"message_id": "u1", "status": "DELIVERED", "price": D("0.02"), "currency": "USD"}],
    )
    sqlfiles.materialize(con, "message_costs")
    make_findings(
        con,
        [
            finding("e1", segments=2, cost=D("0.10"), blocked="violation", after=True),
            finding("u1", aggregator="infobip", cost=D("0.02"), currency="USD", after=True),
            finding("n1", aggregator="infobip", cost=None, currency=None, after=True),
        ],
    )
    sqlfiles.materialize(con, "wasted_spend")
    sqlfiles.materialize(con, "finance_summary")
    return con


def test_finance_summary_keeps_currencies_apart() -> None:
    con = finance_story()
    rows = con.execute(
        "SELECT metric, month, aggregator, currency, messages, value FROM finance_summary"
    ).fetchall()
    fig = {(m, mo, a, c): (n, v) for m, mo, a, c, n, v in rows}
    assert fig["spend_total", None, None, "EUR"] == (2, D("0.15"))
    assert fig["spend_total", None, None, "USD"] == (1, D("0.02"))
    assert fig["wasted_total", None, None, "EUR"] == (1, D("0.10"))
    assert fig["wasted_total", None, None, "USD"] == (1, D("0.02"))
    assert fig["wasted_share", None, None, "EUR"][1] == D("0.666667")
    assert fig["wasted_share", None, None, "USD"][1] == D("1")
    assert fig["wasted_by_aggregator", None, "mgage", "EUR"] == (1, D("0.10"))
    assert fig["wasted_by_month", "2024-03", None, "USD"] == (1, D("0.02"))
    assert fig["priced_from_send", None, None, "EUR"] == (2, D("0.15"))
    assert fig["priced_from_receipt", None, None, "USD"] == (1, D("0.02"))
    assert fig["unpriced_messages", None, None, None] == (1, None)
    assert fig["wasted_unpriced_messages", None, None, None] == (1, None)
    # No row ever adds two currencies: every amount row names exactly one.
    assert all(c is not None for (m, _, _, c), (_, v) in fig.items() if v is not None)


def test_wasted_total_is_a_true_zero_when_nothing_was_wasted() -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m", "price": D("0.05"), "currency": "EUR"}])
    sqlfiles.materialize(con, "message_costs")
    make_findings(con, [])
    sqlfiles.materialize(con, "wasted_spend")
    sqlfiles.materialize(con, "finance_summary")
    got = con.execute(
        "SELECT metric, messages, value FROM finance_summary WHERE metric LIKE 'wasted_%'"
        " AND currency = 'EUR'"
    ).fetchall()
    assert sorted(got) == [("wasted_share", 0, D("0")), ("wasted_total", 0, D("0"))]


def test_finance_assumptions_quote_the_figures() -> None:
    con = finance_story()
    notes = dict(finance_assumptions(con, "fr-af2m-2024"))
    assert "fr-af2m-2024" in notes["profile"]
    assert notes["unpriced messages"].startswith("1 of 4 messages")
    assert "EUR, USD" in notes["currency"]
    assert "Europe/Paris" in notes["billing date"]
    assert "counted once" in notes["dedup rule"]
    assert "1 wasted messages have no price" in notes["wasted spend"]


def test_finance_assumptions_before_costs_exist() -> None:
    notes = dict(finance_assumptions(db.connect(), "fr-acoustic"))
    assert notes["unpriced messages"] == "costs were not computed"
    assert "dedup rule" not in notes


# --- latest safe start -------------------------------------------------------------------


def campaign(con: duckdb.DuckDBPyConnection, name: str, start: str, n: int, every_s: int) -> None:
    con.execute(
        """
        INSERT INTO sends (message_id, sent_at, msisdn, territory, tz, sender_id, campaign_id,
            category, input_file, line)
        SELECT $name || i, CAST($start AS TIMESTAMPTZ) + i * to_seconds($every),
            '+33612345678', 'FR', 'Europe/Paris', '36184', $name, 'marketing', 'sends.csv', i
        FROM range($n) AS t(i)
        """,
        {"name": name, "start": start, "every": every_s, "n": n},
    )


def safe_starts(con: duckdb.DuckDBPyConnection, close: int = 1200) -> dict[str, tuple[Any, ...]]:
    sqlfiles.materialize(con, "latest_safe_start", {"close_minutes": close})
    rows = con.execute(
        "SELECT size_class, campaigns, campaigns_timed, median_messages, messages_per_minute,"
        " minutes_needed, latest_safe_start FROM latest_safe_start"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_latest_safe_start_tiny_story() -> None:
    con = fresh()
    campaign(con, "a", "2024-03-12 09:00:00+00", 11, 60)  # 11 messages over 10 minutes
    campaign(con, "b", "2024-03-13 09:00:00+00", 31, 20)  # 31 messages over 10 minutes
    campaign(con, "c", "2024-03-14 09:00:00+00", 21, 60)  # 21 messages over 20 minutes
    campaign(con, "solo", "2024-03-14 09:00:00+00", 1, 60)  # no observable rate
    got = safe_starts(con)
    assert got["1-9"] == (1, 0, 1.0, None, None, None)
    # rates 1.1, 3.1, 1.05 -> median 1.1 per minute; median size 21 -> 19.1 minutes
    campaigns, timed, median_messages, rate, minutes, start = got["10-99"]
    assert (campaigns, timed, median_messages, rate) == (3, 3, 21.0, 1.1)
    assert minutes == pytest.approx(19.1)
    assert start == "19:40"  # last message at 19:59.1, before the 20:00 close


def test_latest_safe_start_follows_the_close_and_gives_up_when_a_day_is_too_short() -> None:
    con = fresh()
    campaign(con, "a", "2024-03-12 09:00:00+00", 11, 60)
    assert safe_starts(con, close=18 * 60)["10-99"][-1] == "17:49"
    con = fresh()
    campaign(con, "slow", "2024-03-12 00:00:00+00", 12, 3 * 3600)  # 33 hours
    assert safe_starts(con)["10-99"][-1] is None


def test_only_marketing_campaigns_are_timed() -> None:
    con = fresh()
    campaign(con, "a", "2024-03-12 09:00:00+00", 11, 60)
    con.execute("UPDATE sends SET category = 'transactional'")
    assert safe_starts(con) == {}
