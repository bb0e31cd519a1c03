"""Rule profiles: the shipped data, and validation of a user's own file."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaudit.errors import InputError
from smsaudit.rules.profiles import (
    DEFAULT_PROFILE,
    REASONS,
    Profile,
    list_profiles,
    load_profile,
    parse_profile,
)

SHIPPED = ["fr-acoustic", "fr-af2m-2024", "fr-af2m-2026", "fr-calls-2022"]


def hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def shipped_text(name: str) -> str:
    return files("smsaudit.rules").joinpath("profiles", f"{name}.toml").read_text("utf-8")


def test_list_profiles_ships_the_documented_profiles() -> None:
    profiles = list_profiles()
    assert [p.name for p in profiles] == SHIPPED
    assert DEFAULT_PROFILE in SHIPPED
    for p in profiles:
        assert isinstance(p, Profile)
        assert p.source_url.startswith("https://")
        assert p.source_text and p.title
        assert p.source_url in p.source
        assert not p.alsace_moselle


def test_fr_acoustic_is_the_seed_text() -> None:
    p = load_profile("fr-acoustic")
    weekday = ((hm("08:00"), hm("20:00")),)
    assert p.windows == (weekday,) * 5 + (((hm("10:00"), hm("18:00")),), ())
    assert (p.sundays, p.public_holidays) == ("blocked", "blocked")
    assert {p.severity(r) for r in REASONS} == {"violation"}
    assert p.bucket_minutes == 60
    assert p.valid_from is None and p.valid_to is None


def test_fr_af2m_2024_covers_monday_to_saturday() -> None:
    p = load_profile("fr-af2m-2024")
    assert p.windows == (((hm("08:00"), hm("22:00")),),) * 6 + ((),)
    assert p.valid_from == date(2024, 9, 1)
    assert p.applies_on(date(2025, 1, 1)) and not p.applies_on(date(2024, 8, 31))


def test_fr_af2m_2026_warns_on_sundays_and_holidays() -> None:
    p = load_profile("fr-af2m-2026")
    assert p.windows == (((hm("08:00"), hm("21:30")),),) * 7
    assert p.severity("sunday") == p.severity("public_holiday") == "warning"
    assert p.severity("weekday_outside_hours") == "violation"
    assert p.bucket_minutes == 30  # the 21:30 close
    assert p.applies_on(date(2030, 1, 1))  # no end date


def test_fr_calls_2022_has_a_lunch_break_and_no_weekend() -> None:
    p = load_profile("fr-calls-2022")
    weekday = ((hm("10:00"), hm("13:00")), (hm("14:00"), hm("20:00")))
    assert p.windows == (weekday,) * 5 + ((), ())
    assert "legifrance" in p.source_url


def test_user_profile_by_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(shipped_text("fr-acoustic").replace('"fr-acoustic"', '"mine"'), "utf-8")
    assert load_profile(path).name == "mine"
    assert load_profile(str(path)).windows == load_profile("fr-acoustic").windows


def test_unknown_name_lists_the_shipped_profiles() -> None:
    with pytest.raises(InputError, match=r"unknown rule profile 'fr-nope'.*fr-acoustic"):
        load_profile("fr-nope")


def _edited(old: str, new: str) -> str:
    text = shipped_text("fr-acoustic")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = [", "not valid TOML"),
        (_edited('name = "fr-acoustic"\n', ""), "missing key 'name'"),
        (_edited('name = "fr-acoustic"', 'name = "Fr Acoustic"'), "name must be"),
        (_edited("alsace_moselle = false", "alsace_moselle = 1"), "alsace_moselle must be"),
        (_edited('sundays = "blocked"', 'sundays = "sometimes"'), "sundays must be one of"),
        (_edited('sunday = "violation"', 'sunday = "fatal"'), "severity.sunday must be one of"),
        (_edited('saturday = [["10:00", "18:00"]]', ""), r"\[windows\]: missing key 'saturday'"),
        (_edited('saturday = [["10:00", "18:00"]]', 'saturday = [["18:00", "10:00"]]'), "ends"),
        (_edited('"10:00", "18:00"', '"10:00", "25:00"'), "not a time between"),
        (_edited('"10:00", "18:00"', '"10h", "18:00"'), "expected a time as 'HH:MM'"),
        (_edited('"10:00", "18:00"]]', '"10:00", "18:00"], ["17:00", "19:00"]]'), "overlap"),
        (_edited('"10:00", "18:00"]]', '"10:00"]]'), r"expected \[start, end\] pairs"),
        (_edited("[severity]", "colour = 1\n[severity]"), r"\[windows\]: unknown key 'colour'"),
        (
            shipped_text("fr-af2m-2024").replace("valid_to = 2026-02-16", "valid_to = 2020-01-01"),
            "valid_to is before valid_from",
        ),
        ("extra = 1\n" + shipped_text("fr-acoustic"), "unknown key 'extra'"),
        ("valid_from = 2024-01-01T00:00:00\n" + shipped_text("fr-acoustic"), "must be a date"),
    ],
)
def test_bad_content_is_one_line_input_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(InputError, match=message) as caught:
        load_profile(path)
    assert "\n" not in str(caught.value)
    assert str(path) in str(caught.value)


def test_window_may_end_at_midnight() -> None:
    text = _edited('saturday = [["10:00", "18:00"]]', 'saturday = [["18:00", "24:00"]]')
    p = parse_profile(tomllib.loads(text), "x")
    assert p.windows[5] == ((18 * 60, 24 * 60),)


clock = st.integers(0, 24 * 60)


@st.composite
def day_windows(draw: st.DrawFn) -> list[tuple[int, int]]:
    edges = sorted(set(draw(st.lists(clock, max_size=6))))
    pairs = list(zip(edges[::2], edges[1::2], strict=False))
    return [p for p in pairs if p[0] < p[1]]


@settings(max_examples=60, deadline=None)
@given(windows=st.lists(day_windows(), min_size=7, max_size=7))
def test_windows_round_trip_and_grid_divides_every_boundary(
    windows: list[list[tuple[int, int]]],
) -> None:
    data = tomllib.loads(shipped_text("fr-acoustic"))
    days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    data["windows"] = {
        day: [[f"{a // 60:02d}:{a % 60:02d}", f"{b // 60:02d}:{b % 60:02d}"] for a, b in ws]
        for day, ws in zip(days, windows, strict=True)
    }
    p = parse_profile(data, "generated")
    assert p.windows == tuple(tuple(ws) for ws in windows)
    grid = p.bucket_minutes
    assert 60 % grid == 0
    assert all(edge % grid == 0 for ws in windows for pair in ws for edge in pair)


def test_user_profile_may_not_pass_for_a_shipped_one(tmp_path: Path) -> None:
    """Outputs name the profile: a changed copy under a shipped name is refused, an
    unchanged copy is the shipped profile."""
    shipped = files("smsaudit.rules").joinpath("profiles", "fr-acoustic.toml").read_text()
    same = tmp_path / "same.toml"
    same.write_text(shipped)
    assert load_profile(same) == load_profile("fr-acoustic")
    changed = tmp_path / "mine.toml"
    changed.write_text(
        shipped.replace('monday = [["08:00", "20:00"]]', 'monday = [["07:00", "22:00"]]')
    )
    with pytest.raises(InputError, match="name 'fr-acoustic' is a shipped profile's"):
        load_profile(changed)
    changed.write_text(changed.read_text().replace('name = "fr-acoustic"', 'name = "my-hours"'))
    assert load_profile(changed).windows[0] == ((7 * 60, 22 * 60),)


def test_weekday_close_is_the_profiles_own() -> None:
    closes = {p.name: p.weekday_close for p in list_profiles()}
    assert closes == {
        "fr-acoustic": 20 * 60,
        "fr-af2m-2024": 22 * 60,
        "fr-af2m-2026": 21 * 60 + 30,
        "fr-calls-2022": 20 * 60,
    }
