"""The DuckDB connection every step shares, pinned so results never depend on the machine."""

from __future__ import annotations

import duckdb


def connect(database: str = ":memory:", *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A connection whose TIMESTAMPTZ arithmetic and display are in UTC, whatever ``TZ`` says."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET Calendar = 'gregorian'")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con
