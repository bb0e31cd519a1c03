"""Phone numbers in any common spelling -> E.164, territory and clock (CONTRACT §3).

``normalize_numbers`` decides every distinct raw spelling once and writes a map that the
loader joins back to the rows. Two paths give the same answer:

- the **fast path** runs in DuckDB (``sql/phone_fast.sql``): spellings are cleaned with
  string functions, and national numbers are read against the patterns of every country,
  taken from ``phonenumbers``' metadata at run time (general description, region by leading
  digits or validity, first type in precedence order, the length rules behind the reasons
  for invalid numbers), as plain regexes that DuckDB's RE2 runs on millions of rows;
- the **slow path**, ``classify``, calls ``phonenumbers`` once per distinct string the fast
  path leaves on purpose: fewer than three digits or over ``FAST_LONGEST`` characters,
  non-geographic country codes (+800...), a national prefix written after the country code
  that does not leave a valid number, countries whose metadata uses a syntax the fast path
  does not copy. It is the reference: the fast path only ever decides what ``classify``
  would decide, which the tests check on random numbers of many countries.

Reading rules, shared by both paths:

1. Whitespace of any common kind (space, tab, no-break and narrow no-break spaces) is
   dropped. Nothing left: ``missing``.
2. Scientific notation (``3.36123E+10``, a spreadsheet's display of a number) is rejected:
   the digits it lost cannot be recovered. A trailing ``.0`` (``33612345678.0``) is dropped.
3. The trunk-prefix notation ``(0)`` and the separators ``. - / ( )`` are dropped. What is
   left must be digits with an optional leading ``+``: letters, extensions, ``tel:`` URIs
   and the like are ``not a phone number``.
4. ``+`` or ``00`` starts an international number. ``0`` followed by nine digits is a
   number of the French national plan, which includes the overseas departments (inside
   France ``0692 12 34 56`` reaches a Réunion mobile): metropolitan France is tried first,
   then +262, +590, +594, +596 and +508. Nine bare digits are the same national number
   whose leading ``0`` a spreadsheet dropped. Other bare digits are read as an
   international number without its ``+`` when they start with a French country code
   (``33612345678``, ``262692123456``).
5. Valid numbers of a territory of ``schema.TERRITORY_CLOCKS`` are ``french``, with the
   region ``phonenumbers.region_code_for_number`` gives (RE or YT for +262; GP, BL or MF
   for +590) and its clock; other valid numbers are ``foreign`` (their region, no clock);
   the rest are ``invalid`` with a reason.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, NamedTuple

import duckdb
import phonenumbers
import pyarrow as pa
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberType, ValidationResult

from . import schema, sqlfiles

# --- reading rules, as regular expressions valid in both Python's re and DuckDB's RE2 ----
# Characters, not escapes, so that both engines read the same class.
BLANKS = "[ \t\r\n\u00a0\u2007\u2009\u202f]"
SCIENTIFIC = r"[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+"
EXCEL_FLOAT = r"(\+?[0-9]+)[.,]0+"
TRUNK_ZERO_TEXT = "(0)"
SEPARATOR_CHARS = "-./()"
TRUNK_ZERO = re.escape(TRUNK_ZERO_TEXT)
SEPARATORS = f"[{re.escape(SEPARATOR_CHARS)}]"
SHAPE = r"\+?[0-9]+"
# Spellings made of digits, plain spaces and a leading +, at least one digit: the cleaning of
# rules 1-3 only drops their spaces (RE2 only: Python's \d would be wider than [0-9]).
PLAIN = r" *\+?[ 0-9]*[0-9][ 0-9]*"
# The same with the separators of rule 3 (no comma: "612,0" is a spreadsheet's float).
PUNCTUATED = r" *\+?[ 0-9().\-/]*[0-9][ 0-9().\-/]*"
# No blank but plain spaces.
SPACES_ONLY = "[^" + BLANKS[2:-1] + "]*"

MISSING = "missing"
SCIENTIFIC_REASON = "scientific notation: a spreadsheet dropped digits"
NOT_A_NUMBER = "not a phone number"

# Country codes of the French territories, each with its regions in the library's order
# (region_code_for_number tries them in this order).
FRENCH_CODES: dict[str, tuple[str, ...]] = {
    str(cc): tuple(regions)
    for cc, regions in sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items())
    if any(r in schema.TERRITORY_CLOCKS for r in regions)
}
# Order in which a national number (0 + nine digits) is tried: metropolitan France first.
NATIONAL_ORDER: tuple[str, ...] = ("33", "262", "590", "594", "596", "508")
NATIONAL_LENGTH = 9
DIGITS = "0123456789"

# Number types in the precedence of phonenumbers' _number_type_helper; fixed_line and
# mobile come last and combine into fixed_line_or_mobile.
_SPECIAL_TYPES = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)
_TYPE_NAMES: dict[int, str] = {
    value: name.lower() for name, value in vars(PhoneNumberType).items() if name.isupper()
}

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class PhoneResult(NamedTuple):
    """How one raw spelling reads: one row of the phone map."""

    e164: str | None
    territory: str | None  # region code; for foreign numbers too
    tz: str | None  # IANA clock, French numbers only
    status: str  # 'french' | 'foreign' | 'invalid'
    reason: str | None  # why invalid
    number_type: str | None  # 'mobile', 'fixed_line', ... (phonenumbers' type, lower case)


def _invalid(reason: str) -> PhoneResult:
    return PhoneResult(None, None, None, "invalid", reason, None)


def clean(raw: str | None) -> str | PhoneResult:
    """Apply the reading rules 1-3: ``+digits``/``digits``, or the invalid result."""
    if raw is None:
        return _invalid(MISSING)
    s = re.sub(BLANKS, "", raw)
    if not s:
        return _invalid(MISSING)
    if re.fullmatch(SCIENTIFIC, s):
        return _invalid(SCIENTIFIC_REASON)
    if m := re.fullmatch(EXCEL_FLOAT, s):
        s = m.group(1)
    s = re.sub(SEPARATORS, "", re.sub(TRUNK_ZERO, "", s))
    return s if re.fullmatch(SHAPE, s) else _invalid(NOT_A_NUMBER)


def _result(number: phonenumbers.PhoneNumber) -> PhoneResult | None:
    """The result for a parsed number, or None when it is not valid."""
    # is_valid_number(n) is "number_type(n) is known for region_code_for_number(n)": asking
    # for both directly saves a third pass over the country's patterns.
    region = phonenumbers.region_code_for_number(number)
    kind = phonenumbers.number_type(number)
    if region is None or kind == PhoneNumberType.UNKNOWN:
        return None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    tz = schema.TERRITORY_CLOCKS.get(region)
    return PhoneResult(e164, region, tz, "french" if tz else "foreign", None, _TYPE_NAMES[kind])


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | str:
    """``phonenumbers.parse``, or the reason it refused the text."""
    try:
        return phonenumbers.parse(text, region)
    except NumberParseException as e:
        if e.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            return "unknown country code"
        if e.error_type in (
            NumberParseException.TOO_SHORT_NSN,
            NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            return "too short"
        if e.error_type == NumberParseException.TOO_LONG:
            return "too long"
        return NOT_A_NUMBER


def _parsed_result(text: str, region: str | None) -> PhoneResult | str:
    """Parse and validate: the valid result, or the reason the number is invalid."""
    number = _parse(text, region)
    if isinstance(number, str):
        return number
    if (valid := _result(number)) is not None:
        return valid
    cc = number.country_code
    why = phonenumbers.is_possible_number_with_reason(number)
    return {
        ValidationResult.TOO_SHORT: "too short",
        ValidationResult.TOO_LONG: "too long",
        ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
        ValidationResult.INVALID_LENGTH: f"invalid length for +{cc}",
    }.get(why, f"invalid number for +{cc}")


def _national(nsn: str) -> PhoneResult | None:
    """A nine-digit national significant number of the French plan, territory by territory."""
    for cc in NATIONAL_ORDER:
        region = FRENCH_CODES[cc][0]
        found = _parsed_result("0" + nsn, region)
        if isinstance(found, PhoneResult):
            return found
    return None


def classify(raw: str | None) -> PhoneResult:
    """Read one raw spelling with ``phonenumbers``: the reference the fast path matches."""
    cleaned = clean(raw)
    if isinstance(cleaned, PhoneResult):
        return cleaned
    found: PhoneResult | str | None = None
    if cleaned.startswith("+"):
        found = _parsed_result(cleaned, None)
    elif cleaned.startswith("00"):
        found = _parsed_result("+" + cleaned[2:], None)
    elif cleaned.startswith("0"):
        if len(cleaned) == NATIONAL_LENGTH + 1:
            found = _national(cleaned[1:])
        found = found or _parsed_result(cleaned, "FR")
    else:
        # Nine bare digits: a national number that lost its 0; longer ones may have lost a +.
        if len(cleaned) == NATIONAL_LENGTH:
            found = _national(cleaned)
        if found is None and cleaned.startswith(tuple(FRENCH_CODES)):
            found = _parsed_result("+" + cleaned, None)
        found = found or _parsed_result(cleaned, "FR")
    return found if isinstance(found, PhoneResult) else _invalid(found)


# --- fast path: phonenumbers' metadata as DuckDB macros and lookup lists ------------------

# Types in the precedence of _number_type_helper; a type's position (from 1) is its code in
# the fast path. fixed_line_or_mobile is a fixed line the mobile pattern matches too.
TYPE_ORDER: tuple[str, ...] = (*_SPECIAL_TYPES, "fixed_line", "mobile", "fixed_line_or_mobile")
_FIXED_LINE = TYPE_ORDER.index("fixed_line") + 1
# Appended to a national number before one RE2 pass over all of a region's types: the
# alternative of the type at position i also takes the first i letters, so the length of the
# match names the first type (in precedence order) whose pattern matches the whole number.
_TYPE_KEY = "abcdefghij"
# A valid number's code: its region's position in REGIONS times _CODE_BASE, plus its type.
_CODE_BASE = 16
# What the fast path copies from the metadata into RE2: digits, classes, groups, alternation,
# optional and counted repetition (read alike by both engines). A country whose patterns
# hold anything else is left to phonenumbers.
_PORTABLE = re.compile(r"(?:\\d|[0-9\[\]()|?:{},-])*")
# Longest cleaned spelling the fast path reads: phonenumbers refuses long input on its own
# terms (_MAX_INPUT_STRING_LENGTH) before it looks at the digits.
FAST_LONGEST = 100
# phonenumbers' bounds on a national significant number (_MIN/_MAX_LENGTH_FOR_NSN).
NSN_SHORTEST, NSN_LONGEST = 2, 17


def _portable(*patterns: str | None) -> bool:
    return all(p is None or _PORTABLE.fullmatch(p) for p in patterns)


def _metadata(region: str) -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.general_desc is None:
        raise RuntimeError(f"phonenumbers has no metadata for {region}")
    return metadata


def _general(region: str) -> phonenumbers.PhoneNumberDesc:
    general = _metadata(region).general_desc
    assert general is not None  # checked by _metadata
    return general


def _descs(metadata: PhoneMetadata) -> list[tuple[int, phonenumbers.PhoneNumberDesc]]:
    """(position in TYPE_ORDER, description) of the types a region defines, in precedence."""
    found = []
    for position, name in enumerate(TYPE_ORDER[:-1], start=1):
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        # _number_type_helper never asks for mobile when it is the fixed-line pattern.
        if name == "mobile" and metadata.same_mobile_and_fixed_line_pattern:
            continue
        found.append((position, desc))
    return found


def _char_range(match: re.Match[str]) -> str:
    return "".join(map(chr, range(ord(match[1]), ord(match[2]) + 1)))


def _first_digits(pattern: str) -> frozenset[str]:
    """The digits a match of a portable pattern (see _PORTABLE) can start with."""
    pos = 0

    def alternation() -> tuple[set[str], bool]:  # (first digits, may match nothing)
        nonlocal pos
        first, empty = sequence()
        while pos < len(pattern) and pattern[pos] == "|":
            pos += 1
            more, more_empty = sequence()
            first, empty = first | more, empty or more_empty
        return first, empty

    def sequence() -> tuple[set[str], bool]:
        nonlocal pos
        first: set[str] = set()
        empty = True
        while pos < len(pattern) and pattern[pos] not in "|)":
            head, head_empty = atom()
            least, most = repeat()
            if most == 0:
                continue
            if empty:
                first |= head
            empty = empty and (head_empty or least == 0)
        return first, empty

    def atom() -> tuple[set[str], bool]:
        nonlocal pos
        if pattern.startswith("\\d", pos):
            pos += 2
            return set(DIGITS), False
        if pattern[pos] == "[":
            end = pattern.index("]", pos)
            body = pattern[pos + 1 : end].replace("\\d", "0-9")
            pos = end + 1
            return set(re.sub(r"(.)-(.)", _char_range, body)), False
        if pattern[pos] == "(":
            pos += 3 if pattern.startswith("(?:", pos) else 1
            found = alternation()
            if pattern[pos] != ")":
                raise ValueError(f"unbalanced group in {pattern!r}")
            pos += 1
            return found
        if pattern[pos] in DIGITS:
            pos += 1
            return {pattern[pos - 1]}, False
        raise ValueError(f"unexpected {pattern[pos]!r} in {pattern!r}")

    def repeat() -> tuple[int, int | None]:  # (least, most) repetitions; most None: no bound
        nonlocal pos
        if pos < len(pattern) and pattern[pos] == "?":
            pos += 1
            return 0, 1
        if pos < len(pattern) and pattern[pos] == "{":
            end = pattern.index("}", pos)
            least, _, most = pattern[pos + 1 : end].partition(",")
            pos = end + 1
            return int(least or 0), int(most) if most else (None if _ else int(least))
        return 1, 1

    first, _ = alternation()
    if pos != len(pattern):
        raise ValueError(f"unbalanced group in {pattern!r}")
    return frozenset(first)


def _fast_region(region: str) -> bool:
    """Whether the fast path can read ``region``'s numbers exactly as phonenumbers does."""
    metadata = _metadata(region)
    general = metadata.general_desc
    patterns = [d.national_number_pattern for _, d in _descs(metadata)]
    mobile = metadata.mobile.national_number_pattern if metadata.mobile else None
    if not (
        general is not None
        and bool(general.possible_length)
        and _portable(general.national_number_pattern, metadata.leading_digits, mobile, *patterns)
    ):
        return False
    try:
        for pattern in patterns:
            _first_digits(str(pattern))
    except (ValueError, IndexError):
        return False
    return True


