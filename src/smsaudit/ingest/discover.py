"""Which files are inputs, and of which kind or format: by name prefix, else by content."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from . import detect
from .formats import Format, shipped_formats
from .specs import KINDS, SPECS

EXTENSIONS = (".csv", ".csv.gz", ".parquet")  # canonical files, found by their name's prefix
# Vendor exports, found by their content whatever their name.
VENDOR_EXTENSIONS = (".csv", ".csv.gz", ".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson")


# ---------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Source:
    """One input file; ``name`` is how outputs refer to it. A canonical file has one ``kind``
    (by its name's prefix); a vendor export has its ``fmt``, which says the kinds it feeds.
    ``path`` is local, except for a Parquet file Spark reads where it is, at a URI
    (``engines.spark_files.RemotePath``: a ``str`` with ``name`` and ``resolve()``)."""

    kind: str
    path: Path
    name: str
    fmt: Format | None = None
    # The folder of a dataset this file is a part of (a table Spark or Hive wrote as a
    # folder of part files, partition values in ``key=value`` subfolder names).
    dataset: Path | None = None

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.fmt.kind_names if self.fmt else (self.kind,)

    @property
    def label(self) -> str:
        """``row_accounting.kind``: the kind, or the format and the kinds it fed."""
        return self.fmt.describe_kinds() if self.fmt else self.kind


def kind_of(filename: str) -> str | None:
    """The input kind a file name announces, by prefix (CONTRACT §1), or None.

    The prefix must be followed by a non-letter (``mo_2026.csv``, ``sends-1.csv``,
    ``consent.csv``) so that ``monthly.csv`` is not taken for an MO file.
    """
    low = filename.lower()
    for kind in sorted(KINDS, key=len, reverse=True):
        if low.startswith(kind) and not low[len(kind) : len(kind) + 1].isalpha():
            return kind
    return None


def _supported(filename: str) -> bool:
    return filename.lower().endswith(EXTENSIONS)


# A JSON file named after a kind, that no format recognises, is read in the contract's format.
PREFIX_JSON_FORMAT = {"receipts": "infobip-delivery-reports"}


def _is_json(filename: str) -> bool:
    return filename.lower().endswith((".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson"))


def _is_vendor_type(filename: str) -> bool:
    return filename.lower().endswith(VENDOR_EXTENSIONS)


def _canonical_header_fits(kind: str, path: Path) -> bool:
    """Whether a prefixed CSV's header holds the kind's required columns (else a vendor
    format may claim it: a Twilio export saved as ``sends_twilio.csv``)."""
    if path.name.lower().endswith(".parquet"):
        return True
    header = {detect.norm_header(h) for h in detect.csv_header(path)}
    return all(f.name in header for f in SPECS[kind] if f.required)


def _vendor_format(
    path: Path, kind: str | None, formats: Sequence[Format], chosen: Format | None
) -> Format | None:
    """The format of a vendor export: ``chosen`` (``--input-format``) when it recognises the
    file, else the one shipped format that does; a JSON named after a kind falls back on the
    contract's format for it."""
    fmt = None
    if _is_vendor_type(path.name):
        if chosen is not None and detect.matches(chosen, path):
            fmt = chosen
        else:
            fmt = detect.recognise(path, formats)
    if fmt is None and kind in PREFIX_JSON_FORMAT and _is_json(path.name):
        # The contract's receipts*.json are Infobip delivery reports, whatever fields they hold.
        fmt = next(f for f in formats if f.name == PREFIX_JSON_FORMAT[kind])
    return fmt


def _source_for(
    path: Path, name: str, formats: Sequence[Format], chosen: Format | None
) -> Source | str:
    """The Source for one file of a folder, or why it is ignored."""
    kind = kind_of(path.name)
    if kind is not None and _supported(path.name) and _canonical_header_fits(kind, path):
        return Source(kind, path, name)
    fmt = _vendor_format(path, kind, formats, chosen)
    if fmt is not None:
        return Source(fmt.kind_names[0], path, name, fmt)
    if kind is not None and _supported(path.name):
        return Source(kind, path, name)  # canonical by name: its header error says what lacks
    if kind is not None:
        raise InputError(
            f"unsupported file type for {kind} (expected {', '.join(EXTENSIONS)}, "
            "or an export an input format recognises)",
            file=path.name,
        )
    return "no input format recognises it" if _is_vendor_type(path.name) else "not an input type"


def hidden(name: str) -> bool:
    """Names Spark and Hadoop skip, and so do we: ``.`` files, and ``_`` files such as
    ``_SUCCESS``, ``_committed_…`` and ``_delta_log`` (a writer's bookkeeping, not data)."""
    return name.startswith((".", "_"))


DELTA = (
    "a Delta table: its folder also holds files its later versions removed; write its "
    "current version out as Parquet (Spark: spark.read.format('delta').load(path)"
    ".write.parquet(...)) and audit that"
)


def dataset_parts(folder: Path, kind: str, name: str) -> tuple[list[Source], list[str]]:
    """The part files of a Parquet dataset (``sends_2026.parquet/part-….parquet``, at any
    depth: hive partitions ``month=2026-05/``) as sources of ``kind`` named ``name/<part>``;
    and the names of its other files, ignored. A Delta table is refused: its folder keeps
    the files later versions removed, so reading every part would count rows twice."""
    if (folder / "_delta_log").is_dir():
        raise InputError(DELTA, file=name)
    parts: list[Source] = []
    ignored: list[str] = []
    for path in sorted(folder.rglob("*"), key=lambda p: p.relative_to(folder).as_posix()):
        relative = path.relative_to(folder)
        if any(hidden(part) for part in relative.parts) or not path.is_file():
            continue
        shown = f"{name}/{relative.as_posix()}"
        if path.name.lower().endswith(".parquet"):
            parts.append(Source(kind, path, shown, dataset=folder))
        else:
            ignored.append(shown)
    return parts, ignored


def readable_name(filename: str) -> bool:
    """Whether a reader may take a file of this name (canonical, or a vendor export)."""
    return _supported(filename) or _is_vendor_type(filename)


def classify(path: Path, name: str, input_format: Format | None = None) -> Source | str:
    """The Source for one file found in a folder, or why it is ignored."""
    return _source_for(path, name, shipped_formats(), input_format)


def discover(
    data_dir: Path | None,
    explicit: Mapping[str, Sequence[Path]] | None = None,
    input_format: Format | None = None,
) -> tuple[list[Source], list[str]]:
    """Input files from a folder and/or explicit paths; also the names ignored.

    A file is canonical when its name has a kind's prefix and its header the kind's columns;
    otherwise its content says its format (``ingest.detect``), whatever its name.
    ``input_format`` (``--input-format``) wins for the files it recognises. A file whose
    name announces a kind but that nothing can read is an error, not something to skip.
    """
    formats = shipped_formats()
    sources: list[Source] = []
    ignored: list[str] = []
    if data_dir is not None:
        if not data_dir.is_dir():
            raise InputError("not a folder", file=str(data_dir))
        for path in sorted(data_dir.iterdir(), key=lambda p: p.name):
            if hidden(path.name):
                continue
            if path.is_dir() and not path.is_symlink():
                kind = kind_of(path.name)
                if kind is not None:  # a dataset: a folder named after a kind
                    parts, skipped = dataset_parts(path, kind, path.name)
                    sources += parts
                    ignored += skipped if parts else [f"{path.name}/", *skipped]
                continue  # other subfolders (a report folder, say): never read
            if not path.is_file():
                # a dangling link, a link to a folder, a pipe or a device: listed, never read
                # (reading a pipe could wait for ever)
                ignored.append(path.name)
                continue
            found = _source_for(path, path.name, formats, input_format)
            if isinstance(found, str):
                ignored.append(path.name)
            else:
                sources.append(found)
    for kind, paths in (explicit or {}).items():
        if kind not in KINDS:
            raise InputError(f"unknown input kind {kind!r}")
        for p in paths:
            if p.is_dir():  # a dataset given by its folder
                parts, _skipped = dataset_parts(p, kind, str(p))
                if not parts:
                    raise InputError("a folder without Parquet part files", file=str(p))
                sources += parts
                continue
            if not p.is_file():
                raise InputError("no such file", file=str(p))
            if _supported(p.name) and _canonical_header_fits(kind, p):
                sources.append(Source(kind, p, str(p)))
                continue
            fmt = _vendor_format(p, kind, formats, input_format)
            if fmt is not None and kind in fmt.kind_names:
                sources.append(Source(kind, p, str(p), fmt))
            elif _supported(p.name):
                sources.append(Source(kind, p, str(p)))
            else:
                raise InputError(f"unsupported file type for {kind}", file=str(p))
    # The same file named twice (in the folder and by a flag, or by two flags) is read once.
    seen: set[Path] = set()
    unique = []
    for source in sources:
        key = source.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(source)
    sources = unique
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise InputError("given twice", file=dup)
    if not any("sends" in s.kinds for s in sources):
        where = str(data_dir) if data_dir is not None else "the given files"
        raise InputError(
            f"no sends* file in {where}, and no export of a format that gives sends "
            "(sends are required; `smsaudit formats` lists the formats)"
        )
    return sources, ignored
