"""Loaders: every dialect lands the same canonical rows, and every row is accounted for."""

from __future__ import annotations

import csv
import gzip
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsaudit import db, schema
from smsaudit.errors import InputError
from smsaudit.ingest import load, verdicts

SENDS_ROWS = [
    # message_id, sent_at, msisdn, sender_id, price, body
    (
        "m1",
        "2026-05-04T10:00:00+02:00",
        "+33 6 12 34 56 78",
        "36184",
        "0.045",
        "Promo é€ STOP 36184",
    ),
    ("m2", "2026-05-04 21:30:00", "0612345679", "36184", "0.05", "Soldes, -20 %"),
    ("m3", "2026-05-04T08:00:00Z", "0033612345680", "MYSHOP", "1.5", "Bonjour"),
]


def write_sends(
    path: Path,
    rows=SENDS_ROWS,
    *,
    delim: str = ",",
    decimal: str = ".",
    encoding: str = "utf-8",
    header: str = "message_id,sent_at,msisdn,sender_id,price,body",
) -> Path:
    lines = [header.replace(",", delim)]
    for r in rows:
        cells = [c.replace(".", decimal) if i == 4 else c for i, c in enumerate(r)]
        lines.append(delim.join(f'"{c}"' if delim in c or "\n" in c else c for c in cells))
    data = ("\n".join(lines) + "\n").encode(encoding)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(data))
    else:
        path.write_bytes(data)
    return path


def run(tmp_path: Path, **kw: object) -> duckdb.DuckDBPyConnection:
    con = db.connect()
    sources, ignored = load.discover(tmp_path)
    load.load(con, sources, ignored=ignored, **kw)  # type: ignore[arg-type]
    return con


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


def assert_balanced(con: duckdb.DuckDBPyConnection) -> None:
    bad = rows(
        con,
        "SELECT * FROM row_accounting "
        "WHERE rows_read <> rows_used + rows_rejected + rows_out_of_scope",
    )
    assert bad == []


# ---------------------------------------------------------------------------- discovery


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("sends.csv", "sends"),
        ("Sends_2026-05.csv.gz", "sends"),
        ("mo_may.csv", "mo"),
        ("monthly.csv", None),
        ("rate_card.csv", "rate_card"),
        ("suppressions-mgage.parquet", "suppressions"),
        ("consent export.csv", "consent"),
        ("notes.txt", None),
    ],
)
def test_kind_of(name: str, kind: str | None) -> None:
    assert load.kind_of(name) == kind


def test_discover_requires_sends(tmp_path: Path) -> None:
    (tmp_path / "receipts.csv").write_text("message_id,status\n")
    with pytest.raises(InputError, match="sends"):
        load.discover(tmp_path)


def test_discover_refuses_unreadable_type(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "consent.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match=r"consent\.xlsx: unsupported file type"):
        load.discover(tmp_path)


def test_discover_lists_ignored_files(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "README.txt").write_text("hi")
    sources, ignored = load.discover(tmp_path)
    assert [s.kind for s in sources] == ["sends"]
    assert ignored == ["README.txt"]


def test_explicit_files(tmp_path: Path) -> None:
    p = write_sends(tmp_path / "my export.csv")
    sources, _ = load.discover(None, {"sends": [p]})
    assert sources[0].kind == "sends" and sources[0].name == str(p)


# ------------------------------------------------------------- datasets (folders of parts)

LAKE_SENDS = [
    ("m1", "2026-05-04T10:00:00+02:00", "+33612345678", "ACME", "mgage", "marketing"),
    ("m2", "2026-05-04T10:01:00+02:00", "+33612345679", "ACME", "mgage", "marketing"),
    ("m3", "not a time", "+33612345670", "ACME", "infobip", "marketing"),
    ("m4", "2026-05-05T11:00:00+02:00", "+262692123456", "38000", "infobip", "marketing"),
]


def write_lake(folder: Path) -> None:
    """The sends as a dataset: hive-partitioned by aggregator (not a column of the parts),
    with a writer's marker and a checksum file, as Spark leaves them."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t (message_id VARCHAR, sent_at VARCHAR, msisdn VARCHAR, "
        "sender_id VARCHAR, aggregator VARCHAR, category VARCHAR)"
    )
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", LAKE_SENDS)
    con.execute(f"COPY t TO '{folder}' (FORMAT parquet, PARTITION_BY (aggregator))")
    (folder / "_SUCCESS").write_text("")
    (folder / "aggregator=mgage" / ".data_0.parquet.crc").write_text("crc")


def test_a_dataset_folder_is_read_part_by_part_with_its_partition_values(
    tmp_path: Path,
) -> None:
    (tmp_path / "lake").mkdir()
    write_lake(tmp_path / "lake" / "sends_2026.parquet")
    (tmp_path / "flat").mkdir()
    con = duckdb.connect()
    con.execute("CREATE TABLE t (message_id VARCHAR, sent_at VARCHAR, msisdn VARCHAR, "
                "sender_id VARCHAR, aggregator VARCHAR, category VARCHAR)")  # fmt: skip
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", LAKE_SENDS)
    con.execute(f"COPY t TO '{tmp_path / 'flat' / 'sends.parquet'}' (FORMAT parquet)")
    sources, ignored = load.discover(tmp_path / "lake")
    parts = ["sends_2026.parquet/aggregator=infobip/data_0.parquet",
             "sends_2026.parquet/aggregator=mgage/data_0.parquet"]  # fmt: skip
    assert [s.name for s in sources] == parts
    assert ignored == []  # _SUCCESS and .crc files are a writer's, not data
    lake, flat = db.connect(), db.connect()
    load.load(lake, sources, ignored=ignored)
    load.load(flat, load.discover(tmp_path / "flat")[0])
    canonical = "SELECT * EXCLUDE (input_file, line) FROM sends ORDER BY message_id"
    assert rows(lake, canonical) == rows(flat, canonical)
    assert rows(lake, "SELECT DISTINCT aggregator FROM sends ORDER BY 1") == [
        ("infobip",), ("mgage",)]  # fmt: skip
    # a rejected row names its part and its line in that part
    assert rows(lake, "SELECT input_file, line, \"column\" FROM rejected_rows") == [
        (parts[0], 1, "sent_at")]  # fmt: skip
    assert_balanced(lake)
    assert rows(lake, "SELECT input_file, rows_read FROM row_accounting") == [
        (parts[0], 2), (parts[1], 2)]  # fmt: skip


def test_a_datasets_parts_are_one_scan_when_their_columns_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One view per dataset (not a UNION of one per part); a part of other columns makes
    the dataset staged part by part, with the same rows, rejections and accounting."""
    from smsaudit.ingest import readers

    scans: list[int] = []
    dataset = readers.Stager._dataset

    def spy(self: Any, parts: Any) -> str:
        scans.append(len(parts))
        return dataset(self, parts)

    monkeypatch.setattr(readers.Stager, "_dataset", spy)
    write_lake(tmp_path / "sends_2026.parquet")
    together = db.connect()
    load.load(together, load.discover(tmp_path)[0])
    assert scans == [2]
    other = tmp_path / "sends_2026.parquet" / "aggregator=zz"
    other.mkdir()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("COPY (SELECT 'z1' AS message_id, TIMESTAMPTZ '2026-05-04 10:00:00+00' AS "
                "sent_at, '+33612345601' AS msisdn, 'ACME' AS sender_id) "
                f"TO '{other / 'data_0.parquet'}' (FORMAT parquet)")  # fmt: skip
    apart = db.connect()
    load.load(apart, load.discover(tmp_path)[0])
    assert scans == [2]  # not one scan: each part alone
    query = "SELECT * FROM {} WHERE input_file NOT LIKE '%zz%' ORDER BY ALL"
    for table in ("sends", "rejected_rows", "row_accounting"):
        assert rows(together, query.format(table)) == rows(apart, query.format(table)), table
    assert rows(apart, "SELECT message_id FROM sends WHERE input_file LIKE '%zz%'") == [("z1",)]


def test_a_dataset_folder_can_be_given_by_flag(tmp_path: Path) -> None:
    write_lake(tmp_path / "exported")
    sources, _ = load.discover(None, {"sends": [tmp_path / "exported"]})
    assert [s.name for s in sources] == [
        f"{tmp_path / 'exported'}/aggregator=infobip/data_0.parquet",
        f"{tmp_path / 'exported'}/aggregator=mgage/data_0.parquet",
    ]
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="empty: a folder without Parquet part files"):
        load.discover(None, {"sends": [tmp_path / "empty"]})