def _fast_country(regions: tuple[str, ...]) -> bool:
    if regions == (phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY,):
        return False  # +800, +882...: no region; rare enough for phonenumbers
    main = _metadata(regions[0])
    return all(map(_fast_region, regions)) and _portable(main.national_prefix_for_parsing)


# Country codes the fast path reads, each with its regions in the library's order
# (region_code_for_number tries them in this order); French codes first.
FAST_COUNTRIES: dict[str, tuple[str, ...]] = {
    str(cc): tuple(regions)
    for cc, regions in sorted(
        phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items(),
        key=lambda item: (str(item[0]) not in FRENCH_CODES, item[0]),
    )
    if _fast_country(tuple(regions))
}
if not set(FRENCH_CODES) <= set(FAST_COUNTRIES):
    raise RuntimeError("phonenumbers metadata for a French territory is not what smsaudit expects")
REGIONS: tuple[str, ...] = tuple(r for regions in FAST_COUNTRIES.values() for r in regions)
_REGION_NUMBER = {region: position for position, region in enumerate(REGIONS, start=1)}


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
    base = _REGION_NUMBER[region] * _CODE_BASE
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
    regions = FAST_COUNTRIES[cc]
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
    main = _metadata(FAST_COUNTRIES[cc][0])
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
    regions = ["FR", *(r for cc in countries for r in FAST_COUNTRIES[cc] if r != "FR")]
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
                f"WHEN {_REGION_NUMBER[r]} THEN {_also_mobile_sql(r, 'nsn')}"
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
            return cc if cc in FAST_COUNTRIES else "?"
    return ""


