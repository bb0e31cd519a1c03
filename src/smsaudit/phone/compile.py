"""phonenumbers' metadata compiled to DuckDB macros and lookup lists for sql/phone_fast.sql
(on first use: the results are cached)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import phonenumbers

from .. import schema
from .patterns import (
    _CODE_BASE,
    _FIXED_LINE,
    _TYPE_KEY,
    FAST_LONGEST,
    NSN_LONGEST,
    NSN_SHORTEST,
    TYPE_ORDER,
    _descs,
    _first_digits,
    _general,
    _metadata,
    fast_countries,
    region_number,
    regions,
)
from .reference import (
    BLANKS,
    DIGITS,
    EXCEL_FLOAT,
    FRENCH_CODES,
    MISSING,
    NATIONAL_ORDER,
    NOT_A_NUMBER,
    PLAIN,
    PUNCTUATED,
    SCIENTIFIC,
    SCIENTIFIC_REASON,
    SEPARATOR_CHARS,
    SHAPE,
    SPACES_ONLY,
    TRUNK_ZERO_TEXT,
)


def _literal(text: str) -> str:
    """A SQL string literal (metadata patterns hold no quote; escaped all the same)."""
    return "'" + text.replace("'", "''") + "'"


def _matches(nsn: str, desc: phonenumbers.PhoneNumberDesc) -> str:
    """SQL for phonenumbers' _is_number_matching_desc: possible lengths, then the pattern."""
    cond = f"regexp_full_match({nsn}, {_literal(desc.national_number_pattern or '')})"
    if desc.possible_length:
        return f"(length({nsn}) IN ({', '.join(map(str, desc.possible_length))}) AND {cond})"
    return cond


def _starts_with_digit(nsn: str, digits: list[str]) -> str:
    """SQL true when the digit string ``nsn`` starts with one of ``digits``: runs of
    consecutive digits as a range of strings ("6" <= nsn < "8" for 6 and 7)."""
    runs: list[list[str]] = []
    for digit in sorted(digits):
        if runs and int(digit) == int(runs[-1][-1]) + 1:
            runs[-1].append(digit)
        else:
            runs.append([digit])
    tests = []
    for run in runs:
        if len(run) == 1:
            tests.append(f"starts_with({nsn}, '{run[0]}')")
            continue
        bounds = [f"{nsn} >= '{run[0]}'"] if run[0] != "0" else []
        bounds += [f"{nsn} < '{int(run[-1]) + 1}'"] if run[-1] != "9" else []
        tests.append(f"({' AND '.join(bounds) or 'true'})")
    return " OR ".join(tests)


def _types_sql(
    region: str, length: int, nsn: str, first_digits: str | frozenset[str] = DIGITS
) -> str | None:
    """SQL for the code of ``nsn`` (of ``length`` digits) by the first type of ``region`` whose
    description it matches, in precedence order; NULL when none.

    Numbers are dispatched on their first digit to the types that can start with it: mostly
    one, one RE2 match. Where several can, their patterns are folded into one alternation in
    precedence order, each alternative tagged by its share of _TYPE_KEY, and the length of
    the match picks the code from a constant list (no NULLIF: DuckDB expands it into a CASE
    that runs the pattern twice).
    """
    metadata = _metadata(region)
    base = region_number()[region] * _CODE_BASE
    types = [
        (position, str(desc.national_number_pattern))
        for position, desc in _descs(metadata)
        if not desc.possible_length or length in desc.possible_length
    ]
    starts = {pattern: _first_digits(pattern) for _, pattern in types}
    by_digit: dict[tuple[tuple[int, str], ...], list[str]] = {}
    for digit in sorted(first_digits):
        candidates = tuple(t for t in types if digit in starts[t[1]])
        if candidates:
            by_digit.setdefault(candidates, []).append(digit)
    whens = []
    # Mobiles first: most numbers an SMS audit reads take the first branch.
    mobile = TYPE_ORDER.index("mobile") + 1
    for candidates, digits in sorted(
        by_digit.items(), key=lambda item: all(p != mobile for p, _ in item[0])
    ):
        if len(candidates) == 1:
            ((position, pattern),) = candidates
            matched = f"regexp_full_match({nsn}, {_literal(pattern)})"
            code = f"CASE WHEN {matched} THEN {base + position} END"
        else:
            codes = ["NULL"] * (length + len(_TYPE_KEY) + 1)
            alternatives = []
            for position, pattern in candidates:
                alternatives.append(f"(?:{pattern}){_TYPE_KEY[:position]}")
                codes[length + position] = str(base + position)
            tagged = _literal(f"^(?:{'|'.join(alternatives)})")
            matched = f"length(regexp_extract({nsn} || '{_TYPE_KEY}', {tagged}))"
            code = f"[{', '.join(codes)}][{matched} + 1]"
        whens.append(f"WHEN {_starts_with_digit(nsn, digits)} THEN {code}")
    return f"CASE {' '.join(whens)} END" if whens else None


