"""The shared connection is pinned to UTC whatever the machine's zone."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from smsaudit import db, export


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo", "UTC"])
def test_session_time_zone_is_utc(monkeypatch: pytest.MonkeyPatch, zone: str) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        con = db.connect()
        assert con.execute("SELECT current_setting('TimeZone')").fetchone() == ("UTC",)
        shown = con.execute(
            "SELECT CAST(TIMESTAMPTZ '2026-05-04 10:00:00+02:00' AS VARCHAR)"
        ).fetchone()
        assert shown == ("2026-05-04 08:00:00+00",)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert "TZ" not in os.environ


def test_threads_setting() -> None:
    con = db.connect(threads=1)
    assert con.execute("SELECT current_setting('threads')").fetchone() == (1,)


def test_no_progress_bar_in_outputs(capfd: pytest.CaptureFixture[str]) -> None:
    con = db.connect()
    con.execute("SELECT count(*) FROM range(50000000) t(i) WHERE i % 7 = 0").fetchall()
    assert capfd.readouterr().out == ""


def test_spills_into_a_private_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over its memory limit DuckDB spills; never into the folder the user runs us from."""
    monkeypatch.chdir(tmp_path)
    con = db.connect(memory_limit="64MB", threads=1)
    spill = Path(str(con.execute("SELECT current_setting('temp_directory')").fetchone()[0]))
    assert spill.parent == Path(tempfile.gettempdir())
    assert spill.name.startswith("smsaudit-spill-")
    # A sort of ~200 MB of strings cannot stay within 64 MB: it must spill to succeed.
    con.execute(
        "CREATE TABLE t AS SELECT md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s "
        "FROM range(3000000) r(i) ORDER BY s"
    )
    assert con.execute("SELECT count(*) FROM t").fetchone() == (3000000,)
    assert list(tmp_path.iterdir()) == []


def test_unordered_results_may_be_reordered_but_order_by_holds() -> None:
    """Within an audit preserve_insertion_order is off (memory at scale); ORDER BY still
    orders a table, and the setting is back on afterwards."""
    con = db.connect(threads=2)
    with db.unordered(con):
        setting = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
        assert setting == (False,)
        con.execute("CREATE TABLE r AS SELECT hash(i) % 100000 AS k, i FROM range(2000000) t(i)")
        con.execute("CREATE TABLE o AS SELECT * FROM r ORDER BY k, i")
    misplaced = con.execute(
        "SELECT count(*) FROM (SELECT k, i, lag(k) OVER w AS pk, lag(i) OVER w AS pi FROM o "
        "WINDOW w AS (ORDER BY rowid)) WHERE pk > k OR (pk = k AND pi > i)"
    ).fetchone()
    assert misplaced == (0,)
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchone() == (True,)


@pytest.mark.parametrize("key", ["hash(i) % 100000", "lpad((hash(i) % 100000)::VARCHAR, 6, '0')"])
def test_a_finished_table_is_written_in_its_order(tmp_path: Path, key: str) -> None:
    """Written in parallel with preserve_insertion_order off, a big output came out shuffled
    (blocked_window_messages at 2M sends): outputs are written after the audit, in order.
    Text columns too, whose CSV form neutralises formulas (a long IN list there once
    reordered the rows)."""
    con = db.connect(threads=2)
    with db.unordered(con):
        con.execute(
            f"CREATE TABLE o AS SELECT {key} AS k, i FROM range(2000000) t(i) ORDER BY k, i"
        )
    export.write_csv(con, "o", tmp_path / "o.csv")
    with (tmp_path / "o.csv").open(encoding="utf-8") as fh:
        next(fh)
        rows = [tuple(int(v) for v in line.split(",")) for line in fh]
    assert len(rows) == 2000000
    assert rows == sorted(rows)