def _plan_sql(cc: str, n: str) -> tuple[str, str]:
    """SQL on a national number's length ``n`` for ``+cc``, from _test_number_length against
    its main region's general description: the reason is_possible_number_with_reason gives
    an invalid number (as classify words it), and whether parse keeps a number whose
    national prefix it stripped (not too short, local only or of an invalid length)."""
    general = _general(FAST_COUNTRIES[cc][0])
    lengths = list(general.possible_length)
    local = f"list_contains({list(general.possible_length_local_only)}, {n})"
    listed = f"list_contains({lengths}, {n})"
    reason = (
        f"CASE WHEN {local} OR {n} = {lengths[0]} THEN 'invalid number for +{cc}' "
        f"WHEN {n} < {lengths[0]} THEN 'too short' WHEN {n} > {lengths[-1]} THEN 'too long' "
        f"WHEN {listed} THEN 'invalid number for +{cc}' ELSE 'invalid length for +{cc}' END"
    )
    return reason, f"(NOT {local} AND ({listed} OR {n} > {lengths[-1]}))"


def _fast_params() -> dict[str, Any]:
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
        "regions": list(REGIONS),
        "region_codes": [cc for cc, regions in FAST_COUNTRIES.items() for _ in regions],
        "clocks": [schema.TERRITORY_CLOCKS.get(r) for r in REGIONS],
        "code_base": _CODE_BASE,
        "types": list(TYPE_ORDER),
        "fixed_line": _FIXED_LINE,
    }


