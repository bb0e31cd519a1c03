"""Suppression and consent reconciliation: hand-written stories, one per rule, plus properties
checked against small Python oracles."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import duckdb
import pytest
from conftest import insert as insert_rows
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaudit import db, reconcile, schema

T0 = datetime(2024, 3, 12, 9, 0, tzinfo=UTC)
A = "+33612345678"
B = "+33698765432"

DEFAULTS: dict[str, dict[str, Any]] = {
    "sends": {
        "msisdn": A,
        "territory": "FR",
        "tz": "Europe/Paris",
        "sender_id": "36184",
        "program_id": "P1",
        "campaign_id": "C1",
        "aggregator": "mgage",
        "category": "marketing",
        "body": None,
        "segments": None,
        "price": None,
        "currency": None,
    },
    "receipts": {"status": "DELIVERED", "error_code": None, "error_text": None},
    "suppression_exports": {"msisdn": A, "territory": "FR", "sender_id": "36184"},
    "mo": {"msisdn": A, "territory": "FR", "text": "STOP", "short_code": None, "is_stop": True},
    "consent": {
        "msisdn": A,
        "territory": "FR",
        "program_id": "P1",
        "status": "OPTED-IN",
        "consent_source": "WEB_FORM",
        "evidence_ref": None,
    },
    "programs": {"short_code_type": "shared", "aggregator": "mgage"},
}


def at(minutes: float) -> datetime:
    """An instant ``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


# One connection for the module: every story replaces all the tables it reads and writes.
CON = db.connect()


def fresh() -> duckdb.DuckDBPyConnection:
    reset(CON)
    return CON


def reset(con: duckdb.DuckDBPyConnection) -> None:
    """Empty canonical tables and an empty message_costs (built by the cost stage)."""
    schema.create_all_empty(con)
    con.execute(
        """CREATE OR REPLACE TABLE message_costs (message_id VARCHAR, segments INTEGER,
        segments_source VARCHAR, price DECIMAL(18,6), price_source VARCHAR,
        cost DECIMAL(18,6), currency VARCHAR)"""
    )


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Canonical rows filled with this module's DEFAULTS (the shared builder of conftest)."""
    insert_rows(con, table, rows, DEFAULTS)


def run(con: duckdb.DuckDBPyConnection, *, has_programs: bool = False) -> None:
    reconcile.run(con, has_programs=has_programs)


def fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def suppressed(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], tuple[datetime, str]]:
    """(msisdn, sender_id) -> (suppressed_at, evidence)."""
    rows = fetch(con, "SELECT msisdn, sender_id, suppressed_at, evidence FROM suppressions")
    return {(m, s): (t, e) for m, s, t, e in rows}


# --- empty inputs ------------------------------------------------------------------------


@pytest.mark.parametrize("has_programs", [False, True])
def test_every_table_is_built_empty_from_empty_inputs(has_programs: bool) -> None:
    con = fresh()
    run(con, has_programs=has_programs)
    for table in reconcile.RECONCILIATION_TABLES:
        assert fetch(con, f"SELECT count(*) FROM {table}") == [(0,)], table


def test_tables_come_in_dependency_order_and_key_columns_come_first() -> None:
    con = fresh()
    run(con)
    keys = {
        "program_senders": ["program_id", "sender_id", "aggregator", "route", "expected_footer"],
        "suppressions": ["msisdn", "sender_id", "suppressed_at", "evidence", "territory"],
        "sends_after_suppression": [
            "message_id",
            "msisdn",
            "sender_id",
            "sent_at",
            "suppressed_at",
            "cost",
            "currency",
            "program_id",
            "campaign_id",
            "aggregator",
            "category",
            "evidence",
            "segments",
        ],
        "suppressed_not_opted_out": [
            "msisdn",
            "program_id",
            "sender_id",
            "suppressed_at",
            "consent_status",
            "status_date",
            "finding",
            "evidence",
            "consent_source",
        ],
        "consent_updates": ["msisdn", "program_id", "status", "status_date"],
        "missing_stop_footer": [
            "message_id",
            "sender_id",
            "expected",
            "body_end",
            "program_id",
            "campaign_id",
            "aggregator",
            "sent_at",
        ],
        "invalid_consent_source": [
            "msisdn",
            "program_id",
            "consent_source",
            "sender_id",
            "route",
            "status_date",
        ],
    }
    for table, columns in keys.items():
        described = [r[0] for r in fetch(con, f"DESCRIBE {table}")]
        assert described[: len(columns)] == columns, table
    order = reconcile.RECONCILIATION_TABLES
    assert order.index("sender_routes") < order.index("program_senders")
    assert order.index("suppressions") < order.index("sends_after_suppression")
    assert order.index("latest_consent") < order.index("suppressed_not_opted_out")
    assert order.index("suppressed_not_opted_out") < order.index("consent_updates")


