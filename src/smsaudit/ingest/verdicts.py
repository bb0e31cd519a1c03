"""Verdicts: each staged row checked (the first failing check rejects it), scoped, and
copied once into its canonical table, repeated text stored as ENUMs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from .. import schema
from .expressions import clip, local_time_text
from .specs import CONSENT_STATUS, SPECS

# -------------------------------------------------------------------------- validation

# The phone map's key for a staged spelling: the spelling without its plain spaces. Reading a
# number starts by dropping its blanks (phone rule 1), so the spellings that differ only by
# spaces read alike and are decided once; the key is also shorter (a 12-character
# '+33612345678' is stored inline, where '+33 6 12 34 56 78' is not). At 20M sends: 8.8M
# keys instead of 10.8M spellings.
PHONE_KEY = "replace({}, ' ', '')"


def _raw_text(name: str) -> str:
    """SQL: the staged value of canonical column ``name`` as read, as text (a typed Parquet
    column is turned into text here, only for the rows whose check or report needs it)."""
    return f"CAST({name}__raw AS VARCHAR)"


# Instants an SMS audit can hold: anything else is a typo or a placeholder (Excel's
# 1899-12-30, 0001-01-01, 9999-12-31, 'epoch', 'infinity'), rejected rather than used. It
# also keeps one bad row from unrolling the calendars over centuries.
PLAUSIBLE_FROM, PLAUSIBLE_UNTIL = "2000-01-01", "2100-01-01"


def _implausible_time(name: str, portable: bool) -> list[tuple[str, str, str]]:
    """Checks of a timestamp column that lies: a zone name or an impossible offset (found
    while staging, ``__lie``), a date outside PLAUSIBLE_FROM..PLAUSIBLE_UNTIL. (Spark has no
    infinite timestamps: ``portable`` SQL leaves ``isfinite`` out.)"""
    finite = "false" if portable else f"NOT isfinite({name})"
    return [
        (name, f"{name}__lie IS NOT NULL", f"{name}__lie"),
        (
            name,
            f"{name} IS NOT NULL AND ({finite} "
            f"OR {name} < TIMESTAMPTZ '{PLAUSIBLE_FROM} 00:00:00+00' "
            f"OR {name} >= TIMESTAMPTZ '{PLAUSIBLE_UNTIL} 00:00:00+00')",
            f"'implausible date (outside {PLAUSIBLE_FROM[:4]}-{int(PLAUSIBLE_UNTIL[:4]) - 1})'",
        ),
    ]


def _checks(kind: str, portable: bool = False) -> list[tuple[str, str, str]]:
    """(column, SQL condition making the row unusable, SQL reason), in order: first wins.

    ``portable``: for rows staged on Spark, where whether a text timestamp names a local
    time (the DST-gap test, DuckDB's parsing) was decided beforehand, into ``<name>__gap``."""
    out: list[tuple[str, str, str]] = []
    unreadable = {
        "ts": "'unreadable timestamp'",
        "date": "'unreadable date'",
        "money": "'not a number'",
        "count": "'not a whole number'",
    }
    for f in SPECS[kind]:
        if f.type == "ts":
            out.extend(_implausible_time(f.name, portable))
            raw = _raw_text(f.name)
            gap = f"{f.name} IS NULL AND " + (
                f"{f.name}__gap" if portable else local_time_text(raw)
            )
            out.append((f.name, gap, "'local time that does not exist (DST change) in ' || $tz"))
        if f.type in unreadable:
            cond = f"{f.name} IS NULL AND nullif(trim({_raw_text(f.name)}), '') IS NOT NULL"
            out.append((f.name, cond, unreadable[f.type]))
        if f.required:
            out.append((f.name, f"{f.name} IS NULL", "'missing value'"))
        if f.type == "money":
            out.append((f.name, f"{f.name} < 0", "'negative amount'"))
        if f.type == "count":
            # 1.5 segments is no count: it would be rounded, and billed (Parquet DOUBLE too)
            out.append((f.name, f"{f.name}__lie IS NOT NULL", f"{f.name}__lie"))
            out.append((f.name, f"{f.name} < 1", "'segments must be at least 1'"))
        if f.type == "msisdn":
            out.append((f.name, "ph_status = 'invalid'", "'invalid phone number: ' || ph_reason"))
    if kind == "consent":
        out.append(("status", "status_norm IS NULL", "'unknown consent status'"))
    if kind == "rate_card":
        out.append(("valid_to", "valid_to < valid_from", "'valid_to before valid_from'"))
    for column, (first, second) in ENUMERATED.get(kind, {}).items():
        out.append(
            (
                column,
                f"{column} NOT IN ('{first}', '{second}')",
                f"'unknown {column} (expected {first} or {second})'",
            )
        )
    return out


# Columns of a kind that take one of two values (after canonicalisation); others are rejected.
ENUMERATED: dict[str, dict[str, tuple[str, str]]] = {
    "sends": {"category": ("marketing", "transactional"), "price_basis": ("segment", "message")},
    "receipts": {"price_basis": ("segment", "message")},
    "programs": {"short_code_type": ("shared", "dedicated")},
    "suppressions": {"action": ("BLOCK", "UNBLOCK")},
}


# Columns of the work table beside the canonical ones (dropped once the rows are sorted).
VERDICT_COLUMNS = ("file_ord", "rej_column", "rej_value", "rej_reason", "out_reason", "naive__n")


# Text columns whose values repeat in bulk traffic (a campaign's sender, body, category; a
# receipt's status). Stored as an ENUM of the values present, each takes 1-4 bytes a row
# instead of a string: at 20M sends the bodies alone are 1.2 GB as strings, which pushes
# every later step into spilling. A column with too many distinct values (personalised
# bodies, say) stays text. ENUM columns compare, join and print like text.
DICTIONARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "sends": (
        "sender_id",
        "program_id",
        "campaign_id",
        "aggregator",
        "category",
        "body",
        "currency",
        "input_file",
    ),
    "receipts": ("status", "status_group", "error_code", "error_text", "currency", "input_file"),
}
# At most this many distinct values, and at most one per DICTIONARY_RATIO rows.
DICTIONARY_MAX = 1 << 20
DICTIONARY_RATIO = 16
# Below this many rows of a kind the memory saved is nothing and deciding costs ~35 ms a
# kind: small audits (a notebook's) store text as text.
DICTIONARY_MIN_ROWS = 200_000


