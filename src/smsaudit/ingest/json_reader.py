"""JSON reader: the records of a JSON export, each once, with its line.

Records sit under an envelope key (``results``, ``messages``, ``events``...), in a bare array,
or one per line. A single document cut off or corrupt is an error naming its line (nothing
is half-loaded); in one-record-per-line files a broken line is a rejected row.
"""

from __future__ import annotations

import json

import duckdb

from ..errors import InputError
from .discover import Source
from .expressions import clip
from .formats import ENVELOPES
from .sniff import check_text, first_line, open_bytes, sql_text

# Largest JSON document read a second time, by Python, to say where it is broken (bytes).
JSON_LOCATE_MAX = 256 << 20


def _first_line_is_json(head: bytes) -> bool:
    """Whether the file's first non-blank line is a whole JSON value (one report per line)."""
    first = next((ln for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()), "")
    try:
        json.loads(first)
    except (ValueError, RecursionError):
        return False
    return True


def _json_error(src: Source, exc: duckdb.Error) -> InputError:
    """A malformed JSON document, located by Python's parser (DuckDB's line is unreliable)."""
    if src.path.stat().st_size <= JSON_LOCATE_MAX:
        try:
            json.loads(src.path.read_text(encoding="utf-8", errors="replace"))
        except json.JSONDecodeError as err:
            return InputError(
                f"malformed JSON ({err.msg}, character {err.colno})",
                file=src.name,
                line=err.lineno,
            )
        except RecursionError:
            return InputError("malformed JSON (nested too deeply)", file=src.name)
    return InputError(f"malformed JSON ({first_line(exc)})", file=src.name)


def records(con: duckdb.DuckDBPyConnection, src: Source, base: str) -> str:
    """Table ``{base}_rec`` (line, r): the records of a JSON file, each once.

    Records sit under an envelope key (``{"results": [...]}``, ``messages``, ``events``...:
    one document, or one per line as webhooks post them), in a bare array, or one per
    line. ``line`` is the record's position in a single document, else its line.
    """
    head, _ = open_bytes(src.path)
    check_text(head, src.name)
    envelope = " ".join(
        f"WHEN json_exists(json, '$.{key}') THEN json_extract(json, '$.{key}[*]')"
        for key in ENVELOPES
    )
    inner = sql_text("json_records", envelope=envelope)
    table = f"{base}_rec"
    try:
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT * FROM ({inner}) ORDER BY line",
            {"p": str(src.path)},
        )
    except duckdb.Error as exc:
        if not _first_line_is_json(head):
            raise _json_error(src, exc) from None
        # One record per line (webhook logs): a broken line, typically the last one of a
        # log cut off mid-write, is a rejected row; the other lines still count.
        _lines(con, src, base, envelope)
    return table


def _lines(con: duckdb.DuckDBPyConnection, src: Source, base: str, envelope: str) -> None:
    """Records of a one-per-line JSON file; lines that are not JSON go to malformed_rows."""
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {base}_lines AS
                SELECT ord AS line, txt, json_valid(txt) AS ok FROM (
                  SELECT u.ord, rtrim(u.l, chr(13)) AS txt
                  FROM read_text($p) t,
                       unnest(string_split(t.content, chr(10))) WITH ORDINALITY AS u(l, ord)
                ) WHERE trim(txt) <> ''""",
            {"p": str(src.path)},
        )
    except duckdb.Error as exc:
        raise InputError(f"unreadable JSON ({first_line(exc)})", file=src.name) from None
    con.execute(
        f"""INSERT INTO malformed_rows SELECT $f, line, {clip("txt")}, 'malformed JSON record'
            FROM {base}_lines WHERE NOT ok ORDER BY line""",
        {"f": src.name},
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {base}_rec AS
          WITH docs AS (
            SELECT line, json, CASE {envelope} END AS recs
            FROM (SELECT line, txt::JSON AS json FROM {base}_lines WHERE ok)
          )
          SELECT d.line, u.r FROM docs d, unnest(d.recs) AS u(r) WHERE d.recs IS NOT NULL
          UNION ALL
          SELECT line, json AS r FROM docs WHERE recs IS NULL
          ORDER BY line"""
    )
