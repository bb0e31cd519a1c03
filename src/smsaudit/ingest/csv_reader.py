"""CSV reader: every record of a CSV file as text columns, with its physical line.

Files that are not plain UTF-8 with one kind of line end are transcoded first (``sniff``);
records DuckDB's reader refuses are kept, with their line, as rejected rows.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import duckdb

from ..errors import InputError
from ..sqlfiles import table_exists
from .discover import Source
from .expressions import clip
from .sniff import (
    check_text,
    first_line,
    header_and_delimiter,
    is_utf8,
    open_bytes,
    read_head,
    sql_text,
    transcode,
    whole_file,
)


def raw(
    con: duckdb.DuckDBPyConnection,
    workdir: Path,
    src: Source,
    table: str,
    offset: int = 0,
    *,
    recover: bool = True,
) -> list[str]:
    """Table ``{table}_raw``: every record of a CSV file as text columns ``c0``…, with its
    physical ``line`` (plus ``offset``); refused records go to malformed_rows. Returns the
    header. ``recover``: read again what unclosed quotes swallowed (see ``_recover``)."""
    head, is_gz = open_bytes(src.path)
    check_text(head, src.name)
    path = src.path
    with whole_file(src.name):
        utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        if not utf16 and is_utf8(path, is_gz):
            text = head.decode("utf-8", errors="ignore")
        else:
            path = transcode(path, is_gz, workdir, utf16=utf16)
            with path.open("rb") as fh:
                text = read_head(fh).decode("utf-8", errors="ignore")
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
    # Newlines quoted inside the record; one flat call, not a sum nested once per column
    # (DuckDB refuses expressions nested ~1,000 deep, and headers may be that wide).
    every = f"concat_ws('', {', '.join(names)})"
    nl = f"length({every}) - length(replace({every}, chr(10), ''))"
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
    _lines(con, src, table, offset)
    if recover:
        _recover(con, workdir, src, table, text.lstrip("\ufeff").splitlines()[0], offset)
    return header


def _lines(con: duckdb.DuckDBPyConnection, src: Source, table: str, offset: int) -> None:
    """Give every record of ``{table}_raw`` its physical line; keep the refused records.

    DuckDB numbers records (header = 1) and skips those it refuses; a record's physical
    line also counts the newlines quoted inside every earlier record.
    """
    raw, rej = f"{table}_raw", f"{table}_rej"
    n_rej = con.execute(f"SELECT count(*) FROM {rej}").fetchall()[0]
    n_nl = con.execute(f"SELECT coalesce(max(nl), 0) FROM {raw}").fetchall()[0]
    if not (n_rej and n_rej[0]) and not (n_nl and n_nl[0]):
        con.execute(f"ALTER TABLE {raw} ADD COLUMN line BIGINT")
        con.execute(f"UPDATE {raw} SET line = rec + 1 + {int(offset)}")
        return
    positions = sql_text("csv_positions", raw=raw, rej=rej)
    con.execute(f"CREATE TEMP TABLE {table}_pos AS {positions}")
    # A record broken by an unclosed quote is its first line alone: the lines after it are
    # read again by _recover.
    txt = f"CASE WHEN {_UNCLOSED} THEN rtrim(split_part(txt, chr(10), 1), chr(13)) ELSE txt END"
    con.execute(
        f"""INSERT INTO malformed_rows SELECT $f, line + {int(offset)}, {clip(txt)},
            'malformed CSV record: ' || msg FROM {table}_pos WHERE rec IS NULL ORDER BY line""",
        {"f": src.name},
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {raw} AS
            SELECT g.*, p.line + {int(offset)} AS line
            FROM {raw} g JOIN {table}_pos p USING (rec)"""
    )


# A refused record spanning lines because a quote opened and did not close where a field
# ends: the quote swallowed the records after it. (A well-quoted record over several lines
# refused for its number of fields is one record, and stays one.)
_UNCLOSED = "rec IS NULL AND msg ILIKE '%unterminated quote%' AND contains(txt, chr(10))"


# At most this many broken quotes per file are read past; beyond, each further span the
# reader refused stays one rejected record (its first line): a hostile file of 100,000
# unclosed quotes costs seconds, not hours.
MAX_RECOVERIES = 1000


def _recover(
    con: duckdb.DuckDBPyConnection,
    workdir: Path,
    src: Source,
    table: str,
    header: str,
    offset: int,
) -> None:
    """Read again the lines an unclosed quote swallowed, from the line after it.

    An unclosed quote makes DuckDB's reader refuse the whole span, up to the next quote, as
    one record. Its first line is the rejected row; the lines after it are real records
    (good or broken) and are read as a file of their own (the same header), at their
    physical lines, so reading resumes on the next line. Spans found in what is read again
    are handled the same way, in a loop (never recursion), at most MAX_RECOVERIES a file.
    One Python step per broken quote, never per row.
    """
    pending = [(table, offset)]
    done = 0
    while pending and done < MAX_RECOVERIES:
        source, base = pending.pop()
        if not table_exists(con, f"{source}_pos"):
            continue
        last = con.execute(f"SELECT max(line) FROM {source}_pos").fetchall()[0][0]
        spans = con.execute(
            f"SELECT line, txt FROM {source}_pos WHERE {_UNCLOSED} ORDER BY line"
        ).fetchall()
        for line, txt in spans[: MAX_RECOVERIES - done]:
            done += 1
            sub = f"{table}_q{done}"
            # One kind of line end, as sniff.transcode writes: DuckDB trips on mixed ones.
            rest = txt.split("\n", 1)[1].replace("\r\n", "\n")
            part = workdir / f"{sub}.csv"
            part.write_text(f"{header}\n{rest}\n", encoding="utf-8")
            # The span's second line is line 2 of the part file, line `line + 1` of the input.
            raw(con, workdir, Source(src.kind, part, src.name, src.fmt), sub, base + line - 1,
                recover=False)  # fmt: skip
            found = con.execute(f"SELECT count(*) FROM {sub}_raw").fetchall()[0][0]
            if found or line < last:
                con.execute(
                    f"INSERT INTO {table}_raw BY NAME SELECT * EXCLUDE (rec, nl) FROM {sub}_raw"
                )
                pending.append((sub, base + line - 1))
            else:
                # The file's last record, and nothing after its first line parses: a file cut
                # inside a quoted field. It stays one rejected record, whole.
                first, end = base + line, base + line + txt.count("\n")
                where = "input_file = $f AND line > $first AND line <= $end"
                con.execute(
                    f"DELETE FROM malformed_rows WHERE {where}",
                    {"f": src.name, "first": first, "end": end},
                )
                con.execute(
                    f"UPDATE malformed_rows SET value = {clip('$txt')} "
                    "WHERE input_file = $f AND line = $first",
                    {"f": src.name, "first": first, "txt": txt},
                )
            con.execute(f"DROP TABLE {sub}_raw")