FAST_PARAMS = _fast_params()

MAP_COLUMNS = {
    "raw": "VARCHAR",
    "e164": "VARCHAR",
    "territory": "VARCHAR",
    "tz": "VARCHAR",
    "status": "VARCHAR",
    "reason": "VARCHAR",
    "number_type": "VARCHAR",
}


def _identifier(name: str) -> str:
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(f"not a plain table name: {name!r}")
    return name


def _fast_query(con: duckdb.DuckDBPyConnection, countries: tuple[str, ...], into: str) -> None:
    """Run sql/phone_fast.sql over ``phone_input``, reading numbers of ``countries``."""
    con.execute(_macro_sql(countries))
    sql = sqlfiles.query("phone_fast")
    params = {k: v for k, v in FAST_PARAMS.items() if f"${k}" in sql}
    con.execute(into.format(sql=sql), params)


def fast_path(
    con: duckdb.DuckDBPyConnection, raw_table: str, *, already_distinct: bool = False
) -> None:
    """Decide in DuckDB what needs no ``phonenumbers`` call: table ``phone_fast``.

    ``phone_fast`` has the columns of the phone map; ``status`` is NULL where the fast path
    could not decide (the slow path's share). Two runs of sql/phone_fast.sql: the bulk, in a
    query of small expressions; then the spellings it left pending, packed in fewer chunks,
    with the patterns of the countries they seem to belong to.
    """
    source = _identifier(raw_table)
    distinct = "" if already_distinct else "DISTINCT "
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW phone_input AS SELECT {distinct}raw FROM {source}"
        )
        _fast_query(con, (), "CREATE OR REPLACE TABLE phone_fast AS {sql}")
        found = con.execute(
            "SELECT DISTINCT pending_cc FROM phone_fast WHERE pending_cc IS NOT NULL"
        ).fetchall()
        if found:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE phone_pending AS "
                "SELECT raw FROM phone_fast WHERE pending_cc IS NOT NULL"
            )
            con.execute("DELETE FROM phone_fast WHERE pending_cc IS NOT NULL")
            con.execute("CREATE OR REPLACE TEMP VIEW phone_input AS SELECT raw FROM phone_pending")
            seen = {str(cc) for (cc,) in found} & set(FAST_COUNTRIES)
            countries = (*FRENCH_CODES, *sorted(seen - set(FRENCH_CODES), key=int))
            _fast_query(con, countries, "INSERT INTO phone_fast SELECT * FROM (\n{sql}\n)")
        con.execute("ALTER TABLE phone_fast DROP COLUMN pending_cc")
    except BaseException:
        con.execute("DROP TABLE IF EXISTS phone_fast")
        raise
    finally:
        con.execute("DROP TABLE IF EXISTS phone_pending")
        con.execute("DROP VIEW IF EXISTS phone_input")


