"""The Excel workbook: a summary sheet, then one Excel table per audit table."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from ..sqlfiles import table_exists
from .query import (
    EXCEL_MAX_DATA_ROWS,
    Kind,
    OutputQuery,
    SummaryItem,
    _quote,
    output_query,
)

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
# Rows read from DuckDB per query while a sheet is written (see _write_sheet).
_PAGE_ROWS = 100_000
# Most rows, in all sheets, written as Excel tables (in memory); above, streamed.
TABLE_MAX_ROWS = 100_000


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
    rows: int,
    *,
    mask_secret: str | None,
    max_rows: int,
    streamed: bool = False,
) -> _SheetResult:
    query = output_query(con, table, mask_secret=mask_secret, style="excel")
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
    if streamed:
        # Constant-memory mode (a big workbook) has no Excel tables: a bold header row with
        # filter buttons instead; the rows are the same.
        sheet.write_row(
            0, 0, [c.header for c in query.columns], workbook.add_format({"bold": True})
        )
        sheet.autofilter(0, 0, max(written, 1), len(query.columns) - 1)
    else:
        # Excel tables need a data row: an empty finding keeps its table (and its name,
        # which spreadsheets may refer to) with one blank row.
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
    # iter_rows keeps a whole result in DuckDB's memory, so the rows are read a page at a
    # time: the 1,048,575 rows of a full sheet held 0.35 GiB beside the audit's tables and
    # took a 20M audit past its 2 GiB budget. The query is a projection of a table written
    # in order, so each page continues the previous one; rescanning the skipped rows costs
    # little beside writing the cells.
    for start in range(0, written, _PAGE_ROWS):
        page = query.relation(con).limit(min(_PAGE_ROWS, written - start), offset=start)
        for row_index, values in enumerate(page.iter_rows(batch_size=_FETCH_ROWS), start=start + 1):
            sheet.write_row(row_index, 0, values)
    return _SheetResult(table, rows, written)


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {_quote(table)}").fetchall()[0][0])


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
    # xlsxwriter keeps every cell in memory until it closes the file (~4 KB a row of our
    # tables): past TABLE_MAX_ROWS rows in all, the workbook is streamed to disk row by row
    # instead, at the price of Excel tables (the sheets get filter buttons).
    rows = {t: _rows(con, t) for t in present}
    streamed = sum(min(n, max_rows) for n in rows.values()) > TABLE_MAX_ROWS
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            # Data is data: a message body starting with '=' must not become a formula.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "constant_memory": streamed,
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
                workbook,
                con,
                table,
                names[table],
                rows[table],
                mask_secret=mask_secret,
                max_rows=max_rows,
                streamed=streamed,
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
