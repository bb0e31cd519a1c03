"""The audit on Spark (PySpark local mode) gives DuckDB's tables, row for row, type for type.

DuckDB is the oracle: the corrections of ``engines/spark_sql.py`` are checked expression by
expression on instants chosen to break them (DST days, Sundays, before 1970, fractions of a
second), then whole audits of the samples, a messy vendor folder, DST days and a generated
Parquet case are compared table by table, and the CLI's files byte for byte.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import canonical_tables, insert
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cost import french_ish

import smsaudit
from smsaudit import catalogue, charts, db, engines, schema
from smsaudit.cost import count_segments
from smsaudit.engines import spark as spark_engine
from smsaudit.engines import spark_sql
from smsaudit.errors import InputError

TESTS = Path(__file__).parent
ROOT = TESTS.parent


# ------------------------------------------------------------------ expressions, one by one
def _instants() -> list[datetime]:
    """Instants where a translation would show: DST changes (Paris, both ways, ±1 µs),
    Sundays and Mondays at midnight, New Year, before 1970, sub-second; plus random ones."""
    edges = [
        datetime(2026, 3, 29, 1, tzinfo=UTC),  # Paris springs forward
        datetime(2026, 10, 25, 1, tzinfo=UTC),  # Paris falls back
        datetime(2026, 5, 3, 22, tzinfo=UTC),  # Monday 00:00 in Paris, Sunday in UTC
        datetime(2026, 5, 2, 22, tzinfo=UTC),  # Sunday 00:00 in Paris
        datetime(2025, 12, 31, 23, tzinfo=UTC),  # New Year in Paris
        datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        datetime(1960, 7, 14, 12, 0, 0, 500000, tzinfo=UTC),
    ]
    around = [e + timedelta(microseconds=d) for e in edges for d in (-1, 0, 1)]
    rng = random.Random(16)
    start = datetime(1971, 1, 1, tzinfo=UTC)
    randoms = [
        start + timedelta(microseconds=rng.randrange(70 * 365 * 86_400 * 10**6)) for _ in range(300)
    ]
    return around + randoms


# Each expression reads t (TIMESTAMPTZ), s (VARCHAR) and n (BIGINT) of one row.
EXPRESSIONS = {
    "isodow": "isodow(timezone('Europe/Paris', t))",
    "local_iso": "strftime(timezone('Europe/Paris', t), '%Y-%m-%dT%H:%M:%S')",
    "local_month": "strftime(timezone('Europe/Paris', t), '%Y-%m')",
    "local_date": "CAST(timezone('Europe/Paris', t) AS DATE)",
    "epoch_us": "epoch_us(t)",
    "round_trip": "make_timestamptz(epoch_us(t)) = t",
    "seconds": "epoch_us(t) / 1000000",
    "hour_key": "epoch_us(t) // 3600000000",
    "full_match": "regexp_full_match(s, '[0-9]+')",
    # RE2's \s spelled out (sql/ does so): Java's \s would also take the vertical tab
    "spaces": r"regexp_replace(s, '[\t\n\f\r ]+', '_', 'g')",
    "position": "list_position(['export', 'stop_mo', 'error_061'], s)",
    "reduce": "list_reduce([n, 2, 3], lambda acc, x: acc * 10 + x, CAST(0 AS BIGINT))",
    # as latest_safe_start rounds: through a DECIMAL (a DOUBLE's rounding differs)
    "rounded": "CAST(round(CAST(n / 7 * 1.005 AS DECIMAL(38, 9)), 3) AS DOUBLE)",
    "rounded_tenth": "CAST(round(CAST(n / 40 AS DECIMAL(38, 9)), 1) AS DOUBLE)",
    # French letters; not İ or ß, which Java maps in full (i̇, SS): sql/ only compares
    # lowered text with ASCII footers, where that changes no outcome
    "lower_upper": "lower(s) || upper(s) || lower('ÀÉÎÕÜŒÇ') || upper('àéîõüœç')",
    # DuckDB strips Unicode spaces (U+00A0, U+202F), not the tab or vertical tab
    "trims": "'[' || trim(s) || '|' || ltrim(s) || '|' || rtrim(s) || ']'",
    "decimal_ratio": "CAST(n AS DECIMAL(18, 6)) / CAST(7.3 AS DECIMAL(18, 6))",
    "day_offset": "CAST(timezone('Europe/Paris', t) AS DATE) + CAST(n % 400 AS INTEGER)",
}


@pytest.fixture(scope="module")
def probe(spark_session: Any) -> spark_engine.SparkEngine:
    con = db.connect()
    con.execute("CREATE TABLE probe (id INTEGER, t TIMESTAMPTZ, s VARCHAR, n BIGINT)")
    words = [
        "12",
        "12a",
        "a12",
        "",
        "stop_mo",
        "error_061",
        "export",
        "x",
        None,
        "a\x0bb c\t\nd",
        "\u00a0 061\u202f",
        "\tx \u2003",
        "0 \n",  # Java's $ also matches before a final newline
    ]
    rows = [(i, t, words[i % len(words)], i * 7 - 50) for i, t in enumerate(_instants())]
    con.executemany("INSERT INTO probe VALUES (?, ?, ?, ?)", rows)
    engine = spark_engine.SparkEngine(con, spark_session)
    engine.ship("probe")
    return engine


@pytest.mark.parametrize("name", EXPRESSIONS)
def test_each_correction_gives_duckdbs_value(probe: spark_engine.SparkEngine, name: str) -> None:
    sql = f"SELECT id, {EXPRESSIONS[name]} AS v FROM probe ORDER BY id"
    want = probe.con.execute(sql).fetchall()
    got = _rows(probe, spark_sql.transpile(sql))
    assert len(got) == len(want) > 300
    assert [(i, _same(v)) for i, v in got] == [(i, _same(v)) for i, v in want]


def _rows(probe: spark_engine.SparkEngine, spark_sql_text: str) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) for r in probe.session.sql(spark_sql_text).toArrow().to_pylist()]


def _same(value: Any) -> Any:
    """Instants compared as UTC instants; everything else exactly, type included."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return (type(value).__name__, value)


