"""Where the audit's SQL runs: DuckDB in this process (the default), or a Spark session.

An engine builds the catalogue's SQL relations (``sql/<name>.sql``), and may read inputs
itself (Spark reads Parquet: ``engines/spark_load.py``); the phone map and the rule calendars
always happen in the DuckDB connection on this machine, and every relation an engine builds
ends up in that connection as a table of DuckDB's types, so results, exports and charts never
depend on the engine. See ``engines/spark.py`` for what runs where on Spark.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import duckdb

from smsaudit import sqlfiles
from smsaudit.errors import InputError

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    """What the pipeline asks of an engine."""

    name: str

    def ship(self, *tables: str) -> None:
        """Make DuckDB ``tables`` readable by the engine's SQL under the same names."""

    def build(self, name: str, params: Mapping[str, object], *, view: bool = False) -> None:
        """Create ``name`` from ``sql/<name>.sql`` (a table, or a view), in the engine and in
        the DuckDB connection."""

    def reader(self) -> Any:
        """The loader's ``remote`` (``ingest.load.Remote``) when the engine reads inputs
        itself, else None."""

    def close(self) -> None:
        """Release what the engine holds for this audit."""


class DuckDBEngine:
    """The audit's SQL in the DuckDB connection itself: nothing to ship, nothing to collect."""

    name = "duckdb"

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def ship(self, *tables: str) -> None:
        pass

    def build(self, name: str, params: Mapping[str, object], *, view: bool = False) -> None:
        if view:
            sqlfiles.define_view(self.con, name)
        else:
            sqlfiles.materialize(self.con, name, dict(params))

    def reader(self) -> None:
        return None

    def close(self) -> None:
        pass


def _spark_module() -> Any:
    """``smsaudit.engines.spark``, which needs the ``spark`` extra (sqlglot; PySpark too once
    a session starts)."""
    try:
        from smsaudit.engines import spark
    except ImportError as error:
        raise InputError(
            f"--engine spark needs the spark extra ({error.name} is missing): "
            "pip install 'smsaudit[spark]'"
        ) from None
    return spark


def check_choice(engine: Any, spark_master: str | None = None) -> None:
    """Refuse an unknown engine, or a Spark master without Spark, before any work is done."""
    if isinstance(engine, str) and engine not in ENGINES:
        raise InputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if spark_master is not None:
        if engine != "spark":
            raise InputError("--spark-master needs --engine spark")
        _spark_module().check_master(spark_master)


def open_engine(
    con: duckdb.DuckDBPyConnection, engine: Any = "duckdb", *, spark_master: str | None = None
) -> Engine:
    """``engine``: ``"duckdb"``, ``"spark"`` (a session started here: ``spark_master``, else
    ``SPARK_REMOTE``, else ``local[*]``), or an existing ``pyspark.sql.SparkSession``."""
    if engine == "duckdb" or engine is None:
        return DuckDBEngine(con)
    if engine != "spark" and type(engine).__name__ != "SparkSession":  # classic or Connect
        raise InputError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    spark = _spark_module()
    session = spark.start_session(spark_master) if engine == "spark" else engine
    runner: Engine = spark.SparkEngine(con, session)
    return runner
