"""Invariant checks run after every audit (by the CLI, the notebooks and ``summary.json``).

Each reads aggregates of the audit's connection, never whole tables, and gives one
:class:`Check`: whether it held and one line saying what held or what broke. A broken
invariant is a bug (the CLI exits 1); a warning (unpriced messages) is a data gap, reported.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import duckdb

from . import catalogue, sqlfiles

Status = Literal["ok", "warning", "failed"]


@dataclass(frozen=True)
class Check:
    """One invariant: its stable name, its status and what it found."""

    name: str
    status: Status
    message: str

    @property
    def ok(self) -> bool:
        return self.status != "failed"


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object] | None = None) -> int:
    row = con.execute(sql, params).fetchall()
    return int(row[0][0] or 0) if row else 0


def row_accounting(con: duckdb.DuckDBPyConnection) -> Check:
    """Every input row is used, rejected or out of scope."""
    bad = con.execute(
        "SELECT input_file FROM row_accounting "
        "WHERE rows_read <> rows_used + rows_rejected + rows_out_of_scope ORDER BY input_file"
    ).fetchall()
    if bad:
        files = ", ".join(str(r[0]) for r in bad)
        return Check("row_accounting", "failed", f"row accounting does not balance for {files}")
    count = _one(con, "SELECT count(*) FROM row_accounting")
    rows = _one(con, "SELECT sum(rows_read) FROM row_accounting")
    return Check(
        "row_accounting",
        "ok",
        f"row accounting balances: {rows:,} rows read in {count} input files = "
        "used + rejected + out of scope",
    )


def contract(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> Check:
    """Each finding table carries its contract columns; enumerated ones hold contract values."""
    chosen = list(tables)
    for table in chosen:
        relation = catalogue.BY_NAME[table]
        columns = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = $t", {"t": table}
            ).fetchall()
        }
        missing = [c for c in relation.columns if c not in columns]
        if missing:
            return Check("contract", "failed", f"{table} lacks contract column(s) {missing}")
        for column, allowed in relation.values.items():
            # Identifiers come from the catalogue, never from data.
            bad = con.execute(
                f'SELECT DISTINCT "{column}" FROM {table} WHERE "{column}" IS NULL '
                f'OR NOT list_contains($allowed, "{column}") ORDER BY 1',
                {"allowed": list(allowed)},
            ).fetchall()
            if bad:
                values = [r[0] for r in bad]
                return Check(
                    "contract", "failed", f"{table}.{column} holds values outside the contract: "
                    f"{values}"
                )  # fmt: skip
    return Check(
        "contract", "ok", f"contract columns and values present in {len(chosen)} finding tables"
    )


def pricing(con: duckdb.DuckDBPyConnection) -> Check:
    """No cost is a silent zero; unpriced messages are a warning (a data gap), not a failure."""
    totals = sqlfiles.relation(con, "price_totals")
    silent = _one(con, f"SELECT sum(messages) FROM {totals} WHERE price_source IS NULL AND priced")
    if silent:
        return Check("pricing", "failed", f"{silent} messages without a price source carry a cost")
    unpriced = _one(con, f"SELECT sum(messages) FROM {totals} WHERE NOT priced")
    if unpriced == 0:
        return Check("pricing", "ok", "every message is priced (receipt, rate card or send row)")
    wasted = _one(con, "SELECT sum(unpriced_messages) FROM wasted_spend")
    return Check(
        "pricing",
        "warning",
        f"{unpriced:,} messages have no price ({wasted:,} of them wasted): their cost is "
        "unknown and missing from every total, which are lower bounds",
    )


def run_all(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> list[Check]:
    """Every check, on the finding ``tables`` that ran."""
    return [row_accounting(con), contract(con, tables), pricing(con)]
