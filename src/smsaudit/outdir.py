"""The output folder: never an input, never someone else's files, replaced whole at the end.

A run writes into a fresh hidden folder beside ``--out`` and moves it into place only when
every file is written, so a reader (or a second run) never sees one run's tables beside
another's report, and a failed run leaves the previous outputs as they were; a second run
on the same folder while one is writing is refused (a lock). A marker file
says the folder is smsaudit's: a folder without it that holds files is refused (exit 2), so a
run never overwrites a file it did not write.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from . import scratch
from .errors import InputError

try:  # POSIX; elsewhere two runs on one folder are not detected (the move is still whole)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MARKER = ".smsaudit-output"
# Written by every run beside its tables: the run as data, for scheduled jobs.
SUMMARY_NAME = "summary.json"


def check(out: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output folder that is a file, or that is or holds an input."""
    target = out.resolve()
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise InputError("--out must be a folder (it is a file or a link)", file=str(out))
    for path in inputs:
        source = path.resolve()
        if source.parent == target or target in source.parents:
            raise InputError(
                "--out holds the input files: outputs would overwrite them, and the next run "
                "would read them as inputs; choose another folder",
                file=str(out),
            )


@contextmanager
def staged(out: Path, inputs: Iterable[Path] = ()) -> Iterator[Path]:
    """Yield a fresh folder to write into; on success it becomes ``out`` (the old one goes)."""
    check(out, inputs)
    out = out.resolve()  # "." or "reports/../out" name the folder they lead to
    if out == Path.cwd().resolve() or out.parent == out:
        raise InputError("--out must not be the current folder or a root", file=str(out))
    if out.exists() and not (out / MARKER).exists() and any(out.iterdir()):
        raise InputError(
            "--out holds files smsaudit did not write (no .smsaudit-output marker; the report "
            "folders of earlier smsaudit versions have none): choose a new or empty folder",
            file=str(out),
        )
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(out)
    except OSError as exc:
        raise InputError(f"cannot write there ({exc.strerror})", file=str(out)) from None
    try:
        # What a killed run left here; then this run's own folder.
        scratch.sweep(parent, f".{out.name}.writing-*")
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.writing-{os.getpid()}-", dir=parent))
    except OSError as exc:
        _unlock(lock)
        raise InputError(f"cannot write there ({exc.strerror})", file=str(out)) from None
    try:
        yield work
        (work / MARKER).write_text(
            "Written by smsaudit; the whole folder is replaced by the next run.\n",
            encoding="utf-8",
        )
        old = None
        if out.exists():
            old = parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        work.rename(out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    finally:
        _unlock(lock)


def _lock(out: Path) -> IO[str]:
    """Lock ``out`` for this run: a second run on the same folder is refused (exit 2) rather
    than racing this one. The lock is a file of the temporary directory named after the
    folder's path, so nothing is left beside the outputs; it goes with the process, even
    a killed one. (Runs on two machines sharing a network folder are not detected.)"""
    digest = hashlib.sha256(str(out).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    handle = (Path(tempfile.gettempdir()) / f"smsaudit-out-{digest}.lock").open(
        "a+", encoding="utf-8"
    )
    if fcntl is not None:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise InputError(
                f"another smsaudit run (process {holder}) is writing this folder; "
                "wait for it or choose another --out",
                file=str(out),
            ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    return handle


def _unlock(handle: IO[str]) -> None:
    """Release the lock. Its (empty-ish) file stays: removing it would let two later runs
    lock two different files of the same name."""
    handle.close()


def moved(paths: Iterable[Path], work: Path, out: Path) -> list[Path]:
    """The paths written under ``work``, as they are now under ``out``."""
    return [out / p.relative_to(work) for p in paths]


def write_summary(folder: Path, data: dict[str, Any]) -> Path:
    """``summary.json`` in ``folder``: ``data`` as indented UTF-8 JSON."""
    path = folder / SUMMARY_NAME
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