def test_sqlglots_own_isodow_would_be_caught(probe: spark_engine.SparkEngine) -> None:
    """The comparison above fails on sqlglot's untouched isodow (Sunday = 2): it can fail."""
    import sqlglot

    sql = "SELECT id, isodow(t) AS v FROM probe ORDER BY id"
    raw = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert _rows(probe, raw) != probe.con.execute(sql).fetchall()
    assert _rows(probe, spark_sql.transpile(sql)) == probe.con.execute(sql).fetchall()


# -------------------------------------------------------- segments: billing, on Spark too
def _spark_segments(spark_session: Any, bodies: list[str]) -> list[int]:
    """Segments message_costs counts from each body when Spark runs it (Java's regexes,
    string splitting and code points instead of DuckDB's)."""
    from test_cost import SEND_DEFAULTS

    con = canonical_tables()
    insert(con, "sends", [{"message_id": str(i), "body": b} for i, b in enumerate(bodies)],
           {"sends": SEND_DEFAULTS})  # fmt: skip
    engine = spark_engine.SparkEngine(con, spark_session)
    engine.bring_all = True  # message_costs is large: Spark would keep it
    try:
        engine.ship(*schema.CANONICAL)
        engine.build("message_costs", {})
    finally:
        engine.close()
    rows = con.execute(
        "SELECT segments, segments_source FROM message_costs ORDER BY message_id::INTEGER"
    ).fetchall()
    assert {source for _, source in rows} == {"body"}
    return [segments for segments, _ in rows]


def test_spark_counts_segments_as_the_reference_does(spark_session: Any) -> None:
    """The boundary cases of test_cost, and every character below U+0300 (plus French
    punctuation and emoji) 71 and 81 times: GSM-7 basic, extension or UCS-2 on Spark too."""
    from test_cost import BOUNDARY_CASES, EMOJI, FRENCH_UCS2

    chars = [chr(cp) for cp in range(1, 0x300)] + FRENCH_UCS2 + EMOJI + ["€", "Δ", "Ω"]
    bodies = [b for b, _ in BOUNDARY_CASES] + [c * 71 for c in chars] + [c * 81 for c in chars]
    bodies += ["👨‍👩‍👧" * 20, "🇫🇷" * 18, "e\u0301" * 80, "a" * 152 + "€" + "😀" * 80]
    assert _spark_segments(spark_session, bodies) == [count_segments(b) for b in bodies]