def dictionary_types(
    con: duckdb.DuckDBPyConnection, kind: str, tables: Sequence[str]
) -> dict[str, str]:
    """Create an ENUM type per dictionary column of ``kind`` worth it; column -> type name.

    The values are those of the canonical expression over every staged file, so each row's
    value is in its column's type; they are in text order, so that ORDER BY sorts an ENUM
    column as it would sort the text. The types are dropped once the table exists (its
    columns keep them).
    """
    exprs = _canonical_exprs(kind)
    cols = [c for c in DICTIONARY_COLUMNS.get(kind, ()) if c in exprs]
    if not cols:
        return {}
    counts = " UNION ALL ".join(f"SELECT count(*) AS n FROM {t}" for t in tables)
    if con.execute(f"SELECT sum(n) FROM ({counts})").fetchall()[0][0] < DICTIONARY_MIN_ROWS:
        return {}
    union = " UNION ALL ".join(
        f"SELECT {', '.join(f'{exprs[c]} AS {c}' for c in cols)} FROM {t}" for t in tables
    )
    row = con.execute(
        f"SELECT count(*), {', '.join(f'approx_count_distinct({c})' for c in cols)} FROM ({union})"
    ).fetchall()[0]
    assert row is not None
    limit = min(DICTIONARY_MAX, max(256, row[0] // DICTIONARY_RATIO))
    types = {}
    for column, approx in zip(cols, row[1:], strict=True):
        if approx > limit:
            continue
        name = f"smsaudit_{kind}_{column}"
        con.execute(f"DROP TYPE IF EXISTS {name}")
        values = " UNION ALL ".join(f"SELECT {exprs[column]} AS v FROM {t}" for t in tables)
        con.execute(
            f"CREATE TYPE {name} AS ENUM "
            f"(SELECT DISTINCT CAST(v AS VARCHAR) AS v FROM ({values}) WHERE v IS NOT NULL "
            "ORDER BY v)"
        )
        types[column] = name
    return types


def staged_union(con: duckdb.DuckDBPyConnection, tables: Sequence[tuple[str, int | None]]) -> str:
    """SQL (a FROM item): the staged files of one kind as one relation, with ``file_ord``.

    The files of a kind are checked in one statement, so that the joins of the check (the
    phone map, a receipt's send) build their hash table once, not once per file: at 20M
    sends in two files, each build of the map of 11M spellings cost 3 s. Staged files have
    the same columns; a raw column typed differently in two files (a Parquet TIMESTAMPTZ, a
    CSV's text) is read as text in all of them, as the checks and reports read it anyway.
    """
    described = [
        con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE {t}) WHERE column_name <> 'file_ord'"
        ).fetchall()
        for t, _ in tables
    ]  # a dataset's view (ordinal None) has its own file_ord, per row
    names = [str(n) for n, _ in described[0]]
    mixed = {
        n
        for i, n in enumerate(names)
        if n.endswith("__raw") and len({str(d[i][1]) for d in described}) > 1
    }
    cols = ", ".join(f"CAST({n} AS VARCHAR) AS {n}" if n in mixed else n for n in names)
    return (
        "("
        + " UNION ALL ".join(
            f"SELECT {cols}, {'file_ord' if o is None else o} AS file_ord FROM {t}"
            for t, o in tables
        )
        + ")"
    )


