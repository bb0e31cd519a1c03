"""The Spark engine: the audit's per-row SQL runs on a Spark session, local or a cluster's.

What runs where (SCALEOUT §5, the splink pattern):

- on the driver, in DuckDB: reading the inputs (sniffing, vendor formats, rejected rows, row
  accounting), the phone map and the rule calendars, all small or already done per file;
- on Spark: every relation of the catalogue built from ``sql/`` (costs, windows, suppressions,
  consent, money), as the sqlglot translation of the same files (``spark_sql``);
- back on the driver: each finding, extra and small helper Spark builds is collected into
  the DuckDB connection with the column types DuckDB itself gives that query, so ``Audit``,
  the exports, the report and the charts read the same tables whichever engine computed them;
- kept on Spark: the canonical tables Spark loaded and the relations with one row per send
  or contact (``Relation.large``: ``message_costs``, ``send_windows``...). Python reads the
  small totals built from them (``send_totals``, ``price_totals``, ``traffic_cells``); the
  driver holds only an empty stand-in of each, typed, in schema ``ELSEWHERE``, searched only
  while DuckDB types a query, and dropped at :meth:`SparkEngine.close`.

Sessions are pinned like DuckDB's connection: UTC session time zone (results never depend on
the machine's), ANSI mode on (integer overflow is an error, never a silent wrap-around).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from smsaudit import catalogue, db, scratch, sqlfiles
from smsaudit.engines import spark_sql
from smsaudit.errors import InputError, first_line

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Settings every session gets, ours or the caller's: results must not depend on them.
PINNED = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "true",
    # instants written for DuckDB to read back: UTC-adjusted microseconds, not legacy INT96
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # a Parquet timestamp not adjusted to UTC is a local time, as DuckDB reads it
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
    # a dataset's partition values (``month=2026-05/``) are text, as DuckDB reads them
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}
# Settings for a session we start ourselves (not over Spark Connect)...
STARTED = {
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
# ...and, on this machine, no UI and few partitions (a cluster keeps its defaults).
LOCAL = {
    "spark.ui.enabled": "false",
    "spark.sql.shuffle.partitions": "4",
}


# DuckDB schema of the empty stand-ins of tables kept on Spark (see the module docstring).
ELSEWHERE = "smsaudit_elsewhere"

# What SparkContext accepts as a master (Spark's "Master URLs" documentation).
_MASTER = re.compile(
    r"local(\[(\*|\d+)(,\d+)?\])?|local-cluster\[\d+,\d+,\d+\]|yarn"
    r"|(spark|k8s|mesos)://\S+"
)


def check_master(master: str | None) -> None:
    """Refuse what is not a Spark master URL before anything starts."""
    if master is not None and not _MASTER.fullmatch(master):
        raise InputError(
            f"--spark-master: not a Spark master URL ({master!r}; e.g. local[4], "
            "spark://host:7077, yarn, k8s://https://host:443)"
        )


def start_session(master: str | None = None) -> SparkSession:
    """A Spark session: ``SPARK_REMOTE`` (Spark Connect) when set, else ``master``
    (``local[*]`` by default, or a cluster's URL), pinned as ``PINNED`` says."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError(
            "--engine spark needs PySpark: pip install 'smsaudit[spark]' (and Java 17 or later)"
        ) from None
    if not os.environ.get("SPARK_REMOTE") and not (
        os.environ.get("JAVA_HOME") or shutil.which("java")
    ):
        raise InputError("--engine spark runs Spark locally, which needs Java 17 or later")
    check_master(master)
    builder: Any = SparkSession.builder.appName("smsaudit")
    if not os.environ.get("SPARK_REMOTE"):
        builder = builder.master(master or "local[*]")
        local = (master or "local").startswith("local")
        quiet = files("smsaudit.engines").joinpath("log4j2.properties")
        # an English locale: Java's lower() and upper() follow the JVM's (Turkish İ...)
        locale = "-Duser.language=en -Duser.country=US"
        ours = {
            **STARTED,
            **(LOCAL if local else {}),
            # Spark's own variable, which a session's config would otherwise override
            "spark.driver.memory": os.environ.get("SPARK_DRIVER_MEMORY") or "2g",
            "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{quiet} {locale}",
            "spark.executor.extraJavaOptions": locale,
        }
        theirs = _spark_defaults()  # spark-defaults.conf: the usual place for settings
        for key, value in ours.items():
            if key not in theirs:
                builder = builder.config(key, value)
    for key, value in PINNED.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # the JVM did not start, or the cluster is out of reach
        where = os.environ.get("SPARK_REMOTE") or master or "local[*]"
        raise InputError(f"could not start Spark ({where}): {first_line(error)}") from None
    with contextlib.suppress(Exception):  # Spark Connect has no SparkContext
        session.sparkContext.setLogLevel("FATAL")  # errors reach the caller as exceptions
    return pin(session)


