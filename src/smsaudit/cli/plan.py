"""``smsaudit calendar`` and ``smsaudit check``: before sending."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import CheckFailed, InputError
from ._app import FormatOpt, MaskOpt, OutOpt, _formats, app


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
    from ..prevent.periods import blocked_calendar

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
    from ..prevent.check import FAIL_ON, check

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
