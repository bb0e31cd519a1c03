"""What the notebooks run after every audit, so a run on any data fails loudly: the
package's invariant checks (``smsaudit.checks``), the calendar's and schedule's shapes, and
the shared display set-up (``setup_display``). ``check_audit`` prints one line per check,
identical from run to run on the same data.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

import smsaudit
from smsaudit import catalogue, checks
from smsaudit.charts import enable_notebook_renderer


def setup_display() -> None:
    """Charts as offline PNG images; tables printed the same way on every machine (the
    committed outputs are what strict nbval compares)."""
    pl.Config.set_tbl_rows(12)
    pl.Config.set_tbl_cols(12)
    pl.Config.set_tbl_width_chars(120)
    pl.Config.set_fmt_str_lengths(40)
    pl.Config.set_tbl_hide_dataframe_shape(True)
    enable_notebook_renderer()


def check_audit(audit: smsaudit.Audit, tables: Iterable[str] | None = None) -> None:
    """Run the package's invariant checks (``smsaudit.checks``) on ``tables`` (default: every
    finding table; a skipped one is empty, with its columns) and print what held; a broken
    invariant fails the cell."""
    chosen = list(audit.tables if tables is None else tables)
    for check in checks.run_all(audit.con, chosen):
        assert check.ok, check.message
        print(("WARNING: " if check.status == "warning" else "ok: ") + check.message)
    for table, why in sorted(audit.skipped.items()):
        print(f"skipped: {table}: {why}")


def check_calendar(periods: pl.DataFrame) -> None:
    """The calendar's periods tile each territory: contiguous, merged, with known verdicts."""
    assert set(periods["state"].unique()) <= {"allowed", "blocked"}, "calendar_periods.state"
    blocked = periods.filter(pl.col("state") == "blocked")
    reasons = catalogue.REASONS
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