def test_a_delta_table_is_refused_not_read_twice(tmp_path: Path) -> None:
    write_lake(tmp_path / "sends_delta")
    (tmp_path / "sends_delta" / "_delta_log").mkdir()
    with pytest.raises(InputError, match=r"sends_delta: a Delta table"):
        load.discover(tmp_path)


def test_folders_not_named_after_a_kind_stay_unread_and_others_are_listed(
    tmp_path: Path,
) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "sends.parquet").write_bytes(b"an output, not an input")
    (tmp_path / "consent_old").mkdir()
    (tmp_path / "consent_old" / "consent.csv").write_text("msisdn,program_id\n")
    sources, ignored = load.discover(tmp_path)
    assert [s.name for s in sources] == ["sends.csv"]
    assert ignored == ["consent_old/", "consent_old/consent.csv"]


# ------------------------------------------------------------------------------ dialects


CANON_SQL = (
    "SELECT message_id, sent_at, msisdn, territory, sender_id, price, body FROM sends ORDER BY 1"
)


def expected_sends() -> list[tuple[object, ...]]:
    return [
        (
            "m1",
            datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
            "+33612345678",
            "FR",
            "36184",
            Decimal("0.045"),
            "Promo é€ STOP 36184",
        ),
        (
            "m2",
            datetime(2026, 5, 4, 19, 30, tzinfo=UTC),
            "+33612345679",
            "FR",
            "36184",
            Decimal("0.05"),
            "Soldes, -20 %",
        ),
        (
            "m3",
            datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
            "+33612345680",
            "FR",
            "MYSHOP",
            Decimal("1.5"),
            "Bonjour",
        ),
    ]


def _norm(result: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [tuple(v.astimezone(UTC) if isinstance(v, datetime) else v for v in r) for r in result]


@pytest.mark.parametrize(
    ("name", "delim", "decimal", "encoding"),
    [
        ("sends.csv", ",", ".", "utf-8"),
        ("sends.csv", ",", ".", "utf-8-sig"),
        ("sends.csv", ";", ",", "utf-8"),
        ("sends.csv", ";", ",", "cp1252"),
        ("sends.csv", "\t", ".", "utf-8"),
        ("sends.csv.gz", ";", ",", "cp1252"),
        ("sends.csv.gz", ",", ".", "utf-8-sig"),
    ],
)
def test_csv_dialects_land_the_same_rows(
    tmp_path: Path, name: str, delim: str, decimal: str, encoding: str
) -> None:
    write_sends(tmp_path / name, delim=delim, decimal=decimal, encoding=encoding)
    con = run(tmp_path)
    assert _norm(rows(con, CANON_SQL)) == expected_sends()
    assert rows(con, "SELECT count(*) FROM rejected_rows") == [(0,)]
    assert_balanced(con)


def test_parquet_lands_the_same_rows(tmp_path: Path) -> None:
    src = write_sends(tmp_path / "x.csv")
    out = tmp_path / "sends.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_csv('{src}', all_varchar=true)) TO '{out}'")
    src.unlink()
    con = run(tmp_path)
    assert _norm(rows(con, CANON_SQL)) == expected_sends()
    assert rows(con, "SELECT line FROM sends ORDER BY line") == [(1,), (2,), (3,)]


