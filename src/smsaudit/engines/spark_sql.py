"""The audit's SQL, written for DuckDB, as Spark SQL: sqlglot plus the project's corrections.

``sql/*.sql`` is the only copy of the audit's logic, written in a portable subset of DuckDB's
dialect (``tests/test_sqlfiles.py`` holds it there). sqlglot's Spark dialect translates most of
it; what it gets wrong or passes through is corrected here, on the parsed tree, before the
stock Spark generator writes it (the splink pattern: a small project dialect, nothing
hand-written per query). Measured on Spark 4.3 (SCALEOUT §3), without these:

- ``isodow`` came out as ``(DAYOFWEEK(x) % 7) + 1``: Sunday = 2, a silent wrong answer;
- ``strftime`` formats kept literal letters unquoted (``yyyy-MM-ddTHH``): an error;
- DuckDB functions sqlglot does not know passed through verbatim (``epoch_us``,
  ``make_timestamptz``, ``timezone``, ``list_reduce``, ``list_position``, ``error``);
- ``AS NOT MATERIALIZED`` is not Spark syntax;
- ``trim``, ``ltrim``, ``rtrim`` strip the Unicode spaces (no-break ones too) in DuckDB, the
  ASCII space alone in Spark: a body ending in U+00A0 kept it;
- ``string_split(s, '')`` (into characters) split on the regex ``\\Q\\E``: a trailing empty
  string that counted as an escape character, and half surrogate pairs;
- (fixed in ``sql/`` instead, and linted) Java's ``\\s`` also matches ``\\x0B``; Spark's
  ``round()`` of a DOUBLE rounds its shortest decimal spelling (0.15 up), DuckDB's its
  binary value (0.15 down); ``arg_min`` ties;
- ``/`` on DECIMAL operands stays DECIMAL on Spark (a DOUBLE in DuckDB), off in the last
  digits of a small rate.

Parameters are written into the text as typed literals (integers as BIGINT, instants as UTC
``TIMESTAMP`` literals): the values are the pipeline's own numbers, dates and flags, never
user text, and a literal leaves Spark no room to type a Python ``int`` as a 32-bit INT.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import sqlglot
from sqlglot import exp

from smsaudit import sqlfiles

# strftime directives the audit's SQL uses, as Java DateTimeFormatter letters.
_JAVA_DIRECTIVES = {"%Y": "yyyy", "%m": "MM", "%d": "dd", "%H": "HH", "%M": "mm", "%S": "ss"}


def java_format(strftime_format: str) -> str:
    """A strftime format as a Java date-time pattern, literal text quoted (``'T'``)."""
    out = []
    for token in re.findall(r"%.|[^%]+", strftime_format):
        if token.startswith("%"):
            if token not in _JAVA_DIRECTIVES:
                raise ValueError(f"strftime directive {token} has no Spark translation here")
            out.append(_JAVA_DIRECTIVES[token])
        elif re.search("[A-Za-z']", token):  # letters are pattern letters unless quoted
            out.append("'" + token.replace("'", "''") + "'")
        else:
            out.append(token)
    return "".join(out)


# DuckDB's trim() strips the Unicode space separators (category Zs: ' ', U+00A0, U+202F...)
# and no control characters; Spark's strips ' ' alone. By the side trimmed; \z, not $ (in
# Java, $ also matches before a final newline: '0 \n' would lose its space).
ZS_TRIM = {"BOTH": r"^\p{Zs}+|\p{Zs}+\z", "LEADING": r"^\p{Zs}+", "TRAILING": r"\p{Zs}+\z"}


def _call(name: str, *args: exp.Expr) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _literal(value: object) -> exp.Expr:
    """A bound parameter's value as a typed Spark literal."""
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.cast(exp.Literal.number(value), "BIGINT")
    if isinstance(value, float | Decimal):
        return exp.Literal.number(str(value))
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), "TIMESTAMP_NTZ")
        text = value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
        return exp.cast(exp.Literal.string(text), "TIMESTAMP")  # the session runs in UTC
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if value is None:
        return exp.Null()
    raise TypeError(f"no Spark literal for a parameter of type {type(value).__name__}")


def _regexp_full_match(this: exp.Expr, pattern: exp.Expr) -> exp.Expr:
    # DuckDB's regexp_full_match anchors the whole string; RLIKE finds a match anywhere.
    if isinstance(pattern, exp.Literal) and pattern.is_string:
        return exp.RegexpLike(this=this, expression=exp.Literal.string(f"^(?:{pattern.this})$"))
    anchored = exp.DPipe(
        this=exp.DPipe(this=exp.Literal.string("^(?:"), expression=pattern),
        expression=exp.Literal.string(")$"),
    )
    return exp.RegexpLike(this=this, expression=exp.Paren(this=anchored))


