"""Chart specs: aggregated data, encodings, empty and missing tables, offline rendering."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import fixtures_findings as fx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsaudit import charts, db


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = db.connect()
    fx.populate(connection)
    yield connection
    connection.close()


def _values(spec: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Every inline dataset of a spec, in a stable order."""
    return [spec["datasets"][name] for name in sorted(spec.get("datasets", {}))]


def _layers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return spec.get("layer", [spec])


def test_registry_builds_every_chart(con: duckdb.DuckDBPyConnection) -> None:
    assert list(charts.CHARTS) == [
        "weekday_hour_heatmap",
        "daily_timeline",
        "wasted_spend_by_month",
        "late_campaign_spans",
        "reconciliation_funnel",
        "profile_comparison",
    ]
    for name in charts.CHARTS:
        assert charts.build(con, name).to_dict()["$schema"].startswith("https://vega.github.io")


def test_build_unknown_name_lists_choices(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="weekday_hour_heatmap"):
        charts.build(con, "pie")


def test_specs_are_deterministic(con: duckdb.DuckDBPyConnection) -> None:
    first = json.dumps(charts.build_all(con), default=lambda c: c.to_dict(), sort_keys=True)
    again = json.dumps(charts.build_all(con), default=lambda c: c.to_dict(), sort_keys=True)
    assert first == again


def test_heatmap_counts_marketing_only_and_marks_blocked_cells(
    con: duckdb.DuckDBPyConnection,
) -> None:
    spec = charts.weekday_hour_heatmap(con).to_dict()
    (rows,) = _values(spec)
    cells = {(r["weekday"], r["hour"]): (r["messages"], r["blocked"]) for r in rows}
    # m09 (Tue, transactional) is not marketing: Tuesday stays empty.
    assert not any(day == "Tue" for day, _ in cells)
    assert cells[("Mon", 20)] == (2, 2)
    assert cells[("Mon", 19)] == (1, 0)
    assert cells[("Sun", 14)] == (1, 1)  # Réunion's clock, not Paris's
    assert sum(m for m, _ in cells.values()) == 11
    fill, outline = _layers(spec)
    assert fill["encoding"]["color"]["field"] == "messages"
    assert outline["transform"] == [{"filter": "datum.blocked > 0"}]
    assert outline["encoding"]["stroke"]["scale"]["range"] == [charts.BLOCKED_COLOR]
    assert fill["encoding"]["y"]["scale"]["domain"] == charts.WEEKDAYS


def test_timeline_days_are_utc_and_holidays_limited_to_texted_territories(
    con: duckdb.DuckDBPyConnection,
) -> None:
    spec = charts.daily_timeline(con).to_dict()
    bars, rules, labels = _layers(spec)
    assert bars["encoding"]["x"]["timeUnit"] == "utcyearmonthdate"
    day_rows = spec["datasets"][bars["data"]["name"]]
    assert {"day": "2026-05-04", "status": "blocked", "messages": 2} in day_rows
    assert sum(r["messages"] for r in day_rows) == 11
    holidays = spec["datasets"][rules["data"]["name"]]
    # 1 May is before the traffic; GP's day is in a territory never texted.
    assert holidays == [
        {"day": "2026-05-08", "label": "Victoire 1945 (FR, RE)"},
        {"day": "2026-05-14", "label": "Ascension (FR)"},
        {"day": "2026-05-25", "label": "Lundi de Pentecôte (FR)"},
    ]
    assert labels["encoding"]["text"]["field"] == "label"


def test_wasted_spend_in_euros_by_month_and_aggregator(con: duckdb.DuckDBPyConnection) -> None:
    spec = charts.wasted_spend_by_month(con).to_dict()
    (rows,) = _values(spec)
    totals = {(r["month"], r["aggregator"]): round(r["cost"], 6) for r in rows}
    assert totals == {
        ("2026-05", "infobip"): 0.1,
        ("2026-05", "mgage"): 0.18,
        ("2026-06", "infobip"): 0.1,
        ("2026-06", "mgage"): 0.045,
    }
    assert spec["encoding"]["y"]["axis"]["format"] == "$,.2f"
    assert spec["config"]["locale"]["number"]["currency"] == ["€", ""]


