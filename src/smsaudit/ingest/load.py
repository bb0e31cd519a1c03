"""Load every input into the canonical tables, and account for every row.

One reader per format (CSV dialects, Parquet, Infobip JSON) stages each file as typed
columns next to their raw text; one generic pass per kind then sorts every row into
exactly one of: used (lands in the canonical table of ``schema.CANONICAL``), rejected
(``rejected_rows``: file, line, column, value, reason) or out of scope (counted in
``row_accounting`` and detailed in ``out_of_scope_rows``). Python touches files and
column names, never data rows: parsing, validation and phone numbers happen in DuckDB.

``line`` is the physical line where a record starts (header = line 1) for CSV, the row
number for Parquet, and the report's position for JSON (line for one-per-line files).
"""

from __future__ import annotations

__all__ = ["LoadReport", "Source", "discover", "kind_of", "load"]

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

import duckdb

from .. import phone, schema, scratch
from ..errors import InputError
from .accounting import account
from .discover import Source, discover, kind_of
from .expressions import literal, quote
from .readers import Stager, parquet_pages_named
from .reasons import reason_code_sql
from .repeats import duplicate_sends, no_late_verdicts, superseded_receipts
from .specs import KINDS, SPECS
from .verdicts import (
    PHONE_KEY,
    VERDICT_COLUMNS,
    dictionary_types,
    staged_union,
    unsent_receipts,
    verdict_select,
)

# Period bounds are calendar days in France (the billing clock of cost.BILLING_TZ).
PERIOD_TZ = "Europe/Paris"
# Bytes 0x80-0x9F read as Latin-1, and as Windows-1252 (its five undefined bytes stay Latin-1).
_C1 = "".join(map(chr, range(0x80, 0xA0)))
_CP1252_C1 = "".join(
    bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in range(0x80, 0xA0)
)


@dataclass
class LoadReport:
    """What the loaders saw: files per kind, names ignored, naive timestamps read."""

    sources: list[Source] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    kinds_present: set[str] = field(default_factory=set)
    naive_timestamps: int = 0
    assume_tz: str = "Europe/Paris"

    def has(self, kind: str) -> bool:
        """Whether at least one file of ``kind`` was given."""
        return kind in self.kinds_present


class Remote(Protocol):
    """An engine that reads some inputs itself (Spark: ``engines.spark_load``): it stages
    the files of the kinds it claims, and sorts their rows, where they are."""

    def claim(self, sources: Sequence[Source]) -> set[str]: ...
    def stage(self, src: Source, ordinal: int) -> str | None: ...
    def phone_keys(self, kinds: Sequence[tuple[str, Sequence[str]]]) -> str | None: ...
    def ship(self, *tables: str) -> None: ...
    def finish_kind(
        self, kind: str, views: Sequence[str], allowed: Sequence[str], tz: str
    ) -> int: ...
    def unsent_receipts(self, staged: str) -> None: ...


def load(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source],
    *,
    assume_tz: str = "Europe/Paris",
    territories: Iterable[str] | None = None,
    ignored: Sequence[str] = (),
    period: tuple[date | None, date | None] = (None, None),
    remote: Remote | None = None,
) -> LoadReport:
    """Load ``sources`` into the canonical tables, ``rejected_rows`` and ``row_accounting``.

    ``period`` (first day, last day; inclusive, Paris calendar days, None = open) limits
    the sends audited; the others count out of scope. Consent, STOPs and suppressions are
    history and are always read whole. ``remote`` reads the kinds it claims itself.
    """
    report = LoadReport(sources=list(sources), ignored=list(ignored), assume_tz=assume_tz)
    _set_period(con, period)
    allowed = schema.territories(territories)
    _install_macros(con, assume_tz)
    schema.create_all_empty(con)
    # Working table without reason_code: it is derived once, at the end, from the reason.
    working = {k: v for k, v in schema.REJECTED_ROWS.items() if k != "reason_code"}
    con.execute(schema.ddl("rejected_rows", working))
    con.execute(schema.ddl("row_accounting", schema.ROW_ACCOUNTING))
    con.execute(
        "CREATE OR REPLACE TABLE out_of_scope_rows "
        "(input_file VARCHAR, reason VARCHAR, rows BIGINT)"
    )
    claimed = remote.claim(sources) if remote is not None else set()
    far: dict[str, list[str]] = {}  # kind -> views staged by ``remote``
    with scratch.folder("load") as tmp:
        stager = Stager(con, Path(tmp))
        staged: dict[str, list[tuple[str, int | None]]] = {}
        # Kinds that a vendor record gives besides the kind it is counted as (role "also").
        also: dict[str, list[str]] = {}
        for src in sources:
            if remote is not None and src.kind in claimed:
                stager.n += 1
                view = remote.stage(src, stager.n)  # None: staged with an earlier part
                if view is not None:
                    far.setdefault(src.kind, []).append(view)
                continue
            for kind, table, role in stager.stage(src):
                staged.setdefault(kind, []).append((table, stager.n))
                if role == "also":
                    also.setdefault(kind, []).append(src.name)
        for kind, table, ordinal in stager.flush():  # datasets: their parts as one view
            staged.setdefault(kind, []).append((table, ordinal))
    report.kinds_present = set(staged) | set(far)
    with parquet_pages_named(con, sources):
        keys = remote.phone_keys(list(far.items())) if remote is not None and far else None
        _normalise_numbers(con, staged, keys)
        if remote is not None and far:
            remote.ship("phone_lookup", "audit_period")
        for kind in KINDS:  # sends first: a receipt is in scope only for a known send
            if kind in far and remote is not None:
                report.naive_timestamps += remote.finish_kind(kind, far[kind], allowed, assume_tz)
            elif kind in staged:
                # receipts read here, sends there: the engine tells which have no send
                unsent = remote.unsent_receipts if remote is not None and "sends" in far else None
                report.naive_timestamps += _finish_kind(
                    con, kind, staged[kind], allowed, assume_tz, also.get(kind, []), unsent
                )
    con.execute(
        f"""CREATE OR REPLACE TABLE rejected_rows AS
           SELECT r.*, {reason_code_sql("r.reason")} AS reason_code FROM (
             SELECT * FROM rejected_rows
             UNION ALL SELECT input_file, line, NULL, value, reason FROM malformed_rows
           ) r JOIN files_read f USING (input_file) ORDER BY f.ord, r.line"""
    )
    account(con, also)
    _drop_working_tables(con)
    return report


