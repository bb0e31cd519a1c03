"""Suppression and consent reconciliation: what the aggregators stopped and Campaign never heard.

Each table is one SQL file under ``smsaudit/sql`` (see the comment at its top for the rules it
applies); this module only knows their order. Besides the finding tables of CONTRACT §4 it
leaves helper tables in the connection, so every decision can be traced:

- ``sender_routes``: the opt-out route of each (program_id, sender_id, aggregator) in use;
- ``blocked_sends``: sends whose receipt says the destination blocked them (061 or Infobip's
  equivalent);
- ``unattributed_stops``: STOP MOs from numbers that had received no MT yet;
- ``latest_consent``: the current consent row of each (msisdn, program_id);
- ``stop_footer_checks`` (a view): every marketing send with its expected STOP mention and
  the outcome, including the sends that could not be checked (no body, unknown route).
"""

from __future__ import annotations

import duckdb

from . import catalogue
from .engines import DuckDBEngine

# Dependency order (catalogue.py): each table reads only canonical tables, ``message_costs``
# and the tables before it.
_FIRST = catalogue.RELATIONS.index(catalogue.BY_NAME["sender_routes"])
_LAST = catalogue.RELATIONS.index(catalogue.BY_NAME["invalid_consent_source"])
RECONCILIATION_TABLES: tuple[str, ...] = tuple(
    r.name for r in catalogue.RELATIONS[_FIRST : _LAST + 1]
)


def run(con: duckdb.DuckDBPyConnection, *, has_programs: bool) -> None:
    """Materialize :data:`RECONCILIATION_TABLES` in ``con`` (views where catalogue.py says).

    Needs the canonical tables (empty ones are fine) and ``message_costs``. ``has_programs``
    says whether a ``programs`` input was given; without it, routes come from the sends.
    """
    for table in RECONCILIATION_TABLES:
        create(con, table, has_programs=has_programs)


def create(con: duckdb.DuckDBPyConnection, table: str, *, has_programs: bool) -> None:
    """Create one of :data:`RECONCILIATION_TABLES`: a table, or a view (catalogue.py)."""
    catalogue.build(DuckDBEngine(con), catalogue.BY_NAME[table], {"has_programs": has_programs})
