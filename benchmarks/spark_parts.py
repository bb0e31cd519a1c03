"""What a dataset of many part files costs on Spark, against the same rows in one file each.

A lakehouse keeps a table as a folder of part files (``sends_2026.parquet/part-….parquet``).
smsaudit reads each part as an input of its own (rejected rows and row accounting name the
part), so Spark inspects and stages every part apart. This script rewrites the sends of a
generated folder (``generate.py``) as datasets of ``--parts`` parts in all, then audits, in one
process: DuckDB on the parts, Spark on the flat files, Spark on the parts; it checks that both
engines agree on the parts and prints the cost per part.

    .venv/bin/python benchmarks/spark_parts.py /tmp/b200k --parts 200 [--master local[2]]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb

import smsaudit
from smsaudit.engines import spark as spark_engine


def split(data: Path, out: Path, parts: int) -> int:
    """``out``: ``data`` with each ``sends*.parquet`` file rewritten as a dataset folder of
    the same name holding its rows in ``parts / files`` part files (hive partitions of a hash
    of the message id). Returns the parts written."""
    out.mkdir()
    sends = sorted(data.glob("sends*.parquet"))
    con = duckdb.connect()
    for path in sorted(data.iterdir()):
        if path not in sends:
            (out / path.name).symlink_to(path)
    per_file = max(1, parts // len(sends))
    for path in sends:  # hive partitions bucket=0..n-1: one part each
        con.execute(
            f"COPY (SELECT *, hash(message_id) % {per_file} AS bucket "
            f"FROM read_parquet('{path}')) TO '{out / path.name}' "
            "(FORMAT parquet, PARTITION_BY (bucket))"
        )
    return len(list(out.rglob("*.parquet"))) - sum(1 for p in out.iterdir() if p.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--parts", type=int, default=200)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        lake = Path(tmp) / "lake"
        written = split(args.data, lake, args.parts)
        session = spark_engine.start_session(args.master)
        smsaudit.audit(args.data, engine=session)  # warm the JVM
        timed = {}
        audits = {}
        for label, folder, engine in (
            ("DuckDB, parts", lake, "duckdb"),
            ("Spark, one file each", args.data, session),
            ("Spark, parts", lake, session),
        ):
            start = time.perf_counter()
            audits[label] = smsaudit.audit(folder, engine=engine)
            timed[label] = time.perf_counter() - start
        same = repr(audits["DuckDB, parts"].summary()) == repr(audits["Spark, parts"].summary())
    print(f"{args.data}: sends as {written} parts; Spark {session.version}, {args.master}")
    for label, seconds in timed.items():
        print(f"  {label:22} {seconds:7.1f} s")
    extra = timed["Spark, parts"] - timed["Spark, one file each"]
    print(f"  Spark's cost per part: {extra / written * 1000:.0f} ms ({written} parts)")
    print("headline identical on both engines" if same else "headlines DIFFER")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
