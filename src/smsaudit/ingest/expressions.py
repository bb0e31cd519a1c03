"""SQL expressions that parse and quote input values (timestamps, money, counts, text)."""

from __future__ import annotations

from .. import schema
from .specs import Field

# Longest text kept in rejected_rows.value (characters).
VALUE_MAX = 200


# ---------------------------------------------------------------------- SQL expressions

_OFFSET_RE = r"([Zz]|[+-]\d{2}(:?\d{2})?|\s*UTC)$"


def has_offset(t: str) -> str:
    """SQL: whether trimmed text ``t`` ends with a UTC offset. The offset must follow a time
    of day: the ``-15`` that ends the date ``2026-05-15`` is a day, not an offset."""
    return f"(contains({t}, ':') AND regexp_matches({t}, '{_OFFSET_RE}'))"


def local_time_text(raw: str) -> str:
    """SQL: whether text ``raw`` spells a local time (no offset) that DuckDB reads as a
    timestamp; when the parsed value is NULL, that time does not exist (a DST gap)."""
    return f"NOT {has_offset(f'trim({raw})')} AND try_cast(trim({raw}) AS TIMESTAMP) IS NOT NULL"


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
    naive = naive_sql(t)
    # RFC 2822 (Twilio's API and console): 'Mon, 04 May 2026 08:13:24 +0000', or '... GMT'.
    rfc2822 = (
        f"try_strptime(regexp_replace({t}, '\\s*(GMT|UTC)$', ' +0000'), '%a, %d %b %Y %H:%M:%S %z')"
    )
    return f"""CASE
        WHEN regexp_matches({t}, '^[A-Za-z]{{3}}, ') THEN {rfc2822}
        WHEN {has_offset(t)} THEN CASE
          WHEN ends_with({t}, 'UTC')
            THEN try_cast(regexp_replace({t}, '\\s*UTC$', 'Z') AS TIMESTAMPTZ)
          ELSE try_cast({t} AS TIMESTAMPTZ) END
        ELSE smsaudit_local_to_utc({naive})
      END"""


_NUMBER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT"}
    | {"UINTEGER", "UBIGINT", "UHUGEINT", "DECIMAL", "FLOAT", "DOUBLE"}
)
# Unix times of 2000-2100 are 9.5e8-4.1e9 in seconds, 1000x that in milliseconds (Kafka,
# JavaScript) and 1000x again in microseconds: the magnitude tells the unit.
_MS_FROM, _US_FROM = 10**11, 10**14


def is_number(src_type: str) -> bool:
    """Whether a source column of DuckDB type ``src_type`` holds numbers."""
    return src_type.split("(")[0].strip().upper() in _NUMBER_TYPES


def _epoch_expr(raw: str) -> str:
    """TIMESTAMPTZ from a number of Unix time (Kafka and event-stream dumps): seconds,
    milliseconds or microseconds by magnitude, fractions kept to the microsecond. NULL
    (unreadable) for a value no timestamp holds, NaN or infinity; values outside
    2000-2099 are rejected as implausible like any other. Text of digits is not read so:
    ``2605041230`` may be Vonage's YYMMDDhhmm as well as a Unix time."""
    v = f"try_cast({raw} AS DECIMAL(38, 6))"
    unit = (
        f"CASE WHEN abs({v}) < {_MS_FROM} THEN 1000000 "
        f"WHEN abs({v}) < {_US_FROM} THEN 1000 ELSE 1 END"
    )
    return f"try(make_timestamptz(try_cast(round({v} * {unit}) AS BIGINT)))"


def _money_expr(raw: str) -> str:
    """DECIMAL from ``0.045``, ``0,045``, ``1 234,50 €``, ``1,234.50``: the last mark is decimal."""
    s = f"regexp_replace({raw}, '[\\s\\x{{a0}}\\x{{202f}}€$£]', '', 'g')"
    return f"""try_cast(CASE
        WHEN contains({s}, ',') AND contains({s}, '.') THEN
          CASE WHEN strpos(reverse({s}), ',') < strpos(reverse({s}), '.')
               THEN replace(replace({s}, '.', ''), ',', '.')
               ELSE replace({s}, ',', '') END
        ELSE replace({s}, ',', '.') END AS {schema.MONEY})"""


