"""The ``smsaudit`` Typer application and what its commands share: options, progress."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import __version__
from ..errors import InputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # Plain help, as conventional CLIs print it: flags without a type placeholder.
    rich_markup_mode=None,
    help="Audit marketing SMS sent to France: blocked windows, suppressions, wasted spend.",
)

OutOpt = Annotated[Path, typer.Option("--out", metavar="DIR", help="Output folder.")]
FormatOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--format",
        metavar="[csv|parquet|xlsx]",
        help="Output format; repeat for several (default csv). Each run also writes report.html.",
    ),
]
MaskOpt = Annotated[
    bool,
    typer.Option(
        "--mask-msisdn", help="Replace every phone number in the outputs by a stable pseudonym."
    ),
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="No progress display (there is none off a terminal).")
]


def _file_opt(kind: str) -> Any:
    """``--sends PATH`` and its kin: read this file as that kind, whatever its name."""
    return typer.Option(
        f"--{kind.replace('_', '-')}", metavar="PATH", help=f"Read PATH as {kind} (repeatable)."
    )


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"smsaudit {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="On an internal error, print its traceback (bug reports)."),
    ] = False,
) -> None:
    """Audit marketing SMS sent to France: blocked windows, suppressions, wasted spend.

    Run `smsaudit COMMAND --help` for a command's options and an example.
    """


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """Steps shown on stderr, only on an interactive terminal and without ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        yield lambda _msg: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("starting") as status:
        yield lambda msg: status.update(f"{msg}…")


def _formats(formats: list[str] | None) -> list[str]:
    from ..results import FORMATS

    fmts = formats or ["csv"]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise InputError(f"unknown --format {bad[0]!r} (choose from {', '.join(FORMATS)})")
    return fmts
