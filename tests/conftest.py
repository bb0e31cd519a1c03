"""Shared test fixtures: the audits many modules read (built once per session, never
mutated: a test that changes tables builds its own), and the one builder of canonical rows.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import settings

import smsaudit
from smsaudit import db, schema

# `make test` (and so CI) draws the same examples on every run: a red build can be replayed,
# and a new counter-example never blocks unrelated work. `make fuzz` draws fresh ones.
settings.register_profile("ci", derandomize=True)
settings.register_profile("fuzz", derandomize=False)
settings.load_profile(os.environ.get("SMSAUDIT_HYPOTHESIS", "ci"))

TESTS = Path(__file__).parent
SAMPLES = TESTS.parent / "data_samples"
STORY = TESTS / "data" / "story"


@pytest.fixture(scope="session")
def samples_audit() -> smsaudit.Audit:
    """The audit of ``data_samples/`` (read only)."""
    return smsaudit.audit(SAMPLES)


@pytest.fixture(scope="session")
def story_audit() -> smsaudit.Audit:
    """The audit of ``tests/data/story`` (read only)."""
    return smsaudit.audit(STORY)


def canonical_tables(con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyConnection:
    """A connection (``con`` or a new one) whose canonical tables are all empty."""
    con = con or db.connect()
    schema.create_all_empty(con)
    return con


def insert(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: list[dict[str, Any]],
    defaults: Mapping[str, Mapping[str, Any]] | None = None,
) -> None:
    """Insert dict rows into a canonical table: the module's ``defaults`` for that table,
    then ``input_file`` = ``<table>.csv`` and ``line`` = 1, 2, ..., then the row's own values."""
    for line, row in enumerate(rows, start=1):
        full = {
            **(defaults or {}).get(table, {}),
            "input_file": f"{table}.csv",
            "line": line,
            **row,
        }
        cols = ", ".join(f'"{c}"' for c in full)
        marks = ", ".join(f"${c}" for c in full)
        con.execute(f"INSERT INTO {table} ({cols}) VALUES ({marks})", full)


@pytest.fixture
def bring_all(monkeypatch: pytest.MonkeyPatch) -> None:
    """Spark brings back every table, the large ones too, to compare them all with DuckDB."""
    from smsaudit.engines import spark

    monkeypatch.setattr(spark.SparkEngine, "bring_all", True)


@pytest.fixture(scope="session")
def spark_session() -> Any:
    """One local Spark session (two cores) for every Spark test; it is not stopped, as a
    session cannot be restarted in the same process."""
    from smsaudit.engines import spark

    return spark.start_session("local[2]")
