"""Install the built wheel into a fresh virtual environment and use it from another folder.

    python tests/wheel_smoke.py dist/smsaudit-X.Y.Z-py3-none-any.whl

What a new user does after ``pip install smsaudit``: ``smsaudit --version``, ``smsaudit demo
--out report``, ``smsaudit formats``, ``smsaudit calendar`` and
``smsaudit.audit(smsaudit.demo_data_dir())``; then, with the ``[spark]`` extra, the demo on
Spark (the same files) and Parquet inputs at a URI that Spark reads itself. All run in a
temporary folder outside the checkout, with no ``PYTHONPATH``, so nothing can come from the
source tree (the check also asserts where ``smsaudit`` was imported from). Standard library
only; ``make wheel-smoke`` runs it as part of ``make test``. Exits non-zero with a one-line
reason on failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

API_SMOKE = """
import json, sys
from importlib.metadata import version
import smsaudit

assert "site-packages" in smsaudit.__file__, smsaudit.__file__
assert smsaudit.__version__ == version("smsaudit"), (smsaudit.__version__, version("smsaudit"))
data = smsaudit.demo_data_dir()
assert "site-packages" in str(data), data
result = smsaudit.audit(data)
figures = {h.label: h.text for h in result.summary()}
assert result.row_accounting_balances()
assert result["blocked_window_messages"].height > 0
assert result["consent_updates"].height > 0
print(json.dumps(figures))
"""


# With the [spark] extra: the demo's sends and suppressions as Parquet files in a folder given
# by URI, so that Spark lists the folder and reads them itself, against DuckDB on the same files.
SPARK_SMOKE = """
import pathlib, shutil, tempfile
import smsaudit
from smsaudit.ingest.specs import SPECS

data = pathlib.Path(smsaudit.demo_data_dir())
folder = pathlib.Path(tempfile.mkdtemp())
base = smsaudit.audit(data)  # the demo's sends and suppressions, as canonical Parquet files
for kind, table in (("sends", "sends"), ("suppressions", "suppression_exports")):
    columns = ", ".join(f.name for f in SPECS[kind])
    base.con.execute(f"COPY (SELECT {columns} FROM {table}) TO '{folder / kind}_all.parquet'")
for f in data.iterdir():
    if f.suffix in (".csv", ".json") and not f.name.startswith(("sends", "suppressions")):
        shutil.copy(f, folder / f.name)
duck = smsaudit.audit(folder)
spark = smsaudit.audit(folder.as_uri(), engine="spark", spark_master="local[2]")
kept = sorted(s.name for s in spark.load_report.sources if not isinstance(s.path, pathlib.Path))
assert kept == ["sends_all.parquet", "suppressions_all.parquet"], kept
assert repr(duck.summary()) == repr(spark.summary())
for name in ("blocked_window_messages", "consent_updates", "rejected_rows", "row_accounting"):
    assert duck[name].sort(duck[name].columns).equals(spark[name].sort(spark[name].columns)), name
print("Spark read", len(kept), "files itself")
"""


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(
            f"wheel smoke: {' '.join(cmd[-3:])} exited {done.returncode}: "
            f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}"
        )
    return done.stdout


def main(wheel: Path) -> None:
    wheel = wheel.resolve()
    version = wheel.name.split("-")[1]
    with tempfile.TemporaryDirectory(prefix="smsaudit-wheel-") as tmp:
        home = Path(tmp)
        env_dir = home / "venv"
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
        bin_dir = env_dir / "bin"
        env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
        pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet"]
        _run([*pip, "--disable-pip-version-check", str(wheel)], home, env)
        work = home / "elsewhere"
        work.mkdir()

        out = _run([str(bin_dir / "smsaudit"), "--version"], work, env).strip()
        if out != f"smsaudit {version}":
            raise SystemExit(f"wheel smoke: --version printed {out!r}, not 'smsaudit {version}'")

        out = _run([str(bin_dir / "smsaudit"), "demo", "--out", "report", "--quiet"], work, env)
        written = {p.name for p in (work / "report").iterdir()}
        for name in ("report.html", "blocked_window_messages.csv", "consent_updates.csv"):
            if name not in written:
                raise SystemExit(f"wheel smoke: smsaudit demo did not write {name}")
        if "wrote" not in out:
            raise SystemExit("wheel smoke: smsaudit demo did not say where its outputs went")

        # The data files the wheel must carry: format files, calendar SQL, icalendar.
        formats = _run([str(bin_dir / "smsaudit"), "formats"], work, env)
        if "twilio-console-csv" not in formats:
            raise SystemExit("wheel smoke: smsaudit formats does not list the shipped formats")
        _run(
            [
                str(bin_dir / "smsaudit"),
                "calendar",
                "--from",
                "2027-01-01",
                "--to",
                "2027-01-31",
                "--territories",
                "FR",
                "--out",
                "cal",
            ],
            work,
            env,
        )
        if not (work / "cal" / "calendar_FR.ics").exists():
            raise SystemExit("wheel smoke: smsaudit calendar wrote no .ics")

        figures = _run([str(bin_dir / "python"), "-c", API_SMOKE], work, env).strip()

        # The [spark] extra: the same demo on Spark, file for file; then Parquet at a URI.
        _run([*pip, "--disable-pip-version-check", f"{wheel}[spark]"], home, env)
        spark = ["--engine", "spark", "--spark-master", "local[2]"]
        _run([str(bin_dir / "smsaudit"), "demo", *spark, "--out", "on-spark", "--quiet"], work, env)
        for name in sorted(written - {"report.html", "summary.json", ".smsaudit-output"}):
            if (work / "report" / name).read_bytes() != (work / "on-spark" / name).read_bytes():
                raise SystemExit(f"wheel smoke: {name} differs on Spark")
        parquet = _run([str(bin_dir / "python"), "-c", SPARK_SMOKE], work, env).strip()
        print(f"wheel smoke: smsaudit {version} installed from {wheel.name}: --version, demo")
        print(f"wheel smoke: ({len(written)} files) and the API ran outside the checkout")
        print(f"wheel smoke: {figures}")
        print(f"wheel smoke: [spark]: the demo's files identical on Spark; {parquet}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/wheel_smoke.py WHEEL")
    main(Path(sys.argv[1]))