def test_parquet_typed_columns(tmp_path: Path) -> None:
    duckdb.sql(
        f"""COPY (SELECT 'p1' AS Message_ID, TIMESTAMPTZ '2026-05-04 08:00:00+00' AS sent_at,
                   33612345678::BIGINT AS msisdn, 36184 AS sender_id, 0.05::DOUBLE AS price,
                   2 AS segments
            UNION ALL SELECT 'p2', NULL, 33612345679, 36184, 0.05, 1)
            TO '{tmp_path / "sends.parquet"}'"""
    )
    con = run(tmp_path)
    got = rows(con, "SELECT message_id, msisdn, sender_id, price, segments FROM sends")
    assert got == [("p1", "+33612345678", "36184", Decimal("0.05"), 2)]
    assert rows(con, 'SELECT line, "column", reason FROM rejected_rows') == [
        (2, "sent_at", "missing value")
    ]


def test_int96_timestamps_are_utc_instants(tmp_path: Path) -> None:
    """Spark, Hive and Databricks wrote INT96 timestamps (normalised to UTC) by default;
    DuckDB reads them zone-less, which must not make them Paris times."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    at = pa.array([datetime(2026, 5, 4, 8, 0, tzinfo=UTC)], pa.timestamp("us", tz="UTC"))
    table = pa.table({"message_id": ["i1"], "sent_at": at, "msisdn": ["0612345678"],
                      "sender_id": ["ACME"]})  # fmt: skip
    pq.write_table(table, tmp_path / "sends.parquet", use_deprecated_int96_timestamps=True)
    con = run(tmp_path)
    assert rows(con, "SELECT sent_at FROM sends") == [(datetime(2026, 5, 4, 8, 0, tzinfo=UTC),)]


@settings(max_examples=60, deadline=None)
@given(
    instant=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
    ),
    unit=st.sampled_from(["s", "ms", "us", "float_s"]),
)
def test_unix_times_in_numeric_columns_are_utc_instants(
    tmp_path_factory: pytest.TempPathFactory, instant: datetime, unit: str
) -> None:
    """A timestamp column typed as a number (Kafka and event-stream dumps) is Unix time in
    seconds, milliseconds or microseconds, told by magnitude; the oracle is Python's own
    arithmetic on the instant."""
    folder = tmp_path_factory.mktemp("epoch")
    micros = (instant - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    value, expected = {
        "s": (micros // 1_000_000, instant.replace(microsecond=0)),
        "ms": (micros // 1_000, instant.replace(microsecond=instant.microsecond // 1000 * 1000)),
        "us": (micros, instant),
        "float_s": (micros // 1_000_000 + 0.5, instant.replace(microsecond=500_000)),
    }[unit]
    kind = "DOUBLE" if isinstance(value, float) else "BIGINT"
    duckdb.sql(
        f"COPY (SELECT 'e1' AS message_id, {value}::{kind} AS sent_at, '0612345678' AS msisdn, "
        f"'ACME' AS sender_id) TO '{folder / 'sends.parquet'}'"
    )
    con = run(folder)
    assert rows(con, "SELECT sent_at FROM sends") == [(expected,)]
    assert rows(con, "SELECT count(*) FROM rejected_rows") == [(0,)]


def test_unix_times_out_of_range_or_in_text_are_rejected_naming_the_value(
    tmp_path: Path,
) -> None:
    """An integer sent_at once failed the whole audit (DuckDB's binder met a regular
    expression on an INTEGER). Now: 0 and a huge value are implausible dates, NaN is
    unreadable, all on their own line; digits in text stay unreadable (10 digits may be
    Vonage's YYMMDDhhmm as well as a Unix time), and no Unix time counts as naive."""
    duckdb.sql(
        f"""COPY (SELECT *, '0612345678' AS msisdn, 'ACME' AS sender_id FROM (VALUES
                   ('a', 1777885200::DOUBLE), ('b', 0), ('c', 9.9e30), ('d', 'nan'::DOUBLE)
                 ) AS v(message_id, sent_at))
            TO '{tmp_path / "sends.parquet"}'"""
    )
    con = db.connect()
    report = load.load(con, load.discover(tmp_path)[0])
    assert report.naive_timestamps == 0
    assert rows(con, "SELECT message_id FROM sends") == [("a",)]
    assert rows(con, 'SELECT line, "column", value, reason_code FROM rejected_rows') == [
        (2, "sent_at", "0.0", "implausible_date"),
        (3, "sent_at", "9.9e+30", "unreadable_timestamp"),
        (4, "sent_at", "nan", "unreadable_timestamp"),
    ]
    text = tmp_path / "text"
    text.mkdir()
    (text / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nt,1777885200,0612345678,A\n"
    )
    con = run(text)
    assert rows(con, "SELECT reason_code FROM rejected_rows") == [("unreadable_timestamp",)]


def corrupt_parquet(path: Path) -> None:
    """A Parquet file whose footer reads but whose pages do not: 2,000 bytes overwritten a
    third of the way in (uncompressed, so the damage lands in the data)."""
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT 'm' || i AS message_id, '2026-05-04T10:00:00Z' AS sent_at, "
        "'0612345678' AS msisdn, 'ACME' || (i % 7) AS sender_id, md5(i::VARCHAR) AS body "
        f"FROM range(200000) t(i)) TO '{path}' (FORMAT parquet, COMPRESSION uncompressed)"
    )
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : third + 2000] = b"\xff" * 2000
    path.write_bytes(bytes(data))


def test_corrupt_parquet_pages_are_one_line_naming_the_file(tmp_path: Path) -> None:
    corrupt_parquet(tmp_path / "sends_x.parquet")
    write_sends(tmp_path / "sends_ok.csv")
    with pytest.raises(InputError) as error:
        run(tmp_path)
    assert error.value.file == "sends_x.parquet"
    assert "not a readable Parquet file" in str(error.value)


def test_headers_are_case_and_space_insensitive(tmp_path: Path) -> None:
    write_sends(
        tmp_path / "sends.csv",
        header="Message ID,SENT_AT, Msisdn ,Sender-ID,Price,BODY",
    )
    con = run(tmp_path)
    assert len(rows(con, "SELECT * FROM sends")) == 3


