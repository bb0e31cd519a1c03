"""The output folder: never an input, never someone else's files, replaced whole at the end.

A run writes into a fresh hidden folder beside ``--out`` and moves it into place only when
every file is written, so a reader (or a second run) never sees one run's tables beside
another's report, and a failed run leaves the previous outputs as they were. A marker file
says the folder is smsaudit's: a folder without it that holds files is refused (exit 2), so a
run never overwrites a file it did not write.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import InputError

MARKER = ".smsaudit-output"


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
        work = Path(tempfile.mkdtemp(prefix=f".{out.name}.writing-", dir=parent))
    except OSError as exc:
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


def moved(paths: Iterable[Path], work: Path, out: Path) -> list[Path]:
    """The paths written under ``work``, as they are now under ``out``."""
    return [out / p.relative_to(work) for p in paths]
