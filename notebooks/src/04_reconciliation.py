# %% [markdown]
# # Reconciliation: contacts the aggregator suppressed but Campaign still opts in
#
# When a contact texts STOP, the aggregator (mGage, Infobip) adds the pair (number, sender ID)
# to its own suppression list and does **not** tell Campaign. Campaign keeps the contact
# opted in, keeps sending and keeps paying, until a send fails with `061 Destination Blocked`
# or someone imports the aggregator's opt-out report.
#
# This notebook finds those contacts, shows the evidence for each, and writes the file that
# opts them out in Campaign.

# %%
import csv
import os

import polars as pl

import nbchecks
import smsaudit

nbchecks.setup_display()

# %% tags=["parameters"]
# Parameters (papermill style): override them here, with papermill -p, or through SMSAUDIT_DATA.
data_dir = os.environ.get("SMSAUDIT_DATA", str(smsaudit.demo_data_dir()))
profile = "fr-acoustic"  # only used for the blocked-window part of the audit
since = None  # first day audited, "YYYY-MM-DD", or None for no lower bound
until = None  # last day audited (inclusive), "YYYY-MM-DD", or None
out_dir = "out/04_reconciliation"  # the Campaign import file, relative to this notebook

# %%
audit = smsaudit.audit(data_dir, profile=profile, period=(since, until))
nbchecks.check_audit(
    audit,
    [
        "suppressions",
        "suppressed_not_opted_out",
        "sends_after_suppression",
        "consent_updates",
        "invalid_consent_source",
        "missing_stop_footer",
    ],
)

# %% [markdown]
# ## From suppression to wasted sends

# %%
audit.chart("reconciliation_funnel")

# %% [markdown]
# ## The evidence
#
# A pair is suppressed from its earliest evidence: the aggregator's export, a STOP reply
# (it applies to the sender ID of the last message the number received before it), or a
# `061` receipt (Infobip: status 14 / error 573).

# %%
(
    audit["suppressions"]
    .group_by("evidence")
    .agg(pl.len().alias("pairs"), pl.col("suppressed_at").min().alias("earliest"))
    .sort("evidence")
)

# %% [markdown]
# A STOP from a number that never received a message cannot be tied to a sender ID: it
# suppresses nothing and is listed for a human to look at.

# %%
audit["unattributed_stops"].select("msisdn", "received_at", "text", "short_code").sort(
    "received_at", "msisdn"
)

# %% [markdown]
# ## Who to opt out, and why
#
# A (number, program) whose latest consent is opted in although a sender ID of the program
# is suppressed for that number: either the contact was never opted out, or it rejoined
# after the suppression without evidence of its request.

# %%
findings = audit["suppressed_not_opted_out"]
findings.group_by("program_id", "finding").agg(pl.len().alias("contacts")).sort(
    "program_id", "finding"
)

# %%
findings.filter(pl.col("finding") == "rejoin_without_evidence").select(
    "msisdn", "program_id", "suppressed_at", "status_date", "consent_source", "evidence"
).sort("msisdn", "program_id")

# %% [markdown]
# Meanwhile Campaign kept sending to them. Each of these sends was billed and lost:

# %%
(
    audit["sends_after_suppression"]
    .group_by("program_id", "evidence", "currency")
    .agg(
        pl.len().alias("sends"),
        pl.col("msisdn").n_unique().alias("numbers"),
        pl.col("cost").sum(),
    )
    .sort("program_id", "evidence")
)

# %% [markdown]
# ## The Campaign import file
#
# `consent_updates` has one `OPTED-OUT` row per (number, program) to fix, dated at the
# suppression. `save()` writes it as `consent_updates.csv` (UTF-8, numbers in E.164,
# timestamps in ISO 8601 with offset), next to the other finding tables.

# %%
written = audit.save(out_dir, ["csv"], html_report=False)
import_file = next(path for path in written if path.name == "consent_updates.csv")
with open(import_file, encoding="utf-8", newline="") as handle:
    rows = list(csv.reader(handle))
print(*(",".join(row) for row in rows[:6]), sep="\n")

# %% [markdown]
# Before importing, check the file: one row per finding, every row an opt-out, no pair twice.

# %%
header, body = rows[0], rows[1:]
assert header[:4] == ["msisdn", "program_id", "status", "status_date"], header
assert len(body) == audit.count("consent_updates") == findings.height
assert {row[2] for row in body} <= {"OPTED-OUT"}
pairs = {(row[0], row[1]) for row in body}
assert len(pairs) == len(body)
assert pairs == set(findings.select("msisdn", "program_id").iter_rows())
print(f"{len(body)} opt-outs for {len({row[0] for row in body})} numbers, ready to import")

# %% [markdown]
# ## Compliance details
#
# Opt-in by SMS keyword is not allowed on a shared short code (only web forms are):

# %%
audit["invalid_consent_source"].select(
    "msisdn", "program_id", "consent_source", "route", "status_date"
).sort("program_id", "msisdn")

# %% [markdown]
# Every marketing message must end with its route's STOP mention (`STOP 36184` on mGage's
# shared code, `STOP au 36173` on Infobip's, `STOP <code>` on a dedicated one):

# %%
(
    audit["missing_stop_footer"]
    .group_by("campaign_id", "sender_id", "expected")
    .agg(pl.len().alias("messages"), pl.col("body_end").min().alias("example_end"))
    .sort("messages", "campaign_id", descending=[True, False])
)
