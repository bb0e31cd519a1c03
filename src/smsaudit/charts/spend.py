"""Charts of the money and the verdicts: wasted spend, the reconciliation funnel, profiles."""

from __future__ import annotations

from typing import cast

import altair as alt
import duckdb
import polars as pl

from ..sqlfiles import table_exists
from ._base import (
    ALLOWED_COLOR,
    MAX_CURRENCIES,
    MAX_MONTHS,
    MAX_SERIES,
    REASONS,
    WIDTH,
    Chart,
    _currency_locale,
    _frame,
    _no_data,
    money,
)


def wasted_spend_by_month(con: duckdb.DuckDBPyConnection) -> Chart:
    """Wasted spend (blocked windows and sends after suppression) by month and aggregator."""
    title = "Wasted spend by month and aggregator"
    if not table_exists(con, "wasted_spend"):
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


def reconciliation_funnel(con: duckdb.DuckDBPyConnection) -> Chart:
    """Suppressed pairs → still opted in → sent again → money wasted on those sends."""
    title = "Suppression reconciliation"
    if not table_exists(con, "suppressions"):
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
            if table_exists(con, table)
            else None  # audit skipped: shown as such, never as zero
        )
        stages.append((stage, count))
    if not stages[0][1]:
        return _no_data(title, "No suppressed pairs")
    spent: list[tuple[str | None, float, int]] = []
    if table_exists(con, "sends_after_suppression"):
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
    if not table_exists(con, "profile_comparison"):
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