# --- routes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender_id", "aggregator", "route", "expected"),
    [
        ("36184", "mgage", "mgage_shared", "STOP 36184"),
        ("36184", None, "mgage_shared", "STOP 36184"),
        ("36173", "infobip", "infobip_shared", "STOP au 36173"),
        ("36173", "mgage", "infobip_shared", "STOP au 36173"),
        ("MaMarque", "mgage", "mgage_shared", "STOP 36184"),
        ("MaMarque", "kaleyra", "mgage_shared", "STOP 36184"),
        ("MaMarque", "infobip", "infobip_shared", "STOP au 36173"),
        ("38100", "mgage", "dedicated", "STOP 38100"),
        ("38100", None, "dedicated", "STOP 38100"),
        ("MaMarque", None, "unknown", None),
        ("MaMarque", "sinch", "unknown", None),
    ],
)
def test_route_without_programs_follows_the_fallback_rules(
    sender_id: str, aggregator: str | None, route: str, expected: str | None
) -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [{"message_id": "m1", "sent_at": T0, "sender_id": sender_id, "aggregator": aggregator}],
    )
    run(con)
    assert fetch(
        con, "SELECT program_id, sender_id, aggregator, route, expected_footer FROM program_senders"
    ) == [("P1", sender_id, aggregator, route, expected)]


def test_programs_input_is_authoritative_for_the_pairs_it_lists() -> None:
    con = fresh()
    insert(
        con,
        "programs",
        [
            {
                "program_id": "P1",
                "sender_id": "MaMarque",
                "short_code_type": "shared",
                "aggregator": "infobip",
            },
            {
                "program_id": "P2",
                "sender_id": "38100",
                "short_code_type": "Dedicated ",
                "aggregator": "mgage",
            },
            {
                "program_id": "P3",
                "sender_id": "36184",
                "short_code_type": "shared",
                "aggregator": None,
            },
            {
                "program_id": "P4",
                "sender_id": "MaMarque",
                "short_code_type": "dedicated",
                "aggregator": "mgage",
            },
        ],
    )
    insert(
        con,
        "sends",
        [
            # the send names mGage, but programs says P1's MaMarque goes through Infobip
            {"message_id": "m1", "sent_at": at(0), "program_id": "P1", "sender_id": "MaMarque"},
            # P5 is not in programs: routed from its sends
            {
                "message_id": "m2",
                "sent_at": at(1),
                "program_id": "P5",
                "sender_id": "36173",
                "aggregator": "infobip",
            },
        ],
    )
    run(con, has_programs=True)
    assert fetch(
        con, "SELECT program_id, sender_id, route, expected_footer, source FROM program_senders"
    ) == [
        ("P1", "MaMarque", "infobip_shared", "STOP au 36173", "programs"),
        ("P2", "38100", "dedicated", "STOP 38100", "programs"),
        ("P3", "36184", "mgage_shared", "STOP 36184", "programs"),
        ("P4", "MaMarque", "unknown", None, "programs"),
        ("P5", "36173", "infobip_shared", "STOP au 36173", "sends"),
    ]

    # without the flag the same programs table is ignored: everything comes from the sends
    run(con, has_programs=False)
    assert fetch(con, "SELECT program_id, sender_id, route, source FROM program_senders") == [
        ("P1", "MaMarque", "mgage_shared", "sends"),
        ("P5", "36173", "infobip_shared", "sends"),
    ]


def test_sends_without_a_program_are_routed_but_belong_to_no_program() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [{"message_id": "m1", "sent_at": T0, "program_id": None, "body": "Soldes ! STOP 36184"}],
    )
    run(con)
    assert fetch(con, "SELECT count(*) FROM program_senders") == [(0,)]
    assert fetch(con, "SELECT message_id, outcome FROM stop_footer_checks") == [("m1", "ok")]


def test_stop_footer_checks_is_a_view_even_where_an_older_run_left_a_table() -> None:
    con = fresh()
    con.execute("DROP VIEW IF EXISTS stop_footer_checks")
    con.execute("CREATE OR REPLACE TABLE stop_footer_checks AS SELECT 'stale' AS outcome")
    insert(con, "sends", [{"message_id": "m1", "sent_at": T0, "body": "Soldes !"}])
    run(con)
    kind = "SELECT table_type FROM information_schema.tables WHERE table_name = $t"
    assert con.execute(kind, {"t": "stop_footer_checks"}).fetchall() == [("VIEW",)]
    assert fetch(con, "SELECT message_id, outcome FROM stop_footer_checks") == [("m1", "missing")]
    assert fetch(con, "SELECT message_id FROM missing_stop_footer") == [("m1",)]