def _drop_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what only loading needed (staged files, the phone map): at 20M sends these hold
    gigabytes that every later statement would otherwise have to spill around."""
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, 'stg_')"
    ).fetchall()
    for (name,) in views:
        con.execute(f"DROP VIEW {quote(name)}")
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND (starts_with(table_name, "
        "'stg_') OR table_name IN ('phone_raw', 'files_read', 'malformed_rows', "
        "'receipts_unsent', 'rows_used_elsewhere'))"
    ).fetchall()
    for (name,) in tables:
        con.execute(f"DROP TABLE {quote(name)}")
    con.execute("DROP TABLE IF EXISTS phone_lookup")


def _set_period(con: duckdb.DuckDBPyConnection, period: tuple[date | None, date | None]) -> None:
    """The audited period as a one-row table of UTC bounds, half-open ``[start, end)``."""
    first, last = period
    if first and last and last < first:
        raise InputError(f"the period ends ({last}) before it starts ({first})")
    paris = ZoneInfo(PERIOD_TZ)
    start = datetime.combine(first, time(), paris) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), paris) if last else None
    con.execute(
        "CREATE OR REPLACE TEMP TABLE audit_period AS "
        "SELECT $start::TIMESTAMPTZ AS period_start, $end::TIMESTAMPTZ AS period_end",
        {"start": start, "end": end},
    )


def _install_macros(con: duckdb.DuckDBPyConnection, assume_tz: str) -> None:
    try:
        con.execute("SELECT timezone($tz, TIMESTAMP '2000-01-01')", {"tz": assume_tz})
    except duckdb.Error:
        raise InputError(f"unknown time zone {assume_tz!r} for --assume-tz") from None
    tz = assume_tz.replace("'", "''")  # checked above to be a real zone name
    # local -> UTC: the first occurrence of an ambiguous time; NULL in a DST gap.
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO smsaudit_local_to_utc(ts) AS (
            CASE
              WHEN ts IS NULL THEN NULL
              WHEN timezone('{tz}', timezone('{tz}', ts)) <> ts THEN NULL
              WHEN timezone('{tz}', timezone('{tz}', ts) - INTERVAL 1 HOUR) = ts
                THEN timezone('{tz}', ts) - INTERVAL 1 HOUR
              ELSE timezone('{tz}', ts) END)"""
    )
    # BINARY text (some Parquet writers store strings so): UTF-8 when valid, else each byte
    # as Windows-1252, as sniff.transcode reads a CSV line; no byte is lost. A CASE, not
    # coalesce: DuckDB computes every argument of coalesce for every row, and the byte-by-
    # byte branch is 20x the cost of decoding (1M rows: 2.1 s against 0.1 s).
    latin1 = (
        "list_transform(range(0, length(hex(b)), 2), "
        "lambda i: chr(('0x' || substr(hex(b), i + 1, 2))::INTEGER))"
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO smsaudit_blob_text(b) AS (
            CASE WHEN try(decode(b)) IS NOT NULL THEN decode(b)
                 ELSE translate(array_to_string({latin1}, ''),
                                {literal(_C1)}, {literal(_CP1252_C1)}) END)"""
    )


def _normalise_numbers(
    con: duckdb.DuckDBPyConnection,
    staged: Mapping[str, list[tuple[str, int | None]]],
    keys: str | None = None,
) -> None:
    """One phone map for every distinct spelling in every input (each number decided once,
    keyed by ``verdicts.PHONE_KEY``): table ``phone_lookup``. ``keys``: a table of more keys
    (column ``raw``), those of the inputs an engine reads itself."""
    selects = [
        f"SELECT msisdn FROM {t}"
        for kind, tables in staged.items()
        if any(f.type == "msisdn" for f in SPECS[kind])
        for t, _ in tables
    ]
    # One DISTINCT over all the files, not one per file and another for their UNION.
    if keys is not None:
        selects.append(f"SELECT raw AS msisdn FROM {keys}")
    every = " UNION ALL ".join(selects) if selects else "SELECT NULL::VARCHAR AS msisdn"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE phone_raw AS "
        f"SELECT DISTINCT {PHONE_KEY.format('msisdn')} AS raw FROM ({every}) "
        "WHERE msisdn IS NOT NULL"
    )
    phone.normalize_numbers(con, "phone_raw", "phone_lookup", already_distinct=True)
    con.execute("DROP TABLE phone_raw")
    # The loaders read four columns of the map besides its key: without the others, the hash
    # table of millions of spellings they join to is smaller. Dropping a column does not copy
    # the rest. (A 64-bit hash of the spelling would make a smaller key still, but DuckDB's
    # string hash collides on spellings such as '+33 6 12 20 57 23' and '+33 6 19 20 57 73':
    # 77 pairs among 1.1M numbers.)
    for column in sorted(set(phone.MAP_COLUMNS) - {"raw", "e164", "territory", "status", "reason"}):
        con.execute(f"ALTER TABLE phone_lookup DROP COLUMN {column}")


def _finish_kind(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    tables: Sequence[tuple[str, int | None]],
    allowed: Sequence[str],
    tz: str,
    also_files: Sequence[str] = (),
    unsent: Callable[[str], None] | None = None,
) -> int:
    """Sort the staged rows of one kind into used / rejected / out of scope.

    Every row is copied once, into a work table holding the canonical columns and its
    verdict (why rejected, why out of scope). The few rejected and out-of-scope rows are
    then reported and deleted, the verdict columns dropped, and the work table becomes the
    canonical one: no second copy of millions of rows. Returns how many timestamps were
    read without an offset (in ``--assume-tz``).
    """
    target = schema.KIND_TABLE[kind]
    work = f"loading_{kind}"
    types = dictionary_types(con, kind, [t for t, _ in tables])
    staged = staged_union(con, tables)
    if kind == "receipts":
        (unsent or partial(unsent_receipts, con))(staged)
    select = verdict_select(kind, staged, allowed, types)
    params = {"tz": tz} if "$tz" in select else None
    con.execute(f"CREATE OR REPLACE TABLE {work} AS {select}", params)
    # Verdicts that depend on other rows, in a small table (repeats.py): never an UPDATE.
    if kind == "sends":
        duplicate_sends(con, work)
    elif kind == "receipts":
        superseded_receipts(con, work)
    else:
        no_late_verdicts(con)
    con.execute(
        f"""INSERT INTO rejected_rows
            SELECT input_file, line, rej_column, rej_value, rej_reason FROM (
              SELECT input_file, line, file_ord, rej_column, rej_value, rej_reason
              FROM {work} WHERE rej_reason IS NOT NULL
              UNION ALL
              SELECT input_file, line, file_ord, rej_column, rej_value, rej_reason
              FROM late_verdicts WHERE rej_reason IS NOT NULL
            ) ORDER BY file_ord, line"""
    )
    # The records a vendor file counted as another kind (a Twilio row's delivery status) are
    # out of scope here without being a row of their own: they are not counted twice.
    not_also = (
        f"WHERE input_file NOT IN ({', '.join(literal(f) for f in also_files)})"
        if also_files
        else ""
    )
    con.execute(
        f"""INSERT INTO out_of_scope_rows
            SELECT input_file, out_reason, count(*) FROM (
              SELECT input_file, out_reason FROM {work}
              WHERE rej_reason IS NULL AND out_reason IS NOT NULL
                AND rowid NOT IN (SELECT rid FROM late_verdicts)
              UNION ALL
              SELECT input_file, out_reason FROM late_verdicts
              WHERE rej_reason IS NULL AND out_reason IS NOT NULL
            ) {not_also}
            GROUP BY ALL ORDER BY ALL"""
    )
    row = con.execute(
        f"""SELECT coalesce((SELECT sum(naive__n) FROM {work} WHERE rej_reason IS NULL), 0)
                 - coalesce((SELECT sum(naive__n) FROM late_verdicts
                             WHERE rej_reason IS NOT NULL), 0)"""
    ).fetchall()[0]
    con.execute(
        f"DELETE FROM {work} WHERE rej_reason IS NOT NULL OR out_reason IS NOT NULL "
        "OR rowid IN (SELECT rid FROM late_verdicts)"
    )
    con.execute("DROP TABLE late_verdicts")
    for column in VERDICT_COLUMNS:
        con.execute(f"ALTER TABLE {work} DROP COLUMN {column}")
    con.execute(f"DROP TABLE {target}")
    con.execute(f"ALTER TABLE {work} RENAME TO {target}")
    for name in types.values():  # the columns keep their types; the names are not needed
        con.execute(f"DROP TYPE {name}")
    return int(row[0]) if row and row[0] else 0
