"""Recognise a file's format by its content: a CSV header, or the shape of a JSON record.

Only the head of a file is read here (the first line of a CSV, the first record of a JSON
file); the readers then read the whole file in DuckDB.
"""

from __future__ import annotations

import codecs
import gzip
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .formats import ENVELOPES, Format
from .sniff import open_bytes, read_header

# A JSON document read whole to find its first record (larger ones: their first line).
JSON_HEAD_MAX = 64 << 20


def norm_header(name: str) -> str:
    """Case-insensitive, space- and dash-tolerant header key: ``Message ID`` -> ``message_id``."""
    return re.sub(r"[\s\-.]+", "_", name.strip().strip("\ufeff").lower())


def csv_header(path: Path) -> list[str]:
    """The header line's column names (``,`` ``;`` tab or ``|``, the most frequent)."""
    head, _ = open_bytes(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    return read_header(text)[0]


def first_record(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The first record of a JSON file and the envelope key holding the records (or None).

    Accepts one document (``{"results": [...]}``, ``{"messages": [...]}``, a bare array, one
    object) or one document per line (webhook logs, BulkExport). Returns (None, None) when
    no record can be found.
    """
    head, _ = open_bytes(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    doc: Any = None
    broken: json.JSONDecodeError | None = None
    if path.stat().st_size <= JSON_HEAD_MAX:
        try:
            raw = path.read_bytes()
            if raw[:2] == b"\x1f\x8b":
                raw = gzip.decompress(raw)
            doc = json.loads(raw.decode("utf-8", errors="replace").lstrip("\ufeff"))
        except json.JSONDecodeError as err:
            broken = err
        except (ValueError, OSError, EOFError, RecursionError):
            doc = None
    if doc is None:  # one document per line, or too large: its first line
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        try:
            doc = json.loads(first)
        except (ValueError, RecursionError):
            if broken is not None:
                # Neither one document nor one per line: a document cut off or corrupt.
                raise InputError(
                    f"malformed JSON ({broken.msg}, character {broken.colno})",
                    file=path.name,
                    line=broken.lineno,
                ) from None
            return None, None
    return _record_of(doc)


def _record_of(doc: Any) -> tuple[dict[str, Any] | None, str | None]:
    if isinstance(doc, list):
        first = next((d for d in doc if isinstance(d, dict)), None)
        return (_record_of(first)[0] if first is not None else None), None
    if not isinstance(doc, dict):
        return None, None
    for key in ENVELOPES:
        value = doc.get(key)
        if isinstance(value, list):
            first = next((d for d in value if isinstance(d, dict)), None)
            return first, key
    return doc, None


def has_path(record: dict[str, Any], dotted: str) -> bool:
    """Whether ``a.b.c`` leads to a value (any, null included) in ``record``."""
    node: Any = record
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


Shape = tuple[str, Any]  # ("json", first record or None) | ("csv", header keys) | ("other", None)


def _shape(path: Path) -> Shape:
    """What recognition looks at, read once per file: a JSON file's first record, a CSV
    file's normalised header names."""
    low = path.name.lower()
    if low.endswith((".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz")):
        return "json", first_record(path)[0]
    if low.endswith((".csv", ".csv.gz", ".txt", ".tsv")):
        return "csv", {norm_header(h) for h in csv_header(path)}
    return "other", None


def _fits(fmt: Format, shape: Shape) -> bool:
    kind, found = shape
    if found is None or kind != fmt.reader:
        return False
    if kind == "json":
        return all(has_path(found, f) for f in fmt.json_fields) and not any(
            has_path(found, f) for f in fmt.json_absent
        )
    return all(norm_header(c) in found for c in fmt.columns)


def matches(fmt: Format, path: Path) -> bool:
    """Whether ``fmt`` recognises the file (a CSV header or a JSON record it describes)."""
    return _fits(fmt, _shape(path))


def recognise(path: Path, formats: Sequence[Format]) -> Format | None:
    """The one format that recognises ``path``; two that do are an error naming both."""
    shape = _shape(path)  # read once, whatever the number of formats
    found = [f for f in formats if _fits(f, shape)]
    if len(found) > 1:
        names = " and ".join(f.name for f in found[:2])
        raise InputError(
            f"claimed by two input formats, {names}: choose one with --input-format",
            file=path.name,
        )
    return found[0] if found else None
