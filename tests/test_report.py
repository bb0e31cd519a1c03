"""The offline HTML report: content, escaping, no network, and charts drawn in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import fixtures_findings as fx
import pytest

from smsaudit import charts, db, report

SECRET = "report-secret"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = db.connect()
    fx.populate(connection)
    yield connection
    connection.close()


def _write(con: duckdb.DuckDBPyConnection, path: Path, **overrides: object) -> Path:
    arguments: dict[str, object] = {
        "title": "Audit May–June 2026",
        "headline": [("Wasted spend", "€0.43"), ("Blocked messages", "6")],
        "charts": charts.build_all(con),
        "tables": [*fx.FINDING_TABLES, "not_run"],
        "assumptions": [("Profile", "fr-acoustic"), ("Assumed clock", "Europe/Paris")],
        "mask_secret": SECRET,
    }
    arguments.update(overrides)
    return report.write_report(con, path, **arguments)  # type: ignore[arg-type]


class _Marks(HTMLParser):
    """Per figure: how many SVG mark groups hold drawn items (paths, lines, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, int] = {}
        self._figure: str | None = None
        self._in_mark = 0
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and attributes.get(name):
                self.sources.append(str(attributes[name]))
        if tag == "figure":
            self._figure = str(attributes.get("id"))
            self.figures[self._figure] = 0
        elif tag == "g" and "role-mark" in str(attributes.get("class", "")):
            self._in_mark += 1
        elif self._figure and self._in_mark and tag in ("path", "line", "text", "rect"):
            self.figures[self._figure] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None
        elif tag == "g" and self._in_mark:
            # Mark groups do not nest groups of items in Vega's SVG, so any </g> inside
            # one closes it; items counted so far stay counted.
            self._in_mark -= 1


def test_report_sections_in_order_and_tables_previewed(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    page = _write(con, tmp_path / "r.html", max_rows=3).read_text(encoding="utf-8")
    positions = [page.index(f'id="{s}"') for s in ("headline", "charts", "tables", "assumptions")]
    assert positions == sorted(positions)
    assert "<dd>€0.43</dd>" in page
    assert "first 3 of 6 rows" in page  # blocked_window_messages
    assert '<p class="muted">2 rows</p>' in page  # consent_updates, complete
    assert "Not produced: the audit it belongs to was skipped." in page
    assert page.count("<figure ") == len(charts.CHARTS)
    assert page.count("<svg") >= len(charts.CHARTS)
    assert "2026-05-04T18:05:00+00:00" in page  # the CSV's timestamp text


def test_report_masks_numbers_like_the_exports(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    page = _write(con, tmp_path / "r.html").read_text(encoding="utf-8")
    assert not re.search(r"\+[0-9]{8,15}", page)
    assert "anon-" in page
    unmasked = _write(con, tmp_path / "u.html", mask_secret=None).read_text(encoding="utf-8")
    assert "+33698765432" in unmasked


def test_text_from_data_is_escaped(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    con.execute("UPDATE sends SET campaign_id = $e WHERE campaign_id = 'LATE1'", {"e": evil})
    con.execute(
        "UPDATE late_campaigns SET campaign_id = $e WHERE campaign_id = 'LATE1'", {"e": evil}
    )
    con.execute("UPDATE missing_stop_footer SET body = $e", {"e": evil})
    page = _write(
        con,
        tmp_path / "r.html",
        charts=charts.build_all(con),
        title=evil,
        headline=[(evil, evil)],
        assumptions=[(evil, evil)],
    ).read_text(encoding="utf-8")
    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_report_on_an_empty_audit(tmp_path: Path) -> None:
    con = db.connect()
    fx.empty(con)
    page = _write(con, tmp_path / "r.html", charts=charts.build_all(con)).read_text()
    assert page.count(">No rows.<") == len(fx.FINDING_TABLES)
    assert "No data" in page


def test_report_loads_nothing_from_the_network(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    page = _write(con, tmp_path / "r.html").read_text(encoding="utf-8")
    parser = _Marks()
    parser.feed(page)
    assert not [s for s in parser.sources if re.match(r"(?i)\s*(https?:)?//", s)]
    assert not re.search(
        r"(?i)<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?\s*https?://", page
    )
    assert "url(http" not in page and "@import" not in page
    assert "default-src 'none'" in page


def test_charts_render_in_headless_chromium(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # Fails, not skips, without a browser: `make browser` installs Debian's chromium.
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "chromium is not installed (run `make browser`)"
    path = _write(con, tmp_path / "r.html")
    done = subprocess.run(
        [
            browser,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            path.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    parser = _Marks()
    parser.feed(done.stdout)
    assert set(parser.figures) == {f"chart-{n.replace('_', '-')}" for n in charts.CHARTS}
    empty = [name for name, marks in parser.figures.items() if marks == 0]
    assert not empty, f"figures without drawn marks after load: {empty}"
