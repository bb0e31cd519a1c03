"""CSV reader: every record of a CSV file as text columns, with its physical line.

Files that are not plain UTF-8 with one kind of line end are transcoded first (``sniff``);
records DuckDB's reader refuses are kept, with their line, as rejected rows.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb

from ..errors import InputError
from .discover import Source
from .expressions import clip
from .sniff import (
    check_text,
    first_line,
    header_and_delimiter,
    is_utf8,
    open_bytes,
    sql_text,
    transcode,
    whole_file,
)


def raw(con: duckdb.DuckDBPyConnection, workdir: Path, src: Source, table: str) -> list[str]:
    """Table ``{table}_raw``: every record of a CSV file as text columns ``c0``…, with its
    physical ``line``; refused records go to malformed_rows. Returns the header."""
    head, is_gz = open_bytes(src.path)
    check_text(head, src.name)
    path = src.path
    with whole_file(src.name):
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not utf16 and is_utf8(path, is_gz):
            text = head.decode("utf-8", errors="ignore")
        else:
            path = transcode(path, is_gz, workdir, utf16=utf16)
            with path.open(encoding="utf-8") as fh:
                text = fh.read(65536)
    header, delim = header_and_delimiter(text, src.name)
    names = [f"c{i}" for i in range(len(header))]
    params = {"p": str(path), "delim": delim}
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names) + "}"  # our own names
    reader = (
        "read_csv($p, header=true, delim=$delim, quote='\"', escape='\"', "
        f"columns={columns}, encoding='utf-8', store_rejects=true, "
        f"rejects_table='{table}_rej', rejects_scan='{table}_scan', "
        "max_line_size=100000000, null_padding=false, auto_detect=false)"
    )
    nl = " + ".join(
        f"(length(coalesce({c}, '')) - length(replace(coalesce({c}, ''), chr(10), '')))"
        for c in names
    )
    create = (
        f"CREATE OR REPLACE TEMP TABLE {table}_raw AS "
        f"SELECT *, row_number() OVER () AS rec, {nl} AS nl FROM {reader}"
    )
    try:
        con.execute(create, params)
    except duckdb.Error as exc:
        if path != src.path:
            raise InputError(f"unreadable CSV ({first_line(exc)})", file=src.name) from None
        # Mixed line ends trip DuckDB's parser: retry once on a normalised copy.
        with whole_file(src.name):
            params["p"] = str(transcode(src.path, is_gz, workdir))
        try:
            con.execute(f"DROP TABLE IF EXISTS {table}_rej")
            con.execute(create, params)
        except duckdb.Error as exc2:
            raise InputError(f"unreadable CSV ({first_line(exc2)})", file=src.name) from None
    _lines(con, src, table)
    return header


def _lines(con: duckdb.DuckDBPyConnection, src: Source, table: str) -> None:
    """Give every record of ``{table}_raw`` its physical line; keep the refused records.

    DuckDB numbers records (header = 1) and skips those it refuses; a record's physical
    line also counts the newlines quoted inside every earlier record.
    """
    raw, rej = f"{table}_raw", f"{table}_rej"
    n_rej = con.execute(f"SELECT count(*) FROM {rej}").fetchone()
    n_nl = con.execute(f"SELECT coalesce(max(nl), 0) FROM {raw}").fetchone()
    if not (n_rej and n_rej[0]) and not (n_nl and n_nl[0]):
        con.execute(f"ALTER TABLE {raw} ADD COLUMN line BIGINT")
        con.execute(f"UPDATE {raw} SET line = rec + 1")
        return
    positions = sql_text("csv_positions", raw=raw, rej=rej)
    con.execute(f"CREATE TEMP TABLE {table}_pos AS {positions}")
    con.execute(
        f"""INSERT INTO malformed_rows SELECT $f, line, {clip("txt")},
            'malformed CSV record: ' || msg FROM {table}_pos WHERE rec IS NULL ORDER BY line""",
        {"f": src.name},
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS
            SELECT g.*, p.line FROM {raw} g JOIN {table}_pos p USING (rec)"""
    )