@settings(max_examples=5, deadline=None)
@given(st.lists(french_ish, min_size=20, max_size=40))
def test_spark_segments_agree_with_the_reference_on_drawn_bodies(
    spark_session: Any, bodies: list[str]
) -> None:
    assert _spark_segments(spark_session, bodies) == [count_segments(b) for b in bodies]


# ------------------------------------------ drawn traffic: every territory, every boundary
NUMBERS = {  # one number per territory, as the loader writes them
    "FR": "+33612345678", "RE": "+262692123456", "YT": "+262639123456",
    "GP": "+590690123456", "MQ": "+596696123456", "GF": "+594694123456",
    "BL": "+590690223344", "MF": "+590690334455", "PM": "+508551234",
}  # fmt: skip
# UTC days around what the rules turn on: DST changes (Paris, Miquelon), Sundays, Saturdays,
# public holidays (1 May a Friday, 1 Nov a Sunday, 14 July, 27 May in Martinique...)
DAYS = [(3, 7), (3, 8), (3, 28), (3, 29), (5, 1), (5, 2), (5, 3), (5, 22), (5, 27), (7, 14),
        (10, 24), (10, 25), (11, 1), (11, 2), (12, 24), (12, 25), (12, 26)]  # fmt: skip
instants = st.builds(
    lambda day, hour, minute, second: datetime(2026, *day, hour, minute, second, tzinfo=UTC),
    st.sampled_from(DAYS),
    st.integers(0, 23),
    st.sampled_from([0, 29, 30, 59]),
    st.sampled_from([0, 59]),
)
drawn_sends = st.lists(
    st.tuples(
        st.sampled_from(sorted(NUMBERS)),
        instants,
        st.sampled_from(["36184", "38100", "MaMarque"]),
        st.sampled_from(["C1", "C2", None]),
        st.sampled_from(["marketing", "marketing", "transactional"]),
        st.sampled_from([None, "Promo -20% STOP 36184", "Soldes € 😀 " * 12, "a" * 200]),
        st.sampled_from([None, None, "0.045000"]),
    ),
    min_size=30,  # three examples only (Spark): each a busy day, not a corner case
    max_size=60,
)


def _traffic(con: Any, sends: list[Any], stops: list[int], blocked: list[int]) -> None:
    def number(t: str) -> dict[str, str]:
        return {"msisdn": NUMBERS[t], "territory": t}

    rows = []
    for i, (t, sent_at, sender, campaign, category, body, price) in enumerate(sends):
        rows.append({
            **number(t), "message_id": f"m{i}", "tz": schema.TERRITORY_CLOCKS[t],
            "sent_at": sent_at, "sender_id": sender, "campaign_id": campaign,
            "category": category, "body": body, "price": price,
            "currency": "EUR" if price else None, "aggregator": "mgage", "program_id": "P1",
        })  # fmt: skip
    insert(con, "sends", rows)
    # STOPs at the very instant of a send (a tie) or a minute after it
    mos = []
    for k, i in enumerate(stops):
        t, sent_at = sends[i % len(sends)][:2]
        mos.append({
            **number(t), "received_at": sent_at + timedelta(minutes=k % 2), "text": "STOP",
            "short_code": None, "is_stop": True,
        })  # fmt: skip
    insert(con, "mo", mos)
    receipts = []
    for i in sorted({i % len(sends) for i in blocked}):
        receipts.append({
            "message_id": f"m{i}", "status": "UNDELIVERABLE", "error_code": "061",
            "done_at": sends[i][1],
        })  # fmt: skip
    insert(con, "receipts", receipts)
    card = {"aggregator": "mgage", "price_per_segment": "0.05", "currency": "EUR"}
    insert(con, "rate_card", [{**card, "valid_from": None, "valid_to": None}])
    consent = {"program_id": "P1", "status": "OPTED-IN", "consent_source": "KEYWORD"}
    opted_in = datetime(2026, 1, 1, tzinfo=UTC)
    insert(con, "consent", [
        {**number(t), **consent, "status_date": opted_in, "evidence_ref": None}
        for t in sorted({r[0] for r in sends})
    ])  # fmt: skip


