"""The parts of a dataset, staged on Spark as one frame.

A dataset (``ingest.discover.dataset_parts``: a table written as a folder of part files) is
read part by part on the driver, each part an input of its own. Staged so on Spark, every
part would cost a frame, a count, a value map per text field and a branch of each union:
about 1.4 s a part locally (``benchmarks/spark_parts.py``). Here Spark reads a dataset's parts
as one frame (``mergeSchema``: parts written at different times may add columns), names each
row's part from ``_metadata.file_path`` through a small table of the parts, and counts the
rows of every part in one job. Parts whose columns differ in type are staged one by one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from smsaudit.errors import InputError, first_line
from smsaudit.ingest.discover import Source

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from smsaudit.engines.spark_load import SparkReader

Part = tuple[Source, int]  # a part and its ordinal among the inputs


class Datasets:
    """The dataset parts ``SparkReader.stage`` was given, staged together at the first read."""

    def __init__(self, reader: SparkReader) -> None:
        self.reader = reader
        self._pending: dict[str, list[Part]] = {}

    def add(self, src: Source, ordinal: int) -> str | None:
        """Keep a part for later; the view its dataset will be, for its first part only."""
        parts = self._pending.setdefault(str(src.dataset), [])
        parts.append((src, ordinal))
        return f"stg_{parts[0][1]}" if len(parts) == 1 else None

    def stage_all(self) -> None:
        """Stage every dataset kept so far (before its rows are first read)."""
        pending, self._pending = self._pending, {}
        for parts in pending.values():
            base = f"stg_{parts[0][1]}"
            try:
                if not self._together(base, parts):
                    self._one_by_one(base, parts)
            except InputError:
                raise
            except Exception as error:
                if "FAILED_READ_FILE" in str(error):  # the part is named by SparkReader
                    raise
                raise InputError(
                    f"Spark could not read it: {first_line(error)}", file=_folder(parts)
                ) from None

    def _together(self, base: str, parts: list[Part]) -> bool:
        """The parts as one frame; False when their columns differ in type."""
        reader = self.reader
        first = parts[0][0]
        # Parts may lack columns others have (added later): mergeSchema gives them NULLs, as
        # the driver's reader does. A column read under two names or types cannot be merged.
        mapping: dict[str, str] = {}
        types: dict[str, str] = {}
        for _, columns, typed in (reader.inspected(src) for src, _ in parts):
            for name, column in columns.items():
                if mapping.setdefault(name, column) != column:
                    return False
            for name, kind in typed.items():
                if types.setdefault(name, kind) != kind:
                    return False
        root = reader.dataset_where(first)
        wheres = [str(reader.where(src)) for src, _ in parts]  # claimed: Spark reads them
        try:
            read = reader.session.read.option("mergeSchema", "true")
            frame = read.option("basePath", root).parquet(*wheres)
        except Exception:  # parts of clashing types: each read as its own
            return False
        path = frame.metadataColumn("_metadata").getField("file_path").alias("file_path")
        rows = reader.file_rows(frame, first.kind, mapping, path)
        # one job: the name Spark gives each part, and its rows
        counts = {str(path): int(n) for path, n in rows.groupBy("file_path").count().collect()}
        named = {_path(str(where)): part for where, part in zip(wheres, parts, strict=True)}
        table = []
        for spark_path in counts:
            found = named.get(_path(spark_path, encoded=True))
            if found is None:  # pragma: no cover - Spark read a file it was not given
                raise RuntimeError(f"Spark read {spark_path}, not a part of {_folder(parts)}")
            table.append((spark_path, found[0].name, found[1]))
        reader.con.execute(
            f"CREATE OR REPLACE TEMP TABLE {base}_parts "
            "(file_path VARCHAR, input_file VARCHAR, file_ord INTEGER)"
        )
        if table:
            reader.con.executemany(f"INSERT INTO {base}_parts VALUES (?, ?, ?)", table)
        reader.ship(f"{base}_parts")
        join = f"JOIN {base}_parts AS pt ON pt.file_path = r.file_path"
        reader.stage_frame(base, first.kind, rows, types, "pt.input_file", "pt.file_ord", join)
        by_name = {name: counts[path] for path, name, _ in table}
        for src, ordinal in parts:
            reader.files_read(src, ordinal, by_name.get(src.name, 0))
        return True

    def _one_by_one(self, base: str, parts: list[Part]) -> None:
        """Each part its own frame (as a lone file), the dataset their union."""
        reader = self.reader
        views = []
        for src, ordinal in parts:
            reader.stage_file(src, ordinal, f"{base}_{ordinal}")
            views.append(reader.session.table(f"{base}_{ordinal}"))
        union: DataFrame = views[0]
        for more in views[1:]:
            union = union.unionByName(more)
        reader.engine.register(base, union)


def _path(where: str, *, encoded: bool = False) -> str:
    """The path part of where a file is read (a local path, or a URI as given to Spark; or,
    ``encoded``, as Spark's ``_metadata.file_path`` spells it, %-encoded)."""
    if where.startswith("/"):
        return where
    path = urlparse(where).path
    return unquote(path) if encoded else path


def _folder(parts: list[Part]) -> str:
    """A name for the dataset in a message: its first part's."""
    return parts[0][0].name
