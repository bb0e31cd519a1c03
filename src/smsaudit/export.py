"""Write audit tables as CSV, Parquet and one Excel workbook, straight from DuckDB.

:func:`output_query` is the single place that decides what a table looks like outside
DuckDB: phone numbers masked or not, timestamps and numbers formatted for the target.
CSV, Parquet, the workbook and the HTML report all read through it, so they agree.

Formats, as written:

- CSV: UTF-8, ``,`` separator, ``.`` decimal mark, header row. ``french=True``: UTF-8
  with BOM, ``;`` separator, decimal comma (what Excel in a French locale opens as is).
  Text that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
  tab or CR; OWASP's CSV injection) gets a leading ``'``, as the workbook keeps it text;
  numbers and E.164 phone numbers (``+33612345678``) are left as they are.
- Masked (``mask_secret``): ``msisdn`` columns become pseudonyms, and in free text
  (bodies, MO texts, evidence references, consent sources, rejected values other than
  times) any run of nine or more digits, separators allowed (``06 12 34 56 78``,
  ``+33 6…``, ``33612345678``), becomes ``[masked]``.
- Timestamps (TIMESTAMPTZ) in CSV and the report: ISO 8601 in UTC with an explicit
  offset, ``YYYY-MM-DDTHH:MM:SS+00:00``, with ``.ffffff`` before the offset only when the
  instant has a fraction of a second. Naive TIMESTAMP columns (local wall clocks) are
  written the same way without offset; dates as ``YYYY-MM-DD``.
- Parquet: typed columns (TIMESTAMPTZ as UTC-adjusted timestamps, money as DECIMAL(18,6)).
- xlsx: timestamps are real Excel date-times in UTC, their header suffixed ``(UTC)``,
  because Excel has no time zones and a date-time filters and sorts where text does not.
- Masking: every ``msisdn`` column, and ``rejected_rows.value`` of phone columns, becomes
  ``anon-`` + the first 16 hex digits of SHA-256(secret || number): the same number gives
  the same pseudonym across tables and formats of one run, and nothing without the secret.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

__all__ = [
    "EXCEL_MAX_DATA_ROWS",
    "FORMATS",
    "WORKBOOK_NAME",
    "OutputColumn",
    "OutputQuery",
    "output_query",
    "save",
    "table_exists",
    "write_csv",
    "write_parquet",
    "write_xlsx",
]

Style = Literal["typed", "text", "french", "excel"]
Kind = Literal["text", "integer", "number", "money", "date", "datetime", "boolean"]

FORMATS = ("csv", "parquet", "xlsx")
WORKBOOK_NAME = "smsaudit.xlsx"
# Excel's sheet holds 1,048,576 rows; one is the header.
EXCEL_MAX_DATA_ROWS = 1_048_575
# Columns of ``rejected_rows.column`` whose value is a phone number (Infobip JSON names it ``to``).
PHONE_COLUMNS = ("msisdn", "to")
# Columns of free text (bodies, replies, references people typed): masked numbers in them too.
FREE_TEXT_COLUMNS = frozenset(
    {"body", "body_end", "text", "reply", "evidence_ref", "consent_source", "keyword", "error_text"}
)
# Rejected values of these columns are times and dates, never numbers to scrub.
_TIME_COLUMNS = ("sent_at", "done_at", "received_at", "suppressed_at", "status_date")
# A phone number in free text: nine or more digits, single separators between them.
PHONE_IN_TEXT = r"\+?[0-9](?:[ .()\-]?[0-9]){8,}"
# Text a spreadsheet runs as a formula; a plain (signed) number is not neutralised.
# (One regular expression, not an IN list: DuckDB turns a long IN list into a join, and the
# CSV writer then no longer keeps the table's row order.)
_FORMULA_START = "^[=+@\\t\\r-]"
_PLAIN_NUMBER = r"[+-]?[0-9][0-9 .,]*"
PSEUDONYM_HEX_DIGITS = 16

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MONEY_NAME = re.compile(r"(^|_)(cost|price|spend|amount|wasted)(_|$)")
_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT"}
_INTEGER_TYPES |= {"USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_ISO_SECONDS = "%Y-%m-%dT%H:%M:%S"
_ISO_FRACTION = "%Y-%m-%dT%H:%M:%S.%f"


@dataclass(frozen=True)
class OutputColumn:
    """One column of a table's output form."""

    name: str
    header: str  # what a reader sees; differs from ``name`` only for xlsx date-times
    kind: Kind


