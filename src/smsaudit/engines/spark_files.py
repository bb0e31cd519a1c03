"""Inputs in a folder at a URI that Spark reads (``s3a://``, ``abfss://``, ``gs://``,
``dbfs:/``, ``hdfs://``, ``file:/``…), for an audit on Spark.

Spark lists the folder (its files, and the parts of the datasets in its subfolders named
after a kind, as ``ingest.discover`` finds them locally; Spark skips names starting with ``.``
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
from urllib.parse import urlparse

from smsaudit.errors import InputError, first_line
from smsaudit.ingest.discover import DELTA, Source, classify, hidden, kind_of, readable_name
from smsaudit.ingest.formats import Format

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

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
    folder (sources sorted by name, names ignored, datasets in subfolders named after a
    kind); files Spark does not read itself are copied into ``folder`` first."""
    session = reader.session
    try:
        listed = (
            session.read.format("binaryFile")
            .option("recursiveFileLookup", "true")
            .load(uri)
            .select("path")
            .collect()
        )
    except Exception as error:
        raise InputError(f"Spark could not list it: {first_line(error)}", file=uri) from None
    # Hadoop reads a URI's path as it is written (no %-decoding) and lists paths so: the
    # listed paths start with the given one
    root = urlparse(uri).path.rstrip("/")
    files: dict[str, RemotePath] = {}  # name as outputs show it -> where it is
    datasets: dict[str, RemotePath] = {}  # a dataset's folder name -> its URI
    ignored = []
    for row in listed:
        path = RemotePath(row.path)
        relative = urlparse(path).path[len(root) :].lstrip("/")
        top, _, rest = relative.partition("/")
        if not rest:
            files[top] = path
        elif kind_of(top) is not None and not hidden(top):  # a dataset (ingest.discover)
            datasets.setdefault(top, RemotePath(uri.rstrip("/") + "/" + top))
            if relative.lower().endswith(".parquet"):
                files[relative] = path
            else:
                ignored.append(relative)
    for top, where in datasets.items():
        _refuse_delta(session, where, top)
        if not any(name.startswith(top + "/") for name in files):
            ignored.append(top + "/")  # named after a kind, without Parquet: listed
    for name in sorted(n for n in files if "/" not in n):
        if not readable_name(name):
            if kind_of(name) is not None:  # named after a kind, of a type nothing reads
                classify(Path(name), name, input_format)  # raises, as for a local file
            ignored.append(name)
            del files[name]
    # Canonical Parquet by its name, or a dataset's part; Spark keeps the kinds it can read.
    parquet = [
        Source(kind, cast(Path, path), name, dataset=cast(Path | None, _dataset(datasets, name)))
        for name, path in files.items()
        if name.lower().endswith(".parquet") and (kind := kind_of(name)) is not None
    ]
    remote = {s.name for s in parquet}
    copied, skipped = _classify(
        _copy(reader, {n: p for n, p in files.items() if n not in remote}, folder), input_format
    )
    claimed = reader.claim([*copied, *parquet])
    kept = [s for s in parquet if s.kind in claimed]
    unclaimed = {s.name: cast(RemotePath, s.path) for s in parquet if s.kind not in claimed}
    more, _ = _classify(_copy(reader, unclaimed, folder), input_format)  # Parquet: all read
    sources = sorted([*copied, *more, *kept], key=lambda s: s.name)
    ignored += skipped
    if not any("sends" in s.kinds for s in sources):
        raise InputError(
            f"no sends* file in {uri}, and no export of a format that gives sends "
            "(sends are required; `smsaudit formats` lists the formats)"
        )
    return sources, sorted(ignored)


def _dataset(datasets: dict[str, RemotePath], name: str) -> RemotePath | None:
    """The URI of the dataset whose part ``name`` is (``top/…``), else None."""
    return datasets[name.split("/", 1)[0]] if "/" in name else None


def _refuse_delta(session: SparkSession, where: str, name: str) -> None:
    """A Delta table's folder keeps files its later versions removed: refused, as locally."""
    try:
        found = session.read.format("binaryFile").load(where + "/_delta_log").limit(1).count()
    except Exception:  # no such folder
        return
    if found:
        raise InputError(DELTA, file=name)


def _classify(
    copied: Sequence[tuple[str, Path]], input_format: Format | None
) -> tuple[list[Source], list[str]]:
    """Copied files as sources, as in a local folder (a dataset's part keeps its name and its
    partition folders); and the names no reader takes."""
    sources, ignored = [], []
    for name, path in copied:
        if "/" in name:  # a dataset's Parquet part
            kind = kind_of(name)  # the dataset's folder is named after it
            assert kind is not None, name
            sources.append(Source(kind, path, name, dataset=_local_root(path, name)))
            continue
        got = classify(path, name, input_format)
        if isinstance(got, str):
            ignored.append(name)
        else:
            sources.append(got)
    return sources, ignored


def _local_root(path: Path, name: str) -> Path:
    """The local copy of the dataset folder of part ``name`` copied to ``path``."""
    return path.parents[name.count("/") - 1]


def _copy(
    reader: SparkReader, files: dict[str, RemotePath], folder: Path
) -> list[tuple[str, Path]]:
    """Copy ``files`` (name -> URI) into ``folder`` through Spark, each at its name (a
    dataset's part keeps its folders, partition values included)."""
    if not files:
        return []
    from pyspark.sql import functions as F

    session = reader.session
    named = {str(p): n for n, p in files.items()}
    escaped = [_GLOB.sub(r"\\\1", p) for p in named]
    out = []
    try:
        frame = session.read.format("binaryFile").load(escaped)
        # a partition at a time: the driver holds a few files, not all of them
        rows = frame.where(F.col("path").isin(list(named))).select("path", "content")
        for row in rows.toLocalIterator():
            name = named[row.path]
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(bytes(row.content))
            out.append((name, target))
    except Exception as error:
        first = next(iter(named))
        raise InputError(f"Spark could not read it: {first_line(error)}", file=first) from None
    return sorted(out)
