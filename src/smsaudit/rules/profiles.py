"""Rule profiles: named, dated sets of allowed sending hours, kept as TOML data.

No French law sets hours for marketing SMS; aggregators and the operators' charter do, and
they differ. A profile therefore says where its hours come from and when they applied, and
findings read "violates profile X", never "illegal".

A profile file holds, in the recipient's local time:

- ``[windows]``: for each weekday, the allowed windows as ``[["HH:MM", "HH:MM"], ...]``,
  each half-open ``[start, end)``; ``"24:00"`` may end a window; ``[]`` blocks the day;
- ``sundays`` / ``public_holidays``: ``"blocked"`` (the whole day) or ``"allowed"`` (the
  weekday's windows apply);
- ``[severity]``: ``violation`` or ``warning`` for each reason of CONTRACT §3;
- ``alsace_moselle``: whether Good Friday and 26 December count as holidays (metropolitan
  numbers only);
- ``name``, ``title``, ``[source]`` (``text``, ``url``), optional ``valid_from`` /
  ``valid_to`` dates (inclusive; absent means unbounded).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from smsaudit.errors import InputError

DEFAULT_PROFILE = "fr-acoustic"

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# CONTRACT §3: the first matching reason wins, in this order.
REASONS = ("public_holiday", "sunday", "saturday_outside_hours", "weekday_outside_hours")
SEVERITIES = ("violation", "warning")  # most severe first
TREATMENTS = ("blocked", "allowed")

Severity = Literal["violation", "warning"]
Treatment = Literal["blocked", "allowed"]

_TOP_KEYS = frozenset(
    {
        "name",
        "title",
        "source",
        "valid_from",
        "valid_to",
        "alsace_moselle",
        "sundays",
        "public_holidays",
        "windows",
        "severity",
    }
)
_REQUIRED = ("name", "title", "source", "sundays", "public_holidays", "windows", "severity")
_CLOCK = re.compile(r"(\d{2}):(\d{2})")
_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class Profile:
    """One rule profile. Windows are minutes since local midnight, ``[start, end)``."""

    name: str
    title: str
    source_text: str
    source_url: str
    valid_from: date | None
    valid_to: date | None
    # Index 0 is Monday, 6 is Sunday (Python's ``date.weekday()``).
    windows: tuple[tuple[tuple[int, int], ...], ...]
    sundays: Treatment
    public_holidays: Treatment
    severities: tuple[tuple[str, Severity], ...]  # (reason, severity) in REASONS order
    alsace_moselle: bool = False

    @property
    def source(self) -> str:
        """The source in one line: its text, then its address."""
        return f"{self.source_text} <{self.source_url}>"

    def severity(self, reason: str) -> Severity:
        """The severity this profile gives to ``reason`` (one of REASONS)."""
        return dict(self.severities)[reason]

    @property
    def weekday_close(self) -> int | None:
        """The earliest weekday close, in minutes after local midnight: the end of the last
        window of Monday to Friday (20:00 under fr-acoustic, 21:30 under fr-af2m-2026); else
        of any day; None when nothing is ever allowed."""
        for days in (self.windows[:5], self.windows):
            closes = [day[-1][1] for day in days if day]
            if closes:
                return min(closes) if days is self.windows[:5] else max(closes)
        return None

    @property
    def bucket_minutes(self) -> int:
        """Coarsest time grid, in minutes, on which every window boundary falls.

        The clocks of TERRITORY_CLOCKS all have whole-hour offsets and change them on whole
        UTC hours, so a grid dividing 60 and every boundary never lets a bucket straddle a
        window edge or a clock change (``window_calendar`` verifies the clock side).
        """
        grid = 60
        for day in self.windows:
            for start, end in day:
                grid = math.gcd(grid, start, end)
        return grid

    def applies_on(self, day: date) -> bool:
        """Whether ``day`` lies within the profile's validity dates."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def _bad(origin: str, message: str) -> InputError:
    return InputError(f"rule profile: {message}", file=origin)


def _clock(origin: str, text: object, where: str) -> int:
    match = _CLOCK.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise _bad(origin, f"{where}: expected a time as 'HH:MM', got {text!r}")
    hours, minutes = int(match[1]), int(match[2])
    if minutes > 59 or hours * 60 + minutes > 24 * 60:
        raise _bad(origin, f"{where}: {text!r} is not a time between 00:00 and 24:00")
    return hours * 60 + minutes