@dataclass(frozen=True)
class OutputQuery:
    """The SELECT giving a table's output form, with the values it binds."""

    table: str
    sql: str
    params: dict[str, Any]
    columns: tuple[OutputColumn, ...]

    def relation(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        """The output form as a DuckDB relation (nothing is read until it is written)."""
        return con.sql(self.sql, params=self.params or None)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether ``table`` (or a view of that name) exists in the connection."""
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = $t", {"t": table}
    ).fetchall()
    return int(rows[0][0]) > 0


def _kind(name: str, sql_type: str) -> Kind:
    base = sql_type.split("(")[0].strip().upper()
    if base in _INTEGER_TYPES:
        return "integer"
    if base == "DECIMAL" or base in _FLOAT_TYPES:
        return "money" if _MONEY_NAME.search(name.lower()) else "number"
    if base == "DATE":
        return "date"
    if base.startswith("TIMESTAMP"):
        return "datetime"
    if base == "BOOLEAN":
        return "boolean"
    return "text"


def _pseudonym(expr: str) -> str:
    return f"'anon-' || left(sha256($mask_secret || {expr}), {PSEUDONYM_HEX_DIGITS})"


def mask_secret_for(mask_msisdn: bool, mask_secret: str | None = None) -> str | None:
    """The key of the pseudonyms when masking: the one given, else ``$SMSAUDIT_MASK_SECRET``,
    else a random secret for this run only (same number, same pseudonym within the run)."""
    if not mask_msisdn:
        return None
    return mask_secret or os.environ.get("SMSAUDIT_MASK_SECRET") or secrets.token_hex(16)


def _free_text(name: str, sql_type: str) -> bool:
    """A column of people's words, which may quote a number in passing."""
    return sql_type == "VARCHAR" and name.lower() in FREE_TEXT_COLUMNS


def _scrubbed(expr: str) -> str:
    return f"regexp_replace({expr}, '{PHONE_IN_TEXT}', '[masked]', 'g')"


def _defused(expr: str) -> str:
    """CSV text that a spreadsheet would run as a formula, prefixed with a quote."""
    return (
        f"CASE WHEN regexp_matches({expr}, '{_FORMULA_START}') "
        f"AND NOT regexp_full_match({expr}, '{_PLAIN_NUMBER}') THEN chr(39) || {expr} "
        f"ELSE {expr} END"
    )


def _iso(expr: str, *, utc: bool) -> str:
    """ISO 8601 text of a timestamp; UTC instants get ``+00:00`` whatever the session zone."""
    clock = f"({expr} AT TIME ZONE 'UTC')" if utc else expr
    offset = " || '+00:00'" if utc else ""
    return (
        f"CASE WHEN epoch_us({expr}) % 1000000 = 0 THEN strftime({clock}, '{_ISO_SECONDS}') "
        f"ELSE strftime({clock}, '{_ISO_FRACTION}') END{offset}"
    )


def output_query(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    mask_secret: str | None = None,
    style: Style = "typed",
) -> OutputQuery:
    """The output form of ``table``: masked when ``mask_secret`` is given, formatted by ``style``.

    ``typed`` keeps DuckDB types (Parquet); ``text`` turns every value into its CSV text;
    ``french`` is ``text`` with a decimal comma; ``excel`` gives values xlsxwriter can write
    (UTC date-times without zone, DOUBLE for DECIMAL, text for nested types).
    """
    if not _IDENTIFIER.match(table):
        raise ValueError(f"not a table name: {table!r}")
    if mask_secret is not None and not mask_secret:
        raise ValueError("mask_secret must not be empty")
    described = con.execute(f"DESCRIBE {_quote(table)}").fetchall()
    names = {str(row[0]).lower() for row in described}
    masks_rejected = table == "rejected_rows" and {"column", "value"} <= names
    selects: list[str] = []
    columns: list[OutputColumn] = []
    for row in described:
        name, sql_type = str(row[0]), str(row[1]).upper()
        kind = _kind(name, sql_type)
        expr = _quote(name)
        header = name
        if mask_secret is not None and name.lower() == "msisdn":
            expr = _pseudonym(f"trim({expr})")
        elif mask_secret is not None and masks_rejected and name.lower() == "value":
            # Unparseable numbers are still personal data: pseudonymise the raw text, and
            # scrub number-looking runs anywhere else (a rejected whole line, say).
            phones = ", ".join(f"'{c}'" for c in PHONE_COLUMNS)
            times = ", ".join(f"'{c}'" for c in _TIME_COLUMNS)
            # list_contains, not IN: a long IN list becomes a join that loses the row order.
            column = 'lower(trim("column"))'
            expr = (
                f"CASE WHEN list_contains([{phones}], {column}) "
                f"THEN {_pseudonym(f'trim({expr})')} "
                f"WHEN list_contains([{times}], {column}) THEN {expr} "
                f"ELSE {_scrubbed(expr)} END"
            )
        elif mask_secret is not None and kind == "text" and _free_text(name, sql_type):
            expr = _scrubbed(expr)
        elif sql_type.endswith("]") and style != "typed":
            # lists (e.g. suppressed_senders) read as "a, b" in CSV and Excel cells
            expr = f"array_to_string({expr}, ', ')"
            kind = "text"
        elif kind == "datetime":
            utc = "TIME ZONE" in sql_type
            if style in ("text", "french"):
                expr = _iso(expr, utc=utc)
                kind = "text"
            elif style == "excel" and utc:
                expr = f"({expr} AT TIME ZONE 'UTC')"
                header = f"{name} (UTC)"
        elif style in ("text", "french") and kind != "text":
            expr = f"CAST({expr} AS VARCHAR)"
            if style == "french" and kind in ("number", "money"):
                expr = f"replace({expr}, '.', ',')"
            kind = "text"
        elif style == "excel":
            if kind in ("number", "money") or (
                kind == "integer" and sql_type.startswith(("HUGEINT", "UHUGEINT", "UBIGINT"))
            ):
                expr = f"CAST({expr} AS DOUBLE)"
            elif kind == "text" and not sql_type.startswith("VARCHAR"):
                expr = f"CAST({expr} AS VARCHAR)"
        if style in ("text", "french") and kind == "text":
            expr = _defused(expr)
        selects.append(f"{expr} AS {_quote(name)}")
        columns.append(OutputColumn(name, header, kind))
    sql = f"SELECT {', '.join(selects)} FROM {_quote(table)}"
    # Bind the secret only where a column uses it: DuckDB refuses unused parameters.
    params = {"mask_secret": mask_secret} if "$mask_secret" in sql else {}
    return OutputQuery(table, sql, params, tuple(columns))


# -- CSV and Parquet -------------------------------------------------------------------------


def write_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    path: Path,
    *,
    mask_secret: str | None = None,
    french: bool = False,
) -> Path:
    """Write ``table`` as CSV (see the module docstring for the two dialects)."""
    query = output_query(con, table, mask_secret=mask_secret, style="french" if french else "text")
    relation = query.relation(con)
    if french and query.columns:
        # DuckDB writes no BOM; a BOM-prefixed first header name puts the three bytes
        # first in the file without a second pass over the data.
        first = query.columns[0].name
        renamed = [f"{_quote(first)} AS {_quote(chr(0xFEFF) + first)}"]
        renamed += [_quote(c.name) for c in query.columns[1:]]
        relation = relation.select(", ".join(renamed))
    relation.write_csv(str(path), sep=";" if french else ",", header=True)
    return path


