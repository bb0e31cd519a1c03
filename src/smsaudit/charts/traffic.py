"""Charts of the traffic on the recipient's clock: hours, days and late campaigns."""

from __future__ import annotations

from typing import cast

import altair as alt
import duckdb
import polars as pl

from ..sqlfiles import table_exists
from ._base import (
    BLOCKED_COLOR,
    MAX_BARS,
    MAX_CAMPAIGNS,
    MAX_RUNS,
    STATUS_SCALE,
    WEEKDAYS,
    WIDTH,
    Chart,
    _frame,
    _no_data,
)


def weekday_hour_heatmap(con: duckdb.DuckDBPyConnection) -> Chart:
    """Marketing sends by recipient-local weekday and hour; cells holding blocked sends outlined."""
    title = "Marketing sends by local weekday and hour"
    if not table_exists(con, "traffic_cells"):
        return _no_data(title)
    frame = _frame(
        con,
        """
        SELECT $weekdays[iso_weekday] AS weekday, hour,
               CAST(sum(messages) AS BIGINT) AS messages,
               CAST(coalesce(sum(messages) FILTER (WHERE blocked), 0) AS BIGINT) AS blocked,
               CASE WHEN bool_or(blocked) THEN 'contains blocked sends' END AS status
        FROM traffic_cells
        GROUP BY iso_weekday, hour
        ORDER BY iso_weekday, hour
        """,
        {"weekdays": WEEKDAYS},
    )
    if frame.is_empty():
        return _no_data(title)
    x = alt.X(
        "hour:O", title="Local hour (recipient's clock)", scale=alt.Scale(domain=list(range(24)))
    )
    y = alt.Y("weekday:O", title=None, scale=alt.Scale(domain=WEEKDAYS))
    tooltip = [
        alt.Tooltip("weekday:O", title="Weekday"),
        alt.Tooltip("hour:O", title="Hour"),
        alt.Tooltip("messages:Q", title="Messages", format=","),
        alt.Tooltip("blocked:Q", title="Blocked", format=","),
    ]
    base = alt.Chart(frame).encode(x=x, y=y, tooltip=tooltip)
    cells = base.mark_rect().encode(
        color=alt.Color("messages:Q", title="Messages", scale=alt.Scale(scheme="blues"))
    )
    blocked = (
        base.transform_filter("datum.blocked > 0")
        .mark_rect(filled=False, strokeWidth=2)
        .encode(
            stroke=alt.Stroke(
                "status:N",
                title=None,
                scale=alt.Scale(domain=["contains blocked sends"], range=[BLOCKED_COLOR]),
            )
        )
    )
    return alt.layer(cells, blocked).properties(title=title, width=WIDTH, height=220)