def _day_windows(origin: str, day: str, value: object) -> tuple[tuple[int, int], ...]:
    if not isinstance(value, list):
        raise _bad(origin, f"windows.{day}: expected a list of [start, end] pairs")
    windows: list[tuple[int, int]] = []
    for pair in value:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise _bad(origin, f"windows.{day}: expected [start, end] pairs, got {pair!r}")
        start = _clock(origin, pair[0], f"windows.{day}")
        end = _clock(origin, pair[1], f"windows.{day}")
        if start >= end:
            raise _bad(origin, f"windows.{day}: window {pair[0]}-{pair[1]} ends before it starts")
        windows.append((start, end))
    windows.sort()
    for (_, end), (start, _) in pairwise(windows):
        if start < end:
            raise _bad(origin, f"windows.{day}: windows overlap")
    return tuple(windows)


def _choice(origin: str, key: str, value: object, allowed: tuple[str, ...]) -> Any:
    if value not in allowed:
        raise _bad(origin, f"{key} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _table(origin: str, data: Mapping[str, Any], key: str, keys: tuple[str, ...]) -> Any:
    value = data[key]
    if not isinstance(value, dict):
        raise _bad(origin, f"[{key}] must be a table")
    unknown = sorted(set(value) - set(keys))
    missing = [k for k in keys if k not in value]
    if unknown or missing:
        what = "unknown" if unknown else "missing"
        raise _bad(origin, f"[{key}]: {what} key {(unknown or missing)[0]!r}")
    return value


def parse_profile(data: Mapping[str, Any], origin: str) -> Profile:
    """Validate the content of a profile file; ``origin`` names it in error messages."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise _bad(origin, f"unknown key {unknown[0]!r}")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise _bad(origin, f"missing key {missing[0]!r}")
    name = data["name"]
    if not (isinstance(name, str) and _NAME.fullmatch(name)):
        raise _bad(origin, f"name must be lower-case letters, digits and '-', got {name!r}")
    title = data["title"]
    if not isinstance(title, str) or not title.strip():
        raise _bad(origin, "title must be a non-empty string")
    source = _table(origin, data, "source", ("text", "url"))
    if not all(isinstance(source[k], str) for k in ("text", "url")):
        raise _bad(origin, "[source] text and url must be strings")
    bounds: list[date | None] = []
    for key in ("valid_from", "valid_to"):
        value = data.get(key)
        # tomllib reads a bare 2024-09-01 as a date, a 2024-09-01T00:00 as a datetime.
        if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
            raise _bad(origin, f"{key} must be a date such as 2024-09-01, got {value!r}")
        bounds.append(value)
    valid_from, valid_to = bounds
    if valid_from is not None and valid_to is not None and valid_to < valid_from:
        raise _bad(origin, "valid_to is before valid_from")
    alsace = data.get("alsace_moselle", False)
    if not isinstance(alsace, bool):
        raise _bad(origin, f"alsace_moselle must be true or false, got {alsace!r}")
    windows = _table(origin, data, "windows", WEEKDAYS)
    severity = _table(origin, data, "severity", REASONS)
    return Profile(
        name=name,
        title=title.strip(),
        source_text=source["text"].strip(),
        source_url=source["url"].strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        windows=tuple(_day_windows(origin, day, windows[day]) for day in WEEKDAYS),
        sundays=_choice(origin, "sundays", data["sundays"], TREATMENTS),
        public_holidays=_choice(origin, "public_holidays", data["public_holidays"], TREATMENTS),
        severities=tuple(
            (r, _choice(origin, f"severity.{r}", severity[r], SEVERITIES)) for r in REASONS
        ),
        alsace_moselle=alsace,
    )


def _read(text: str, origin: str) -> Profile:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _bad(origin, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise _bad(origin, "not valid TOML (nested too deeply)") from None
    return parse_profile(data, origin)


def _shipped_names() -> list[str]:
    folder = files("smsaudit.rules").joinpath("profiles")
    return sorted(f.name[:-5] for f in folder.iterdir() if f.name.endswith(".toml"))


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (``"fr-acoustic"``), or a user's TOML file by path."""
    text = str(name_or_path)
    if text in _shipped_names():
        resource = files("smsaudit.rules").joinpath("profiles", f"{text}.toml")
        return _read(resource.read_text(encoding="utf-8"), f"{text}.toml")
    path = Path(name_or_path)
    if path.suffix != ".toml" or not path.is_file():
        raise InputError(
            f"unknown rule profile {text!r}: use one of {', '.join(_shipped_names())} "
            "or the path of a .toml file"
        )
    try:
        content = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _bad(str(path), f"cannot read ({exc})") from None
    profile = _read(content, str(path))
    # Outputs name the profile: a changed copy under a shipped name would pass for it.
    if profile.name in _shipped_names() and profile != load_profile(profile.name):
        raise _bad(
            str(path),
            f"name {profile.name!r} is a shipped profile's and the rules differ: "
            "give your profile its own name",
        )
    return profile


def list_profiles() -> list[Profile]:
    """Every shipped profile, sorted by name."""
    return [load_profile(name) for name in _shipped_names()]
