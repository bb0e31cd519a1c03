"""The offline HTML report: one self-contained file, readable without a network or a script.

Charts are inlined as static SVG rendered by vl-convert rather than as Vega specs plus the
Vega JavaScript bundle: the file stays small (tens of kilobytes instead of about a megabyte
of JavaScript per report), shows the same picture in any browser, mail client or document
viewer that blocks scripts, prints well, and a Content-Security-Policy can forbid scripts
altogether. Interactive exploration is the notebooks' job, where the same Altair charts run.

Table previews read through :func:`smsaudit.export.output_query`, so they show exactly what
the CSV files hold (same masking, same timestamp text). All text from data is escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import altair as alt
import duckdb

from smsaudit import __version__
from smsaudit.charts import CHART_TITLES, to_svg
from smsaudit.export import output_query
from smsaudit.sqlfiles import table_exists

__all__ = ["DEFAULT_PREVIEW_ROWS", "render_report", "write_report"]

DEFAULT_PREVIEW_ROWS = 50

# No network, no script: styles inline, images only as data: URIs (none today).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_STYLE = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 16px; margin: 24px 0 4px; }
.muted { color: var(--muted); }
.headline { display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
            gap: 12px; margin: 16px 0; padding: 0; }
.headline div { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.headline dt { color: var(--muted); font-size: 13px; }
.headline dd { font-size: 22px; font-weight: 600; margin: 2px 0 0; }
figure { margin: 20px 0; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure svg { max-width: 100%; height: auto; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; white-space: nowrap; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
dl.assumptions dt { font-weight: 600; }
dl.assumptions dd { margin: 0 0 8px 16px; }
@media print { figure, table { break-inside: avoid; } }
"""

_XML_PROLOGUE = re.compile(r"^\s*<\?xml[^>]*\?>\s*")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "item"


def _figure(name: str, chart: alt.TopLevelMixin) -> str:
    # vl-convert escapes every text it draws, so its SVG is safe to inline as markup.
    svg = _XML_PROLOGUE.sub("", to_svg(chart))
    return (
        f'<figure id="chart-{html.escape(_slug(name))}">'
        f"<figcaption>{html.escape(CHART_TITLES.get(name, name))}</figcaption>{svg}</figure>"
    )


def _table_section(
    con: duckdb.DuckDBPyConnection,
    table: str,
    *,
    mask_secret: str | None,
    max_rows: int,
    skipped: Mapping[str, str],
) -> str:
    heading = f'<h3 id="table-{html.escape(_slug(table))}">{html.escape(table)}</h3>'
    if table in skipped:
        why = html.escape(skipped[table])
        return heading + f'<p class="muted">Not produced: the audit was skipped ({why}).</p>'
    if not table_exists(con, table):
        return heading + '<p class="muted">Not produced: the audit it belongs to was skipped.</p>'
    query = output_query(con, table, mask_secret=mask_secret, style="text")
    kinds = [c.kind for c in output_query(con, table, style="typed").columns]
    rows = int(con.execute(f'SELECT count(*) FROM "{query.table}"').fetchall()[0][0])
    if rows == 0:
        return heading + '<p class="muted">No rows.</p>'
    values = con.execute(f"{query.sql} LIMIT {int(max_rows)}", query.params or None).fetchall()
    shown = len(values)
    note = f"{rows:,} rows" if shown == rows else f"first {shown:,} of {rows:,} rows"
    head = "".join(f"<th>{html.escape(c.header)}</th>" for c in query.columns)
    numeric = [kind in ("integer", "number", "money") for kind in kinds]
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(v)}</td>'
            if num and v is not None
            else f"<td>{html.escape(v) if v is not None else ''}</td>"
            for v, num in zip(row, numeric, strict=True)
        )
        + "</tr>"
        for row in values
    )
    return (
        f'{heading}<p class="muted">{note}</p>'
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _pairs(pairs: Sequence[tuple[str, str]], css: str, *, boxed: bool) -> str:
    items = (
        f"<dt>{html.escape(str(label))}</dt><dd>{html.escape(str(value))}</dd>"
        for label, value in pairs
    )
    if boxed:
        items = (f"<div>{item}</div>" for item in items)
    return f'<dl class="{css}">{"".join(items)}</dl>'


def render_report(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str,
    headline: Sequence[tuple[str, str]],
    charts: Mapping[str, alt.TopLevelMixin],
    tables: Sequence[str],
    assumptions: Sequence[tuple[str, str]],
    mask_secret: str | None,
    max_rows: int = DEFAULT_PREVIEW_ROWS,
    actions: Sequence[str] = (),
    skipped: Mapping[str, str] | None = None,
) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    skipped = skipped or {}
    masking = (
        "Phone numbers are replaced by keyed pseudonyms (anon-…), stable within this run."
        if mask_secret is not None
        else "Phone numbers are shown in E.164."
    )
    contents = "".join(
        f'<li><a href="#table-{html.escape(_slug(t))}">{html.escape(t)}</a></li>' for t in tables
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="smsaudit {html.escape(__version__)}">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="muted">Timestamps are UTC (ISO 8601) unless marked local. {masking}</p>',
        "</header>",
        '<section id="actions"><h2>What to do</h2><ol>',
        *(f"<li>{html.escape(a)}</li>" for a in actions),
        "</ol></section>",
        '<section id="headline"><h2>Headline figures</h2>',
        _pairs(headline, "headline", boxed=True) if headline else '<p class="muted">None.</p>',
        "</section>",
        '<section id="charts"><h2>Charts</h2>',
        *(_figure(name, chart) for name, chart in charts.items()),
        "</section>",
        '<section id="tables"><h2>Tables</h2>',
        f'<p class="muted">Each table shows at most its first {max_rows:,} rows; the exported '
        "files hold every row.</p>",
        f"<ul>{contents}</ul>",
        *(
            _table_section(con, t, mask_secret=mask_secret, max_rows=max_rows, skipped=skipped)
            for t in tables
        ),
        "</section>",
        '<section id="assumptions"><h2>Assumptions</h2>',
        _pairs(assumptions, "assumptions", boxed=False)
        if assumptions
        else '<p class="muted">None stated.</p>',
        "</section>",
        f'<footer class="muted"><p>smsaudit {html.escape(__version__)}</p></footer>',
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def write_report(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    title: str,
    headline: Sequence[tuple[str, str]],
    charts: Mapping[str, alt.TopLevelMixin],
    tables: Sequence[str],
    assumptions: Sequence[tuple[str, str]],
    mask_secret: str | None,
    max_rows: int = DEFAULT_PREVIEW_ROWS,
    actions: Sequence[str] = (),
    skipped: Mapping[str, str] | None = None,
) -> Path:
    """Write a single offline HTML file: headline figures, charts, table previews, assumptions.

    ``charts`` maps a caption to a chart (e.g. :func:`smsaudit.charts.build_all`); ``tables``
    are previewed with their first ``max_rows`` rows and their row count.
    """
    document = render_report(
        con,
        title=title,
        headline=headline,
        charts=charts,
        tables=tables,
        assumptions=assumptions,
        mask_secret=mask_secret,
        max_rows=max_rows,
        actions=actions,
        skipped=skipped,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document, encoding="utf-8")
    return path