# --- STOP MO attribution -----------------------------------------------------------------


def test_stop_between_two_senders_goes_to_the_sender_of_the_last_mt_before_it() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "sender_id": "36184"},
            {"message_id": "m2", "sent_at": at(60), "sender_id": "38100"},
            {"message_id": "m3", "sent_at": at(120), "sender_id": "36184"},
        ],
    )
    insert(
        con,
        "mo",
        [{"received_at": at(30), "text": "STOP"}, {"received_at": at(90), "text": "arrêt svp"}],
    )
    run(con)
    assert suppressed(con) == {
        (A, "36184"): (at(30), "stop_mo"),
        (A, "38100"): (at(90), "stop_mo"),
    }
    # m3 went to the pair (A, 36184) after its STOP
    assert fetch(con, "SELECT message_id, suppressed_at FROM sends_after_suppression") == [
        ("m3", at(30))
    ]


def test_stop_at_the_very_instant_of_an_mt_answers_that_mt() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "sender_id": "36184"},
            {"message_id": "m2", "sent_at": at(10), "sender_id": "38100"},
        ],
    )
    insert(con, "mo", [{"received_at": at(10)}])
    run(con)
    assert suppressed(con) == {(A, "38100"): (at(10), "stop_mo")}
    # the MT that drew the STOP was not sent after it
    assert fetch(con, "SELECT count(*) FROM sends_after_suppression") == [(0,)]


def test_mts_tied_at_the_last_instant_are_all_attributed() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "sender_id": "36184"},
            {"message_id": "m2", "sent_at": at(0), "sender_id": "38100"},
        ],
    )
    insert(con, "mo", [{"received_at": at(5)}])
    run(con)
    assert set(suppressed(con)) == {(A, "36184"), (A, "38100")}


def test_attribution_looks_only_at_mts_to_the_same_number_and_any_category() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "sender_id": "36184"},
            {"message_id": "m2", "sent_at": at(20), "sender_id": "38100", "msisdn": B},
            {
                "message_id": "m3",
                "sent_at": at(25),
                "sender_id": "MaBanque",
                "category": "transactional",
                "msisdn": B,
            },
        ],
    )
    insert(con, "mo", [{"received_at": at(30)}, {"received_at": at(30), "msisdn": B}])
    run(con)
    assert set(suppressed(con)) == {(A, "36184"), (B, "MaBanque")}


def test_only_mos_the_loader_marked_as_stop_suppress() -> None:
    # is_stop is decided by the loader ('STOPPER' is not a STOP); reconciliation trusts it
    con = fresh()
    insert(con, "sends", [{"message_id": "m1", "sent_at": at(0)}])
    insert(
        con,
        "mo",
        [
            {"received_at": at(1), "text": "STOPPER", "is_stop": False},
            {"received_at": at(2), "text": "  stop please", "is_stop": True},
        ],
    )
    run(con)
    assert suppressed(con) == {(A, "36184"): (at(2), "stop_mo")}


def test_stop_from_a_number_that_never_got_an_mt_is_listed_not_attributed() -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m1", "sent_at": at(60), "msisdn": A}])
    insert(
        con,
        "mo",
        [
            {"received_at": at(10), "msisdn": B},
            # A's STOP came before its first MT: nothing to attribute it to either
            {"received_at": at(30), "msisdn": A},
            {"received_at": at(90), "msisdn": A},
        ],
    )
    run(con)
    assert suppressed(con) == {(A, "36184"): (at(90), "stop_mo")}
    assert fetch(con, "SELECT msisdn, received_at, line FROM unattributed_stops") == [
        (B, at(10), 1),
        (A, at(30), 2),
    ]


# --- receipts, exports, and the earliest evidence ------------------------------------------


