"""The DuckDB connection every step shares, pinned so results never depend on the machine."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile

import duckdb


def connect(
    database: str = ":memory:",
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """A connection whose TIMESTAMPTZ arithmetic and display are in UTC, whatever ``TZ`` says.

    ``threads`` and ``memory_limit`` (DuckDB syntax, e.g. ``"1.5GB"``) default to
    ``$SMSAUDIT_THREADS`` and ``$SMSAUDIT_MEMORY_LIMIT`` when set, else DuckDB's own
    defaults. Over the limit DuckDB spills to its temporary directory instead of growing.
    """
    threads = threads or int(os.environ.get("SMSAUDIT_THREADS") or 0) or None
    memory_limit = memory_limit or os.environ.get("SMSAUDIT_MEMORY_LIMIT") or None
    con = duckdb.connect(database)
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET Calendar = 'gregorian'")
    # DuckDB's own progress bar would print into scheduled logs and notebook outputs; our
    # CLI shows progress itself. Under Jupyter without ipywidgets the first form can raise.
    for setting in ("enable_progress_bar", "enable_progress_bar_print"):
        with contextlib.suppress(duckdb.Error):
            con.execute(f"SET {setting} = false")
    # Spill files go to a private folder of the system's temporary directory, removed at
    # exit, not to DuckDB's default ``.tmp`` in whatever folder the user ran us from.
    spill = tempfile.mkdtemp(prefix="smsaudit-spill-")
    atexit.register(shutil.rmtree, spill, ignore_errors=True)
    con.execute("SET temp_directory = $dir", {"dir": spill})
    # Every output table states its order (ORDER BY); other tables need none. Without this
    # DuckDB buffers large results to keep their order, and runs out of memory at scale.
    con.execute("SET preserve_insertion_order = false")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute("SET memory_limit = $limit", {"limit": memory_limit})
    return con
