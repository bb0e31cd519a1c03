"""``row_accounting``: one row per input file, and where each of its rows went."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb

from .. import schema
from ..sqlfiles import table_exists
from .expressions import literal


def account(con: duckdb.DuckDBPyConnection, also: Mapping[str, Sequence[str]]) -> None:
    """``row_accounting``: one row per file, rows read, and where each went.

    A vendor record that gives two kinds (a send and its receipt) is one row: it counts
    where its own kind put it, and as rejected (not used) when its other part is rejected.
    """
    also_pairs = {(schema.KIND_TABLE[k], f) for k, files in also.items() for f in files}
    # Tables an engine loaded where it runs (Spark) are not here: it counted their rows
    # per file into rows_used_elsewhere (vendor files, the only ones with ``also``, never are).
    here = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    }
    used_parts = []
    for table in dict.fromkeys(schema.KIND_TABLE.values()):
        if table not in here:
            continue
        skip = [f for t, f in also_pairs if t == table]
        where = f"WHERE input_file NOT IN ({', '.join(map(literal, skip))})" if skip else ""
        used_parts.append(f"SELECT input_file, count(*) AS n FROM {table} {where} GROUP BY ALL")
    if table_exists(con, "rows_used_elsewhere"):
        used_parts.append("SELECT input_file, n FROM rows_used_elsewhere")
    none = "SELECT NULL::VARCHAR AS input_file, 0 AS n WHERE false"
    used = " UNION ALL ".join(used_parts) or none
    # Rows kept as their own kind whose other part was rejected (few: rejected rows only).
    multi = sorted({f for files in also.values() for f in files})
    halves_parts = []
    for table in dict.fromkeys(schema.KIND_TABLE.values()):
        files = [f for f in multi if (table, f) not in also_pairs]
        if files and table in here:
            halves_parts.append(
                f"SELECT r.input_file, r.line FROM rejected_rows r SEMI JOIN {table} t "
                "ON t.input_file = r.input_file AND t.line = r.line "
                f"WHERE r.input_file IN ({', '.join(map(literal, files))})"
            )
    half = " UNION ALL ".join(halves_parts)
    halves = (
        f"SELECT input_file, count(DISTINCT line) AS n FROM ({half}) GROUP BY ALL" if half else none
    )
    con.execute(
        f"""INSERT INTO row_accounting
            WITH used AS ({used}),
            half AS ({halves}),
            rej AS (SELECT input_file, count(*) AS n FROM rejected_rows GROUP BY ALL),
            oos AS (SELECT input_file, sum(rows) AS n FROM out_of_scope_rows GROUP BY ALL)
            SELECT f.input_file, f.kind, f.rows_read,
                   coalesce(u.n, 0) - coalesce(h.n, 0), coalesce(r.n, 0), coalesce(o.n, 0)
            FROM files_read f
            LEFT JOIN (SELECT input_file, sum(n) AS n FROM used GROUP BY ALL) u USING (input_file)
            LEFT JOIN half h USING (input_file)
            LEFT JOIN rej r USING (input_file) LEFT JOIN oos o USING (input_file)
            ORDER BY f.ord"""
    )
