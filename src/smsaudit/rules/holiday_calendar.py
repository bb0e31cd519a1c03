"""Public holidays per territory: the legal list, not every day the ``holidays`` package knows.

The list is Code du travail L3133-1 (11 national days) everywhere, plus each overseas
territory's abolition-of-slavery day (L3422-2); Saint-Pierre-et-Miquelon has none. The
``holidays`` package also lists customary days for some subdivisions (Mi-Carême, Good
Friday, 21 July in the Antilles): they are dropped. Alsace-Moselle's Good Friday and
26 December are added for metropolitan numbers only on request, since a mobile number
carries no region.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import duckdb
import holidays

from smsaudit import schema

# Territory -> subdivision code of ``holidays.France``.
SUBDIVISIONS: dict[str, str | None] = {
    "FR": None,
    "GP": "971",
    "MQ": "972",
    "GF": "973",
    "RE": "974",
    "YT": "976",
    "BL": "BL",
    "MF": "MF",
    "PM": "PM",
}
ALSACE_MOSELLE = "57"
# Names are matched in French, so the language is always passed: without it the package
# follows the environment's locale and the filter below would depend on the machine.
LANGUAGE = "fr"
ABOLITION = "Abolition de l'esclavage"


def _france(subdiv: str | None, years: list[int]) -> set[tuple[date, str]]:
    """``(day, name)`` pairs; the package joins two holidays on one day with ``"; "``."""
    calendar = holidays.country_holidays("FR", subdiv=subdiv, years=years, language=LANGUAGE)
    return {(day, part) for day, names in calendar.items() for part in names.split("; ")}


def holiday_rows(
    territories: Iterable[str], years: Iterable[int], alsace_moselle: bool = False
) -> list[tuple[str, date, str]]:
    """``(territory, day, name)`` for the legal holidays, sorted by territory and day.

    Two holidays on one day make one row whose names are joined with ``"; "``.
    """
    year_list = sorted(set(years))
    national = _france(None, year_list)
    rows: list[tuple[str, date, str]] = []
    chosen = list(territories)
    for territory in sorted(schema.territories(chosen)) if chosen else []:
        days = set(national)
        subdiv = SUBDIVISIONS[territory]
        if subdiv is not None:
            days |= {(day, name) for day, name in _france(subdiv, year_list) if name == ABOLITION}
        if alsace_moselle and territory == "FR":
            days |= _france(ALSACE_MOSELLE, year_list) - national
        names: dict[date, list[str]] = {}
        for day, name in sorted(days):
            names.setdefault(day, []).append(name)
        rows.extend((territory, day, "; ".join(parts)) for day, parts in sorted(names.items()))
    return rows


def holiday_table(
    con: duckdb.DuckDBPyConnection,
    territories: Iterable[str],
    years: Iterable[int],
    alsace_moselle: bool = False,
) -> None:
    """Create ``holiday_calendar(territory, day DATE, name VARCHAR)`` for these years."""
    con.execute(
        "CREATE OR REPLACE TABLE holiday_calendar "
        "(territory VARCHAR NOT NULL, day DATE NOT NULL, name VARCHAR NOT NULL)"
    )
    rows = holiday_rows(territories, years, alsace_moselle)
    if rows:
        con.executemany("INSERT INTO holiday_calendar VALUES (?, ?, ?)", rows)
