"""What the sdist and the wheel hold (pyproject.toml, hatch_build.py).

The built wheel is also installed into a fresh environment and run from another folder by
``tests/wheel_smoke.py`` (``make wheel-smoke``, part of ``make test``); these tests only read
the archives, so they stay fast and need no network (``--no-isolation``).
"""

from __future__ import annotations

import email
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import smsaudit

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data_samples"
NOT_SHIPPED = {"generate.py", "planted.json"}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return out


def _wheel_names(dist: Path) -> set[str]:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def _sdist_names(dist: Path) -> set[str]:
    (sdist,) = dist.glob("*.tar.gz")
    with tarfile.open(sdist) as tf:
        prefix = f"smsaudit-{smsaudit.__version__}/"
        return {m.name.removeprefix(prefix) for m in tf.getmembers() if m.isfile()}


def _tracked(*patterns: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", *patterns], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split("\0")) - {""}


def test_archives_are_named_after_the_one_version(dist: Path) -> None:
    version = smsaudit.__version__
    assert {p.name for p in dist.iterdir()} == {
        f"smsaudit-{version}-py3-none-any.whl",
        f"smsaudit-{version}.tar.gz",
    }


def test_wheel_carries_the_demo_inputs_and_nothing_of_the_generator(dist: Path) -> None:
    names = _wheel_names(dist)
    shipped = {n.removeprefix("smsaudit/data_samples/") for n in names if "/data_samples/" in n}
    expected = {p.name for p in SAMPLES.iterdir() if p.is_file()} - NOT_SHIPPED
    assert shipped == expected
    assert any(name.startswith("sends") for name in shipped)


def test_wheel_carries_code_sql_profiles_and_types_but_no_tests(dist: Path) -> None:
    names = _wheel_names(dist)
    package = ROOT / "src"
    for path in (package / "smsaudit").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            assert path.relative_to(package).as_posix() in names
    assert "smsaudit/py.typed" in names
    assert not any(n.startswith(("tests/", "notebooks/", "benchmarks/")) for n in names)


def test_wheel_metadata(dist: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        info = f"smsaudit-{smsaudit.__version__}.dist-info"
        meta = email.message_from_bytes(zf.read(f"{info}/METADATA"))
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
        licence = zf.read(f"{info}/licenses/LICENSE").decode()
    assert meta["Version"] == smsaudit.__version__
    assert meta["License-Expression"] == "MIT"
    assert licence.startswith("MIT License")
    assert meta["Requires-Python"] == ">=3.11"
    classifiers = meta.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = {u.split(",")[0] for u in meta.get_all("Project-URL") or []}
    assert {"Homepage", "Changelog", "Issues"} <= urls
    assert "smsaudit = smsaudit.cli:main" in entry_points


def test_sdist_holds_sources_tests_notebooks_and_the_generator(dist: Path) -> None:
    names = _sdist_names(dist)
    wanted = _tracked(
        "src", "tests", "notebooks", "data_samples", "benchmarks", "docs", ".ci", "Makefile"
    ) | {"pyproject.toml", "hatch_build.py", "README.md", "CHANGELOG.md", "LICENSE"}
    assert wanted - names == set()


def test_changelog_has_the_current_version() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in text
    assert f"## [{smsaudit.__version__}]" in text
