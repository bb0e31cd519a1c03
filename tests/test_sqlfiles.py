"""SQL files: one per produced table, parameters bound, never interpolated."""

from __future__ import annotations

import re
from importlib.resources import files

import duckdb
import polars as pl
import pytest

from smsaudit import db, sqlfiles


def sql_names() -> list[str]:
    return sorted(
        p.name.removesuffix(".sql")
        for p in files("smsaudit").joinpath("sql").iterdir()
        if p.name.endswith(".sql")
    )


def test_every_sql_file_is_one_select() -> None:
    names = sql_names()
    assert "blocked_window_messages" in names and "wasted_spend" in names
    con = db.connect()
    for name in names:
        statements = con.extract_statements(sqlfiles.query(name))
        assert len(statements) == 1, f"{name}.sql holds {len(statements)} statements"
        assert statements[0].type == duckdb.StatementType.SELECT, name


def test_materialize_binds_exactly_the_parameters_the_file_takes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con = db.connect()
    monkeypatch.setattr(sqlfiles, "query", lambda name: "SELECT $x::INTEGER + 1 AS y")
    sqlfiles.materialize(con, "t", {"x": 41})
    assert con.execute("SELECT y FROM t").fetchall() == [(42,)]
    with pytest.raises(ValueError, match=r"takes \['x'\], given \['unused', 'x'\]"):
        sqlfiles.materialize(con, "t", {"x": 41, "unused": "'; DROP TABLE t; --"})
    with pytest.raises(ValueError, match=r"takes \['x'\], given \[\]"):
        sqlfiles.materialize(con, "t")  # a forgotten parameter is no silent NULL


def test_define_view_replaces_a_table_of_the_same_name(monkeypatch: pytest.MonkeyPatch) -> None:
    con = db.connect()
    con.execute("CREATE TABLE v AS SELECT 1 AS y")  # left by an earlier run
    con.execute("CREATE TABLE base AS SELECT 41 AS x")
    monkeypatch.setattr(sqlfiles, "query", lambda name: "SELECT x + 1 AS y FROM base")
    sqlfiles.define_view(con, "v")
    sqlfiles.define_view(con, "v")  # and again, over itself
    kind = con.execute("SELECT table_type FROM information_schema.tables WHERE table_name = 'v'")
    assert kind.fetchall() == [("VIEW",)]
    con.execute("UPDATE base SET x = 1")
    assert con.execute("SELECT y FROM v").fetchall() == [(2,)]  # computed when read


def test_materialized_tables_hold_text_not_enums(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's dictionary (ENUM) columns come out as text, rows in their order."""
    con = db.connect()
    con.execute("CREATE TYPE sender AS ENUM ('A', 'B', 'C')")
    con.execute(
        "CREATE TABLE base AS "
        "SELECT (['C', 'A', 'B'][i % 3 + 1])::sender AS s, i FROM range(9) t(i)"
    )
    monkeypatch.setattr(sqlfiles, "query", lambda name: "SELECT s, i FROM base ORDER BY s, i")
    sqlfiles.materialize(con, "t")
    types = con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 't'")
    assert types.fetchall() == [("VARCHAR",), ("BIGINT",)]
    got = con.execute("SELECT s, i FROM t").fetchall()
    assert got == sorted(got)
    assert con.sql("SELECT * FROM t").pl().schema["s"] == pl.String


# DuckDB-only constructs kept out of sql/ so that the audit's SQL stays portable (issue 16:
# measured on Spark, each one failed or needed a rewrite that keeps DuckDB's results).
NOT_PORTABLE = {
    r"\bASOF\b": "ASOF JOIN (a window over one timeline per key does the same)",
    r"\browid\b": "rowid (use the row's (input_file, line))",
    r"\bBY\s+NAME\b": "UNION BY NAME (list the columns in one order)",
    r"string_agg\([^)]*ORDER\s+BY": "ordered string_agg (array_to_string(list_sort(list(...))))",
}


@pytest.mark.parametrize("name", sql_names())
def test_sql_stays_in_the_portable_subset(name: str) -> None:
    code = re.sub(r"--[^\n]*", "", sqlfiles.query(name))  # comments may name them
    found = [why for pattern, why in NOT_PORTABLE.items() if re.search(pattern, code, re.I)]
    assert not found, f"{name}.sql: {found}"
