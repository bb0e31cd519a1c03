"""Inputs in a folder at a URI that Spark reads (``s3a://``, ``abfss://``, ``gs://``,
``dbfs:/``, ``hdfs://``, ``file:/``…), for an audit on Spark.

Spark lists the folder (its files, not its subfolders; Spark skips names starting with ``.``
or ``_``). The Parquet files of the kinds Spark reads itself (``spark_load.SparkReader.claim``)
stay where they are and never pass through this process. Every other input file (CSV, JSON,
vendor exports, inbound messages, Parquet that DuckDB must read) is copied by Spark into the
driver's scratch folder and then read there exactly as a file in a local folder would be:
those are the small inputs, whose sniffing and vendor formats live in DuckDB.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from smsaudit.errors import InputError, first_line
from smsaudit.ingest.discover import Source, classify, kind_of, readable_name
from smsaudit.ingest.formats import Format

if TYPE_CHECKING:
    from smsaudit.engines.spark_load import SparkReader

# A scheme of two letters or more (``C:/`` is a Windows drive, not a URI), then ``:/``.
_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+:/")
# Hadoop's glob characters, escaped so that a file's own name is never a pattern.
_GLOB = re.compile(r"([\\*?\[\]{}])")


def is_uri(data: object) -> bool:
    """Whether ``data`` names a folder by URI rather than a local path."""
    return isinstance(data, str) and _URI.match(data) is not None


class RemotePath(str):
    """A file's URI where a ``Source`` holds a ``Path``: its ``name``, and ``resolve()`` (the
    URI itself: two different URIs are two files)."""

    @property
    def name(self) -> str:
        return self.rstrip("/").rsplit("/", 1)[-1]

    def resolve(self) -> RemotePath:
        return self


def discover(
    reader: SparkReader, uri: str, folder: Path, input_format: Format | None = None
) -> tuple[list[Source], list[str]]:
    """The inputs in the folder at ``uri``, as ``ingest.discover`` gives them for a local
    folder (sources sorted by name, names ignored); files Spark does not read itself are
    copied into ``folder`` first."""
    session = reader.session
    try:
        listed = session.read.format("binaryFile").load(uri).select("path").collect()
    except Exception as error:
        raise InputError(f"Spark could not list it: {first_line(error)}", file=uri) from None
    paths = sorted((RemotePath(row.path) for row in listed), key=lambda p: p.name)
    ignored = []
    for p in paths:
        if not readable_name(p.name):
            if kind_of(p.name) is not None:  # named after a kind, of a type nothing reads
                classify(Path(p.name), p.name, input_format)  # raises, as for a local file
            ignored.append(p.name)
    paths = [p for p in paths if readable_name(p.name)]
    # Canonical Parquet by its name; Spark keeps the kinds it can read whole.
    parquet = [
        Source(kind, cast(Path, p), p.name)  # a URI where a Source holds a Path: see Source
        for p in paths
        if p.name.lower().endswith(".parquet") and (kind := kind_of(p.name)) is not None
    ]
    remote = {str(s.path) for s in parquet}
    copied, skipped = _classify(
        _copy(reader, [p for p in paths if p not in remote], folder), input_format
    )
    claimed = reader.claim([*copied, *parquet])
    kept = [s for s in parquet if s.kind in claimed]
    unclaimed = [str(s.path) for s in parquet if s.kind not in claimed]
    more, _ = _classify(_copy(reader, unclaimed, folder), input_format)  # Parquet: all read
    sources = sorted([*copied, *more, *kept], key=lambda s: s.name)
    ignored += skipped
    if not any("sends" in s.kinds for s in sources):
        raise InputError(
            f"no sends* file in {uri}, and no export of a format that gives sends "
            "(sends are required; `smsaudit formats` lists the formats)"
        )
    return sources, sorted(ignored)


def _classify(paths: Sequence[Path], input_format: Format | None) -> tuple[list[Source], list[str]]:
    """Copied files as sources, as in a local folder; and the names no reader takes."""
    sources, ignored = [], []
    for path in paths:
        got = classify(path, path.name, input_format)
        if isinstance(got, str):
            ignored.append(path.name)
        else:
            sources.append(got)
    return sources, ignored


def _copy(reader: SparkReader, paths: Sequence[str], folder: Path) -> list[Path]:
    """Copy the files at ``paths`` into ``folder`` through Spark, under their own names."""
    if not paths:
        return []
    from pyspark.sql import functions as F

    session = reader.session
    escaped = [_GLOB.sub(r"\\\1", p) for p in paths]
    out = []
    try:
        frame = session.read.format("binaryFile").load(escaped)
        # a partition at a time: the driver holds a few files, not all of them
        rows = frame.where(F.col("path").isin(list(paths))).select("path", "content")
        for row in rows.toLocalIterator():
            target = folder / RemotePath(row.path).name
            target.write_bytes(bytes(row.content))
            out.append(target)
    except Exception as error:
        raise InputError(f"Spark could not read it: {first_line(error)}", file=paths[0]) from None
    return sorted(out, key=lambda p: p.name)
