"""SQL that turns a vendor file's records into the canonical columns of one kind, as text.

The result has the canonical names and is then parsed, checked and accounted for exactly
like a canonical CSV file (``readers.Stager._select``), so a vendor format never needs its
own parsers: only the conventions that differ from the contract's are applied here, per
format (never globally): international digits without ``+``, negative charges, a price
for the whole message, credits that are not money, the clock of naive timestamps, the
platform's own opt-out codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .expressions import literal, naive_sql
from .formats import COLUMNS, Condition, Format, KindMap

PHONE_COLUMNS = {"msisdn"}
TIME_COLUMNS = {"sent_at", "done_at", "received_at", "suppressed_at", "status_date"}
# Digits only, not starting with 0, of an international number's length (E.164: up to 15).
_INTERNATIONAL = "[1-9][0-9]{6,14}"

Resolve = Callable[[str], str | None]


def json_path(dotted: str) -> str:
    """``a.b-c`` -> ``$."a"."b-c"`` (every key quoted: vendors use dashes and dots)."""
    return "$" + "".join('."' + part.replace('"', '\\"') + '"' for part in dotted.split("."))


def json_resolver(record: str) -> Resolve:
    """Field paths of a JSON record column ``record`` as text (NULL when absent)."""
    return lambda dotted: f"({record}->>{literal(json_path(dotted))})"


def csv_resolver(
    header: Sequence[str], names: Sequence[str], norm: Callable[[str], str]
) -> Resolve:
    """Header names (matched like every header) -> our column names ``c0``… (None: absent)."""
    by_key: dict[str, str] = {}
    for h, n in zip(header, names, strict=True):
        by_key.setdefault(norm(h), n)
    return lambda name: by_key.get(norm(name))


def _joined(spec: str, resolve: Resolve) -> str | None:
    """``Submit Date + Submit Time``: the columns' texts joined by a space (split date and
    time columns); None when one of them is absent from the file."""
    parts = [resolve(part.strip()) for part in spec.split(" + ")]
    if any(p is None for p in parts):
        return None
    if len(parts) == 1:
        return parts[0]
    return "concat_ws(' ', " + ", ".join(f"nullif(trim({p}), '')" for p in parts) + ")"


def _value(spec: str, resolve: Resolve) -> str | None:
    """``a|b``: the first of the alternatives that is present and not blank."""
    exprs = [e for e in (_joined(alt.strip(), resolve) for alt in spec.split("|")) if e]
    if not exprs:
        return None
    if len(exprs) == 1:
        return exprs[0]
    return "coalesce(" + ", ".join(f"nullif(trim({e}), '')" for e in exprs) + ")"


def condition_sql(cond: Condition, resolve: Resolve) -> str:
    expr = _value(cond.field, resolve)
    if expr is None:
        return "false"
    values = ", ".join(literal(v) for v in cond.values)
    return f"coalesce(upper(trim(CAST({expr} AS VARCHAR))) IN ({values}), false)"


def _convention(fmt: Format, column: str, expr: str) -> str:
    """Apply the format's conventions to canonical ``column`` (text expression ``expr``)."""
    if column in PHONE_COLUMNS and fmt.numbers == "international":
        t = f"trim({expr})"
        expr = (
            f"CASE WHEN regexp_full_match({t}, '{_INTERNATIONAL}') THEN '+' || {t} ELSE {expr} END"
        )
    if column == "price" and fmt.price_sign == "negative":
        expr = f"regexp_replace(trim({expr}), '^-', '')"
    if column in TIME_COLUMNS and fmt.naive_tz:
        # Naive text is read on the format's own clock and passed on with its offset.
        t = f"trim({expr})"
        zone = literal(fmt.naive_tz)
        expr = (
            f"CASE WHEN NOT regexp_matches({t}, '([Zz]|[+-][0-9]{{2}}(:?[0-9]{{2}})?)$') "
            f"AND {naive_sql(t)} IS NOT NULL "
            f"THEN CAST(timezone({zone}, {naive_sql(t)}) AS VARCHAR) "
            f"ELSE {expr} END"
        )
    return expr


