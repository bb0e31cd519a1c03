"""What a table looks like outside DuckDB: one SELECT per table and target (masking,
formula guard, timestamps and numbers), which every writer reads through."""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from typing import Any, Literal

import duckdb

Style = Literal["typed", "text", "french", "excel"]
# A summary line: (label, text), or (label, value, number format or None for text).
SummaryItem = tuple[str, str] | tuple[str, str | float, str | None]
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


def _base(sql_type: str) -> str:
    """A DuckDB type without its parameters: ``DECIMAL(18,6)`` -> ``DECIMAL``."""
    return sql_type.split("(")[0].strip().upper()


def _kind(name: str, sql_type: str) -> Kind:
    base = _base(sql_type)
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


def _formula_free(sql_type: str) -> bool:
    """Whether this type's CSV text can never read as a formula: whole numbers, decimals,
    dates, times and booleans start with a digit, a letter or the ``-`` of a plain number.
    Guarding them anyway ran two regular expressions per cell (at 20M sends, 6 % of writing
    blocked_window_messages.csv); floats keep the guard, ``-inf`` being no plain number."""
    base = _base(sql_type)
    return (
        base in _INTEGER_TYPES
        or base in ("DECIMAL", "DATE", "BOOLEAN")
        or base.startswith("TIMESTAMP")
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
        if style in ("text", "french") and kind == "text" and not _formula_free(sql_type):
            expr = _defused(expr)
        selects.append(f"{expr} AS {_quote(name)}")
        columns.append(OutputColumn(name, header, kind))
    sql = f"SELECT {', '.join(selects)} FROM {_quote(table)}"
    # Bind the secret only where a column uses it: DuckDB refuses unused parameters.
    params = {"mask_secret": mask_secret} if "$mask_secret" in sql else {}
    return OutputQuery(table, sql, params, tuple(columns))


# -- CSV and Parquet -------------------------------------------------------------------------
