# %% [markdown]
# # Quick start: the whole audit in a few cells
#
# `smsaudit.audit()` reads a folder of exports (sends, delivery receipts, aggregator
# suppressions, inbound STOPs, Campaign consent, programs, rate card), checks them against a
# rule profile and returns an `Audit`: headline figures, finding tables, charts and exports.
#
# This notebook runs on the bundled `data_samples/` (May 2026, problems planted on purpose).
# To audit your own exports, change `data_dir` below, or set the environment variable
# `SMSAUDIT_DATA` before starting Jupyter. The other notebooks go deeper:
# `02_blocked_windows` (when and where), `03_wasted_spend` (the money) and
# `04_reconciliation` (who to opt out in Campaign).

# %%
import os

import polars as pl

import nbchecks
import smsaudit

nbchecks.setup_display()

# %% tags=["parameters"]
# Parameters (papermill style): override them here, with papermill -p, or through SMSAUDIT_DATA.
data_dir = os.environ.get("SMSAUDIT_DATA", str(smsaudit.demo_data_dir()))
profile = "fr-acoustic"  # see `smsaudit profiles`
since = None  # first day audited, "YYYY-MM-DD", or None for no lower bound
until = None  # last day audited (inclusive), "YYYY-MM-DD", or None
out_dir = "out/01_quickstart"  # where exports go, relative to this notebook

# %% [markdown]
# ## Run the audit
#
# One call does everything in an in-memory DuckDB database. The result shows its headline
# figures first; the finding tables and their sizes are folded underneath.

# %%
audit = smsaudit.audit(data_dir, profile=profile, period=(since, until))
audit

# %% [markdown]
# ## Trust, but verify
#
# Before reading any figure, check the invariants: every input row is accounted for (used,
# rejected or out of scope), every finding table carries the columns of the contract, and no
# message is priced as a silent zero. These checks raise on any data, so a scheduled run
# fails loudly instead of publishing wrong figures.

# %%
nbchecks.check_audit(audit)

# %% [markdown]
# What was read, and what was set aside. Rejected rows point back to their file, line and
# column; out-of-scope rows (foreign numbers, superseded receipts) are counted, never flagged.

# %%
audit["row_accounting"].sort("input_file")

# %%
audit["rejected_rows"].sort("input_file", "line").head(10)

# %% [markdown]
# ## The findings at a glance
#
# Every finding table is a polars DataFrame: `audit["<table>"]`. Here, the marketing
# messages sent in a blocked window of the profile, on the recipient's own clock.

# %%
(
    audit["blocked_window_messages"]
    .group_by("reason", "severity", "currency")
    .agg(pl.len().alias("messages"), pl.col("cost").sum())
    .sort("messages", "reason", descending=[True, False])
)

# %%
audit.chart("weekday_hour_heatmap")

# %% [markdown]
# Where the money went: messages billed although they could never arrive.

# %%
audit.chart("wasted_spend_by_month")

# %% [markdown]
# ## Save everything
#
# `save()` writes every finding table (CSV here; also `parquet` and `xlsx`) and a
# self-contained `report.html` that opens offline. Pass `mask_msisdn=True` before sharing
# outside the team: every phone number becomes a stable pseudonym.

# %%
written = audit.save(out_dir, ["csv", "xlsx"])
sorted(path.name for path in written)
