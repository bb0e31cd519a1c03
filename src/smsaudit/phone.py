"""Phone numbers in any common spelling -> E.164, territory and clock (CONTRACT §3).

``normalize_numbers`` decides every distinct raw spelling once and writes a map that the
loader joins back to the rows. Two paths give the same answer:

- the **fast path** runs in DuckDB: spelling noise is stripped with regular expressions and
  the national significant number is matched against the French territories' patterns,
  read from ``phonenumbers``' metadata at run time (plain regexes, which DuckDB's RE2 runs
  on millions of rows at once);
- the **slow path**, ``classify``, calls ``phonenumbers`` once per distinct string the fast
  path did not decide (foreign numbers, invalid numbers, odd spellings). It is the
  reference: the fast path only ever decides what ``classify`` would decide.

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
from typing import NamedTuple

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
TRUNK_ZERO = r"\(0\)"
SEPARATORS = r"[-./()]"
SHAPE = r"\+?[0-9]+"

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


# --- fast path: the territories' patterns as DuckDB macros ---------------------------------


def _literal(text: str) -> str:
    """A SQL string literal (metadata patterns hold no quote; escaped all the same)."""
    return "'" + text.replace("'", "''") + "'"


def _matches(nsn: str, desc: phonenumbers.PhoneNumberDesc) -> str:
    """SQL for phonenumbers' _is_number_matching_desc: possible lengths, then the pattern."""
    cond = f"regexp_full_match({nsn}, {_literal(desc.national_number_pattern or '')})"
    if desc.possible_length:
        return f"(length({nsn}) IN ({', '.join(map(str, desc.possible_length))}) AND {cond})"
    return cond


def _types(metadata: PhoneMetadata) -> list[tuple[str, phonenumbers.PhoneNumberDesc]]:
    """The number types a region defines, in the library's precedence order."""
    names = (*_SPECIAL_TYPES, "fixed_line", "mobile")
    descs = ((name, getattr(metadata, name)) for name in names)
    return [(n, d) for n, d in descs if d is not None and d.national_number_pattern]


def _metadata(region: str) -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region(region)
    # region_code_for_number would pick such a region by leading digits, not by pattern.
    if metadata is None or metadata.leading_digits is not None:
        raise RuntimeError(f"phonenumbers metadata for {region} is not what smsaudit expects")
    return metadata


def _valid_sql(region: str, nsn: str) -> str:
    """SQL true when ``nsn`` is a valid national number of ``region`` (any number type).

    A number is valid when it matches the general description and at least one type; the
    types are folded into one alternation per length so that RE2 runs once per number.
    """
    metadata = _metadata(region)
    general = metadata.general_desc
    if general is None or not general.possible_length:
        raise RuntimeError(f"phonenumbers metadata for {region} lists no possible length")
    whens = []
    for length in general.possible_length:
        patterns = [
            str(d.national_number_pattern)
            for _, d in _types(metadata)
            if not d.possible_length or length in d.possible_length
        ]
        if patterns:
            union = "|".join(f"(?:{p})" for p in patterns)
            whens.append(f"WHEN {length} THEN regexp_full_match({nsn}, {_literal(union)})")
    by_length = f"CASE length({nsn}) {' '.join(whens)} ELSE false END" if whens else "false"
    return f"({_matches(nsn, general)} AND {by_length})"


def _type_sql(region: str, nsn: str) -> str:
    """SQL for phonenumbers.number_type of a valid national number of ``region``."""
    metadata = _metadata(region)
    descs = dict(_types(metadata))
    same = bool(metadata.same_mobile_and_fixed_line_pattern)
    whens = [f"WHEN {_matches(nsn, descs[t])} THEN '{t}'" for t in _SPECIAL_TYPES if t in descs]
    mobile = _matches(nsn, descs["mobile"]) if "mobile" in descs else "false"
    if "fixed_line" in descs:
        both = "true" if same else mobile
        whens.append(
            f"WHEN {_matches(nsn, descs['fixed_line'])} THEN CASE WHEN {both} "
            "THEN 'fixed_line_or_mobile' ELSE 'fixed_line' END"
        )
    if not same:
        whens.append(f"WHEN {mobile} THEN 'mobile'")
    return f"CASE {' '.join(whens)} END"