def write_parquet(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, *, mask_secret: str | None = None
) -> Path:
    """Write ``table`` as Parquet (zstd), typed, masked when ``mask_secret`` is given."""
    query = output_query(con, table, mask_secret=mask_secret, style="typed")
    query.relation(con).write_parquet(str(path), compression="zstd")
    return path


# -- xlsx ---------------------------------------------------------------------------------------

_NUMBER_FORMATS: dict[Kind, str] = {
    "integer": "#,##0",
    "number": "#,##0.00##",
    "money": "#,##0.00##",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
_EURO_FORMAT = '#,##0.00## "€"'
_FIXED_WIDTHS: dict[Kind, int] = {"date": 12, "datetime": 21, "boolean": 8}
_MAX_WIDTH = 60
_FETCH_ROWS = 10_000


@dataclass(frozen=True)
class _SheetResult:
    table: str
    rows: int
    written: int


def _single_currency(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The one currency of ``table``'s ``currency`` column, or None (absent, mixed or empty)."""
    described = con.execute(f"DESCRIBE {_quote(table)}").fetchall()
    if "currency" not in {str(row[0]) for row in described}:
        return None
    found = con.execute(
        f"SELECT DISTINCT currency FROM {_quote(table)} WHERE currency IS NOT NULL LIMIT 2"
    ).fetchall()
    return str(found[0][0]) if len(found) == 1 else None


def _widths(con: duckdb.DuckDBPyConnection, query: OutputQuery, limit: int) -> list[int]:
    """Column widths from the longest text of each column (computed in DuckDB)."""
    lengths = ", ".join(f"max(length(CAST({_quote(c.name)} AS VARCHAR)))" for c in query.columns)
    found = con.execute(
        f"SELECT {lengths} FROM ({query.sql} LIMIT {int(limit)})",
        query.params or None,
    ).fetchall()[0]
    widths = []
    for column, longest in zip(query.columns, found, strict=True):
        content = _FIXED_WIDTHS.get(
            column.kind, int(longest or 0) + (4 if column.kind == "money" else 1)
        )
        # +3 leaves room for the table's filter button next to the header.
        widths.append(min(max(content, len(column.header) + 3, 8), _MAX_WIDTH))
    return widths


def _write_sheet(
    workbook: xlsxwriter.Workbook,
    con: duckdb.DuckDBPyConnection,
    table: str,
    sheet_name: str,
    *,
    mask_secret: str | None,
    max_rows: int,
) -> _SheetResult:
    query = output_query(con, table, mask_secret=mask_secret, style="excel")
    rows = int(con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()[0][0])
    written = min(rows, max_rows)
    euro = _single_currency(con, table) == "EUR"
    sheet = workbook.add_worksheet(sheet_name)
    for index, (column, width) in enumerate(
        zip(query.columns, _widths(con, query, max_rows), strict=True)
    ):
        pattern = (
            _EURO_FORMAT if euro and column.kind == "money" else _NUMBER_FORMATS.get(column.kind)
        )
        cell_format = workbook.add_format({"num_format": pattern}) if pattern else None
        sheet.set_column(index, index, width, cell_format)
    # Excel tables need a data row: an empty finding keeps its table (and its name, which
    # spreadsheets may refer to) with one blank row.
    sheet.add_table(
        0,
        0,
        max(written, 1),
        len(query.columns) - 1,
        {
            "name": table,
            "style": "Table Style Medium 2",
            "columns": [{"header": column.header} for column in query.columns],
        },
    )
    sheet.freeze_panes(1, 0)
    # Rows cross into Python only here, a batch at a time, because xlsxwriter writes cells.
    # iter_rows runs the query once, then frees the connection between batches.
    rows_out = query.relation(con).limit(max_rows).iter_rows(batch_size=_FETCH_ROWS)
    for row_index, values in enumerate(rows_out, start=1):
        sheet.write_row(row_index, 0, values)
    return _SheetResult(table, rows, written)


def _sheet_names(tables: Iterable[str]) -> dict[str, str]:
    """Unique sheet names of at most 31 characters; ``summary`` stays the summary's."""
    names: dict[str, str] = {}
    taken = {"summary"}
    for table in tables:
        name, suffix = table[:31], 1
        while name.lower() in taken:
            suffix += 1
            name = f"{table[: 31 - len(str(suffix)) - 1]}_{suffix}"
        taken.add(name.lower())
        names[table] = name
    return names


# A summary line: (label, value) or (label, value, Excel number format); a number with a format
# is written as a number, so finance can add the figures up.
SummaryItem = tuple[str, str] | tuple[str, str | float, str | None]


def _write_summary(
    workbook: xlsxwriter.Workbook,
    sheet: Worksheet,
    con: duckdb.DuckDBPyConnection,
    *,
    summary: Sequence[SummaryItem],
    actions: Sequence[str] = (),
    results: Sequence[_SheetResult],
    missing: Sequence[str],
    mask_secret: str | None,
    max_rows: int,
) -> None:
    title = workbook.add_format({"bold": True, "font_size": 14})
    bold = workbook.add_format({"bold": True})
    count = workbook.add_format({"num_format": "#,##0"})
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 3, 22)
    sheet.write(0, 0, "smsaudit — audit summary", title)
    row = 2
    if actions:
        sheet.write_string(row, 0, "What to do", title)
        row += 1
        for number, action in enumerate(actions, start=1):
            sheet.write_string(row, 0, f"{number}. {action}")
            row += 1
        row += 1
    number_formats: dict[str, Any] = {}
    for item in summary:
        label, value = item[0], item[1]
        fmt = item[2] if len(item) > 2 else None
        sheet.write_string(row, 0, str(label), bold)
        if fmt is not None and isinstance(value, int | float):
            number_formats.setdefault(fmt, workbook.add_format({"num_format": fmt}))
            sheet.write_number(row, 1, value, number_formats[fmt])
        else:
            sheet.write_string(row, 1, str(value))
        row += 1
    notes = [
        "Timestamps: Excel date-times in UTC (headers marked (UTC)); CSV files carry ISO 8601.",
        (
            "Phone numbers: replaced by keyed pseudonyms (anon-…), stable within this run."
            if mask_secret is not None
            else "Phone numbers: E.164."
        ),
    ]
    for note in notes:
        sheet.write_string(row, 0, note)
        row += 1
    row += 1
    sheet.write_row(row, 0, ["Table", "Rows", "Rows in this workbook", "Note"], bold)
    row += 1
    for result in results:
        note = ""
        if result.rows > result.written:
            note = (
                f"Truncated to Excel's {max_rows:,} rows per sheet; "
                "the CSV and Parquet files hold every row."
            )
        sheet.write_string(row, 0, result.table)
        sheet.write_number(row, 1, result.rows, count)
        sheet.write_number(row, 2, result.written, count)
        sheet.write_string(row, 3, note)
        row += 1
    for table in missing:
        sheet.write_string(row, 0, table)
        sheet.write_string(row, 3, "Not produced: the audit it belongs to was skipped.")
        row += 1
    if table_exists(con, "finance_summary"):
        row += 1
        sheet.write_string(row, 0, "Finance summary", title)
        row += 1
        query = output_query(con, "finance_summary", mask_secret=mask_secret, style="excel")
        euro = _single_currency(con, "finance_summary") == "EUR"
        sheet.write_row(row, 0, [c.header for c in query.columns], bold)
        formats = []
        for column in query.columns:
            pattern = (
                _EURO_FORMAT
                if euro and column.kind == "money"
                else _NUMBER_FORMATS.get(column.kind)
            )
            formats.append(workbook.add_format({"num_format": pattern}) if pattern else None)
        # The finance summary is a handful of rows by construction.
        for values in con.execute(query.sql, query.params or None).fetchall():
            row += 1
            for col, value in enumerate(values):
                sheet.write(row, col, value, formats[col])


def write_xlsx(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    path: Path,
    *,
    mask_secret: str | None = None,
    summary: Sequence[SummaryItem] = (),
    actions: Sequence[str] = (),
    max_rows: int = EXCEL_MAX_DATA_ROWS,
    skipped: Collection[str] = (),
) -> Path:
    """One workbook: a ``summary`` sheet first, then one Excel table per table produced
    (existing and not in ``skipped``)."""
    present = [t for t in tables if t not in skipped and table_exists(con, t)]
    missing = [t for t in tables if t not in present]
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            # Data is data: a message body starting with '=' must not become a formula.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
        },
    )
    # Created "now" in UTC, never in the machine's zone; SOURCE_DATE_EPOCH (the
    # reproducible-builds convention) fixes it, so two runs give the same bytes.
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    created = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    workbook.set_properties({"created": created})
    try:
        summary_sheet = workbook.add_worksheet("summary")
        names = _sheet_names(present)
        results = [
            _write_sheet(
                workbook, con, table, names[table], mask_secret=mask_secret, max_rows=max_rows
            )
            for table in present
        ]
        _write_summary(
            workbook,
            summary_sheet,
            con,
            summary=summary,
            actions=actions,
            results=results,
            missing=missing,
            mask_secret=mask_secret,
            max_rows=max_rows,
        )
    finally:
        workbook.close()
    return path