def value_expr(f: Field, raw: str, src_type: str, trimmed: str | None = None) -> str:
    """Typed value of field ``f`` from source column ``raw`` of DuckDB type ``src_type``;
    ``trimmed`` names a column holding ``raw`` trimmed (NULL when blank), if there is one."""
    is_text = src_type == "VARCHAR"
    t = (trimmed or f"nullif(trim({raw}), '')") if is_text else raw
    if f.type == "ts":
        if src_type.startswith("TIMESTAMP WITH TIME ZONE"):
            return raw
        if src_type.startswith("TIMESTAMP") or src_type == "DATE":
            return f"smsaudit_local_to_utc(CAST({raw} AS TIMESTAMP))"
        if is_number(src_type):
            return _epoch_expr(raw)
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
    if f.name in ("sender_id", "short_code"):
        # A code a spreadsheet or pandas saved as a float, 38000.0, is the code 38000.
        return f"regexp_replace(nullif(trim(CAST({raw} AS VARCHAR)), ''), '^([0-9]+)\\.0+$', '\\1')"
    # text, msisdn: trimmed text; integer-typed Parquet columns print without '.0'.
    return f"nullif(trim(CAST({raw} AS VARCHAR)), '')"


# Field types whose staged rows carry a ``<name>__lie`` column (see lie_expr).
LYING_TYPES = ("ts", "count")
# A UTC offset outside -12:00..+14:00 ('+25:00', '+99'); a trailing zone name ('PST').
BAD_OFFSET = "(\\+(1[5-9]|[2-9][0-9])|-(1[3-9]|[2-9][0-9]))(:?[0-9]{2})?$"
ZONE_NAME = "[0-9.]\\s+[A-Za-z][A-Za-z_+-]*(/[A-Za-z_+-]+)*$"


def lie_expr(f: Field, raw: str, src_type: str, trimmed: str | None = None) -> str:
    """SQL: why the value of field ``f`` lies (text: a timestamp with a zone name or an
    impossible offset, a count with a fraction), or NULL. Computed while a file is staged,
    where its type is known: a typed column costs nothing (a TIMESTAMPTZ has no zone name,
    an INTEGER no fraction), and cheap tests keep the regular expressions off most rows."""
    t = trimmed or f"nullif(trim(CAST({raw} AS VARCHAR)), '')"
    if f.type == "ts" and src_type == "VARCHAR":
        return f"""CASE
            WHEN right({t}, 1) BETWEEN 'A' AND 'z' AND NOT regexp_matches({t}, '^[A-Za-z]{{3}}, ')
                 AND regexp_matches({t}, '{ZONE_NAME}')
                 AND NOT regexp_matches({t}, '\\s(UTC|GMT|Z)$')
              THEN 'time zone name instead of an offset (write +02:00, Z...)'
            WHEN (contains(right({t}, 6), '+') OR contains(right({t}, 6), '-'))
                 AND contains({t}, ':') AND regexp_matches({t}, '{BAD_OFFSET}')
              THEN 'UTC offset outside -12:00..+14:00'
          END"""
    if f.type == "count" and src_type == "VARCHAR":
        number = f"try_cast(replace({t}, ',', '.') AS DOUBLE)"
        return f"CASE WHEN {number} <> floor({number}) THEN 'not a whole number' END"
    if f.type == "count" and src_type.split("(")[0] in ("DOUBLE", "FLOAT", "REAL", "DECIMAL"):
        return f"CASE WHEN {raw} <> floor({raw}) THEN 'not a whole number' END"
    return "NULL::VARCHAR"


def clip(text: str) -> str:
    """SQL: ``text`` cut to VALUE_MAX characters, marked with '…' when cut.

    ``rejected_rows.value`` shows what was refused; it must never copy a 50 MB body.
    """
    return (
        f"CASE WHEN length({text}) > {VALUE_MAX} "
        f"THEN left({text}, {VALUE_MAX - 1}) || '…' ELSE {text} END"
    )


def naive_expr(col: str, src_type: str, trimmed: str | None) -> str:
    """SQL: 1 when source column ``col`` holds a timestamp without offset, else 0;
    ``trimmed`` names the column holding a text ``col`` trimmed (NULL when blank)."""
    if is_number(src_type):  # Unix time: an instant
        return "0"
    if src_type != "VARCHAR" or trimmed is None:  # TIMESTAMP or DATE: naive by type
        return f"CASE WHEN {col} IS NULL THEN 0 ELSE 1 END"
    return f"CASE WHEN {trimmed} IS NOT NULL AND NOT {has_offset(trimmed)} THEN 1 ELSE 0 END"


# Local date-times besides ISO 8601 (French Excel, Karix): day first, slashes or dashes.
NAIVE_FORMATS = (
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def naive_sql(t: str) -> str:
    """SQL: the TIMESTAMP (no zone) that trimmed text ``t`` spells, or NULL."""
    formats = ", ".join(literal(f) for f in NAIVE_FORMATS)
    return f"coalesce(try_cast({t} AS TIMESTAMP), try_strptime({t}, [{formats}]))"


def literal(text: str) -> str:
    """A SQL string literal (for views, which take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def quote(ident: str) -> str:
    """A DuckDB identifier, quoted; used only for column names read from a file's header."""
    return '"' + ident.replace('"', '""') + '"'
