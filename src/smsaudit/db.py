"""The DuckDB connection every step shares, pinned so results never depend on the machine."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import duckdb

from . import scratch
from .errors import InputError


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
    threads = threads or _threads_from_env()
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
    spill = scratch.make("spill", at_exit=True)
    con.execute("SET temp_directory = $dir", {"dir": str(spill)})
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        try:
            con.execute("SET memory_limit = $limit", {"limit": memory_limit})
        except duckdb.Error:
            raise InputError(
                f"SMSAUDIT_MEMORY_LIMIT: not a memory size ({memory_limit!r}; e.g. 1.5GB)"
            ) from None
    return con


def _threads_from_env() -> int | None:
    value = os.environ.get("SMSAUDIT_THREADS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise InputError(f"SMSAUDIT_THREADS: not a whole number of at least 1 ({value!r})")
    return int(value)


@contextlib.contextmanager
def insertion_order(con: duckdb.DuckDBPyConnection, keep: bool) -> Iterator[None]:
    """While inside, DuckDB keeps (or may change) the order rows were inserted or read in;
    on exit the setting is what it was before."""
    (before,) = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0]
    con.execute(f"SET preserve_insertion_order = {'true' if keep else 'false'}")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


def unordered(con: duckdb.DuckDBPyConnection) -> contextlib.AbstractContextManager[None]:
    """While computing an audit, let DuckDB reorder rows that no ORDER BY orders.

    Every output table states its order (ORDER BY); intermediates need none. Keeping their
    order makes DuckDB buffer large results, which ran out of memory at 20M sends. On exit
    the order is kept again (a connection keeps it by default): reading or writing a
    finished table in parallel would otherwise shuffle its rows.
    """
    return insertion_order(con, keep=False)
