"""The translation of ``sql/`` to Spark SQL, without a JVM: every file the engine runs
translates, its output is pinned (``tests/spark_sql/``), and the corrections do what they say.

When a change of ``sql/`` or of sqlglot alters a translation, review the diff and regenerate:
``SMSAUDIT_REGENERATE_GOLDEN=1 pytest tests/test_engines_spark_sql.py``.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from smsaudit import catalogue, sqlfiles
from smsaudit.engines import spark_sql

SNAPSHOTS = Path(__file__).parent / "spark_sql"
REGENERATE = os.environ.get("SMSAUDIT_REGENERATE_GOLDEN") == "1"
# Representative values of the parameters the engine's files take.
PARAMS: dict[str, object] = {
    "has_programs": True,
    "close_minutes": 1200,
    "bucket_us": 900_000_000,
    "start": datetime(2026, 5, 1, tzinfo=UTC),
    "end": datetime(2026, 5, 31, 21, 59, 59, 123456, tzinfo=UTC),
}


def _spark(name: str) -> str:
    given = {k: PARAMS[k] for k in sqlfiles.parameters(name)}
    return spark_sql.query(name, given)


@pytest.mark.parametrize("name", catalogue.ENGINE_SQL)
def test_every_engine_file_translates_as_pinned(name: str) -> None:
    got = _spark(name) + "\n"
    path = SNAPSHOTS / f"{name}.sql"
    if REGENERATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == got


def test_no_stale_snapshot() -> None:
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.sql")) == sorted(catalogue.ENGINE_SQL)


# DuckDB names that must never reach Spark: it does not know them, or knows them otherwise.
DUCKDB_ONLY = (
    r"\bEPOCH_US\(", r"\bMAKE_TIMESTAMPTZ\(", r"\bTIMEZONE\(", r"\bLIST_REDUCE\(",
    r"\bLIST_POSITION\(", r"\bERROR\(", r"\bREGEXP_FULL_MATCH\(", r"\bNOT MATERIALIZED\b",
    r"\bDAYOFWEEK\(", r"\bUNIX_TIMESTAMP\(", r"\bASOF\b", r"\bROWID\b", r"\bBY NAME\b",
    r"\bLISTAGG\(", r":[a-z_]+\b",
)  # fmt: skip


@pytest.mark.parametrize("name", catalogue.ENGINE_SQL)
def test_no_duckdb_only_name_reaches_spark(name: str) -> None:
    text = re.sub(r"'[^']*'", "''", _spark(name))  # not inside string literals
    assert [n for n in DUCKDB_ONLY if re.search(n, text, re.I)] == []


def test_isodow_counts_sunday_as_7_not_2() -> None:
    # sqlglot alone writes ((DAYOFWEEK(x) % 7) + 1): Sunday 2 (SCALEOUT §2, silent).
    assert spark_sql.transpile("SELECT isodow(t) FROM x") == "SELECT (WEEKDAY(t) + 1) FROM x"


@pytest.mark.parametrize(
    ("strftime", "java"),
    [
        ("%Y-%m-%dT%H:%M:%S", "yyyy-MM-dd'T'HH:mm:ss"),
        ("%Y-%m", "yyyy-MM"),
        ("%d/%m/%Y at %H", "dd/MM/yyyy' at 'HH"),
        ("it's %Y", "'it''s 'yyyy"),
    ],
)
def test_strftime_formats_quote_their_letters(strftime: str, java: str) -> None:
    assert spark_sql.java_format(strftime) == java


def test_an_unknown_strftime_directive_is_an_error_not_a_guess() -> None:
    with pytest.raises(ValueError, match="%j"):
        spark_sql.java_format("%Y-%j")


def test_corrections() -> None:
    t = spark_sql.transpile
    assert (
        t("SELECT epoch_us(a), make_timestamptz(b)") == "SELECT UNIX_MICROS(a), TIMESTAMP_MICROS(b)"
    )
    assert t("SELECT timezone('Europe/Paris', a)") == (
        "SELECT FROM_UTC_TIMESTAMP(a, 'Europe/Paris')"
    )
    assert t("SELECT list_position(['x'], a)") == "SELECT NULLIF(ARRAY_POSITION(ARRAY('x'), a), 0)"
    assert t("SELECT list_reduce(l, lambda a, b: a + b, 0)") == (
        "SELECT AGGREGATE(l, 0, (a, b) -> a + b)"
    )
    assert t("SELECT regexp_full_match(a, '[0-9]+')") == "SELECT a RLIKE '^(?:[0-9]+)$'"
    assert t("SELECT regexp_full_match(a, p)") == "SELECT a RLIKE ('^(?:' || p || ')$')"
    # DuckDB's / is a DOUBLE whatever the operands; Spark keeps DECIMAL / DECIMAL a DECIMAL
    assert t("SELECT a / b, a // b") == "SELECT CAST(a AS DOUBLE) / b, a DIV b"
    assert t("SELECT error('x')") == "SELECT RAISE_ERROR('x')"
    assert t("SELECT string_split(a, '')") == "SELECT SPLIT(a, '')"  # characters
    assert t("SELECT string_split(a, '.')") == "SELECT SPLIT(a, CONCAT('\\\\Q', '.', '\\\\E'))"
    assert t("WITH r AS NOT MATERIALIZED (SELECT 1) SELECT * FROM r") == (
        "WITH r AS (SELECT 1) SELECT * FROM r"
    )
    # nested: the inner call is corrected before the outer one takes it along
    assert t("SELECT timezone('UTC', make_timestamptz(epoch_us(a)))") == (
        "SELECT FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(UNIX_MICROS(a)), 'UTC')"
    )


def test_parameters_become_typed_literals() -> None:
    sql = "SELECT $i, $b, $s, $t, $d, $n"
    got = spark_sql.transpile(
        sql,
        {
            "i": 5,
            "b": False,
            "s": "it's",
            "t": datetime(2026, 3, 29, 1, 0, 0, 5, tzinfo=UTC),
            "d": date(2026, 3, 29),
            "n": None,
        },
    )
    assert got == (
        "SELECT CAST(5 AS BIGINT), FALSE, 'it\\'s', CAST('2026-03-29 01:00:00.000005' AS "
        "TIMESTAMP), CAST('2026-03-29' AS DATE), NULL"
    )


def test_parameters_must_match_the_file() -> None:
    with pytest.raises(ValueError, match="close_minutes"):
        spark_sql.query("latest_safe_start", {})
    with pytest.raises(ValueError, match="takes"):
        spark_sql.query("latest_safe_start", {"close_minutes": 1, "typo": 2})


def test_list_parameters_are_refused() -> None:
    # Spark has no array parameter with DuckDB's 1-based subscripts (SCALEOUT §3).
    with pytest.raises(TypeError, match="list"):
        spark_sql.transpile("SELECT $l", {"l": [1, 2]})


# Constructs an engine file may not use: each failed on Spark or had no faithful translation.
ENGINE_NOT_PORTABLE = {
    r"\b(FROM|JOIN)\s+range\s*\(": "range() as a table (unnest(range(...)) in a select list)",
    r"\$[a-z_]+\s*\[": "a subscripted parameter (Spark arrays are 0-based)",
    r"\bstring_agg\b": "string_agg (array_to_string(list_sort(list(...)), ','))",
    r"\bround\s*\((?!\s*CAST\()": "round() of a DOUBLE (round a DECIMAL, as latest_safe_start)",
    r"\\s": r"\s in a regex (Java's also takes \x0B: spell out [\t\n\f\r ], RE2's \s)",
    # Spark's UNIX_TIMESTAMP drops the fraction, and DuckDB's own epoch() rounds differently
    # from any division (-2.0000000000000486e-06 s for 2 µs before 1970)
    r"\bepoch\s*\(": "epoch() (epoch_us(x) / 1000000: the same DOUBLE on both engines)",
}


@pytest.mark.parametrize("name", catalogue.ENGINE_SQL)
def test_engine_files_stay_portable(name: str) -> None:
    code = re.sub(r"--[^\n]*", "", sqlfiles.query(name))
    found = [why for p, why in ENGINE_NOT_PORTABLE.items() if re.search(p, code, re.I)]
    assert not found, f"{name}.sql: {found}"
