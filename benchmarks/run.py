"""Time the full audit against the cost of merely reading its inputs (issue 8).

In one run, on the folder written by ``benchmarks/generate.py``:

  (a) floor: DuckDB reads every column of every input file once (a hash of each value,
      so every value is decoded), best of ``--repeat``, in this process;
  (b) audit: ``smsaudit audit DATA --out OUT --format FMT --quiet`` in a child process,
      wall clock and peak resident memory (``wait4``'s ``ru_maxrss`` of that child).

Prints both, the ratio b/a against the targets (≤ 12x, goal 3x; peak RSS ≤ 2 GiB) and,
with ``--stages``, where the audit's time goes (a second child runs ``smsaudit.audit``
with a progress callback that timestamps every step).

    .venv/bin/python benchmarks/run.py                      # benchmarks/data, CSV outputs
    .venv/bin/python benchmarks/run.py --data /tmp/b2m --stages
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from smsaudit import db

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE / "data"
TARGET_RATIO, GOAL_RATIO = 12.0, 3.0  # issue 15 (issue 8 asked for 6x)
TARGET_RSS = 2 * 2**30

# Child of --stages: the audit in-process with a timestamp per step, then the outputs.
STAGES_CHILD = """
import sys, time
import smsaudit
from smsaudit.results import Audit

data, out, formats = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
marks = [("start", time.perf_counter())]
result = smsaudit.audit(data, progress=lambda step: marks.append((step, time.perf_counter())))
marks.append(("writing outputs", time.perf_counter()))
result.save(out, formats)
marks.append(("end", time.perf_counter()))
for (step, t0), (_, t1) in zip(marks, marks[1:]):
    print(f"{t1 - t0:8.2f} s  {step}")
"""


def _reader(path: Path) -> str:
    if path.name.endswith(".parquet"):
        return "read_parquet($p)"
    if path.name.endswith(".json"):
        return "read_json_auto($p)"
    return "read_csv($p, all_varchar = true)"


def floor_seconds(data: Path, threads: int, repeat: int) -> tuple[float, dict[str, int]]:
    """Best time of DuckDB decoding every column of every input once; rows per file."""
    con = db.connect(threads=threads)
    files = sorted(p for p in data.iterdir() if p.is_file() and p.name != "generated.json")
    queries = []
    for path in files:
        params = {"p": str(path)}
        columns = [
            row[0]
            for row in con.execute(f"DESCRIBE SELECT * FROM {_reader(path)}", params).fetchall()
        ]
        # bit_xor(hash(col)) touches every value of every column; min/max could be
        # answered from Parquet statistics without reading the data.
        hashes = ", ".join(f'bit_xor(hash("{c}"))' for c in columns)
        queries.append((path.name, f"SELECT count(*), {hashes} FROM {_reader(path)}", params))
    best, rows = float("inf"), {}
    for _ in range(repeat):
        started = time.perf_counter()
        for name, sql, params in queries:
            found = con.execute(sql, params).fetchone()
            rows[name] = int(found[0]) if found else 0
        best = min(best, time.perf_counter() - started)
    con.close()
    return best, rows


def run_audit(
    data: Path, out: Path, formats: list[str], env: dict[str, str]
) -> tuple[float, int, str]:
    """Wall time, peak RSS (bytes) and stdout of ``smsaudit audit`` in a child process."""
    command = [sys.executable, "-m", "smsaudit", "audit", str(data), "--out", str(out), "--quiet"]
    for fmt in formats:
        command += ["--format", fmt]
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr, text=True, env=env)
        # wait4 gives the resource usage of this very child (ru_maxrss: KiB on Linux)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"smsaudit audit failed ({child.returncode}):\n{stderr.read()}")
        return elapsed, usage.ru_maxrss * 1024, stdout.read()


def stages(data: Path, out: Path, formats: list[str], env: dict[str, str]) -> str:
    """Per-step timings of the audit, from a child process."""
    done = subprocess.run(
        [sys.executable, "-c", STAGES_CHILD, str(data), str(out), ",".join(formats)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"audit with stage timings failed:\n{done.stderr}")
    return done.stdout


def _gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument("--format", action="append", default=None, help="csv (default), ...")
    parser.add_argument("--repeat", type=int, default=3, help="floor: best of this many")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stages", action="store_true", help="also time each audit step")
    parser.add_argument(
        "--memory-limit", default="1.5GB", help="DuckDB memory_limit of the audit ('' = default)"
    )
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no folder {args.data}: run benchmarks/generate.py first")
    formats = args.format or ["csv"]
    manifest = args.data / "generated.json"
    if manifest.is_file():
        generated = json.loads(manifest.read_text(encoding="utf-8"))["arguments"]
        print(f"data {args.data}: {generated['sends']:,} sends, {generated['numbers']:,} numbers")
    size = sum(p.stat().st_size for p in args.data.iterdir() if p.is_file())
    floor, rows = floor_seconds(args.data, args.threads, args.repeat)
    print(f"inputs: {sum(rows.values()):,} rows in {len(rows)} files, {size / 2**20:,.0f} MiB")
    with tempfile.TemporaryDirectory(prefix="smsaudit-bench-") as tmp:
        out = args.out or Path(tmp) / "report"
        env = dict(os.environ, SMSAUDIT_THREADS=str(args.threads))
        if args.memory_limit:
            env["SMSAUDIT_MEMORY_LIMIT"] = args.memory_limit
        audit, peak, stdout = run_audit(args.data, out, formats, env)
        written = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
        timings = stages(args.data, Path(tmp) / "stages", formats, env) if args.stages else ""
    ratio = audit / floor
    limit = args.memory_limit or "DuckDB default"
    print(f"threads {args.threads}, memory_limit {limit}, DuckDB {duckdb.__version__}")
    print(f"(a) floor: read every column once   {floor:8.2f} s  (best of {args.repeat})")
    print(f"(b) smsaudit audit --format {','.join(formats):<8} {audit:8.2f} s  (wall, one run)")
    print(f"    outputs written: {written / 2**20:,.0f} MiB")
    verdict = (
        "goal met" if ratio <= GOAL_RATIO else "target met" if ratio <= TARGET_RATIO else "over"
    )
    print(
        f"ratio b/a = {ratio:.2f}x   (target <= {TARGET_RATIO:g}x, goal {GOAL_RATIO:g}x: {verdict})"
    )
    rss_ok = "ok" if peak <= TARGET_RSS else "over"
    print(f"peak RSS of the audit = {_gib(peak)}   (target <= {_gib(TARGET_RSS)}: {rss_ok})")
    if timings:
        print("audit steps (second run, in-process timings):")
        print(timings.rstrip())
    print("audit headline:")
    print("\n".join("    " + line for line in stdout.splitlines()))


if __name__ == "__main__":
    main()
