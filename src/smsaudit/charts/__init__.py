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

import altair as alt
import duckdb
import vl_convert as vlc

from ._base import (
    BLOCKED_COLOR,
    MAX_BARS,
    MAX_CAMPAIGNS,
    MAX_CURRENCIES,
    MAX_MONTHS,
    MAX_RUNS,
    MAX_SERIES,
    REASONS,
    WEEKDAYS,
    Chart,
    money,
)
from .spend import profile_comparison, reconciliation_funnel, wasted_spend_by_month
from .traffic import daily_timeline, late_campaign_spans, weekday_hour_heatmap

__all__ = [
    "BLOCKED_COLOR",
    "CHARTS",
    "CHART_TITLES",
    "MAX_BARS",
    "MAX_CAMPAIGNS",
    "MAX_CURRENCIES",
    "MAX_MONTHS",
    "MAX_RUNS",
    "MAX_SERIES",
    "REASONS",
    "WEEKDAYS",
    "Chart",
    "build",
    "daily_timeline",
    "enable_notebook_renderer",
    "late_campaign_spans",
    "money",
    "profile_comparison",
    "reconciliation_funnel",
    "to_png",
    "to_svg",
    "wasted_spend_by_month",
    "weekday_hour_heatmap",
]

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
