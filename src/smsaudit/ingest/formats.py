"""Input formats as data: how a vendor's export maps onto the canonical kinds.

One TOML file per format (``ingest/formats/*.toml``, or a user's own given with
``--input-format FILE.toml``) says, with the same schema:

- ``name``, ``vendor``, ``title``, ``source`` (where the field names come from), ``reader``
  (``csv`` or ``json``), optional ``aggregator`` (the lower-case name sends and suppressions
  of this format get);
- ``[match]``: how a file is recognised by its content. CSV: ``columns`` that the header must
  all hold (matched like every header: case, spaces, dashes and dots ignored). JSON:
  ``fields`` that the first record must hold (dotted paths into nested objects) and
  optional ``absent`` fields it must not hold; records are found under an envelope key
  (``results``, ``messages``, ``events``, ``data``), in a bare array, or one per line;
- ``[conventions]``: ``numbers`` (``national``, the contract's readings, or
  ``international``: digits without ``+`` carry their country code), ``price``
  (``per_segment``, ``per_message``: the amount covers the whole message, or ``credits``:
  not money, the message is unpriced), ``price_sign`` (``positive`` or ``negative``: charges
  written as negative amounts), ``naive_tz`` (the clock of timestamps written without an
  offset; default ``--assume-tz``);
- ``[kinds.KIND]`` for each canonical kind it feeds: ``fields`` (canonical column -> the
  file's column or dotted JSON path; ``a|b`` takes the first present and not blank, ``date
  + time`` joins split date and time columns with a space), ``const`` (canonical column ->
  fixed value), optional ``when`` (``field`` and ``values``: the records of this kind,
  compared without case), ``role`` (``rows``, the default: these records are this kind;
  ``also``: the same records, already counted as another kind, also give this kind, like
  the delivery status on a Twilio log row; ``of`` names that kind) and ``optout`` (a list
  of ``{field, values}``: a receipt or MO matching one is opt-out evidence, like ``061``);
  ``one_record_per_part = true`` for receipts sent once per part of a long message: they
  are merged into one per message (prices added up, segments counted, the last part's
  status kept), the other parts counted out of scope.

The canonical files (``sends*.csv``…) need no format file: their names and columns are the
contract's.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..errors import InputError
from .specs import SPECS

KINDS = ("sends", "receipts", "suppressions", "mo", "consent", "programs", "rate_card")
READERS = ("csv", "json")
ROLES = ("rows", "also")
NUMBERS = ("national", "international")
PRICES = ("per_segment", "per_message", "credits")
PRICE_SIGNS = ("positive", "negative")
# Where a JSON export keeps its records (the first one present wins).
ENVELOPES = ("results", "messages", "events", "data", "items")

# Canonical columns a format may fill, per kind: the contract's input columns (specs.SPECS),
# less those the loader derives from a format's conventions (price basis, opt-out evidence).
_DERIVED = frozenset({"price_basis", "optout", "optout_flag"})
COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(f.name for f in fields if f.name not in _DERIVED) for kind, fields in SPECS.items()
}

_TOP = {"name", "vendor", "title", "source", "reader", "aggregator", "match", "conventions"}
_TOP_REQUIRED = ("name", "vendor", "title", "source", "reader", "match", "kinds")
_KIND_KEYS = {"fields", "const", "when", "role", "optout", "of", "one_record_per_part"}
_CONVENTION_KEYS = {"numbers", "price", "price_sign", "naive_tz"}
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Condition:
    """A record's ``field`` holds one of ``values`` (trimmed, compared without case)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class KindMap:
    """How a format's records give one canonical kind."""

    kind: str
    fields: Mapping[str, str]
    const: Mapping[str, str] = field(default_factory=dict)
    when: Condition | None = None
    role: str = "rows"
    optout: tuple[Condition, ...] = ()
    of: str | None = None  # role "also": the kind whose used records these are
    # Receipts sent once per part of a long message (Vonage): merged into one per message.
    one_record_per_part: bool = False


