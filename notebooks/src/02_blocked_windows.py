# %% [markdown]
# # Blocked windows: where and when the traffic broke the rules
#
# Carriers block marketing SMS outside the hours of the route's rule profile, and the
# aggregator still bills them. There is no single French rule: the default profile
# `fr-acoustic` (Mon–Fri 08:00–20:00, Sat 10:00–18:00, never on Sundays or public holidays)
# comes from Acoustic's routing, the af2m operators' charter has other hours. So findings
# say "violates profile X", never "illegal".
#
# Every window is judged on the **recipient's** clock: Réunion is UTC+4, the Antilles UTC−4,
# and each overseas territory adds its own abolition-of-slavery holiday.

# %%
import os

import polars as pl

import nbchecks
import smsaudit
from smsaudit.charts import to_png

nbchecks.setup_display()

# %% tags=["parameters"]
# Parameters (papermill style): override them here, with papermill -p, or through SMSAUDIT_DATA.
data_dir = os.environ.get("SMSAUDIT_DATA", str(smsaudit.demo_data_dir()))
profile = "fr-acoustic"  # the profile the findings are judged against
since = None  # first day audited, "YYYY-MM-DD", or None for no lower bound
until = None  # last day audited (inclusive), "YYYY-MM-DD", or None
out_dir = "out/02_blocked_windows"  # chart images for slides, relative to this notebook
compare_with = "fr-af2m-2026"  # a second profile, audited in full at the end

# %%
audit = smsaudit.audit(data_dir, profile=profile, period=(since, until))
nbchecks.check_audit(audit, ["blocked_window_messages", "late_campaigns", "wasted_spend"])
blocked = audit["blocked_window_messages"]

# %% [markdown]
# ## When
#
# Marketing traffic per day on the recipient's clock, blocked messages in red. Dashed lines
# mark the public holidays of the territories texted.

# %%
audit.chart("daily_timeline")

# %% [markdown]
# The same traffic by weekday and hour: outlined cells hold blocked sends. Early mornings,
# late evenings and weekends stand out.

# %%
audit.chart("weekday_hour_heatmap")

# %% [markdown]
# Why each message was blocked. The first matching reason wins, in this order:
# `public_holiday`, `sunday`, `saturday_outside_hours`, `weekday_outside_hours`. A profile may
# tolerate a window (`warning`); only `violation` counts as wasted spend.

# %%
(
    blocked.group_by("reason", "severity", "currency")
    .agg(
        pl.len().alias("messages"),
        pl.col("campaign_id").n_unique().alias("campaigns"),
        pl.col("cost").sum(),
    )
    .sort("messages", "reason", descending=[True, False])
)

# %% [markdown]
# ## Late campaigns
#
# A campaign with both allowed and blocked sends usually started too late and ran past the
# window's close: only its first part was delivered.

# %%
audit["late_campaigns"].select(
    "campaign_id",
    "first_sent_at",
    "first_blocked_local_time",
    "messages",
    "messages_blocked",
    "cost_blocked",
    "currency",
).sort("cost_blocked", "campaign_id", descending=[True, False], nulls_last=True)

# %%
audit.chart("late_campaign_spans")

# %% [markdown]
# How late is too late? From the send rates observed in this data, the latest start that
# lets a campaign of each size finish before a 20:00 close (on the recipient's clock):

# %%
audit["latest_safe_start"].sort("size_min").select(
    "size_class", "campaigns", "median_messages", "messages_per_minute", "latest_safe_start"
)

# %% [markdown]
# ## Where: overseas territories
#
# A number's territory sets its clock and its holidays. A Guadeloupe send at 21:30 local time
# leaves at 03:30 in Paris, the next day; a Réunion send at 09:00 local time leaves at 07:00
# in Paris, and is allowed. Messages per territory:

# %%
sends_by_territory = audit.con.sql(
    "SELECT territory, count(*) AS marketing_messages FROM sends "
    "WHERE category = 'marketing' GROUP BY territory"
).pl()
(
    sends_by_territory.join(
        blocked.group_by("territory").agg(pl.len().alias("blocked")), on="territory", how="left"
    )
    .with_columns(pl.col("blocked").fill_null(0))
    .sort("territory")
)

# %% [markdown]
# The blocked overseas messages, with the local time that decided and the same instant in
# Paris (the clock a scheduler in France sees):

# %%
(
    blocked.filter(pl.col("territory") != "FR")
    .with_columns(
        pl.col("sent_at").dt.convert_time_zone("Europe/Paris").dt.strftime("%Y-%m-%d %H:%M")
        .alias("paris_time")
    )
    .select("territory", "campaign_id", "local_time", "paris_time", "reason")
    .sort("territory", "local_time")
    .head(12)
)

# %% [markdown]
# ## Profiles compared
#
# The same marketing traffic judged by every shipped profile (`smsaudit profiles` lists them
# with their sources). `fr-calls-2022` is the legal frame for *voice* calls, shown only for
# comparison.

# %%
(
    audit["profile_comparison"]
    .with_columns(pl.col("reason").fill_null("allowed"))
    .group_by("profile", "reason")
    .agg(pl.col("messages").sum())
    .sort("profile", "reason")
    .pivot(on="reason", index="profile", values="messages", sort_columns=True)
    .fill_null(0)
    .sort("profile")
)

# %%
audit.chart("profile_comparison")

# %% [markdown]
# Under the af2m charter announced for 2026, Sundays and holidays are only discouraged
# (`warning`) and the evening runs to 21:30. Auditing the same data against it gives other
# figures, and other wasted spend:

# %%
other = smsaudit.audit(data_dir, profile=compare_with, period=(since, until))
other

# %% [markdown]
# The comparison table and the full audit classify the traffic independently (one counts
# calendar buckets, the other joins every send): they must agree.

# %%
expected = (
    audit["profile_comparison"]
    .filter((pl.col("profile") == compare_with) & pl.col("reason").is_not_null())
    .select("reason", "severity", "messages")
    .sort("reason", "severity")
)
found = (
    other["blocked_window_messages"]
    .group_by("reason", "severity")
    .agg(pl.len().cast(pl.Int64).alias("messages"))
    .sort("reason", "severity")
)
assert found.equals(expected), (found, expected)
found

# %% [markdown]
# ## Charts for a slide deck
#
# `smsaudit.charts.to_png` renders any chart offline (no browser, no network).

# %%
os.makedirs(out_dir, exist_ok=True)
for name in ("daily_timeline", "weekday_hour_heatmap", "profile_comparison"):
    with open(os.path.join(out_dir, f"{name}.png"), "wb") as image:
        image.write(to_png(audit.chart(name)))
sorted(os.listdir(out_dir))