def test_wasted_spend_in_two_currencies_is_faceted(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE wasted_spend SET currency = 'USD' WHERE aggregator = 'infobip'")
    spec = charts.wasted_spend_by_month(con).to_dict()
    assert spec["facet"]["row"]["field"] == "currency"
    assert "locale" not in spec.get("config", {})


def test_wasted_spend_reports_unpriced_messages(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("UPDATE wasted_spend SET cost = NULL WHERE campaign_id = 'LATE1'")
    spec = charts.wasted_spend_by_month(con).to_dict()
    assert spec["title"]["subtitle"] == "2 wasted messages without a price are not shown"


def test_late_campaign_spans_on_the_local_clock(con: duckdb.DuckDBPyConnection) -> None:
    spec = charts.late_campaign_spans(con).to_dict()
    (rows,) = _values(spec)
    late1 = [r for r in rows if r["run"] == "LATE1 · Mon 2026-05-04"]
    assert [(r["status"], r["start"], r["stop"], r["messages"]) for r in late1] == [
        ("allowed", "1970-01-01T19:55:00Z", "1970-01-01T19:55:00Z", 1),
        ("blocked", "1970-01-01T20:05:00Z", "1970-01-01T20:20:00Z", 2),
    ]
    assert {r["run"].split(" · ")[0] for r in rows} == {"LATE1", "LATE2", "JUNE"}
    assert spec["encoding"]["x"]["scale"]["type"] == "utc"


def test_funnel_stages_and_money(con: duckdb.DuckDBPyConnection) -> None:
    spec = charts.reconciliation_funnel(con).to_dict()
    (rows,) = _values(spec)
    assert [(r["stage"], r["pairs"]) for r in rows] == [
        ("Suppressed pairs", 3),
        ("Still opted in in Campaign", 2),
        ("Sent again after suppression", 2),
        ("Wasted on those sends", None),
    ]
    assert rows[-1]["label"] == "€0.10 (2 messages)"


def test_funnel_says_when_a_stage_was_not_audited(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("DROP TABLE suppressed_not_opted_out")
    (rows,) = _values(charts.reconciliation_funnel(con).to_dict())
    assert rows[1] == {"stage": "Still opted in in Campaign", "pairs": None, "label": "not audited"}


def test_profile_comparison_by_reason_and_severity(con: duckdb.DuckDBPyConnection) -> None:
    spec = charts.profile_comparison(con).to_dict()
    (rows,) = _values(spec)
    per_profile: dict[str, int] = {}
    for row in rows:
        per_profile[row["profile"]] = per_profile.get(row["profile"], 0) + row["messages"]
    assert per_profile == {"fr-acoustic": 6, "fr-af2m-2024": 2, "fr-af2m-2026": 2}
    assert spec["encoding"]["opacity"]["scale"]["domain"] == ["violation", "warning"]
    assert spec["encoding"]["color"]["scale"]["domain"][:4] == charts.REASONS


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_empty_tables_give_a_no_data_chart(name: str) -> None:
    con = db.connect()
    fx.empty(con)
    spec = charts.build(con, name).to_dict()
    assert spec["mark"]["type"] == "text"
    (rows,) = _values(spec)
    assert rows[0]["message"].startswith("No ")
    assert charts.to_svg(charts.build(con, name)).lstrip().startswith("<svg")


@pytest.mark.parametrize("name", list(charts.CHARTS))
def test_missing_tables_give_a_no_data_chart(name: str) -> None:
    spec = charts.build(db.connect(), name).to_dict()
    assert spec["mark"]["type"] == "text"


def test_svg_and_png_render_offline(con: duckdb.DuckDBPyConnection) -> None:
    chart = charts.wasted_spend_by_month(con)
    svg = charts.to_svg(chart)
    assert "€0.10" in svg  # the axis speaks euros
    assert svg.count('class="mark-rect role-mark') == 1
    assert charts.to_png(chart, scale=1).startswith(b"\x89PNG\r\n\x1a\n")


def test_money_formatting() -> None:
    assert charts.money(1234.5, "EUR") == "€1,234.50"
    assert charts.money(3, "USD") == "3.00 USD"
    assert charts.money(0.456, None) == "0.46"


marketing_rows = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60 * 24 * 20 - 1),  # minutes into 20 days
        st.booleans(),
        st.sampled_from(["marketing", "transactional"]),
    ),
    max_size=40,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=marketing_rows)
