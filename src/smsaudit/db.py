"""The DuckDB connection every step shares, pinned so results never depend on the machine."""

from __future__ import annotations

import contextlib

import duckdb


def connect(database: str = ":memory:", *, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A connection whose TIMESTAMPTZ arithmetic and display are in UTC, whatever ``TZ`` says."""
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET Calendar = 'gregorian'")
    # DuckDB's own progress bar would print into scheduled logs and notebook outputs; our
    # CLI shows progress itself. Under Jupyter without ipywidgets the first form can raise.
    for setting in ("enable_progress_bar", "enable_progress_bar_print"):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET {setting} = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    return con
