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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.exceptions import TyperException

from . import __version__, schema
from .errors import CheckFailed, InputError, SmsauditError, printable

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


def _run(
    data: Path | None,
    files: dict[str, list[Path] | None],
    *,
    out: Path,
    profile: str,
    formats: list[str] | None,
    assume_tz: str,
    territories: str | None,
    mask_msisdn: bool,
    french_csv: bool,
    alsace_moselle: bool,
    quiet: bool,
    period: tuple[str | None, str | None] = (None, None),
    input_format: str | None = None,
) -> None:
    from .pipeline import audit

    fmts = _formats(formats)
    spec: dict[str, object] = {k: v for k, v in files.items() if v}
    if data is not None:
        spec["dir"] = data
    if not spec:
        raise InputError("give DATA_DIR or at least --sends PATH")

    terr = schema.territories(territories) if territories is not None else None
    with _progress(quiet) as step:
        result = audit(
            spec,  # type: ignore[arg-type]
            profile=profile,
            assume_tz=assume_tz,
            territories=terr,
            alsace_moselle=alsace_moselle,
            period=period,
            progress=step,
            input_format=input_format,
        )
        step("writing outputs")
        paths = result.save(out, fmts, mask_msisdn=mask_msisdn, french_csv=french_csv)
    headline = result.summary()
    width = max(len(h.label) for h in headline)
    for h in headline:
        typer.echo(f"{h.label:<{width}}  {h.text}")
    for table, why in result.skipped.items():
        typer.echo(f"skipped {table}: {why}")
    broken = [c.message for c in result.checks() if not c.ok]
    if broken:  # pragma: no cover - an invariant: a bug, exit 1
        raise RuntimeError("; ".join(broken))
    typer.echo(f"wrote {len(paths)} files to {out}/ (open {out / 'report.html'})")


