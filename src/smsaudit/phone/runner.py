"""Deciding every distinct spelling of a table once: the fast path in DuckDB, then
``phonenumbers`` for the few it leaves (the slow path)."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from .. import sqlfiles
from .compile import _macro_sql, fast_params
from .patterns import fast_countries
from .reference import _IDENTIFIER, FRENCH_CODES, PhoneResult, classify

MAP_COLUMNS = {
    "raw": "VARCHAR",
    "e164": "VARCHAR",
    "territory": "VARCHAR",
    "tz": "VARCHAR",
    "status": "VARCHAR",
    "reason": "VARCHAR",
    "number_type": "VARCHAR",
}


# At most this many spellings pending a foreign country's patterns go to phonenumbers.
SLOW_PATH_MAX = 64


def _identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return name


def _fast_query(con: duckdb.DuckDBPyConnection, countries: tuple[str, ...], into: str) -> None:
    """Run sql/phone_fast.sql over ``phone_input``, reading numbers of ``countries``."""
    con.execute(_macro_sql(countries))
    sql = sqlfiles.query("phone_fast")
    params = {k: v for k, v in fast_params().items() if k in sqlfiles.parameters("phone_fast")}
    con.execute(into.format(sql=sql), params)


def fast_path(
    con: duckdb.DuckDBPyConnection, raw_table: str, *, already_distinct: bool = False
) -> None:
    """Decide in DuckDB what needs no ``phonenumbers`` call: table ``phone_fast``.

    ``phone_fast`` has the columns of the phone map; ``status`` is NULL where the fast path
    could not decide (the slow path's share). Two runs of sql/phone_fast.sql: the bulk, in a
    query of small expressions; then the spellings it left pending, packed in fewer chunks,
    with the patterns of the countries they seem to belong to.
    """
    source = _identifier(raw_table)
    distinct = "" if already_distinct else "DISTINCT "
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW phone_input AS SELECT {distinct}raw FROM {source}"
        )
        _fast_query(con, (), "CREATE OR REPLACE TABLE phone_fast AS {sql}")
        found = con.execute(
            "SELECT pending_cc, count(*) FROM phone_fast WHERE pending_cc IS NOT NULL "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        # A handful of other countries' spellings (a small audit's): compiling their patterns
        # into SQL costs more (~0.15 s) than reading them with phonenumbers; they keep
        # status NULL and take the slow path, which decides exactly as the fast path does.
        if found and sum(n for _, n in found) > SLOW_PATH_MAX:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE phone_pending AS "
                "SELECT raw FROM phone_fast WHERE pending_cc IS NOT NULL"
            )
            con.execute("DELETE FROM phone_fast WHERE pending_cc IS NOT NULL")
            con.execute("CREATE OR REPLACE TEMP VIEW phone_input AS SELECT raw FROM phone_pending")
            seen = {str(cc) for cc, _ in found} & set(fast_countries())
            countries = (*FRENCH_CODES, *sorted(seen - set(FRENCH_CODES), key=int))
            _fast_query(con, countries, "INSERT INTO phone_fast SELECT * FROM (\n{sql}\n)")
        con.execute("ALTER TABLE phone_fast DROP COLUMN pending_cc")
    except BaseException:
        con.execute("DROP TABLE IF EXISTS phone_fast")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS phone_pending")
        con.execute("DROP VIEW IF EXISTS phone_input")


def normalize_numbers(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    out_table: str = "phone_map",
    *,
    already_distinct: bool = False,
) -> int:
    """Write ``out_table``: one row per distinct ``raw`` of ``raw_table``.

    Columns: ``raw, e164, territory, tz, status ('french'|'foreign'|'invalid'), reason,
    number_type``. ``raw`` values must be VARCHAR (NULL reads as ``missing``); duplicates
    are read once. ``already_distinct=True`` says ``raw_table`` holds each spelling once
    (as a UNION gives it), which saves hashing millions of strings a second time.
    Returns how many distinct spellings needed ``phonenumbers`` (the slow path).
    """
    out = _identifier(out_table)
    fast_path(con, raw_table, already_distinct=already_distinct)
    try:
        pending = con.execute("SELECT raw FROM phone_fast WHERE status IS NULL").fetchall()
        if pending:
            # The slow path: one phonenumbers reading per distinct undecided spelling.
            results = [classify(raw) for (raw,) in pending]
            slow = pa.table(
                {
                    "raw": pa.array([raw for (raw,) in pending], pa.string()),
                    **{
                        name: pa.array([getattr(r, name) for r in results], pa.string())
                        for name in PhoneResult._fields
                    },
                }
            )
            con.register("phone_slow", slow)
            try:
                con.execute("DELETE FROM phone_fast WHERE status IS NULL")
                columns = ", ".join(MAP_COLUMNS)
                con.execute(f"INSERT INTO phone_fast SELECT {columns} FROM phone_slow")
            finally:
                con.unregister("phone_slow")
    except BaseException:
        con.execute("DROP TABLE IF EXISTS phone_fast")
        raise
    # Renaming keeps the rows where they are: copying millions of strings is not free.
    if out != "phone_fast":
        con.execute(f"DROP TABLE IF EXISTS {out}")
        con.execute(f"ALTER TABLE phone_fast RENAME TO {out}")
    return len(pending)