@dataclass(frozen=True)
class Format:
    """One input format: recognition, conventions and the kinds it feeds."""

    name: str
    vendor: str
    title: str
    source: str
    reader: str
    kinds: tuple[KindMap, ...]
    aggregator: str | None = None
    columns: tuple[str, ...] = ()  # CSV: header columns that must be present
    json_fields: tuple[str, ...] = ()  # JSON: fields the first record must hold
    json_absent: tuple[str, ...] = ()  # JSON: fields it must not hold
    numbers: str = "national"
    price: str = "per_segment"
    price_sign: str = "positive"
    naive_tz: str | None = None
    path: str = ""  # where it was read from (shipped or the user's file)

    @property
    def kind_names(self) -> tuple[str, ...]:
        return tuple(k.kind for k in self.kinds)

    def describe_kinds(self) -> str:
        """``twilio-console-csv: sends+receipts+mo`` (row_accounting's ``kind``)."""
        return f"{self.name}: {'+'.join(self.kind_names)}"


def _err(origin: str, key: str, message: str) -> InputError:
    return InputError(f"format key {key!r}: {message}", file=origin)


def _text(value: Any, origin: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _err(origin, key, "must be a non-empty string")
    return value.strip()


def _texts(value: Any, origin: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _err(origin, key, "must be a non-empty list of strings")
    return tuple(_text(v if not isinstance(v, int) else str(v), origin, key) for v in value)


def _choice(value: Any, allowed: Sequence[str], origin: str, key: str) -> str:
    if value not in allowed:
        raise _err(origin, key, f"must be one of {', '.join(allowed)} (got {value!r})")
    return str(value)


def _condition(value: Any, origin: str, key: str) -> Condition:
    if not isinstance(value, dict) or set(value) != {"field", "values"}:
        raise _err(origin, key, "must be a table with exactly 'field' and 'values'")
    return Condition(
        _text(value["field"], origin, f"{key}.field"),
        tuple(v.upper() for v in _texts(value["values"], origin, f"{key}.values")),
    )


def _kind_map(kind: str, body: Any, origin: str) -> KindMap:
    key = f"kinds.{kind}"
    if kind not in KINDS:
        raise _err(origin, key, f"unknown kind (known: {', '.join(KINDS)})")
    if not isinstance(body, dict):
        raise _err(origin, key, "must be a table")
    unknown = set(body) - _KIND_KEYS
    if unknown:
        raise _err(origin, f"{key}.{sorted(unknown)[0]}", "unknown key")
    mapped: dict[str, str] = {}
    for part in ("fields", "const"):
        table = body.get(part, {})
        if not isinstance(table, dict):
            raise _err(origin, f"{key}.{part}", "must be a table")
        for column, value in table.items():
            if column not in COLUMNS[kind]:
                raise _err(
                    origin,
                    f"{key}.{part}.{column}",
                    f"not a column of {kind} (known: {', '.join(COLUMNS[kind])})",
                )
            if column in mapped:
                raise _err(origin, f"{key}.{part}.{column}", "given in both fields and const")
            mapped[column] = _text(value, origin, f"{key}.{part}.{column}")
    if not body.get("fields"):
        raise _err(origin, f"{key}.fields", "must map at least one column")
    optout = body.get("optout", [])
    if isinstance(optout, dict):
        optout = [optout]
    if not isinstance(optout, list):
        raise _err(origin, f"{key}.optout", "must be a list of tables {field, values}")
    if optout and kind not in ("receipts", "mo"):
        raise _err(origin, f"{key}.optout", "only receipts and mo carry opt-out evidence")
    role = _choice(body.get("role", "rows"), ROLES, origin, f"{key}.role")
    of = body.get("of")
    if (role == "also") != (of is not None):
        raise _err(origin, f"{key}.of", "names the kind whose records these are, with role 'also'")
    return KindMap(
        kind=kind,
        fields=dict(body.get("fields", {})),
        const=dict(body.get("const", {})),
        when=_condition(body["when"], origin, f"{key}.when") if "when" in body else None,
        role=role,
        optout=tuple(_condition(c, origin, f"{key}.optout") for c in optout),
        of=of,
        one_record_per_part=_per_part(kind, body.get("one_record_per_part", False), origin, key),
    )


def _per_part(kind: str, value: Any, origin: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise _err(origin, f"{key}.one_record_per_part", "must be true or false")
    if value and kind != "receipts":
        raise _err(origin, f"{key}.one_record_per_part", "only receipts come one per part")
    return value


def parse_format(data: Mapping[str, Any], origin: str) -> Format:
    """A :class:`Format` from a parsed TOML document; a bad key is one InputError naming it."""
    for key in _TOP_REQUIRED:
        if key not in data:
            raise _err(origin, key, "missing")
    unknown = set(data) - _TOP - {"kinds"}
    if unknown:
        raise _err(origin, sorted(unknown)[0], "unknown key")
    name = _text(data["name"], origin, "name")
    if not _NAME.fullmatch(name):
        raise _err(origin, "name", "lower-case letters, digits and dashes only")
    reader = _choice(data["reader"], READERS, origin, "reader")
    match = data["match"]
    if not isinstance(match, dict):
        raise _err(origin, "match", "must be a table")
    allowed_match = {"columns"} if reader == "csv" else {"fields", "absent"}
    if set(match) - allowed_match:
        raise _err(origin, f"match.{sorted(set(match) - allowed_match)[0]}", f"not for {reader}")
    conv = data.get("conventions", {})
    if not isinstance(conv, dict):
        raise _err(origin, "conventions", "must be a table")
    if set(conv) - _CONVENTION_KEYS:
        raise _err(origin, f"conventions.{sorted(set(conv) - _CONVENTION_KEYS)[0]}", "unknown key")
    kinds_body = data["kinds"]
    if not isinstance(kinds_body, dict) or not kinds_body:
        raise _err(origin, "kinds", "must hold at least one [kinds.KIND] table")
    kinds = tuple(_kind_map(k, v, origin) for k, v in kinds_body.items())
    rows = {k.kind for k in kinds if k.role == "rows"}
    if not rows:
        raise _err(origin, "kinds", "at least one kind must have role 'rows'")
    for k in kinds:
        if k.of is not None and k.of not in rows:
            raise _err(origin, f"kinds.{k.kind}.of", f"{k.of!r} is not a kind of role 'rows' here")
    naive_tz = conv.get("naive_tz")
    if naive_tz is not None:
        naive_tz = _text(naive_tz, origin, "conventions.naive_tz")
    aggregator = data.get("aggregator")
    return Format(
        name=name,
        vendor=_text(data["vendor"], origin, "vendor"),
        title=_text(data["title"], origin, "title"),
        source=_text(data["source"], origin, "source"),
        reader=reader,
        kinds=kinds,
        aggregator=_text(aggregator, origin, "aggregator").lower() if aggregator else None,
        columns=_texts(match["columns"], origin, "match.columns") if reader == "csv" else (),
        json_fields=_texts(match["fields"], origin, "match.fields") if reader == "json" else (),
        json_absent=(_texts(match["absent"], origin, "match.absent") if "absent" in match else ()),
        numbers=_choice(conv.get("numbers", "national"), NUMBERS, origin, "conventions.numbers"),
        price=_choice(conv.get("price", "per_segment"), PRICES, origin, "conventions.price"),
        price_sign=_choice(
            conv.get("price_sign", "positive"), PRICE_SIGNS, origin, "conventions.price_sign"
        ),
        naive_tz=naive_tz,
        path=origin,
    )


def load_format(path: Path) -> Format:
    """Read and validate a user's format file (``--input-format FILE.toml``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read format file ({exc.strerror})", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not a valid TOML file ({exc})", file=str(path)) from None
    except RecursionError:
        raise InputError("not a valid TOML file (nested too deeply)", file=str(path)) from None
    return parse_format(data, str(path))


@cache
def shipped_formats() -> tuple[Format, ...]:
    """The formats shipped in the package, by name."""
    folder = files("smsaudit.ingest") / "formats"
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
            out.append(parse_format(data, f"formats/{entry.name}"))
    return tuple(out)


def get_format(name_or_path: str) -> Format:
    """A shipped format by name, or a user's format file by path."""
    for fmt in shipped_formats():
        if fmt.name == name_or_path:
            return fmt
    if name_or_path.endswith(".toml"):
        return load_format(Path(name_or_path))
    known = ", ".join(f.name for f in shipped_formats())
    raise InputError(f"unknown input format {name_or_path!r} (known: {known}; or a FILE.toml)")