@app.command("audit")
def audit_cmd(
    data_dir: Annotated[
        Path | None,
        typer.Argument(
            metavar="DATA_DIR",
            help="Folder of exports: sends*, receipts*, suppressions*, mo*, consent*, "
            "programs*, rate_card* (.csv, .csv.gz, .parquet, .json).",
            show_default=False,
        ),
    ] = None,
    out: OutOpt = Path("smsaudit-report"),
    profile: Annotated[
        str,
        typer.Option(
            metavar="NAME|FILE.toml",
            help="Rule profile: fr-acoustic, fr-af2m-2024, fr-af2m-2026, fr-calls-2022 "
            "(`smsaudit profiles`), or your own TOML file.",
        ),
    ] = "fr-acoustic",
    format: FormatOpt = None,
    assume_tz: Annotated[
        str,
        typer.Option(
            "--assume-tz", metavar="TZ", help="Clock of timestamps written without an offset."
        ),
    ] = "Europe/Paris",
    territories: Annotated[
        str | None,
        typer.Option(
            metavar="LIST",
            help="Audit only these territories, e.g. FR,RE,GP (FR RE YT GP MQ GF BL MF PM).",
        ),
    ] = None,
    input_format: Annotated[
        str | None,
        typer.Option(
            "--input-format",
            metavar="NAME|FILE.toml",
            help="Read the exports this format recognises with it (`smsaudit formats`), or "
            "describe your own export in a format file. Without it, formats are detected.",
        ),
    ] = None,
    mask_msisdn: MaskOpt = False,
    french_csv: Annotated[
        bool,
        typer.Option("--french-csv", help="CSV for French Excel: ';', decimal comma, BOM."),
    ] = False,
    alsace_moselle: Annotated[
        bool,
        typer.Option(
            "--alsace-moselle", help="Add Alsace-Moselle's Good Friday and 26 Dec (FR numbers)."
        ),
    ] = False,
    sends: Annotated[list[Path] | None, _file_opt("sends")] = None,
    receipts: Annotated[list[Path] | None, _file_opt("receipts")] = None,
    suppressions: Annotated[list[Path] | None, _file_opt("suppressions")] = None,
    mo: Annotated[list[Path] | None, _file_opt("mo")] = None,
    consent: Annotated[list[Path] | None, _file_opt("consent")] = None,
    programs: Annotated[list[Path] | None, _file_opt("programs")] = None,
    rate_card: Annotated[list[Path] | None, _file_opt("rate_card")] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="First day audited (Paris calendar)."),
    ] = None,
    until: Annotated[
        str | None, typer.Option(metavar="YYYY-MM-DD", help="Last day audited, inclusive.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Audit the exports in DATA_DIR (or the files named by --sends, --receipts, ...).

    Writes one table per finding, report.html and, with --format xlsx, smsaudit.xlsx.
    Exit codes: 0 the audit ran (findings never change it), 2 unusable input or
    arguments, 1 internal error.

    \b
    Example:
      smsaudit audit exports/2026-05 --out report-2026-05 --format csv --format xlsx
    """
    files = {
        "sends": sends,
        "receipts": receipts,
        "suppressions": suppressions,
        "mo": mo,
        "consent": consent,
        "programs": programs,
        "rate_card": rate_card,
    }
    _run(
        data_dir,
        files,
        out=out,
        profile=profile,
        formats=format,
        assume_tz=assume_tz,
        territories=territories,
        mask_msisdn=mask_msisdn,
        french_csv=french_csv,
        alsace_moselle=alsace_moselle,
        quiet=quiet,
        period=(since, until),
        input_format=input_format,
    )


@app.command()
def demo(
    out: OutOpt = Path("smsaudit-report"),
    format: FormatOpt = None,
    mask_msisdn: MaskOpt = False,
    quiet: QuietOpt = False,
) -> None:
    """Run the full audit on the bundled sample exports (May 2026, problems planted).

    \b
    Example:
      smsaudit demo --out demo-report --format xlsx
    """
    from .pipeline import demo_data_dir

    audit_cmd(demo_data_dir(), out=out, format=format, mask_msisdn=mask_msisdn, quiet=quiet)


@app.command()
def profiles() -> None:
    """List the rule profiles with their hours and sources.

    \b
    Example:
      smsaudit profiles
    """
    from .rules import DEFAULT_PROFILE, list_profiles

    for p in list_profiles():
        mark = " (default)" if p.name == DEFAULT_PROFILE else ""
        typer.echo(f"{p.name}{mark}: {p.title}")
        typer.echo(f"    source: {p.source}")


@app.command("calendar")
def calendar_cmd(
    from_: Annotated[
        str, typer.Option("--from", metavar="YYYY-MM-DD", help="First local day (inclusive).")
    ],
    to: Annotated[
        str, typer.Option("--to", metavar="YYYY-MM-DD", help="Last local day (inclusive).")
    ],
    out: OutOpt = Path("smsaudit-calendar"),
    profile: Annotated[
        str, typer.Option(metavar="NAME|FILE.toml", help="Rule profile (`smsaudit profiles`).")
    ] = "fr-acoustic",
    territories: Annotated[
        str | None,
        typer.Option(metavar="LIST", help="Only these territories, e.g. FR,RE (default all nine)."),
    ] = None,
    alsace_moselle: Annotated[
        bool, typer.Option("--alsace-moselle", help="Add Good Friday and 26 Dec (FR).")
    ] = False,
    format: FormatOpt = None,
) -> None:
    """Write the allowed and blocked periods of every territory: calendar.csv and one
    calendar_<TERRITORY>.ics per territory (an event per blocked period), from the audit's
    own calendar.

    \b
    Example:
      smsaudit calendar --from 2027-01-01 --to 2027-12-31 --out calendar-2027
    """
    from .prevent.periods import blocked_calendar

    fmts = _formats(format)
    cal = blocked_calendar(
        from_, to, profile=profile, territories=territories, alsace_moselle=alsace_moselle
    )
    paths = cal.save(out, fmts)
    row = cal.con.execute(
        "SELECT count(DISTINCT territory), count(*) FILTER (WHERE state = 'blocked') "
        "FROM calendar_periods"
    ).fetchall()[0]
    typer.echo(f"profile     {cal.profile.name}")
    typer.echo(f"days        {cal.first_day} to {cal.last_day} (local, each territory's clock)")
    typer.echo(f"territories {row[0]}")
    typer.echo(f"blocked periods {row[1]:,}")
    typer.echo(f"wrote {len(paths)} files to {out}/")


@app.command("check")
def check_cmd(
    plan: Annotated[
        Path,
        typer.Argument(
            help="A send list (msisdn, sender_id, send_at) or a schedule (campaign_id, "
            "start_at, messages, messages_per_minute[, sender_id]); CSV or Parquet.",
            show_default=False,
        ),
    ],
    data_dir: Annotated[
        Path | None,
        typer.Argument(
            metavar="DATA_DIR",
            help="Exports whose suppression evidence the plan is checked against.",
            show_default=False,
        ),
    ] = None,
    out: OutOpt = Path("smsaudit-check"),
    profile: Annotated[
        str, typer.Option(metavar="NAME|FILE.toml", help="Rule profile (`smsaudit profiles`).")
    ] = "fr-acoustic",
    recipients: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="A schedule's recipients (msisdn): their territories and suppressed pairs.",
        ),
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            "--fail-on",
            metavar="blocked,suppressed",
            help="Exit with code 3 when a planned message would be blocked or suppressed.",
        ),
    ] = None,
    assume_tz: Annotated[
        str,
        typer.Option("--assume-tz", metavar="TZ", help="Clock of times written without offset."),
    ] = "Europe/Paris",
    territories: Annotated[
        str | None,
        typer.Option(metavar="LIST", help="Territories of a schedule without --recipients."),
    ] = None,
    alsace_moselle: Annotated[
        bool, typer.Option("--alsace-moselle", help="Add Good Friday and 26 Dec (FR).")
    ] = False,
    input_format: Annotated[
        str | None,
        typer.Option("--input-format", metavar="NAME|FILE.toml", help="As for `audit`."),
    ] = None,
    format: FormatOpt = None,
    mask_msisdn: MaskOpt = False,
) -> None:
    """Check a planned send list or campaign schedule before sending: which messages would
    fall in a blocked window, when a schedule's last message goes and the latest start that
    still fits, and (with DATA_DIR) which recipients are suppressed pairs.

    Exit codes: 0 the check ran; 3 with --fail-on, when a planned message would be
    blocked or suppressed (a scheduler can stop the send); 2 unusable input.

    \b
    Example:
      smsaudit check campaigns-june.csv exports/ --out check-june --fail-on blocked,suppressed
    """
    from .prevent.check import FAIL_ON, check

    fails = [f.strip() for f in fail_on.split(",") if f.strip()] if fail_on is not None else []
    bad = [f for f in fails if f not in FAIL_ON]
    if bad or (fail_on is not None and not fails):
        raise InputError(f"--fail-on takes {', '.join(FAIL_ON)} (got {fail_on!r})")
    fmts = _formats(format)
    result = check(
        plan,
        data_dir,
        profile=profile,
        assume_tz=assume_tz,
        territories=territories,
        alsace_moselle=alsace_moselle,
        recipients=recipients,
        input_format=input_format,
    )
    paths = result.save(out, fmts, mask_msisdn=mask_msisdn)
    width = max(len(label) for label, _ in result.summary())
    for label, text in result.summary():
        typer.echo(f"{label:<{width}}  {text}")
    typer.echo(f"wrote {len(paths)} files to {out}/")
    failed = result.failures(fails)
    if failed:
        raise CheckFailed(f"{', '.join(failed)} (--fail-on)")


def _formats(formats: list[str] | None) -> list[str]:
    from .results import FORMATS

    fmts = formats or ["csv"]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise InputError(f"unknown --format {bad[0]!r} (choose from {', '.join(FORMATS)})")
    return fmts


@app.command()
def formats() -> None:
    """List the input formats (vendor exports) that are recognised, with their sources.

    \b
    Example:
      smsaudit formats
    """
    from .ingest import shipped_formats

    typer.echo("canonical: sends*, receipts*, suppressions*, mo*, consent*, programs*, rate_card*")
    typer.echo("    files named by kind, with the contract's columns (README, Reading inputs)")
    for f in shipped_formats():
        typer.echo(f"{f.name} ({f.vendor}, {f.reader}): {f.title}")
        typer.echo(f"    feeds: {', '.join(f.kind_names)}")
        typer.echo(f"    source: {f.source}")


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
        typer.echo(f"smsaudit: internal error: {type(exc).__name__}: {exc}{hint}", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
