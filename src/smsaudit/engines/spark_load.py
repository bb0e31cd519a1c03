"""Spark reads the Parquet inputs itself: the loader's per-row work on the cluster.

For an audit on Spark, the files of a kind that are all plain Parquet (canonical columns,
no vendor format) are read by Spark, never by this process. Their rows are staged, checked,
scoped and de-duplicated on Spark, with the loader's own SQL (``ingest.verdicts``, made
Spark's by sqlglot); the canonical table stays on Spark for the audit's relations. What
comes back is what the driver needs to account for every row: the rejected rows, the
out-of-scope counts, each file's row count, and the canonical table for the report.

Decided on the driver, in DuckDB, exactly as for a file it reads (SCALEOUT §5): each
distinct phone number spelling (``phone_lookup``); each distinct text spelling of a value
parsed by type (timestamps in their many forms, dates, amounts, counts, cased codes), as a
map from the spelling to its value, lie, naive and DST-gap verdicts, so that Spark's results
cannot drift from DuckDB's parser; the audited period. A dataset's parts are read as one
frame (``spark_datasets``).

A kind stays on the driver when one of its files is not Parquet, or holds a column of a
type Spark and DuckDB would read differently (``SUPPORTED``); so do inbound messages (their
STOP test normalises Unicode, which Spark SQL cannot) and receipts whose sends are read on
the driver (a receipt's scope is its send).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from smsaudit import schema
from smsaudit.engines import spark_sql
from smsaudit.engines.spark_datasets import Datasets
from smsaudit.engines.spark_errors import naming_files
from smsaudit.engines.spark_verdicts import superseded, without_duplicates
from smsaudit.errors import InputError, first_line
from smsaudit.ingest import verdicts
from smsaudit.ingest.discover import Source
from smsaudit.ingest.expressions import (
    LYING_TYPES,
    lie_expr,
    literal,
    local_time_text,
    naive_expr,
    value_expr,
)
from smsaudit.ingest.readers import Stager
from smsaudit.ingest.specs import SPECS, Field

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from smsaudit.engines.spark import SparkEngine

# Field types whose text is decided per distinct spelling on the driver (a value map).
MAPPED = ("ts", "date", "money", "count", "upper", "lower")
_INTEGERS = ("byte", "short", "integer", "long")
# Spark column types (``DataType.typeName()``) read here per field type: those whose
# value and text DuckDB and Spark agree on. A text column of any mapped field is fine.
SUPPORTED: dict[str, tuple[str, ...]] = {
    "text": ("string", *_INTEGERS),
    "msisdn": ("string", *_INTEGERS),
    "body": ("string",),
    "ts": ("string", "timestamp"),
    "date": ("string", "date"),
    "money": ("string", "decimal", *_INTEGERS),
    "count": ("string", *_INTEGERS),
    "upper": ("string",),
    "lower": ("string",),
}
# Kinds read on Spark: not ``mo`` (nfc_normalize has no Spark SQL equivalent).
KINDS = ("sends", "receipts", "suppressions", "consent", "programs", "rate_card")


def _trim(x: str) -> str:
    """Spark SQL for DuckDB's ``trim`` (``spark_sql.ZS_TRIM``)."""
    pattern = spark_sql.ZS_TRIM["BOTH"].replace("\\", "\\\\")
    return f"regexp_replace({x}, '{pattern}', '')"


def _q(name: str) -> str:
    """A Spark identifier, quoted."""
    return "`" + name.replace("`", "``") + "`"


