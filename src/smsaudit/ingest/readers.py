"""Readers: stage each input file (CSV, Parquet, JSON, vendor exports) as a view or table of
typed canonical columns next to their raw text, with each record's physical line.

``line`` is the physical line where a record starts (header = line 1) for CSV, the row
number for Parquet, and the record's position for JSON (its line for one-per-line files).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import duckdb

from .. import schema
from ..errors import InputError
from . import csv_reader, detect, json_reader, vendor
from .discover import Source
from .expressions import LYING_TYPES, lie_expr, literal, naive_expr, quote, value_expr
from .sniff import first_line
from .specs import SPECS

# Largest JSON document read a second time, by Python, to say where it is broken (bytes).
JSON_LOCATE_MAX = 256 << 20


# ------------------------------------------------------------------------------ staging


@contextlib.contextmanager
def parquet_pages_named(
    con: duckdb.DuckDBPyConnection, sources: Sequence[Source]
) -> Iterator[None]:
    """A Parquet file whose footer reads but whose pages are corrupt fails only when its rows
    are read (by DuckDB or Spark), with an error that names no input ("Out of buffer"). When
    the work inside fails, find such a file among ``sources`` and report it instead: one line
    naming the file, exit 2. Costs nothing unless something failed."""
    try:
        yield
    except InputError:
        raise
    except Exception:
        for src in sources:
            # (a file at a URI, read by Spark where it is, is not this process's to read)
            if isinstance(src.path, Path) and src.path.name.lower().endswith(".parquet"):
                try:  # every value of every column decoded
                    con.execute(
                        "SELECT bit_xor(hash(COLUMNS(*))) FROM read_parquet($p)",
                        {"p": str(src.path)},
                    ).fetchall()
                except duckdb.Error as exc:
                    why = first_line(exc).replace(str(src.path), src.name)
                    raise InputError(
                        f"not a readable Parquet file ({why})", file=src.name
                    ) from None
        raise


def hive_options(src: Source) -> str:
    """``read_parquet`` options: a dataset's part reads the ``key=value`` folder names as
    text columns (Spark, pinned likewise, reads them so too); a lone file reads no folder
    name (DuckDB would otherwise take ``/data/env=prod/sends.parquet`` to hold ``env``)."""
    if src.dataset is None:
        return ", hive_partitioning = false"
    return ", hive_partitioning = true, hive_types_autocast = false"


class Stager:
    """Stages each input file as one temp table: ``line``, then per canonical column its
    typed value and its raw text (for error reports). Also counts rows read per file and
    keeps the records the CSV reader itself refused."""

    def __init__(self, con: duckdb.DuckDBPyConnection, workdir: Path) -> None:
        self.con = con
        self.workdir = workdir
        self.n = 0
        self._parts: list[tuple[Source, int]] = []  # dataset parts, for flush()
        con.execute(
            "CREATE OR REPLACE TEMP TABLE files_read "
            "(input_file VARCHAR, kind VARCHAR, ord INTEGER, rows_read BIGINT)"
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE malformed_rows "
            "(input_file VARCHAR, line BIGINT, value VARCHAR, reason VARCHAR)"
        )

    def stage(self, src: Source) -> list[tuple[str, str, str]]:
        """Stage one file: (kind, staged table, role) for each kind it feeds. A dataset's
        Parquet part is kept for :meth:`flush`, which stages the dataset whole."""
        self.n += 1
        if src.dataset is not None and src.fmt is None and src.path.name.endswith(".parquet"):
            self._parts.append((src, self.n))
            return []
        return self._stage(src, self.n)

    def flush(self) -> list[tuple[str, str, int | None]]:
        """Stage the dataset parts :meth:`stage` kept: (kind, view, ordinal). The parts of a
        dataset whose columns are the same are one scan, one view (``stg_<first>``, ordinal
        None: ``file_ord`` per row): one view per part made DuckDB plan a UNION of hundreds
        (34 ms a part, ``benchmarks/spark_parts.py``). Other parts are staged alone."""
        groups: dict[str, list[tuple[Source, int]]] = {}
        for src, n in self._parts:
            groups.setdefault(str(src.dataset), []).append((src, n))
        self._parts = []
        out: list[tuple[str, str, int | None]] = []
        for parts in groups.values():
            columns = [self._columns(src) for src, _ in parts]
            clash = {n.lower() for n, _ in columns[0]} & {"filename", "file_row_number"}
            if len(parts) > 1 and not clash and all(c == columns[0] for c in columns):
                out.append((parts[0][0].kind, self._dataset(parts), None))
                continue
            for src, n in parts:
                out += [(kind, table, n) for kind, table, _ in self._stage(src, n)]
        return out

    def _dataset(self, parts: Sequence[tuple[Source, int]]) -> str:
        """View ``stg_<first>``: the parts read by one ``read_parquet``, each row named
        after its part (``filename``) and ordered by the part's ordinal."""
        first, n = parts[0]
        base = f"stg_{n}"
        paths = [str(src.path) for src, _ in parts]
        files = "[" + ", ".join(map(literal, paths)) + "]"
        values = ", ".join(f"({literal(str(s.path))}, {literal(s.name)}, {o})" for s, o in parts)
        try:
            sql = self._parquet(first, files)
            self.con.execute(
                f"CREATE TEMP TABLE {base}_parts AS SELECT * FROM (VALUES {values}) "
                "AS t(path, input_file, file_ord)"
            )
            self.con.execute(
                f"CREATE TEMP VIEW {base} AS SELECT m.input_file, s.* EXCLUDE (smsaudit_part), "
                f"m.file_ord FROM ({sql}) AS s JOIN {base}_parts AS m ON m.path = s.smsaudit_part"
            )
            self.con.execute(
                f"""INSERT INTO files_read
                    SELECT m.input_file, $k, m.file_ord, coalesce(c.n, 0)
                    FROM {base}_parts AS m LEFT JOIN (
                      SELECT filename, count(*) AS n
                      FROM read_parquet({files}, filename = true{hive_options(first)})
                      GROUP BY ALL
                    ) AS c ON c.filename = m.path
                    ORDER BY m.file_ord""",
                {"k": first.label},
            )
        except duckdb.Error as exc:
            raise InputError(first_line(exc), file=first.name) from None
        return base

    def _stage(self, src: Source, n: int) -> list[tuple[str, str, str]]:
        base = f"stg_{n}"
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
                    f"CREATE TEMP VIEW {base} AS SELECT {literal(src.name)} AS input_file, * "
                    f"FROM ({sql})"
                )
                staged, counted = [(src.kind, base, "rows")], base
        except duckdb.Error as exc:
            raise InputError(first_line(exc), file=src.name) from None
        self.con.execute(
            f"""INSERT INTO files_read SELECT $f, $k, $o,
                (SELECT count(*) FROM {counted})
                + (SELECT count(*) FROM malformed_rows WHERE input_file = $f)""",
            {"f": src.name, "k": src.label, "o": n},
        )
        return staged

    def _vendor(self, src: Source, base: str) -> tuple[list[tuple[str, str, str]], str]:
        """A vendor export: its records once (a table or the raw CSV), then one view per kind
        it feeds, with the canonical columns as text (``ingest.vendor``)."""
        fmt = src.fmt
        assert fmt is not None
        if fmt.reader == "json":
            source = json_reader.records(self.con, src, base)
            resolve = vendor.json_resolver("r")
        else:
            header = csv_reader.raw(self.con, self.workdir, src, base)
            source = f"{base}_raw"
            resolve = vendor.csv_resolver(
                header, [f"c{i}" for i in range(len(header))], detect.norm_header
            )
        staged = []
        for kmap in fmt.kinds:
            restrict = None
            if kmap.role == "also":
                # The same records, once the other kind has kept them: evaluated when this
                # kind is loaded, after that kind's canonical table exists.
                target = schema.KIND_TABLE[kmap.of or ""]
                restrict = (
                    f"line IN (SELECT line FROM {target} WHERE input_file = {literal(src.name)})"
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
                f"CREATE TEMP VIEW {table} AS SELECT {literal(src.name)} AS input_file, * "
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
        *keep: str,
    ) -> str:
        """Typed and raw canonical columns from ``inner`` (columns: canonical -> source column),
        after ``line`` and the columns of ``inner`` to ``keep``."""
        parts = ["line", *keep]
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
            pre = ", ".join(f"nullif(trim({quote(c)}), '') AS {quote(a)}" for c, a in trims.items())
            inner = f"SELECT *, {pre} FROM ({inner})"
        for f in SPECS[src.kind]:
            if f.name in columns:
                col = quote(columns[f.name])
                src_type = types[columns[f.name]]
                trimmed = quote(trims[columns[f.name]]) if columns[f.name] in trims else None
                parts.append(f"{value_expr(f, col, src_type, trimmed)} AS {f.name}")
                # As read: made text only where a check or a rejected row needs it (turning
                # 20M typed timestamps into text costs a second of CPU per 10M rows).
                parts.append(f"{col} AS {f.name}__raw")
                if f.type in LYING_TYPES:
                    parts.append(f"{lie_expr(f, col, src_type, trimmed)} AS {f.name}__lie")
                if f.type == "ts" and not src_type.startswith("TIMESTAMP WITH TIME ZONE"):
                    naive.append(naive_expr(col, src_type, trimmed))
            else:
                parts.append(f"NULL AS {f.name}")
                parts.append(f"NULL::VARCHAR AS {f.name}__raw")
                if f.type in LYING_TYPES:
                    parts.append(f"NULL::VARCHAR AS {f.name}__lie")
        # Timestamps read without an offset (in --assume-tz), counted per row; a typed
        # TIMESTAMPTZ column has none, and costs nothing here.
        parts.append(f"{' + '.join(naive) if naive else '0'} AS naive__n")
        return f"SELECT {', '.join(parts)} FROM ({inner})"

    @staticmethod
    def _map_columns(src: Source, names: Sequence[str]) -> dict[str, str]:
        """canonical name -> source column; a missing required column is an error."""
        by_key: dict[str, str] = {}
        for n in names:
            by_key.setdefault(detect.norm_header(n), n)
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

    def _columns(self, src: Source) -> list[tuple[str, str]]:
        """A Parquet file's columns and types as read (INT96 ones as instants)."""
        try:
            desc = self.con.execute(
                "SELECT column_name, column_type FROM "
                f"(DESCRIBE SELECT * FROM read_parquet($p{hive_options(src)}))",
                {"p": str(src.path)},
            ).fetchall()
        except duckdb.Error as exc:
            # DuckDB's message repeats the full path; the file's name says enough.
            why = first_line(exc).replace(str(src.path), src.name)
            raise InputError(f"not a readable Parquet file ({why})", file=src.name) from None
        # INT96 timestamps (Spark's, Hive's and Databricks' legacy default) hold UTC instants;
        # DuckDB reads them as zone-less TIMESTAMPs, which would be taken as local times.
        int96 = {
            str(n)
            for (n,) in self.con.execute(
                "SELECT name FROM parquet_schema($p) WHERE type = 'INT96'", {"p": str(src.path)}
            ).fetchall()
        }
        return [(str(n), "INT96" if str(n) in int96 else str(t)) for n, t in desc]

    def _parquet(self, src: Source, files: str | None = None) -> str:
        """A canonical Parquet file (or ``files``, a list of a dataset's parts of the same
        columns, each row with its part's path as ``smsaudit_part``)."""
        desc = self._columns(src)
        names = [n for n, _ in desc]
        int96 = {n for n, t in desc if t == "INT96"}
        desc = [(n, "TIMESTAMP WITH TIME ZONE" if n in int96 else t) for n, t in desc]
        # The file's own columns are read under our names c0, c1, ... so that a column called
        # ``line``, ``input_file`` or ``rec`` cannot shadow ours.
        ours = {n: f"c{i}" for i, n in enumerate(names)}
        mapping = {canon: ours[n] for canon, n in self._map_columns(src, names).items()}
        blobs = {ours[str(n)] for n, t in desc if str(t) == "BLOB"}
        # BINARY text columns are read as text (UTF-8, else Windows-1252).
        types = {ours[str(n)]: "VARCHAR" if ours[str(n)] in blobs else str(t) for n, t in desc}
        cols = "".join(
            f", smsaudit_blob_text({quote(n)}) AS {ours[n]}"
            if ours[n] in blobs
            else f", timezone('UTC', {quote(n)}) AS {ours[n]}"
            if n in int96
            else f", {quote(n)} AS {ours[n]}"
            for n in names
            if ours[n] in mapping.values()
        )
        if files is not None:  # each row's part, from the path DuckDB read it at
            scan = f"read_parquet($p, file_row_number=true, filename=true{hive_options(src)})"
            inner = (
                f"SELECT file_row_number + 1 AS line{cols}, filename AS smsaudit_part FROM {scan}"
            )
            return self._select(src, inner, mapping, types, "smsaudit_part").replace("$p", files)
        if "file_row_number" in {n.lower() for n in names}:
            # DuckDB refuses file_row_number=true when the file has a column of that name.
            scan = f"read_parquet($p{hive_options(src)}) WITH ORDINALITY AS t"
            line = f"#{len(names) + 1}"
        else:
            scan = f"read_parquet($p, file_row_number=true{hive_options(src)})"
            line = "file_row_number + 1"
        inner = f"SELECT {line} AS line{cols} FROM {scan}"
        return self._select(src, inner, mapping, types).replace("$p", literal(str(src.path)))

    def _csv(self, src: Source, table: str) -> str:
        """A canonical CSV: its raw records, then the canonical columns by header name."""
        header = csv_reader.raw(self.con, self.workdir, src, table)
        names = [f"c{i}" for i in range(len(header))]
        mapping = {
            canon: names[header.index(h)] for canon, h in self._map_columns(src, header).items()
        }
        types = dict.fromkeys(names, "VARCHAR")
        inner = f"SELECT * EXCLUDE (rec, nl) FROM {table}_raw"
        return self._select(src, inner, mapping, types)