@pytest.mark.parametrize(
    ("receipt", "aggregator", "is_evidence"),
    [
        ({"status": "UNDELIVERABLE", "error_code": "061"}, "mgage", True),
        ({"status": "UNDELIVERABLE", "error_code": " 061 "}, "mgage", True),
        ({"status": "UNDELIVERABLE", "error_code": "61"}, "mgage", False),
        ({"status": "UNDELIVERABLE", "error_code": "0061"}, "mgage", False),
        ({"status": "REJECTED_DESTINATION_BLOCKLISTED", "error_code": None}, "infobip", True),
        ({"status": "REJECTED", "error_text": "EC_SC_BLOCKED_BY_END_USER"}, "infobip", True),
        ({"status": "REJECTED", "error_code": "573"}, "infobip", True),
        ({"status": "REJECTED", "error_code": "573"}, "mgage", False),
        ({"status": " rejected_destination_blocklisted ", "error_code": None}, "mgage", True),
        ({"status": "REJECTED", "error_code": " 573"}, "Infobip", True),
        ({"status": "REJECTED", "error_code": "573", "optout": False}, "infobip", False),
        ({"status": "DELIVERED", "error_code": None, "optout": True}, "mgage", True),
        ({"status": "DELIVERED", "error_code": None}, "mgage", False),
    ],
)
def test_which_receipts_prove_a_suppression(
    receipt: dict[str, Any], aggregator: str, is_evidence: bool
) -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m1", "sent_at": at(5), "aggregator": aggregator}])
    insert(con, "receipts", [{"message_id": "m1", **receipt}])
    run(con)
    expected = {(A, "36184"): (at(5), "error_061")} if is_evidence else {}
    assert suppressed(con) == expected
    # the blocked message itself was billed for nothing
    assert fetch(con, "SELECT message_id, blocked_receipt FROM sends_after_suppression") == (
        [("m1", True)] if is_evidence else []
    )


@pytest.mark.parametrize(
    ("export_at", "mo_at", "blocked_at", "earliest"),
    [
        (10, 20, 30, "export"),
        (20, 10, 30, "stop_mo"),
        (30, 20, 10, "error_061"),
        # same instant: export, then stop_mo, then error_061
        (10, 10, 10, "export"),
        (20, 10, 10, "stop_mo"),
    ],
)
def test_earliest_evidence_of_a_pair_wins(
    export_at: int, mo_at: int, blocked_at: int, earliest: str
) -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "first", "sent_at": at(0)},
            {"message_id": "blocked", "sent_at": at(blocked_at)},
            {"message_id": "late", "sent_at": at(100)},
        ],
    )
    insert(con, "receipts", [{"message_id": "blocked", "error_code": "061"}])
    insert(con, "suppression_exports", [{"suppressed_at": at(export_at)}])
    # the MO answers the last MT before it: 'first' unless 'blocked' went out at that instant
    insert(con, "mo", [{"received_at": at(mo_at)}])
    run(con)
    assert fetch(
        con,
        "SELECT msisdn, sender_id, suppressed_at, evidence, territory, evidence_count, evidences "
        "FROM suppressions",
    ) == [
        (
            A,
            "36184",
            at(min(export_at, mo_at, blocked_at)),
            earliest,
            "FR",
            3,
            ["error_061", "export", "stop_mo"],
        )
    ]


def test_export_is_per_pair_and_keeps_its_own_sender() -> None:
    con = fresh()
    insert(
        con,
        "suppression_exports",
        [
            {"sender_id": "36184", "suppressed_at": at(0)},
            {"sender_id": "36184", "suppressed_at": at(-60)},
            {"sender_id": "MaMarque", "suppressed_at": at(30), "msisdn": B, "territory": "RE"},
        ],
    )
    run(con)
    assert fetch(
        con,
        "SELECT msisdn, sender_id, suppressed_at, evidence_count, evidence_source, territory "
        "FROM suppressions",
    ) == [
        (A, "36184", at(-60), 2, "suppression_exports.csv:2", "FR"),
        (B, "MaMarque", at(30), 1, "suppression_exports.csv:3", "RE"),
    ]


# --- sends after suppression -------------------------------------------------------------


def test_sends_strictly_after_a_suppression_are_wasted_with_their_cost() -> None:
    con = fresh()
    insert(con, "suppression_exports", [{"suppressed_at": at(10)}])
    insert(
        con,
        "sends",
        [
            {"message_id": "before", "sent_at": at(9)},
            {"message_id": "same_instant", "sent_at": at(10)},
            {"message_id": "after", "sent_at": at(11), "campaign_id": "C9"},
            {"message_id": "after_tx", "sent_at": at(12), "category": "transactional"},
            {"message_id": "other_sender", "sent_at": at(13), "sender_id": "38100"},
            {"message_id": "other_number", "sent_at": at(14), "msisdn": B},
        ],
    )
    con.execute(
        "INSERT INTO message_costs VALUES "
        "('after', 2, 'send', 0.04, 'rate_card', 0.08, 'EUR'), "
        "('after_tx', 1, 'default', NULL, NULL, NULL, NULL)"
    )
    run(con)
    assert fetch(
        con,
        "SELECT message_id, suppressed_at, cost, currency, segments, category, campaign_id, "
        "evidence, blocked_receipt FROM sends_after_suppression",
    ) == [
        ("after", at(10), Decimal("0.080000"), "EUR", 2, "marketing", "C9", "export", False),
        ("after_tx", at(10), None, None, 1, "transactional", "C1", "export", False),
    ]


# --- consent -----------------------------------------------------------------------------


