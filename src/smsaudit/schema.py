"""Canonical tables: what every loader produces and every audit reads.

The loaders turn any accepted spelling of an input (CSV dialects, Parquet, Infobip JSON)
into exactly these tables, so audits never see vendor field names, local times or
national phone spellings. All timestamps are UTC instants (TIMESTAMPTZ with the session
time zone pinned to UTC); all phone numbers are E.164 with their territory and clock;
money is DECIMAL so that sums reconcile to the cent.

``input_file`` / ``line`` point back to the row of origin for every canonical row.
The loader may store a VARCHAR column whose values repeat as an ENUM of those values
(``ingest.verdicts.DICTIONARY_COLUMNS``): same comparisons, same order, a fraction of the memory.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from .errors import InputError

# Territories of CONTRACT §3: region code -> IANA clock.
TERRITORY_CLOCKS: dict[str, str] = {
    "FR": "Europe/Paris",
    "RE": "Indian/Reunion",
    "YT": "Indian/Mayotte",
    "GP": "America/Guadeloupe",
    "MQ": "America/Martinique",
    "GF": "America/Cayenne",
    "BL": "America/St_Barthelemy",
    "MF": "America/Marigot",
    "PM": "America/Miquelon",
}


def territories(value: str | Iterable[str] | None) -> list[str]:
    """Territory codes from ``"FR,RE"`` or a list, in TERRITORY_CLOCKS order; None means all.

    The one check of a territory choice, for the command line and the Python API alike:
    an empty choice (``','``) or an unknown code is an InputError (exit 2).
    """
    if value is None:
        return list(TERRITORY_CLOCKS)
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = [t.strip().upper() for t in items if t.strip()]
    if not chosen:
        raise InputError("--territories names no territory (known: FR, RE, YT, GP, ...)")
    unknown = sorted(set(chosen) - set(TERRITORY_CLOCKS))
    if unknown:
        raise InputError(
            f"unknown territories {', '.join(unknown)} (known: {', '.join(TERRITORY_CLOCKS)})"
        )
    return sorted(set(chosen), key=list(TERRITORY_CLOCKS).index)


MONEY = "DECIMAL(18,6)"

# kind -> column name -> SQL type. Order is the table's column order.
CANONICAL: dict[str, dict[str, str]] = {
    "sends": {
        "message_id": "VARCHAR NOT NULL",
        "sent_at": "TIMESTAMPTZ NOT NULL",
        "msisdn": "VARCHAR NOT NULL",  # E.164, e.g. +33612345678
        "territory": "VARCHAR NOT NULL",  # key of TERRITORY_CLOCKS
        "tz": "VARCHAR NOT NULL",  # IANA clock of the territory
        "sender_id": "VARCHAR NOT NULL",
        "program_id": "VARCHAR",
        "campaign_id": "VARCHAR",
        "aggregator": "VARCHAR",  # lower case: 'mgage', 'infobip', or as given, lower-cased
        "category": "VARCHAR NOT NULL",  # 'marketing' | 'transactional'
        "body": "VARCHAR",
        "segments": "INTEGER",  # as given by the send row, NULL when absent
        "price": MONEY,  # per segment, as given by the send row
        "currency": "VARCHAR",  # ISO 4217 upper case
        # 'message': price is the whole message's (Twilio); NULL or 'segment': per segment
        "price_basis": "VARCHAR",
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "receipts": {  # at most one row per message_id: the latest report wins
        "message_id": "VARCHAR NOT NULL",
        "status": "VARCHAR",  # upper case as given (DELIVERED, REJECTED_DESTINATION_BLOCKLISTED...)
        "status_group": "VARCHAR",  # Infobip status.groupName when known
        "done_at": "TIMESTAMPTZ",
        "error_code": "VARCHAR",  # text, never a number: '061' stays '061'
        "error_text": "VARCHAR",
        "segments": "INTEGER",
        "price": MONEY,  # per segment (or per message: price_basis)
        "currency": "VARCHAR",
        "price_basis": "VARCHAR",  # as sends.price_basis
        # opt-out evidence by the receipt's own format (Twilio 21610, Infobip 14/573, ...);
        # NULL for canonical receipts, judged by the contract's '061'
        "optout": "BOOLEAN",
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "suppression_exports": {
        "msisdn": "VARCHAR NOT NULL",
        "territory": "VARCHAR NOT NULL",
        "sender_id": "VARCHAR NOT NULL",
        "suppressed_at": "TIMESTAMPTZ NOT NULL",
        "aggregator": "VARCHAR",
        "keyword": "VARCHAR",
        "action": "VARCHAR",  # 'BLOCK' (also NULL) | 'UNBLOCK' (lifts the pair)
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "mo": {
        "msisdn": "VARCHAR NOT NULL",
        "territory": "VARCHAR NOT NULL",
        "received_at": "TIMESTAMPTZ NOT NULL",
        "text": "VARCHAR",
        "short_code": "VARCHAR",
        "is_stop": "BOOLEAN NOT NULL",  # first word STOP / ARRET / ARRÊT, any case
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "consent": {
        "msisdn": "VARCHAR NOT NULL",
        "territory": "VARCHAR NOT NULL",
        "program_id": "VARCHAR NOT NULL",
        "status": "VARCHAR NOT NULL",  # normalised: 'OPTED-IN' | 'OPTED-OUT'
        "status_date": "TIMESTAMPTZ NOT NULL",
        "consent_source": "VARCHAR",
        "evidence_ref": "VARCHAR",
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "programs": {
        "program_id": "VARCHAR NOT NULL",
        "sender_id": "VARCHAR NOT NULL",
        "short_code_type": "VARCHAR",  # 'shared' | 'dedicated'
        "aggregator": "VARCHAR",  # lower case
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
    "rate_card": {
        "aggregator": "VARCHAR NOT NULL",  # lower case
        "price_per_segment": f"{MONEY} NOT NULL",
        "currency": "VARCHAR NOT NULL",
        "valid_from": "DATE",  # inclusive; NULL = since always
        "valid_to": "DATE",  # inclusive; NULL = until further notice
        "input_file": "VARCHAR NOT NULL",
        "line": "BIGINT NOT NULL",
    },
}

# Input kinds by file-name prefix (CONTRACT §1) -> canonical table. Longest prefix first
# is not needed: no prefix is a prefix of another.
KIND_TABLE: dict[str, str] = {
    "sends": "sends",
    "receipts": "receipts",
    "suppressions": "suppression_exports",
    "mo": "mo",
    "consent": "consent",
    "programs": "programs",
    "rate_card": "rate_card",
}

REJECTED_ROWS = {
    "input_file": "VARCHAR",
    "line": "BIGINT",
    "column": "VARCHAR",
    "value": "VARCHAR",
    "reason": "VARCHAR",  # for people: may carry details
    "reason_code": "VARCHAR",  # for programs: stable (ingest.reasons.REASON_CODES)
}

ROW_ACCOUNTING = {
    "input_file": "VARCHAR",
    "kind": "VARCHAR",
    "rows_read": "BIGINT",
    "rows_used": "BIGINT",
    "rows_rejected": "BIGINT",
    "rows_out_of_scope": "BIGINT",
}


def ddl(table: str, columns: dict[str, str]) -> str:
    """``CREATE OR REPLACE TABLE`` for a fixed column set (names are ours, never user text)."""
    cols = ", ".join(f'"{name}" {sql_type}' for name, sql_type in columns.items())
    return f"CREATE OR REPLACE TABLE {table} ({cols})"


def create_empty(con: duckdb.DuckDBPyConnection, kind: str) -> None:
    """Create the canonical table of ``kind`` (a key of CANONICAL), empty."""
    con.execute(ddl(kind, CANONICAL[kind]))


def create_all_empty(con: duckdb.DuckDBPyConnection) -> None:
    """Create every canonical table empty: an audit then runs on whatever inputs exist."""
    for kind in CANONICAL:
        create_empty(con, kind)
