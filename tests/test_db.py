"""The shared connection is pinned to UTC whatever the machine's zone."""

from __future__ import annotations

import os
import time

import pytest

from smsaudit import db


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
