"""Another commit's code against this checkout's, alternated, with ``run.py`` (issue 15).

The machine's speed drifts by 15 % within an hour, so code is compared with code only in
runs alternated in the same hour: for each folder, ``--repeat`` times, ``run.py`` with the
other commit's ``src/`` first on ``PYTHONPATH`` (a git worktree, removed afterwards), then
with this checkout's. Prints each run's floor, audit and ratio, and whether the headlines
agree (they must: a speed-up never changes results).

    .venv/bin/python benchmarks/compare.py 0e5e87b --data /tmp/b2m --data /tmp/b20m
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FIGURE = re.compile(r"^\((a|b)\) .*?([0-9.]+) s", re.MULTILINE)


def run(data: Path, src: Path | None) -> tuple[float, float, str]:
    """run.py on ``data`` with ``src`` (None: this checkout): floor, audit, headline."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    else:
        env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [sys.executable, str(HERE / "run.py"), "--data", str(data)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = dict(FIGURE.findall(out))
    headline = out.split("audit headline:", 1)[-1]
    # the last line names the temporary output folder, which differs from run to run
    headline = "\n".join(line for line in headline.splitlines() if "wrote " not in line)
    return float(figures["a"]), float(figures["b"]), headline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the commit to compare with (e.g. a session's first)")
    parser.add_argument("--data", type=Path, action="append", required=True)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(tree), args.base],
            check=True,
        )
        try:
            print(f"{'data':<24} {'code':<10} {'floor':>8} {'audit':>9} {'ratio':>7}")
            for data in args.data:
                for _ in range(args.repeat):
                    results = {}
                    for code, src in ((args.base, tree / "src"), ("this", None)):
                        floor, audit, headline = run(data, src)
                        results[code] = headline
                        row = f"{floor:7.2f}s {audit:8.2f}s {audit / floor:6.1f}x"
                        print(f"{data!s:<24} {code[:10]:<10} {row}")
                    same = len(set(results.values())) == 1
                    print(f"{'':<24} headlines {'agree' if same else 'DIFFER'}")
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False
            )


if __name__ == "__main__":
    main()