def consent_story(con: duckdb.DuckDBPyConnection, consent: list[dict[str, Any]]) -> None:
    """P1 uses 36184 (suppressed at +100 min for A), P2 uses 38100 (never suppressed)."""
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "program_id": "P1", "sender_id": "36184"},
            {"message_id": "m2", "sent_at": at(0), "program_id": "P2", "sender_id": "38100"},
        ],
    )
    insert(con, "suppression_exports", [{"sender_id": "36184", "suppressed_at": at(100)}])
    insert(con, "consent", consent)


@pytest.mark.parametrize(
    ("consent", "finding"),
    [
        ([{"status_date": at(50)}], "never_opted_out"),
        ([{"status_date": at(100)}], "never_opted_out"),
        ([{"status_date": at(150), "evidence_ref": None}], "rejoin_without_evidence"),
        ([{"status_date": at(150), "evidence_ref": "  "}], "rejoin_without_evidence"),
        ([{"status_date": at(150), "evidence_ref": "form-2024-0042"}], None),
        ([{"status_date": at(50), "status": "OPTED-OUT"}], None),
        # the latest row decides, whatever the input order
        ([{"status_date": at(150), "status": "OPTED-OUT"}, {"status_date": at(50)}], None),
        (
            [{"status_date": at(50), "status": "OPTED-OUT"}, {"status_date": at(60)}],
            "never_opted_out",
        ),
        ([{"status_date": at(150), "evidence_ref": "ok"}, {"status_date": at(50)}], None),
        # a tie on status_date: OPTED-OUT wins, in either order
        ([{"status_date": at(50)}, {"status_date": at(50), "status": "OPTED-OUT"}], None),
        ([{"status_date": at(50), "status": "OPTED-OUT"}, {"status_date": at(50)}], None),
        # a tie between two opt-ins: the row written last wins
        (
            [{"status_date": at(150), "evidence_ref": "ok"}, {"status_date": at(150)}],
            "rejoin_without_evidence",
        ),
        ([{"status_date": at(150)}, {"status_date": at(150), "evidence_ref": "ok"}], None),
    ],
)
def test_suppressed_but_never_opted_out(consent: list[dict[str, Any]], finding: str | None) -> None:
    con = fresh()
    consent_story(con, consent)
    run(con)
    rows = fetch(
        con,
        "SELECT msisdn, program_id, sender_id, suppressed_at, consent_status, "
        "finding, evidence FROM suppressed_not_opted_out",
    )
    assert rows == ([(A, "P1", "36184", at(100), "OPTED-IN", finding, "export")] if finding else [])
    updates = fetch(con, "SELECT msisdn, program_id, status, status_date FROM consent_updates")
    assert updates == ([(A, "P1", "OPTED-OUT", at(100))] if finding else [])


def test_consent_on_programs_without_a_suppressed_sender_is_left_alone() -> None:
    con = fresh()
    consent_story(
        con,
        [
            {"program_id": "P2", "status_date": at(50)},
            {"program_id": "P1", "status_date": at(50), "msisdn": B},
            {"program_id": "P9", "status_date": at(50)},
        ],
    )
    run(con)
    assert fetch(con, "SELECT count(*) FROM suppressed_not_opted_out") == [(0,)]


def test_a_program_with_several_suppressed_senders_gives_one_row() -> None:
    con = fresh()
    insert(
        con,
        "programs",
        [
            {"program_id": "P1", "sender_id": "36184"},
            {"program_id": "P1", "sender_id": "38100", "short_code_type": "dedicated"},
            {"program_id": "P1", "sender_id": "38200", "short_code_type": "dedicated"},
        ],
    )
    insert(
        con,
        "suppression_exports",
        [
            {"sender_id": "38100", "suppressed_at": at(200)},
            {"sender_id": "36184", "suppressed_at": at(100)},
            {"sender_id": "38200", "suppressed_at": at(10)},
        ],
    )
    # rejoined with evidence after 38200's suppression, but 36184 and 38100 came later
    insert(con, "consent", [{"status_date": at(50), "evidence_ref": "form-1"}])
    run(con, has_programs=True)
    assert fetch(
        con,
        "SELECT sender_id, suppressed_at, finding, suppressed_senders "
        "FROM suppressed_not_opted_out",
    ) == [("36184", at(100), "never_opted_out", ["36184", "38100"])]
    assert fetch(con, "SELECT program_id, status_date FROM consent_updates") == [("P1", at(100))]


