"""``smsaudit audit``, ``demo``, ``profiles`` and ``formats``: the audit after the fact."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import schema
from ..errors import InputError
from ._app import (
    FormatOpt,
    MaskOpt,
    OutOpt,
    QuietOpt,
    _file_opt,
    _formats,
    _progress,
    app,
)

EngineOpt = Annotated[
    str,
    typer.Option(
        metavar="duckdb|spark",
        help="Where the audit's SQL runs: DuckDB in this process, or Spark (pip install "
        "'smsaudit[spark]'; local[*], --spark-master or SPARK_REMOTE). Same results.",
    ),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        metavar="URL",
        help="With --engine spark: the cluster to use (spark://host:7077, yarn, local[4]).",
    ),
]


def _run(
    data: str | Path | None,
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
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> None:
    from ..pipeline import audit

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
            engine=engine,
            spark_master=spark_master,
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
            # kept as text (a URI's // would not survive a Path); help shows <Path>
            parser=str,
            help="Folder of exports: sends*, receipts*, suppressions*, mo*, consent*, "
            "programs*, rate_card* (.csv, .csv.gz, .parquet, .json). With --engine spark, "
            "also a URI Spark reads (s3a://bucket/exports, abfss://..., dbfs:/...).",
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
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
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
        engine=engine,
        spark_master=spark_master,
    )


@app.command()
def demo(
    out: OutOpt = Path("smsaudit-report"),
    format: FormatOpt = None,
    mask_msisdn: MaskOpt = False,
    engine: EngineOpt = "duckdb",
    spark_master: SparkMasterOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Run the full audit on the bundled sample exports (May 2026, problems planted).

    \b
    Example:
      smsaudit demo --out demo-report --format xlsx
      smsaudit demo --engine spark      # checks a Spark set-up: same outputs
    """
    from ..pipeline import demo_data_dir

    audit_cmd(
        demo_data_dir(),
        out=out,
        format=format,
        mask_msisdn=mask_msisdn,
        engine=engine,
        spark_master=spark_master,
        quiet=quiet,
    )


@app.command()
def profiles() -> None:
    """List the rule profiles with their hours and sources.

    \b
    Example:
      smsaudit profiles
    """
    from ..rules import DEFAULT_PROFILE, list_profiles

    for p in list_profiles():
        mark = " (default)" if p.name == DEFAULT_PROFILE else ""
        typer.echo(f"{p.name}{mark}: {p.title}")
        typer.echo(f"    source: {p.source}")


@app.command()
def formats() -> None:
    """List the input formats (vendor exports) that are recognised, with their sources.

    \b
    Example:
      smsaudit formats
    """
    from ..ingest import shipped_formats

    typer.echo("canonical: sends*, receipts*, suppressions*, mo*, consent*, programs*, rate_card*")
    typer.echo("    files named by kind, with the contract's columns (README, Reading inputs)")
    for f in shipped_formats():
        typer.echo(f"{f.name} ({f.vendor}, {f.reader}): {f.title}")
        typer.echo(f"    feeds: {', '.join(f.kind_names)}")
        typer.echo(f"    source: {f.source}")