def normalize_numbers(
    con: duckdb.DuckDBPyConnection,
    raw_table: str,
    out_table: str = "phone_map",
    *,
    already_distinct: bool = False,
) -> int:
    """Write ``out_table``: one row per distinct ``raw`` of ``raw_table``.

    Columns: ``raw, e164, territory, tz, status ('french'|'foreign'|'invalid'), reason,
    number_type``. ``raw`` values must be VARCHAR (NULL reads as ``missing``); duplicates
    are read once. ``already_distinct=True`` says ``raw_table`` holds each spelling once
    (as a UNION gives it), which saves hashing millions of strings a second time.
    Returns how many distinct spellings needed ``phonenumbers`` (the slow path).
    """
    out = _identifier(out_table)
    fast_path(con, raw_table, already_distinct=already_distinct)
    try:
        pending = con.execute("SELECT raw FROM phone_fast WHERE status IS NULL").fetchall()
        if pending:
            # The slow path: one phonenumbers reading per distinct undecided spelling.
            results = [classify(raw) for (raw,) in pending]
            slow = pa.table(
                {
                    "raw": pa.array([raw for (raw,) in pending], pa.string()),
                    **{
                        name: pa.array([getattr(r, name) for r in results], pa.string())
                        for name in PhoneResult._fields
                    },
                }
            )
            con.register("phone_slow", slow)
            try:
                con.execute("DELETE FROM phone_fast WHERE status IS NULL")
                columns = ", ".join(MAP_COLUMNS)
                con.execute(f"INSERT INTO phone_fast SELECT {columns} FROM phone_slow")
            finally:
                con.unregister("phone_slow")
    except BaseException:
        con.execute("DROP TABLE IF EXISTS phone_fast")
        raise
    # Renaming keeps the rows where they are: copying millions of strings is not free.
    if out != "phone_fast":
        con.execute(f"DROP TABLE IF EXISTS {out}")
        con.execute(f"ALTER TABLE phone_fast RENAME TO {out}")
    return len(pending)
