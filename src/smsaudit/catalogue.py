"""What the audit produces, from which inputs, in which order: every relation, declared once.

Each entry is one table or view: its role (a ``finding`` of the contract, an ``extra`` table
written beside the findings, a ``helper`` kept in the connection to trace decisions, or a
``plan`` table of ``smsaudit check``), how it is built (``sql/<name>.sql`` as a table or a
view, Python, or the loader), the relations it reads, the parameters its SQL takes, the input
kinds without which it is skipped (and why), its contract columns and the only values some
columns may hold.

The pipeline runs the audit's entries in the order below (each reads only canonical tables
and entries before it; a test checks every SQL file against its ``reads`` and ``params``);
``Audit``'s table list, the exports, the report, the invariant checks and
``docs/ARCHITECTURE.md`` read it. Adding a finding is one ``.sql`` file, one entry, one test.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .engines import Engine

Role = Literal["finding", "extra", "helper", "plan"]
Build = Literal["table", "view", "python", "ingest"]

_EVIDENCE = ("suppressions", "mo", "receipts")
_NO_EVIDENCE = "no suppression evidence given (suppressions*, mo* or receipts* files)"
_NO_CONSENT = "no consent* export given"
REASONS = ("public_holiday", "sunday", "saturday_outside_hours", "weekday_outside_hours")


@dataclass(frozen=True)
class Relation:
    """One table or view of the audit (see the module's docstring)."""

    name: str
    role: Role
    build: Build
    about: str
    reads: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()  # input kinds, any one of which is enough
    skip_reason: str = ""
    needs_bodies: bool = False  # skipped when no send carries a body
    columns: tuple[str, ...] = ()  # contract columns (more are allowed, never fewer)
    values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    step: str = ""  # the progress line shown when the pipeline reaches it
    # One row per send or per contact, read by other relations only: an engine elsewhere
    # (Spark) keeps it there; Python reads the small relations built from it.
    large: bool = False
    order: int = 0  # reading order of findings and extras (0: not written)


RELATIONS: tuple[Relation, ...] = (
    # --- ingest: written by the loader --------------------------------------------------
    Relation(
        "rejected_rows", "finding", "ingest",
        "every unusable input row: file, line, column, value, reason and reason_code",
        columns=("input_file", "line", "column", "value", "reason", "reason_code"), order=10,
    ),
    Relation(
        "row_accounting", "finding", "ingest",
        "per input file: rows read = used + rejected + out of scope",
        columns=("input_file", "rows_read", "rows_used", "rows_rejected", "rows_out_of_scope"),
        order=11,
    ),
    Relation(
        "out_of_scope_rows", "extra", "ingest",
        "why rows were out of scope, counted per file and reason", order=17,
    ),
    # --- rules: when each message was sent, on the recipient's clock ---------------------
    Relation(
        "send_totals", "helper", "table",
        "sends per territory and category: counts, bodies, first and last instant",
        reads=("sends",), step="classifying send times",
    ),
    Relation(
        "window_calendar", "helper", "python",
        "territory × UTC bucket → allowed or blocked, with reason and severity, per profile",
    ),
    Relation(
        "send_windows", "helper", "python",
        "every send with its local time and window verdict (a view: classified as read)",
        reads=("sends", "window_calendar"), large=True,
    ),
    Relation(
        "traffic_cells", "helper", "table",
        "marketing sends per territory, campaign, local day and hour, blocked or not: the "
        "traffic charts' data",
        reads=("send_windows",),
    ),
    # --- costs ---------------------------------------------------------------------------
    Relation(
        "message_costs", "helper", "table",
        "each message's cost and where its price came from (receipt, rate card, send row)",
        reads=("rate_card", "receipts", "sends"), step="pricing messages", large=True,
    ),
    Relation(
        "price_totals", "helper", "table",
        "messages per currency, price source and whether a cost is known",
        reads=("message_costs",),
    ),
    # --- audits: blocked windows ---------------------------------------------------------
    Relation(
        "blocked_window_messages", "finding", "table",
        "marketing messages sent in a blocked window of the profile",
        reads=("message_costs", "send_windows"),
        columns=(
            "message_id", "msisdn", "sender_id", "campaign_id", "territory", "local_time",
            "reason", "severity", "segments", "cost", "currency",
        ),
        values={"reason": REASONS, "severity": ("violation", "warning")},
        step="auditing blocked windows", order=1,
    ),
    Relation(
        "late_campaigns", "finding", "table",
        "campaigns that ran into a blocked window, with what it cost",
        reads=("blocked_window_messages", "sends"),
        columns=(
            "campaign_id", "first_sent_at", "last_sent_at", "messages", "messages_blocked",
            "cost_blocked",
        ),
        order=3,
    ),
    # --- audits: suppressions and consent ------------------------------------------------
    Relation(
        "sender_routes", "helper", "table",
        "the opt-out route of each (program, sender, aggregator) in use",
        reads=("programs", "sends"), params=("has_programs",),
        step="reconciling suppressions and consent",
    ),
    Relation(
        "program_senders", "helper", "table", "the programs each sender id serves",
        reads=("sender_routes",),
    ),
    Relation(
        "blocked_sends", "helper", "table",
        "sends whose receipt says the destination blocked them (061 and its cousins)",
        reads=("receipts", "sends"), large=True,
    ),
    Relation(
        "suppressions", "finding", "table",
        "pairs (number, sender id) the aggregator suppresses, with the evidence",
        reads=("blocked_sends", "mo", "sends", "suppression_exports"),
        needs=_EVIDENCE, skip_reason=_NO_EVIDENCE,
        columns=("msisdn", "sender_id", "suppressed_at", "evidence", "lifted_at"),
        values={"evidence": ("export", "stop_mo", "error_061")}, order=4,
    ),
    Relation(
        "unattributed_stops", "extra", "table", "STOPs from numbers that never received an MT",
        reads=("mo", "sends"), order=18,
    ),
    Relation(
        "sends_after_suppression", "finding", "table",
        "sends to a suppressed pair after its suppression (billed, never delivered)",
        reads=("blocked_sends", "message_costs", "sends", "suppressions"),
        needs=_EVIDENCE, skip_reason=_NO_EVIDENCE,
        columns=("message_id", "msisdn", "sender_id", "sent_at", "suppressed_at", "cost"),
        order=6,
    ),
    Relation(
        "latest_consent", "helper", "table", "the current consent row of each (number, program)",
        reads=("consent",), large=True,
    ),
    Relation(
        "suppressed_not_opted_out", "finding", "table",
        "suppressed pairs whose contact Campaign still shows opted in",
        reads=("latest_consent", "program_senders", "suppressions"),
        needs=("consent",), skip_reason=_NO_CONSENT,
        columns=(
            "msisdn", "program_id", "sender_id", "suppressed_at", "consent_status", "status_date",
            "finding",
        ),
        values={"finding": ("never_opted_out", "rejoin_without_evidence")}, order=5,
    ),
    Relation(
        "consent_updates", "finding", "table",
        "the import file that opts those contacts out in Campaign",
        reads=("suppressed_not_opted_out",), needs=("consent",), skip_reason=_NO_CONSENT,
        columns=("msisdn", "program_id", "status", "status_date"),
        values={"status": ("OPTED-OUT",)}, order=9,
    ),
    Relation(
        "stop_footer_checks", "helper", "view",
        "every marketing send with its expected STOP mention and the outcome",
        reads=("sender_routes", "sends"), large=True,
    ),
    Relation(
        "missing_stop_footer", "finding", "table",
        "marketing sends whose body lacks the STOP mention its route requires",
        reads=("stop_footer_checks",), needs_bodies=True,
        columns=("message_id", "sender_id", "expected"), order=7,
    ),
    Relation(
        "invalid_consent_source", "finding", "table",
        "opt-ins by keyword on a shared short code (not valid consent)",
        reads=("latest_consent", "program_senders"), needs=("consent",), skip_reason=_NO_CONSENT,
        columns=("msisdn", "program_id", "consent_source"), order=8,
    ),
    Relation(
        "suppression_list", "extra", "table",
        "pairs still suppressed: an exclusion list for the sending platform",
        reads=("suppressions",), needs=_EVIDENCE, skip_reason=_NO_EVIDENCE, order=12,
    ),
    # --- money ---------------------------------------------------------------------------
    Relation(
        "wasted_spend", "finding", "table",
        "billed messages that could not be delivered, by month, aggregator, campaign, reason",
        reads=("blocked_window_messages", "sends_after_suppression"),
        columns=(
            "month", "aggregator", "campaign_id", "reason", "messages", "segments", "cost",
            "currency",
        ),
        step="adding up wasted spend", order=2,
    ),
    Relation(
        "finance_summary", "extra", "table",
        "totals, by month and aggregator, share of spend, price sources",
        reads=("message_costs", "wasted_spend"), order=13,
    ),
    Relation(
        "latest_safe_start", "extra", "table",
        "per campaign size, the latest start that still ends before the profile's close",
        reads=("sends",), params=("close_minutes",), order=14,
    ),
    # --- the same traffic under every profile --------------------------------------------
    Relation(
        "profile_comparison", "extra", "python",
        "blocked messages under every shipped profile, by reason and severity",
        step="comparing rule profiles", order=15,
    ),
    # --- smsaudit check (before sending) -------------------------------------------------
    Relation(
        "calendar_periods", "plan", "table",
        "allowed and blocked periods per territory and profile", params=("first_day", "last_day"),
    ),
    Relation("schedule_check", "plan", "table", "a planned schedule against the calendar"),
    Relation("planned_blocked", "plan", "table", "planned messages that would be blocked"),
    Relation(
        "planned_suppressed", "plan", "table", "planned messages to pairs already suppressed"
    ),
)  # fmt: skip

BY_NAME: dict[str, Relation] = {r.name: r for r in RELATIONS}


def _written(role: Role) -> tuple[str, ...]:
    return tuple(r.name for r in sorted(RELATIONS, key=lambda r: r.order) if r.role == role)


# The contract's finding tables, in the order people read them; then the tables written
# beside them.
FINDINGS: tuple[str, ...] = _written("finding")
EXTRAS: tuple[str, ...] = _written("extra")
# What the pipeline builds from SQL or Python after loading, in run order.
AUDIT_STEPS: tuple[Relation, ...] = tuple(
    r for r in RELATIONS if r.build != "ingest" and r.role != "plan"
)
# The SQL files the engine runs (DuckDB here, or Spark: smsaudit.engines), in run order; the
# rule calendars and the plan's tables are built in DuckDB on this machine whatever the engine.
ENGINE_SQL: tuple[str, ...] = tuple(r.name for r in AUDIT_STEPS if r.name != "window_calendar")


def skipped(present: set[str], has_bodies: bool) -> dict[str, str]:
    """Relations that cannot run on these inputs, and why (in catalogue order)."""
    out = {}
    for r in RELATIONS:
        if r.needs and not present & set(r.needs):
            out[r.name] = r.skip_reason
        elif r.needs_bodies and not has_bodies:
            out[r.name] = "the sends carry no message body"
    return out


def build(engine: Engine, relation: Relation, params: Mapping[str, object]) -> None:
    """Create an SQL-built ``relation`` from its file on ``engine`` (DuckDB's connection, or
    Spark): a table bound to the parameters it declares (taken from ``params``), or a view."""
    if relation.build not in ("table", "view"):
        raise ValueError(f"{relation.name} is built by {relation.build}, not from SQL alone")
    engine.build(
        relation.name, {k: params[k] for k in relation.params}, view=relation.build == "view"
    )


def markdown() -> str:
    """The catalogue as the Markdown table of ``docs/ARCHITECTURE.md`` (tested equal)."""
    lines = [
        "| # | relation | role | built as | reads | skipped without | what it holds |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(RELATIONS, 1):
        built = {"table": "sql → table", "view": "sql → view"}.get(r.build, r.build)
        built += " (large)" if r.large else ""
        reads = ", ".join(f"`{n}`" for n in r.reads)
        needs = " or ".join(f"{k}*" for k in r.needs) + ("bodies" if r.needs_bodies else "")
        lines.append(f"| {i} | `{r.name}` | {r.role} | {built} | {reads} | {needs} | {r.about} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m smsaudit.catalogue: the table of docs/ARCHITECTURE.md
    print(markdown(), end="")
