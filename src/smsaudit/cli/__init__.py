"""``smsaudit`` command line (CONTRACT §1): parse → audit → save → print the headline.

Exit codes: 0 the audit ran (findings never change it); 2 unusable input or arguments,
with one line naming the file, row and column; 1 internal error; 3 ``check --fail-on``
found a planned message that would be blocked or suppressed.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import traceback

import typer
from typer.exceptions import TyperException

from ..errors import SmsauditError, first_line, printable
from . import audit as _audit_commands  # noqa: F401  (registers its commands)
from . import plan as _plan_commands  # noqa: F401  (registers its commands)
from ._app import app

__all__ = ["app", "main"]


def _terminated(signum: int, _frame: object) -> None:
    """SIGTERM (a scheduler's timeout, ``kill``) ends the run as an exception would: the
    half-written output folder and DuckDB's spill files are removed on the way out."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Console entry point: maps every failure to its exit code and a one-line message.

    ``--debug`` (anywhere on the line) or ``SMSAUDIT_DEBUG=1`` adds the traceback of an
    internal error, for a bug report.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("SMSAUDIT_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        app(args=args, prog_name="smsaudit", standalone_mode=False)
    except SmsauditError as exc:
        typer.echo(f"smsaudit: {exc.label}: {exc}", err=True)
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        typer.echo("smsaudit: aborted", err=True)
        return 1
    except TyperException as exc:  # usage errors (exit code 2): bad option, missing argument
        typer.echo(f"smsaudit: error: {printable(exc.format_message())}", err=True)
        return int(exc.exit_code)
    except Exception as exc:  # an internal error: one line, not a traceback
        if debug:
            traceback.print_exc()
        hint = "" if debug else " (run again with --debug for the traceback)"
        message = first_line(exc)  # Spark's errors run to a query plan over many lines
        typer.echo(f"smsaudit: internal error: {type(exc).__name__}: {message}{hint}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