def test_consent_updates_are_sorted_and_unique_per_contact_and_program() -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "msisdn": B, "program_id": "P2"},
            {"message_id": "m2", "sent_at": at(0), "msisdn": A, "program_id": "P1"},
        ],
    )
    insert(
        con,
        "suppression_exports",
        [{"msisdn": B, "suppressed_at": at(5)}, {"msisdn": A, "suppressed_at": at(6)}],
    )
    insert(
        con,
        "consent",
        [
            {"msisdn": B, "program_id": "P2", "status_date": at(1)},
            {"msisdn": B, "program_id": "P1", "status_date": at(1)},
            {"msisdn": A, "program_id": "P2", "status_date": at(1)},
            {"msisdn": A, "program_id": "P1", "status_date": at(1)},
        ],
    )
    run(con)
    assert fetch(con, "SELECT msisdn, program_id, status_date FROM consent_updates") == [
        (A, "P1", at(6)),
        (A, "P2", at(6)),
        (B, "P1", at(5)),
        (B, "P2", at(5)),
    ]


# --- STOP mention --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender_id", "aggregator", "body", "outcome"),
    [
        ("36184", "mgage", "Soldes -20% ce week-end ! STOP 36184", "ok"),
        ("36184", "mgage", "Soldes ! stop 36184   ", "ok"),
        ("36184", "mgage", "Soldes !\nSTOP  36184\t", "ok"),
        ("36184", "mgage", "Soldes !\u00a0STOP\u00a036184\u202f", "ok"),
        ("36184", "mgage", "STOP 36184", "ok"),
        ("36184", "mgage", "Soldes ! STOP 36184.", "missing"),
        ("36184", "mgage", "Soldes ! STOP au 36184", "missing"),
        ("36184", "mgage", "Soldes ! NOSTOP 36184", "missing"),
        ("36184", "mgage", "STOP 36184 : soldes !", "missing"),
        ("MaMarque", "mgage", "Soldes ! STOP 36184", "ok"),
        ("MaMarque", "infobip", "Soldes ! STOP 36184", "missing"),
        ("MaMarque", "infobip", "Soldes ! Stop AU  36173 ", "ok"),
        ("36173", "infobip", "Soldes ! STOP 36173", "missing"),
        ("38100", "mgage", "Soldes ! STOP 38100", "ok"),
        ("38100", "mgage", "Soldes ! STOP 36184", "missing"),
        ("38100", "mgage", "Soldes ! STOP 381000", "missing"),
        ("38100", "mgage", None, "no_body"),
        ("38100", "mgage", "   ", "no_body"),
        ("MaMarque", None, "Soldes ! STOP 36184", "unknown_route"),
    ],
)
def test_stop_mention_at_the_end_of_each_route(
    sender_id: str, aggregator: str | None, body: str | None, outcome: str
) -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {
                "message_id": "m1",
                "sent_at": at(0),
                "sender_id": sender_id,
                "aggregator": aggregator,
                "body": body,
            }
        ],
    )
    run(con)
    assert fetch(con, "SELECT outcome FROM stop_footer_checks") == [(outcome,)]
    missing = fetch(con, "SELECT message_id, sender_id, expected FROM missing_stop_footer")
    expected = fetch(con, "SELECT expected_footer FROM program_senders")[0][0]
    assert missing == ([("m1", sender_id, expected)] if outcome == "missing" else [])


def test_footer_check_skips_transactional_and_shows_the_body_end() -> None:
    con = fresh()
    long_body = "x" * 100 + " Offre valable jusqu'au 31/03 dans nos magasins   "
    insert(
        con,
        "sends",
        [
            {"message_id": "m1", "sent_at": at(0), "body": long_body},
            {
                "message_id": "m2",
                "sent_at": at(1),
                "body": "Votre code : 1234",
                "category": "transactional",
            },
        ],
    )
    run(con)
    assert fetch(con, "SELECT message_id, body_end FROM missing_stop_footer") == [
        ("m1", long_body.rstrip()[-40:])
    ]


def test_footer_route_comes_from_programs_when_the_program_lists_the_sender() -> None:
    con = fresh()
    insert(
        con, "programs", [{"program_id": "P1", "sender_id": "MaMarque", "aggregator": "infobip"}]
    )
    insert(
        con,
        "sends",
        [
            {
                "message_id": "m1",
                "sent_at": at(0),
                "sender_id": "MaMarque",
                "aggregator": "mgage",
                "body": "Soldes ! STOP au 36173",
            },
            # P2 is not in programs: the send's own aggregator decides
            {
                "message_id": "m2",
                "sent_at": at(1),
                "sender_id": "MaMarque",
                "aggregator": "mgage",
                "program_id": "P2",
                "body": "Soldes ! STOP au 36173",
            },
        ],
    )
    run(con, has_programs=True)
    assert fetch(
        con, "SELECT message_id, outcome, expected FROM stop_footer_checks ORDER BY message_id"
    ) == [
        ("m1", "ok", "STOP au 36173"),
        ("m2", "missing", "STOP 36184"),
    ]