# A general description that only bounds the first digit ("[1-9]\d{8}", metropolitan France):
# the dispatch on the first digit checks it, no RE2 pass needed.
_FIRST_DIGIT_ONLY = re.compile(r"(\[[0-9-]+\]|[0-9]|\\d)\\d\{([0-9]+)\}")


def _region_sql(region: str, nsn: str) -> str:
    """SQL for the code of ``nsn`` when _number_type_helper finds its type in ``region``."""
    general = _general(region)
    lengths = list(general.possible_length)
    first_digits: str | frozenset[str] = DIGITS
    check = _matches(nsn, general)
    if simple := _FIRST_DIGIT_ONLY.fullmatch(general.national_number_pattern or ""):
        first_digits, check = _first_digits(simple[1]), "true"
        lengths = [n for n in lengths if n == int(simple[2]) + 1]
    whens = [
        f"WHEN {length} THEN {sql}"
        for length in lengths
        if (sql := _types_sql(region, length, nsn, first_digits)) is not None
    ]
    if not whens:
        return "NULL"
    by_length = f"CASE length({nsn}) {' '.join(whens)} END"
    return by_length if check == "true" else f"CASE WHEN {check} THEN {by_length} END"


def _country_sql(cc: str, nsn: str) -> str:
    """SQL for the code of the national number ``nsn`` of ``+cc``, NULL when invalid.

    Mirrors region_code_for_number: one region decides alone; among several, the first
    whose leading digits match decides (the number may be invalid there), else the first
    where the number is valid.
    """
    regions = fast_countries()[cc]
    if len(regions) == 1:
        return _region_sql(regions[0], nsn)
    sql = "NULL"
    for region in reversed(regions):
        arm = _region_sql(region, nsn)
        if (leading := _metadata(region).leading_digits) is not None:
            starts = f"regexp_matches({nsn}, {_literal(f'^(?:{leading})')})"
            sql = f"CASE WHEN {starts} THEN {arm} ELSE {sql} END"
        else:
            sql = f"coalesce({arm}, {sql})"
    return sql


def _strip_sql(cc: str, rest: str) -> str | None:
    """SQL for the national prefix after ``+cc``: NULL when none, else its length, or -1
    when the country rewrites it (national_prefix_transform_rule): left to phonenumbers."""
    main = _metadata(fast_countries()[cc][0])
    prefix = main.national_prefix_for_parsing
    if not prefix:
        return None
    found = f"regexp_matches({rest}, {_literal(f'^(?:{prefix})')})"
    if main.national_prefix_transform_rule:
        return f"CASE WHEN {found} THEN -1 END"
    if prefix.isdigit():
        return f"CASE WHEN starts_with({rest}, '{prefix}') THEN {len(prefix)} END"
    length = f"length(regexp_extract({rest}, {_literal(f'^(?:{prefix})')}))"
    return f"CASE WHEN {found} THEN {length} END"


def _also_mobile_sql(region: str, nsn: str) -> str:
    """SQL true when a fixed line of ``region`` is also a mobile (fixed_line_or_mobile)."""
    metadata = _metadata(region)
    if metadata.same_mobile_and_fixed_line_pattern:
        return "true"
    mobile = metadata.mobile
    return _matches(nsn, mobile) if mobile and mobile.national_number_pattern else "false"


def _case(operand: str, whens: list[str], otherwise: str = "NULL") -> str:
    return f"CASE {operand} {' '.join(whens)} ELSE {otherwise} END" if whens else otherwise


