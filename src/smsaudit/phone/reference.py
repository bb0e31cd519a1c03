"""The reference reading of one phone spelling, with ``phonenumbers`` (rules 1-5 of the
package docstring): what the fast path must agree with, and its slow path."""

from __future__ import annotations

import re
from typing import NamedTuple

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType, ValidationResult

from .. import schema

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
