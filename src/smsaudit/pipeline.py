"""The pipeline behind ``smsaudit.audit``: load → rules → costs → findings, in one connection.

Named ``pipeline`` (not ``audit``) so that importing it never shadows the public
``smsaudit.audit`` function with a module of the same name.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Any

import duckdb

from . import catalogue, db, engines, rules, schema, scratch
from .engines import spark_files
from .errors import InputError
from .ingest import load
from .ingest.formats import Format, get_format
from .ingest.specs import KINDS
from .results import Audit

# The contract's finding tables and the tables written beside them (catalogue.py).
FINDING_TABLES: tuple[str, ...] = catalogue.FINDINGS
EXTRA_TABLES: tuple[str, ...] = catalogue.EXTRAS

Progress = Callable[[str], None]
DataSpec = str | PathLike[str] | Mapping[str, str | PathLike[str] | Sequence[str | PathLike[str]]]


def _sources(
    data: DataSpec, input_format: Format | None = None
) -> tuple[list[load.Source], list[str]]:
    """A folder, or a mapping kind -> path(s), possibly with a ``"dir"`` entry as well."""
    if isinstance(data, Mapping):
        folder = data.get("dir")
        explicit: dict[str, list[Path]] = {}
        for kind, value in data.items():
            if kind == "dir":
                continue
            items = [value] if isinstance(value, str | PathLike) else list(value)
            explicit[kind] = [Path(p) for p in items]
        folder_path = Path(folder) if isinstance(folder, str | PathLike) else None
        return load.discover(folder_path, explicit, input_format)
    return load.discover(Path(data), None, input_format)


def audit(
    data: DataSpec,
    *,
    profile: str | PathLike[str] = rules.DEFAULT_PROFILE,
    assume_tz: str = "Europe/Paris",
    territories: Iterable[str] | None = None,
    alsace_moselle: bool = False,
    period: tuple[date | str | None, date | str | None] = (None, None),
    progress: Progress | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    input_format: str | PathLike[str] | None = None,
    engine: Any = "duckdb",
    spark_master: str | None = None,
) -> Audit:
    """Audit the inputs in ``data`` (a folder, or ``{"sends": path, "receipts": [...], ...}``).

    ``period`` = (first day, last day), inclusive, as dates or ``YYYY-MM-DD``; None leaves
    that end open. ``input_format`` (a shipped format's name or a format file, see
    ``smsaudit formats``) decides for the files it recognises. ``engine`` runs the audit's
    SQL in DuckDB (default) or on Spark: ``"spark"`` (``spark_master``, ``SPARK_REMOTE`` or
    ``local[*]``) or an existing ``SparkSession``; the results are the same. Raises
    :class:`smsaudit.errors.InputError` for unusable input; findings never raise.
    """
    step = progress or (lambda _msg: None)
    engines.check_choice(engine, spark_master)
    prof = rules.load_profile(str(profile))
    fmt = get_format(str(input_format)) if input_format is not None else None
    con = con or db.connect()
    uri = _uri(data)
    if uri is not None and engine == "duckdb":
        raise InputError("a folder at a URI is read by Spark: add --engine spark", file=uri)
    with db.unordered(con):
        sources, ignored = _sources(data, fmt) if uri is None else ([], [])
        if engine != "duckdb":
            step("starting Spark")
        # Opened first: an engine may read inputs itself (Spark reads Parquet files).
        runner = engines.open_engine(con, engine, spark_master=spark_master)
        try:
            reader = runner.reader()
            with contextlib.ExitStack() as copies:
                if uri is not None:  # Spark lists it, and copies here what DuckDB reads
                    step("listing inputs")
                    folder = copies.enter_context(scratch.folder("inputs"))
                    sources, ignored = spark_files.discover(reader, uri, folder, fmt)
                step("reading inputs")
                report = load.load(
                    con,
                    sources,
                    assume_tz=assume_tz,
                    territories=territories,
                    ignored=ignored,
                    period=(_day(period[0]), _day(period[1])),
                    remote=reader,
                )
            # The profile's own close; a profile allowing nothing closes at 00:00.
            params = {
                "has_programs": report.has("programs"),
                "close_minutes": prof.weekday_close or 0,
            }
            _run_steps(con, runner, prof, params, step, alsace_moselle=alsace_moselle)
        finally:
            runner.close()
        skipped = catalogue.skipped(
            {k for k in KINDS if report.has(k)}, has_bodies=_has_bodies(con)
        )
    return Audit(con=con, profile=prof, load_report=report, skipped=skipped)


def _run_steps(
    con: duckdb.DuckDBPyConnection,
    runner: engines.Engine,
    prof: rules.Profile,
    params: Mapping[str, object],
    step: Progress,
    *,
    alsace_moselle: bool,
) -> None:
    """Build the catalogue's relations in order: calendars in DuckDB, SQL on ``runner``."""
    runner.ship(*schema.CANONICAL)
    for relation in catalogue.AUDIT_STEPS:
        if relation.step:
            step(relation.step)
        if relation.name == "window_calendar":  # over the span send_totals gives
            rules.calendar_for_sends(con, prof, alsace_moselle=alsace_moselle, totals="send_totals")
            runner.ship("window_calendar")
        elif relation.name == "send_windows":
            runner.build("send_windows", {}, view=True)
        elif relation.name == "profile_comparison":
            with rules.profile_calendars(
                con, alsace_moselle=alsace_moselle, totals="send_totals"
            ) as compared:
                runner.ship("profile_calendars")
                runner.build("profile_comparison", compared)
        else:
            catalogue.build(runner, relation, params)


def _uri(data: DataSpec) -> str | None:
    """The URI when ``data`` names a folder by URI (``s3a://bucket/exports``), else None."""
    if isinstance(data, Mapping):
        folder = data.get("dir")
        if not spark_files.is_uri(folder):
            return None
        if any(v for k, v in data.items() if k != "dir"):
            raise InputError("a folder at a URI cannot be combined with --sends, --mo...")
        return str(folder)
    return str(data) if spark_files.is_uri(data) else None


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _has_bodies(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT sum(with_body) FROM send_totals").fetchall()[0][0])


def demo_data_dir() -> Path:
    """The bundled ``data_samples/`` (package data in a wheel, the repo folder in a checkout)."""
    from importlib.resources import files

    packaged = Path(str(files("smsaudit"))) / "data_samples"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "data_samples"
    if repo.is_dir():
        return repo
    raise InputError("the bundled data_samples/ folder is missing from this installation")
