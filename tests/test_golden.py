"""Golden files: every table the audit of ``data_samples/`` writes, byte for byte.

A change that alters any result shows here as a diff of a committed CSV. When a change is
meant, regenerate and review the diff: ``SMSAUDIT_REGENERATE_GOLDEN=1 pytest tests/test_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import smsaudit
from smsaudit import catalogue

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("SMSAUDIT_REGENERATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "out"
    smsaudit.audit(smsaudit.demo_data_dir()).save(out, ["csv"], html_report=False)
    return out


def test_every_written_table_has_a_golden_file(written: Path) -> None:
    names = sorted(p.name for p in written.glob("*.csv"))
    assert names == sorted(f"{t}.csv" for t in (*catalogue.FINDINGS, *catalogue.EXTRAS))
    if REGENERATE:
        GOLDEN.mkdir(exist_ok=True)
        for old in GOLDEN.glob("*.csv"):
            old.unlink()
        for name in names:
            (GOLDEN / name).write_bytes((written / name).read_bytes())
    assert sorted(p.name for p in GOLDEN.glob("*.csv")) == names


@pytest.mark.parametrize("table", [*catalogue.FINDINGS, *catalogue.EXTRAS])
def test_table_is_unchanged(written: Path, table: str) -> None:
    got = (written / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    want = (GOLDEN / f"{table}.csv").read_text(encoding="utf-8").splitlines()
    assert got[0] == want[0], f"{table}: columns changed"
    assert len(got) == len(want), f"{table}: {len(got) - 1} rows, golden {len(want) - 1}"
    diff = [(i + 1, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    assert not diff, f"{table}: first differing line {diff[0]}"
