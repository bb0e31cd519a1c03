"""The pipeline behind ``smsaudit.audit``: load → rules → costs → findings, in one connection.

Named ``pipeline`` (not ``audit``) so that importing it never shadows the public
``smsaudit.audit`` function with a module of the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from os import PathLike
from pathlib import Path

import duckdb

from . import db, reconcile, rules, sqlfiles
from .errors import InputError
from .ingest import load
from .ingest.formats import Format, get_format
from .results import Audit

# Finding tables of CONTRACT §4, in the order people read them.
FINDING_TABLES: tuple[str, ...] = (
    "blocked_window_messages",
    "wasted_spend",
    "late_campaigns",
    "suppressions",
    "suppressed_not_opted_out",
    "sends_after_suppression",
    "missing_stop_footer",
    "invalid_consent_source",
    "consent_updates",
    "rejected_rows",
    "row_accounting",
)

# Further tables written next to the findings: the exclusion list to load into the sending
# platform, the finance view, the safe-start advice, the
# detail behind row_accounting and the STOPs no send explains, and the profiles compared.
EXTRA_TABLES: tuple[str, ...] = (
    "suppression_list",
    "finance_summary",
    "latest_safe_start",
    "profile_comparison",
    "out_of_scope_rows",
    "unattributed_stops",
)

# Which inputs an audit needs beyond sends; without them it is skipped and said so.
NEEDS: dict[str, tuple[tuple[str, ...], str]] = {
    "suppressions": (
        ("suppressions", "mo", "receipts"),
        "no suppression evidence given (suppressions*, mo* or receipts* files)",
    ),
    "suppression_list": (
        ("suppressions", "mo", "receipts"),
        "no suppression evidence given (suppressions*, mo* or receipts* files)",
    ),
    "sends_after_suppression": (
        ("suppressions", "mo", "receipts"),
        "no suppression evidence given (suppressions*, mo* or receipts* files)",
    ),
    "suppressed_not_opted_out": (("consent",), "no consent* export given"),
    "consent_updates": (("consent",), "no consent* export given"),
    "invalid_consent_source": (("consent",), "no consent* export given"),
}

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
) -> Audit:
    """Audit the inputs in ``data`` (a folder, or ``{"sends": path, "receipts": [...], ...}``).

    ``period`` = (first day, last day), inclusive, as dates or ``YYYY-MM-DD``; None leaves
    that end open. ``input_format`` (a shipped format's name or a format file, see
    ``smsaudit formats``) decides for the files it recognises. Raises
    :class:`smsaudit.errors.InputError` for unusable input; findings never raise.
    """
    step = progress or (lambda _msg: None)
    prof = rules.load_profile(str(profile))
    fmt = get_format(str(input_format)) if input_format is not None else None
    con = con or db.connect()
    with db.unordered(con):
        step("reading inputs")
        sources, ignored = _sources(data, fmt)
        report = load.load(
            con,
            sources,
            assume_tz=assume_tz,
            territories=territories,
            ignored=ignored,
            period=(_day(period[0]), _day(period[1])),
        )
        step("classifying send times")
        rules.classify_sends(con, prof, alsace_moselle=alsace_moselle)
        step("pricing messages")
        sqlfiles.materialize(con, "message_costs")
        step("auditing blocked windows")
        sqlfiles.materialize(con, "blocked_window_messages", {"profile": prof.name})
        sqlfiles.materialize(con, "late_campaigns", {"profile": prof.name})
        step("reconciling suppressions and consent")
        reconcile.run(con, has_programs=report.has("programs"))
        sqlfiles.materialize(con, "suppression_list")
        skipped = {
            table: why
            for table, (kinds, why) in NEEDS.items()
            if not any(report.has(k) for k in kinds)
        }
        if not _has_bodies(con):
            skipped["missing_stop_footer"] = "the sends carry no message body"
        step("adding up wasted spend")
        sqlfiles.materialize(con, "wasted_spend")
        sqlfiles.materialize(con, "finance_summary")
        # The profile's own close; a profile allowing nothing closes at 00:00: no safe start.
        close = prof.weekday_close or 0
        sqlfiles.materialize(con, "latest_safe_start", {"close_minutes": close})
        step("comparing rule profiles")
        rules.compare_profiles(con, alsace_moselle=alsace_moselle)
    return Audit(con=con, profile=prof, load_report=report, skipped=skipped)


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _has_bodies(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute("SELECT count(*) FROM sends WHERE body IS NOT NULL").fetchone()
    return bool(row and row[0])


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
