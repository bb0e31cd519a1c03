"""Altair charts of an audit, aggregated in DuckDB first.

Every builder takes the connection holding the audit's tables and returns a top-level
Altair chart whose data is a small, sorted aggregate (a few hundred rows at most), so specs
are deterministic and cheap to embed. A builder never raises on an empty or missing table:
it returns a chart that says there is no data.

Dates and wall-clock times are handed to Vega-Lite as ISO strings and read on UTC scales,
so what the chart shows never depends on the time zone of the machine that renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import altair as alt
import duckdb
import polars as pl
import vl_convert as vlc

__all__ = [
    "CHARTS",
    "build",
    "daily_timeline",
    "enable_notebook_renderer",
    "late_campaign_spans",
    "profile_comparison",
    "reconciliation_funnel",
    "to_png",
    "to_svg",
    "wasted_spend_by_month",
    "weekday_hour_heatmap",
]

WIDTH = 640
ALLOWED_COLOR = "#4c78a8"
BLOCKED_COLOR = "#d62728"
STATUS_SCALE = alt.Scale(domain=["allowed", "blocked"], range=[ALLOWED_COLOR, BLOCKED_COLOR])
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# CONTRACT §3 order of precedence, so colours keep their meaning from chart to chart.
REASONS = ["public_holiday", "sunday", "saturday_outside_hours", "weekday_outside_hours"]
# Most late campaigns are a handful; beyond this the chart would be unreadable.
MAX_CAMPAIGNS = 25
# At most this many (campaign, local day) rows in the late-campaign chart.
MAX_RUNS = 60
# Most bars of the daily timeline (days, else weeks, else months).
MAX_BARS = 400
# Wasted spend: most aggregators drawn apart, months before years, currencies.
MAX_SERIES = 8
MAX_MONTHS = 60
MAX_CURRENCIES = 4

Chart = alt.Chart | alt.LayerChart | alt.FacetChart


# -- helpers -------------------------------------------------------------------------------


def _exists(con: duckdb.DuckDBPyConnection, *tables: str) -> bool:
    """Whether every one of ``tables`` exists (an audit skipped for lack of input leaves none)."""
    found = con.execute(
        "SELECT count(DISTINCT table_name) FROM information_schema.tables "
        "WHERE table_name IN (SELECT unnest($names))",
        {"names": list(tables)},
    ).fetchall()
    return int(found[0][0]) == len(set(tables))


def _frame(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> pl.DataFrame:
    return cast(pl.DataFrame, con.sql(sql, params=params).pl())


def _no_data(title: str, message: str = "No data") -> alt.Chart:
    """A placeholder with the chart's title, so a report keeps its layout on empty audits."""
    frame = pl.DataFrame({"message": [message]})
    return cast(
        alt.Chart,
        alt.Chart(frame)
        .mark_text(fontSize=16, color="#777777")
        .encode(text=alt.Text("message:N"))
        .properties(title=title, width=WIDTH, height=80),
    )


