"""The audit on Spark (local mode) against the same audit on DuckDB, one process, same data.

Issue 16 asks for figures, not a target: where the time goes on Spark (starting the session,
reading the Parquet inputs on Spark, shipping the driver's tables, building each relation,
collecting it back), and that both engines give the same tables (types, rows, order), the
same loader tables (rejected rows, accounting) and headline. Spark keeps the canonical tables
it read and the large relations (``Relation.large``) where it runs; ``--bring-all`` brings
them back too and compares them as well (slower: that is the driver traffic the audit
avoids). Runs: DuckDB, then Spark (session started first and timed apart), then DuckDB again,
so that a machine that slows down shows.

    .venv/bin/python benchmarks/spark.py [DATA] [--master local[2]] [--top 12] [--bring-all]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import smsaudit
from smsaudit import catalogue, engines, schema, sqlfiles
from smsaudit.engines import spark as spark_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=Path(smsaudit.demo_data_dir()))
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--bring-all", action="store_true")
    args = parser.parse_args()
    spark_engine.SparkEngine.bring_all = args.bring_all

    start = time.perf_counter()
    duck = smsaudit.audit(args.data)
    duck_s = time.perf_counter() - start

    start = time.perf_counter()
    session = spark_engine.start_session(args.master)
    session_s = time.perf_counter() - start

    opened: list[Any] = []
    original = engines.open_engine

    def keep(*a: Any, **k: Any) -> Any:
        opened.append(original(*a, **k))
        return opened[-1]

    engines.open_engine = keep  # type: ignore[assignment]
    start = time.perf_counter()
    spark = smsaudit.audit(args.data, engine=session)
    spark_s = time.perf_counter() - start
    engines.open_engine = original  # type: ignore[assignment]

    start = time.perf_counter()
    smsaudit.audit(args.data)
    duck2_s = time.perf_counter() - start

    timings: dict[str, float] = opened[0].timings
    phase = {
        p: sum(v for k, v in timings.items() if k.startswith(p))
        for p in ("load", "ship", "build", "collect")
    }
    rows = duck.con.execute("SELECT count(*) FROM sends").fetchall()[0][0]
    print(f"{args.data}: {rows:,} canonical sends; Spark {session.version}, {args.master}")
    print(f"DuckDB audit:            {duck_s:7.1f} s   (again after Spark: {duck2_s:.1f} s)")
    print(f"Spark session start:     {session_s:7.1f} s")
    print(f"Spark audit (warm JVM):  {spark_s:7.1f} s   = {spark_s / duck_s:.1f}x DuckDB")
    rest = spark_s - sum(phase.values())
    print(
        f"  kept on Spark {phase['load']:.1f} s, ship {phase['ship']:.1f} s, "
        f"build {phase['build']:.1f} s, collect {phase['collect']:.1f} s, "
        f"the rest (reading, verdicts, calendars) {rest:.1f} s"
    )
    print(f"  canonical tables Spark read itself: {', '.join(sorted(opened[0].loaded)) or 'none'}")
    print(f"  kept on Spark, not brought back: {', '.join(sorted(opened[0].kept)) or 'none'}")
    held_rows = {
        label: audit.con.execute(
            "SELECT coalesce(sum(estimated_size), 0) FROM duckdb_tables()"
        ).fetchall()[0][0]
        for label, audit in (("DuckDB", duck), ("Spark", spark))
    }
    print(
        f"  rows held by the driver's DuckDB after the audit: {held_rows['Spark']:,} "
        f"(the DuckDB audit's own tables: {held_rows['DuckDB']:,})"
    )
    print("slowest steps:")
    for key, seconds in sorted(timings.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {seconds:6.2f} s  {key}")
    loader = ["rejected_rows", "row_accounting", "out_of_scope_rows", *schema.CANONICAL]
    held = {
        n
        for (n,) in spark.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        ).fetchall()
    }
    compared = [n for n in [*loader, *catalogue.ENGINE_SQL] if n in held]
    differ = [n for n in compared if not _same_table(duck, spark, n)]
    print(f"compared {len(compared)} tables held on the driver")
    if repr(duck.summary()) != repr(spark.summary()):
        differ.append("headline")
    print(f"differ: {', '.join(differ)}" if differ else "every table and the headline identical")
    if differ:
        raise SystemExit(1)


def _same_table(a: smsaudit.Audit, b: smsaudit.Audit, name: str) -> bool:
    """Same column types, same rows (in the same order where the table has one)."""
    if _types(a, name) != _types(b, name):
        return False
    rows = [x.con.execute(f"SELECT * FROM {name}").fetchall() for x in (a, b)]
    if (
        name in catalogue.ENGINE_SQL
        and "ORDER BY" in sqlfiles.query(name).rsplit(")", 1)[-1].upper()
    ):
        return rows[0] == rows[1]
    return sorted(map(repr, rows[0])) == sorted(map(repr, rows[1]))


def _types(audit: smsaudit.Audit, name: str) -> list[tuple[str, str]]:
    """An ENUM (the DuckDB loader's dictionary for large text) compares as VARCHAR."""
    described = audit.con.execute(f"DESCRIBE {name}").fetchall()
    return [(c, "VARCHAR" if t.startswith("ENUM(") else t) for c, t, *_ in described]


if __name__ == "__main__":
    main()