# --- invalid consent source --------------------------------------------------------------


@pytest.mark.parametrize(
    ("sender_id", "source", "status", "invalid"),
    [
        ("36184", "MO_KEYWORD", "OPTED-IN", True),
        ("36184", " keyword ", "OPTED-IN", True),
        ("36184", "sms", "OPTED-IN", True),
        ("36184", "Text-To-Join", "OPTED-IN", True),
        ("36184", "text to join", "OPTED-IN", True),
        ("MaMarque", "SMS", "OPTED-IN", True),
        ("36184", "WEB_FORM", "OPTED-IN", False),
        ("36184", None, "OPTED-IN", False),
        ("36184", "MO_KEYWORD", "OPTED-OUT", False),
        ("38100", "MO_KEYWORD", "OPTED-IN", False),
    ],
)
def test_keyword_opt_in_is_invalid_only_on_a_shared_short_code(
    sender_id: str, source: str | None, status: str, invalid: bool
) -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m1", "sent_at": at(0), "sender_id": sender_id}])
    insert(con, "consent", [{"status_date": at(5), "consent_source": source, "status": status}])
    run(con)
    rows = fetch(
        con,
        "SELECT msisdn, program_id, consent_source, sender_id, route FROM invalid_consent_source",
    )
    assert rows == ([(A, "P1", source, sender_id, "mgage_shared")] if invalid else [])


def test_only_the_latest_consent_row_is_judged_for_its_source() -> None:
    con = fresh()
    insert(con, "sends", [{"message_id": "m1", "sent_at": at(0)}])
    insert(
        con,
        "consent",
        [
            {"status_date": at(5), "consent_source": "MO_KEYWORD"},
            {"status_date": at(9), "consent_source": "WEB_FORM"},
            {"status_date": at(5), "consent_source": "KEYWORD", "msisdn": B},
        ],
    )
    run(con)
    assert fetch(con, "SELECT msisdn FROM invalid_consent_source") == [(B,)]


# --- properties against Python oracles -------------------------------------------------------

NUMBERS = [A, B, "+262692123456"]
SENDERS = ["36184", "38100", "MaMarque"]

mts = st.lists(
    st.tuples(st.sampled_from(NUMBERS), st.sampled_from(SENDERS), st.integers(0, 10)),
    max_size=12,
)
stops = st.lists(st.tuples(st.sampled_from(NUMBERS), st.integers(0, 10)), max_size=6)
exports = st.lists(
    st.tuples(st.sampled_from(NUMBERS), st.sampled_from(SENDERS), st.integers(0, 10)),
    max_size=4,
)

SHARED = settings(max_examples=40, deadline=None)


@SHARED
@given(mts, stops, exports, st.sets(st.integers(0, 11), max_size=3))
def test_suppressions_and_wasted_sends_match_an_oracle(
    sends: list[tuple[str, str, int]],
    mos: list[tuple[str, int]],
    exported: list[tuple[str, str, int]],
    blocked: set[int],
) -> None:
    con = fresh()
    insert(
        con,
        "sends",
        [
            {"message_id": f"m{i}", "msisdn": m, "sender_id": s, "sent_at": at(t)}
            for i, (m, s, t) in enumerate(sends)
        ],
    )
    insert(con, "mo", [{"msisdn": m, "received_at": at(t)} for m, t in mos])
    insert(
        con,
        "suppression_exports",
        [{"msisdn": m, "sender_id": s, "suppressed_at": at(t)} for m, s, t in exported],
    )
    insert(
        con,
        "receipts",
        [{"message_id": f"m{i}", "error_code": "061"} for i in blocked if i < len(sends)],
    )
    run(con)

    # oracle: every evidence as (time, pair), the earliest per pair
    evidence: dict[tuple[str, str], list[int]] = defaultdict(list)
    unattributed = 0
    for m, s, t in exported:
        evidence[(m, s)].append(t)
    for m, t in mos:
        earlier = [(st_, s) for mm, s, st_ in sends if mm == m and st_ <= t]
        if not earlier:
            unattributed += 1
        last = max((st_ for st_, _ in earlier), default=None)
        for st_, s in earlier:
            if st_ == last:
                evidence[(m, s)].append(t)
    for i in blocked:
        if i < len(sends):
            m, s, t = sends[i]
            evidence[(m, s)].append(t)
    first = {pair: min(times) for pair, times in evidence.items()}

    got = fetch(con, "SELECT msisdn, sender_id, suppressed_at FROM suppressions")
    assert {(m, s): t for m, s, t in got} == {pair: at(t) for pair, t in first.items()}
    assert len(got) == len(first)  # one row per pair
    assert fetch(con, "SELECT count(*) FROM unattributed_stops") == [(unattributed,)]

    wasted = {
        f"m{i}"
        for i, (m, s, t) in enumerate(sends)
        if (m, s) in first and (t > first[(m, s)] or i in blocked)
    }
    got_wasted = [r[0] for r in fetch(con, "SELECT message_id FROM sends_after_suppression")]
    assert sorted(got_wasted) == sorted(wasted)


