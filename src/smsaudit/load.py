"""Load every input into the canonical tables, and account for every row.

One reader per format (CSV dialects, Parquet, Infobip JSON) stages each file as typed
columns next to their raw text; one generic pass per kind then sorts every row into
exactly one of: used (lands in the canonical table of ``schema.CANONICAL``), rejected
(``rejected_rows``: file, line, column, value, reason) or out of scope (counted in
``row_accounting`` and detailed in ``out_of_scope_rows``). Python touches files and
column names, never data rows: parsing, validation and phone numbers happen in DuckDB.

``line`` is the physical line where a record starts (header = line 1) for CSV, the row
number for Parquet, and the report's position for JSON (line for one-per-line files).
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import tempfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import duckdb

from . import phone, schema
from .errors import InputError
from .ingest import detect, vendor
from .ingest.formats import ENVELOPES, Format, shipped_formats

# Period bounds are calendar days in France (the billing clock of cost.BILLING_TZ).
PERIOD_TZ = "Europe/Paris"

Kind = Literal["sends", "receipts", "suppressions", "mo", "consent", "programs", "rate_card"]
KINDS: tuple[str, ...] = tuple(schema.KIND_TABLE)
EXTENSIONS = (".csv", ".csv.gz", ".parquet")  # canonical files, found by their name's prefix
# Vendor exports, found by their content whatever their name.
VENDOR_EXTENSIONS = (".csv", ".csv.gz", ".json", ".json.gz", ".jsonl", ".jsonl.gz", ".ndjson")
# What a cut-off or corrupt gzip stream raises while it is read.
_COMPRESSION_ERRORS = (OSError, EOFError, zlib.error)
# Longest text kept in rejected_rows.value (characters).
VALUE_MAX = 200
# Largest JSON document read a second time, by Python, to say where it is broken (bytes).
JSON_LOCATE_MAX = 256 << 20

FieldType = Literal["text", "body", "ts", "date", "money", "count", "msisdn", "upper", "lower"]


@dataclass(frozen=True)
class Field:
    """One canonical input column: how to read it and whether it is required."""

    name: str
    type: FieldType = "text"
    required: bool = False


def _fields(spec: str) -> tuple[Field, ...]:
    """``"name:type!"`` items, ``!`` marking a required column (keeps the specs one line each)."""
    out = []
    for item in spec.split():
        name, _, rest = item.partition(":")
        required = rest.endswith("!") or name.endswith("!")
        out.append(Field(name.rstrip("!"), (rest.rstrip("!") or "text"), required))  # type: ignore[arg-type]
    return tuple(out)


# CONTRACT §2, column for column.
SPECS: dict[str, tuple[Field, ...]] = {
    "sends": _fields(
        "message_id! sent_at:ts! msisdn:msisdn! sender_id! program_id campaign_id "
        "aggregator:lower category:lower body:body segments:count price:money currency:upper "
        "price_basis:lower"
    ),
    "receipts": _fields(
        "message_id! status:upper! status_group:upper done_at:ts error_code error_text:body "
        "segments:count price:money currency:upper price_basis:lower optout:lower"
    ),
    "suppressions": _fields(
        "msisdn:msisdn! sender_id! suppressed_at:ts! aggregator:lower keyword:body action:upper"
    ),
    "mo": _fields("msisdn:msisdn! received_at:ts! text:body! short_code optout_flag:upper"),
    "consent": _fields(
        "msisdn:msisdn! program_id! status:upper! status_date:ts! consent_source evidence_ref"
    ),
    "programs": _fields("program_id! sender_id! short_code_type:lower aggregator:lower"),
    "rate_card": _fields(
        "aggregator:lower! price_per_segment:money! currency:upper! valid_from:date valid_to:date"
    ),
}

CONSENT_STATUS = {
    "OPT-IN": "OPTED-IN",
    "OPTED-IN": "OPTED-IN",
    "OPT_IN": "OPTED-IN",
    "OPTED_IN": "OPTED-IN",
    "OPT-OUT": "OPTED-OUT",
    "OPTED-OUT": "OPTED-OUT",
    "OPT_OUT": "OPTED-OUT",
    "OPTED_OUT": "OPTED-OUT",
}


# ---------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Source:
    """One input file; ``name`` is how outputs refer to it. A canonical file has one ``kind``
    (by its name's prefix); a vendor export has its ``fmt``, which says the kinds it feeds."""

    kind: str
    path: Path
    name: str
    fmt: Format | None = None

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
    header = {_norm_header(h) for h in detect.csv_header(path)}
    return all(f.name in header for f in SPECS[kind] if f.required)


def _source_for(
    path: Path, name: str, formats: Sequence[Format], chosen: Format | None
) -> Source | str:
    """The Source for one file of a folder, or why it is ignored."""
    kind = kind_of(path.name)
    if kind is not None and _supported(path.name) and _canonical_header_fits(kind, path):
        return Source(kind, path, name)
    fmt = None
    if _is_vendor_type(path.name):
        if chosen is not None and detect.matches(chosen, path):
            fmt = chosen
        else:
            fmt = detect.recognise(path, formats)
    if fmt is None and kind in PREFIX_JSON_FORMAT and _is_json(path.name):
        # The contract's receipts*.json are Infobip delivery reports, whatever fields they hold.
        fmt = next(f for f in formats if f.name == PREFIX_JSON_FORMAT[kind])
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
            if not path.is_file() or path.name.startswith("."):
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
            if not p.is_file():
                raise InputError("no such file", file=str(p))
            if _supported(p.name) and _canonical_header_fits(kind, p):
                sources.append(Source(kind, p, str(p)))
                continue
            fmt = None
            if _is_vendor_type(p.name):
                if input_format is not None and detect.matches(input_format, p):
                    fmt = input_format
                else:
                    fmt = detect.recognise(p, formats)
            if fmt is None and kind in PREFIX_JSON_FORMAT and _is_json(p.name):
                fmt = next(f for f in formats if f.name == PREFIX_JSON_FORMAT[kind])
            if fmt is not None and kind in fmt.kind_names:
                sources.append(Source(kind, p, str(p), fmt))
            elif _supported(p.name):
                sources.append(Source(kind, p, str(p)))
            else:
                raise InputError(f"unsupported file type for {kind}", file=str(p))
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


# ------------------------------------------------------------------------ file sniffing


def _open_bytes(path: Path) -> tuple[bytes, bool]:
    """The first 64 KiB (decompressed for .gz) and whether the file is gzip."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    is_gz = magic == b"\x1f\x8b"
    try:
        if is_gz:
            with gzip.open(path, "rb") as gz:
                return gz.read(65536), True
        with path.open("rb") as fh:
            return fh.read(65536), False
    except _COMPRESSION_ERRORS as exc:
        raise InputError(f"truncated or corrupt compressed file ({exc})", file=path.name) from None


@contextmanager
def _whole_file(name: str) -> Iterator[None]:
    """Reading a whole file: a gzip stream cut short or corrupt past the sniffed head is an
    input error naming the file, not an internal error."""
    try:
        yield
    except _COMPRESSION_ERRORS as exc:
        raise InputError(f"truncated or corrupt compressed file ({exc})", file=name) from None


def _check_text(head: bytes, name: str) -> None:
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError("empty file", file=name)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("binary file, not text", file=name)


def _is_utf8(path: Path, is_gz: bool) -> bool:
    """Whether the whole file decodes as UTF-8 (streamed; never the whole file in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    opener = gzip.open if is_gz else open
    try:
        with opener(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _transcode(path: Path, is_gz: bool, workdir: Path, *, utf16: bool = False) -> Path:
    """A UTF-8 copy with ``\n`` line ends of a Windows-1252, mixed, mixed-newline or UTF-16 file.

    Files edited by hand and concatenated may mix encodings and line ends: each line is
    read as UTF-8 when it is valid UTF-8, else as Windows-1252 (bytes that CP1252 leaves
    undefined fall back to Latin-1), so no byte is lost; ``\r\n`` becomes ``\n``.
    DuckDB reads neither CP1252 nor files mixing ``\n`` and ``\r\n``, and its own UTF-16
    reader silently returns no rows for big-endian or ``\r\n`` files. A UTF-16 file is
    decoded whole by its BOM; a cut-off last code unit becomes U+FFFD, so the record shows.
    """
    out = workdir / (path.name + ".utf8.csv")
    opener = gzip.open if is_gz else open
    if utf16:
        with (
            opener(path, "rb") as raw_src,
            io.TextIOWrapper(raw_src, encoding="utf-16", errors="replace", newline="") as text,
            out.open("w", encoding="utf-8", newline="") as dst,
        ):
            for chars in text:  # newline="": '\r\n' is one line end, kept as read
                dst.write(chars[:-2] + "\n" if chars.endswith("\r\n") else chars)
        return out
    with opener(path, "rb") as src, out.open("w", encoding="utf-8", newline="") as dst:
        for raw in src:
            line = raw[:-2] + b"\n" if raw.endswith(b"\r\n") else raw
            try:
                dst.write(line.decode("utf-8"))
            except UnicodeDecodeError:
                try:
                    dst.write(line.decode("cp1252"))
                except UnicodeDecodeError:
                    dst.write(line.decode("latin-1"))
    return out


def _header_and_delimiter(head_text: str, name: str) -> tuple[list[str], str]:
    """Header names and the separator (`,` `;` or tab: the most frequent in the header line)."""
    import csv

    first = head_text.lstrip("\ufeff").splitlines()[0] if head_text.strip() else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        delim = ","
    header = next(csv.reader([first], delimiter=delim))
    if not any(h.strip() for h in header):
        raise InputError("no header line", file=name, line=1)
    return header, delim


# Case-insensitive, space- and dash-tolerant header key: ``Message ID`` -> ``message_id``.
_norm_header = detect.norm_header


# ---------------------------------------------------------------------- SQL expressions

_OFFSET_RE = r"([Zz]|[+-]\d{2}(:?\d{2})?|\s*UTC)$"


def _has_offset(t: str) -> str:
    """SQL: whether trimmed text ``t`` ends with a UTC offset. The offset must follow a time
    of day: the ``-15`` that ends the date ``2026-05-15`` is a day, not an offset."""
    return f"(contains({t}, ':') AND regexp_matches({t}, '{_OFFSET_RE}'))"


def _ts_expr(t: str) -> str:
    """TIMESTAMPTZ from trimmed text ``t`` (a column, computed once); naive ones are in
    ``$assume_tz``.

    Accepts ISO 8601 with ``T`` or a space, with ``Z``/``±HH:MM``/``±HHMM``/``±HH``
    or without offset, date only, the French ``DD/MM/YYYY[ HH:MM[:SS]]`` (also with
    dashes, ``DD-MM-YYYY``, as Karix writes it) and RFC 2822
    (``Mon, 04 May 2026 08:13:24 +0000``, Twilio's dates). A naive
    time that does not exist (DST gap) stays NULL and is rejected; an ambiguous one
    (DST fold) is read as its first occurrence, like zoneinfo's ``fold=0``.
    """
    naive = vendor.naive_sql(t)
    # RFC 2822 (Twilio's API and console): 'Mon, 04 May 2026 08:13:24 +0000', or '... GMT'.
    rfc2822 = (
        f"try_strptime(regexp_replace({t}, '\\s*(GMT|UTC)$', ' +0000'), '%a, %d %b %Y %H:%M:%S %z')"
    )
    return f"""CASE
        WHEN regexp_matches({t}, '^[A-Za-z]{{3}}, ') THEN {rfc2822}
        WHEN {_has_offset(t)} THEN CASE
          WHEN ends_with({t}, 'UTC')
            THEN try_cast(regexp_replace({t}, '\\s*UTC$', 'Z') AS TIMESTAMPTZ)
          ELSE try_cast({t} AS TIMESTAMPTZ) END
        ELSE smsaudit_local_to_utc({naive})
      END"""


def _money_expr(raw: str) -> str:
    """DECIMAL from ``0.045``, ``0,045``, ``1 234,50 €``, ``1,234.50``: the last mark is decimal."""
    s = f"regexp_replace({raw}, '[\\s\\x{{a0}}\\x{{202f}}€$£]', '', 'g')"
    return f"""try_cast(CASE
        WHEN contains({s}, ',') AND contains({s}, '.') THEN
          CASE WHEN strpos(reverse({s}), ',') < strpos(reverse({s}), '.')
               THEN replace(replace({s}, '.', ''), ',', '.')
               ELSE replace({s}, ',', '') END
        ELSE replace({s}, ',', '.') END AS {schema.MONEY})"""


def _value_expr(f: Field, raw: str, src_type: str, trimmed: str | None = None) -> str:
    """Typed value of field ``f`` from source column ``raw`` of DuckDB type ``src_type``;
    ``trimmed`` names a column holding ``raw`` trimmed (NULL when blank), if there is one."""
    is_text = src_type == "VARCHAR"
    t = (trimmed or f"nullif(trim({raw}), '')") if is_text else raw
    if f.type == "ts":
        if src_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return raw
        if src_type.startswith("TIMESTAMP") or src_type == "DATE":
            return f"smsaudit_local_to_utc(CAST({raw} AS TIMESTAMP))"
        return _ts_expr(t)
    if f.type == "date":
        if not is_text:
            return f"try_cast({raw} AS DATE)"
        return (
            f"coalesce(try_cast({t} AS DATE), try_strptime({t}, '%d/%m/%Y')::DATE, "
            f"try_cast(try_cast({t} AS TIMESTAMP) AS DATE))"
        )
    if f.type == "money":
        return _money_expr(t) if is_text else f"try_cast({raw} AS {schema.MONEY})"
    if f.type == "count":
        if is_text:
            return f"try_cast(try_cast(replace({t}, ',', '.') AS DOUBLE) AS INTEGER)"
        return f"try_cast({raw} AS INTEGER)"
    if f.type == "body":
        return f"CAST({raw} AS VARCHAR)"
    if f.type == "upper":
        return f"upper(nullif(trim(CAST({raw} AS VARCHAR)), ''))"
    if f.type == "lower":
        return f"lower(nullif(trim(CAST({raw} AS VARCHAR)), ''))"
    # text, msisdn: trimmed text; integer-typed Parquet columns print without '.0'.
    return f"nullif(trim(CAST({raw} AS VARCHAR)), '')"


def _clip(text: str) -> str:
    """SQL: ``text`` cut to VALUE_MAX characters, marked with '…' when cut.

    ``rejected_rows.value`` shows what was refused; it must never copy a 50 MB body.
    """
    return (
        f"CASE WHEN length({text}) > {VALUE_MAX} "
        f"THEN left({text}, {VALUE_MAX - 1}) || '…' ELSE {text} END"
    )


def _naive_expr(col: str, src_type: str, trimmed: str | None) -> str:
    """SQL: 1 when source column ``col`` holds a timestamp without offset, else 0;
    ``trimmed`` names the column holding a text ``col`` trimmed (NULL when blank)."""
    if src_type != "VARCHAR" or trimmed is None:  # TIMESTAMP or DATE: naive by type
        return f"CASE WHEN {col} IS NULL THEN 0 ELSE 1 END"
    return f"CASE WHEN {trimmed} IS NOT NULL AND NOT {_has_offset(trimmed)} THEN 1 ELSE 0 END"


def _literal(text: str) -> str:
    """A SQL string literal (for views, which take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _quote(ident: str) -> str:
    """A DuckDB identifier, quoted; used only for column names read from a file's header."""
    return '"' + ident.replace('"', '""') + '"'


# ------------------------------------------------------------------------------ staging


@dataclass
class LoadReport:
    """What the loaders saw: files per kind, names ignored, naive timestamps read."""

    sources: list[Source] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    kinds_present: set[str] = field(default_factory=set)
    naive_timestamps: int = 0
    assume_tz: str = "Europe/Paris"

    def has(self, kind: str) -> bool:
        """Whether at least one file of ``kind`` was given."""
        return kind in self.kinds_present


def _first_line_is_json(head: bytes) -> bool:
    """Whether the file's first non-blank line is a whole JSON value (one report per line)."""
    first = next((ln for ln in head.decode("utf-8", "replace").splitlines() if ln.strip()), "")
    try:
        json.loads(first)
    except ValueError:
        return False
    return True


def _json_error(src: Source, exc: duckdb.Error) -> InputError:
    """A malformed JSON document, located by Python's parser (DuckDB's line is unreliable)."""
    if src.path.stat().st_size <= JSON_LOCATE_MAX:
        try:
            json.loads(src.path.read_text(encoding="utf-8", errors="replace"))
        except json.JSONDecodeError as err:
            return InputError(
                f"malformed JSON ({err.msg}, character {err.colno})",
                file=src.name,
                line=err.lineno,
            )
    return InputError(f"malformed JSON ({_first_line(exc)})", file=src.name)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Stager:
    """Stages each input file as one temp table: ``line``, then per canonical column its
    typed value and its raw text (for error reports). Also counts rows read per file and
    keeps the records the CSV reader itself refused."""

    def __init__(self, con: duckdb.DuckDBPyConnection, workdir: Path) -> None:
        self.con = con
        self.workdir = workdir
        self.n = 0
        con.execute(
            "CREATE OR REPLACE TEMP TABLE files_read "
            "(input_file VARCHAR, kind VARCHAR, ord INTEGER, rows_read BIGINT)"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE malformed_rows "
            "(input_file VARCHAR, line BIGINT, value VARCHAR, reason VARCHAR)"
        )

    def stage(self, src: Source) -> list[tuple[str, str, str]]:
        """Stage one file: (kind, staged table, role) for each kind it feeds."""
        self.n += 1
        base = f"stg_{self.n}"
        low = src.path.name.lower()
        staged: list[tuple[str, str, str]]
        try:
            if src.fmt is not None:
                staged, counted = self._vendor(src, base)
            else:
                # Parquet and CSV are staged as views: their rows are copied once, later, into
                # the canonical table.
                sql = self._parquet(src) if low.endswith(".parquet") else self._csv(src, base)
                self.con.execute(
                    f"CREATE TEMP VIEW {base} AS SELECT {_literal(src.name)} AS input_file, * "
                    f"FROM ({sql})"
                )
                staged, counted = [(src.kind, base, "rows")], base
        except duckdb.Error as exc:
            raise InputError(_first_line(exc), file=src.name) from None
        self.con.execute(
            f"""INSERT INTO files_read SELECT $f, $k, $o,
                (SELECT count(*) FROM {counted})
                + (SELECT count(*) FROM malformed_rows WHERE input_file = $f)""",
            {"f": src.name, "k": src.label, "o": self.n},
        )
        return staged

    def _vendor(self, src: Source, base: str) -> tuple[list[tuple[str, str, str]], str]:
        """A vendor export: its records once (a table or the raw CSV), then one view per kind
        it feeds, with the canonical columns as text (``ingest.vendor``)."""
        fmt = src.fmt
        assert fmt is not None
        if fmt.reader == "json":
            source = self._json_records(src, base)
            resolve = vendor.json_resolver("r")
        else:
            header = self._csv_raw(src, base)
            source = f"{base}_raw"
            resolve = vendor.csv_resolver(
                header, [f"c{i}" for i in range(len(header))], _norm_header
            )
        staged = []
        for kmap in fmt.kinds:
            restrict = None
            if kmap.role == "also":
                # The same records, once the other kind has kept them: evaluated when this
                # kind is loaded, after that kind's canonical table exists.
                target = schema.KIND_TABLE[kmap.of or ""]
                restrict = (
                    f"line IN (SELECT line FROM {target} WHERE input_file = {_literal(src.name)})"
                )
            inner, filled = vendor.kind_select(fmt, kmap, source, resolve, restrict=restrict)
            missing = [f.name for f in SPECS[kmap.kind] if f.required and f.name not in filled]
            if missing:
                if kmap.role == "also":
                    continue  # this file's records do not carry that kind (e.g. inbound only)
                raise InputError(
                    f"missing required column {missing[0]} for {kmap.kind} "
                    f"(format {fmt.name}: {kmap.fields.get(missing[0], 'not mapped')})",
                    file=src.name,
                    column=kmap.fields.get(missing[0], missing[0]).split("|")[0],
                )
            ksrc = Source(kmap.kind, src.path, src.name, fmt)
            sql = self._select(
                ksrc, inner, {c: c for c in filled}, dict.fromkeys(filled, "VARCHAR")
            )
            table = f"{base}_{kmap.kind}"
            self.con.execute(
                f"CREATE TEMP VIEW {table} AS SELECT {_literal(src.name)} AS input_file, * "
                f"FROM ({sql})"
            )
            staged.append((kmap.kind, table, kmap.role))
        for counted in (
            vendor.unclaimed_select(fmt, source, resolve),
            *(vendor.merged_parts_select(k, source, resolve) for k in fmt.kinds),
        ):
            if counted:
                self.con.execute(
                    f"INSERT INTO out_of_scope_rows SELECT $f, reason, rows FROM ({counted}) "
                    "WHERE rows > 0 ORDER BY reason",
                    {"f": src.name},
                )
        return staged, source

    def _select(
        self,
        src: Source,
        inner: str,
        columns: Mapping[str, str],
        types: Mapping[str, str],
    ) -> str:
        """Typed and raw canonical columns from ``inner`` (columns: canonical -> source column)."""
        parts = ["line"]
        naive = []
        # Text parsed by several expressions is trimmed once, in an inner projection:
        # DuckDB would evaluate the same trim() again in every branch that names it.
        parsed = ("ts", "date", "money", "count")
        trims = {
            columns[f.name]: f"{columns[f.name]}__t"
            for f in SPECS[src.kind]
            if f.type in parsed and f.name in columns and types[columns[f.name]] == "VARCHAR"
        }
        if trims:
            pre = ", ".join(
                f"nullif(trim({_quote(c)}), '') AS {_quote(a)}" for c, a in trims.items()
            )
            inner = f"SELECT *, {pre} FROM ({inner})"
        for f in SPECS[src.kind]:
            if f.name in columns:
                col = _quote(columns[f.name])
                src_type = types[columns[f.name]]
                trimmed = _quote(trims[columns[f.name]]) if columns[f.name] in trims else None
                parts.append(f"{_value_expr(f, col, src_type, trimmed)} AS {f.name}")
                # As read: made text only where a check or a rejected row needs it (turning
                # 20M typed timestamps into text costs a second of CPU per 10M rows).
                parts.append(f"{col} AS {f.name}__raw")
                if f.type == "ts" and not src_type.startswith("TIMESTAMP WITH TIME ZONE"):
                    naive.append(_naive_expr(col, src_type, trimmed))
            else:
                parts.append(f"NULL AS {f.name}")
                parts.append(f"NULL::VARCHAR AS {f.name}__raw")
        # Timestamps read without an offset (in --assume-tz), counted per row; a typed
        # TIMESTAMPTZ column has none, and costs nothing here.
        parts.append(f"{' + '.join(naive) if naive else '0'} AS naive__n")
        return f"SELECT {', '.join(parts)} FROM ({inner})"

    @staticmethod
    def _map_columns(src: Source, names: Sequence[str]) -> dict[str, str]:
        """canonical name -> source column; a missing required column is an error."""
        by_key: dict[str, str] = {}
        for n in names:
            by_key.setdefault(_norm_header(n), n)
        spec = SPECS[src.kind]
        mapping = {f.name: by_key[f.name] for f in spec if f.name in by_key}
        missing = [f.name for f in spec if f.required and f.name not in mapping]
        if missing:
            # No known name at all: most likely a file without a header line.
            hint = "" if mapping else " (no known column name: is the header line missing?)"
            raise InputError(
                f"missing required column {', '.join(missing)} for {src.kind}{hint}",
                file=src.name,
                line=None if src.name.lower().endswith(".parquet") else 1,
                column=missing[0],
            )
        return mapping

    def _parquet(self, src: Source) -> str:
        try:
            desc = self.con.execute(
                "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($p))",
                {"p": str(src.path)},
            ).fetchall()
        except duckdb.Error as exc:
            # DuckDB's message repeats the full path; the file's name says enough.
            why = _first_line(exc).replace(str(src.path), src.name)
            raise InputError(f"not a readable Parquet file ({why})", file=src.name) from None
        names = [str(n) for n, _ in desc]
        # The file's own columns are read under our names c0, c1, ... so that a column called
        # ``line``, ``input_file`` or ``rec`` cannot shadow ours.
        ours = {n: f"c{i}" for i, n in enumerate(names)}
        mapping = {canon: ours[n] for canon, n in self._map_columns(src, names).items()}
        types = {ours[str(n)]: str(t) for n, t in desc}
        cols = "".join(f", {_quote(n)} AS {ours[n]}" for n in names if ours[n] in mapping.values())
        if "file_row_number" in {n.lower() for n in names}:
            # DuckDB refuses file_row_number=true when the file has a column of that name.
            scan = "read_parquet($p) WITH ORDINALITY AS t"
            line = f"#{len(names) + 1}"
        else:
            scan, line = "read_parquet($p, file_row_number=true)", "file_row_number + 1"
        inner = f"SELECT {line} AS line{cols} FROM {scan}"
        return self._select(src, inner, mapping, types).replace("$p", _literal(str(src.path)))

    def _json_records(self, src: Source, base: str) -> str:
        """Table ``{base}_rec`` (line, r): the records of a JSON file, each once.

        Records sit under an envelope key (``{"results": [...]}``, ``messages``, ``events``...:
        one document, or one per line as webhooks post them), in a bare array, or one per
        line. ``line`` is the record's position in a single document, else its line.
        """
        head, _ = _open_bytes(src.path)
        _check_text(head, src.name)
        envelope = " ".join(
            f"WHEN json_exists(json, '$.{key}') THEN json_extract(json, '$.{key}[*]')"
            for key in ENVELOPES
        )
        inner = f"""
          WITH docs AS (
            SELECT json, row_number() OVER () AS doc,
                   CASE {envelope} END AS recs
            FROM read_json_objects($p, format='auto')
          ), n AS (SELECT count(*) AS n_docs FROM docs)
          SELECT CASE WHEN n.n_docs = 1 THEN u.ord ELSE d.doc END AS line, u.r
          FROM docs d, n, unnest(d.recs) WITH ORDINALITY AS u(r, ord)
          WHERE d.recs IS NOT NULL
          UNION ALL
          SELECT doc AS line, json AS r FROM docs WHERE recs IS NULL"""
        table = f"{base}_rec"
        try:
            self.con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT * FROM ({inner}) ORDER BY line",
                {"p": str(src.path)},
            )
        except duckdb.Error as exc:
            if not _first_line_is_json(head):
                raise _json_error(src, exc) from None
            # One record per line (webhook logs): a broken line, typically the last one of a
            # log cut off mid-write, is a rejected row; the other lines still count.
            self._json_lines(src, base, envelope)
        return table

    def _json_lines(self, src: Source, base: str, envelope: str) -> None:
        """Records of a one-per-line JSON file; lines that are not JSON go to malformed_rows."""
        con = self.con
        try:
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE {base}_lines AS
                    SELECT ord AS line, txt, json_valid(txt) AS ok FROM (
                      SELECT u.ord, rtrim(u.l, chr(13)) AS txt
                      FROM read_text($p) t,
                           unnest(string_split(t.content, chr(10))) WITH ORDINALITY AS u(l, ord)
                    ) WHERE trim(txt) <> ''""",
                {"p": str(src.path)},
            )
        except duckdb.Error as exc:
            raise InputError(f"unreadable JSON ({_first_line(exc)})", file=src.name) from None
        con.execute(
            f"""INSERT INTO malformed_rows SELECT $f, line, {_clip("txt")}, 'malformed JSON record'
                FROM {base}_lines WHERE NOT ok ORDER BY line""",
            {"f": src.name},
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {base}_rec AS
              WITH docs AS (
                SELECT line, json, CASE {envelope} END AS recs
                FROM (SELECT line, txt::JSON AS json FROM {base}_lines WHERE ok)
              )
              SELECT d.line, u.r FROM docs d, unnest(d.recs) AS u(r) WHERE d.recs IS NOT NULL
              UNION ALL
              SELECT line, json AS r FROM docs WHERE recs IS NULL
              ORDER BY line"""
        )

    def _csv(self, src: Source, table: str) -> str:
        """A canonical CSV: its raw records, then the canonical columns by header name."""
        header = self._csv_raw(src, table)
        names = [f"c{i}" for i in range(len(header))]
        mapping = {
            canon: names[header.index(h)] for canon, h in self._map_columns(src, header).items()
        }
        types = dict.fromkeys(names, "VARCHAR")
        inner = f"SELECT * EXCLUDE (rec, nl) FROM {table}_raw"
        return self._select(src, inner, mapping, types)

    def _csv_raw(self, src: Source, table: str) -> list[str]:
        """Table ``{table}_raw``: every record of a CSV file as text columns ``c0``…, with its
        physical ``line``; refused records go to malformed_rows. Returns the header."""
        head, is_gz = _open_bytes(src.path)
        _check_text(head, src.name)
        path = src.path
        with _whole_file(src.name):
            utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            if not utf16 and _is_utf8(path, is_gz):
                text = head.decode("utf-8", errors="ignore")
            else:
                path = _transcode(path, is_gz, self.workdir, utf16=utf16)
                with path.open(encoding="utf-8") as fh:
                    text = fh.read(65536)
        header, delim = _header_and_delimiter(text, src.name)
        names = [f"c{i}" for i in range(len(header))]
        params = {"p": str(path), "delim": delim}
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in names) + "}"  # our own names
        reader = (
            "read_csv($p, header=true, delim=$delim, quote='\"', escape='\"', "
            f"columns={columns}, encoding='utf-8', store_rejects=true, "
            f"rejects_table='{table}_rej', rejects_scan='{table}_scan', "
            "max_line_size=100000000, null_padding=false, auto_detect=false)"
        )
        nl = " + ".join(
            f"(length(coalesce({c}, '')) - length(replace(coalesce({c}, ''), chr(10), '')))"
            for c in names
        )
        create = (
            f"CREATE OR REPLACE TEMP TABLE {table}_raw AS "
            f"SELECT *, row_number() OVER () AS rec, {nl} AS nl FROM {reader}"
        )
        try:
            self.con.execute(create, params)
        except duckdb.Error as exc:
            if path != src.path:
                raise InputError(f"unreadable CSV ({_first_line(exc)})", file=src.name) from None
            # Mixed line ends trip DuckDB's parser: retry once on a normalised copy.
            with _whole_file(src.name):
                params["p"] = str(_transcode(src.path, is_gz, self.workdir))
            try:
                self.con.execute(f"DROP TABLE IF EXISTS {table}_rej")
                self.con.execute(create, params)
            except duckdb.Error as exc2:
                raise InputError(f"unreadable CSV ({_first_line(exc2)})", file=src.name) from None
        self._csv_lines(src, table)
        return header

    def _csv_lines(self, src: Source, table: str) -> None:
        """Give every record of ``{table}_raw`` its physical line; keep the refused records.

        DuckDB numbers records (header = 1) and skips those it refuses; a record's physical
        line also counts the newlines quoted inside every earlier record.
        """
        con, raw, rej = self.con, f"{table}_raw", f"{table}_rej"
        n_rej = con.execute(f"SELECT count(*) FROM {rej}").fetchone()
        n_nl = con.execute(f"SELECT coalesce(max(nl), 0) FROM {raw}").fetchone()
        if not (n_rej and n_rej[0]) and not (n_nl and n_nl[0]):
            con.execute(f"ALTER TABLE {raw} ADD COLUMN line BIGINT")
            con.execute(f"UPDATE {raw} SET line = rec + 1")
            return
        # Record positions: a refused record at DuckDB line L sits at position L - 1; a good
        # record ranked r sits after r - 1 good ones and every refused one with fewer before.
        con.execute(
            f"""CREATE TEMP TABLE {table}_pos AS
                WITH r AS (
                  -- the reader may log several errors for one record: keep one per line
                  -- after a CRLF, DuckDB keeps the previous line's LF at the record's start
                  SELECT line - 1 AS pos,
                         trim(any_value(csv_line), chr(13) || chr(10)) AS csv_line,
                         min(error_message) AS error_message
                  FROM {rej} GROUP BY line
                ), j AS (SELECT *, row_number() OVER (ORDER BY pos) AS j FROM r),
                good AS (
                  SELECT g.rec, g.rec + coalesce(b.j, 0) AS pos, g.nl
                  FROM {raw} g ASOF LEFT JOIN
                    (SELECT pos - j AS good_before, max(j) AS j FROM j GROUP BY ALL) b
                    ON g.rec > b.good_before
                ), allrec AS (
                  SELECT rec, pos, nl, NULL AS txt, NULL AS msg FROM good
                  UNION ALL
                  SELECT NULL, pos,
                         length(csv_line) - length(replace(csv_line, chr(10), '')),
                         csv_line, error_message FROM j
                )
                SELECT rec, txt, msg, 1 + pos + coalesce(sum(nl) OVER (ORDER BY pos
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS line
                FROM allrec"""
        )
        con.execute(
            f"""INSERT INTO malformed_rows SELECT $f, line, {_clip("txt")},
                'malformed CSV record: ' || msg FROM {table}_pos WHERE rec IS NULL ORDER BY line""",
            {"f": src.name},
        )
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {raw} AS
                SELECT g.*, p.line FROM {raw} g JOIN {table}_pos p USING (rec)"""
        )


# -------------------------------------------------------------------------- validation


def _raw_text(name: str) -> str:
    """SQL: the staged value of canonical column ``name`` as read, as text (a typed Parquet
    column is turned into text here, only for the rows whose check or report needs it)."""
    return f"CAST({name}__raw AS VARCHAR)"


def _checks(kind: str) -> list[tuple[str, str, str]]:
    """(column, SQL condition making the row unusable, SQL reason), in order: first wins."""
    out: list[tuple[str, str, str]] = []
    unreadable = {
        "ts": "'unreadable timestamp'",
        "date": "'unreadable date'",
        "money": "'not a number'",
        "count": "'not a whole number'",
    }
    for f in SPECS[kind]:
        if f.type == "ts":
            raw = _raw_text(f.name)
            gap = (
                f"{f.name} IS NULL AND NOT {_has_offset(f'trim({raw})')} "
                f"AND try_cast(trim({raw}) AS TIMESTAMP) IS NOT NULL"
            )
            out.append((f.name, gap, "'local time that does not exist (DST change) in ' || $tz"))
        if f.type in unreadable:
            cond = f"{f.name} IS NULL AND nullif(trim({_raw_text(f.name)}), '') IS NOT NULL"
            out.append((f.name, cond, unreadable[f.type]))
        if f.required:
            out.append((f.name, f"{f.name} IS NULL", "'missing value'"))
        if f.type == "money":
            out.append((f.name, f"{f.name} < 0", "'negative amount'"))
        if f.type == "count":
            out.append((f.name, f"{f.name} < 1", "'segments must be at least 1'"))
        if f.type == "msisdn":
            out.append((f.name, "ph_status = 'invalid'", "'invalid phone number: ' || ph_reason"))
    if kind == "sends":
        out.append(
            (
                "category",
                "category NOT IN ('marketing', 'transactional')",
                "'unknown category (expected marketing or transactional)'",
            )
        )
    if kind == "consent":
        out.append(("status", "status_norm IS NULL", "'unknown consent status'"))
    if kind == "programs":
        out.append(
            (
                "short_code_type",
                "short_code_type NOT IN ('shared', 'dedicated')",
                "'unknown short_code_type (expected shared or dedicated)'",
            )
        )
    if kind == "rate_card":
        out.append(("valid_to", "valid_to < valid_from", "'valid_to before valid_from'"))
    if kind == "suppressions":
        out.append(
            (
                "action",
                "action NOT IN ('BLOCK', 'UNBLOCK')",
                "'unknown action (expected BLOCK or UNBLOCK)'",
            )
        )
    if kind in ("sends", "receipts"):
        out.append(
            (
                "price_basis",
                "price_basis NOT IN ('segment', 'message')",
                "'unknown price_basis (expected segment or message)'",
            )
        )
    return out


def load(
    con: duckdb.DuckDBPyConnection,
    sources: Sequence[Source],
    *,
    assume_tz: str = "Europe/Paris",
    territories: Iterable[str] | None = None,
    ignored: Sequence[str] = (),
    period: tuple[date | None, date | None] = (None, None),
) -> LoadReport:
    """Load ``sources`` into the canonical tables, ``rejected_rows`` and ``row_accounting``.

    ``period`` (first day, last day; inclusive, Paris calendar days, None = open) limits
    the sends audited; the others count out of scope. Consent, STOPs and suppressions are
    history and are always read whole.
    """
    report = LoadReport(sources=list(sources), ignored=list(ignored), assume_tz=assume_tz)
    _set_period(con, period)
    allowed = sorted(set(territories) if territories else set(schema.TERRITORY_CLOCKS))
    unknown = set(allowed) - set(schema.TERRITORY_CLOCKS)
    if unknown:
        raise InputError(
            f"unknown territories {', '.join(sorted(unknown))} "
            f"(known: {', '.join(schema.TERRITORY_CLOCKS)})"
        )
    _install_macros(con, assume_tz)
    schema.create_all_empty(con)
    con.execute(schema.ddl("rejected_rows", schema.REJECTED_ROWS))
    con.execute(schema.ddl("row_accounting", schema.ROW_ACCOUNTING))
    con.execute(
        "CREATE OR REPLACE TABLE out_of_scope_rows "
        "(input_file VARCHAR, reason VARCHAR, rows BIGINT)"
    )
    with tempfile.TemporaryDirectory(prefix="smsaudit-") as tmp:
        stager = _Stager(con, Path(tmp))
        staged: dict[str, list[tuple[str, int]]] = {}
        # Kinds that a vendor record gives besides the kind it is counted as (role "also").
        also: dict[str, list[str]] = {}
        for src in sources:
            for kind, table, role in stager.stage(src):
                staged.setdefault(kind, []).append((table, stager.n))
                if role == "also":
                    also.setdefault(kind, []).append(src.name)
    report.kinds_present = set(staged)
    _normalise_numbers(con, staged)
    for kind in KINDS:  # sends first: a receipt is in scope only for a known send
        if kind in staged:
            report.naive_timestamps += _finish_kind(
                con, kind, staged[kind], allowed, assume_tz, also.get(kind, [])
            )
    con.execute(
        """CREATE OR REPLACE TABLE rejected_rows AS
           SELECT r.* FROM (
             SELECT * FROM rejected_rows
             UNION ALL SELECT input_file, line, NULL, value, reason FROM malformed_rows
           ) r JOIN files_read f USING (input_file) ORDER BY f.ord, r.line"""
    )
    _account(con, also)
    _drop_working_tables(con)
    return report


def _drop_working_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Drop what only loading needed (staged files, the phone map): at 20M sends these hold
    gigabytes that every later statement would otherwise have to spill around."""
    views = con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary AND starts_with(view_name, 'stg_')"
    ).fetchall()
    for (name,) in views:
        con.execute(f"DROP VIEW {_quote(name)}")
    tables = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND (starts_with(table_name, "
        "'stg_') OR table_name IN ('phone_raw', 'files_read', 'malformed_rows'))"
    ).fetchall()
    for (name,) in tables:
        con.execute(f"DROP TABLE {_quote(name)}")
    con.execute("DROP TABLE IF EXISTS phone_lookup")


def _set_period(con: duckdb.DuckDBPyConnection, period: tuple[date | None, date | None]) -> None:
    """The audited period as a one-row table of UTC bounds, half-open ``[start, end)``."""
    first, last = period
    if first and last and last < first:
        raise InputError(f"the period ends ({last}) before it starts ({first})")
    paris = ZoneInfo(PERIOD_TZ)
    start = datetime.combine(first, time(), paris) if first else None
    end = datetime.combine(last + timedelta(days=1), time(), paris) if last else None
    con.execute(
        "CREATE OR REPLACE TEMP TABLE audit_period AS "
        "SELECT $start::TIMESTAMPTZ AS period_start, $end::TIMESTAMPTZ AS period_end",
        {"start": start, "end": end},
    )


def _install_macros(con: duckdb.DuckDBPyConnection, assume_tz: str) -> None:
    try:
        con.execute("SELECT timezone($tz, TIMESTAMP '2000-01-01')", {"tz": assume_tz})
    except duckdb.Error:
        raise InputError(f"unknown time zone {assume_tz!r} for --assume-tz") from None
    tz = assume_tz.replace("'", "''")  # checked above to be a real zone name
    # local -> UTC: the first occurrence of an ambiguous time; NULL in a DST gap.
    con.execute(
        f"""CREATE OR REPLACE TEMP MACRO smsaudit_local_to_utc(ts) AS (
            CASE
              WHEN ts IS NULL THEN NULL
              WHEN timezone('{tz}', timezone('{tz}', ts)) <> ts THEN NULL
              WHEN timezone('{tz}', timezone('{tz}', ts) - INTERVAL 1 HOUR) = ts
                THEN timezone('{tz}', ts) - INTERVAL 1 HOUR
              ELSE timezone('{tz}', ts) END)"""
    )


def _normalise_numbers(
    con: duckdb.DuckDBPyConnection, staged: Mapping[str, list[tuple[str, int]]]
) -> None:
    """One phone map for every distinct spelling in every input (each number decided once):
    table ``phone_lookup``."""
    selects = [
        f"SELECT msisdn FROM {t}"
        for kind, tables in staged.items()
        if any(f.type == "msisdn" for f in SPECS[kind])
        for t, _ in tables
    ]
    # One DISTINCT over all the files, not one per file and another for their UNION.
    every = " UNION ALL ".join(selects) if selects else "SELECT NULL::VARCHAR AS msisdn"
    con.execute(
        "CREATE OR REPLACE TEMP TABLE phone_raw AS "
        f"SELECT DISTINCT msisdn AS raw FROM ({every}) WHERE msisdn IS NOT NULL"
    )
    phone.normalize_numbers(con, "phone_raw", "phone_lookup", already_distinct=True)
    con.execute("DROP TABLE phone_raw")
    # The loaders read four columns of the map besides its key: without the others, the hash
    # table of millions of spellings they join to is smaller. Dropping a column does not copy
    # the rest. (A 64-bit hash of the spelling would make a smaller key still, but DuckDB's
    # string hash collides on spellings such as '+33 6 12 20 57 23' and '+33 6 19 20 57 73':
    # 77 pairs among 1.1M numbers.)
    for column in sorted(set(phone.MAP_COLUMNS) - {"raw", "e164", "territory", "status", "reason"}):
        con.execute(f"ALTER TABLE phone_lookup DROP COLUMN {column}")


def _finish_kind(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    tables: Sequence[tuple[str, int]],
    allowed: Sequence[str],
    tz: str,
    also_files: Sequence[str] = (),
) -> int:
    """Sort the staged rows of one kind into used / rejected / out of scope.

    Every row is copied once, into a work table holding the canonical columns and its
    verdict (why rejected, why out of scope). The few rejected and out-of-scope rows are
    then reported and deleted, the verdict columns dropped, and the work table becomes the
    canonical one: no second copy of millions of rows. Returns how many timestamps were
    read without an offset (in ``--assume-tz``).
    """
    target = schema.KIND_TABLE[kind]
    work = f"loading_{kind}"
    types = _dictionary_types(con, kind, [t for t, _ in tables])
    for i, (table, ord_) in enumerate(tables):
        select = _verdict_select(kind, table, ord_, allowed, types)
        params = {"tz": tz} if "$tz" in select else None
        if i == 0:
            con.execute(f"CREATE OR REPLACE TABLE {work} AS {select}", params)
        else:
            con.execute(f"INSERT INTO {work} {select}", params)
    if kind == "sends":
        _reject_duplicate_sends(con, work)
    if kind == "receipts":
        _scope_receipts(con, work)
    con.execute(
        f"""INSERT INTO rejected_rows
            SELECT input_file, line, rej_column, rej_value, rej_reason
            FROM {work} WHERE rej_reason IS NOT NULL ORDER BY file_ord, line"""
    )
    # The records a vendor file counted as another kind (a Twilio row's delivery status) are
    # out of scope here without being a row of their own: they are not counted twice.
    not_also = (
        f"AND input_file NOT IN ({', '.join(_literal(f) for f in also_files)})"
        if also_files
        else ""
    )
    con.execute(
        f"""INSERT INTO out_of_scope_rows
            SELECT input_file, out_reason, count(*) FROM {work}
            WHERE rej_reason IS NULL AND out_reason IS NOT NULL {not_also}
            GROUP BY ALL ORDER BY ALL"""
    )
    row = con.execute(f"SELECT sum(naive__n) FROM {work} WHERE rej_reason IS NULL").fetchone()
    con.execute(f"DELETE FROM {work} WHERE rej_reason IS NOT NULL OR out_reason IS NOT NULL")
    for column in _VERDICT_COLUMNS:
        con.execute(f"ALTER TABLE {work} DROP COLUMN {column}")
    con.execute(f"DROP TABLE {target}")
    con.execute(f"ALTER TABLE {work} RENAME TO {target}")
    for name in types.values():  # the columns keep their types; the names are not needed
        con.execute(f"DROP TYPE {name}")
    return int(row[0]) if row and row[0] else 0


# Columns of the work table beside the canonical ones (dropped once the rows are sorted).
_VERDICT_COLUMNS = ("file_ord", "rej_column", "rej_value", "rej_reason", "out_reason", "naive__n")


# Text columns whose values repeat in bulk traffic (a campaign's sender, body, category; a
# receipt's status). Stored as an ENUM of the values present, each takes 1-4 bytes a row
# instead of a string: at 20M sends the bodies alone are 1.2 GB as strings, which pushes
# every later step into spilling. A column with too many distinct values (personalised
# bodies, say) stays text. ENUM columns compare, join and print like text.
DICTIONARY_COLUMNS: dict[str, tuple[str, ...]] = {
    "sends": (
        "sender_id",
        "program_id",
        "campaign_id",
        "aggregator",
        "category",
        "body",
        "currency",
        "input_file",
    ),
    "receipts": ("status", "status_group", "error_code", "error_text", "currency", "input_file"),
}
# At most this many distinct values, and at most one per DICTIONARY_RATIO rows.
DICTIONARY_MAX = 1 << 20
DICTIONARY_RATIO = 16


def _dictionary_types(
    con: duckdb.DuckDBPyConnection, kind: str, tables: Sequence[str]
) -> dict[str, str]:
    """Create an ENUM type per dictionary column of ``kind`` worth it; column -> type name.

    The values are those of the canonical expression over every staged file, so each row's
    value is in its column's type; they are in text order, so that ORDER BY sorts an ENUM
    column as it would sort the text. The types are dropped once the table exists (its
    columns keep them).
    """
    exprs = _canonical_exprs(kind)
    cols = [c for c in DICTIONARY_COLUMNS.get(kind, ()) if c in exprs]
    if not cols:
        return {}
    union = " UNION ALL ".join(
        f"SELECT {', '.join(f'{exprs[c]} AS {c}' for c in cols)} FROM {t}" for t in tables
    )
    row = con.execute(
        f"SELECT count(*), {', '.join(f'approx_count_distinct({c})' for c in cols)} FROM ({union})"
    ).fetchone()
    assert row is not None
    limit = min(DICTIONARY_MAX, max(256, row[0] // DICTIONARY_RATIO))
    types = {}
    for column, approx in zip(cols, row[1:], strict=True):
        if approx > limit:
            continue
        name = f"smsaudit_{kind}_{column}"
        con.execute(f"DROP TYPE IF EXISTS {name}")
        values = " UNION ALL ".join(f"SELECT {exprs[column]} AS v FROM {t}" for t in tables)
        con.execute(
            f"CREATE TYPE {name} AS ENUM "
            f"(SELECT DISTINCT CAST(v AS VARCHAR) AS v FROM ({values}) WHERE v IS NOT NULL "
            "ORDER BY v)"
        )
        types[column] = name
    return types


def _verdict_select(
    kind: str, table: str, ord_: int, allowed: Sequence[str], types: Mapping[str, str]
) -> str:
    """The canonical columns of one staged file, then each row's verdict.

    Checks come first (``rej_*``: the first failing check wins); a usable row may still be
    out of scope (``out_reason``). Receipts' scope also depends on other rows (their send,
    a later report): ``_scope_receipts`` completes it.
    """
    has_phone = any(f.type == "msisdn" for f in SPECS[kind])
    derived = ""
    if kind == "consent":
        cases = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in CONSENT_STATUS.items())
        derived = f", CASE replace(status, ' ', '') {cases} END AS status_norm"
    # The clock follows from the territory: not carrying it through the join keeps the hash
    # table of millions of spellings smaller.
    clock = " ".join(f"WHEN '{t}' THEN '{z}'" for t, z in schema.TERRITORY_CLOCKS.items())
    looked_up, join = "", ""  # columns found in another table, and the join that finds them
    if has_phone:
        looked_up = (
            f", ph.e164, ph.territory AS ph_territory, CASE ph.territory {clock} END AS ph_tz, "
            "ph.status AS ph_status, ph.reason AS ph_reason"
        )
        join = "LEFT JOIN phone_lookup ph ON ph.raw = s.msisdn"
    if kind == "receipts":
        # In scope only for a send in scope: known while the row is copied, in the same pass.
        looked_up = ", sent.message_id IS NULL AS no_send"
        join = "LEFT JOIN (SELECT message_id FROM sends) AS sent USING (message_id)"
    checks = _checks(kind)
    # The conditions are evaluated once per row, giving the number of the first that fails;
    # column, value and reason then follow from that number (only for the failing rows).
    first = " ".join(f"WHEN {c} THEN {i}" for i, (_, c, _) in enumerate(checks, 1))
    col = " ".join(f"WHEN {i} THEN '{n}'" for i, (n, _, _) in enumerate(checks, 1))
    val = " ".join(f"WHEN {i} THEN {_raw_text(n)}" for i, (n, _, _) in enumerate(checks, 1))
    why = " ".join(f"WHEN {i} THEN {r}" for i, (_, _, r) in enumerate(checks, 1))
    return f"""
        WITH s AS (SELECT * {derived} FROM {table}),
        j AS (SELECT s.*{looked_up} FROM s {join}),
        f AS (SELECT *, CASE {first} END AS rej_no FROM j),
        v AS (SELECT *, CASE rej_no {col} END AS rej_column, CASE rej_no {val} END AS rej_value,
                     CASE rej_no {why} END AS rej_reason FROM f)
        SELECT {_canonical_select(kind, types)}, {ord_} AS file_ord, rej_column,
               {_clip("rej_value")} AS rej_value, rej_reason,
               CASE WHEN rej_reason IS NULL THEN {_scope_case(kind, has_phone, allowed)} END
                 AS out_reason,
               naive__n
        FROM v"""


def _repeated_ids(work: str, where: str) -> str:
    """SQL (a FROM item): the rows of ``work`` matching ``where`` whose message_id may repeat.

    Repeats are rare: candidates are the rows whose 64-bit hash of message_id repeats (a
    grouping on one integer column, far lighter than on millions of strings). Callers then
    rank the few candidates by their actual message_id, so a hash collision merely adds a
    candidate ranked alone. ``rid`` is the row's rowid, for the update that follows.
    """
    return f"""(SELECT rowid AS rid, hash(message_id) AS h, * FROM {work} WHERE {where}) AS u
        SEMI JOIN (SELECT hash(message_id) AS h FROM {work} WHERE {where}
                   GROUP BY h HAVING count(*) > 1) AS m USING (h)"""


def _reject_duplicate_sends(con: duckdb.DuckDBPyConnection, work: str) -> None:
    """A message_id seen again: the first usable occurrence (file order, line) is kept;
    the later ones are ranked among :func:`_repeated_ids` and updated in place."""
    con.execute(
        f"""UPDATE {work} AS s SET
             rej_column = 'message_id',
             rej_value = {_clip("s.message_id")},
             rej_reason = 'duplicate message_id (first at ' || d.f0 || ' line ' || d.l0 || ')',
             out_reason = NULL
           FROM (
             SELECT rid, row_number() OVER w AS dup_rank,
                    first_value(input_file) OVER w AS f0, first_value(line) OVER w AS l0
             FROM {_repeated_ids(work, "rej_reason IS NULL")}
             WINDOW w AS (PARTITION BY message_id ORDER BY file_ord, line)
           ) AS d
           WHERE d.dup_rank > 1 AND s.rowid = d.rid"""
    )


def _scope_receipts(con: duckdb.DuckDBPyConnection, work: str) -> None:
    """Only the latest report of a message counts: the others, ranked among
    :func:`_repeated_ids`, are out of scope."""
    con.execute(
        f"""UPDATE {work} AS r SET out_reason = 'superseded by a later receipt'
            FROM (
              SELECT rid, row_number() OVER (PARTITION BY message_id
                ORDER BY done_at DESC NULLS LAST, file_ord DESC, line DESC) AS rk
              FROM {_repeated_ids(work, "rej_reason IS NULL AND out_reason IS NULL")}
            ) AS d
            WHERE d.rk > 1 AND r.rowid = d.rid"""
    )


def _scope_case(kind: str, has_phone: bool, allowed: Sequence[str]) -> str:
    """Why a usable row is out of scope, as far as the row alone tells (NULL = in scope)."""
    whens = []
    if has_phone:
        terr = ", ".join(f"'{t}'" for t in allowed)  # validated territory codes
        whens.append("WHEN ph_status = 'foreign' THEN 'foreign number'")
        whens.append(f"WHEN ph_territory NOT IN ({terr}) THEN 'territory not audited'")
    if kind == "receipts":
        whens.append("WHEN no_send THEN 'receipt for a message not in scope'")
    if kind == "sends":
        whens.append(
            "WHEN sent_at < (SELECT period_start FROM audit_period) "
            "OR sent_at >= (SELECT period_end FROM audit_period) "
            "THEN 'outside the audited period'"
        )
    return ("CASE " + " ".join(whens) + " END") if whens else "NULL::VARCHAR"


# The clocks of the territories, as a type: one byte a row instead of a name (in text order,
# like the dictionary types).
_CLOCK_TYPE = (
    "ENUM(" + ", ".join(f"'{z}'" for z in sorted(set(schema.TERRITORY_CLOCKS.values()))) + ")"
)


def _canonical_exprs(kind: str) -> dict[str, str]:
    """Expressions (over a staged row and its lookups) producing the canonical columns."""
    special = {
        "msisdn": "e164",
        "territory": "ph_territory",
        "tz": "ph_tz",
    }
    if kind == "sends":
        special["category"] = "coalesce(category, 'marketing')"
    if kind == "consent":
        special["status"] = "status_norm"
    if kind == "mo":
        # The platform marked it an opt-out (Twilio OptOutType STOP), or its first word is
        # STOP / ARRET / ARRÊT, any case; 'STOPPER' is another word.
        special["is_stop"] = (
            "coalesce(optout_flag = 'STOP', false) OR coalesce(regexp_matches(lower(text), "
            "'^[\\s\\x{a0}\\x{202f}]*(stop|arret|arrêt)([^[:alnum:]]|$)'), false)"
        )
    if kind == "receipts":
        # Opt-out evidence as the receipt's format defines it; NULL for canonical receipts,
        # which blocked_sends.sql judges by the contract's codes.
        special["optout"] = "CASE optout WHEN 'true' THEN true WHEN 'false' THEN false END"
    if kind == "suppressions":
        special["action"] = "coalesce(action, 'BLOCK')"
    return {name: special.get(name, name) for name in schema.CANONICAL[schema.KIND_TABLE[kind]]}


def _canonical_select(kind: str, types: Mapping[str, str]) -> str:
    """The canonical table's columns, in order; ``types`` overrides a column's type."""
    cols = schema.CANONICAL[schema.KIND_TABLE[kind]]
    override = {"tz": _CLOCK_TYPE, **types}
    return ", ".join(
        f"CAST({expr} AS {override.get(name) or cols[name].removesuffix(' NOT NULL')}) AS {name}"
        for name, expr in _canonical_exprs(kind).items()
    )


def _account(con: duckdb.DuckDBPyConnection, also: Mapping[str, Sequence[str]]) -> None:
    """``row_accounting``: one row per file, rows read, and where each went.

    A vendor record that gives two kinds (a send and its receipt) is one row: it counts
    where its own kind put it, and as rejected (not used) when its other part is rejected.
    """
    also_pairs = {(schema.KIND_TABLE[k], f) for k, files in also.items() for f in files}
    used_parts = []
    for table in dict.fromkeys(schema.KIND_TABLE.values()):
        skip = [f for t, f in also_pairs if t == table]
        where = f"WHERE input_file NOT IN ({', '.join(map(_literal, skip))})" if skip else ""
        used_parts.append(f"SELECT input_file, count(*) AS n FROM {table} {where} GROUP BY ALL")
    used = " UNION ALL ".join(used_parts)
    # Rows kept as their own kind whose other part was rejected (few: rejected rows only).
    multi = sorted({f for files in also.values() for f in files})
    halves_parts = []
    for table in dict.fromkeys(schema.KIND_TABLE.values()):
        files = [f for f in multi if (table, f) not in also_pairs]
        if files:
            halves_parts.append(
                f"SELECT r.input_file, r.line FROM rejected_rows r SEMI JOIN {table} t "
                "ON t.input_file = r.input_file AND t.line = r.line "
                f"WHERE r.input_file IN ({', '.join(map(_literal, files))})"
            )
    half = " UNION ALL ".join(halves_parts)
    halves = (
        f"SELECT input_file, count(DISTINCT line) AS n FROM ({half}) GROUP BY ALL"
        if half
        else "SELECT NULL::VARCHAR AS input_file, 0 AS n WHERE false"
    )
    con.execute(
        f"""INSERT INTO row_accounting
            WITH used AS ({used}),
            half AS ({halves}),
            rej AS (SELECT input_file, count(*) AS n FROM rejected_rows GROUP BY ALL),
            oos AS (SELECT input_file, sum(rows) AS n FROM out_of_scope_rows GROUP BY ALL)
            SELECT f.input_file, f.kind, f.rows_read,
                   coalesce(u.n, 0) - coalesce(h.n, 0), coalesce(r.n, 0), coalesce(o.n, 0)
            FROM files_read f
            LEFT JOIN (SELECT input_file, sum(n) AS n FROM used GROUP BY ALL) u USING (input_file)
            LEFT JOIN half h USING (input_file)
            LEFT JOIN rej r USING (input_file) LEFT JOIN oos o USING (input_file)
            ORDER BY f.ord"""
    )
