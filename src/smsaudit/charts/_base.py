"""What every chart builder shares: sizes, colours, bounds, and the DuckDB helpers."""

from __future__ import annotations

from typing import Any, cast

import altair as alt
import duckdb
import polars as pl

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