consents = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2"]),
        st.sampled_from(["OPTED-IN", "OPTED-OUT"]),
        st.integers(0, 6),
        st.sampled_from([None, "", "ref-1"]),
    ),
    max_size=6,
)


@SHARED
@given(consents, st.dictionaries(st.sampled_from(SENDERS), st.integers(0, 6), max_size=3))
def test_consent_findings_match_an_oracle(
    rows: list[tuple[str, str, int, str | None]], suppressed_at: dict[str, int]
) -> None:
    con = fresh()
    # P1 uses 36184 and 38100, P2 uses MaMarque
    insert(
        con,
        "sends",
        [
            {"message_id": "a", "sent_at": at(-1), "program_id": "P1", "sender_id": "36184"},
            {"message_id": "b", "sent_at": at(-1), "program_id": "P1", "sender_id": "38100"},
            {"message_id": "c", "sent_at": at(-1), "program_id": "P2", "sender_id": "MaMarque"},
        ],
    )
    insert(
        con,
        "suppression_exports",
        [{"sender_id": s, "suppressed_at": at(t)} for s, t in suppressed_at.items()],
    )
    insert(
        con,
        "consent",
        [
            {"program_id": p, "status": st_, "status_date": at(t), "evidence_ref": ref}
            for p, st_, t, ref in rows
        ],
    )
    run(con)

    senders = {"P1": ["36184", "38100"], "P2": ["MaMarque"]}
    expected = {}
    for program in ("P1", "P2"):
        mine = [
            (t, st_ == "OPTED-OUT", line, ref)
            for line, (p, st_, t, ref) in enumerate(rows)
            if p == program
        ]
        if not mine:
            continue
        t, opted_out, _, ref = max(mine)  # latest, OPTED-OUT on a tie, then the last row
        if opted_out:
            continue
        found = []
        for s in senders[program]:
            if s in suppressed_at:
                if t <= suppressed_at[s]:
                    found.append((suppressed_at[s], s, "never_opted_out"))
                elif not ref:
                    found.append((suppressed_at[s], s, "rejoin_without_evidence"))
        if found:
            when, sender, finding = min(found)
            expected[program] = (sender, at(when), finding)
    got = fetch(
        con, "SELECT program_id, sender_id, suppressed_at, finding FROM suppressed_not_opted_out"
    )
    assert {p: (s, t, f) for p, s, t, f in got} == expected
    assert len(got) == len(expected)


@SHARED
@given(
    st.sampled_from(
        [
            ("36184", "mgage", "STOP 36184"),
            ("MaMarque", "infobip", "STOP au 36173"),
            ("38100", "infobip", "STOP 38100"),
        ]
    ),
    st.text(alphabet="abcdé !?.,0123456789", max_size=30),
    st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", "\u202f", "\n"]), min_size=4, max_size=4),
    st.lists(st.booleans(), min_size=13, max_size=13),
    st.booleans(),
)
def test_any_spacing_and_case_of_the_mention_passes_and_a_cut_one_fails(
    route: tuple[str, str, str],
    lead: str,
    gaps: list[str],
    upper: list[bool],
    cut: bool,
) -> None:
    sender_id, aggregator, mention = route
    words = mention.split(" ")
    # re-space the mention with arbitrary white space, change case letter by letter
    spaced = gaps[0].join(words) if len(words) == 2 else f"{words[0]}{gaps[0]}au{gaps[1]}{words[2]}"
    cased = "".join(c.upper() if u else c.lower() for c, u in zip(spaced, upper, strict=False))
    cased += spaced[len(upper) :]
    body = f"{lead} {cased}{gaps[2]}{gaps[3]}"
    if cut:
        body = body.rstrip(" \t\n\u00a0\u202f")[:-1]  # the code loses its last digit
    con = fresh()
    insert(
        con,
        "sends",
        [
            {
                "message_id": "m1",
                "sent_at": at(0),
                "sender_id": sender_id,
                "aggregator": aggregator,
                "body": body,
            }
        ],
    )
    for table in ("sender_routes", "stop_footer_checks"):  # all this check needs
        reconcile.create(con, table, has_programs=False)
    assert fetch(con, "SELECT outcome FROM stop_footer_checks") == [("missing" if cut else "ok",)]