def test_extra_and_duplicated_columns_are_tolerated(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id,extra,MSISDN\n"
        "a,2026-05-04T10:00:00Z,0612345678,36184,x,0699999999\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT msisdn FROM sends") == [("+33612345678",)]


def test_mixed_encodings_in_one_file(tmp_path: Path) -> None:
    head = b"message_id;sent_at;msisdn;sender_id;body\n"
    utf8 = "a;2026-05-04T10:00:00Z;0612345678;36184;Caf\u00e9 \u20ac STOP\n".encode()
    cp = "b;2026-05-04T10:00:00Z;0612345678;36184;Caf\u00e9 \u20ac STOP\n".encode("cp1252")
    (tmp_path / "sends.csv").write_bytes(head + utf8 + cp)
    con = run(tmp_path)
    assert rows(con, "SELECT DISTINCT body FROM sends") == [("Café € STOP",)]


def test_mixed_line_endings(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_bytes(
        b"message_id;sent_at;msisdn;sender_id\n"
        b"a;2026-05-04T10:00:00Z;0612345678;36184\r\n"
        b"b;2026-05-04T10:00:00Z;0612345678;36184\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, line FROM sends") == [("a", 2), ("b", 3)]


# ---------------------------------------------------------------------- unusable files


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x00\x01\x02PK\x00binary", "binary file"),
    ],
)
def test_unusable_files_name_the_file(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "sends.csv").write_bytes(content)
    with pytest.raises(InputError, match=rf"^sends\.csv: {message}"):
        run(tmp_path)