class SparkReader:
    """The loader's ``remote`` (``ingest.load``): reads the claimed Parquet files on Spark."""

    def __init__(self, engine: SparkEngine) -> None:
        self.engine = engine
        self.session = engine.session
        self.con: duckdb.DuckDBPyConnection = engine.con
        # per file (its path), once however often claimed: its frame, column mapping and
        # Spark types (_File), or None when Spark does not read it
        self._files: dict[str, _File | None] = {}
        self._staged: list[Source] = []
        self._datasets = Datasets(self)

    # ------------------------------------------------------------------ what Spark reads
    def claim(self, sources: Sequence[Source]) -> set[str]:
        """The kinds Spark reads: every file of the kind plain Parquet of supported types."""
        by_kind: dict[str, list[Source]] = {}
        for src in sources:
            for kind in src.kinds:
                by_kind.setdefault(kind, []).append(src)
        claimed = {
            kind
            for kind, files in by_kind.items()
            if kind in KINDS and all(self._readable(src) for src in files)
        }
        if "sends" not in claimed:
            claimed.discard("receipts")
        return claimed

    def where(self, src: Source) -> str | None:
        """Where Spark reads the file: its URI; a path on this machine only when Spark runs
        here, or under a mount every Databricks node sees (a cluster's executors do not see
        this disk: the driver reads the file instead)."""
        if not isinstance(src.path, Path):  # a URI (engines.spark_files)
            return str(src.path)
        text = str(src.path.absolute())
        if self.engine.local or text.startswith("/Volumes/"):
            return text
        return "dbfs:" + text.removeprefix("/dbfs") if text.startswith("/dbfs/") else None

    def dataset_where(self, src: Source) -> str | None:
        """Where Spark reads the dataset a part belongs to (None for a lone file)."""
        return None if src.dataset is None else self.where(Source(src.kind, src.dataset, ""))

    def _readable(self, src: Source) -> bool:
        if str(src.path) not in self._files:
            self._files[str(src.path)] = self._inspect(src)
        return self._files[str(src.path)] is not None

    def _inspect(self, src: Source) -> _File | None:
        where = self.where(src)
        if where is None or src.fmt is not None or not src.path.name.lower().endswith(".parquet"):
            return None
        try:
            read = self.session.read
            root = self.dataset_where(src)
            if root is not None:  # a part: the partition values in its folders' names
                read = read.option("basePath", root)
            frame = read.parquet(where)
            types = {f.name: f.dataType.typeName() for f in frame.schema.fields}
        except Exception:  # unreadable here: the driver's reader says why, with the file
            return None
        try:
            mapping = Stager._map_columns(src, list(types))
        except InputError:  # a missing column: the driver's reader reports it
            return None
        fields = _mapped(src.kind, mapping)
        if any(types[mapping[f.name]] not in SUPPORTED[f.type] for f in fields):
            return None
        return frame, mapping, {f.name: types[mapping[f.name]] for f in fields}

    # ------------------------------------------------------------------------- staging
    def stage(self, src: Source, ordinal: int) -> str | None:
        """Stage one claimed file on Spark as ``readers.Stager`` would: view ``stg_<ordinal>``,
        its rows counted into ``files_read``. A dataset's parts are staged together, as one
        view named after the first (``spark_datasets``); the others return None."""
        self._staged.append(src)
        if src.dataset is not None:
            return self._datasets.add(src, ordinal)
        self.stage_file(src, ordinal, f"stg_{ordinal}")
        return f"stg_{ordinal}"

    def stage_file(self, src: Source, ordinal: int, base: str) -> None:
        """View ``base``: one claimed file staged alone, its rows counted."""
        frame, mapping, types = self.inspected(src)
        try:
            staged = self.file_rows(frame, src.kind, mapping)
            self.stage_frame(base, src.kind, staged, types, literal(src.name), ordinal)
            rows = self.session.table(f"{base}_file").count()
        except InputError:
            raise
        except Exception as error:
            raise InputError(
                f"Spark could not read it: {first_line(error)}", file=src.name
            ) from None
        self.files_read(src, ordinal, rows)

    def files_read(self, src: Source, ordinal: int, rows: int) -> None:
        """``files_read``'s row for a file Spark read: rows read, for row accounting."""
        self.con.execute(
            "INSERT INTO files_read VALUES ($f, $k, $o, $n)",
            {"f": src.name, "k": src.label, "o": ordinal, "n": rows},
        )

    def inspected(self, src: Source) -> _File:
        """The frame, column mapping and types of a claimed file."""
        claimed = self._files.get(str(src.path))
        assert claimed is not None, f"{src.name}: staged on Spark, not claimed"
        return claimed

    @staticmethod
    def file_rows(frame: DataFrame, kind: str, mapping: dict[str, str], *extra: Any) -> DataFrame:
        """A file's rows: ``extra`` columns, ``line`` (from 1), the canonical columns it has."""
        line = (frame.metadataColumn("_metadata").getField("row_index") + 1).alias("line")
        cols = [frame[_q(mapping[f.name])].alias(f.name) for f in _mapped(kind, mapping)]
        return frame.select(*extra, line, *cols)

    def stage_frame(
        self,
        base: str,
        kind: str,
        rows: DataFrame,
        types: dict[str, str],
        input_file: str,
        file_ord: int | str,
        join: str = "",
    ) -> None:
        """View ``base``: the staged rows of ``rows`` (``line`` and the canonical columns the
        file has, as view ``<base>_file``, aliased ``r``), named by the SQL ``input_file``
        and ordered by ``file_ord`` (literals, or columns of ``join``)."""
        self.engine.register(f"{base}_file", rows)
        parts, joins, naive = [f"{input_file} AS input_file", "r.line"], [join], []
        for f in SPECS[kind]:
            select, join_map, n = self._field(base, f, types.get(f.name))
            parts += select
            joins += join_map
            naive += n
        parts.append(f"{' + '.join(naive) if naive else '0'} AS naive__n")
        parts.append(f"{file_ord} AS file_ord")
        sql = f"SELECT {', '.join(parts)} FROM {base}_file AS r {' '.join(joins)}"
        self.engine.register(base, self.session.sql(sql))

    def _field(
        self, base: str, f: Field, kind: str | None
    ) -> tuple[list[str], list[str], list[str]]:
        """(select items, joins, naive-count terms) of field ``f`` (Spark type ``kind``,
        None when the file lacks the column), as ``Stager._select`` gives them."""
        col = f"r.{f.name}"
        lying = f.type in LYING_TYPES
        if kind is None:
            ddl = _spark_type(f)
            out = [f"CAST(NULL AS {ddl}) AS {f.name}", f"CAST(NULL AS STRING) AS {f.name}__raw"]
            if lying:
                out.append(f"CAST(NULL AS STRING) AS {f.name}__lie")
            if f.type == "ts":
                out.append(f"false AS {f.name}__gap")
            return out, [], []
        if f.type in MAPPED and kind == "string":
            alias = f"m_{f.name}"
            self._value_map(base, f)
            out = [f"{alias}.value AS {f.name}", f"{col} AS {f.name}__raw"]
            if lying:
                out.append(f"{alias}.lie AS {f.name}__lie")
            naive = []
            if f.type == "ts":
                out.append(f"coalesce({alias}.gap, false) AS {f.name}__gap")
                naive.append(f"coalesce({alias}.naive, 0)")
            join = f"LEFT JOIN {base}_{f.name}_map AS {alias} ON {alias}.raw = {col}"
            return out, [join], naive
        # typed columns (and plain text), as value_expr reads them
        text = f"CAST({col} AS STRING)"
        raw = f"{text} || '+00'" if kind == "timestamp" else text  # DuckDB's TIMESTAMPTZ text
        cut = f"nullif({_trim(text)}, '')"
        value = {
            "ts": col,
            "date": col,
            "money": f"try_cast({col} AS {schema.MONEY})",
            "count": f"try_cast({col} AS INT)",
            "body": text,
        }.get(f.type, cut)
        if f.name in ("sender_id", "short_code"):  # a code saved as 38000.0 is 38000
            value = f"regexp_replace({cut}, '^([0-9]+)\\\\.0+$', '$1')"
        out = [f"{value} AS {f.name}", f"{raw} AS {f.name}__raw"]
        if lying:
            out.append(f"CAST(NULL AS STRING) AS {f.name}__lie")
        if f.type == "ts":
            out.append(f"false AS {f.name}__gap")  # an instant: never a local time
        return out, [], []

    def _value_map(self, base: str, f: Field) -> None:
        """``<base>_<field>_map`` on Spark: each distinct spelling of ``f`` in the file, with
        the value, lie, naive and DST-gap verdicts DuckDB's reader gives it."""
        spellings = f"{base}_{f.name}_spellings"
        frame = self.session.table(f"{base}_file").select(f.name).where(f"{f.name} IS NOT NULL")
        self.engine.fetch(frame.distinct(), spellings)
        t = "nullif(trim(v), '')"
        items = ["v AS raw", f"{value_expr(f, 'v', 'VARCHAR', 't')} AS value"]
        if f.type in LYING_TYPES:
            items.append(f"{lie_expr(f, 'v', 'VARCHAR', 't')} AS lie")
        if f.type == "ts":
            items.append(f"{naive_expr('v', 'VARCHAR', 't')} AS naive")
            items.append(f"{local_time_text('v')} AS gap")
        name = f"{base}_{f.name}_map"
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(items)} "
            f"FROM (SELECT {f.name} AS v, {t} AS t FROM {spellings})"
        )
        self.engine.ship(name)

    # ---------------------------------------------------------------- what the driver needs
    def _naming_files(self) -> contextlib.AbstractContextManager[None]:
        return naming_files(self._staged)

    def phone_keys(self, kinds: Sequence[tuple[str, Sequence[str]]]) -> str | None:
        """DuckDB table ``stg_phone_keys``: the phone map's keys of the staged rows on Spark."""
        with self._naming_files():
            self._datasets.stage_all()
        selects = [
            f"SELECT {verdicts.PHONE_KEY.format('msisdn')} AS raw FROM {view} "
            "WHERE msisdn IS NOT NULL"
            for kind, views in kinds
            if any(f.type == "msisdn" for f in SPECS[kind])
            for view in views
        ]
        if not selects:
            return None
        frame = self.session.sql(" UNION ALL ".join(selects)).distinct()
        with self._naming_files():
            self.engine.fetch(frame, "stg_phone_keys")
        return "stg_phone_keys"

    def ship(self, *tables: str) -> None:
        self.engine.ship(*tables)

    def unsent_receipts(self, staged: str) -> None:
        """DuckDB table ``receipts_unsent`` (``verdicts.unsent_receipts``) for receipts read
        on the driver when the sends are on Spark: their message ids go to Spark, the few
        without a send come back."""
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE stg_receipt_ids AS SELECT DISTINCT "
            f"CAST(message_id AS VARCHAR) AS message_id FROM {staged} WHERE message_id IS NOT NULL"
        )
        self.engine.ship("stg_receipt_ids")
        unsent = self.session.sql(verdicts.UNSENT.format("stg_receipt_ids"))
        with self._naming_files():
            self.engine.fetch(unsent, "receipts_unsent")

    def finish_kind(self, kind: str, views: Sequence[str], allowed: Sequence[str], tz: str) -> int:
        """Sort the staged rows of one kind on Spark (``load._finish_kind``'s work): the
        canonical table stays there, rejected rows and out-of-scope counts come to the
        driver's tables. Returns how many timestamps were read without an offset."""
        with self._naming_files():
            self._datasets.stage_all()
            return self._sort(kind, views, allowed, tz)

    def _sort(self, kind: str, views: Sequence[str], allowed: Sequence[str], tz: str) -> int:
        staged = self.session.table(views[0])
        for view in views[1:]:
            staged = staged.unionByName(self.session.table(view))
        self.engine.register(f"stg_{kind}", staged)
        if kind == "receipts":
            unsent = self.session.sql(verdicts.UNSENT.format("stg_receipts"))
            self.engine.register("receipts_unsent", unsent, keep=True)
        select = verdicts.verdict_select(kind, f"stg_{kind}", allowed, {}, portable=True)
        work = self.session.sql(spark_sql.transpile(select, {"tz": tz}))
        if kind == "sends":
            work = without_duplicates(work)
        if kind == "receipts":
            work = superseded(work)
        work = self.engine.register(f"loading_{kind}", work, keep=True)
        table = schema.KIND_TABLE[kind]
        rejected = work.where("rej_reason IS NOT NULL").select(
            "input_file", "line", "rej_column", "rej_value", "rej_reason"
        )
        self.engine.fetch(rejected, "stg_rejected")
        self.con.execute("INSERT INTO rejected_rows SELECT * FROM stg_rejected")
        self.con.execute("DROP TABLE stg_rejected")
        scoped = work.where("rej_reason IS NULL AND out_reason IS NOT NULL")
        counts = scoped.groupBy("input_file", "out_reason").count()
        self.engine.fetch(counts, "stg_out_of_scope")
        self.con.execute(
            "INSERT INTO out_of_scope_rows SELECT * FROM stg_out_of_scope ORDER BY ALL"
        )
        self.con.execute("DROP TABLE stg_out_of_scope")
        naive = work.where("rej_reason IS NULL").agg({"naive__n": "sum"}).collect()[0][0]
        columns = list(schema.CANONICAL[table])
        used = work.where("rej_reason IS NULL AND out_reason IS NULL").select(*columns)
        self.engine.load_table(table, used)
        return int(naive or 0)


# A file Spark reads: its frame, canonical name -> its column, canonical name -> Spark type.
_File = tuple["DataFrame", dict[str, str], dict[str, str]]


def _mapped(kind: str, mapping: dict[str, str]) -> list[Field]:
    return [f for f in SPECS[kind] if f.name in mapping]


def _spark_type(f: Field) -> str:
    return {
        "ts": "TIMESTAMP",
        "date": "DATE",
        "money": schema.MONEY,
        "count": "INT",
    }.get(f.type, "STRING")
