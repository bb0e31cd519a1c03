# %% [markdown]
# # Wasted spend: what we paid for messages that could never arrive
#
# Two kinds of sends are billed and lost:
#
# - marketing messages sent in a blocked window of the rule profile (severity `violation`):
#   carriers block them, aggregators still charge them;
# - any message sent to a (number, sender ID) pair **after** the aggregator suppressed it
#   (a STOP, an opt-out export, a `061 Destination Blocked` receipt).
#
# A message that is both is counted once, under its blocked-window reason. Amounts are never
# added across currencies, and a message without a known price is never counted as zero.

# %%
import os

import polars as pl
from IPython.display import Markdown

import nbchecks
import smsaudit

nbchecks.setup_display()

# %% tags=["parameters"]
# Parameters (papermill style): override them here, with papermill -p, or through SMSAUDIT_DATA.
data_dir = os.environ.get("SMSAUDIT_DATA", str(smsaudit.demo_data_dir()))
profile = "fr-acoustic"  # blocked windows are judged against this profile
since = None  # first day audited, "YYYY-MM-DD", or None for no lower bound
until = None  # last day audited (inclusive), "YYYY-MM-DD", or None
out_dir = "out/03_wasted_spend"  # the finance workbook, relative to this notebook

# %%
audit = smsaudit.audit(data_dir, profile=profile, period=(since, until))
nbchecks.check_audit(
    audit, ["wasted_spend", "blocked_window_messages", "sends_after_suppression"]
)

# %% [markdown]
# ## The figures
#
# `finance_summary` holds one tidy row per figure and currency: total spend, what was
# wasted, its share, and how each message got its price.

# %%
finance = audit["finance_summary"]
finance.filter(pl.col("month").is_null() & pl.col("aggregator").is_null()).select(
    "metric", "currency", "messages", "value"
)

# %% [markdown]
# Wasted spend by month and aggregator (months on the Paris calendar, the billing calendar):

# %%
audit.chart("wasted_spend_by_month")

# %% [markdown]
# By cause: each blocked-window reason, and sends after suppression.

# %%
by_reason = (
    audit["wasted_spend"]
    .group_by("reason", "currency")
    .agg(pl.col("messages").sum(), pl.col("segments").sum(), pl.col("cost").sum())
    .sort("cost", "reason", descending=[True, False], nulls_last=True)
)
by_reason

# %% [markdown]
# The ten campaigns that wasted the most:

# %%
(
    audit["wasted_spend"]
    .group_by("campaign_id", "aggregator", "currency")
    .agg(
        pl.col("messages").sum(),
        pl.col("cost").sum(),
        pl.col("reason").unique().sort().str.join(", ").alias("reasons"),
    )
    .sort("cost", "campaign_id", descending=[True, False], nulls_last=True)
    .head(10)
)

# %% [markdown]
# ## The figures reconcile
#
# The blocked-window part of `wasted_spend` is exactly the cost of the `violation` rows of
# `blocked_window_messages`, the sends-after-suppression part never exceeds the cost of
# `sends_after_suppression` (a message both blocked and suppressed counts under its
# blocked-window reason), and `finance_summary`'s total is the table's sum.

# %%
def per_currency(frame: pl.DataFrame) -> dict[str | None, object]:
    rows = frame.group_by("currency").agg(pl.col("cost").sum()).rows()
    return dict(sorted(rows, key=lambda row: str(row[0])))


wasted = audit["wasted_spend"]
violations = audit["blocked_window_messages"].filter(pl.col("severity") == "violation")
assert per_currency(wasted.filter(pl.col("reason") != "after_suppression")) == per_currency(
    violations
)
after = per_currency(wasted.filter(pl.col("reason") == "after_suppression"))
sends_after = per_currency(audit["sends_after_suppression"])
assert all(cost <= sends_after[currency] for currency, cost in after.items() if cost is not None)
total = per_currency(wasted.filter(pl.col("cost").is_not_null()))
reported = dict(finance.filter(pl.col("metric") == "wasted_total").select("currency", "value").rows())
assert all(total[currency] == reported[currency] for currency in total), (total, reported)
print("wasted spend reconciles with the finding tables in", ", ".join(map(str, total)) or "no currency")

# %% [markdown]
# ## What the figures rest on
#
# Finance needs the assumptions next to the number: they are written into the workbook's
# `summary` sheet as well.

# %%
Markdown("\n".join(f"- **{topic}**: {statement}" for topic, statement in audit.assumptions()))

# %% [markdown]
# ## The workbook
#
# One Excel file: a `summary` sheet (headline figures, finance figures, assumptions), then one
# sheet per finding table, with money formats and a frozen header. Excel has no time zones:
# timestamps are written in UTC and their headers say so.

# %%
written = audit.save(out_dir, ["xlsx"], html_report=False)
[path.name for path in written]
