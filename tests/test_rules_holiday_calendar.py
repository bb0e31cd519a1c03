"""Holiday calendars against the legal lists, computed here without the ``holidays`` package."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smsaudit import db
from smsaudit.errors import InputError
from smsaudit.rules.holiday_calendar import holiday_rows, holiday_table
from smsaudit.schema import TERRITORY_CLOCKS

YEARS = range(2024, 2028)

# Code du travail L3422-2 and the decrees it refers to (DOMAIN.md); PM has none.
ABOLITION = {
    "YT": (4, 27),
    "MQ": (5, 22),
    "GP": (5, 27),
    "MF": (5, 28),
    "GF": (6, 10),
    "BL": (10, 9),
    "RE": (12, 20),
}


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous algorithm, Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def legal_days(territory: str, year: int, alsace_moselle: bool = False) -> set[date]:
    """L3133-1 national days, the abolition day overseas, Alsace-Moselle days on request."""
    e = easter(year)
    days = {
        date(year, 1, 1),
        e + timedelta(days=1),  # Easter Monday
        date(year, 5, 1),
        date(year, 5, 8),
        e + timedelta(days=39),  # Ascension
        e + timedelta(days=50),  # Whit Monday
        date(year, 7, 14),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }
    if territory in ABOLITION:
        days.add(date(year, *ABOLITION[territory]))
    if alsace_moselle and territory == "FR":
        days |= {e - timedelta(days=2), date(year, 12, 26)}
    return days


def test_easter_oracle_on_known_dates() -> None:
    assert [easter(y) for y in YEARS] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]


@pytest.mark.parametrize("alsace_moselle", [False, True])
@pytest.mark.parametrize("territory", sorted(TERRITORY_CLOCKS))
def test_matches_the_legal_list(territory: str, alsace_moselle: bool) -> None:
    rows = holiday_rows([territory], YEARS, alsace_moselle)
    got = {day for _, day, _ in rows}
    expected = set().union(*(legal_days(territory, y, alsace_moselle) for y in YEARS))
    assert got == expected
    assert all(t == territory for t, _, _ in rows)
    assert len(rows) == len(got)  # one row per day


@pytest.mark.parametrize(
    ("territory", "day"),
    [
        ("GP", date(2026, 3, 12)),  # Mi-Carême
        ("GP", date(2026, 4, 3)),  # Good Friday
        ("GP", date(2026, 7, 21)),  # Victor Schoelcher day
        ("MQ", date(2026, 7, 21)),
        ("MF", date(2026, 7, 21)),
        ("FR", date(2026, 12, 26)),  # Alsace-Moselle only
    ],
)
def test_customary_days_are_not_holidays(territory: str, day: date) -> None:
    assert day not in {d for _, d, _ in holiday_rows([territory], [day.year])}


def test_alsace_moselle_days_only_for_metropolitan_numbers() -> None:
    rows = holiday_rows(["FR", "GP"], [2026], alsace_moselle=True)
    names = {(t, d): n for t, d, n in rows}
    assert names[("FR", date(2026, 4, 3))] == "Vendredi saint"
    assert names[("FR", date(2026, 12, 26))] == "Saint-Étienne"
    assert ("GP", date(2026, 12, 26)) not in names


def test_holidays_on_sundays_in_2026_and_2027_are_listed() -> None:
    # Still holidays: the calendar gives them the reason public_holiday by precedence.
    days = {d for _, d, _ in holiday_rows(["FR", "MQ"], [2026, 2027], alsace_moselle=True)}
    on_sundays = sorted(d for d in days if d.weekday() == 6)
    assert on_sundays == [
        date(2026, 11, 1),  # Toussaint
        date(2027, 8, 15),  # Assomption
        date(2027, 12, 26),  # Saint-Étienne (Alsace-Moselle)
    ]


def test_names_do_not_follow_the_machine_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("LANG", "LC_ALL", "LANGUAGE"):
        monkeypatch.setenv(var, "en_US.UTF-8")
    rows = holiday_rows(["RE"], [2026])
    assert (("RE", date(2026, 12, 20), "Abolition de l'esclavage")) in rows
    assert ("RE", date(2026, 7, 14), "Fête nationale") in rows


def test_unknown_territory_is_refused() -> None:
    with pytest.raises(InputError, match="unknown territories US"):
        holiday_rows(["US"], [2026])


def test_holiday_table_creates_typed_table() -> None:
    con = db.connect()
    holiday_table(con, ["FR", "PM"], [2026])
    types = {name: kind for name, kind, *_ in con.execute("DESCRIBE holiday_calendar").fetchall()}
    assert types == {"territory": "VARCHAR", "day": "DATE", "name": "VARCHAR"}
    counts = con.execute(
        "SELECT territory, count(*) FROM holiday_calendar GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    assert counts == [("FR", 11), ("PM", 11)]
    holiday_table(con, [], [2026])  # replaced, empty
    assert con.execute("SELECT count(*) FROM holiday_calendar").fetchone() == (0,)
