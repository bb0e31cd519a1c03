"""Private scratch folders (DuckDB's spill files, transcoded copies, a plan's working files).

Each is named after the process that made it, ``smsaudit-<what>-<pid>-<random>``, so that a
run killed before its clean-up (SIGKILL, a power cut; the CLI turns SIGTERM into a normal
exit) leaves nothing for good: the next run removes the folders of processes that are gone.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_OWNED = re.compile(r"\.?(?:smsaudit-[a-z]+|.+\.writing)-(\d+)-")


def alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, or a platform that cannot tell: keep it
    return True


def sweep(folder: Path | None = None, pattern: str = "smsaudit-*") -> list[Path]:
    """Remove the scratch folders in ``folder`` (the system's temporary directory) left by
    processes that no longer exist; returns them."""
    where = Path(folder or tempfile.gettempdir())
    gone = []
    try:
        candidates = list(where.glob(pattern))
    except OSError:
        return []
    for path in candidates:
        match = _OWNED.match(path.name)
        if match and path.is_dir() and not path.is_symlink() and not alive(int(match[1])):
            shutil.rmtree(path, ignore_errors=True)
            gone.append(path)
    return gone


def make(what: str, parent: Path | None = None, *, at_exit: bool = False) -> Path:
    """A new private folder ``smsaudit-<what>-<pid>-…``; with ``at_exit``, removed when the
    interpreter exits."""
    sweep(parent)
    path = Path(tempfile.mkdtemp(prefix=f"smsaudit-{what}-{os.getpid()}-", dir=parent))
    if at_exit:
        atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


@contextmanager
def folder(what: str) -> Iterator[Path]:
    """A private folder for the time of a ``with`` block."""
    path = make(what)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
