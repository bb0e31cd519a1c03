"""Where an audit's time goes, statement by statement (issue 8).

Runs ``smsaudit.audit`` (and, with ``--out``, ``Audit.save``) on a connection wrapper that
times every SQL statement the pipeline executes (wall and process CPU time), then prints the
slowest ones with the cores each kept busy, and the statements that ran on about one core. The
statements are those of the loader and of ``sql/*.sql``; DuckDB relation calls (exports,
charts) are timed as a whole by the save step.

    .venv/bin/python benchmarks/statements.py /tmp/b2m --top 25
    SMSAUDIT_MEMORY_LIMIT=1.5GB .venv/bin/python benchmarks/statements.py benchmarks/data
"""

from __future__ import annotations

import argparse
import resource
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
        self.timings: list[tuple[float, float, str]] = []  # (wall, cpu, sql)

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        cpu, started = _cpu(), time.perf_counter()
        result = self._con.execute(sql, params) if params is not None else self._con.execute(sql)
        wall = time.perf_counter() - started
        self.timings.append((wall, _cpu() - cpu, " ".join(sql.split())))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _cpu() -> float:
    """User + system CPU seconds of this process (all of DuckDB's threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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
    wall = sum(w for w, _, _ in con.timings)
    cpu = sum(c for _, c, _ in con.timings)
    print(
        f"{len(con.timings)} statements, {wall:.2f} s in all, {cpu:.2f} s of CPU "
        f"({cpu / wall if wall else 0:.2f} cores busy on average); the slowest:"
    )
    for seconds, used, sql in sorted(con.timings, reverse=True)[: args.top]:
        print(
            f"{seconds:8.2f} s {used / seconds if seconds else 0:5.2f} cores  {sql[: args.width]}"
        )
    alone = [(w, c, s) for w, c, s in con.timings if w > 0.15 and c < 1.3 * w]
    print(
        f"on about one core (over 0.15 s, < 1.3 cores): {len(alone)} statements, "
        f"{sum(w for w, _, _ in alone):.2f} s"
    )


if __name__ == "__main__":
    main()