def test_heatmap_and_timeline_agree_with_a_python_oracle(
    rows: list[tuple[int, bool, str]],
) -> None:
    con = db.connect()
    fx.empty(con)
    for i, (minutes, blocked, cat) in enumerate(rows):
        con.execute(
            "INSERT INTO send_windows "
            "(message_id, territory, category, local_ts, local_date, blocked) "
            "SELECT $id, 'FR', $cat, ts, CAST(ts AS DATE), $blocked "
            "FROM (SELECT TIMESTAMP '2026-03-02 00:00:00' + to_minutes($minutes) AS ts)",
            {"id": f"x{i}", "cat": cat, "blocked": blocked, "minutes": minutes},
        )
    marketing = [(m, b) for m, b, cat in rows if cat == "marketing"]
    heat = charts.weekday_hour_heatmap(con).to_dict()
    timeline = charts.daily_timeline(con).to_dict()
    if not marketing:
        assert heat["mark"]["type"] == "text" and timeline["mark"]["type"] == "text"
        return
    expected: dict[tuple[str, int], list[int]] = {}
    per_day: dict[tuple[str, str], int] = {}
    for minutes, blocked in marketing:
        day, minute = divmod(minutes, 60 * 24)  # 2026-03-02 is a Monday
        cell = expected.setdefault((charts.WEEKDAYS[day % 7], minute // 60), [0, 0])
        cell[0] += 1
        cell[1] += blocked
        key = (f"2026-03-{2 + day:02d}", "blocked" if blocked else "allowed")
        per_day[key] = per_day.get(key, 0) + 1
    got = {(r["weekday"], r["hour"]): [r["messages"], r["blocked"]] for r in _values(heat)[0]}
    assert got == expected
    bars = _layers(timeline)[0]
    days = timeline["datasets"][bars["data"]["name"]]
    assert {(r["day"], r["status"]): r["messages"] for r in days} == per_day


def test_late_campaigns_over_months_keep_the_chart_small(tmp_path: Path) -> None:
    """30 campaigns each late on 100 days: the chart keeps its size, says how many more,
    and renders (Altair refuses data over 5,000 rows; a big SVG would swamp the report)."""
    import datetime as dt

    import smsaudit
    from smsaudit.charts import MAX_RUNS, to_svg

    lines = ["message_id,sent_at,msisdn,sender_id,campaign_id"]
    start = dt.date(2026, 1, 5)
    for c in range(30):
        for d in range(100):
            day = start + dt.timedelta(days=d)
            for hour in (9, 20):  # 10:00 allowed, 21:00 blocked in winter (UTC+1)
                n = len(lines)
                lines.append(f"m{n},{day}T{hour:02d}:00:00Z,06{n % 100000000:08d},36184,C{c:02d}")
    (tmp_path / "sends.csv").write_text("\n".join(lines) + "\n")
    audit = smsaudit.audit(tmp_path)
    assert audit.count("late_campaigns") == 30
    chart = audit.chart("late_campaign_spans")
    runs = {row["run"] for row in chart.data.iter_rows(named=True)}
    assert len(runs) == MAX_RUNS
    assert "and" in str(chart.title.subtitle) and "more" in str(chart.title.subtitle)
    assert to_svg(chart).lstrip().startswith(("<svg", "<?xml"))


def test_every_chart_and_the_report_stay_small_on_years_of_traffic(tmp_path: Path) -> None:
    """Nine years, 3,000 late campaigns, 40 aggregators, 6 currencies and 500 senders: every
    chart holds a bounded number of rows (Altair refuses over 5,000), says what it left
    out, and the report and workbook are written."""
    import datetime as dt

    import smsaudit
    from smsaudit.charts import MAX_BARS, MAX_CURRENCIES, MAX_SERIES

    lines = ["message_id,sent_at,msisdn,sender_id,campaign_id,aggregator,price,currency"]
    start = dt.date(2017, 1, 2)
    currencies = ["EUR", "USD", "GBP", "CHF", "SEK", "NOK"]
    for c in range(3000):
        day = start + dt.timedelta(days=c)  # one campaign a day, each late at 21:00 UTC
        for hour in (9, 21):
            n = len(lines)
            lines.append(
                f"m{n},{day}T{hour:02d}:00:00Z,06{n:08d},{30000 + c % 500},C{c:04d},"
                f"agg{c % 40},0.05,{currencies[c % 6]}"
            )
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sends.csv").write_text("\n".join(lines) + "\n")
    audit = smsaudit.audit(tmp_path / "data")
    assert audit.count("late_campaigns") > 2000
    for name in smsaudit.charts.CHARTS:
        chart = audit.chart(name)
        data = chart.to_dict()["datasets"]
        assert max(len(rows) for rows in data.values()) <= 2 * MAX_BARS * 3, name
    timeline = audit.chart("daily_timeline")
    assert timeline.title.text == "Marketing traffic per local month"
    assert "3,000 days of traffic, one bar per month" in str(timeline.title.subtitle)
    wasted = audit.chart("wasted_spend_by_month").to_dict()
    rows = next(iter(wasted["datasets"].values()))
    assert len({r["aggregator"] for r in rows}) <= MAX_SERIES + 1
    assert any(r["aggregator"].startswith("other (32 aggregators") for r in rows)
    assert len({r["currency"] for r in rows}) == MAX_CURRENCIES
    assert "2 more currencies not shown" in str(wasted["title"]["subtitle"])
    assert len({r["month"] for r in rows}) == 9  # years, not 99 months
    written = audit.save(tmp_path / "out", formats=("csv", "xlsx"))
    assert (tmp_path / "out" / "report.html").stat().st_size < 3_000_000
    assert any(p.name == "smsaudit.xlsx" for p in written)
