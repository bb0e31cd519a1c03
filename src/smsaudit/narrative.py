"""The audit in words and as data: what to do, what the figures rest on, and the plain
dict that ``summary.json`` holds. Functions of an :class:`~smsaudit.results.Audit`, kept here
so that the result type stays a small value with its tables."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import catalogue
from .errors import printable

if TYPE_CHECKING:
    from .results import Audit, Headline


def actions(audit: Audit) -> list[str]:
    """What to do, in words, most useful first: the report and the workbook open with it."""

    def n(sql: str) -> int:
        return int(audit._scalar(sql) or 0)

    out = []
    updates = audit.count("consent_updates") if "consent_updates" not in audit.skipped else 0
    if updates:
        out.append(
            f"Import consent_updates into Campaign: {updates:,} contacts to opt out, "
            "program by program (the file is ready to import)."
        )
    pairs = n("SELECT count(*) FROM suppression_list")
    if pairs and "suppression_list" not in audit.skipped:
        out.append(
            f"Load suppression_list into the sending platform as an exclusion list: "
            f"{pairs:,} (number, sender) pairs are suppressed and every send to them is "
            "billed for nothing."
        )
    late = audit.con.execute(
        "SELECT campaign_id, messages_blocked FROM late_campaigns "
        "ORDER BY messages_blocked DESC, campaign_id LIMIT 3"
    ).fetchall()
    for campaign, blocked in late:
        out.append(
            f"Start campaign {campaign} earlier: {blocked:,} of its messages went after "
            f"the close (latest_safe_start gives the latest start for a campaign's size; "
            f"`smsaudit check` tells before sending)."
        )
    footers = (
        audit.count("missing_stop_footer") if "missing_stop_footer" not in audit.skipped else 0
    )
    if footers:
        out.append(
            f"Add the STOP mention of its route to the end of {footers:,} marketing "
            "messages (missing_stop_footer says which words)."
        )
    invalid = (
        audit.count("invalid_consent_source")
        if "invalid_consent_source" not in audit.skipped
        else 0
    )
    if invalid:
        out.append(
            f"Review {invalid:,} opt-ins taken by SMS keyword on a shared short code "
            "(invalid_consent_source)."
        )
    return out or ["Nothing to fix in this data."]


def assumptions(audit: Audit) -> list[tuple[str, str]]:
    """What the figures rest on, written next to them in the workbook and the report."""
    from .cost import finance_assumptions

    out = list(finance_assumptions(audit.con, audit.profile.name))
    out.append(("profile source", audit.profile.source))
    out.extend((f"skipped: {t}", why) for t, why in audit.skipped.items())
    by_format: dict[str, list[str]] = {}
    for src in audit.load_report.sources:
        if src.fmt is not None:
            by_format.setdefault(src.fmt.name, []).append(src.name)
    for name, files in by_format.items():
        out.append((f"read as {name}", ", ".join(files)))
    credits = sorted(
        {s.fmt.name for s in audit.load_report.sources if s.fmt and s.fmt.price == "credits"}
    )
    for name in credits:
        out.append(
            (
                f"{name} prices",
                "credits, not money: its messages are unpriced unless a rate card prices them",
            )
        )
    if audit.load_report.ignored:
        out.append(
            (
                "files ignored (no input format recognises them)",
                ", ".join(map(printable, audit.load_report.ignored)),
            )
        )
    return out


def outcomes(audit: Audit) -> dict[str, dict[str, Any]]:
    """Per finding and extra table: ``ran`` (with rows), ``empty``, or ``skipped`` (why)."""
    out: dict[str, dict[str, Any]] = {}
    for table in (*audit.tables, *catalogue.EXTRAS):
        if table in audit.skipped:
            out[table] = {"outcome": "skipped", "rows": 0, "reason": audit.skipped[table]}
        else:
            rows = audit.count(table)
            out[table] = {"outcome": "ran" if rows else "empty", "rows": rows, "reason": None}
    return out


def to_dict(
    audit: Audit,
    headline: Sequence[Headline] | None = None,
    *,
    assumptions: Sequence[tuple[str, str]] | None = None,
    actions: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The audit as plain data (what ``summary.json`` holds): profile, figures by stable
    key, one outcome per table, assumptions, actions, inputs and the invariant checks.
    Counts and names only: no phone number, masked or not. What the caller computed
    already (the headline, assumptions, actions) is passed in rather than computed again."""
    from . import __version__

    figures = list(headline if headline is not None else audit.summary())
    assumptions = assumptions if assumptions is not None else audit.assumptions()
    actions = actions if actions is not None else audit.actions()
    names = ("input_file", "kind", "rows_read", "rows_used", "rows_rejected")
    accounting = audit.con.execute(
        f"SELECT {', '.join(names)}, rows_out_of_scope FROM row_accounting"
    ).fetchall()
    cent = Decimal("0.01")
    return {
        "smsaudit": __version__,
        "profile": audit.profile.name,
        "figures": {
            h.key: {"label": h.label, "value": _plain(h.value), "text": h.text} for h in figures
        },
        "wasted_spend": {c: str(v.quantize(cent)) for c, v in audit.wasted_by_currency.items()},
        "tables": audit.outcomes(),
        "assumptions": [{"label": k, "text": v} for k, v in assumptions],
        "actions": list(actions),
        "inputs": {
            "files": [dict(zip((*names, "rows_out_of_scope"), r, strict=True)) for r in accounting],
            "ignored": list(audit.load_report.ignored),
            "assume_tz": audit.load_report.assume_tz,
        },
        "checks": [
            {"name": c.name, "status": c.status, "message": c.message} for c in audit.checks()
        ],
    }


def _plain(value: Any) -> Any:
    """A value JSON can hold: NaN (several currencies) becomes None, Decimal a float."""
    if isinstance(value, float) and value != value:
        return None
    return float(value) if isinstance(value, Decimal) else value
