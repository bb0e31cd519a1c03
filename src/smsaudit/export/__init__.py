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

from collections.abc import Collection, Sequence
from pathlib import Path

import duckdb

from ..sqlfiles import table_exists
from .query import (
    EXCEL_MAX_DATA_ROWS,
    FORMATS,
    WORKBOOK_NAME,
    OutputColumn,
    OutputQuery,
    SummaryItem,
    _quote,
    mask_secret_for,
    output_query,
)
from .workbook import write_xlsx

__all__ = [
    "EXCEL_MAX_DATA_ROWS",
    "FORMATS",
    "WORKBOOK_NAME",
    "OutputColumn",
    "OutputQuery",
    "mask_secret_for",
    "output_query",
    "save",
    "table_exists",
    "write_csv",
    "write_parquet",
    "write_xlsx",
]


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
