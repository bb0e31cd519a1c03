# %% [markdown]
# # Planning: send next month's campaigns inside the windows
#
# The audit finds the waste after the money is spent. This notebook uses the same rules
# before sending: the calendar of allowed and blocked periods of every territory, a check of
# next month's campaign schedule (when the last message goes, how many land after the
# close, the latest start that still fits), and the recipients the data shows suppressed.
#
# Schedulers only know part of the rules: Infobip's delivery window is in UTC without
# holidays, others use one time zone for everyone. smsaudit knows each territory's clock and
# its own holidays (Réunion's 20 December, Guadeloupe's 27 May...).

# %%
import os
from pathlib import Path

import altair as alt
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
out_dir = "out/05_planning"  # where the calendar, the schedule and the check go
plan_from = "2026-06-01"  # the month being planned (local days, inclusive)
plan_to = "2026-06-30"

# %% [markdown]
# ## The calendar of the month
#
# `smsaudit.blocked_calendar` gives the allowed and blocked periods of every territory,
# merged into half-open intervals, from the audit's own calendar table (`smsaudit calendar
# --from ... --to ... --out DIR` writes the same as CSV and one `.ics` per territory, to
# import into Outlook or Google Calendar).

# %%
calendar = smsaudit.blocked_calendar(plan_from, plan_to, profile=profile)
periods = calendar.periods
nbchecks.check_calendar(periods)
periods.group_by("territory", "state").agg(
    periods=pl.len(), hours=((pl.col("end_utc") - pl.col("start_utc")).dt.total_minutes() / 60)
    .sum()
    .round(1),
).sort("territory", "state")

# %% [markdown]
# The allowed hours of the first two weeks, each territory on its own clock: Sundays have
# no column (nothing is allowed), Saturdays are shorter, and Guyane's abolition day (10 June) is a holiday there only.

# %%
first_weeks = periods.filter(
    (pl.col("state") == "allowed") & (pl.col("start_local").str.slice(0, 10) <= "2026-06-14")
).with_columns(
    day=pl.col("start_local").str.slice(0, 10),
    opens=pl.col("start_local").str.slice(11, 2).cast(pl.Int32)
    + pl.col("start_local").str.slice(14, 2).cast(pl.Int32) / 60,
    closes=pl.col("end_local").str.slice(11, 2).cast(pl.Int32)
    + pl.col("end_local").str.slice(14, 2).cast(pl.Int32) / 60,
)
alt.Chart(first_weeks, title="Allowed hours on each territory's clock").mark_bar().encode(
    x=alt.X("day:O", title=None),
    y=alt.Y("opens:Q", title="local hour", scale=alt.Scale(domain=[0, 24])),
    y2="closes:Q",
    row=alt.Row(
        "territory:N", title=None, sort=["FR", "RE", "YT", "GP", "MQ", "GF", "BL", "MF", "PM"]
    ),
    color=alt.value("#2da44e"),
).properties(width=560, height=60)

# %% [markdown]
# ## Check next month's schedule
#
# A schedule has, per campaign, its start, its size and the rate the platform sends at. The
# recipients file gives the territories (and their share of the messages); with the data
# folder, the check also lists the recipients whose pair is suppressed: sending to them is
# paid for nothing. Here the recipients are the contacts of shared code 36184 in the data.

# %%
out = Path(out_dir)
out.mkdir(parents=True, exist_ok=True)
schedule = pl.DataFrame(
    {
        "campaign_id": ["JUNE-SALES", "FATHERS-DAY", "SUMMER-PREVIEW"],
        "start_at": ["2026-06-03T19:40:00+02:00", "2026-06-20T17:30:00+02:00", "2026-06-29 10:00"],
        "messages": [250_000, 40_000, 120_000],
        "messages_per_minute": [5_000, 1_000, 2_000],
        "sender_id": ["36184", "36184", "36184"],
    }
)
schedule.write_csv(out / "schedule.csv")
audit = smsaudit.audit(data_dir, profile=profile, period=(since, until))
recipients = audit.table("sends").filter(pl.col("sender_id").cast(pl.String) == "36184")
recipients.select("msisdn").unique().sort("msisdn").write_csv(out / "recipients.csv")
check = smsaudit.check(
    out / "schedule.csv", data_dir, profile=profile, recipients=out / "recipients.csv"
)
nbchecks.check_schedule(check["schedule_check"])
check["schedule_check"].select(
    "campaign_id",
    "territory",
    "territory_messages",
    "start_local",
    "last_send_local",
    "messages_after_close",
    "latest_safe_start_local",
)

# %% [markdown]
# JUNE-SALES starts at 19:40 and needs 50 minutes: most of it would go after 20:00 and be
# billed for nothing; its latest safe start keeps a one-minute margin. FATHERS-DAY falls on
# a Saturday, which closes at 18:00. SUMMER-PREVIEW fits.
#
# The recipients the data shows suppressed for this sender: load `suppression_list` into the
# platform before sending, and they are skipped.

# %%
suppressed = check["planned_suppressed"]
print(f"{suppressed['msisdn'].n_unique():,} recipients suppressed for sender 36184")
suppressed.group_by("evidence").agg(recipients=pl.col("msisdn").n_unique()).sort("evidence")

# %% [markdown]
# The same check from a terminal, in a scheduler's pre-send step: exit code 3 stops the send.
#
# ```bash
# smsaudit check schedule.csv exports/ --recipients recipients.csv --out check \
#     --fail-on blocked,suppressed
# ```

# %%
check.failures(["blocked", "suppressed"])