def test_missing_required_column(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text("message_id,sent_at,sender_id\na,2026-05-04,x\n")
    with pytest.raises(InputError) as err:
        run(tmp_path)
    assert str(err.value) == (
        "sends.csv, line 1, column 'msisdn': missing required column msisdn for sends"
    )


def test_broken_json(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "receipts.json").write_text('{"results": [{"messageId": "m1",')
    with pytest.raises(InputError, match=r"^receipts\.json, line 1: malformed JSON"):
        run(tmp_path)


def test_corrupt_gzip(tmp_path: Path) -> None:
    (tmp_path / "sends.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match=r"^sends\.csv\.gz:"):
        run(tmp_path)


# ------------------------------------------------------------------------- bad rows


def test_bad_rows_are_rejected_with_file_line_column(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id,price,segments,category\n"
        "ok,2026-05-04T10:00:00Z,0612345678,36184,0.05,1,\n"  # line 2
        "t,yesterday,0612345678,36184,0.05,1,\n"  # 3
        "n,2026-05-04T10:00:00Z,06 12,36184,0.05,1,\n"  # 4
        "p,2026-05-04T10:00:00Z,0612345678,36184,-0.05,1,\n"  # 5
        "q,2026-05-04T10:00:00Z,0612345678,36184,abc,1,\n"  # 6
        "s,2026-05-04T10:00:00Z,0612345678,36184,0.05,0,\n"  # 7
        ",2026-05-04T10:00:00Z,0612345678,36184,0.05,1,\n"  # 8
        "c,2026-05-04T10:00:00Z,0612345678,36184,0.05,1,promo\n"  # 9
        "ok,2026-05-04T11:00:00Z,0612345678,36184,0.05,1,\n"  # 10: duplicate
        "f,2026-05-04T10:00:00Z,+44 7911 123456,36184,0.05,1,\n"  # 11: foreign
        "x,2026-05-04T10:00:00Z,0612345678\n"  # 12: too few fields
    )
    con = run(tmp_path)
    got = rows(con, 'SELECT line, "column", value, reason FROM rejected_rows')
    assert [(r[0], r[1], r[2]) for r in got] == [
        (3, "sent_at", "yesterday"),
        (4, "msisdn", "06 12"),
        (5, "price", "-0.05"),
        (6, "price", "abc"),
        (7, "segments", "0"),
        (8, "message_id", None),
        (9, "category", "promo"),
        (10, "message_id", "ok"),
        (12, None, "x,2026-05-04T10:00:00Z,0612345678"),
    ]
    reasons = {r[0]: r[3] for r in got}
    assert reasons[3] == "unreadable timestamp"
    assert reasons[4].startswith("invalid phone number")
    assert reasons[5] == "negative amount"
    assert reasons[10] == "duplicate message_id (first at sends.csv line 2)"
    assert reasons[12].startswith("malformed CSV record")
    assert rows(
        con, "SELECT rows_read, rows_used, rows_rejected, rows_out_of_scope FROM row_accounting"
    ) == [(11, 1, 9, 1)]
    assert rows(con, "SELECT reason, rows FROM out_of_scope_rows") == [("foreign number", 1)]


def test_spellings_that_differ_by_spaces_share_one_reading(tmp_path: Path) -> None:
    """The phone map is keyed without plain spaces; every row still shows its own spelling,
    also across files whose raw columns have different types (Parquet and CSV)."""
    (tmp_path / "sends_a.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\n"
        "a,2026-05-04T10:00:00Z,+33 6 12 34 56 78,36184\n"
        "b,2026-05-04T10:00:00Z,06 12 34 56 7,36184\n"
    )
    duckdb.execute(
        "COPY (SELECT 'c' AS message_id, TIMESTAMPTZ '2026-05-04 10:00:00+00' AS sent_at, "
        "'+336 1234 5678' AS msisdn, 36184 AS sender_id, 1.0 AS segments UNION ALL "
        "SELECT 'd', NULL, '0612345678', 36184, 1 UNION ALL "
        "SELECT 'e', TIMESTAMPTZ '2026-05-04 10:00:00+00', '0612345678', 36184, 1.5) "
        f"TO '{tmp_path / 'sends_b.parquet'}' (FORMAT parquet)"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, msisdn FROM sends ORDER BY ALL") == [
        ("a", "+33612345678"),
        ("c", "+33612345678"),
    ]
    assert rows(con, 'SELECT input_file, line, "column", value FROM rejected_rows') == [
        ("sends_a.csv", 3, "msisdn", "06 12 34 56 7"),
        ("sends_b.parquet", 2, "sent_at", None),
        # a typed value is reported as its own file wrote it, whatever the other files hold
        ("sends_b.parquet", 3, "segments", "1.5"),
    ]
    assert_balanced(con)


def test_physical_lines_survive_quoted_newlines(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id;sent_at;msisdn;sender_id;body\n"
        'a;2026-05-04T10:00:00Z;0612345678;36184;"two\nlines; and a separator"\n'  # 2-3
        "b;bad;0612345678;36184;x\n"  # 4
        "c;2026-05-04T10:00:00Z;0612345678\n"  # 5: malformed
        'd;2026-05-04T10:00:00Z;0612345678;36184;"x\n\ny"\n'  # 6-8
        "e;never;0612345678;36184;x\n"  # 9
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, line FROM sends") == [("a", 2), ("d", 6)]
    assert rows(con, "SELECT line FROM rejected_rows") == [(4,), (5,), (9,)]
    assert rows(con, "SELECT body FROM sends WHERE message_id = 'a'") == [
        ("two\nlines; and a separator",)
    ]
    assert_balanced(con)


# ------------------------------------------------------------------------ timestamps


@pytest.mark.parametrize(
    ("raw", "utc"),
    [
        ("2026-05-04T10:00:00Z", datetime(2026, 5, 4, 10, 0, tzinfo=UTC)),
        ("2026-05-04T10:00:00+02:00", datetime(2026, 5, 4, 8, 0, tzinfo=UTC)),
        ("2026-05-04T10:00:00+0200", datetime(2026, 5, 4, 8, 0, tzinfo=UTC)),
        ("2026-05-04T10:00:00.000+0000", datetime(2026, 5, 4, 10, 0, tzinfo=UTC)),
        ("2026-05-04T06:00:00-04", datetime(2026, 5, 4, 10, 0, tzinfo=UTC)),
        ("2026-05-04 10:00:00 UTC", datetime(2026, 5, 4, 10, 0, tzinfo=UTC)),
        ("2026-05-04T10:00:00", datetime(2026, 5, 4, 8, 0, tzinfo=UTC)),
        ("2026-05-04 10:00", datetime(2026, 5, 4, 8, 0, tzinfo=UTC)),
        ("04/05/2026 10:00", datetime(2026, 5, 4, 8, 0, tzinfo=UTC)),
        ("04/05/2026 10:00:30", datetime(2026, 5, 4, 8, 0, 30, tzinfo=UTC)),
        ("2026-01-15 10:00:00", datetime(2026, 1, 15, 9, 0, tzinfo=UTC)),
        # A date alone is local midnight: its ending "-04" is the day, not an offset.
        ("2026-05-04", datetime(2026, 5, 3, 22, 0, tzinfo=UTC)),
        ("04/05/2026", datetime(2026, 5, 3, 22, 0, tzinfo=UTC)),
        # DST fold: 02:30 happens twice on 25 Oct 2026; the first (summer time) is taken.
        ("2026-10-25 02:30:00", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        ("2026-10-25 03:30:00", datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_timestamp_spellings(tmp_path: Path, raw: str, utc: datetime) -> None:
    (tmp_path / "sends.csv").write_text(
        f"message_id;sent_at;msisdn;sender_id\na;{raw};0612345678;36184\n"
    )
    con = run(tmp_path)
    assert _norm(rows(con, "SELECT sent_at FROM sends")) == [(utc,)]


def test_dst_gap_is_rejected_and_naive_times_are_counted(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id;sent_at;msisdn;sender_id\n"
        "a;2026-03-29 02:30:00;0612345678;36184\n"
        "b;2026-03-29 03:30:00;0612345678;36184\n"
        "c;2026-03-29T03:30:00+02:00;0612345678;36184\n"
    )
    con = db.connect()
    sources, _ = load.discover(tmp_path)
    report = load.load(con, sources)
    assert rows(con, 'SELECT line, "column", reason FROM rejected_rows') == [
        (2, "sent_at", "local time that does not exist (DST change) in Europe/Paris")
    ]
    assert report.naive_timestamps == 1  # b; a is rejected, c has an offset


def test_assume_tz(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id;sent_at;msisdn;sender_id\na;2026-05-04 10:00;0612345678;36184\n"
    )
    con = run(tmp_path, assume_tz="America/Guadeloupe")
    assert _norm(rows(con, "SELECT sent_at FROM sends")) == [
        (datetime(2026, 5, 4, 14, 0, tzinfo=UTC),)
    ]


def test_unknown_assume_tz(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    with pytest.raises(InputError, match="Mars/Olympus"):
        run(tmp_path, assume_tz="Mars/Olympus")


def test_result_does_not_depend_on_session_time_zone(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    con = db.connect()
    con.execute("SET TimeZone = 'America/New_York'")  # as if the machine were elsewhere
    sources, _ = load.discover(tmp_path)
    load.load(con, sources)
    assert _norm(rows(con, CANON_SQL)) == expected_sends()


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("0.045", Decimal("0.045")),
        ("0,045", Decimal("0.045")),
        ("1\u202f234,50 €", Decimal("1234.50")),
        ("1 234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("€0.06", Decimal("0.06")),
    ],
)
def test_amount_spellings(tmp_path: Path, raw: str, value: Decimal) -> None:
    (tmp_path / "sends.csv").write_text(
        f'message_id;sent_at;msisdn;sender_id;price\na;2026-05-04T10:00:00Z;0612345678;36184;"{raw}"\n'
    )
    con = run(tmp_path)
    assert rows(con, "SELECT price FROM sends") == [(value,)]


# -------------------------------------------------------------------------- receipts


def test_receipts_latest_wins_and_unknown_are_out_of_scope(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "receipts.csv").write_text(
        "message_id,status,done_at,error_code\n"
        "m1,FAILED,2026-05-04T10:05:00Z,061\n"
        "m1,DELIVERED,2026-05-04T10:01:00Z,\n"
        "zz,DELIVERED,2026-05-04T10:01:00Z,\n"
        "m2,undeliverable,,61\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, status, error_code, line FROM receipts ORDER BY 1") == [
        ("m1", "FAILED", "061", 2),
        ("m2", "UNDELIVERABLE", "61", 5),
    ]
    assert rows(con, "SELECT reason, rows FROM out_of_scope_rows ORDER BY 1") == [
        ("receipt for a message not in scope", 1),
        ("superseded by a later receipt", 1),
    ]
    assert_balanced(con)


def test_message_ids_whose_hashes_collide_are_not_repeats(tmp_path: Path) -> None:
    """Repeats are found by a hash of message_id, then ranked by the id itself: two ids with
    the same DuckDB hash are two messages, and a real repeat among them is still found."""
    a, b = "+33 6 12 20 57 23", "+33 6 19 20 57 73"  # hash(a) = hash(b) in DuckDB
    assert duckdb.execute("SELECT hash($a) = hash($b)", {"a": a, "b": b}).fetchall() == [(True,)]
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\n"
        f"{a},2026-05-04T10:00:00Z,0612345678,36184\n"
        f"{b},2026-05-04T10:00:00Z,0612345679,36184\n"
        f"{b},2026-05-04T11:00:00Z,0612345679,36184\n"
    )
    (tmp_path / "receipts.csv").write_text(
        "message_id,status,done_at\n"
        f"{b},DELIVERED,2026-05-04T10:02:00Z\n"
        f"{a},DELIVERED,2026-05-04T10:01:00Z\n"
        f"{b},FAILED,2026-05-04T10:01:00Z\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, line FROM sends ORDER BY line") == [(a, 2), (b, 3)]
    assert rows(con, "SELECT line, reason FROM rejected_rows") == [
        (4, "duplicate message_id (first at sends.csv line 3)")
    ]
    assert rows(con, "SELECT message_id, status FROM receipts ORDER BY line") == [
        (b, "DELIVERED"),
        (a, "DELIVERED"),
    ]
    assert rows(con, "SELECT reason, rows FROM out_of_scope_rows") == [
        ("superseded by a later receipt", 1)
    ]
    assert_balanced(con)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.booleans(), st.booleans()), min_size=1, max_size=8
    )
)
def test_repeated_sends_against_an_oracle(
    tmp_path_factory: pytest.TempPathFactory, sends: list[tuple[str, bool, bool]]
) -> None:
    """(message_id, naive time, foreign number) rows: a repeat is rejected pointing at the
    first occurrence even when out of scope itself, and neither counts as out of scope nor
    as a naive time. The oracle is a loop over the rows in line order."""
    folder = tmp_path_factory.mktemp("repeats")
    lines = ["message_id,sent_at,msisdn,sender_id"]
    for mid, naive, foreign in sends:
        at = "2026-05-04 10:00:00" if naive else "2026-05-04T10:00:00Z"
        lines.append(f"{mid},{at},{'+4915112345678' if foreign else '0612345678'},ACME")
    (folder / "sends.csv").write_text("\n".join(lines) + "\n")
    first: dict[str, int] = {}
    rejected, foreign_kept, naive_kept = [], 0, 0
    for line, (mid, naive, foreign) in enumerate(sends, start=2):
        if mid in first:
            rejected.append((line, f"duplicate message_id (first at sends.csv line {first[mid]})"))
            continue
        first[mid] = line
        foreign_kept += foreign
        naive_kept += naive
    con = db.connect()
    report = load.load(con, load.discover(folder)[0])
    assert rows(con, "SELECT line, reason FROM rejected_rows ORDER BY line") == rejected
    assert rows(con, "SELECT coalesce(sum(rows), 0) FROM out_of_scope_rows") == [(foreign_kept,)]
    assert report.naive_timestamps == naive_kept
    assert_balanced(con)


INFOBIP_LEGACY = {
    "bulkId": "b1",
    "messageId": "m1",
    "to": "33612345678",
    "from": "36173",
    "sentAt": "2026-05-04T08:00:00.000+0000",
    "doneAt": "2026-05-04T08:00:05.000+0000",
    "smsCount": 2,
    "price": {"pricePerMessage": 0.045, "currency": "EUR"},
    "status": {
        "groupId": 5,
        "groupName": "REJECTED",
        "id": 14,
        "name": "REJECTED_DESTINATION_BLOCKLISTED",
    },
    "error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", "permanent": False},
}


@pytest.mark.parametrize("layout", ["results", "array", "ndjson", "webhooks"])
def test_infobip_json_layouts(tmp_path: Path, layout: str) -> None:
    write_sends(tmp_path / "sends.csv")
    v3 = {k: v for k, v in INFOBIP_LEGACY.items() if k not in ("from", "smsCount")}
    v3 |= {"sender": "36173", "messageCount": 1, "messageId": "m2"}
    reports = [INFOBIP_LEGACY, v3]
    text = {
        "results": json.dumps({"results": reports}, indent=2),
        "array": json.dumps(reports),
        "ndjson": "\n".join(json.dumps(r) for r in reports) + "\n",
        "webhooks": "\n".join(json.dumps({"results": [r]}) for r in reports) + "\n",
    }[layout]
    (tmp_path / "receipts_infobip.json").write_text(text)
    con = run(tmp_path)
    assert rows(
        con,
        "SELECT message_id, status, status_group, done_at, error_code, segments, price, "
        "currency, line FROM receipts ORDER BY 1",
    ) == [
        (
            "m1",
            "REJECTED_DESTINATION_BLOCKLISTED",
            "REJECTED",
            datetime(2026, 5, 4, 8, 0, 5, tzinfo=UTC),
            "0",
            2,
            Decimal("0.045"),
            "EUR",
            1,
        ),
        (
            "m2",
            "REJECTED_DESTINATION_BLOCKLISTED",
            "REJECTED",
            datetime(2026, 5, 4, 8, 0, 5, tzinfo=UTC),
            "0",
            1,
            Decimal("0.045"),
            "EUR",
            2,
        ),
    ]


# --------------------------------------------------------------------- other kinds


def test_consent_status_spellings(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    spellings = ["OPT-IN", "opted-in", "OPT_IN", "OPT-OUT", "Opted-Out", "OPT_OUT", "MAYBE"]
    body = "".join(
        f"0612345678,P{i},{s},2026-05-0{1 + i % 5}T10:00:00Z\n" for i, s in enumerate(spellings)
    )
    (tmp_path / "consent.csv").write_text("msisdn,program_id,status,status_date\n" + body)
    con = run(tmp_path)
    assert [r[0] for r in rows(con, "SELECT status FROM consent ORDER BY line")] == [
        "OPTED-IN",
        "OPTED-IN",
        "OPTED-IN",
        "OPTED-OUT",
        "OPTED-OUT",
        "OPTED-OUT",
    ]
    assert rows(con, 'SELECT line, "column", value, reason FROM rejected_rows') == [
        (8, "status", "MAYBE", "unknown consent status")
    ]


@pytest.mark.parametrize(
    ("text", "is_stop"),
    [
        ("STOP", True),
        ("stop", True),
        ("  Stop merci", True),
        ("ARRET", True),
        ("Arrêt svp", True),
        ("ARRÊT", True),
        ("stop.", True),
        ("STOPPER", False),
        ("Je veux stop", False),
        ("", False),
    ],
)
def test_mo_stop_words(tmp_path: Path, text: str, is_stop: bool) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "mo.csv").write_text(
        f'msisdn,received_at,text\n0612345678,2026-05-04T10:00:00Z,"{text}"\n'
    )
    con = run(tmp_path)
    if text:
        assert rows(con, "SELECT is_stop FROM mo") == [(is_stop,)]
    else:  # an empty text is a missing required value
        assert rows(con, 'SELECT "column", reason FROM rejected_rows') == [
            ("text", "missing value")
        ]


def test_all_kinds_land(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    (tmp_path / "suppressions.csv").write_text(
        "msisdn,sender_id,suppressed_at,aggregator\n+33612345678,36184,2026-05-01,MGAGE\n"
    )
    (tmp_path / "programs.csv").write_text(
        "program_id,sender_id,short_code_type,aggregator\nP1,36184,Shared,mGage\nP2,1,odd,x\n"
    )
    (tmp_path / "rate_card.csv").write_text(
        "aggregator;price_per_segment;currency;valid_from;valid_to\n"
        "mGage;0,045;eur;2026-05-01;2026-05-15\n"
        "mGage;0,05;EUR;16/05/2026;\n"
        "Infobip;0,04;EUR;2026-06-01;2026-05-01\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT msisdn, sender_id, aggregator FROM suppression_exports") == [
        ("+33612345678", "36184", "mgage")
    ]
    assert rows(con, "SELECT program_id, short_code_type, aggregator FROM programs") == [
        ("P1", "shared", "mgage")
    ]
    assert rows(con, "SELECT price_per_segment, currency, valid_from::VARCHAR FROM rate_card") == [
        (Decimal("0.045"), "EUR", "2026-05-01"),
        (Decimal("0.05"), "EUR", "2026-05-16"),
    ]
    assert [r[0] for r in rows(con, "SELECT reason FROM rejected_rows")] == [
        "unknown short_code_type (expected shared or dedicated)",
        "valid_to before valid_from",
    ]
    assert_balanced(con)


def test_territories_filter(tmp_path: Path) -> None:
    write_sends(
        tmp_path / "sends.csv",
        rows=[
            ("a", "2026-05-04T10:00:00Z", "+262 692 12 34 56", "36184", "0.05", "x"),
            ("b", "2026-05-04T10:00:00Z", "0612345678", "36184", "0.05", "x"),
        ],
    )
    con = run(tmp_path, territories=["RE"])
    assert rows(con, "SELECT message_id, territory, tz FROM sends") == [
        ("a", "RE", "Indian/Reunion")
    ]
    assert rows(con, "SELECT reason, rows FROM out_of_scope_rows") == [("territory not audited", 1)]


# ------------------------------------------------------------------ property: nothing lost

cell = st.one_of(
    st.sampled_from(
        ["", "x", "0612345678", "+44 20 7946 0958", "2026-05-04T10:00:00Z", "-1", "0,5"]
    ),
    # NUL makes a file binary (refused whole, tested above): not a cell value here
    st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
    ),
)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.lists(st.lists(cell, min_size=3, max_size=7), min_size=1, max_size=12))
def test_no_row_vanishes(tmp_path_factory: pytest.TempPathFactory, data: list[list[str]]) -> None:
    """Random records: every record read is used, rejected or out of scope, exactly once."""
    folder = tmp_path_factory.mktemp("prop")
    header = "message_id;sent_at;msisdn;sender_id;price"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(header.split(";"))
    for record in data:
        writer.writerow(record)
    (folder / "sends.csv").write_text(buf.getvalue(), encoding="utf-8")
    con = run(folder)
    assert_balanced(con)
    # every record has at least three cells, so none is a blank line: all are read
    assert rows(con, "SELECT rows_read FROM row_accounting") == [(len(data),)]


def test_period_limits_sends_and_their_receipts(tmp_path: Path) -> None:
    from datetime import date

    write_sends(tmp_path / "sends.csv")  # m1, m3 at 08:00 UTC and m2 at 19:30 UTC on 4 May
    (tmp_path / "receipts.csv").write_text("message_id,status\nm1,DELIVERED\nm2,DELIVERED\n")
    con = db.connect()
    sources, _ = load.discover(tmp_path)
    load.load(con, sources, period=(date(2026, 5, 5), None))
    assert rows(con, "SELECT count(*) FROM sends") == [(0,)]
    assert rows(con, "SELECT reason, rows FROM out_of_scope_rows ORDER BY 1") == [
        ("outside the audited period", 3),
        ("receipt for a message not in scope", 2),
    ]
    con = db.connect()
    load.load(con, sources, period=(date(2026, 5, 4), date(2026, 5, 4)))
    assert rows(con, "SELECT count(*) FROM sends") == [(3,)]
    with pytest.raises(InputError, match="ends"):
        load.load(db.connect(), sources, period=(date(2026, 5, 4), date(2026, 5, 3)))


def test_crlf_file_with_a_short_record_keeps_line_numbers(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_bytes(
        b"message_id;sent_at;msisdn;sender_id\r\n"
        b"a;2026-05-04T10:00:00Z;0612345678;36184\r\n"
        b"b;2026-05-04T10:00:00Z\r\n"
        b"c;2026-05-04T10:00:00Z;0612345678;36184\r\n"
    )
    con = run(tmp_path)
    assert rows(con, "SELECT message_id, line FROM sends") == [("a", 2), ("c", 4)]
    assert rows(con, "SELECT line, value FROM rejected_rows") == [(3, "b;2026-05-04T10:00:00Z")]


def test_loading_leaves_only_the_canonical_and_accounting_tables(tmp_path: Path) -> None:
    """Staged files, the phone map and other working tables are dropped once loaded."""
    (tmp_path / "sends.csv").write_text(
        "message_id;sent_at;msisdn;sender_id\na;2026-05-04 10:00;0612345678;36184\n"
        'b;2026-05-04 10:00;"06 12\n34 56 78";36184\n'
    )
    (tmp_path / "receipts.json").write_text('{"results": [{"messageId": "a"}]}')
    con = run(tmp_path)
    left = {
        name
        for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() UNION ALL SELECT view_name FROM duckdb_views() "
            "WHERE NOT internal"
        ).fetchall()
    }
    expected = set(schema.CANONICAL) | {
        "rejected_rows",
        "row_accounting",
        "out_of_scope_rows",
        "audit_period",
    }
    assert left == expected


def _column_types(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    return dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = $t",
            {"t": table},
        ).fetchall()
    )


def test_repeated_text_is_stored_as_a_dictionary_in_text_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Senders, bodies, categories... repeat: their columns hold ENUMs of the values present
    (a named type is not left behind), and sort as text."""
    monkeypatch.setattr(verdicts, "DICTIONARY_MIN_ROWS", 0)  # as at 200k rows and more
    senders = ["ZETA", "alpha", "Mid", "36184"]
    body_rows = [
        (f"m{i}", "2026-05-04T10:00:00Z", f"06123456{i % 100:02d}", senders[i % 4], "0.05", "Hi")
        for i in range(400)
    ]
    write_sends(tmp_path / "sends.csv", body_rows)
    con = run(tmp_path)
    types = _column_types(con, "sends")
    assert types["sender_id"].startswith("ENUM(")
    assert types["body"].startswith("ENUM(")
    assert types["tz"].startswith("ENUM(")
    assert types["message_id"] == "VARCHAR"  # one value per row: stays text
    assert rows(con, "SELECT DISTINCT sender_id FROM sends ORDER BY sender_id") == [
        (s,) for s in sorted(senders)
    ]
    assert rows(con, "SELECT count(*) FROM sends WHERE sender_id = 'alpha'") == [(100,)]
    left = rows(
        con, "SELECT type_name FROM duckdb_types() WHERE starts_with(type_name, 'smsaudit')"
    )
    assert left == []


def test_text_with_many_values_stays_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Personalised bodies (about one per row) are not worth a dictionary."""
    monkeypatch.setattr(verdicts, "DICTIONARY_MIN_ROWS", 0)
    personal = [
        (f"m{i}", "2026-05-04T10:00:00Z", "0612345678", "36184", "0.05", f"Bonjour client {i}")
        for i in range(400)
    ]
    write_sends(tmp_path / "sends.csv", personal)
    con = run(tmp_path)
    types = _column_types(con, "sends")
    assert types["body"] == "VARCHAR"
    assert types["sender_id"].startswith("ENUM(")
    assert rows(con, "SELECT count(DISTINCT body) FROM sends") == [(400,)]


def test_small_loads_keep_text_as_text(tmp_path: Path) -> None:
    """Under DICTIONARY_MIN_ROWS rows a dictionary saves nothing: no ENUM is made."""
    write_sends(tmp_path / "sends.csv")
    types = _column_types(run(tmp_path), "sends")
    assert types["sender_id"] == types["body"] == types["campaign_id"] == "VARCHAR"


def test_loading_twice_on_one_connection(tmp_path: Path) -> None:
    """The dictionary types of a first load do not get in the way of a second."""
    write_sends(tmp_path / "sends.csv")
    con = run(tmp_path)
    sources, ignored = load.discover(tmp_path)
    load.load(con, sources, ignored=ignored)
    assert rows(con, "SELECT count(*) FROM sends") == [(3,)]


def test_special_entries_of_the_folder_are_listed_never_read(tmp_path: Path) -> None:
    import os

    write_sends(tmp_path / "sends.csv")
    os.mkfifo(tmp_path / "receipts_pipe.csv")  # reading it would wait for ever
    os.symlink(tmp_path / "nowhere.csv", tmp_path / "consent_dangling.csv")
    (tmp_path / "sub").mkdir()
    os.symlink(tmp_path / "sub", tmp_path / "mo_link")
    sources, ignored = load.discover(tmp_path)
    assert [s.name for s in sources] == ["sends.csv"]
    assert ignored == ["consent_dangling.csv", "mo_link", "receipts_pipe.csv"]


def test_a_file_given_twice_is_read_once(tmp_path: Path) -> None:
    write_sends(tmp_path / "sends.csv")
    sources, _ = load.discover(tmp_path, {"sends": [tmp_path / "sends.csv"]})
    assert [s.name for s in sources] == ["sends.csv"]
