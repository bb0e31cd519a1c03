"""Spark reads the Parquet inputs itself (``engines/spark_load.py``) and sorts every row as
the DuckDB loader does: the same canonical rows, rejected rows (file, line, column, value,
reason), out-of-scope counts and row accounting, with DuckDB as the oracle.

The cases are built to break a re-implementation: timestamps in every spelling the loader
reads (DST gap and fold, zone names, impossible offsets, implausible dates, RFC 2822, the
French form), typed instants, numbers typed as integers, codes padded with no-break spaces,
duplicates across files, superseded receipts and receipts without a send.
"""

from __future__ import annotations

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_engines_spark import _assert_same_audit, _generated, _held, _types
from test_load import corrupt_parquet

import smsaudit
from smsaudit import catalogue, schema
from smsaudit.engines import spark as spark_engine
from smsaudit.engines import spark_load
from smsaudit.ingest.discover import Source
from smsaudit.ingest.readers import Stager

NBSP, NNBSP = "\u00a0", "\u202f"
PADDED = f"{NBSP}+33612345687{NBSP}"
# Tables the loader writes, compared as sets of rows (their order is not a promise).
LOADER = ("rejected_rows", "row_accounting", "out_of_scope_rows")


def _parquet(path: Path, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """Write ``rows`` (typed by ``columns``, a DuckDB column list) as a Parquet file."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE t ({columns})")
    if rows:
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(rows[0]))})", rows)
    con.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    con.close()


SENDS_TEXT = (
    "message_id VARCHAR, sent_at VARCHAR, msisdn VARCHAR, sender_id VARCHAR, "
    "campaign_id VARCHAR, aggregator VARCHAR, category VARCHAR, body VARCHAR, "
    "segments VARCHAR, price VARCHAR, currency VARCHAR, price_basis VARCHAR"
)


def _send(mid: str | None, at: str | None, number: str | None, **kw: str | None) -> tuple:
    sender = kw.get("sender", "ACME")
    body = kw.get("body", "Promo -20% ce week-end. STOP 36184")
    return (mid, at, number, sender, "c1", kw.get("aggregator", "mgage"), "marketing", body,
            kw.get("segments", "1"), kw.get("price", "0.045"), kw.get("currency", "EUR"),
            kw.get("basis", "segment"))  # fmt: skip


def _messy(folder: Path) -> Path:
    """A multi-file Parquet case with most of what the loader rejects or sets aside."""
    folder.mkdir()
    _parquet(
        folder / "sends_text.parquet",
        SENDS_TEXT,
        [
            _send("m1", "2026-05-04T10:00:00+02:00", "+33 6 12 34 56 78"),
            _send("m2", "2026-03-29 02:30:00", "0612345679"),  # DST gap in Paris
            _send("m3", "2026-10-25 02:30:00", "06 12 34 56 80"),  # DST fold
            _send("m4", "2026-05-04 10:00 Europe/Paris", "0612345681"),  # zone name
            _send("m5", "2026-05-04T10:00:00+25:00", "0612345682"),  # impossible offset
            _send("m6", "1999-12-31T10:00:00Z", "0612345683"),  # implausible date
            _send("m7", "Mon, 04 May 2026 08:13:24 +0000", "0612345684"),  # RFC 2822
            _send("m8", "04/05/2026 21:30", "06.12.34.56.85"),  # French form, after 20:00
            _send("m9", "not a time", "0612345686"),
            _send("m10", "2026-05-03T12:00:00+02:00", "+44 7700 900123"),  # foreign, Sunday
            _send("m11", "2026-05-04T11:00:00+02:00", "abc"),  # not a number
            _send("m12", f"{NBSP}2026-05-05 09:00{NBSP}", PADDED, sender=f"{NBSP}ACME{NNBSP}"),
            _send("m13", "2026-05-05 09:00:00", "0612345688", price="-0,05"),
            _send("m14", "2026-05-05 09:00:00", "0612345689", segments="1.5"),
            _send("m15", "2026-05-05 09:00:00", "0612345690", price=" ", currency=""),
            _send("m24", "2026-05-05 09:00:00", "0612345698", basis="per_segment"),
            _send("m1", "2026-05-06T10:00:00+02:00", "0612345691"),  # duplicate here
            _send("   ", "2026-05-06T10:00:00+02:00", "0612345692"),  # blank id
            _send("m16", "2025-01-06T10:00:00Z", "0612345693"),  # before the period
            _send("m17", "2026-05-04 10:00:00 UTC", "0596 12 34 56"),  # Martinique fixed
            _send("m18", "2026-05-04", "+262 692 12 34 56"),  # date only; Réunion
            _send("m19", "2026-05-04T10:00:00.123456+02:00", "0612345694", segments="2,0"),
            _send("m20", "2026-05-06T10:00:00+0200", "0612345695", aggregator=" Infobip "),
            _send("m21", "2026-05-01T10:00:00+02:00", "0612345696"),  # May Day
            _send("m22", None, "0612345697"),
            _send("m23", "2026-05-07T19:59:59.999999+02:00", None),
        ],
    )
    _parquet(
        folder / "sends_typed.parquet",
        "message_id VARCHAR, sent_at TIMESTAMPTZ, msisdn BIGINT, sender_id VARCHAR, "
        "segments INTEGER, price DECIMAL(10, 4)",
        [
            ("m1", "2026-05-04 08:00:00+00", 33612345678, "ACME", 1, 0.045),  # duplicate
            ("t1", "2200-01-01 00:00:00+00", 33612345601, "ACME", 1, 0.045),  # implausible
            ("t2", "2026-05-04 18:30:00+00", 33612345602, "ACME", 3, 0.045),  # 20:30 Paris
            ("t3", "2026-05-05 06:00:00.5+00", 612345603, "ACME", None, None),
            ("t4", "2026-05-09 07:00:00+00", 33612345678, "SHOP", 1, -1.5),  # Saturday 09:00
            ("t5", None, 33612345605, "ACME", 1, 0.045),
        ],
    )
    # Spark's legacy INT96 timestamps: UTC instants on both engines
    at = pa.array([datetime(2026, 5, 4, 8, 0, tzinfo=UTC), None], pa.timestamp("us", tz="UTC"))
    # ... with headers as people write them, and a column of the name we use for lines
    table = pa.table({"Message ID": ["i1", "i2"], "Sent.At": at, " MSISDN ": ["0612345610"] * 2,
                      "sender-id": ["ACME"] * 2, "line": [7, 8], "`odd`": ["x", "y"]})  # fmt: skip
    pq.write_table(table, folder / "sends_int96.parquet", use_deprecated_int96_timestamps=True)
    _parquet(
        folder / "receipts_text.parquet",
        "message_id VARCHAR, status VARCHAR, status_group VARCHAR, done_at VARCHAR, "
        "error_code VARCHAR, error_text VARCHAR, optout VARCHAR",
        [
            ("m1", "delivrd", "DELIVERED", "2026-05-04T10:00:05+02:00", None, None, None),
            ("m1", "UNDELIV", "UNDELIVERABLE", "2026-05-04T10:05:00+02:00", "061", "x", "yes"),
            ("m7", "DELIVRD", "DELIVERED", "bad time", None, None, None),
            ("nosend", "DELIVRD", "DELIVERED", "2026-05-04T10:00:05+02:00", None, None, None),
            (f"{NBSP}", "DELIVRD", "DELIVERED", "2026-05-04T10:00:05+02:00", None, None, None),
            ("t2", "UNDELIV", "UNDELIVERABLE", "2026-05-04 20:31:00", "061", None, None),
            ("m20", "", "", "2026-05-06T10:00:01+02:00", None, None, None),
        ],
    )
    _parquet(
        folder / "receipts_typed.parquet",
        "message_id VARCHAR, status VARCHAR, done_at TIMESTAMPTZ, error_code INTEGER",
        [
            ("t2", "DELIVRD", "2026-05-04 18:31:00+00", None),  # the same instant: file order
            ("m19", "UNDELIV", "2026-05-04 08:00:01+00", 61),
            ("m19", "DELIVRD", None, None),
        ],
    )
    _parquet(
        folder / "suppressions_x.parquet",
        "msisdn VARCHAR, sender_id VARCHAR, suppressed_at VARCHAR, aggregator VARCHAR, "
        "keyword VARCHAR, action VARCHAR",
        [
            ("+33612345678", "ACME", "2026-04-01T09:00:00Z", "mgage", "STOP", "block"),
            ("0612345602", f"ACME{NBSP}", "01/04/2026", "MGAGE", "stop", None),
            ("bad", "ACME", "2026-04-01T09:00:00Z", "mgage", "STOP", "BLOCK"),
            ("0612345603", "ACME", "2026-02-30T09:00:00Z", "mgage", "STOP", "unblock"),
        ],
    )
    _parquet(
        folder / "consent_x.parquet",
        "msisdn BIGINT, program_id VARCHAR, status VARCHAR, status_date VARCHAR, "
        "consent_source VARCHAR, evidence_ref VARCHAR",
        [
            (33612345678, "p1", "opted_in", "2026-01-01T00:00:00Z", "web_form", "ev1"),
            (33612345602, "p1", "OPTED_IN", "2026-01-01", "keyword", None),
            (33612345603, "p1", "maybe", "2026-01-01", "web_form", None),
            (33612345604, "p1", "OPTED_OUT", "2026-05-04 10:00 CEST", "web_form", None),
        ],
    )
    _parquet(folder / "consent_empty.parquet", "msisdn VARCHAR, program_id VARCHAR, "
             "status VARCHAR, status_date TIMESTAMPTZ", [])  # fmt: skip
    _parquet(
        folder / "programs_x.parquet",
        "program_id VARCHAR, sender_id BIGINT, short_code_type VARCHAR, aggregator VARCHAR",
        [("p1", 36184, " Shared ", "MGAGE"), ("p2", 38000, "dedicated", None), (None, 1, "x", "")],
    )
    _parquet(
        folder / "rate_card_x.parquet",
        "aggregator VARCHAR, price_per_segment VARCHAR, currency VARCHAR, valid_from DATE, "
        "valid_to VARCHAR",
        [
            ("mgage", "0,045", "eur", "2026-01-01", "31/12/2026"),
            ("Infobip", "0.05", "EUR", None, "2026-13-01"),
            ("mgage", "-1", "EUR", "2027-01-01", None),
            ("sinch", "abc", None, "2026-01-01", ""),
        ],
    )
    _parquet(
        folder / "mo_x.parquet",  # inbound messages stay on the driver (Unicode STOP test)
        "msisdn VARCHAR, received_at VARCHAR, text VARCHAR, short_code DOUBLE",
        [("+33612345678", "2026-04-01T09:00:00Z", "ＳＴＯＰ", 36184.0)],
    )
    return folder


def _claims(monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], list[str]]:
    """(kinds Spark claims, Parquet files the driver's DuckDB reads), filled as audits run."""
    claimed: set[str] = set()
    driver: list[str] = []
    claim, parquet = spark_load.SparkReader.claim, Stager._parquet

    def spy_claim(self: Any, sources: Any) -> set[str]:
        got = claim(self, sources)
        claimed.update(got)
        return got

    def spy_parquet(self: Any, src: Any) -> str:
        driver.append(src.path.name)
        return parquet(self, src)

    monkeypatch.setattr(spark_load.SparkReader, "claim", spy_claim)
    monkeypatch.setattr(Stager, "_parquet", spy_parquet)
    return claimed, driver


def _assert_same_load(duck: Any, spark: Any, *, everything: bool = False) -> None:
    """The loader's tables, the same rows (as sets) with the same column types; the
    canonical tables too, but those Spark loaded only if it brought them back
    (``bring_all``): ``everything`` says it did."""
    held = _held(spark)
    for name in (*LOADER, *schema.CANONICAL):
        if name not in held and not everything:
            continue
        types = [_types(con, name) for con in (duck, spark)]
        assert types[0] == types[1], name
        rows = [sorted(map(repr, con.execute(f"SELECT * FROM {name}").fetchall()))
                for con in (duck, spark)]  # fmt: skip
        assert rows[0] == rows[1], name


def test_the_messy_case_is_read_by_spark_and_gives_duckdbs_tables(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bring_all: None
) -> None:
    data = _messy(tmp_path / "messy")
    duck = smsaudit.audit(data)
    claimed, driver = _claims(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert claimed == {"sends", "receipts", "suppressions", "consent", "programs", "rate_card"}
    assert driver == ["mo_x.parquet"]
    _assert_same_load(duck.con, spark.con, everything=True)
    _assert_same_audit(duck, spark)
    # and the case holds what it is meant to: each kind of refusal, on Spark's side
    reasons = {r for (r,) in spark.con.execute("SELECT reason FROM rejected_rows").fetchall()}
    for expected in (
        "local time that does not exist (DST change) in Europe/Paris",
        "time zone name instead of an offset (write +02:00, Z...)",
        "UTC offset outside -12:00..+14:00",
        "implausible date (outside 2000-2099)",
        "not a whole number",
        "unreadable timestamp",
    ):
        assert expected in reasons
    first = "duplicate message_id (first at sends_text.parquet line 1"
    assert any(r.startswith(first) for r in reasons)
    scoped = {r for (r,) in spark.con.execute("SELECT reason FROM out_of_scope_rows").fetchall()}
    assert "superseded by a later receipt" in scoped


def lake(folder: Path) -> Path:
    """The messy case with its text sends as a dataset, hive-partitioned by aggregator."""
    data = _messy(folder)
    text = data / "sends_text.parquet"
    duckdb.execute(
        f"COPY (SELECT * FROM read_parquet('{text}')) TO '{data / 'sends_lake.parquet'}' "
        "(FORMAT parquet, PARTITION_BY (aggregator))"
    )
    text.unlink()
    (data / "sends_lake.parquet" / "_SUCCESS").write_text("")
    return data


def test_a_dataset_folder_is_read_by_spark_with_its_partition_values(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bring_all: None
) -> None:
    from smsaudit.engines import spark_datasets

    data = lake(tmp_path / "lake")
    duck = smsaudit.audit(data)
    claimed, driver = _claims(monkeypatch)
    monkeypatch.setattr(spark_datasets.Datasets, "_one_by_one", None)  # one frame, or fail
    spark = smsaudit.audit(data, engine=spark_session)
    assert "sends" in claimed and driver == ["mo_x.parquet"]
    parts = [s.name for s in spark.load_report.sources if s.dataset is not None]
    assert parts and all(p.startswith("sends_lake.parquet/aggregator=") for p in parts)
    _assert_same_load(duck.con, spark.con, everything=True)
    _assert_same_audit(duck, spark)
    aggregators = spark.con.execute(
        "SELECT DISTINCT aggregator FROM sends WHERE input_file LIKE 'sends_lake.parquet/%'"
    ).fetchall()
    assert aggregators and None not in {a for (a,) in aggregators}  # from the folder names


@pytest.mark.parametrize(("segments", "together"), [("VARCHAR", True), ("BIGINT", False)])
def test_a_datasets_parts_of_other_columns_are_merged_or_staged_one_by_one(
    spark_session: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    bring_all: None,
    segments: str,
    together: bool,
) -> None:
    """Parts written at different times may lack columns (merged: NULLs, as the driver
    reads them) or type one differently (segments as a count, then as text): Spark cannot
    read those as one frame, so each part is staged alone."""
    from smsaudit.engines import spark_datasets

    data = lake(tmp_path / "lake")
    old = data / "sends_lake.parquet" / "aggregator=old"
    old.mkdir()
    _parquet(old / "part-0.parquet", "message_id VARCHAR, sent_at VARCHAR, "
             f"msisdn VARCHAR, sender_id VARCHAR, segments {segments}",
             [("o1", "2026-05-04T08:00:00Z", "+33612345600", "ACME", 2)])  # fmt: skip
    alone: list[str] = []
    one_by_one = spark_datasets.Datasets._one_by_one

    def spy(self: Any, base: str, parts: Any) -> None:
        alone.append(base)
        one_by_one(self, base, parts)

    monkeypatch.setattr(spark_datasets.Datasets, "_one_by_one", spy)
    duck = smsaudit.audit(data)
    claimed, _driver = _claims(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert "sends" in claimed and len(alone) == (0 if together else 1)
    _assert_same_load(duck.con, spark.con, everything=True)
    _assert_same_audit(duck, spark)


def test_a_period_and_a_time_zone_are_applied_on_spark_as_on_duckdb(
    spark_session: Any, tmp_path: Path
) -> None:
    data = _messy(tmp_path / "messy")
    options: dict[str, Any] = {"period": ("2026-05-04", "2026-05-05"), "assume_tz": "UTC"}
    duck = smsaudit.audit(data, **options)
    spark = smsaudit.audit(data, engine=spark_session, **options)
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)


def float_sends(folder: Path) -> None:
    """Sends of types Spark and DuckDB read differently: a float sender code, a zone-less
    timestamp."""
    _parquet(
        folder / "sends_float.parquet",
        "message_id VARCHAR, sent_at TIMESTAMP, msisdn VARCHAR, sender_id DOUBLE",
        [("f1", "2026-05-04 10:00:00", "0612345699", 38000.0)],
    )


def test_a_column_spark_would_read_differently_keeps_the_kind_on_the_driver(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender code saved as a float (38000.0) and a local timestamp without zone: DuckDB
    reads the sends, and then the receipts too (a receipt's scope is its send)."""
    data = _messy(tmp_path / "messy")
    float_sends(data)
    duck = smsaudit.audit(data)
    claimed, driver = _claims(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert claimed == {"suppressions", "consent", "programs", "rate_card"}
    assert "sends_float.parquet" in driver and "receipts_typed.parquet" in driver
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)


def _brought(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(DuckDB table, rows) of every set of rows Spark sends back to the driver, filled as
    audits run (``SparkEngine._bring``: the one way rows come back)."""
    brought: list[tuple[str, int]] = []
    bring = spark_engine.SparkEngine._bring

    def spy(self: Any, frame: Any, statement: str) -> None:
        bring(self, frame, statement)
        target = re.search(r"(?:INTO|TABLE) (\w+)", statement)
        brought.append((target.group(1) if target else statement, frame.count()))

    monkeypatch.setattr(spark_engine.SparkEngine, "_bring", spy)
    return brought


def test_the_generated_parquet_case_is_read_by_spark_itself(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """...and its per-row tables stay there: what comes back is findings, totals, rejected
    rows, counts and the distinct spellings the driver decides."""
    data = _generated(tmp_path)
    duck = smsaudit.audit(data)
    claimed, driver = _claims(monkeypatch)
    brought = _brought(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert claimed == {"sends", "receipts", "suppressions", "consent"}
    assert all(name.startswith("mo") for name in driver)
    assert spark.con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] > 0
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)
    large = {r.name for r in catalogue.RELATIONS if r.large}
    names = {name for name, _ in brought}
    assert not names & (large | set(schema.CANONICAL)), names
    assert {"send_totals", "price_totals", "traffic_cells"} <= names
    # the helpers that come back are totals: a few rows each (traffic_cells, a few per
    # campaign and hour), never one per send
    helpers = {r.name for r in catalogue.RELATIONS if r.role == "helper"}
    sizes = {name: rows for name, rows in brought if name in helpers}
    sends = duck.con.execute("SELECT count(*) FROM sends").fetchall()[0][0]
    assert max(sizes.values()) < sends / 40, sizes
    assert max(v for k, v in sizes.items() if k != "traffic_cells") < 100, sizes
    # and the driver keeps no trace of Spark's stand-ins once the audit is done
    assert "smsaudit_elsewhere" not in {
        s for (s,) in spark.con.execute("SELECT schema_name FROM duckdb_schemas()").fetchall()
    }


def test_receipts_read_on_the_driver_find_their_sends_on_spark(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sends in Parquet (read by Spark), receipts in CSV (read by the driver): a receipt's
    scope is its send, which only Spark holds."""
    data = _messy(tmp_path / "messy")
    for path in data.glob("receipts*.parquet"):
        rows = f"SELECT * FROM read_parquet('{path}')"
        duckdb.execute(f"COPY ({rows}) TO '{path.with_suffix('.csv')}' (HEADER)")
        path.unlink()
    duck = smsaudit.audit(data)
    claimed, _driver = _claims(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert "sends" in claimed and "receipts" not in claimed
    scoped = {r for (r,) in spark.con.execute("SELECT reason FROM out_of_scope_rows").fetchall()}
    assert "receipt for a message not in scope" in scoped
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)


def test_on_a_cluster_local_parquet_is_read_by_the_driver(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cluster's executors do not see this machine's disk: Spark claims nothing local."""
    monkeypatch.setattr(spark_engine, "_is_local", lambda _session: False)
    data = _messy(tmp_path / "messy")
    duck = smsaudit.audit(data)
    claimed, driver = _claims(monkeypatch)
    spark = smsaudit.audit(data, engine=spark_session)
    assert claimed == set()
    assert len(driver) == 11  # every Parquet file of the case
    _assert_same_load(duck.con, spark.con)


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/Volumes/main/sms/exports/sends.parquet", "/Volumes/main/sms/exports/sends.parquet"),
        ("/dbfs/mnt/exports/sends.parquet", "dbfs:/mnt/exports/sends.parquet"),
        ("/home/me/exports/sends.parquet", None),
    ],
)
def test_where_a_cluster_reads_a_path_of_the_driver(path: str, where: str | None) -> None:
    reader = object.__new__(spark_load.SparkReader)
    reader.engine = SimpleNamespace(local=False)  # type: ignore[assignment]
    assert reader.where(Source("sends", Path(path), "sends.parquet")) == where


def test_an_unreadable_parquet_file_is_one_line_naming_it(
    spark_session: Any, tmp_path: Path
) -> None:
    data = tmp_path / "broken"
    data.mkdir()
    (data / "sends_x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(smsaudit.InputError, match=r"sends_x\.parquet"):
        smsaudit.audit(data, engine=spark_session)


def test_corrupt_parquet_pages_read_by_spark_are_one_line_naming_the_file(
    spark_session: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The footer reads (Spark claims the file), the pages do not: Spark fails while sorting
    the rows, and the error still names the file."""
    corrupt_parquet(tmp_path / "sends_x.parquet")
    claimed, _ = _claims(monkeypatch)
    with pytest.raises(smsaudit.InputError, match=r"^sends_x\.parquet: not a readable Parquet"):
        smsaudit.audit(tmp_path, engine=spark_session)
    assert claimed == {"sends"}


@pytest.mark.parametrize("engine", ["duckdb", "spark"])
def test_a_corrupt_part_of_a_dataset_is_named_by_its_path_in_the_dataset(
    spark_session: Any, tmp_path: Path, engine: str
) -> None:
    """Parts of one dataset share their file names (``data_0.parquet``); the message names the
    part that is corrupt, not the first of that name."""
    parts = tmp_path / "sends_parts"
    for key in ("k=a", "k=b"):
        (parts / key).mkdir(parents=True)
    _parquet(parts / "k=a" / "data_0.parquet", "message_id VARCHAR, sent_at VARCHAR, "
             "msisdn VARCHAR, sender_id VARCHAR, body VARCHAR",
             [("m1", "2026-05-04T10:00:00Z", "0612345678", "ACME", "x")])  # fmt: skip
    corrupt_parquet(parts / "k=b" / "data_0.parquet")
    with pytest.raises(smsaudit.InputError) as error:
        smsaudit.audit(tmp_path, engine=spark_session if engine == "spark" else "duckdb")
    assert error.value.file == "sends_parts/k=b/data_0.parquet"
    assert "not a readable Parquet file" in str(error.value)


# DuckDB's trim() strips the Unicode space separators (Zs) and nothing else; the Spark
# expression that stands for it must agree on any text.
SPACES = st.sampled_from([" ", NBSP, NNBSP, "\u2003", "\u3000", "\t", "\n", "\x0b", "\u200b"])


@settings(max_examples=60, deadline=None)
@example(parts=[([], "0", [" ", "\n"])])  # Java's $ matches before a final newline
@given(st.lists(st.tuples(st.lists(SPACES, max_size=3), st.text(max_size=6),
                          st.lists(SPACES, max_size=3)), min_size=1, max_size=20))  # fmt: skip
def test_the_spark_trim_is_duckdbs(spark_session: Any, parts: list[Any]) -> None:
    texts = ["".join(a) + t + "".join(b) for a, t, b in parts]
    con = duckdb.connect()  # its own: a result left open on the default one blocks others
    want = [con.execute("SELECT trim($t)", {"t": t}).fetchall()[0][0] for t in texts]
    frame = spark_session.createDataFrame([(t,) for t in texts], "s STRING")
    got = [r[0] for r in frame.selectExpr(spark_load._trim("s")).collect()]
    assert got == want


# ------------------------------------------------ drawn rows: Spark's loader against DuckDB's
# Spellings people write (and some they should not), drawn into rows: any mix of them must
# be sorted by Spark exactly as by DuckDB, whichever file a row lands in.
IDS = ["a", "b", "c", "d", " a", f"a{NBSP}", "", "   ", None]
TIMES = [
    "2026-05-04T10:00:00+02:00", "2026-05-04 10:00:00", "2026-03-29 02:30:00",
    "2026-10-25 02:30:00", "2026-05-04 10:00 Europe/Paris", "2026-05-04T10:00:00+25:00",
    "1999-12-31T10:00:00Z", "Mon, 04 May 2026 08:13:24 +0000", "04/05/2026 21:30",
    "2026-05-03T12:00:00+02:00", "2026-05-04", "2026-05-04 10:00:00 UTC", "2026-02-30 10:00",
    "2026-05-04T10:00:00.123456+0200", "not a time", f"{NBSP}2026-05-05 09:00", "", None,
]  # fmt: skip
NUMBERS = ["+33 6 12 34 56 78", "0612345678", "06.12.34.56.79", "+44 7700 900123", "abc",
           f"{NBSP}+33612345680", "0596 12 34 56", "+262 692 12 34 56", "", None]  # fmt: skip
CODES = ["ACME", f"{NBSP}ACME{NNBSP}", "38000.0", "38000", "", None]
COUNTS = ["1", "2", "1.5", "2,0", "-1", "x", "", None]
MONEY = ["0.045", "-0.01", "1 234,50 €", "0,05", "abc", " ", None]
SEND = st.tuples(
    *(st.sampled_from(p) for p in (IDS, TIMES, NUMBERS, CODES, COUNTS, MONEY)),
    st.sampled_from(["EUR", "eur", " usd ", "", None]),
    st.sampled_from(["marketing", "Transactional", "promo", None]),
    st.sampled_from(["segment", "message", "per_segment", None]),
    st.booleans(),  # which of two files
)
RECEIPT = st.tuples(
    st.sampled_from([*IDS, "zz"]),
    st.sampled_from(["DELIVRD", "undeliv", "", None]),
    st.sampled_from(TIMES),
    st.sampled_from(["061", "0", " 573", None]),
    st.booleans(),
)


@settings(max_examples=4, deadline=None)
@given(st.lists(SEND, min_size=1, max_size=40), st.lists(RECEIPT, max_size=30))
def test_drawn_rows_are_sorted_by_spark_as_by_duckdb(
    spark_session: Any, sends: list[tuple[Any, ...]], receipts: list[tuple[Any, ...]]
) -> None:
    from smsaudit import db
    from smsaudit.engines.spark import SparkEngine
    from smsaudit.ingest import load

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        columns = (
            "message_id VARCHAR, sent_at VARCHAR, msisdn VARCHAR, sender_id VARCHAR, "
            "segments VARCHAR, price VARCHAR, currency VARCHAR, category VARCHAR, "
            "price_basis VARCHAR"
        )
        for second in (False, True):
            rows = [r[:-1] for r in sends if r[-1] is second]
            if rows or not second:
                rows = rows or [("x", None, None, None, None, None, None, None, None)]
                _parquet(folder / f"sends_{int(second)}.parquet", columns, rows)
            rec = [r[:-1] for r in receipts if r[-1] is second]
            if rec:
                _parquet(folder / f"receipts_{int(second)}.parquet",
                         "message_id VARCHAR, status VARCHAR, done_at VARCHAR, "
                         "error_code VARCHAR", rec)  # fmt: skip
        sources, ignored = load.discover(folder)
        duck, spark = db.connect(), db.connect()
        load.load(duck, sources, ignored=ignored)
        engine = SparkEngine(spark, spark_session)
        engine.bring_all = True  # the canonical tables too
        try:
            reader = engine.reader()
            load.load(spark, sources, ignored=ignored, remote=reader)
            assert reader.claim(sources) == ({"sends", "receipts"} if receipts else {"sends"})
            _assert_same_load(duck, spark, everything=True)
        finally:
            engine.close()
