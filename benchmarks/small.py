"""Small-data latency: ``smsaudit.audit(DATA)`` in a warm process against its floor.

The floor is DuckDB reading the same input files into tables, every column as text
(``read_csv(all_varchar)`` / ``read_json_auto``: no checks, no numbers, no calendar), in a
fresh connection, as the audit does. Runs alternate (floor, audit, floor, audit...) so that
a machine that slows down slows both; the ratio is of the medians. Target (issue 15):
audit ≤ 5x the floor on ``data_samples/`` (goal 2x).

    .venv/bin/python benchmarks/small.py [DATA] [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import duckdb

import smsaudit

READABLE = (".csv", ".json", ".jsonl", ".ndjson", ".gz", ".parquet")


def floor(files: list[Path]) -> None:
    con = duckdb.connect()
    for i, path in enumerate(files):
        if path.suffix == ".parquet":
            reader = "read_parquet($p)"
        elif path.suffix in (".json", ".jsonl", ".ndjson"):
            reader = "read_json_auto($p)"
        else:  # bytes that are not UTF-8 are skipped: the floor never fails, never checks
            reader = "read_csv($p, all_varchar = true, ignore_errors = true)"
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM {reader}", {"p": str(path)})
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path(smsaudit.demo_data_dir()))
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    files = sorted(p for p in args.data.iterdir() if p.is_file() and p.suffix in READABLE)
    floor(files)
    smsaudit.audit(args.data)  # warm: imports, phone metadata, first connection
    floors, audits = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        floor(files)
        floors.append(time.perf_counter() - start)
        start = time.perf_counter()
        smsaudit.audit(args.data)
        audits.append(time.perf_counter() - start)
    f, a = statistics.median(floors), statistics.median(audits)
    print(f"{len(files)} files in {args.data}")
    print(f"floor (DuckDB reads them): median {f:.3f} s  (min {min(floors):.3f})")
    print(f"smsaudit.audit, warm:      median {a:.3f} s  (min {min(audits):.3f})")
    print(f"ratio {a / f:.1f}x  (target <= 5x, goal 2x)")


if __name__ == "__main__":
    main()