def _is_double_cast(node: exp.Expr) -> bool:
    return isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.DOUBLE)


def _rewrite(node: exp.Expr, params: Mapping[str, object]) -> exp.Expr:
    """One node of the DuckDB tree, as the Spark generator must see it."""
    if isinstance(node, exp.Placeholder):
        name = str(node.this)
        if name not in params:
            raise ValueError(f"no value bound for ${name}")
        return _literal(params[name])
    if isinstance(node, exp.DayOfWeekIso):  # Monday 1 .. Sunday 7; WEEKDAY is Monday 0
        return exp.Paren(
            this=exp.Add(this=_call("WEEKDAY", node.this), expression=exp.Literal.number(1))
        )
    if isinstance(node, exp.TimeToStr):
        fmt = node.args["format"]
        if not isinstance(fmt, exp.Literal):
            raise ValueError("strftime needs a literal format to be translated")
        return _call("DATE_FORMAT", node.this, exp.Literal.string(java_format(fmt.this)))
    if isinstance(node, exp.Div) and not _is_double_cast(node.this):
        # DuckDB's / gives a DOUBLE for any numbers; Spark's keeps DECIMAL operands DECIMAL,
        # with a bounded scale (a rate of 0.001 per minute came out 0.05% off).
        node.set("this", exp.cast(node.this, "DOUBLE"))
        return node
    if (
        isinstance(node, exp.Split)
        and isinstance(node.expression, exp.Literal)
        and node.expression.this == ""
    ):
        # Into characters. sqlglot quotes the separator as the regex \Q\E, which Java
        # splits into code units plus a trailing '' (a GSM-7 body counted two septets long);
        # Spark's own split on '' gives the characters, surrogate pairs whole.
        return _call("SPLIT", node.this, exp.Literal.string(""))
    if isinstance(node, exp.Trim) and node.args.get("expression") is None:
        # trim/ltrim/rtrim of spaces (with characters given, both engines strip those alone)
        side = str(node.args.get("position") or "BOTH").upper()
        return exp.RegexpReplace(
            this=node.this,
            expression=exp.Literal.string(ZS_TRIM[side]),
            replacement=exp.Literal.string(""),
        )
    if isinstance(node, exp.RegexpFullMatch):
        return _regexp_full_match(node.this, node.expression)
    if isinstance(node, exp.CTE) and node.args.get("materialized") is False:
        node.set("materialized", None)
        return node
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        args = list(node.expressions)
        if name == "epoch_us":
            return _call("UNIX_MICROS", *args)
        if name == "make_timestamptz" and len(args) == 1:
            return _call("TIMESTAMP_MICROS", *args)
        if name == "error":
            return _call("RAISE_ERROR", *args)
        if name == "timezone":  # every use in sql/ converts a TIMESTAMPTZ to local time
            return _call("FROM_UTC_TIMESTAMP", args[1], args[0])
        if name == "list_position":  # DuckDB: NULL when absent; Spark's ARRAY_POSITION: 0
            return exp.Nullif(this=_call("ARRAY_POSITION", *args), expression=exp.Literal.number(0))
        if name == "list_reduce" and len(args) == 3:
            return _call("AGGREGATE", args[0], args[2], args[1])
        if name == "regexp_full_match":
            return _regexp_full_match(args[0], args[1])
    return node


def _rewrite_tree(tree: exp.Expr, params: Mapping[str, object]) -> exp.Expr:
    """Every node rewritten, children before their parents (a rewritten parent takes its
    already rewritten arguments along)."""
    for node in reversed(list(tree.walk(bfs=False))):
        new = _rewrite(node, params)
        if new is not node:
            if node is tree:
                return new
            node.replace(new)
    return tree


def _spark(tree: exp.Expr, pretty: bool) -> str:
    return tree.sql(
        dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE, comments=False, pretty=pretty
    )


def transpile(sql: str, params: Mapping[str, object] | None = None) -> str:
    """``sql`` (one SELECT in the project's DuckDB subset) as Spark SQL, parameters bound."""
    return _spark(_rewrite_tree(sqlglot.parse_one(sql, read="duckdb"), params or {}), False)


@cache
def _file_tree(name: str) -> exp.Expr:
    return sqlglot.parse_one(sqlfiles.query(name), read="duckdb")


def query(name: str, params: Mapping[str, object] | None = None) -> str:
    """``sql/<name>.sql`` as Spark SQL with ``params`` bound (exactly those it takes), laid
    out one clause per line (Spark's errors then point at a readable line)."""
    given = sqlfiles.bound(name, params)
    return _spark(_rewrite_tree(_file_tree(name).copy(), given), True)