@cache
def _macro_sql(countries: tuple[str, ...]) -> str:
    """The phone_* macros sql/phone_fast.sql uses, reading numbers of ``countries``.

    Without countries (the bulk run), only valid metropolitan numbers in the dominant
    spellings are read and every other number is pending: the bulk then costs a few string
    functions and one RE2 match a row (measured: carrying the French lanes in it as well
    made the whole slower). The run over pending numbers holds the patterns of their
    countries only: RE2 compiles every pattern a query holds, and all countries' take about
    a second per query.
    """
    regions = ["FR", *(r for cc in countries for r in fast_countries()[cc] if r != "FR")]
    # Rule 3 with replace(): the trunk zero, then each separator (a regexp_replace pass costs
    # several replace() calls).
    unpunctuated = f"replace(s, {_literal(TRUNK_ZERO_TEXT)}, '')"
    for char in SEPARATOR_CHARS:
        unpunctuated = f"replace({unpunctuated}, {_literal(char)}, '')"
    national = [_country_sql(cc, "nsn") for cc in NATIONAL_ORDER] if countries else []
    plans = {cc: _plan_sql(cc, "n") for cc in countries}
    strips = ((cc, _strip_sql(cc, "rest")) for cc in countries)
    macros = {
        "phone_bulk()": "false" if countries else "true",
        "phone_unpunctuated(s)": unpunctuated,
        "phone_metropolitan(nsn)": _region_sql("FR", "nsn"),
        "phone_national(nsn)": f"coalesce({', '.join(national)})" if national else "NULL",
        "phone_compiled(cc)": f"cc IN ({', '.join(map(_literal, countries))})"
        if countries
        else "false",
        "phone_read(cc, nsn)": _case(
            "cc", [f"WHEN '{cc}' THEN {_country_sql(cc, 'nsn')}" for cc in countries]
        ),
        "phone_strip(cc, rest)": _case(
            "cc", [f"WHEN '{cc}' THEN {sql}" for cc, sql in strips if sql]
        ),
        "phone_invalid(cc, n)": _case(
            "cc", [f"WHEN '{cc}' THEN {sql}" for cc, (sql, _) in plans.items()]
        ),
        "phone_keeps_stripped(cc, n)": _case(
            "cc", [f"WHEN '{cc}' THEN {sql}" for cc, (_, sql) in plans.items()]
        ),
        "phone_also_mobile(region, nsn)": _case(
            "region",
            [
                f"WHEN {region_number()[r]} THEN {_also_mobile_sql(r, 'nsn')}"
                for r in regions
                if _metadata(r).fixed_line is not None
            ],
            "false",
        ),
    }
    return ";\n".join(f"CREATE OR REPLACE TEMP MACRO {k} AS {v}" for k, v in macros.items())


def _country_of_prefix(prefix: str) -> str:
    """The country code _extract_country_code reads from three leading digits (not 0).

    '' when none: an unknown country code; '?' when the fast path leaves it to phonenumbers.
    """
    for cc in (prefix[:1], prefix[:2], prefix):
        if int(cc) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return cc if cc in fast_countries() else "?"
    return ""


def _plan_sql(cc: str, n: str) -> tuple[str, str]:
    """SQL on a national number's length ``n`` for ``+cc``, from _test_number_length against
    its main region's general description: the reason is_possible_number_with_reason gives
    an invalid number (as classify words it), and whether parse keeps a number whose
    national prefix it stripped (not too short, local only or of an invalid length)."""
    general = _general(fast_countries()[cc][0])
    lengths = list(general.possible_length)
    local = f"list_contains({list(general.possible_length_local_only)}, {n})"
    listed = f"list_contains({lengths}, {n})"
    reason = (
        f"CASE WHEN {local} OR {n} = {lengths[0]} THEN 'invalid number for +{cc}' "
        f"WHEN {n} < {lengths[0]} THEN 'too short' WHEN {n} > {lengths[-1]} THEN 'too long' "
        f"WHEN {listed} THEN 'invalid number for +{cc}' ELSE 'invalid length for +{cc}' END"
    )
    return reason, f"(NOT {local} AND ({listed} OR {n} > {lengths[-1]}))"


@cache
def fast_params() -> dict[str, Any]:
    """The fast path's $parameters (patterns, lists and codes), built on first use."""
    return {
        "plain": PLAIN,
        "punctuated": PUNCTUATED,
        "spaces_only": SPACES_ONLY,
        "blanks": BLANKS,
        "scientific": SCIENTIFIC,
        "excel_float": EXCEL_FLOAT,
        "shape": SHAPE,
        "missing": MISSING,
        "scientific_reason": SCIENTIFIC_REASON,
        "not_a_number": NOT_A_NUMBER,
        "french_codes": f"^(?:{'|'.join(FRENCH_CODES)})",
        "longest": FAST_LONGEST,
        "nsn_shortest": NSN_SHORTEST,
        "nsn_longest": NSN_LONGEST,
        "country_codes": [_country_of_prefix(str(p)) for p in range(100, 1000)],
        "regions": list(regions()),
        "region_codes": [cc for cc, regions in fast_countries().items() for _ in regions],
        "clocks": [schema.TERRITORY_CLOCKS.get(r) for r in regions()],
        "code_base": _CODE_BASE,
        "types": list(TYPE_ORDER),
        "fixed_line": _FIXED_LINE,
    }
