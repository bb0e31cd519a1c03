"""Sniffing a text file before DuckDB reads it: gzip, encoding, separator, header."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from string import Template

from ..errors import InputError

# What a cut-off or corrupt gzip stream raises while it is read.
COMPRESSION_ERRORS = (OSError, EOFError, zlib.error)


# ------------------------------------------------------------------------ file sniffing


HEAD_BYTES = 65536
# Longest first line read to find a header (a header of thousands of long names is legal).
HEADER_MAX = 16 << 20


def read_head(fh: io.BufferedIOBase | gzip.GzipFile) -> bytes:
    """The first 64 KiB of an open file, extended to the end of its first line."""
    head = fh.read(HEAD_BYTES)
    while b"\n" not in head and len(head) < HEADER_MAX:
        more = fh.read(HEAD_BYTES)
        if not more:
            break
        head += more
    return head


def open_bytes(path: Path) -> tuple[bytes, bool]:
    """The first 64 KiB, at least the whole first line (decompressed for .gz), and whether
    the file is gzip."""
    try:
        with path.open("rb") as fh:
            magic = fh.read(2)
    except OSError as exc:  # permission denied, gone since it was listed, a folder...
        raise InputError(f"cannot read ({exc.strerror or exc})", file=path.name) from None
    is_gz = magic == b"\x1f\x8b"
    try:
        if is_gz:
            with gzip.open(path, "rb") as gz:
                return read_head(gz), True
        with path.open("rb") as fh:
            return read_head(fh), False
    except COMPRESSION_ERRORS as exc:
        raise InputError(f"truncated or corrupt compressed file ({exc})", file=path.name) from None


@contextmanager
def whole_file(name: str) -> Iterator[None]:
    """Reading a whole file: a gzip stream cut short or corrupt past the sniffed head is an
    input error naming the file, not an internal error."""
    try:
        yield
    except COMPRESSION_ERRORS as exc:
        raise InputError(f"truncated or corrupt compressed file ({exc})", file=name) from None


def check_text(head: bytes, name: str) -> None:
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise InputError("empty file", file=name)
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("binary file, not text", file=name)


def is_utf8(path: Path, is_gz: bool) -> bool:
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


def transcode(path: Path, is_gz: bool, workdir: Path, *, utf16: bool = False) -> Path:
    """A UTF-8 copy with ``\n`` line ends of a Windows-1252, mixed, mixed-newline or UTF-16 file.

    Files edited by hand and concatenated may mix encodings and line ends: each line is
    read as UTF-8 when it is valid UTF-8, else as Windows-1252 (bytes that CP1252 leaves
    undefined fall back to Latin-1), so no byte is lost; ``\r\n`` becomes ``\n``.
    DuckDB reads neither CP1252 nor files mixing ``\n`` and ``\r\n``, and its own UTF-16
    reader silently returns no rows for big-endian or ``\r\n`` files. A UTF-16 file is
    decoded whole by its BOM; a cut-off last code unit becomes U+FFFD, so the record shows.
    """
    # Named by a digest of the path: the user's name may be near the system's 255-byte limit.
    digest = hashlib.sha256(str(path).encode("utf-8", "surrogateescape")).hexdigest()[:24]
    out = workdir / f"{digest}.utf8.csv"
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


def read_header(head_text: str) -> tuple[list[str], str]:
    """Header names and the separator (`,` `;` tab or `|`: the most frequent in the header
    line), without judging them; an empty text gives no names."""
    import csv

    first = head_text.lstrip("\ufeff").splitlines()[0] if head_text.strip() else ""
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    delim = max(counts, key=lambda d: counts[d])
    if counts[delim] == 0:
        delim = ","
    return next(csv.reader([first], delimiter=delim), []), delim


def header_and_delimiter(head_text: str, name: str) -> tuple[list[str], str]:
    """Header names and the separator; a header line without a name is an input error."""
    header, delim = read_header(head_text)
    if not any(h.strip() for h in header):
        raise InputError("no header line", file=name, line=1)
    return header, delim


def first_line(exc: BaseException) -> str:
    """An error's first line (DuckDB's messages go on with hints and the query)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def sql_text(name: str, **names: str) -> str:
    """The loader's SQL file ``ingest/sql/NAME.sql`` with ``${name}`` replaced by our own
    table names (never user text); DuckDB's ``$param`` placeholders are left alone."""
    text = (files("smsaudit.ingest") / "sql" / f"{name}.sql").read_text(encoding="utf-8")
    return Template(text).safe_substitute(names)
