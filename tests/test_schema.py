"""Canonical tables: every loader kind has one, with provenance columns."""

from __future__ import annotations

import zoneinfo

from smsaudit import db, schema


def test_every_kind_has_a_canonical_table_with_provenance() -> None:
    assert set(schema.KIND_TABLE.values()) == set(schema.CANONICAL)
    for columns in schema.CANONICAL.values():
        assert list(columns)[-2:] == ["input_file", "line"]


def test_clocks_are_real_zones() -> None:
    for territory, zone in schema.TERRITORY_CLOCKS.items():
        assert zoneinfo.ZoneInfo(zone), territory


def test_create_all_empty() -> None:
    con = db.connect()
    schema.create_all_empty(con)
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == set(schema.CANONICAL)
    cols = con.execute("DESCRIBE sends").fetchall()
    assert [c[0] for c in cols] == list(schema.CANONICAL["sends"])