def kind_select(
    fmt: Format,
    kmap: KindMap,
    source: str,
    resolve: Resolve,
    *,
    restrict: str | None = None,
) -> tuple[str, list[str]]:
    """SELECT ``line`` and the canonical text columns of ``kmap.kind`` from ``source``.

    ``restrict`` is an extra WHERE condition (an ``also`` kind's records used by another
    kind). Returns the SQL and the canonical columns it fills.
    """
    parts = ["line"]
    filled: list[str] = []
    for column in COLUMNS[kmap.kind]:
        expr: str | None = None
        if column in kmap.const:
            expr = literal(kmap.const[column])
        elif column in kmap.fields:
            expr = _value(kmap.fields[column], resolve)
        elif column == "aggregator" and fmt.aggregator:
            expr = literal(fmt.aggregator)
        if column in ("price", "currency") and fmt.price == "credits":
            expr = None  # credits are not money: the message is unpriced
        if expr is None:
            continue
        parts.append(f"{_convention(fmt, column, f'CAST({expr} AS VARCHAR)')} AS {column}")
        filled.append(column)
    if kmap.kind in ("sends", "receipts") and fmt.price == "per_message" and "price" in filled:
        parts.append("'message' AS price_basis")
        filled.append("price_basis")
    if kmap.optout:
        evidence = " OR ".join(condition_sql(c, resolve) for c in kmap.optout)
        if kmap.kind == "receipts":
            parts.append(f"CASE WHEN {evidence} THEN 'true' ELSE 'false' END AS optout")
            filled.append("optout")
        else:  # mo: the platform marked the message as an opt-out, whatever its words
            parts.append(f"CASE WHEN {evidence} THEN 'STOP' END AS optout_flag")
            filled.append("optout_flag")
    elif kmap.kind == "receipts":
        parts.append("'false' AS optout")  # only this format's own codes are evidence
        filled.append("optout")
    where = [condition_sql(kmap.when, resolve)] if kmap.when else []
    if restrict:
        where.append(restrict)
    sql = f"SELECT {', '.join(parts)} FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    if kmap.one_record_per_part and "message_id" in filled:
        sql = _merged_parts(sql, filled)
        if "segments" not in filled:
            filled.append("segments")
    return sql, filled


def _merged_parts(sql: str, filled: Sequence[str]) -> str:
    """One receipt per message from one per part: the first part's line, the prices added up
    (text again, so the loader still checks it: a part's unreadable price is kept as is),
    the parts counted as segments, the last part's other values."""
    cols = ["min(line) AS line", "message_id"]
    for c in filled:
        if c == "message_id":
            continue
        if c == "price":
            number = "try_cast(trim(price) AS DECIMAL(38, 10))"
            cols.append(
                f"CASE WHEN count(price) = count({number}) THEN CAST(sum({number}) AS VARCHAR) "
                f"ELSE max(CASE WHEN {number} IS NULL THEN price END) END AS price"
            )
        elif c == "segments":
            cols.append("CAST(count(*) AS VARCHAR) AS segments")
        else:
            cols.append(f"arg_max({c}, line) AS {c}")
    if "segments" not in filled:
        cols.append("CAST(count(*) AS VARCHAR) AS segments")
    return f"SELECT {', '.join(cols)} FROM ({sql}) GROUP BY message_id"


def merged_parts_select(kmap: KindMap, source: str, resolve: Resolve) -> str | None:
    """Part records merged into another part's row, counted out of scope (None: no merging)."""
    if not kmap.one_record_per_part:
        return None
    key = _value(kmap.fields.get("message_id", ""), resolve)
    if key is None:
        return None
    where = f" WHERE {condition_sql(kmap.when, resolve)}" if kmap.when else ""
    return (
        "SELECT 'another part of a message (merged into its first part)' AS reason, "
        f"count(*) - count(DISTINCT {key}) "
        f"- CASE WHEN count(*) FILTER (WHERE {key} IS NULL) > 0 THEN 1 ELSE 0 END AS rows "
        f"FROM {source}{where}"
    )


def unclaimed_select(fmt: Format, source: str, resolve: Resolve) -> str | None:
    """Records of ``source`` that no kind of role ``rows`` takes, counted by why (None when
    every record is taken: some rows-kind has no ``when``)."""
    rows = [k for k in fmt.kinds if k.role == "rows"]
    if any(k.when is None for k in rows):
        return None
    taken = " OR ".join(condition_sql(k.when, resolve) for k in rows if k.when)
    fields = sorted({k.when.field for k in rows if k.when})
    shown = _value(fields[0], resolve) or "NULL"
    quoted = f"'\"' || trim(CAST({shown} AS VARCHAR)) || '\"'"
    return (
        f"SELECT 'not audited: {fields[0]} ' || coalesce({quoted}, 'empty') AS reason, "
        f"count(*) AS rows FROM {source} WHERE NOT ({taken}) GROUP BY ALL"
    )
