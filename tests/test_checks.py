"""Invariant checks (smsaudit.checks): they hold on a real audit and fail loudly, naming the
table and value, when a table is broken. Each test breaks an audit of its own."""

from __future__ import annotations

import pytest

import smsaudit
from smsaudit import checks


@pytest.fixture
def audit() -> smsaudit.Audit:
    return smsaudit.audit(smsaudit.demo_data_dir())


def test_every_check_holds_on_the_samples(audit: smsaudit.Audit) -> None:
    got = audit.checks()
    assert [(c.name, c.status) for c in got] == [
        ("row_accounting", "ok"),
        ("contract", "ok"),
        ("pricing", "ok"),
    ]
    assert "10,212 rows read in 10 input files" in got[0].message


def test_row_accounting_that_does_not_balance_names_the_file(audit: smsaudit.Audit) -> None:
    audit.con.execute("UPDATE row_accounting SET rows_read = rows_read + 1 WHERE kind = 'mo'")
    check = checks.row_accounting(audit.con)
    assert (check.status, check.ok) == ("failed", False)
    assert check.message == "row accounting does not balance for mo_2026-05.csv"


def test_contract_values_and_columns(audit: smsaudit.Audit) -> None:
    con = audit.con
    con.execute("UPDATE suppressions SET evidence = 'rumour' WHERE evidence = 'export'")
    check = checks.contract(con, ["suppressions"])
    assert check.status == "failed" and "suppressions.evidence" in check.message
    assert "rumour" in check.message
    con.execute("ALTER TABLE suppressions DROP COLUMN evidence")
    check = checks.contract(con, ["suppressions"])
    assert check.message == "suppressions lacks contract column(s) ['evidence']"


def test_unpriced_messages_warn_and_a_silent_zero_fails(audit: smsaudit.Audit) -> None:
    con = audit.con
    con.execute("DROP TABLE price_totals")  # the check then counts message_costs as it reads
    con.execute(
        "UPDATE message_costs SET price = NULL, price_source = NULL, cost = NULL "
        "WHERE message_id IN (SELECT message_id FROM message_costs ORDER BY 1 LIMIT 3)"
    )
    check = checks.pricing(con)
    assert check.status == "warning" and check.ok
    assert check.message.startswith("3 messages have no price")
    con.execute(
        "UPDATE message_costs SET cost = 0 "
        "WHERE message_id = (SELECT min(message_id) FROM message_costs WHERE cost IS NULL)"
    )
    assert checks.pricing(con).message == "1 messages without a price source carry a cost"
