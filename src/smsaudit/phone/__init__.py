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

from typing import Any

from .reference import (
    FRENCH_CODES,
    NATIONAL_ORDER,
    SCIENTIFIC_REASON,
    PhoneResult,
    classify,
    clean,
)
from .runner import MAP_COLUMNS, fast_path, normalize_numbers

__all__ = [
    "FRENCH_CODES",
    "MAP_COLUMNS",
    "NATIONAL_ORDER",
    "SCIENTIFIC_REASON",
    "PhoneResult",
    "classify",
    "clean",
    "fast_path",
    "normalize_numbers",
]


def __getattr__(name: str) -> Any:
    """The fast path's tables of countries and regions, built from the metadata on first use."""
    from . import compile, patterns

    lazy = {
        "FAST_COUNTRIES": patterns.fast_countries,
        "REGIONS": patterns.regions,
        "FAST_PARAMS": compile.fast_params,
    }
    if name in lazy:
        return lazy[name]()
    raise AttributeError(f"module 'smsaudit.phone' has no attribute {name!r}")
