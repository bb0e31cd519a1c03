"""Run the SQL files under ``smsaudit/sql``, each named after the table it produces.

A file ``sql/<table>.sql`` holds one SELECT; ``materialize`` wraps it in
``CREATE OR REPLACE TABLE <table> AS``, ``define_view`` in ``CREATE OR REPLACE VIEW``. Values
are bound with ``$name`` parameters; identifiers never come from user text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import Any

import duckdb


@cache
def query(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    return files("smsaudit").joinpath("sql", f"{name}.sql").read_text(encoding="utf-8")


def parameters(name: str) -> frozenset[str]:
    """The ``$name`` parameters ``sql/<name>.sql`` takes."""
    return _parameters(query(name))


@cache
def _parameters(sql: str) -> frozenset[str]:
    return frozenset(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))


def materialize(
    con: duckdb.DuckDBPyConnection, table: str, params: dict[str, Any] | None = None
) -> None:
    """Create (or replace) ``table`` from ``sql/<table>.sql`` with the bound ``params``,
    which must be exactly the ones the file takes (a typo is an error, not a NULL)."""
    given = bound(table, params)
    con.execute(f"CREATE OR REPLACE TABLE {table} AS\n{query(table)}", given or None)
    _as_text(con, table)


def bound(name: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` as a dict, checked to be exactly the parameters ``sql/<name>.sql`` takes."""
    given = dict(params or {})
    if set(given) != parameters(name):
        raise ValueError(f"sql/{name}.sql takes {sorted(parameters(name))}, given {sorted(given)}")
    return given


def _as_text(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Turn ``table``'s ENUM columns (text the loader stored as a dictionary) back into text.

    Tables are read by people and programs as text: polars would show an ENUM column as
    Categorical, and a Categorical does not join a string column. Altering a column keeps
    the rows in their order.
    """
    for column in enum_columns(con, table):
        con.execute(f'ALTER TABLE {table} ALTER "{column}" TYPE VARCHAR')


def enum_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The ENUM columns of ``table`` (text the loader stored as a dictionary)."""
    rows = con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = $t AND NOT internal "
        "AND schema_name = 'main' AND data_type LIKE 'ENUM(%' ORDER BY column_index",
        {"t": table},
    ).fetchall()
    return [column for (column,) in rows]


def table_exists(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    """Whether every one of ``names`` exists as a table (temporary too) or a view: an audit
    skipped for lack of input leaves its tables out.

    Each name is looked up as a query would find it (binding, not running, a relation):
    DuckDB's catalog views (information_schema.tables, duckdb_tables()) size every table
    first, 15 ms at 2M sends and 19 ms at 20M, and saving an audit asks about 44 times."""
    for name in names:
        try:
            con.table(name)
        except duckdb.CatalogException:
            return False
    return True


def relation(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """``name`` to read in a FROM clause: the table or view when the audit built it, else
    ``sql/<name>.sql`` inline (which takes no parameter), over what ``con`` holds. The small
    totals an audit reads (``send_totals``, ``price_totals``) are built by the engine that
    holds the rows; a connection holding the rows themselves computes them as it reads."""
    if table_exists(con, name):
        return name
    return f"({query(name)})"


def define_view(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Create (or replace) the view ``name`` from ``sql/<name>.sql`` (which takes no parameter).

    A table of the same name, left by an earlier run or a test, is dropped first: DuckDB
    does not replace a table by a view.
    """
    rows = con.execute(
        "SELECT table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_name = $name",
        {"name": name},
    ).fetchall()  # to the end: a result left open blocks the connection's next con.sql()
    if rows and rows[0][0] != "VIEW":
        con.execute(f"DROP TABLE {name}")
    con.execute(f"CREATE OR REPLACE VIEW {name} AS\n{query(name)}")