def verdict_select(
    kind: str,
    staged: str,
    allowed: Sequence[str],
    types: Mapping[str, str],
    *,
    portable: bool = False,
) -> str:
    """The canonical columns of a kind's staged rows (``staged``: a FROM item with a
    ``file_ord`` column, see :func:`staged_union`), then each row's verdict.

    Checks come first (``rej_*``: the first failing check wins); a usable row may still be
    out of scope (``out_reason``). Receipts' scope also depends on other rows (their send,
    a later report): ``scope_receipts`` completes it. ``portable``: SQL that sqlglot makes
    Spark's (``engines.spark_load``), without DuckDB's own types and functions.
    """
    has_phone = any(f.type == "msisdn" for f in SPECS[kind])
    derived = ""
    if kind == "consent":
        cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CONSENT_STATUS.items())
        derived = f", CASE replace(status, ' ', '') {cases} END AS status_norm"
    # The clock follows from the territory: not carrying it through the join keeps the hash
    # table of millions of spellings smaller.
    clock = " ".join(f"WHEN '{t}' THEN '{z}'" for t, z in schema.TERRITORY_CLOCKS.items())
    looked_up, join = "", ""  # columns found in another table, and the join that finds them
    if has_phone:
        looked_up = (
            f", ph.e164, ph.territory AS ph_territory, CASE ph.territory {clock} END AS ph_tz, "
            "ph.status AS ph_status, ph.reason AS ph_reason"
        )
        join = f"LEFT JOIN phone_lookup ph ON ph.raw = {PHONE_KEY.format('s.msisdn')}"
    if kind == "receipts":
        # In scope only for a send in scope: the few receipts without one are listed first
        # (unsent_receipts), so the wide rows meet a small table, not the sends.
        looked_up = ", unsent.message_id IS NOT NULL AS no_send"
        join = "LEFT JOIN receipts_unsent AS unsent USING (message_id)"
    checks = _checks(kind, portable)
    # The conditions are evaluated once per row, giving the number of the first that fails;
    # column, value and reason then follow from that number (only for the failing rows).
    first = " ".join(f"WHEN {c} THEN {i}" for i, (_, c, _) in enumerate(checks, 1))
    col = " ".join(f"WHEN {i} THEN '{n}'" for i, (n, _, _) in enumerate(checks, 1))
    val = " ".join(f"WHEN {i} THEN {_raw_text(n)}" for i, (n, _, _) in enumerate(checks, 1))
    why = " ".join(f"WHEN {i} THEN {r}" for i, (_, _, r) in enumerate(checks, 1))
    return f"""
        WITH s AS (SELECT * {derived} FROM {staged}),
        j AS (SELECT s.*{looked_up} FROM s {join}),
        f AS (SELECT *, CASE {first} END AS rej_no FROM j),
        v AS (SELECT *, CASE rej_no {col} END AS rej_column, CASE rej_no {val} END AS rej_value,
                     CASE rej_no {why} END AS rej_reason FROM f)
        SELECT {_canonical_select(kind, types, portable)}, file_ord, rej_column,
               {clip("rej_value")} AS rej_value, rej_reason,
               CASE WHEN rej_reason IS NULL THEN {_scope_case(kind, has_phone, allowed)} END
                 AS out_reason,
               naive__n
        FROM v"""