def _currency_locale(currency: str | None) -> dict[str, Any]:
    """d3 number locale whose ``$`` prints the currency: ``€1,234.50`` or ``1,234.50 USD``."""
    affix = ["€", ""] if currency == "EUR" else ["", f" {currency}" if currency else ""]
    return {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": affix}}


def money(value: float, currency: str | None) -> str:
    """Format an amount as the charts do (English grouping; ``€`` for EUR, else the ISO code)."""
    if currency == "EUR":
        return f"€{value:,.2f}"
    return f"{value:,.2f} {currency}" if currency else f"{value:,.2f}"


# -- charts ----------------------------------------------------------------------------------


def weekday_hour_heatmap(con: duckdb.DuckDBPyConnection) -> Chart:
    """Marketing sends by recipient-local weekday and hour; cells holding blocked sends outlined."""
    title = "Marketing sends by local weekday and hour"
    if not _exists(con, "send_windows"):
        return _no_data(title)
    frame = _frame(
        con,
        """
        SELECT $weekdays[isodow(local_ts)] AS weekday, hour(local_ts) AS hour,
               count(*) AS messages, count(*) FILTER (WHERE blocked) AS blocked,
               CASE WHEN bool_or(blocked) THEN 'contains blocked sends' END AS status
        FROM send_windows
        WHERE category = 'marketing'
        GROUP BY ALL
        ORDER BY isodow(any_value(local_ts)), hour
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
    if not _exists(con, "send_windows"):
        return _no_data(title)
    # send_windows classifies as it is read: read it once, into a small per-day table.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE chart_daily AS
           SELECT territory, local_date, blocked, count(*) AS messages
           FROM send_windows WHERE category = 'marketing' GROUP BY ALL"""
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
        if bucket == "day" and _exists(con, "holiday_calendar"):
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


def wasted_spend_by_month(con: duckdb.DuckDBPyConnection) -> Chart:
    """Wasted spend (blocked windows and sends after suppression) by month and aggregator."""
    title = "Wasted spend by month and aggregator"
    if not _exists(con, "wasted_spend"):
        return _no_data(title)
    # Bounded whatever the data: the costliest MAX_SERIES aggregators, the others as one;
    # years instead of months past MAX_MONTHS; the MAX_CURRENCIES costliest currencies.
    frame = _frame(
        con,
        """
        WITH priced AS (
            SELECT month, coalesce(aggregator, 'unknown') AS aggregator, currency,
                   sum(messages) AS messages, sum(cost) AS cost
            FROM wasted_spend WHERE cost IS NOT NULL GROUP BY ALL
        ),
        agg AS (
            SELECT aggregator, row_number() OVER (ORDER BY sum(cost) DESC, aggregator) AS n,
                   count(*) OVER () AS total
            FROM priced GROUP BY aggregator
        ),
        ccy AS (
            SELECT currency, row_number() OVER (ORDER BY sum(cost) DESC, currency) AS n
            FROM priced GROUP BY currency
        ),
        span AS (SELECT count(DISTINCT month) AS months FROM priced)
        SELECT CASE WHEN (SELECT months FROM span) > $max_months THEN left(p.month, 4)
                    ELSE p.month END AS month,
               CASE WHEN a.n <= $max_series THEN p.aggregator
                    ELSE 'other (' || (a.total - $max_series) || ' aggregators)' END AS aggregator,
               p.currency,
               CAST(sum(p.messages) AS BIGINT) AS messages, CAST(sum(p.cost) AS DOUBLE) AS cost
        FROM priced AS p JOIN agg AS a USING (aggregator) JOIN ccy AS c USING (currency)
        WHERE c.n <= $max_currencies
        GROUP BY ALL
        ORDER BY ALL
        """,
        {"max_series": MAX_SERIES, "max_months": MAX_MONTHS, "max_currencies": MAX_CURRENCIES},
    )
    more_ccy = con.execute(
        "SELECT count(DISTINCT currency) FROM wasted_spend WHERE cost IS NOT NULL"
    ).fetchall()[0][0] - len(set(frame["currency"].to_list()))
    unpriced = con.execute(
        "SELECT coalesce(sum(messages), 0) FROM wasted_spend WHERE cost IS NULL"
    ).fetchall()[0][0]
    if frame.is_empty():
        return _no_data(title, "No priced wasted spend")
    notes = [f"{int(unpriced):,} wasted messages without a price are not shown"] if unpriced else []
    if more_ccy > 0:
        notes.append(f"{more_ccy:,} more currencies not shown")
    subtitle = " · ".join(notes)
    currencies = sorted({c for c in frame["currency"].to_list() if c is not None})
    single = currencies[0] if len(currencies) == 1 else None
    fmt = "$,.2f" if single else ",.2f"
    bars = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("month:O", title="Month", sort="ascending", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("sum(cost):Q", title="Wasted spend", axis=alt.Axis(format=fmt)),
            color=alt.Color("aggregator:N", title="Aggregator", sort="ascending"),
            order=alt.Order("aggregator:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("month:O", title="Month"),
                alt.Tooltip("aggregator:N", title="Aggregator"),
                alt.Tooltip("sum(messages):Q", title="Messages", format=","),
                alt.Tooltip("sum(cost):Q", title="Wasted", format=fmt),
                alt.Tooltip("currency:N", title="Currency"),
            ],
        )
        .properties(width=WIDTH, height=260)
    )
    heading = alt.Title(title, subtitle=subtitle) if subtitle else alt.Title(title)
    if single is None:
        # Amounts in different currencies never share an axis.
        faceted = bars.facet(row=alt.Row("currency:N", title="Currency"))
        return cast(alt.FacetChart, faceted.properties(title=heading))
    return cast(
        alt.Chart, bars.properties(title=heading).configure(locale=_currency_locale(single))
    )


def late_campaign_spans(con: duckdb.DuckDBPyConnection) -> Chart:
    """Each late campaign's sends per local day, on the clock: where it ran past the close."""
    title = "Late campaigns: send spans in the recipient's local time"
    if not _exists(con, "late_campaigns", "send_windows"):
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
            SELECT w.campaign_id, w.local_date, w.blocked,
                   min(w.local_ts) AS start, max(w.local_ts) AS stop, count(*) AS messages
            FROM send_windows AS w  -- it carries campaign_id: no join back to sends
            WHERE w.category = 'marketing' AND w.campaign_id IN (SELECT campaign_id FROM late)
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


def reconciliation_funnel(con: duckdb.DuckDBPyConnection) -> Chart:
    """Suppressed pairs → still opted in → sent again → money wasted on those sends."""
    title = "Suppression reconciliation"
    if not _exists(con, "suppressions"):
        return _no_data(title)
    pairs = "SELECT count(*) FROM (SELECT DISTINCT msisdn, sender_id FROM {})"
    stages: list[tuple[str, int | None]] = []
    for stage, table in (
        ("Suppressed pairs", "suppressions"),
        ("Still opted in in Campaign", "suppressed_not_opted_out"),
        ("Sent again after suppression", "sends_after_suppression"),
    ):
        count = (
            int(con.execute(pairs.format(table)).fetchall()[0][0])
            if _exists(con, table)
            else None  # audit skipped: shown as such, never as zero
        )
        stages.append((stage, count))
    if not stages[0][1]:
        return _no_data(title, "No suppressed pairs")
    spent: list[tuple[str | None, float, int]] = []
    if _exists(con, "sends_after_suppression"):
        spent = [
            (row[0], float(row[1]), int(row[2]))
            for row in con.execute(
                "SELECT currency, CAST(sum(cost) AS DOUBLE), count(*) "
                "FROM sends_after_suppression WHERE cost IS NOT NULL GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        ]
    wasted = (
        " + ".join(money(total, currency) for currency, total, _ in spent) if spent else "€0.00"
    )
    messages = sum(n for _, _, n in spent)
    order = [stage for stage, _ in stages] + ["Wasted on those sends"]
    frame = pl.DataFrame(
        {
            "stage": order,
            "pairs": [count for _, count in stages] + [None],
            "label": [
                f"{count:,} pairs" if count is not None else "not audited" for _, count in stages
            ]
            + [f"{wasted} ({messages:,} messages)"],
        },
        schema={"stage": pl.String, "pairs": pl.Int64, "label": pl.String},
    )
    base = alt.Chart(frame).encode(y=alt.Y("stage:N", title=None, sort=order))
    bars = base.mark_bar(color=ALLOWED_COLOR).encode(
        x=alt.X("pairs:Q", title="(msisdn, sender ID) pairs", axis=alt.Axis(tickMinStep=1)),
        tooltip=[alt.Tooltip("stage:N", title="Stage"), alt.Tooltip("label:N", title="Value")],
    )
    labels = base.mark_text(align="left", dx=4, fontWeight="bold").encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N")
    )
    # Labels start just past each bar; the money row has no bar, so its label starts at 0.
    labels = labels.transform_calculate(label_x="isValid(datum.pairs) ? datum.pairs : 0")
    return alt.layer(bars, labels).properties(title=title, width=WIDTH - 140, height=alt.Step(34))


def profile_comparison(con: duckdb.DuckDBPyConnection) -> Chart:
    """The same marketing traffic judged by each rule profile: flagged messages by reason."""
    title = "The same traffic under each rule profile"
    if not _exists(con, "profile_comparison"):
        return _no_data(title)
    frame = _frame(
        con,
        """
        SELECT profile, reason, severity, CAST(sum(messages) AS BIGINT) AS messages
        FROM profile_comparison
        WHERE reason IS NOT NULL AND messages > 0
        GROUP BY ALL
        ORDER BY ALL
        """,
    )
    if frame.is_empty():
        return _no_data(title, "No message flagged under any profile")
    reasons = REASONS + sorted(set(frame["reason"].to_list()) - set(REASONS))
    chart = (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            y=alt.Y("profile:N", title="Profile", sort="ascending"),
            x=alt.X("sum(messages):Q", title="Messages flagged", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("reason:N", title="Reason", scale=alt.Scale(domain=reasons)),
            opacity=alt.Opacity(
                "severity:N",
                title="Severity",
                scale=alt.Scale(domain=["violation", "warning"], range=[1.0, 0.45]),
            ),
            order=alt.Order("reason:N", sort="ascending"),
            tooltip=[
                alt.Tooltip("profile:N", title="Profile"),
                alt.Tooltip("reason:N", title="Reason"),
                alt.Tooltip("severity:N", title="Severity"),
                alt.Tooltip("sum(messages):Q", title="Messages", format=","),
            ],
        )
        .properties(title=title, width=WIDTH - 140, height=alt.Step(30))
    )
    return cast(alt.Chart, chart)


# What each chart shows, in a reader's words (the report's captions; names stay the keys).
CHART_TITLES: dict[str, str] = {
    "weekday_hour_heatmap": "When messages were sent (local day and hour)",
    "daily_timeline": "Messages per day, allowed and blocked",
    "wasted_spend_by_month": "Money wasted each month, and why",
    "late_campaign_spans": "Campaigns that ran past the close",
    "reconciliation_funnel": "From suppressed pairs to contacts to opt out",
    "profile_comparison": "The same traffic under each rule profile",
}

CHARTS: dict[str, Callable[[duckdb.DuckDBPyConnection], Chart]] = {
    "weekday_hour_heatmap": weekday_hour_heatmap,
    "daily_timeline": daily_timeline,
    "wasted_spend_by_month": wasted_spend_by_month,
    "late_campaign_spans": late_campaign_spans,
    "reconciliation_funnel": reconciliation_funnel,
    "profile_comparison": profile_comparison,
}


def build(con: duckdb.DuckDBPyConnection, name: str) -> Chart:
    """Build the chart registered as ``name`` in :data:`CHARTS`."""
    try:
        builder = CHARTS[name]
    except KeyError:
        raise ValueError(f"unknown chart {name!r}; choose from {', '.join(CHARTS)}") from None
    return builder(con)


def build_all(
    con: duckdb.DuckDBPyConnection, names: Sequence[str] | None = None
) -> dict[str, Chart]:
    """Build several charts (all by default), keyed by name, in registry order."""
    return {name: build(con, name) for name in (names if names is not None else CHARTS)}


# -- offline rendering ---------------------------------------------------------------------


def _vl_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, when vl-convert bundles it."""
    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return major_minor if major_minor in vlc.get_vegalite_versions() else None


def to_svg(chart: alt.TopLevelMixin) -> str:
    """Render ``chart`` to an SVG document, offline (vl-convert embeds Vega and its fonts)."""
    return str(vlc.vegalite_to_svg(chart.to_dict(), vl_version=_vl_version()))


def to_png(chart: alt.TopLevelMixin, *, scale: float = 2.0) -> bytes:
    """Render ``chart`` to PNG bytes, offline; ``scale`` 2 suits high-density screens."""
    return bytes(vlc.vegalite_to_png(chart.to_dict(), vl_version=_vl_version(), scale=scale))


def enable_notebook_renderer(*, ppi: int = 144) -> None:
    """Show charts in notebooks as PNG images rendered offline by vl-convert.

    No CDN, no JavaScript and no random element ids: a chart's output is a plain image that
    JupyterLab shows offline and that nbval does not compare byte for byte. ``ppi`` 144
    draws twice the pixels shown, for sharp charts on high-density screens.
    """
    alt.renderers.enable("png", ppi=ppi)
