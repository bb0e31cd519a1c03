"""The Audit object: headline first, tables as polars frames, saving, display."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

import smsaudit
from smsaudit import catalogue

STORY = Path(__file__).parent / "data" / "story"


@pytest.fixture
def story(story_audit: smsaudit.Audit) -> smsaudit.Audit:
    return story_audit


def test_summary_headline(story: smsaudit.Audit) -> None:
    figures = {h.label: h for h in story.summary()}
    assert figures["messages audited"].value == 5
    assert figures["marketing messages"].value == 4
    assert figures["sent in a blocked window (fr-acoustic)"].text == "2 (50.0%)"
    assert figures["wasted spend"].text == "€0.20"
    assert figures["contacts to opt out in Campaign"].value == 1


def test_wasted_never_adds_currencies() -> None:
    own = smsaudit.audit(STORY)  # changes its tables: not the shared audit
    own.con.execute("UPDATE wasted_spend SET currency = 'USD' WHERE reason = 'public_holiday'")
    figures = {h.label: h for h in own.summary()}
    assert figures["wasted spend"].text == "€0.15 + 0.05 USD"
    assert math.isnan(figures["wasted spend"].value)


def test_tables_are_polars(story: smsaudit.Audit) -> None:
    frame = story["blocked_window_messages"]
    assert isinstance(frame, pl.DataFrame)
    assert frame.columns[:4] == ["message_id", "msisdn", "sender_id", "campaign_id"]
    assert story.table("rejected_rows", limit=0).height == 0
    with pytest.raises(KeyError):
        story.table("sends; DROP TABLE sends")


def test_html_repr_shows_headline_first(story: smsaudit.Audit) -> None:
    html = story._repr_html_()
    assert html.index("messages audited") < html.index("finding tables")
    assert "consent_updates" in html


def test_repr_is_text(story: smsaudit.Audit) -> None:
    assert repr(story).startswith("Audit(profile='fr-acoustic')")


def test_assumptions_name_the_profile(story: smsaudit.Audit) -> None:
    labels = dict(story.assumptions())
    assert "fr-acoustic" in labels["profile"]
    assert "acoustic" in labels["profile source"].lower()


def test_save_writes_every_table(story: smsaudit.Audit, tmp_path: Path) -> None:
    paths = story.save(tmp_path, ["csv", "parquet", "xlsx"])
    names = {p.name for p in paths}
    for table in story.tables:
        assert f"{table}.csv" in names and f"{table}.parquet" in names
    for table in ("finance_summary", "latest_safe_start", "out_of_scope_rows"):
        assert f"{table}.csv" in names
    assert "report.html" in names
    assert any(n.endswith(".xlsx") for n in names)


def test_save_rejects_unknown_format(story: smsaudit.Audit, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pdf"):
        story.save(tmp_path, ["pdf"])


def test_chart(story: smsaudit.Audit) -> None:
    from smsaudit.charts import CHARTS

    for name in CHARTS:
        spec = story.chart(name).to_dict()
        assert "$schema" in spec


def test_a_skipped_audit_writes_no_file_and_says_why(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"
    )
    result = smsaudit.audit(data)
    assert "consent_updates" in result.skipped
    out = tmp_path / "out"
    result.save(out, ["csv", "xlsx"])
    names = {p.name for p in out.iterdir()}
    for table in result.skipped:
        assert f"{table}.csv" not in names
    assert "blocked_window_messages.csv" in names
    report = (out / "report.html").read_text()
    assert "Not produced: the audit was skipped (no consent* export given)" in report


def test_to_dict_holds_figures_by_stable_key_and_every_outcome() -> None:
    import json

    audit = smsaudit.audit(smsaudit.demo_data_dir())
    data = json.loads(json.dumps(audit.to_dict()))  # plain JSON all the way down
    assert data["profile"] == "fr-acoustic"
    figures = {k: v["value"] for k, v in data["figures"].items()}
    assert figures["blocked_messages"] == 667 and figures["to_opt_out"] == 21
    assert figures["sends_after_suppression"] == 77 and figures["rejected_rows"] == 5
    assert data["wasted_spend"] == {"EUR": "55.87"}
    assert set(data["tables"]) == set(audit.tables) | set(catalogue.EXTRAS)
    assert data["tables"]["late_campaigns"] == {"outcome": "ran", "rows": 2, "reason": None}
    assert [c["status"] for c in data["checks"]] == ["ok", "ok", "ok"]
    assert sum(f["rows_read"] for f in data["inputs"]["files"]) == 10_212


def test_summary_json_is_written_with_the_tables_and_holds_no_number(tmp_path: Path) -> None:
    import json
    import re

    folder = tmp_path / "data"
    (folder).mkdir()
    (folder / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T10:00:00Z,0612345678,36184\n"
    )
    audit = smsaudit.audit(folder)
    paths = audit.save(tmp_path / "out", mask_msisdn=True)
    summary = tmp_path / "out" / "summary.json"
    assert summary in paths
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert data["tables"]["consent_updates"] == {
        "outcome": "skipped",
        "rows": 0,
        "reason": "no consent* export given",
    }
    assert data["tables"]["blocked_window_messages"]["outcome"] == "empty"
    assert not re.search(r"6\D?12\D?34\D?56\D?78", summary.read_text(encoding="utf-8"))


def test_sql_gives_text_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    from smsaudit.ingest import verdicts

    monkeypatch.setattr(verdicts, "DICTIONARY_MIN_ROWS", 0)  # ENUMs even for small data
    audit = smsaudit.audit(smsaudit.demo_data_dir())
    frame = audit.sql(
        "SELECT sender_id, count(*) AS n FROM sends WHERE sender_id = $s GROUP BY 1", {"s": "36184"}
    )
    assert frame.schema["sender_id"] == pl.String and frame["n"][0] > 0
    enum_backed = audit.con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE table_name = 'sends' "
        "AND column_name = 'sender_id'"
    ).fetchall()[0][0]
    assert enum_backed.startswith("ENUM")  # the loader's dictionary: Audit.sql hides it


def test_showing_an_audit_leaves_its_connection_free(story: smsaudit.Audit) -> None:
    """A notebook displays the audit, then the analyst queries ``audit.con`` with the
    relational API: a result left half-fetched (``fetchone``) blocks that with
    ResourceInUseException in DuckDB 2."""
    for show in (repr, lambda a: a._repr_html_(), lambda a: a.summary(), lambda a: a.checks()):
        show(story)
        assert story.con.sql("SELECT 42").fetchall() == [(42,)]


def test_no_module_leaves_a_result_half_fetched() -> None:
    """``fetchone`` leaves a DuckDB result open until a fetch returns nothing; every module
    fetches to the end (``fetchall``) instead."""
    src = Path(smsaudit.__file__).parent
    offenders = [
        str(p.relative_to(src)) for p in src.rglob("*.py") if ".fetchone(" in p.read_text()
    ]
    assert offenders == []
