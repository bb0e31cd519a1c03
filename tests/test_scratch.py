"""Scratch folders (smsaudit.scratch): named after their process, swept once it is gone."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from smsaudit import db, scratch


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_only_the_folders_of_gone_processes(tmp_path: Path) -> None:
    dead = _dead_pid()
    left = tmp_path / f"smsaudit-spill-{dead}-abc"
    (left / "sub").mkdir(parents=True)
    (left / "sub" / "spill.tmp").write_bytes(b"x" * 10)
    mine = tmp_path / f"smsaudit-spill-{os.getpid()}-def"
    mine.mkdir()
    writing = tmp_path / f".report.writing-{dead}-xyz"
    writing.mkdir()
    someone_elses = tmp_path / "smsaudit-notes"  # not ours by name: never touched
    someone_elses.mkdir()
    a_file = tmp_path / f"smsaudit-spill-{dead}-file"
    a_file.write_text("a file, not a folder\n")
    gone = scratch.sweep(tmp_path)
    assert gone == [left]
    assert scratch.sweep(tmp_path, ".report.writing-*") == [writing]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [mine.name, someone_elses.name, a_file.name]
    )


def test_a_connection_spills_into_its_own_folder_and_sweeps_old_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = tmp_path / f"smsaudit-spill-{_dead_pid()}-old"
    old.mkdir()
    con = db.connect()
    spill = Path(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0])
    assert spill.parent == tmp_path and spill.name.startswith(f"smsaudit-spill-{os.getpid()}-")
    assert not old.exists()