@settings(max_examples=3, deadline=None)
@given(
    drawn_sends, st.lists(st.integers(0, 59), max_size=8), st.lists(st.integers(0, 59), max_size=6)
)
def test_drawn_traffic_gives_duckdbs_tables_on_spark(
    spark_session: Any, sends: list[Any], stops: list[int], blocked: list[int]
) -> None:
    """Sends in every territory around every rule boundary, STOPs tied with sends, 061s,
    rate card and send prices, emoji and euro bodies: the whole audit after loading, on
    both engines, table for table."""
    from smsaudit import pipeline, rules

    audits = []
    for engine in ("duckdb", "spark"):
        con = canonical_tables()
        _traffic(con, sends, stops, blocked)
        runner = (
            engines.DuckDBEngine(con) if engine == "duckdb"
            else spark_engine.SparkEngine(con, spark_session)
        )  # fmt: skip
        params = {"has_programs": False, "close_minutes": 1200}
        try:
            pipeline._run_steps(con, runner, rules.load_profile("fr-af2m-2026"), params,
                                lambda _m: None, alsace_moselle=False)  # fmt: skip
        finally:
            runner.close()
        audits.append(con)
    _assert_same_tables(*audits)


# ------------------------------------------------------------------------- whole audits
def _generated(tmp: Path) -> Path:
    out = tmp / "generated"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "generate.py"),
            "--sends",
            "20000",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    return out


CASES = {
    "samples": lambda _tmp: ROOT / "data_samples",
    "vendor_mixed_folder": lambda _tmp: TESTS / "vendors" / "mixed_folder",
    "dst_days": lambda _tmp: TESTS / "corpus" / "dst_days",
    "generated_parquet": _generated,
}


@pytest.mark.parametrize("case", CASES)
def test_spark_audit_gives_duckdbs_tables(case: str, spark_session: Any, tmp_path: Path) -> None:
    data = CASES[case](tmp_path)
    _assert_same_audit(smsaudit.audit(data), smsaudit.audit(data, engine=spark_session))