def _create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The phone_* macros and the phone_territories table that sql/phone_fast.sql uses."""
    cc_whens = " ".join(f"WHEN starts_with(d, '{cc}') THEN '{cc}'" for cc in FRENCH_CODES)
    # One macro per country code, so that each pattern appears once per call site.
    for cc, regions in FRENCH_CODES.items():
        whens = " ".join(f"WHEN {_valid_sql(r, 'nsn')} THEN '{r}'" for r in regions)
        con.execute(f"CREATE OR REPLACE TEMP MACRO phone_region_{cc}(nsn) AS CASE {whens} END")
    region_whens = " ".join(f"WHEN '{cc}' THEN phone_region_{cc}(nsn)" for cc in FRENCH_CODES)
    national = ", ".join(f"phone_region_{cc}(nsn)" for cc in NATIONAL_ORDER)
    type_whens = " ".join(
        f"WHEN '{r}' THEN {_type_sql(r, 'nsn')}"
        for regions in FRENCH_CODES.values()
        for r in regions
    )
    con.execute(f"CREATE OR REPLACE TEMP MACRO phone_cc(d) AS CASE {cc_whens} END")
    con.execute(f"CREATE OR REPLACE TEMP MACRO phone_region(cc, nsn) AS CASE cc {region_whens} END")
    con.execute(f"CREATE OR REPLACE TEMP MACRO phone_national_region(nsn) AS coalesce({national})")
    con.execute(
        "CREATE OR REPLACE TEMP MACRO phone_number_type(region, nsn) AS "
        f"CASE region {type_whens} END"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE phone_territories "
        "(region VARCHAR PRIMARY KEY, cc VARCHAR NOT NULL, tz VARCHAR NOT NULL)"
    )
    con.executemany(
        "INSERT INTO phone_territories VALUES (?, ?, ?)",
        [
            (r, cc, schema.TERRITORY_CLOCKS[r])
            for cc, regions in FRENCH_CODES.items()
            for r in regions
            if r in schema.TERRITORY_CLOCKS
        ],
    )


FAST_PARAMS = {
    "blanks": BLANKS,
    "scientific": SCIENTIFIC,
    "excel_float": EXCEL_FLOAT,
    "trunk_zero": TRUNK_ZERO,
    "separators": SEPARATORS,
    "shape": SHAPE,
    "missing": MISSING,
    "scientific_reason": SCIENTIFIC_REASON,
    "not_a_number": NOT_A_NUMBER,
}

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


def fast_path(con: duckdb.DuckDBPyConnection, distinct_raw_table: str) -> None:
    """Decide in DuckDB what needs no ``phonenumbers`` call: table ``phone_fast``.

    ``phone_fast`` has the columns of the phone map; ``status`` is NULL where the fast path
    could not decide (the slow path's share).
    """
    source = _identifier(distinct_raw_table)
    _create_macros(con)
    con.execute(f"CREATE OR REPLACE TEMP VIEW phone_input AS SELECT raw FROM {source}")
    sqlfiles.materialize(con, "phone_fast", FAST_PARAMS)


def normalize_numbers(
    con: duckdb.DuckDBPyConnection, distinct_raw_table: str, out_table: str = "phone_map"
) -> int:
    """Write ``out_table``: one row per distinct ``raw`` of ``distinct_raw_table``.

    Columns: ``raw, e164, territory, tz, status ('french'|'foreign'|'invalid'), reason,
    number_type``. ``raw`` values must be VARCHAR (NULL reads as ``missing``); duplicates
    are read once. Returns how many distinct spellings needed ``phonenumbers`` (slow path).
    """
    out = _identifier(out_table)
    fast_path(con, distinct_raw_table)
    pending = con.execute("SELECT raw FROM phone_fast WHERE status IS NULL").fetchall()
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
        cols = ", ".join(MAP_COLUMNS)
        con.execute(
            f"CREATE OR REPLACE TABLE {out} AS "
            f"SELECT {cols} FROM phone_fast WHERE status IS NOT NULL "
            f"UNION ALL SELECT {cols} FROM phone_slow"
        )
    finally:
        con.unregister("phone_slow")
        con.execute("DROP TABLE IF EXISTS phone_fast")
        con.execute("DROP VIEW IF EXISTS phone_input")
    return len(pending)