def _spark_defaults() -> set[str]:
    """The keys set in ``spark-defaults.conf`` (``$SPARK_CONF_DIR``, else ``$SPARK_HOME/conf``),
    which spark-submit reads: there, the user's values win over ours."""
    folder = os.environ.get("SPARK_CONF_DIR") or (
        os.path.join(os.environ["SPARK_HOME"], "conf") if os.environ.get("SPARK_HOME") else None
    )
    if not folder or not os.path.isfile(os.path.join(folder, "spark-defaults.conf")):
        return set()
    with open(os.path.join(folder, "spark-defaults.conf"), encoding="utf-8") as lines:
        return {
            re.split(r"[\s=]", line.strip(), maxsplit=1)[0]
            for line in lines
            if line.strip() and not line.lstrip().startswith("#")
        }


def pin(session: SparkSession) -> SparkSession:
    """Set ``PINNED`` on a session (one of ours, or a notebook's or Databricks' own)."""
    for key, value in PINNED.items():
        session.conf.set(key, value)
    return session


class SparkEngine:
    """Builds the catalogue's SQL relations on ``session`` from tables shipped out of ``con``.

    Tables travel as Parquet files in a scratch folder when Spark runs on this machine
    (``local[...]``): DuckDB writes and reads them streaming, and no table passes whole
    through either side's memory (through Arrow, 2M sends overflowed a 2 GB driver). A
    session elsewhere (a cluster, Spark Connect) cannot see that folder: tables then travel
    through the driver as Arrow.
    """

    name = "spark"
    # Bring back the large relations and the loaded canonical tables too, as tables in the
    # DuckDB connection: for the tests and benchmarks that compare every table with
    # DuckDB's, never for an audit (on a cluster, per-row tables are what must stay there).
    bring_all = False

    def __init__(self, con: duckdb.DuckDBPyConnection, session: SparkSession) -> None:
        self.con = con
        # a caller's session gets its own settings back at close()
        self._previous = {key: session.conf.get(key, None) for key in PINNED}
        self.session = pin(session)
        # PySpark logs every failed query as a JSON record on stderr before raising it;
        # the error reaches the caller (the CLI prints one line), so the record is noise
        self._query_log = logging.getLogger("SQLQueryContextLogger")
        self._query_log_level = self._query_log.level
        self._query_log.setLevel(logging.CRITICAL)
        self._frames: dict[str, DataFrame] = {}
        # Spark runs on this machine (a local master): it sees this disk and its scratch folder
        self.local = _is_local(session)
        self._staging = scratch.make("spark", at_exit=True) if self.local else None
        # seconds per step ("ship sends", "build message_costs", "collect message_costs"):
        # benchmarks/spark.py reads them
        self.timings: dict[str, float] = {}
        # canonical tables Spark loaded itself from the inputs (spark_load): never shipped
        self.loaded: set[str] = set()
        # tables and views only Spark holds (DuckDB has an empty stand-in in ELSEWHERE)
        self.kept: set[str] = set()

    def reader(self) -> Any:
        """The loader's ``remote``: Spark reads the Parquet inputs itself (``spark_load``)."""
        from smsaudit.engines.spark_load import SparkReader

        return SparkReader(self)

    def register(self, name: str, frame: DataFrame, *, keep: bool = False) -> DataFrame:
        """``frame`` as Spark view ``name``, dropped at :meth:`close`; ``keep`` computes it
        once now (a table that several statements read)."""
        if keep:
            frame = frame.localCheckpoint(eager=True)
        self._frames[name] = frame
        frame.createOrReplaceTempView(name)
        return frame

    def load_table(self, name: str, frame: DataFrame) -> None:
        """A canonical table Spark loaded: kept on Spark as ``name``. The driver gets its
        used rows counted per file (into ``rows_used_elsewhere``, which row accounting reads)
        and the empty DuckDB table of that name becomes its stand-in."""
        start = time.perf_counter()
        frame = self.register(name, frame, keep=True)
        self.loaded.add(name)
        self.timings[f"load {name}"] = time.perf_counter() - start
        if self.bring_all:
            described = self.con.execute(f"DESCRIBE {name}").fetchall()
            self._fill(name, frame, [(str(c), str(t)) for c, t, *_ in described])
            return
        self.con.execute(
            "CREATE TEMP TABLE IF NOT EXISTS rows_used_elsewhere (input_file VARCHAR, n BIGINT)"
        )
        used = frame.groupBy("input_file").count()
        self._bring(used, "INSERT INTO rows_used_elsewhere SELECT * FROM {rows}")
        self._stand_in(name, f"SELECT * FROM main.{name}", {})
        self.con.execute(f"DROP TABLE main.{name}")

    def _stand_in(self, name: str, query: str, params: Mapping[str, object]) -> None:
        """An empty table of ``query``'s columns and DuckDB types, ``ELSEWHERE.name``, for a
        table or view only Spark holds: what DuckDB types the queries reading it by."""
        with self._typing():
            self.con.execute(
                f"CREATE OR REPLACE TABLE {ELSEWHERE}.{name} AS SELECT * FROM ({query}) LIMIT 0",
                dict(params) or None,
            )
        self.kept.add(name)

    @contextlib.contextmanager
    def _typing(self) -> Iterator[None]:
        """While inside, DuckDB finds the stand-ins of ``ELSEWHERE`` by their names (after
        the connection's own tables): only to type queries, never to read rows."""
        self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {ELSEWHERE}")
        self.con.execute(f"SET search_path = 'main,{ELSEWHERE}'")
        try:
            yield
        finally:
            self.con.execute("RESET search_path")

    def fetch(self, frame: DataFrame, table: str) -> None:
        """Spark's rows of ``frame`` (a small result) into DuckDB temp table ``table``."""
        self._bring(frame, f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {{rows}}")

    def _bring(self, frame: DataFrame, statement: str) -> None:
        """Run the DuckDB ``statement`` over ``frame``'s rows (``{rows}``), brought from Spark:
        as Parquet files in the staging folder when Spark runs on this machine (one file per
        partition, named in partition order: read back in that order), else as Arrow."""
        if self._staging is not None:
            folder = Path(tempfile.mkdtemp(prefix="rows-", dir=self._staging))
            frame.write.mode("overwrite").parquet(str(folder))
            parts = sorted(str(p) for p in folder.glob("part-*.parquet"))
            try:
                if parts:
                    self.con.execute(statement.format(rows="read_parquet($p)"), {"p": parts})
                    return
            finally:
                shutil.rmtree(folder, ignore_errors=True)
            frame = frame.limit(0)  # no file, no rows: the columns, through Arrow
        self.con.register("smsaudit_spark_rows", frame.toArrow())
        try:
            self.con.execute(statement.format(rows="smsaudit_spark_rows"))
        finally:
            self.con.unregister("smsaudit_spark_rows")

    def ship(self, *tables: str) -> None:
        """Register DuckDB ``tables`` in Spark as temporary views of the same name (not those
        Spark loaded itself).

        ENUM columns (the loader's dictionaries) travel as text.
        """
        for table in tables:
            if table in self.loaded:
                continue
            start = time.perf_counter()
            select = _as_text(self.con, table)
            if self._staging is not None:
                path = self._staging / f"in-{table}.parquet"
                quoted = str(path).replace("'", "''")
                self.con.execute(f"COPY ({select}) TO '{quoted}' (FORMAT parquet)")
                frame = self.session.read.parquet(str(path))
            else:
                frame = self.session.createDataFrame(self.con.sql(select).to_arrow_table())
                frame = frame.localCheckpoint(eager=True)
            self._frames[table] = frame
            frame.createOrReplaceTempView(table)
            self.timings[f"ship {table}"] = time.perf_counter() - start

    def build(self, name: str, params: Mapping[str, object], *, view: bool = False) -> None:
        """Create ``name`` on Spark from ``sql/<name>.sql``, then the same table in DuckDB.

        A view stays lazy on both sides (DuckDB defines it over its own copies); a table is
        computed once on Spark, kept there for the relations that read it, and collected.
        """
        frame = self.session.sql(spark_sql.query(name, params))
        relation = catalogue.BY_NAME.get(name)
        large = relation is not None and relation.large
        if view and large:  # lazy on Spark; for its readers only
            frame.createOrReplaceTempView(name)
            if self.bring_all:
                sqlfiles.define_view(self.con, name)
            else:
                self._stand_in(name, sqlfiles.query(name), params)
            return
        # a table, or a small view (the charts' cells) that DuckDB cannot compute from
        # tables it does not hold: computed once on Spark
        start = time.perf_counter()
        frame = frame.localCheckpoint(eager=True)
        self._frames[name] = frame
        frame.createOrReplaceTempView(name)
        self.timings[f"build {name}"] = time.perf_counter() - start
        if large and not self.bring_all:
            self._stand_in(name, sqlfiles.query(name), params)
            return
        start = time.perf_counter()
        self._collect(name, frame, params)
        self.timings[f"collect {name}"] = time.perf_counter() - start

    def _collect(self, name: str, frame: DataFrame, params: Mapping[str, object]) -> None:
        """Spark's rows, in Spark's order, into a DuckDB table typed as DuckDB types ``name``."""
        with self._typing():
            described = self.con.execute(
                f"DESCRIBE {sqlfiles.query(name)}", dict(params) or None
            ).fetchall()
        columns = [
            (column, "VARCHAR" if kind.startswith("ENUM(") else kind)
            for column, kind, *_ in described
        ]
        got = [field.name for field in frame.schema.fields]
        if got != [c for c, _ in columns]:  # pragma: no cover - a translation bug
            raise RuntimeError(f"{name}: Spark returned columns {got}, DuckDB {columns}")
        self._fill(name, frame, columns)

    def _fill(self, name: str, frame: DataFrame, columns: list[tuple[str, str]]) -> None:
        """DuckDB table ``name`` of ``columns`` (name, type), holding ``frame``'s rows."""
        ddl = ", ".join(f'"{c}" {kind}' for c, kind in columns)
        self.con.execute(f"CREATE OR REPLACE TABLE {name} ({ddl})")
        with db.insertion_order(self.con, keep=True):  # Spark's order, ORDER BY's
            self._bring(frame, f"INSERT INTO {name} SELECT * FROM {{rows}}")

    def close(self) -> None:
        """Drop the views and cached frames this engine created, and give the session its
        settings back (the session itself stays: it may be a notebook's)."""
        for name, frame in self._frames.items():
            self.session.catalog.dropTempView(name)
            with contextlib.suppress(Exception):
                frame.unpersist()
        self._frames.clear()
        for key, value in self._previous.items():
            if value is None:
                self.session.conf.unset(key)
            else:
                self.session.conf.set(key, value)
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        self.con.execute(f"DROP SCHEMA IF EXISTS {ELSEWHERE} CASCADE")
        self._query_log.setLevel(self._query_log_level)


def _is_local(session: SparkSession) -> bool:
    """Whether Spark runs in this process's machine (classic session, ``local`` master)."""
    try:
        return str(session.sparkContext.master).startswith("local")
    except Exception:  # Spark Connect: no SparkContext, a server elsewhere
        return False


def _as_text(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """``table``'s rows with its ENUM columns as text, in its column order."""
    enums = sqlfiles.enum_columns(con, table)
    if not enums:
        return f"SELECT * FROM {table}"
    casts = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in enums)
    return f"SELECT * REPLACE ({casts}) FROM {table}"