def save(
    con: duckdb.DuckDBPyConnection,
    tables: Sequence[str],
    out_dir: Path,
    formats: Sequence[str],
    *,
    mask_secret: str | None,
    french_csv: bool = False,
    summary: Sequence[SummaryItem] = (),
    actions: Sequence[str] = (),
    skipped: Collection[str] = (),
) -> list[Path]:
    """Write ``tables`` in each of ``formats`` (``csv``, ``parquet``, ``xlsx``) under ``out_dir``.

    CSV and Parquet give one file per table (``<table>.csv``, ``<table>.parquet``); xlsx gives
    one workbook, :data:`WORKBOOK_NAME`. Tables of a skipped audit (``skipped``) or absent
    from the connection get no file; the workbook's summary lists them. Returns the paths
    written, in order.
    """
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(FORMATS)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    present = [t for t in tables if t not in skipped and table_exists(con, t)]
    written: list[Path] = []
    for fmt in dict.fromkeys(formats):
        if fmt == "csv":
            written += [
                write_csv(con, t, out_dir / f"{t}.csv", mask_secret=mask_secret, french=french_csv)
                for t in present
            ]
        elif fmt == "parquet":
            written += [
                write_parquet(con, t, out_dir / f"{t}.parquet", mask_secret=mask_secret)
                for t in present
            ]
        else:
            written.append(
                write_xlsx(
                    con,
                    tables,
                    out_dir / WORKBOOK_NAME,
                    mask_secret=mask_secret,
                    summary=summary,
                    actions=actions,
                    skipped=skipped,
                )
            )
    return written
