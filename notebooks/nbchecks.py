"""Invariant checks the notebooks run after every audit, so a run on any data fails loudly;
also their shared display set-up (``setup_display``).

Each check reads the audit's DuckDB connection (aggregates only, never whole tables) and
raises ``AssertionError`` with the offending table and value. ``check_audit`` prints one
line per check, identical from run to run on the same data.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

import smsaudit
from smsaudit.charts import enable_notebook_renderer

# CONTRACT §4: the key columns of every finding table (more are allowed, never fewer).
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "blocked_window_messages": (
        "message_id", "msisdn", "sender_id", "campaign_id", "territory", "local_time",
        "reason", "severity", "segments", "cost", "currency",
    ),
    "wasted_spend": (
        "month", "aggregator", "campaign_id", "reason", "messages", "segments", "cost", "currency",
    ),
    "late_campaigns": (
        "campaign_id", "first_sent_at", "last_sent_at", "messages", "messages_blocked",
        "cost_blocked",
    ),
    "suppressions": ("msisdn", "sender_id", "suppressed_at", "evidence"),
    "suppressed_not_opted_out": (
        "msisdn", "program_id", "sender_id", "suppressed_at", "consent_status", "status_date",
        "finding",
    ),
    "sends_after_suppression": (
        "message_id", "msisdn", "sender_id", "sent_at", "suppressed_at", "cost",
    ),
    "missing_stop_footer": ("message_id", "sender_id", "expected"),
    "invalid_consent_source": ("msisdn", "program_id", "consent_source"),
    "consent_updates": ("msisdn", "program_id", "status", "status_date"),
    "rejected_rows": ("input_file", "line", "column", "value", "reason"),
    "row_accounting": (
        "input_file", "rows_read", "rows_used", "rows_rejected", "rows_out_of_scope",
    ),
}  # fmt: skip

# CONTRACT §3/§4: the only values these columns may hold.
CONTRACT_VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("blocked_window_messages", "reason"): (
        "public_holiday", "sunday", "saturday_outside_hours", "weekday_outside_hours",
    ),
    ("blocked_window_messages", "severity"): ("violation", "warning"),
    ("suppressions", "evidence"): ("export", "stop_mo", "error_061"),
    ("suppressed_not_opted_out", "finding"): ("never_opted_out", "rejoin_without_evidence"),
    ("consent_updates", "status"): ("OPTED-OUT",),
}  # fmt: skip


def setup_display() -> None:
    """Charts as offline PNG images; tables printed the same way on every machine (the
    committed outputs are what strict nbval compares)."""
    pl.Config.set_tbl_rows(12)
    pl.Config.set_tbl_cols(12)
    pl.Config.set_tbl_width_chars(120)
    pl.Config.set_fmt_str_lengths(40)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    enable_notebook_renderer()


def _one(audit: smsaudit.Audit, sql: str, params: dict[str, object] | None = None) -> int:
    row = audit.con.execute(sql, params).fetchone()
    return int(row[0] or 0) if row else 0


def row_accounting(audit: smsaudit.Audit) -> str:
    """Every input row is used, rejected or out of scope (CONTRACT §4 invariant)."""
    if not audit.row_accounting_balances():
        bad = audit.con.execute(
            "SELECT * FROM row_accounting "
            "WHERE rows_read <> rows_used + rows_rejected + rows_out_of_scope ORDER BY input_file"
        ).fetchall()
        raise AssertionError(f"row accounting does not balance: {bad}")
    files = audit.count("row_accounting")
    rows = _one(audit, "SELECT sum(rows_read) FROM row_accounting")
    return (
        f"row accounting balances: {rows:,} rows read in {files} input files = "
        "used + rejected + out of scope"
    )


def contract_columns(audit: smsaudit.Audit, tables: Iterable[str]) -> str:
    """Each finding table carries its contract columns, and enumerated ones hold contract values."""
    tables = list(tables)
    for table in tables:
        columns = set(audit.table(table, limit=0).columns)
        missing = [c for c in CONTRACT_COLUMNS[table] if c not in columns]
        assert not missing, f"{table} lacks contract column(s) {missing}"
    for (table, column), allowed in CONTRACT_VALUES.items():
        if table not in tables:
            continue
        # Identifiers come from the constants above, never from data.
        bad = audit.con.execute(
            f"SELECT DISTINCT {column} FROM {table} "
            f"WHERE {column} IS NULL OR NOT list_contains($allowed, {column}) ORDER BY 1",
            {"allowed": list(allowed)},
        ).fetchall()
        assert not bad, f"{table}.{column} holds values outside the contract: {bad}"
    return f"contract columns and values present in {len(tables)} finding tables"


def pricing(audit: smsaudit.Audit) -> str:
    """No cost is a silent zero; unpriced messages are reported, not failed (a data gap)."""
    silent = _one(
        audit,
        "SELECT count(*) FROM message_costs WHERE price_source IS NULL AND cost IS NOT NULL",
    )
    assert silent == 0, f"{silent} messages without a price source carry a cost"
    unpriced = _one(audit, "SELECT count(*) FROM message_costs WHERE cost IS NULL")
    if unpriced == 0:
        return "every message is priced (receipt, rate card or send row)"
    wasted = _one(audit, "SELECT sum(unpriced_messages) FROM wasted_spend")
    return (
        f"WARNING: {unpriced:,} messages have no price ({wasted:,} of them wasted): their cost "
        "is unknown and missing from every total, which are lower bounds"
    )


def check_audit(audit: smsaudit.Audit, tables: Iterable[str] | None = None) -> None:
    """Run every check on ``tables`` (default: all finding tables) and print what held."""
    chosen = list(audit.tables if tables is None else tables)
    for line in (row_accounting(audit), contract_columns(audit, chosen), pricing(audit)):
        print(("" if line.startswith("WARNING") else "ok: ") + line)
    for table, why in sorted(audit.skipped.items()):
        print(f"skipped: {table}: {why}")


def check_calendar(periods: pl.DataFrame) -> None:
    """The calendar's periods tile each territory: contiguous, merged, with known verdicts."""
    assert set(periods["state"].unique()) <= {"allowed", "blocked"}, "calendar_periods.state"
    blocked = periods.filter(pl.col("state") == "blocked")
    reasons = CONTRACT_VALUES[("blocked_window_messages", "reason")]
    assert set(blocked["reason"].unique()) <= set(reasons), "calendar_periods.reason"
    assert periods.filter(pl.col("state") == "allowed")["reason"].null_count() == len(
        periods.filter(pl.col("state") == "allowed")
    ), "calendar_periods: an allowed period with a reason"
    gaps = (
        periods.sort("territory", "start_utc")
        .with_columns(prev_end=pl.col("end_utc").shift(1).over("territory"))
        .filter(pl.col("prev_end").is_not_null() & (pl.col("prev_end") != pl.col("start_utc")))
    )
    assert gaps.height == 0, f"calendar_periods: {gaps.height} gaps or overlaps"
    territories = periods["territory"].n_unique()
    print(f"ok  calendar: {territories} territories tiled by {len(periods):,} periods")


def check_schedule(table: pl.DataFrame) -> None:
    """Each campaign's messages after the close are between none and all of its share."""
    bad = table.filter(
        (pl.col("messages_after_close") < 0)
        | (pl.col("messages_after_close") > pl.col("territory_messages"))
        | (pl.col("last_send_at") < pl.col("start_at"))
    )
    assert bad.height == 0, f"schedule_check: {bad.height} impossible rows"
    print(f"ok  schedule_check: {table['campaign_id'].n_unique()} campaigns, {len(table)} rows")
