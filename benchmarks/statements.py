"""Where an audit's time goes, statement by statement (issue 8).

Runs ``smsaudit.audit`` (and, with ``--out``, ``Audit.save``) on a connection wrapper that
times every SQL statement the pipeline executes, then prints the slowest ones. The
statements are those of the loader and of ``sql/*.sql``; DuckDB relation calls (exports,
charts) are timed as a whole by the save step.

    .venv/bin/python benchmarks/statements.py /tmp/b2m --top 25
    SMSAUDIT_MEMORY_LIMIT=1.5GB .venv/bin/python benchmarks/statements.py benchmarks/data
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import duckdb

from smsaudit import db
from smsaudit.pipeline import audit


class TimedConnection:
    """A DuckDB connection whose ``execute`` calls are timed; everything else passes through."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.timings: list[tuple[float, str]] = []

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        started = time.perf_counter()
        result = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
        self.timings.append((time.perf_counter() - started, " ".join(sql.split())))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="an input folder (e.g. from generate.py)")
    parser.add_argument("--out", type=Path, default=None, help="also save CSV outputs here")
    parser.add_argument("--top", type=int, default=30, help="how many statements to print")
    parser.add_argument("--width", type=int, default=110, help="characters of SQL shown")
    args = parser.parse_args()
    con = TimedConnection(db.connect())
    started = time.perf_counter()
    result = audit(args.data, con=con)  # type: ignore[arg-type]
    print(f"audit {time.perf_counter() - started:8.2f} s")
    if args.out is not None:
        started = time.perf_counter()
        result.save(args.out, ["csv"])
        print(f"save  {time.perf_counter() - started:8.2f} s")
    total = sum(t for t, _ in con.timings)
    print(f"{len(con.timings)} statements, {total:.2f} s in all; the slowest:")
    for seconds, sql in sorted(con.timings, reverse=True)[: args.top]:
        print(f"{seconds:8.2f} s  {sql[: args.width]}")


if __name__ == "__main__":
    main()
