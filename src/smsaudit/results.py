"""The result of an audit: finding tables, headline figures, charts, exports."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from . import catalogue, checks, narrative, outdir, sqlfiles
from .checks import Check
from .ingest.load import LoadReport

if TYPE_CHECKING:
    import altair as alt

    from .rules import Profile

FORMATS = ("csv", "parquet", "xlsx")


@dataclass(frozen=True)
class Headline:
    """One headline figure: a label, its value as shown, the raw number, and a stable key
    (for ``summary.json`` and scheduled jobs; labels may change wording, keys do not)."""

    label: str
    text: str
    value: float | int
    key: str = ""

    @classmethod
    def count(cls, label: str, value: int, key: str = "") -> Headline:
        """A whole-number figure, with thousands separators."""
        return cls(label, f"{value:,}", value, key)


@dataclass(frozen=True, eq=False)
class Audit:
    """Finding tables (CONTRACT §4) living in ``con``, fetched as polars frames on demand.

    In JupyterLab the object shows its headline figures first, then the tables' sizes.
    """

    con: duckdb.DuckDBPyConnection
    profile: Profile
    load_report: LoadReport
    skipped: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ tables

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the finding tables, in reading order."""
        return catalogue.FINDINGS

    def table(self, name: str, *, limit: int | None = None) -> pl.DataFrame:
        """A finding (or any audit) table as a polars DataFrame, in its stored order."""
        sql = f"SELECT * FROM {_known(self, name)}"
        sql += f" LIMIT {int(limit)}" if limit is not None else ""
        frame: pl.DataFrame = self.con.sql(sql).pl()
        return frame

    def __getitem__(self, name: str) -> pl.DataFrame:
        return self.table(name)

    def count(self, name: str) -> int:
        """Rows in a table."""
        row = self.con.execute(f"SELECT count(*) FROM {_known(self, name)}").fetchall()[0]
        return int(row[0]) if row else 0

    # ------------------------------------------------------------- headline

    def _scalar(self, sql: str) -> Any:
        row = self.con.execute(sql).fetchall()[0]
        return row[0] if row else None

    @cached_property
    def wasted_by_currency(self) -> dict[str, Decimal]:
        """Wasted spend per currency (never adds two currencies together)."""
        rows = self.con.execute(
            "SELECT coalesce(currency, '?'), sum(cost) FROM wasted_spend "
            "WHERE cost IS NOT NULL GROUP BY ALL ORDER BY 1"
        ).fetchall()
        return {str(c): Decimal(v) for c, v in rows}

    def summary(self) -> list[Headline]:
        """The headline figures: what a reader should see first."""

        def n(sql: str) -> int:
            return int(self._scalar(sql) or 0)

        sends = sqlfiles.relation(self.con, "send_totals")
        marketing = n(f"SELECT sum(messages) FROM {sends} WHERE category = 'marketing'")
        blocked = n("SELECT count(*) FROM blocked_window_messages WHERE severity = 'violation'")
        warnings = n("SELECT count(*) FROM blocked_window_messages WHERE severity = 'warning'")
        share = blocked / marketing if marketing else 0.0
        wasted = self.wasted_by_currency
        # one number only when there is one currency: never add euros to dollars
        total = float(next(iter(wasted.values()))) if len(wasted) == 1 else float("nan")
        wasted_text = " + ".join(_money(v, c) for c, v in wasted.items()) or "0.00"
        if not wasted:
            total = 0.0
        out = [
            Headline.count("messages audited", n(f"SELECT sum(messages) FROM {sends}"), "messages"),
            Headline.count("marketing messages", marketing, "marketing_messages"),
            Headline(
                f"sent in a blocked window ({self.profile.name})",
                f"{blocked:,} ({share:.1%})",
                blocked,
                "blocked_messages",
            ),
        ]
        if warnings:
            out.append(
                Headline.count("sent in a tolerated window (warning)", warnings, "tolerated")
            )
        out += [
            Headline("wasted spend", wasted_text, total, "wasted_spend"),
            Headline.count("suppressed pairs", self.count("suppressions"), "suppressed_pairs"),
            Headline.count(
                "contacts to opt out in Campaign", self.count("consent_updates"), "to_opt_out"
            ),
            Headline.count(
                "sends after suppression",
                self.count("sends_after_suppression"),
                "sends_after_suppression",
            ),
            Headline.count(
                "unpriced messages",
                n(
                    "SELECT sum(messages) FROM "
                    f"{sqlfiles.relation(self.con, 'price_totals')} WHERE NOT priced"
                ),
                "unpriced_messages",
            ),
            Headline.count("rejected input rows", self.count("rejected_rows"), "rejected_rows"),
            Headline.count(
                "rows out of scope",
                n("SELECT coalesce(sum(rows_out_of_scope), 0) FROM row_accounting"),
                "rows_out_of_scope",
            ),
            Headline.count(
                f"timestamps without offset (read in {self.load_report.assume_tz})",
                self.load_report.naive_timestamps,
                "naive_timestamps",
            ),
        ]
        return out

    def actions(self) -> list[str]:
        """What to do, in words, most useful first: the report and the workbook open with it."""
        return narrative.actions(self)

    def summary_cells(
        self, headline: Sequence[Headline] | None = None
    ) -> list[tuple[str, str | float, str | None]]:
        """The headline (``summary()``, or the one given) as spreadsheet cells: (label,
        value, number format or None for text). Counts and single-currency amounts are
        numbers, so finance can add them up."""
        headline = self.summary() if headline is None else headline
        marketing = next((h.value for h in headline if h.label == "marketing messages"), 0)
        cells: list[tuple[str, str | float, str | None]] = []
        wasted = self.wasted_by_currency
        for h in headline:
            if h.label == "wasted spend":
                if len(wasted) == 1:
                    currency = next(iter(wasted))
                    fmt = "€#,##0.00" if currency == "EUR" else f'#,##0.00 "{currency}"'
                    cells.append((f"wasted spend ({currency})", float(h.value), fmt))
                elif not wasted:
                    cells.append((h.label, 0.0, "#,##0.00"))
                else:
                    for currency, value in wasted.items():
                        cells.append((f"wasted spend ({currency})", float(value), "#,##0.00"))
            elif h.label.startswith("sent in a blocked window"):
                cells.append((h.label, float(h.value), "#,##0"))
                share = float(h.value) / float(marketing) if marketing else 0.0
                cells.append(("share of marketing messages blocked", share, "0.0%"))
            elif isinstance(h.value, int):
                cells.append((h.label, float(h.value), "#,##0"))
            else:
                cells.append((h.label, h.text, None))
        return cells

    def assumptions(self) -> list[tuple[str, str]]:
        """What the figures rest on, written next to them in the workbook and the report."""
        return narrative.assumptions(self)

    def row_accounting_balances(self) -> bool:
        """Whether every input file's rows are all used, rejected or out of scope."""
        return checks.row_accounting(self.con).ok

    def checks(self) -> list[Check]:
        """The invariant checks (``smsaudit.checks``) on the findings that ran."""
        return list(self._checks)

    @cached_property
    def _checks(self) -> tuple[Check, ...]:
        # Run once: summary.json and the command line both report them, and the audit's
        # tables do not change once it has run (as for wasted_by_currency).
        ran = [t for t in self.tables if t not in self.skipped]
        return tuple(checks.run_all(self.con, ran))

    def outcomes(self) -> dict[str, dict[str, Any]]:
        """Per finding and extra table: ``ran`` (with rows), ``empty``, or ``skipped`` (why)."""
        return narrative.outcomes(self)

    def to_dict(self, headline: Sequence[Headline] | None = None) -> dict[str, Any]:
        """The audit as plain data, what ``summary.json`` holds (``narrative.to_dict``)."""
        return narrative.to_dict(self, headline)

    def sql(self, query: str, params: dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a query on the audit's tables and get a polars DataFrame; text columns come
        back as text (never ENUM/Categorical), so they join and compare plainly."""
        frame: pl.DataFrame = self.con.sql(query, params=params).pl()
        text = [c for c, t in frame.schema.items() if isinstance(t, pl.Categorical | pl.Enum)]
        return frame.with_columns(pl.col(text).cast(pl.String)) if text else frame

    # --------------------------------------------------------------- charts

    def chart(self, name: str) -> alt.TopLevelMixin:
        """An Altair chart built from DuckDB aggregates (see ``smsaudit.charts.CHARTS``)."""
        from . import charts

        return charts.build(self.con, name)

    # --------------------------------------------------------------- export

    def save(
        self,
        out_dir: str | os.PathLike[str] = "smsaudit-report",
        formats: Sequence[str] = ("csv",),
        *,
        mask_msisdn: bool = False,
        mask_secret: str | None = None,
        french_csv: bool = False,
        html_report: bool = True,
    ) -> list[Path]:
        """Write every finding table in ``formats`` and the offline HTML report; return the paths.

        With ``mask_msisdn`` every phone number becomes a pseudonym keyed by ``mask_secret``
        (default: ``$SMSAUDIT_MASK_SECRET``, else a random secret for this run only).
        The folder is written whole, then moved into place (``smsaudit.outdir``); it must not
        hold the inputs, nor files smsaudit did not write.
        """
        from . import export

        unknown = [f for f in formats if f not in FORMATS]
        if unknown:
            raise ValueError(f"unknown format(s) {unknown}; choose from {FORMATS}")
        secret = export.mask_secret_for(mask_msisdn, mask_secret)
        out = Path(out_dir)
        # (files at a URI, read by Spark where they are, cannot be overwritten from here)
        inputs = [src.path for src in self.load_report.sources if isinstance(src.path, Path)]
        with outdir.staged(out, inputs) as work:
            paths = self._write(work, formats, secret, french_csv, html_report)
        return outdir.moved(paths, work, out)

    def _write(
        self,
        out: Path,
        formats: Sequence[str],
        secret: str | None,
        french_csv: bool,
        html_report: bool,
    ) -> list[Path]:
        from . import charts, export, report

        figures = self.summary()
        headline = [(h.label, h.text) for h in figures]
        assumptions = self.assumptions()
        actions = self.actions()
        summary = [*self.summary_cells(figures), *((k, v, None) for k, v in assumptions)]
        paths = export.save(
            self.con,
            self.tables + catalogue.EXTRAS,
            out,
            list(dict.fromkeys(formats)),
            mask_secret=secret,
            french_csv=french_csv,
            summary=summary,
            actions=actions,
            skipped=self.skipped,
        )
        data = narrative.to_dict(self, figures, assumptions=assumptions, actions=actions)
        paths.append(outdir.write_summary(out, data))
        if html_report:
            built = {name: charts.build(self.con, name) for name in charts.CHARTS}
            paths.append(
                report.write_report(
                    self.con,
                    out / "report.html",
                    title=f"smsaudit — {self.profile.name}",
                    headline=headline,
                    charts=built,
                    tables=self.tables,
                    assumptions=assumptions,
                    mask_secret=secret,
                    actions=actions,
                    skipped=self.skipped,
                )
            )
        return paths

    # -------------------------------------------------------------- display

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(h.label)}</th>"
            f"<td style='text-align:right'>{html.escape(h.text)}</td></tr>"
            for h in self.summary()
        )
        tables = "".join(
            f"<tr><td><code>{t}</code></td><td style='text-align:right'>{self.count(t):,}</td>"
            f"<td>{html.escape(self.skipped.get(t, ''))}</td></tr>"
            for t in self.tables
        )
        return (
            f"<div><h4>smsaudit — profile <code>{html.escape(self.profile.name)}</code></h4>"
            f"<table>{rows}</table>"
            f"<details><summary>finding tables</summary><table>"
            f"<tr><th>table</th><th>rows</th><th>note</th></tr>{tables}</table></details></div>"
        )

    def __repr__(self) -> str:
        lines = [f"Audit(profile={self.profile.name!r})"]
        lines += [f"  {h.label}: {h.text}" for h in self.summary()]
        return "\n".join(lines)


def _known(audit: Audit, name: str) -> str:
    """``name`` if it is a table of the audit (never interpolate anything else into SQL)."""
    known = {r[0] for r in audit.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if name not in known:
        raise KeyError(f"no table {name!r}")
    return name


def _money(value: Decimal, currency: str) -> str:
    amount = f"{value:,.2f}"
    return f"€{amount}" if currency == "EUR" else f"{amount} {currency}"