def test_a_session_elsewhere_gets_the_tables_through_the_driver(
    spark_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster or Spark Connect cannot read this machine's scratch folder: Arrow instead."""
    monkeypatch.setattr(spark_engine, "_is_local", lambda _session: False)
    data = TESTS / "vendors" / "mixed_folder"
    _assert_same_audit(smsaudit.audit(data), smsaudit.audit(data, engine=spark_session))


def _assert_same_audit(duck: smsaudit.Audit, spark: smsaudit.Audit) -> None:
    assert _assert_same_tables(duck.con, spark.con) > 0
    assert repr(duck.summary()) == repr(spark.summary())  # NaN (no single currency) != NaN
    assert [c.ok for c in spark.checks()] == [True] * len(spark.checks())
    assert duck.assumptions() == spark.assumptions()
    assert duck.skipped == spark.skipped
    for name in charts.CHARTS:  # the traffic charts read Spark's cells, not the sends
        assert duck.chart(name).to_dict() == spark.chart(name).to_dict(), name


def _held(con: Any) -> set[str]:
    """The tables and views of the connection's own schema."""
    return {n for (n,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
    ).fetchall()}  # fmt: skip


def _assert_same_tables(duck: Any, spark: Any) -> int:
    """Every table the engine builds, the same in both connections: column types, rows, and
    their order where the file has one. Returns how many rows were compared.

    Spark keeps the large relations where it runs (unless ``bring_all``): the driver must
    then hold none of them, and every other relation."""
    compared = 0
    held = _held(spark)
    large = {name for name in catalogue.ENGINE_SQL if catalogue.BY_NAME[name].large}
    missing = set(catalogue.ENGINE_SQL) - held
    assert missing == (set() if spark_engine.SparkEngine.bring_all else large)
    for name in catalogue.ENGINE_SQL:
        if name not in held or (catalogue.BY_NAME[name].large and name in _views(spark)):
            continue  # kept on Spark; or a view defined over the same tables on both sides
        types = [_types(con, name) for con in (duck, spark)]
        assert types[0] == types[1], name
        rows = [con.execute(f"SELECT * FROM {name}").fetchall() for con in (duck, spark)]
        if "ORDER BY" in _outer_order(name):
            assert rows[0] == rows[1], name
        else:  # unordered by design: the same rows in any order
            assert sorted(map(repr, rows[0])) == sorted(map(repr, rows[1])), name
        compared += len(rows[0])
    return compared


def _views(con: Any) -> set[str]:
    return {n for (n,) in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}


def _types(con: Any, name: str) -> list[tuple[str, str]]:
    """Column names and types; an ENUM is text stored as a dictionary (the DuckDB loader's
    choice for large inputs), so it compares as VARCHAR."""
    return [
        (c, "VARCHAR" if t.startswith("ENUM(") else t)
        for c, t, *_ in con.execute(f"DESCRIBE {name}").fetchall()
    ]


def _outer_order(name: str) -> str:
    """The last clause of the file's outer query (ordered tables end with ORDER BY)."""
    from smsaudit import sqlfiles

    return sqlfiles.query(name).rsplit(")", 1)[-1].upper()


def test_cli_engine_spark_writes_the_same_files_masked(tmp_path: Path) -> None:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "SMSAUDIT_MASK_SECRET": "k"}
    outs = {}
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "smsaudit",
                "audit",
                str(ROOT / "data_samples"),
                "--out",
                str(out),
                "--format",
                "csv",
                "--format",
                "xlsx",
                "--mask-msisdn",
                "--engine",
                engine,
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        outs[engine] = out
        assert f"wrote 20 files to {out}/" in proc.stdout
    names = sorted(p.name for p in outs["duckdb"].iterdir())
    assert names == sorted(p.name for p in outs["spark"].iterdir())
    for name in names:
        assert (outs["duckdb"] / name).read_bytes() == (outs["spark"] / name).read_bytes(), name
    for table in outs["spark"].glob("*.csv"):
        assert not re.search(r"\+?33 ?[67](?:[ .]?\d){8}", table.read_text()), table.name


# ------------------------------------------------------------------------ errors, settings
def test_an_existing_session_is_pinned_while_it_runs_then_given_back(spark_session: Any) -> None:
    conf = spark_session.conf
    conf.set("spark.sql.session.timeZone", "America/New_York")
    conf.set("spark.sql.ansi.enabled", "false")
    engine = engines.open_engine(db.connect(), spark_session)
    assert engine.name == "spark"
    assert conf.get("spark.sql.session.timeZone") == "UTC"
    assert conf.get("spark.sql.ansi.enabled") == "true"
    engine.close()
    assert conf.get("spark.sql.session.timeZone") == "America/New_York"
    assert conf.get("spark.sql.ansi.enabled") == "false"
    conf.set("spark.sql.session.timeZone", "UTC")
    conf.set("spark.sql.ansi.enabled", "true")


def test_a_session_in_another_time_zone_gives_the_same_audit(
    spark_session: Any, bring_all: None
) -> None:
    spark_session.conf.set("spark.sql.session.timeZone", "Asia/Tokyo")
    try:
        tokyo = smsaudit.audit(TESTS / "corpus" / "dst_days", engine=spark_session)
    finally:
        spark_session.conf.set("spark.sql.session.timeZone", "UTC")
    duck = smsaudit.audit(TESTS / "corpus" / "dst_days")
    for name in ("message_costs", "blocked_window_messages", "wasted_spend"):
        query = f"SELECT * FROM {name} ORDER BY ALL"
        assert tokyo.con.execute(query).fetchall() == duck.con.execute(query).fetchall(), name


def test_without_pyspark_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(InputError, match=r"smsaudit\[spark\]"):
        spark_engine.start_session()


def test_without_java_the_error_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    monkeypatch.setattr(spark_engine.shutil, "which", lambda _name: None)
    with pytest.raises(InputError, match="Java 17"):
        spark_engine.start_session()