def daily_timeline(con: duckdb.DuckDBPyConnection) -> Chart:
    """Allowed and blocked marketing messages per local day, public holidays marked."""
    title = "Marketing traffic per local day"
    if not table_exists(con, "traffic_cells"):
        return _no_data(title)
    # traffic_cells read once, per day: the queries below look at the days several times.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE chart_daily AS
           SELECT territory, local_date, blocked, sum(messages) AS messages
           FROM traffic_cells GROUP BY ALL"""
    )
    try:
        # Years of traffic would give thousands of bars: over MAX_BARS days, bars are weeks
        # (from Monday), then months, so the chart's size never grows with the traffic.
        span = con.execute(
            "SELECT coalesce(max(local_date) - min(local_date) + 1, 0) FROM chart_daily"
        ).fetchall()[0][0]
        bucket = "day" if span <= MAX_BARS else "week" if span <= 7 * MAX_BARS else "month"
        days = _frame(
            con,
            f"""
            SELECT strftime(date_trunc('{bucket}', local_date), '%Y-%m-%d') AS day,
                   CASE WHEN blocked THEN 'blocked' ELSE 'allowed' END AS status,
                   sum(messages)::BIGINT AS messages
            FROM chart_daily
            GROUP BY ALL
            ORDER BY ALL
            """,
        )
        holidays = pl.DataFrame(schema={"day": pl.String, "label": pl.String})
        if bucket == "day" and table_exists(con, "holiday_calendar"):
            # Only the holidays of territories actually texted, within the traffic's span.
            holidays = _frame(
                con,
                """
                WITH traffic AS (SELECT DISTINCT territory, local_date FROM chart_daily)
                SELECT strftime(h.day, '%Y-%m-%d') AS day,
                       string_agg(DISTINCT h.name, ' / ' ORDER BY h.name) || ' ('
                         || string_agg(DISTINCT h.territory, ', ' ORDER BY h.territory) || ')'
                         AS label
                FROM holiday_calendar AS h
                WHERE h.territory IN (SELECT territory FROM traffic)
                  AND h.day BETWEEN (SELECT min(local_date) FROM traffic)
                                AND (SELECT max(local_date) FROM traffic)
                GROUP BY h.day
                ORDER BY h.day
                """,
            )
    finally:
        con.execute("DROP TABLE chart_daily")
    if days.is_empty():
        return _no_data(title)
    heading = {
        "day": ("Local date (recipient's clock)", "Day", "%a %d %b %Y"),
        "week": ("Local week, from Monday (recipient's clock)", "Week of", "%a %d %b %Y"),
        "month": ("Local month (recipient's clock)", "Month", "%b %Y"),
    }[bucket]
    x = alt.X(
        "utcyearmonthdate(day):T",
        title=heading[0],
        axis=alt.Axis(format="%d %b %Y" if bucket != "month" else "%b %Y", labelAngle=0),
    )
    bars = (
        alt.Chart(days)
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "sum(messages):Q", title="Messages", stack="zero", axis=alt.Axis(tickMinStep=1)
            ),
            color=alt.Color("status:N", title=None, scale=STATUS_SCALE),
            order=alt.Order("status:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("utcyearmonthdate(day):T", title=heading[1], format=heading[2]),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("sum(messages):Q", title="Messages", format=","),
            ],
        )
    )
    # bandPosition centres the marker on the holiday's bar instead of its midnight edge.
    base = alt.Chart(holidays).encode(x=alt.X("utcyearmonthdate(day):T", bandPosition=0.5))
    rules = base.mark_rule(color="#9467bd", strokeDash=[4, 3])
    labels = base.mark_text(
        angle=270, align="right", baseline="bottom", dx=-4, dy=-2, color="#9467bd", fontSize=10
    ).encode(text=alt.Text("label:N"), y=alt.value(0))
    subtitle = (
        "Dashed lines: public holidays of the territories texted"
        if bucket == "day"
        else f"{span:,} days of traffic, one bar per {bucket}"
    )
    return alt.layer(bars, rules, labels).properties(
        title=alt.Title(title.replace("day", bucket), subtitle=subtitle),
        width=WIDTH,
        height=260,
    )


def late_campaign_spans(con: duckdb.DuckDBPyConnection) -> Chart:
    """Each late campaign's sends per local day, on the clock: where it ran past the close."""
    title = "Late campaigns: send spans in the recipient's local time"
    if not table_exists(con, "late_campaigns", "traffic_cells"):
        return _no_data(title)
    frame = _frame(
        con,
        """
        WITH late AS (
            SELECT campaign_id, row_number() OVER (
                ORDER BY cost_blocked DESC NULLS LAST, messages_blocked DESC, campaign_id
            ) AS rank
            FROM late_campaigns
            QUALIFY rank <= $limit
        ),
        all_spans AS (
            SELECT campaign_id, local_date, blocked, min(first_local_ts) AS start,
                   max(last_local_ts) AS stop, CAST(sum(messages) AS BIGINT) AS messages
            FROM traffic_cells
            WHERE campaign_id IN (SELECT campaign_id FROM late)
            GROUP BY ALL
        ),
        -- A campaign spread over months has a run a day: keep the chart's size bounded,
        -- days that ran into a blocked window first, the costliest campaigns first.
        runs AS (
            SELECT s.campaign_id, s.local_date, count(*) OVER () AS total_runs
            FROM all_spans AS s JOIN late AS l USING (campaign_id)
            GROUP BY s.campaign_id, s.local_date, l.rank
            ORDER BY bool_or(s.blocked) DESC, l.rank, s.local_date
            LIMIT $max_runs
        ),
        spans AS (
            SELECT s.*, r.total_runs
            FROM all_spans AS s JOIN runs AS r USING (campaign_id, local_date)
        )
        SELECT campaign_id || ' · ' || strftime(local_date, '%a %Y-%m-%d') AS run,
               CASE WHEN blocked THEN 'blocked' ELSE 'allowed' END AS status,
               -- the wall clock on a fixed day, read as UTC: hours line up whatever the date
               strftime(TIMESTAMP '1970-01-01' + (start - CAST(local_date AS TIMESTAMP)),
                        '%Y-%m-%dT%H:%M:%SZ') AS start,
               strftime(TIMESTAMP '1970-01-01' + (stop - CAST(local_date AS TIMESTAMP)),
                        '%Y-%m-%dT%H:%M:%SZ') AS stop,
               strftime(start, '%H:%M') AS start_label,
               strftime(stop, '%H:%M') AS stop_label,
               messages,
               total_runs,
               -- what a screen reader says of a span (else Vega formats `stop` in the
               -- machine's time zone, and the SVG would differ from one machine to the next)
               run || ': ' || status || ', ' || strftime(start, '%H:%M') || ' to '
                   || strftime(stop, '%H:%M') || ', ' || messages || ' messages' AS aria
        FROM spans
        ORDER BY campaign_id, local_date, blocked
        """,
        {"limit": MAX_CAMPAIGNS, "max_runs": MAX_RUNS},
    )
    if frame.is_empty():
        return _no_data(title, "No late campaigns")
    runs = list(dict.fromkeys(frame["run"].to_list()))
    total = int(frame["total_runs"][0])
    frame = frame.drop("total_runs")
    subtitle = "Red: sends inside a blocked window of the profile"
    if total > len(runs):
        subtitle += (
            f" · {len(runs)} of {total:,} campaign days shown, and {total - len(runs):,} more"
        )
    day = alt.Scale(
        type="utc",
        domain=[
            alt.DateTime(year=1970, month=1, date=1, hours=0, utc=True),
            alt.DateTime(year=1970, month=1, date=2, hours=0, utc=True),
        ],
    )
    spans = (
        alt.Chart(frame)
        .mark_rule(strokeWidth=9, strokeCap="round")
        .encode(
            x=alt.X("start:T", title="Local time of day", scale=day, axis=alt.Axis(format="%H:%M")),
            x2="stop:T",
            y=alt.Y("run:N", title=None, sort=runs),
            color=alt.Color("status:N", title=None, scale=STATUS_SCALE),
            description=alt.Description("aria:N"),
            tooltip=[
                alt.Tooltip("run:N", title="Campaign · day"),
                alt.Tooltip("status:N", title="Status"),
                alt.Tooltip("start_label:N", title="First send"),
                alt.Tooltip("stop_label:N", title="Last send"),
                alt.Tooltip("messages:Q", title="Messages", format=","),
            ],
        )
    )
    return cast(
        alt.Chart,
        spans.properties(
            title=alt.Title(title, subtitle=subtitle),
            width=WIDTH,
            height=alt.Step(22),
        ),
    )
