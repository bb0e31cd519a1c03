"""A folder at a URI (``engines/spark_files.py``): Spark lists it and reads its Parquet where
it is; the other files are copied to the driver and read as in a local folder. ``file:`` URIs
stand for ``s3a://`` and the like (the same Hadoop file system API)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from test_engines_spark import _assert_same_audit
from test_engines_spark_load import _assert_same_load, _messy, float_sends, lake
from test_load import corrupt_parquet

import smsaudit
from smsaudit.engines import spark_files


@pytest.mark.parametrize(
    ("data", "uri"),
    [
        ("s3a://bucket/exports", True),
        ("abfss://c@account.dfs.core.windows.net/x", True),
        ("dbfs:/mnt/exports", True),
        ("file:///tmp/exports", True),
        ("C:/exports", False),  # a Windows drive
        ("exports/2026-05", False),
        ("/tmp/exports", False),
    ],
)
def test_what_is_a_uri(data: str, uri: bool) -> None:
    assert spark_files.is_uri(data) is uri


def test_a_uri_folder_gives_the_local_folders_tables(spark_session: Any, tmp_path: Path) -> None:
    data = _messy(tmp_path / "messy")
    (data / "programs[1].csv").write_text("program_id,sender_id\np1,ACME\n")  # a glob's name
    (data / "notes.txt").write_text("not an input")
    (data / "_SUCCESS").write_text("")  # Spark's marker files are not listed
    duck = smsaudit.audit(data)
    spark = smsaudit.audit(data.as_uri(), engine=spark_session)
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)
    where = {s.name: isinstance(s.path, Path) for s in spark.load_report.sources}
    copied = {name for name, local in where.items() if local}
    # what DuckDB reads: mo, and programs (a CSV among them: the kind is not Spark's whole)
    assert copied == {"mo_x.parquet", "programs[1].csv", "programs_x.parquet"}
    assert len(where) == 12
    assert spark.load_report.ignored == ["notes.txt"]


def test_a_kind_spark_cannot_read_whole_is_copied_to_the_driver(
    spark_session: Any, tmp_path: Path
) -> None:
    data = _messy(tmp_path / "messy")
    float_sends(data)
    duck = smsaudit.audit(data)
    spark = smsaudit.audit(data.as_uri(), engine=spark_session)
    _assert_same_load(duck.con, spark.con)
    local = {s.name for s in spark.load_report.sources if isinstance(s.path, Path)}
    assert {"sends_float.parquet", "sends_text.parquet", "receipts_typed.parquet"} <= local
    assert "consent_x.parquet" not in local


def test_corrupt_parquet_pages_at_a_uri_are_one_line_naming_the_file(
    spark_session: Any, tmp_path: Path
) -> None:
    """Only Spark reads the file (the driver cannot): Spark's read error still names it."""
    corrupt_parquet(tmp_path / "sends_x.parquet")
    with pytest.raises(smsaudit.InputError, match=r"^sends_x\.parquet: not a readable Parquet"):
        smsaudit.audit(tmp_path.as_uri(), engine=spark_session)


def test_a_uri_folder_that_spark_cannot_list_is_one_line(
    spark_session: Any, tmp_path: Path
) -> None:
    with pytest.raises(smsaudit.InputError, match="Spark could not list it"):
        smsaudit.audit((tmp_path / "nowhere").as_uri(), engine=spark_session)


def test_a_uri_file_named_after_a_kind_of_no_readable_type_is_refused(
    spark_session: Any, tmp_path: Path
) -> None:
    data = _messy(tmp_path / "messy")
    (data / "sends_extra.txt").write_text("x")
    with pytest.raises(smsaudit.InputError, match="unsupported file type for sends"):
        smsaudit.audit(data.as_uri(), engine=spark_session)


def test_a_uri_folder_without_sends_is_refused(spark_session: Any, tmp_path: Path) -> None:
    data = tmp_path / "nosends"
    data.mkdir()
    (data / "programs.csv").write_text("program_id,sender_id\np1,ACME\n")
    with pytest.raises(smsaudit.InputError, match="no sends"):
        smsaudit.audit(data.as_uri(), engine=spark_session)


def test_a_uri_on_duckdb_says_to_use_spark(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "smsaudit", "audit", "s3a://bucket/exports", "--out",
         str(tmp_path / "out"), "--quiet"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "smsaudit: error: s3a://bucket/exports: a folder at a URI is read by Spark: "
        "add --engine spark"
    ]


def test_a_uri_folder_cannot_be_mixed_with_file_options(spark_session: Any) -> None:
    data = {"dir": "s3a://bucket/exports", "mo": ["mo.csv"]}
    with pytest.raises(smsaudit.InputError, match="cannot be combined"):
        smsaudit.audit(data, engine=spark_session)


@pytest.mark.parametrize("spark_reads_sends", [True, False])
def test_a_dataset_at_a_uri_gives_the_local_folders_tables(
    spark_session: Any, tmp_path: Path, spark_reads_sends: bool
) -> None:
    """A hive-partitioned dataset of sends in a subfolder, read by Spark where it is; or,
    when a float sender code keeps the sends on the driver, copied there part by part with
    its partition folders. A folder not named after a kind is never read."""
    data = lake(tmp_path / "lake")
    (data / "report").mkdir()
    (data / "report" / "sends_out.parquet").write_bytes(b"an output, not an input")
    (data / "sends_lake.parquet" / "notes.txt").write_text("not a part")
    if not spark_reads_sends:
        float_sends(data)
    duck = smsaudit.audit(data)
    spark = smsaudit.audit(data.as_uri(), engine=spark_session)
    _assert_same_load(duck.con, spark.con)
    _assert_same_audit(duck, spark)
    parts = {s.name: isinstance(s.path, Path) for s in spark.load_report.sources if s.dataset}
    assert parts and all(n.startswith("sends_lake.parquet/aggregator=") for n in parts)
    assert set(parts.values()) == {not spark_reads_sends}  # copied to the driver, or not
    assert spark.load_report.ignored == duck.load_report.ignored == ["sends_lake.parquet/notes.txt"]


def test_a_delta_table_at_a_uri_is_refused(spark_session: Any, tmp_path: Path) -> None:
    data = lake(tmp_path / "lake")
    log = data / "sends_lake.parquet" / "_delta_log"
    log.mkdir()
    (log / "00000000000000000000.json").write_text("{}\n")
    with pytest.raises(smsaudit.InputError, match=r"^sends_lake\.parquet: a Delta table"):
        smsaudit.audit(data.as_uri(), engine=spark_session)