def test_without_sqlglot_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "smsaudit.engines.spark")
    monkeypatch.delitem(sys.modules, "smsaudit.engines.spark_sql")
    monkeypatch.delattr(engines, "spark")
    monkeypatch.delattr(engines, "spark_sql")
    monkeypatch.setitem(sys.modules, "sqlglot", None)
    with pytest.raises(InputError, match=r"sqlglot is missing.*smsaudit\[spark\]"):
        engines.open_engine(db.connect(), "spark")


@pytest.mark.parametrize("master", ["bogus://x", "local[abc]", "", "spark:/host"])
def test_a_master_that_is_not_a_url_is_refused_before_any_work(master: str) -> None:
    with pytest.raises(InputError, match="not a Spark master URL"):
        smsaudit.audit(TESTS / "corpus" / "dst_days", engine="spark", spark_master=master)


@pytest.mark.parametrize(
    "master",
    [
        "local",
        "local[2]",
        "local[*]",
        "local[4,2]",
        "spark://h:7077",
        "yarn",
        "k8s://https://h:443",
    ],
)
def test_master_urls_spark_accepts(master: str) -> None:
    spark_engine.check_master(master)


def test_a_session_that_cannot_start_is_one_line_with_the_java_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Wrapped(Exception):
        java_exception = type(
            "J",
            (),
            {
                "toString": lambda self: (
                    "java.lang.IllegalStateException: "
                    "All masters are unresponsive\n\tat org.apache..."
                )
            },
        )()

    def refuse(_builder: Any) -> Any:
        raise Wrapped("An error occurred while calling None.org.apache.spark.sql.SparkSession.")

    from pyspark.sql import SparkSession

    monkeypatch.setattr(SparkSession.Builder, "getOrCreate", refuse)
    with pytest.raises(InputError) as caught:
        spark_engine.start_session("spark://nowhere:7077")
    assert str(caught.value) == (
        "could not start Spark (spark://nowhere:7077): "
        "java.lang.IllegalStateException: All masters are unresponsive"
    )


def test_a_spark_failure_mid_audit_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A query Spark rejects (a bug of ours, or a cluster's limit) ends like any internal
    error: one line, in Spark's words, not its query plan."""
    from smsaudit import cli

    def broken(name: str, params: Any) -> str:
        return "SELECT no_such_column FROM sends"

    monkeypatch.setattr(spark_sql, "query", broken)
    code = cli.main(["audit", str(TESTS / "corpus" / "dst_days"), "--out", str(tmp_path / "o"),
                     "--engine", "spark", "--quiet"])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smsaudit: internal error: AnalysisException: [UNRESOLVED_COLUMN")


def test_spark_defaults_conf_keys_win_over_ours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "spark-defaults.conf").write_text(
        "# a comment\n\nspark.driver.memory   8g\nspark.sql.shuffle.partitions=64\n"
        "  spark.executor.extraJavaOptions -Dx=1\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    assert spark_engine._spark_defaults() == {
        "spark.driver.memory",
        "spark.sql.shuffle.partitions",
        "spark.executor.extraJavaOptions",
    }
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path / "missing"))
    assert spark_engine._spark_defaults() == set()


def test_enum_columns_travel_to_spark_as_text(spark_session: Any) -> None:
    """The loader stores repeated text as ENUMs past 200,000 rows: Spark gets text."""
    con = db.connect()
    con.execute("CREATE TYPE kind AS ENUM ('marketing', 'transactional')")
    con.execute("CREATE TABLE t (id INTEGER, category kind, body VARCHAR)")
    con.execute("INSERT INTO t VALUES (1, 'transactional', 'a'), (2, 'marketing', NULL)")
    engine = spark_engine.SparkEngine(con, spark_session)
    try:
        engine.ship("t")
        frame = spark_session.table("t")
        assert [(f.name, f.dataType.simpleString()) for f in frame.schema.fields] == [
            ("id", "int"), ("category", "string"), ("body", "string"),
        ]  # fmt: skip
        assert [tuple(r) for r in frame.orderBy("id").collect()] == [
            (1, "transactional", "a"), (2, "marketing", None),
        ]  # fmt: skip
    finally:
        engine.close()
