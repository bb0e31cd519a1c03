"""What of phonenumbers' metadata the fast path can copy into RE2, per region and country."""

from __future__ import annotations

import re
from functools import cache

import phonenumbers
from phonenumbers import PhoneMetadata

from .reference import _SPECIAL_TYPES, DIGITS, FRENCH_CODES

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


@cache
def fast_countries() -> dict[str, tuple[str, ...]]:
    """Country codes the fast path reads, each with its regions in the library's order
    (region_code_for_number tries them in this order); French codes first. Computed from
    phonenumbers' metadata on first use, not at import."""
    found = {
        str(cc): tuple(regions)
        for cc, regions in sorted(
            phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items(),
            key=lambda item: (str(item[0]) not in FRENCH_CODES, item[0]),
        )
        if _fast_country(tuple(regions))
    }
    if not set(FRENCH_CODES) <= set(found):
        raise RuntimeError(
            "phonenumbers metadata for a French territory is not what smsaudit expects"
        )
    return found


@cache
def regions() -> tuple[str, ...]:
    """Every region the fast path reads, in the order of fast_countries()."""
    return tuple(r for rs in fast_countries().values() for r in rs)


@cache
def region_number() -> dict[str, int]:
    """A region's position (from 1) in regions(): its part of a valid number's code."""
    return {region: position for position, region in enumerate(regions(), start=1)}