def unsent_receipts(con: duckdb.DuckDBPyConnection, staged: str) -> None:
    """Table ``receipts_unsent``: each message_id of the staged receipts (``staged``: see
    :func:`staged_union`) with no send in scope, once. Joining each whole staged receipt to
    the sends instead made DuckDB spill the wide rows of both sides at 20M (14 s); this
    anti-join reads message_id alone and leaves a table of the few receipts for unknown
    messages."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE receipts_unsent AS {UNSENT.format(staged)}")


# Each message_id of the staged receipts ({}) with no row in sends, once: Spark runs it too.
UNSENT = ("SELECT DISTINCT message_id FROM {} AS r WHERE message_id IS NOT NULL AND NOT "
          "EXISTS (SELECT 1 FROM sends AS s WHERE s.message_id = r.message_id)")  # fmt: skip


def _scope_case(kind: str, has_phone: bool, allowed: Sequence[str]) -> str:
    """Why a usable row is out of scope, as far as the row alone tells (NULL = in scope)."""
    whens = []
    if has_phone:
        terr = ", ".join(f"'{t}'" for t in allowed)  # validated territory codes
        whens.append("WHEN ph_status = 'foreign' THEN 'foreign number'")
        whens.append(f"WHEN ph_territory NOT IN ({terr}) THEN 'territory not audited'")
    if kind == "receipts":
        whens.append("WHEN no_send THEN 'receipt for a message not in scope'")
    if kind == "sends":
        whens.append(
            "WHEN sent_at < (SELECT period_start FROM audit_period) "
            "OR sent_at >= (SELECT period_end FROM audit_period) "
            "THEN 'outside the audited period'"
        )
    return ("CASE " + " ".join(whens) + " END") if whens else "NULL::VARCHAR"


# The clocks of the territories, as a type: one byte a row instead of a name (in text order,
# like the dictionary types).
_CLOCK_TYPE = (
    "ENUM(" + ", ".join(f"'{z}'" for z in sorted(set(schema.TERRITORY_CLOCKS.values()))) + ")"
)


def _canonical_exprs(kind: str) -> dict[str, str]:
    """Expressions (over a staged row and its lookups) producing the canonical columns."""
    special = {
        "msisdn": "e164",
        "territory": "ph_territory",
        "tz": "ph_tz",
    }
    if kind == "sends":
        special["category"] = "coalesce(category, 'marketing')"
    if kind == "consent":
        special["status"] = "status_norm"
    if kind == "mo":
        # The platform marked it an opt-out (Brevo's unsubscription), or its first word is
        # STOP / ARRET / ARRÊT, any case; 'STOPPER' is another word. The text is read in NFC
        # (macOS writes ARRÊT decomposed) without format characters (a zero-width space or a
        # BOM before the word).
        words = (
            "lower(nfc_normalize(regexp_replace(text, "
            "'[\\x{200b}\\x{200c}\\x{200d}\\x{2060}\\x{feff}\\x{00ad}]', '', 'g')))"
        )
        special["is_stop"] = (
            f"coalesce(optout_flag = 'STOP', false) OR coalesce(regexp_matches({words}, "
            "'^[\\s\\x{a0}\\x{202f}]*(stop|arret|arrêt)([^[:alnum:]]|$)'), false)"
        )
    if kind == "receipts":
        # Opt-out evidence as the receipt's format defines it; NULL for canonical receipts,
        # which blocked_sends.sql judges by the contract's codes.
        special["optout"] = "CASE optout WHEN 'true' THEN true WHEN 'false' THEN false END"
    if kind == "suppressions":
        special["action"] = "coalesce(action, 'BLOCK')"
    return {name: special.get(name, name) for name in schema.CANONICAL[schema.KIND_TABLE[kind]]}


def _canonical_select(kind: str, types: Mapping[str, str], portable: bool = False) -> str:
    """The canonical table's columns, in order; ``types`` overrides a column's type."""
    cols = schema.CANONICAL[schema.KIND_TABLE[kind]]
    override = {**({} if portable else {"tz": _CLOCK_TYPE}), **types}
    return ", ".join(
        f"CAST({expr} AS {override.get(name) or cols[name].removesuffix(' NOT NULL')}) AS {name}"
        for name, expr in _canonical_exprs(kind).items()
    )
