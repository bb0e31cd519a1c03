"""The rules of the contract in plain Python, per row: what the oracle judges with."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20260501
HERE = Path(__file__).resolve().parent
PARIS = ZoneInfo("Europe/Paris")
MONTH_START = datetime(2026, 5, 1, tzinfo=PARIS)

# ------------------------------------------------------------------ rules (CONTRACT §3)

CLOCKS = {
    "FR": "Europe/Paris",
    "RE": "Indian/Reunion",
    "YT": "Indian/Mayotte",
    "GP": "America/Guadeloupe",
    "MQ": "America/Martinique",
    "GF": "America/Cayenne",
    "BL": "America/St_Barthelemy",
    "MF": "America/Marigot",
    "PM": "America/Miquelon",
}

# Code du travail L3133-1 for 2026 (Easter is 5 April), written out rather than computed
# so that the oracle does not share a holiday library with the audit.
NATIONAL_HOLIDAYS_2026 = frozenset(
    date(2026, m, d)
    for m, d in [
        (1, 1),
        (4, 6),
        (5, 1),
        (5, 8),
        (5, 14),
        (5, 25),
        (7, 14),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 25),
    ]
)
# L3422-2: abolition of slavery, per overseas territory.
ABOLITION_DAYS_2026 = {
    "YT": date(2026, 4, 27),
    "MQ": date(2026, 5, 22),
    "GP": date(2026, 5, 27),
    "MF": date(2026, 5, 28),
    "GF": date(2026, 6, 10),
    "BL": date(2026, 10, 9),
    "RE": date(2026, 12, 20),
}

STOP_WORDS = ("stop", "arret", "arrêt")
KEYWORD_SOURCES = frozenset({"mo_keyword", "keyword", "sms", "text-to-join"})
OPTED_IN = {"OPT-IN", "OPTED-IN", "OPT_IN"}
OPTED_OUT = {"OPT-OUT", "OPTED-OUT", "OPT_OUT"}


def blocked_reason(local: datetime, territory: str) -> str | None:
    """Why profile ``fr-acoustic`` blocks this local wall time, or None when allowed."""
    day = local.date()
    if day in NATIONAL_HOLIDAYS_2026 or ABOLITION_DAYS_2026.get(territory) == day:
        return "public_holiday"
    wall = local.time()
    if local.weekday() == 6:
        return "sunday"
    if local.weekday() == 5:
        return None if time(10) <= wall < time(18) else "saturday_outside_hours"
    return None if time(8) <= wall < time(20) else "weekday_outside_hours"


def has_footer(body: str, expected: str) -> bool:
    """Whether ``body`` ends with ``expected`` (trailing spaces ignored, case and runs of
    spaces folded), as its own words."""
    folded = re.sub(r" +", " ", body.rstrip(" ")).casefold()
    want = expected.casefold()
    return folded == want or folded.endswith((" " + want, "\n" + want))


def is_stop(text: str) -> bool:
    """First word STOP / ARRET / ARRÊT, any case; punctuation ends a word, letters do not."""
    match = re.match(r"\s*([^\W_]+)", text)
    return bool(match) and match.group(1).casefold() in STOP_WORDS  # type: ignore[union-attr]


# GSM 03.38 basic set and its extension table (two places each).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = frozenset("^{}\\[~]|€")


def segments(body: str) -> int:
    """Billed parts: GSM-7 160/153 (extension characters count twice), else UCS-2 70/67."""
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in body):
        units = sum(2 if c in GSM_EXTENSION else 1 for c in body)
        return 1 if units <= 160 else math.ceil(units / 153)
    units = len(body.encode("utf-16-le")) // 2
    return 1 if units <= 70 else math.ceil(units / 67)
