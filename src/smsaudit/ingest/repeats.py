"""Messages seen twice: a duplicate send is rejected, a superseded receipt is out of scope.

Both verdicts depend on other rows, so they are decided after a kind's work table is
written (``load._finish_kind``), among the few rows whose message_id repeats, into a small
table ``late_verdicts`` that the row reports and the final DELETE read. The work table is
never updated: at 20M the superseded receipts took 5.7 s as an UPDATE, 3.9 s so (an UPDATE
of a compressed table was worse still, 10-15 s: ``benchmarks/README.md``, session 10).

``late_verdicts`` holds, per row (``rid``: its rowid in the work table), what the reports
need of it (input_file, line, file_ord, naive__n) and the verdict that replaces the one the
row alone gave (rej_column, rej_value, rej_reason, out_reason).
"""

from __future__ import annotations

import duckdb

from .expressions import clip


def _repeated_ids(work: str, where: str) -> str:
    """SQL (a FROM item): the rows of ``work`` matching ``where`` whose message_id may repeat.

    Repeats are rare: candidates are the rows whose 64-bit hash of message_id repeats, found
    as equal neighbours once the hashes are sorted (at 20M rows 2.0 s, against 3.1 s for a
    grouping of the hashes, which has one group per row). Callers then rank the few
    candidates by their actual message_id, so a hash collision merely adds a candidate
    ranked alone. ``rid`` is the row's rowid.
    """
    return f"""(SELECT rowid AS rid, hash(message_id) AS h, * FROM {work} WHERE {where}) AS u
        SEMI JOIN (
          SELECT h FROM (
            SELECT h, lag(h) OVER (ORDER BY h) AS previous
            FROM (SELECT hash(message_id) AS h FROM {work} WHERE {where})
          ) WHERE h = previous
        ) AS m USING (h)"""


def duplicate_sends(con: duckdb.DuckDBPyConnection, work: str) -> None:
    """A message_id seen again: the first usable occurrence (file order, line) is kept; the
    later ones are rejected, pointing at the first (rejection outranks out of scope)."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE late_verdicts AS
           SELECT rid, input_file, line, file_ord, naive__n,
             'message_id' AS rej_column, {clip("message_id")} AS rej_value,
             'duplicate message_id (first at ' || f0 || ' line ' || l0 || ')' AS rej_reason,
             NULL::VARCHAR AS out_reason
           FROM (
             SELECT *, row_number() OVER w AS dup_rank,
                    first_value(input_file) OVER w AS f0, first_value(line) OVER w AS l0
             FROM {_repeated_ids(work, "rej_reason IS NULL")}
             WINDOW w AS (PARTITION BY message_id ORDER BY file_ord, line)
           )
           WHERE dup_rank > 1"""
    )


def superseded_receipts(con: duckdb.DuckDBPyConnection, work: str) -> None:
    """Only the latest report of a message counts (then the later file and line): the others
    are out of scope."""
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE late_verdicts AS
            SELECT rid, input_file, line, file_ord, naive__n, NULL::VARCHAR AS rej_column,
              NULL::VARCHAR AS rej_value, NULL::VARCHAR AS rej_reason,
              'superseded by a later receipt' AS out_reason
            FROM (
              SELECT *, row_number() OVER (PARTITION BY message_id
                ORDER BY done_at DESC NULLS LAST, file_ord DESC, line DESC) AS rk
              FROM {_repeated_ids(work, "rej_reason IS NULL AND out_reason IS NULL")}
            )
            WHERE rk > 1"""
    )


def no_late_verdicts(con: duckdb.DuckDBPyConnection) -> None:
    """An empty ``late_verdicts``, for the kinds whose rows are judged alone."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE late_verdicts (rid BIGINT, input_file VARCHAR, "
        "line BIGINT, file_ord BIGINT, naive__n BIGINT, rej_column VARCHAR, "
        "rej_value VARCHAR, rej_reason VARCHAR, out_reason VARCHAR)"
    )
