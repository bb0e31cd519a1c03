"""What the least an audit must do costs, against the same floor as run.py (issue 8).

Times, in one process and one run, DuckDB doing only the building blocks that any audit
keeping its data in DuckDB tables must do, with nothing else (no validation, no phone
reading, no rules): copy the sends and the receipts into tables, find the distinct phone
spellings of the sends, match receipts to sends and sends to receipts on ``message_id``;
then write the one large finding, ``blocked_window_messages.csv``, as a stand-in of the
same size: ``--blocked-share`` of the sends (29 % for generate.py's data), sorted by time
and id. Prints each step and the running total as a multiple of the floor: where that total
passes run.py's target, the target cannot be met by this design and these outputs.

    .venv/bin/python benchmarks/bounds.py                   # benchmarks/data
    .venv/bin/python benchmarks/bounds.py --data /tmp/b2m
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from run import DEFAULT_DATA, TARGET_RATIO, floor_seconds

from smsaudit import db

STEPS: tuple[tuple[str, str], ...] = (
    ("copy the sends into a table", "CREATE TABLE s AS SELECT * FROM {sends}"),
    ("copy the receipts into a table", "CREATE TABLE r AS SELECT * FROM {receipts}"),
    ("distinct phone spellings of the sends", "CREATE TABLE p AS SELECT DISTINCT msisdn FROM s"),
    (
        "each receipt finds its send",
        "CREATE TABLE j AS SELECT r.message_id, s.message_id IS NULL AS no_send "
        "FROM r LEFT JOIN (SELECT message_id FROM s) AS s USING (message_id)",
    ),
    (
        "each send finds its receipt",
        "CREATE TABLE k AS SELECT s.message_id, r.segments, r.price "
        "FROM s LEFT JOIN r USING (message_id)",
    ),
    (
        "the blocked sends as a CSV finding",
        "COPY (SELECT * FROM s WHERE hash(message_id) % 10000 < {share} "
        "ORDER BY sent_at, message_id) TO '{out}' (HEADER)",
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-limit", default="1.5GB")
    parser.add_argument("--blocked-share", type=float, default=0.29)
    args = parser.parse_args()
    floor, _ = floor_seconds(args.data, args.threads, 3)
    print(f"floor (run.py's (a)) {floor:6.2f} s")
    con = db.connect(threads=args.threads, memory_limit=args.memory_limit)
    with db.unordered(con), tempfile.TemporaryDirectory() as out:
        files = {
            kind: f"read_parquet('{args.data / kind}_*.parquet')" for kind in ("sends", "receipts")
        }
        files["share"] = str(round(args.blocked_share * 10000))
        files["out"] = str(Path(out) / "blocked.csv")
        total = 0.0
        for name, sql in STEPS:
            started = time.perf_counter()
            con.execute(sql.format(**files))
            seconds = time.perf_counter() - started
            total += seconds
            print(
                f"{name:40s} {seconds:6.2f} s {seconds / floor:5.1f}x  total {total / floor:5.1f}x"
            )
    verdict = "over" if total / floor > TARGET_RATIO else "within"
    print(
        f"these steps alone: {total / floor:.1f}x the floor, {verdict} the {TARGET_RATIO:g}x target"
    )


if __name__ == "__main__":
    main()
