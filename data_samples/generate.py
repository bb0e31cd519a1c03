"""Generate the bundled sample month (May 2026) of French marketing SMS, and its oracle.

Writes, next to this script (or into ``--out DIR``), a small month of traffic in the messy
formats of CONTRACT §2 with problems planted on purpose, and ``planted.json``: what a
correct audit must find, derived here in plain Python (``zoneinfo`` per row, a holiday
list of its own) from the records as generated, never from the audit's SQL.

Deterministic: one ``random.Random(SEED)``, no clock, no locale, no machine time zone;
running it twice gives identical bytes. Standard library only.

    python data_samples/generate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import random
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

SEED = 20260501
HERE = Path(__file__).resolve().parent
PARIS = ZoneInfo("Europe/Paris")
MONTH_START = datetime(2026, 5, 1, tzinfo=PARIS)

# ------------------------------------------------------------------------- file names

SENDS_MG = "sends_mgage_2026-05.csv"
SENDS_IB = "sends_infobip_2026-05.csv"
RECEIPTS_MG = "receipts_mgage.csv"
RECEIPTS_IB = "receipts_infobip.json"
RECEIPTS_IB3 = "receipts_infobip_v3.json"
SUPPRESSIONS = "suppressions_mgage.csv"
MO = "mo_2026-05.csv"
CONSENT = "consent_export.csv"
PROGRAMS = "programs.csv"
RATE_CARD = "rate_card.csv"
PLANTED = "planted.json"
OUTPUTS = (
    SENDS_MG,
    SENDS_IB,
    RECEIPTS_MG,
    RECEIPTS_IB,
    RECEIPTS_IB3,
    SUPPRESSIONS,
    MO,
    CONSENT,
    PROGRAMS,
    RATE_CARD,
    PLANTED,
)

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


# ------------------------------------------------------------------------ the world


@dataclass(frozen=True)
class Contact:
    """A phone number: E.164, its territory (None = foreign) and a first name."""

    e164: str
    territory: str | None
    name: str
    label: str = ""  # what the number really is, when the library cannot tell (Saint-Martin)


@dataclass(frozen=True)
class Program:
    program_id: str
    sender_id: str
    short_code_type: str
    aggregator: str  # as written in programs.csv
    footer: str

    @property
    def agg(self) -> str:
        return self.aggregator.lower()


PROGRAM_LIST = [
    Program("PRG-MG-SHARED", "36184", "shared", "mGage", "STOP 36184"),
    # Alphanumeric sender on mGage's shared short code: replies and STOPs go to 36184.
    Program("PRG-MG-MAISON", "MAISONLUX", "shared", "mGage", "STOP 36184"),
    Program("PRG-IB-SHARED", "36173", "shared", "Infobip", "STOP au 36173"),
    Program("PRG-IB-BOUTIQUE", "BOUTIQUE", "shared", "Infobip", "STOP au 36173"),
    Program("PRG-DED-38012", "38012", "dedicated", "mGage", "STOP 38012"),
]
PROGRAMS_BY_ID = {p.program_id: p for p in PROGRAM_LIST}
TRANSACTIONAL_SENDER = {"mgage": "MONCOMPTE", "infobip": "INFOCMD"}


@dataclass
class Send:
    message_id: str
    sent_at: datetime  # UTC
    contact: Contact
    sender_id: str
    program_id: str
    campaign_id: str
    aggregator: str  # mgage | infobip
    category: str  # marketing | transactional
    body: str
    file: str = ""
    line: int = 0
    defect: tuple[str, str, str] | None = None  # (column, written value, reason keyword)
    naive_local: bool = False  # written as a local time without offset


@dataclass
class ConsentRow:
    contact: Contact
    program_id: str
    status: str  # as written
    status_date: datetime  # UTC
    source: str
    evidence: str
    line: int = 0

    @property
    def opted_in(self) -> bool | None:
        if self.status in OPTED_IN:
            return True
        return False if self.status in OPTED_OUT else None


@dataclass
class Mo:
    contact: Contact
    received_at: datetime
    text: str
    short_code: str
    line: int = 0


@dataclass
class Suppression:
    contact: Contact
    sender_id: str
    suppressed_at: datetime
    keyword: str
    line: int = 0


@dataclass
class Campaign:
    campaign_id: str
    program_id: str
    day: date
    start: time
    size: int
    gap_s: int
    template: str
    # (variant, weight); see World.footer_variant
    footers: tuple[tuple[str, float], ...] = (("ok", 1.0),)
    territories: tuple[str, ...] = ("FR",)
    naive_local: bool = False
    force: tuple[str, ...] = ()  # contacts' E.164 sent to whatever the sampling says


FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Emma",
    "Alice",
    "Lina",
    "Sarah",
    "Zoé",
    "Juliette",
    "Anaïs",
    "Lucas",
    "Hugo",
    "Louis",
    "Nathan",
    "Gabriel",
    "Arthur",
    "Jules",
    "Adam",
    "Raphaël",
    "Théo",
    "Noah",
    "Paul",
    "Tom",
    "Enzo",
    "Maël",
    "Sacha",
    "Élodie",
    "Hélène",
    "Jérôme",
    "Cédric",
    "Sébastien",
    "Loïc",
    "Gaëlle",
    "Noémie",
    "Maëlys",
    "Rémi",
]

# Overseas and foreign numbers, chosen so that `phonenumbers` answers the territory named.
OVERSEAS = [
    ("+262692104512", "RE", ""),
    ("+262692587341", "RE", ""),
    ("+262639014321", "YT", ""),
    ("+262639012877", "YT", ""),
    ("+590690214365", "GP", ""),
    ("+590690557812", "GP", ""),
    ("+596696123456", "MQ", ""),
    ("+596696481920", "MQ", ""),
    ("+594694201234", "GF", ""),
    ("+594694218870", "GF", ""),
    ("+508551234", "PM", ""),
    # A Saint-Martin mobile: +590 is one numbering plan for GP, BL and MF and the library
    # answers GP; same clock, so only the abolition days (27/28 May) could tell them apart
    # and this number receives nothing on those days.
    ("+590690871234", "GP", "MF"),
]
FOREIGN = [("+447400123456", "GB"), ("+32470123456", "BE"), ("+12025550143", "US")]


def utc(local_day: date, wall: time, tz: str) -> datetime:
    return datetime.combine(local_day, wall, ZoneInfo(tz)).astimezone(UTC)


def d(day: int) -> date:
    """A day of May 2026."""
    return date(2026, 5, day)


class World:
    """Everything that happened in May 2026, built in time order from one random stream."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.ids: set[str] = set()
        self.contacts: list[Contact] = []
        self.by_e164: dict[str, Contact] = {}
        self.sends: list[Send] = []
        self.consent: list[ConsentRow] = []
        self.consent_by_pair: dict[tuple[str, str], list[ConsentRow]] = {}
        self.mo: list[Mo] = []
        self.exports: list[Suppression] = []
        self.forced: dict[str, list[str]] = {p: [] for p in PROGRAMS_BY_ID}
        self.no_transactional: set[str] = set()
        self.expect: dict[str, object] = {}  # intents checked against the oracle
        self.superseded: list[str] = []  # message_ids with an early, superseded mGage report

    # ---------------------------------------------------------------- identifiers

    def _unique(self, make: Iterable[str]) -> str:
        for candidate in make:
            if candidate not in self.ids:
                self.ids.add(candidate)
                return candidate
        raise AssertionError("unreachable")

    def _ids(self, make: Callable[[int], str], bits: int) -> Iterable[str]:
        while True:
            yield make(self.rng.getrandbits(bits))

    def mgage_id(self) -> str:
        return self._unique(self._ids(lambda n: f"MG{n:016X}", 64))

    def infobip_id(self) -> str:
        return self._unique(self._ids(lambda n: str(uuid.UUID(int=n, version=4)), 128))

    def evidence_ref(self) -> str:
        return self._unique(self._ids(lambda n: f"WF-{n:08d}", 26))

    # ------------------------------------------------------------------ contacts

    def make_contacts(self, n: int) -> None:
        rng = self.rng
        seen: set[str] = set()
        while len(seen) < n:
            if rng.random() < 0.8:  # +33 6, avoiding 63[9] and 69[0-4,6,7] (not mobile)
                digits = "6" + rng.choice("0124578") + f"{rng.randrange(10**7):07d}"
            else:
                digits = "7" + rng.choice("3456789") + f"{rng.randrange(10**7):07d}"
            e164 = "+33" + digits
            if e164 not in seen:
                seen.add(e164)
                self._add(Contact(e164, "FR", rng.choice(FIRST_NAMES)))
        for e164, terr, label in OVERSEAS:
            self._add(Contact(e164, terr, rng.choice(FIRST_NAMES), label))
        for e164, country in FOREIGN:
            self._add(Contact(e164, None, rng.choice(FIRST_NAMES), country))

    def _add(self, c: Contact) -> None:
        self.contacts.append(c)
        self.by_e164[c.e164] = c

    def metro(self) -> list[Contact]:
        return [c for c in self.contacts if c.territory == "FR"]

    # ------------------------------------------------------------------ consent

    def add_consent(
        self,
        c: Contact,
        program_id: str,
        opted_in: bool,
        when: datetime,
        source: str,
        evidence: str = "",
        status: str | None = None,
    ) -> None:
        if status is None:
            status = self.rng.choice(sorted(OPTED_IN if opted_in else OPTED_OUT))
        row = ConsentRow(c, program_id, status, when, source, evidence)
        self.consent.append(row)
        self.consent_by_pair.setdefault((c.e164, program_id), []).append(row)

    def latest_consent(self, e164: str, program_id: str, at: datetime) -> ConsentRow | None:
        rows = [
            r
            for r in self.consent_by_pair.get((e164, program_id), [])
            if r.status_date <= at and r.opted_in is not None
        ]
        return max(rows, key=lambda r: r.status_date) if rows else None

    def pool(self, program_id: str, at: datetime, territories: Sequence[str]) -> list[Contact]:
        """Contacts Campaign believes opted in to ``program_id`` at ``at``."""
        out = []
        for c in self.contacts:
            if c.territory not in territories:
                continue
            row = self.latest_consent(c.e164, program_id, at)
            if row is not None and row.opted_in:
                out.append(c)
        return out

    def baseline_consent(self) -> None:
        """Opt-ins gathered in 2025 and early 2026, mostly by web form; a few opt-outs."""
        rng = self.rng
        shares = {
            "PRG-MG-SHARED": 0.62,
            "PRG-MG-MAISON": 0.40,
            "PRG-IB-SHARED": 0.55,
            "PRG-IB-BOUTIQUE": 0.42,
            "PRG-DED-38012": 0.22,
        }
        start = datetime(2025, 3, 1, tzinfo=UTC)
        settled = datetime(2026, 4, 20, tzinfo=UTC)  # the history before the month is quiet
        for c in self.contacts:
            if c.territory is None:
                continue
            for pid, share in shares.items():
                if c.territory != "FR":
                    share = 1.0 if pid in ("PRG-MG-SHARED", "PRG-IB-SHARED") else 0.0
                if rng.random() >= share:
                    continue
                when = start + timedelta(minutes=rng.randrange(60 * 24 * 380))
                source = rng.choice(["WEB_FORM", "WEB_FORM", "CHECKOUT", "IMPORT"])
                ev = self.evidence_ref() if source == "WEB_FORM" else ""
                if pid == "PRG-DED-38012" and rng.random() < 0.3:
                    # Keyword opt-in is allowed on a dedicated code: not a finding.
                    source, ev = rng.choice(["MO_KEYWORD", "Text-To-Join"]), ""
                self.add_consent(c, pid, True, when, source, ev)
                out = when + timedelta(days=rng.randrange(10, 90))
                if rng.random() < 0.06 and out < settled:  # opted out through Campaign
                    self.add_consent(c, pid, False, out, "PREFERENCE_CENTER")
                    back = out + timedelta(days=rng.randrange(5, 40))
                    if rng.random() < 0.5 and back < settled:  # ... and came back by form
                        self.add_consent(c, pid, True, back, "WEB_FORM", self.evidence_ref())
        # Foreign contacts are in Campaign too; the audit leaves them out of scope.
        for c in self.contacts:
            if c.territory is None:
                self.add_consent(
                    c, "PRG-MG-SHARED", True, datetime(2025, 9, 14, 10, tzinfo=UTC), "WEB_FORM"
                )

    def keyword_optins(self) -> None:
        """Opt-ins by SMS keyword on shared short codes: invalid, as the latest row."""
        cases = [
            ("PRG-MG-SHARED", "MO_KEYWORD"),
            ("PRG-MG-SHARED", "TEXT-TO-JOIN"),
            ("PRG-IB-SHARED", "mo_keyword"),
            ("PRG-IB-SHARED", "SMS"),
            ("PRG-MG-MAISON", "Keyword"),
            ("PRG-IB-BOUTIQUE", "TEXT-TO-JOIN"),
        ]
        candidates = [c for c in self.metro() if not self._has_any_consent(c)]
        for (pid, source), c in zip(cases, self.rng.sample(candidates, len(cases)), strict=True):
            when = datetime(2026, 4, 2, 9, tzinfo=UTC) + timedelta(hours=self.rng.randrange(500))
            self.add_consent(c, pid, True, when, source)
        self.expect["invalid_consent_source"] = len(cases)

    def _has_any_consent(self, c: Contact) -> bool:
        return any((c.e164, pid) in self.consent_by_pair for pid in PROGRAMS_BY_ID)

    # ------------------------------------------------------------ suppression export

    def export_suppressions(self) -> None:
        """Pairs mGage suppressed before May; Campaign mostly never heard of them."""
        rng = self.rng
        at = datetime(2026, 5, 1, tzinfo=UTC)
        plans = ["never"] * 12 + ["reflected"] * 7 + ["rejoin_no_ev"] * 2 + ["rejoin_ev"] * 2
        used: set[str] = set()
        for i, plan in enumerate(plans):
            pid = ("PRG-MG-SHARED", "PRG-MG-MAISON", "PRG-DED-38012")[i % 3]
            prog = PROGRAMS_BY_ID[pid]
            pool = [c for c in self.pool(pid, at, ("FR",)) if c.e164 not in used]
            c = rng.choice(pool)
            used.add(c.e164)
            last = self.latest_consent(c.e164, pid, at)
            assert last is not None
            when = max(last.status_date, datetime(2026, 2, 1, tzinfo=UTC)) + timedelta(
                days=rng.randrange(1, 40), seconds=rng.randrange(86400)
            )
            when = min(when, datetime(2026, 4, 28, tzinfo=UTC))
            kw = rng.choice(["STOP", "STOP", "ARRET", "stop"])
            self.exports.append(Suppression(c, prog.sender_id, when, kw))
            if plan == "reflected":  # someone imported the report: Campaign opted them out
                self.add_consent(c, pid, False, when + timedelta(days=2), "AGGREGATOR_REPORT")
            elif plan.startswith("rejoin"):
                self.add_consent(c, pid, False, when + timedelta(days=1), "AGGREGATOR_REPORT")
                ev = self.evidence_ref() if plan == "rejoin_ev" else ""
                back = when + timedelta(days=3, hours=2)
                self.add_consent(c, pid, True, back, "WEB_FORM" if ev else "IMPORT", ev)
            if plan != "reflected":
                self.forced[pid].append(c.e164)
                self.no_transactional.add(c.e164)

    # ----------------------------------------------------------------- campaigns

    def footer_variant(self, prog: Program, variant: str) -> tuple[str, str]:
        """(text before the body's end, text after it) for a footer variant."""
        f = prog.footer
        return {
            "ok": (" " + f, ""),
            "trailing": (" " + f.capitalize() + " ", ""),  # 'Stop au 36173 ': fine
            "lower": (" " + f.lower(), ""),
            "double_space": (" " + f.replace(" ", "  "), ""),
            "newline": ("\n" + f, ""),
            "wrong_route": (" STOP 36184", ""),
            "not_at_end": (" " + f, " - Offre valable jusqu’au 31/05."),
            "missing": ("", ""),
        }[variant]

    def run_campaign(self, cp: Campaign) -> list[Send]:
        rng = self.rng
        prog = PROGRAMS_BY_ID[cp.program_id]
        out: list[Send] = []
        for terr in cp.territories:
            tz = CLOCKS[terr]
            start = utc(cp.day, cp.start, tz)
            pool = self.pool(cp.program_id, start, (terr,))
            keep = set(cp.force) | set(self.forced[prog.program_id])
            forced = [c for c in pool if c.e164 in keep]
            rest = [c for c in pool if c not in forced]
            if terr == "FR":
                n = max(0, cp.size - len(forced))
                chosen = forced + rng.sample(rest, min(n, len(rest)))
                rng.shuffle(chosen)
                chosen += [self.by_e164[e] for e in cp.force if self.by_e164[e].territory is None]
            else:
                chosen = [c for c in pool if not (c.label == "MF" and cp.day.day in (27, 28))]
            variants = [v for v, _ in cp.footers]
            weights = [w for _, w in cp.footers]
            for k, c in enumerate(chosen):
                variant = rng.choices(variants, weights)[0]
                before, after = self.footer_variant(prog, variant)
                body = cp.template.format(name=c.name) + before + after
                sent = start + timedelta(seconds=k * cp.gap_s)
                mid = self.mgage_id() if prog.agg == "mgage" else self.infobip_id()
                s = Send(
                    mid,
                    sent,
                    c,
                    prog.sender_id,
                    prog.program_id,
                    cp.campaign_id,
                    prog.agg,
                    "marketing",
                    body,
                    naive_local=cp.naive_local,
                )
                out.append(s)
        self.sends.extend(out)
        return out

    def transactional(self, n: int) -> None:
        """Order and delivery notices at any hour: never subject to the windows."""
        rng = self.rng
        pool = [c for c in self.metro() if c.e164 not in self.no_transactional]
        texts = [
            "Votre commande n°{n} a été expédiée. Suivi : https://suivi.example/{n}",
            "Votre code de confirmation est {n}. Il expire dans 10 minutes.",
            "Votre colis {n} sera livré demain entre 8h et 13h.",
        ]
        for i in range(n):
            agg = "infobip" if i % 3 else "mgage"
            day = date(2026, 5, 2 + rng.randrange(28))
            wall = time(rng.choice([0, 1, 2, 5, 6, 21, 22, 23]), rng.randrange(60))
            c = rng.choice(pool)
            body = rng.choice(texts).format(n=rng.randrange(100000, 999999))
            mid = self.mgage_id() if agg == "mgage" else self.infobip_id()
            s = Send(
                mid,
                utc(day, wall, "Europe/Paris"),
                c,
                TRANSACTIONAL_SENDER[agg],
                "",
                "",
                agg,
                "transactional",
                body,
            )
            self.sends.append(s)

    # ------------------------------------------------------------------- stories

    def stop_after(
        self,
        sends: Sequence[Send],
        text: str,
        *,
        minutes: int,
        consent: str = "never",
        keep_sending: bool = True,
        pick: int | None = None,
        territory: str = "FR",
    ) -> Send:
        """A recipient of ``sends`` replies ``text`` ``minutes`` after its MT.

        ``consent``: 'never' (Campaign never hears of it), 'reflected' (opted out two days
        later), 'rejoin_ev' / 'rejoin_no_ev' (opted back in a week later, with or without
        evidence).
        """
        rng = self.rng
        candidates = [
            s
            for s in sends
            if s.contact.territory == territory
            and s.contact.e164 not in self.no_transactional
            and not any(m.contact is s.contact for m in self.mo)
        ]
        anchor = candidates[pick] if pick is not None else rng.choice(candidates)
        c = anchor.contact
        prog = PROGRAMS_BY_ID[anchor.program_id]
        received = anchor.sent_at + timedelta(minutes=minutes, seconds=rng.randrange(60))
        short = prog.footer.split()[-1]
        self.mo.append(Mo(c, received, text, short))
        self.no_transactional.add(c.e164)
        if consent == "reflected":
            self.add_consent(c, prog.program_id, False, received + timedelta(days=2), "SMS_STOP")
        elif consent.startswith("rejoin"):
            self.add_consent(c, prog.program_id, False, received + timedelta(days=1), "SMS_STOP")
            ev = self.evidence_ref() if consent == "rejoin_ev" else ""
            back = received + timedelta(days=7, hours=3)
            self.add_consent(c, prog.program_id, True, back, "WEB_FORM" if ev else "IMPORT", ev)
        if keep_sending and consent != "reflected":
            self.forced[prog.program_id].append(c.e164)
        # mGage lists the STOPs it received before the export, a few seconds later.
        if prog.agg == "mgage" and received < datetime(2026, 5, 15, tzinfo=UTC):
            self.exports.append(
                Suppression(c, prog.sender_id, received + timedelta(seconds=3), text.strip())
            )
        return anchor

    def chatter(self, sends: Sequence[Send], texts: Sequence[str]) -> None:
        """Replies that are not opt-outs."""
        for text in texts:
            s = self.rng.choice([s for s in sends if s.contact.territory == "FR"])
            minutes = 3 + self.rng.randrange(90)
            short = PROGRAMS_BY_ID[s.program_id].footer.split()[-1]
            self.mo.append(Mo(s.contact, s.sent_at + timedelta(minutes=minutes), text, short))


def build(seed: int = SEED) -> World:
    """The month, in time order: who was opted in, what was sent, who said STOP."""
    w = World(seed)
    w.make_contacts(640)
    w.baseline_consent()
    w.keyword_optins()
    w.export_suppressions()
    gb, be, us = (e for e, _ in FOREIGN)

    c = Campaign
    tpl_mg = "{name}, -20 % sur toute la collection printemps, en boutique et sur le site !"
    tpl_mg_long = (
        "{name}, les soldes d'été commencent : jusqu'à -50 % sur une sélection de robes, "
        "chemises et accessoires, livraison offerte dès 49 € d'achat, retours gratuits "
        "pendant 30 jours. Rendez-vous en boutique ou sur maisonlux.example/soldes"
    )
    tpl_ucs = "{name}, c’est le moment… Nos nouveautés n’attendent que vous : -15 % ce jour."
    tpl_ib_nl = (
        "Nouveautés printemps : robes ; sandales ; sacs…\n"
        "{name}, jusqu’à -30 % chez Boutique Lumière dès 39 €, code PRINTEMPS."
    )
    tpl_ded = "{name}, votre accès VIP : vente privée dès 9h, -40 % avec le code VIP."
    tpl_flash = "VENTE FLASH {name} : -50 % pendant 2 h seulement sur maisonlux.example/flash"

    def run(cp: Campaign) -> list[Send]:
        return w.run_campaign(cp)

    fete = run(c("MG-FETE-TRAVAIL-0501", "PRG-MG-SHARED", d(1), time(10), 120, 5, tpl_mg))
    printemps = run(
        c(
            "MG-PRINTEMPS-0504",
            "PRG-MG-SHARED",
            d(4),
            time(10),
            400,
            4,
            tpl_mg,
            force=(gb,),
        )
    )
    w.stop_after(printemps, "STOP", minutes=12)
    w.stop_after(printemps, "stop", minutes=25, consent="reflected")
    w.chatter(printemps, ["STOPPER les pubs svp", "Quand finit la promo ?"])
    nouveautes = run(
        c(
            "IB-NOUVEAUTES-0505",
            "PRG-IB-SHARED",
            d(5),
            time(14),
            350,
            5,
            tpl_ib_nl,
            force=(be,),
        )
    )
    w.stop_after(nouveautes, " Stop merci", minutes=8)
    w.chatter(nouveautes, ["Je veux arrêter de recevoir ces messages", "OUI"])
    dom = run(
        c(
            "DOM-BIENVENUE-0505",
            "PRG-MG-SHARED",
            d(5),
            time(10),
            0,
            20,
            tpl_mg,
            territories=("RE", "YT", "GP", "MQ", "GF", "PM"),
        )
    )
    del dom
    reunion = run(
        c("DOM-REUNION-0506", "PRG-IB-SHARED", d(6), time(9), 0, 30, tpl_ucs, territories=("RE",))
    )
    w.stop_after(reunion, "STOP", minutes=40, territory="RE", keep_sending=False)
    vip = run(c("DED-VIP-0506", "PRG-DED-38012", d(6), time(11), 120, 6, tpl_ded))
    w.stop_after(vip, "ARRET", minutes=15)
    run(
        c(
            "DOM-SOIREE-0506",
            "PRG-IB-SHARED",
            d(6),
            time(21, 30),
            0,
            20,
            tpl_ucs,
            territories=("GP",),
        )
    )
    # The late campaign: started 19:40, 4 s apart, message 300 leaves at 20:00:00 sharp.
    flash = run(
        c(
            "MG-FLASH-0507",
            "PRG-MG-SHARED",
            d(7),
            time(19, 40),
            360,
            4,
            tpl_flash,
            force=(gb,),
        )
    )
    w.stop_after(flash, "STOP 36184", minutes=9, pick=-1, keep_sending=False)
    run(
        c(
            "IB-VICTOIRE-0508",
            "PRG-IB-BOUTIQUE",
            d(8),
            time(10, 30),
            100,
            6,
            tpl_ucs,
        )
    )
    maison = run(c("MG-MAISON-0509", "PRG-MG-MAISON", d(9), time(11), 200, 5, tpl_mg_long))
    w.stop_after(maison, "Arrêt", minutes=30)
    run(c("MG-SAMEDI-SOIR-0509", "PRG-MG-SHARED", d(9), time(18, 30), 30, 10, tpl_mg))
    run(c("IB-DIMANCHE-0510", "PRG-IB-SHARED", d(10), time(11), 80, 6, tpl_ucs))
    run(
        c(
            "IB-MIDWEEK-0512",
            "PRG-IB-SHARED",
            d(12),
            time(9, 15),
            300,
            5,
            tpl_ucs,
            footers=(("ok", 0.6), ("trailing", 0.4)),
            naive_local=True,
        )
    )
    run(
        c(
            "MG-PONT-0513",
            "PRG-MG-MAISON",
            d(13),
            time(15),
            250,
            4,
            tpl_mg,
            footers=(("ok", 0.95), ("not_at_end", 0.05)),
        )
    )
    run(c("IB-ASCENSION-0514", "PRG-IB-SHARED", d(14), time(10), 100, 6, tpl_ucs))
    soldes = run(
        c(
            "MG-SOLDES-0518",
            "PRG-MG-SHARED",
            d(18),
            time(10),
            400,
            4,
            tpl_mg_long,
            footers=(("ok", 0.8), ("double_space", 0.2)),
            force=(us,),
        )
    )
    w.stop_after(soldes, "Stop", minutes=20, consent="rejoin_ev")
    relance = run(
        c(
            "IB-RELANCE-0519",
            "PRG-IB-BOUTIQUE",
            d(19),
            time(16),
            250,
            5,
            tpl_ib_nl,
            footers=(("ok", 0.95), ("wrong_route", 0.05)),
        )
    )
    w.stop_after(relance, "STOP.", minutes=6, consent="rejoin_no_ev")
    run(
        c(
            "DOM-OCEAN-0519",
            "PRG-MG-SHARED",
            d(19),
            time(10),
            0,
            20,
            tpl_mg,
            territories=("RE", "YT", "PM", "GF"),
        )
    )
    run(
        c(
            "DED-VIP-0520",
            "PRG-DED-38012",
            d(20),
            time(12),
            120,
            6,
            tpl_ded,
            footers=(("ok", 0.94), ("wrong_route", 0.06)),
        )
    )
    nocturne = run(c("IB-NOCTURNE-0521", "PRG-IB-SHARED", d(21), time(19, 50), 250, 3, tpl_ib_nl))
    w.chatter(nocturne, ["Non merci", "STOPPUB"])
    run(c("DOM-MQ-0522", "PRG-MG-SHARED", d(22), time(10), 0, 20, tpl_mg, territories=("MQ",)))
    run(c("MG-PENTECOTE-0525", "PRG-MG-SHARED", d(25), time(10), 120, 5, tpl_mg))
    run(
        c(
            "IB-FIN-MAI-0526",
            "PRG-IB-SHARED",
            d(26),
            time(10),
            300,
            4,
            tpl_ucs,
            footers=(("ok", 0.96), ("missing", 0.04)),
        )
    )
    run(c("DOM-GP-0527", "PRG-IB-SHARED", d(27), time(11), 0, 20, tpl_ucs, territories=("GP",)))
    run(
        c(
            "MG-FIN-MAI-0528",
            "PRG-MG-SHARED",
            d(28),
            time(14),
            300,
            4,
            tpl_mg,
            footers=(("ok", 0.7), ("lower", 0.3)),
        )
    )
    run(c("DED-VIP-0529", "PRG-DED-38012", d(29), time(17), 100, 6, tpl_ded))
    del fete
    w.transactional(45)
    # A STOP from a number that never received anything: nothing to attribute it to.
    reached = {s.contact.e164 for s in w.sends}
    stranger = next(c for c in w.metro()[30:] if c.e164 not in reached)
    w.mo.append(Mo(stranger, datetime(2026, 5, 16, 9, 12, 40, tzinfo=UTC), "STOP", "36184"))
    w.expect["late_campaigns"] = ["IB-NOCTURNE-0521", "MG-FLASH-0507"]
    return w


# ------------------------------------------------------------------------- writing


def iso_paris(t: datetime) -> str:
    return t.astimezone(PARIS).isoformat(timespec="seconds")


def iso_z(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def infobip_ts(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def naive_paris(t: datetime) -> str:
    return t.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


def spell(c: Contact, rng: random.Random, style: str) -> str:
    """One of the spellings real exports use for the same number."""
    if c.territory != "FR":
        if c.e164.startswith("+1"):
            return "+1 202-555-0143"
        if style == "mgage" and c.territory is not None and len(c.e164) > 11:
            n = c.e164
            return f"{n[:4]} {n[4:7]} {n[7:9]} {n[9:11]} {n[11:]}"
        return c.e164
    nat = "0" + c.e164[3:]
    pairs = " ".join(nat[i : i + 2] for i in range(0, 10, 2))
    if style == "mgage":
        options = [
            c.e164,
            "+33 " + nat[1] + " " + pairs[3:],
            nat,
            c.e164[1:],
            "0033 " + nat[1] + " " + pairs[3:],
            pairs.replace(" ", "."),
            pairs,
        ]
        return rng.choice(options)
    if style == "infobip":
        return rng.choices([c.e164[1:], c.e164, nat], [0.8, 0.1, 0.1])[0]
    if style == "consent":
        return rng.choices([c.e164, nat, "+33 " + nat[1] + " " + pairs[3:]], [0.7, 0.2, 0.1])[0]
    return c.e164[1:]  # aggregator exports: 33612345678


class CsvOut:
    """A CSV being written, remembering the physical line where each record starts."""

    def __init__(self, header: Sequence[str], delimiter: str = ",", eol: str = "\n") -> None:
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, delimiter=delimiter, lineterminator=eol)
        self.lines = 1
        self.records = 0
        self.writer.writerow(header)
        self.lines += 1

    def row(self, values: Sequence[object]) -> int:
        """Write a record; returns the physical line it starts on."""
        start = self.lines
        before = self.buf.tell()
        self.writer.writerow(values)
        self.lines += self.buf.getvalue()[before:].count("\n")
        self.records += 1
        return start

    def text(self) -> str:
        return self.buf.getvalue()


def receipt_price(s: Send) -> str:
    """mGage's per-segment price on the send's Paris date (the rate card, as billed)."""
    paris_day = s.sent_at.astimezone(PARIS).date()
    return "0.045" if paris_day <= date(2026, 5, 14) else "0.048"


class Writer:
    """Turns the world into files; records where every record landed."""

    def __init__(self, world: World) -> None:
        self.w = world
        self.rng = random.Random(SEED + 1)  # formatting choices, independent of the world
        self.files: dict[str, bytes] = {}
        self.rows: dict[str, int] = {}
        self.rejected: list[tuple[str, int, str, str]] = []
        self.receipts: list[tuple[str, int, str, bool]] = []  # file, line, message_id, blocked
        self.known = aggregator_suppressions(world)

    def suppressed_before(self, s: Send) -> bool:
        """Whether the aggregator already blocks this pair (export or STOP) when ``s`` leaves."""
        ev = self.known.get((s.contact.e164, s.sender_id))
        return ev is not None and ev[0] < s.sent_at

    def all(self) -> None:
        self.sends_mgage()
        self.sends_infobip()
        self.receipts_mgage()
        self.receipts_infobip()
        self.suppressions()
        self.mo()
        self.consent()
        self.programs()
        self.rate_card()

    def put(self, name: str, data: bytes, rows: int) -> None:
        self.files[name] = data
        self.rows[name] = rows

    # ------------------------------------------------------------------- sends

    def bad_mgage_rows(self) -> list[tuple[datetime, list[str], tuple[str, str, str]]]:
        """Rows a person typed or a tool mangled: each has exactly one problem."""
        w, rng = self.w, self.rng
        c1, c2 = w.metro()[3], w.metro()[7]
        t1 = datetime(2026, 5, 13, 7, 15, tzinfo=UTC)
        t2 = datetime(2026, 5, 22, 8, 40, tzinfo=UTC)
        body = "Offre spéciale -10 % ce week-end STOP 36184"
        bad_ts = "13/05/2026 9h15"
        return [
            (
                t1,
                [
                    w.mgage_id(),
                    bad_ts,
                    spell(c1, rng, "mgage"),
                    "36184",
                    "PRG-MG-SHARED",
                    "MG-MANUEL-0513",
                    "mGage",
                    "",
                    body,
                ],
                ("sent_at", bad_ts, "unreadable timestamp"),
            ),
            (
                t2,
                [
                    "",
                    iso_paris(t2),
                    spell(c2, rng, "mgage"),
                    "36184",
                    "PRG-MG-SHARED",
                    "MG-MANUEL-0522",
                    "mGage",
                    "",
                    body,
                ],
                ("message_id", "", "missing value"),
            ),
        ]

    def sends_mgage(self) -> None:
        out = CsvOut(
            [
                "message_id",
                "sent_at",
                "msisdn",
                "sender_id",
                "program_id",
                "campaign_id",
                "aggregator",
                "category",
                "body",
            ]
        )
        rows: list[tuple[datetime, list[str], Send | None, tuple[str, str, str] | None]] = []
        for s in self.w.sends:
            if s.aggregator != "mgage":
                continue
            ts = iso_z(s.sent_at) if self.rng.random() < 0.15 else iso_paris(s.sent_at)
            category = "transactional" if s.category == "transactional" else ""
            if s.category == "marketing" and self.rng.random() < 0.1:
                category = "marketing"
            rows.append(
                (
                    s.sent_at,
                    [
                        s.message_id,
                        ts,
                        spell(s.contact, self.rng, "mgage"),
                        s.sender_id,
                        s.program_id,
                        s.campaign_id,
                        "mGage",
                        category,
                        s.body,
                    ],
                    s,
                    None,
                )
            )
        for t, values, defect in self.bad_mgage_rows():
            rows.append((t, values, None, defect))
        rows.sort(key=lambda r: (r[0], r[1][0]))
        for _, values, s, defect in rows:
            line = out.row(values)
            if s is not None:
                s.file, s.line = SENDS_MG, line
            if defect is not None:
                self.rejected.append((SENDS_MG, line, defect[0], defect[2]))
        self.put(SENDS_MG, "\ufeff".encode() + out.text().encode("utf-8"), out.records)

    def sends_infobip(self) -> None:
        header = [
            "Message_ID",
            "Sent_At",
            "MSISDN",
            "Sender_ID",
            "Program_ID",
            "Campaign_ID",
            "Aggregator",
            "Category",
            "Body",
            "Segments",
            "Price",
            "Currency",
        ]
        out = CsvOut(header, delimiter=";", eol="\r\n")
        rows: list[tuple[datetime, list[str], Send | None, tuple[str, str, str] | None]] = []
        for s in self.w.sends:
            if s.aggregator != "infobip":
                continue
            ts = naive_paris(s.sent_at) if s.naive_local else infobip_ts(s.sent_at)
            rows.append(
                (
                    s.sent_at,
                    [
                        s.message_id,
                        ts,
                        spell(s.contact, self.rng, "infobip"),
                        s.sender_id,
                        s.program_id,
                        s.campaign_id,
                        "Infobip",
                        "Transactional" if s.category == "transactional" else "Marketing",
                        s.body,
                        str(segments(s.body)),
                        "0,050",
                        "EUR",
                    ],
                    s,
                    None,
                )
            )
        w = self.w
        c1, c2 = w.metro()[11], w.metro()[13]
        t1 = datetime(2026, 5, 19, 14, 2, tzinfo=UTC)
        t2 = datetime(2026, 5, 26, 8, 30, tzinfo=UTC)
        body = "Dernière chance : -25 % sur l’été, ce soir minuit. STOP au 36173"
        common = ["36173", "PRG-IB-SHARED", "IB-MANUEL", "Infobip", "Marketing", body, "1"]
        rows.append(
            (
                t1,
                [w.infobip_id(), infobip_ts(t1), "06 12", *common, "0,050", "EUR"],
                None,
                ("msisdn", "06 12", "invalid phone number"),
            )
        )
        rows.append(
            (
                t2,
                [
                    w.infobip_id(),
                    infobip_ts(t2),
                    spell(c1, self.rng, "infobip"),
                    *common,
                    "-0,050",
                    "EUR",
                ],
                None,
                ("price", "-0,050", "negative amount"),
            )
        )
        del c2
        rows.sort(key=lambda r: (r[0], r[1][0]))
        for _, values, s, defect in rows:
            line = out.row(values)
            if s is not None:
                s.file, s.line = SENDS_IB, line
            if defect is not None:
                self.rejected.append((SENDS_IB, line, defect[0], defect[2]))
        self.put(SENDS_IB, out.text().encode("cp1252"), out.records)

    # ---------------------------------------------------------------- receipts

    def outcome(self, s: Send) -> str:
        if self.suppressed_before(s):
            return "blocked"
        if s.category == "marketing" and s.contact.territory and window_reason(s):
            return "window"
        return "expired" if self.rng.random() < 0.02 else "delivered"

    def receipts_mgage(self) -> None:
        out = CsvOut(
            [
                "message_id",
                "status",
                "done_at",
                "error_code",
                "error_text",
                "segments",
                "price",
                "currency",
            ]
        )
        recs: list[tuple[datetime, list[str], bool]] = []
        mg = [s for s in self.w.sends if s.aggregator == "mgage"]
        dups = {mg[40].message_id, mg[900].message_id}
        assert mg[40].contact.territory == mg[900].contact.territory == "FR"
        self.w.superseded = sorted(dups)
        for s in mg:
            if self.rng.random() < 0.02 and s.message_id not in dups:
                continue  # no report came back: happens
            done = s.sent_at + timedelta(seconds=3 + self.rng.randrange(90))
            seg = str(segments(s.body)) if self.rng.random() < 0.9 else ""
            price = receipt_price(s) if self.rng.random() < 0.85 else ""
            kind = self.outcome(s)
            status, code, text = {
                "delivered": ("DELIVERED", "000", "No error"),
                "blocked": ("REJECTED", "061", "Destination Blocked"),
                "window": ("REJECTED", "", "Outside delivery window"),
                "expired": ("EXPIRED", "", "Validity period expired"),
            }[kind]
            if s.message_id in dups:  # an interim report, superseded by the final one below
                early = s.sent_at + timedelta(seconds=1)
                recs.append((early, [s.message_id, "ACCEPTED", iso_z(early)] + [""] * 5, False))
            values = [s.message_id, status, iso_z(done), code, text, seg, price, "EUR"]
            recs.append((done, values, kind == "blocked"))
        recs.sort(key=lambda r: (r[0], r[1][0], r[1][1]))
        for _, values, blocked in recs:
            line = out.row(values)
            self.receipts.append((RECEIPTS_MG, line, values[0], blocked))
        self.put(RECEIPTS_MG, out.text().encode("utf-8"), out.records)

    def infobip_report(self, s: Send, v3: bool) -> dict[str, object]:
        kind = self.outcome(s)
        done = s.sent_at + timedelta(seconds=2 + self.rng.randrange(60))
        status = {
            "delivered": (
                3,
                "DELIVERED",
                5,
                "DELIVERED_TO_HANDSET",
                "Message delivered to handset",
            ),
            "blocked": (
                5,
                "REJECTED",
                14,
                "REJECTED_DESTINATION_BLOCKLISTED",
                "Destination address blocklisted",
            ),
            "window": (
                2,
                "UNDELIVERABLE",
                4,
                "UNDELIVERABLE_REJECTED_OPERATOR",
                "Message rejected by operator",
            ),
            "expired": (4, "EXPIRED", 15, "EXPIRED_EXPIRED", "Message expired"),
        }[kind]
        error = (
            (2, "USER_ERRORS", 573, "EC_SC_BLOCKED_BY_END_USER", "Blocked by end user", True)
            if kind == "blocked"
            else (0, "OK", 0, "NO_ERROR", "No Error", False)
        )
        seg = segments(s.body)
        report: dict[str, object] = {
            "bulkId": f"BULK-{s.campaign_id or 'TRX'}",
            "messageId": s.message_id,
            "to": s.contact.e164[1:],
            ("sender" if v3 else "from"): s.sender_id,
            "sentAt": infobip_ts(s.sent_at),
            "doneAt": infobip_ts(done),
            ("messageCount" if v3 else "smsCount"): seg,
            "mccMnc": self.rng.choice(["20801", "20810", "20815", "20820"])
            if s.contact.territory == "FR"
            else None,
            "callbackData": s.campaign_id or None,
            "price": {"pricePerMessage": 0.05, "currency": "EUR"},
            "status": dict(
                zip(["groupId", "groupName", "id", "name", "description"], status, strict=True)
            ),
            "error": dict(
                zip(
                    ["groupId", "groupName", "id", "name", "description", "permanent"],
                    error,
                    strict=True,
                )
            ),
        }
        return report

    def receipts_infobip(self) -> None:
        legacy: list[str] = []
        v3: list[str] = []
        switch = datetime(2026, 5, 18, tzinfo=UTC)  # the account moved to the v3 API
        for s in self.w.sends:
            if s.aggregator != "infobip" or self.rng.random() < 0.02:
                continue
            is_v3 = s.sent_at >= switch
            rep = self.infobip_report(s, is_v3)
            blocked = rep["status"]["id"] == 14  # type: ignore[index]
            text = json.dumps(rep, ensure_ascii=False, separators=(",", ":"))
            target = v3 if is_v3 else legacy
            target.append(text)
            self.receipts.append(
                (RECEIPTS_IB3 if is_v3 else RECEIPTS_IB, len(target), s.message_id, blocked)
            )
        data = '{"results":[\n' + ",\n".join(legacy) + "\n]}\n"
        self.put(RECEIPTS_IB, data.encode("utf-8"), len(legacy))
        self.put(RECEIPTS_IB3, ("\n".join(v3) + "\n").encode("utf-8"), len(v3))

    # ------------------------------------------------------------------- others

    def suppressions(self) -> None:
        out = CsvOut(["msisdn", "sender_id", "suppressed_at", "aggregator", "keyword"])
        for e in sorted(self.w.exports, key=lambda e: e.suppressed_at):
            e.line = out.row(
                [
                    spell(e.contact, self.rng, "export"),
                    e.sender_id,
                    iso_paris(e.suppressed_at),
                    "mGage",
                    e.keyword,
                ]
            )
        self.put(SUPPRESSIONS, out.text().encode("utf-8"), out.records)

    def mo(self) -> None:
        out = CsvOut(["msisdn", "received_at", "text", "short_code"])
        for m in sorted(self.w.mo, key=lambda m: m.received_at):
            m.line = out.row(
                [spell(m.contact, self.rng, "export"), iso_z(m.received_at), m.text, m.short_code]
            )
        self.put(MO, out.text().encode("utf-8"), out.records)

    def consent(self) -> None:
        out = CsvOut(
            ["msisdn", "program_id", "status", "status_date", "consent_source", "evidence_ref"]
        )
        rows = sorted(self.w.consent, key=lambda r: (r.contact.e164, r.program_id, r.status_date))
        # An export glitch: a status the contract does not know.
        odd = self.w.metro()[21]
        glitch = ConsentRow(
            odd, "PRG-IB-SHARED", "PENDING", datetime(2026, 5, 3, 12, tzinfo=UTC), "WEB_FORM", ""
        )
        rows.insert(len(rows) // 2, glitch)
        for r in rows:
            ts = (
                iso_z(r.status_date)
                if r.status_date >= MONTH_START
                else r.status_date.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")
            )
            r.line = out.row(
                [
                    spell(r.contact, self.rng, "consent"),
                    r.program_id,
                    r.status,
                    ts,
                    r.source,
                    r.evidence,
                ]
            )
        self.rejected.append((CONSENT, glitch.line, "status", "unknown consent status"))
        self.put(CONSENT, out.text().encode("utf-8"), out.records)

    def programs(self) -> None:
        out = CsvOut(["program_id", "sender_id", "short_code_type", "aggregator"])
        for p in PROGRAM_LIST:
            out.row([p.program_id, p.sender_id, p.short_code_type, p.aggregator])
        self.put(PROGRAMS, out.text().encode("utf-8"), out.records)

    def rate_card(self) -> None:
        out = CsvOut(["aggregator", "price_per_segment", "currency", "valid_from", "valid_to"])
        out.row(["mGage", "0.0450", "EUR", "2026-01-01", "2026-05-14"])
        out.row(["mGage", "0.0480", "EUR", "2026-05-15", ""])
        out.row(["Infobip", "0.0500", "EUR", "2026-01-01", ""])
        self.put(RATE_CARD, out.text().encode("utf-8"), out.records)


# -------------------------------------------------------------------------- oracle


def window_reason(s: Send) -> str | None:
    assert s.contact.territory is not None
    local = s.sent_at.astimezone(ZoneInfo(CLOCKS[s.contact.territory]))
    return blocked_reason(local, s.contact.territory)


def suppression_evidence(world: World) -> dict[tuple[str, str], list[tuple[datetime, str]]]:
    """(msisdn, sender_id) -> [(when, evidence)] from the export and from STOP MOs."""
    used = [s for s in world.sends if s.contact.territory is not None]
    evidence: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for e in world.exports:
        evidence.setdefault((e.contact.e164, e.sender_id), []).append((e.suppressed_at, "export"))
    for m in world.mo:
        if m.contact.territory is None or not is_stop(m.text):
            continue
        last = last_mt(used, m.contact, m.received_at)
        if last is not None:
            evidence.setdefault((m.contact.e164, last.sender_id), []).append(
                (m.received_at, "stop_mo")
            )
    return evidence


def aggregator_suppressions(world: World) -> dict[tuple[str, str], tuple[datetime, str]]:
    """The earliest suppression of each pair the aggregators know of."""
    return {pair: min(ev) for pair, ev in suppression_evidence(world).items()}


def last_mt(sends: Sequence[Send], c: Contact, at: datetime) -> Send | None:
    """The last message sent to ``c`` at or before ``at``."""
    before = [s for s in sends if s.contact is c and s.sent_at <= at]
    return max(before, key=lambda s: s.sent_at) if before else None


def oracle(world: World, wr: Writer) -> dict[str, object]:
    """What a correct audit finds, from the records as generated (CONTRACT §3)."""
    used = [s for s in world.sends if s.contact.territory is not None]
    marketing = [s for s in used if s.category == "marketing"]

    blocked = {s.message_id: r for s in marketing if (r := window_reason(s)) is not None}

    late: dict[str, dict[str, int]] = {}
    for cid in sorted({s.campaign_id for s in marketing}):
        msgs = [s for s in marketing if s.campaign_id == cid]
        n_blocked = sum(s.message_id in blocked for s in msgs)
        if 0 < n_blocked < len(msgs):
            late[cid] = {"messages": len(msgs), "messages_blocked": n_blocked}

    # Suppression evidence per pair: (when, evidence), earliest wins.
    evidence = suppression_evidence(world)
    by_id = {s.message_id: s for s in used}
    for _, _, mid, is_blocked in wr.receipts:
        s = by_id.get(mid)
        if is_blocked and s is not None and s.aggregator == "mgage":  # error code 061
            evidence.setdefault((s.contact.e164, s.sender_id), []).append((s.sent_at, "error_061"))
    suppressed = {pair: min(ev) for pair, ev in evidence.items()}

    after = {
        s.message_id: iso(suppressed[(s.contact.e164, s.sender_id)][0])
        for s in used
        if (s.contact.e164, s.sender_id) in suppressed
        and s.sent_at > suppressed[(s.contact.e164, s.sender_id)][0]
    }

    consent = [r for r in world.consent if r.contact.territory is not None]
    latest: dict[tuple[str, str], ConsentRow] = {}
    for r in sorted(consent, key=lambda r: r.status_date):
        latest[(r.contact.e164, r.program_id)] = r
    not_opted_out: list[list[str]] = []
    for (e164, sender), (when, _) in sorted(suppressed.items()):
        for p in PROGRAM_LIST:
            row = latest.get((e164, p.program_id))
            if p.sender_id != sender or row is None or not row.opted_in:
                continue
            if row.status_date <= when:
                not_opted_out.append([e164, p.program_id, "never_opted_out"])
            elif not row.evidence:
                not_opted_out.append([e164, p.program_id, "rejoin_without_evidence"])

    invalid_source = sorted(
        [e164, pid, r.source]
        for (e164, pid), r in latest.items()
        if r.opted_in
        and PROGRAMS_BY_ID[pid].short_code_type == "shared"
        and r.source.casefold() in KEYWORD_SOURCES
    )

    footers = {}
    for s in marketing:
        expected = PROGRAMS_BY_ID[s.program_id].footer
        if not has_footer(s.body, expected):
            footers[s.message_id] = expected

    out_of_scope: dict[str, int] = {}
    for s in world.sends:
        if s.contact.territory is None:
            out_of_scope[s.file] = out_of_scope.get(s.file, 0) + 1
    for r in world.consent:
        if r.contact.territory is None:
            out_of_scope[CONSENT] = out_of_scope.get(CONSENT, 0) + 1
    for f, _, mid, _ in wr.receipts:
        if mid not in by_id:
            out_of_scope[f] = out_of_scope.get(f, 0) + 1
    out_of_scope[RECEIPTS_MG] = out_of_scope.get(RECEIPTS_MG, 0) + len(world.superseded)

    territories = {c.e164: c.territory for c in world.contacts if c.territory not in ("FR", None)}
    return {
        "about": {
            "profile": "fr-acoustic",
            "month": "2026-05",
            "assume_tz": "Europe/Paris",
            "seed": SEED,
            "note": "Shape and rules: data_samples/README.md. Instants are UTC ISO 8601.",
        },
        "rows": dict(sorted(wr.rows.items())),
        "out_of_scope": dict(sorted(out_of_scope.items())),
        "rejected": sorted([list(r) for r in wr.rejected]),
        "blocked_window_messages": dict(sorted(blocked.items())),
        "late_campaigns": late,
        "suppressions": [
            {"msisdn": e, "sender_id": snd, "suppressed_at": iso(t), "evidence": ev}
            for (e, snd), (t, ev) in sorted(suppressed.items())
        ],
        "suppressed_pairs": [list(p) for p in sorted(suppressed)],
        "sends_after_suppression": dict(sorted(after.items())),
        "suppressed_not_opted_out": sorted(not_opted_out),
        "consent_updates": sorted([e, p] for e, p, _ in not_opted_out),
        "invalid_consent_source": invalid_source,
        "missing_stop_footer": dict(sorted(footers.items())),
        "stop_mo_lines": sorted(m.line for m in world.mo if is_stop(m.text)),
        "superseded_receipts": world.superseded,
        "territories": dict(sorted(territories.items())),
    }


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="seconds")


def check_intent(world: World, planted: dict[str, object]) -> None:
    """The oracle, derived by rule, must find what was planted on purpose."""
    late = planted["late_campaigns"]
    assert isinstance(late, dict)
    assert sorted(late) == world.expect["late_campaigns"], sorted(late)
    invalid = planted["invalid_consent_source"]
    assert isinstance(invalid, list) and len(invalid) == world.expect["invalid_consent_source"]
    reasons = set(planted["blocked_window_messages"].values())  # type: ignore[attr-defined]
    assert reasons == {
        "public_holiday",
        "sunday",
        "saturday_outside_hours",
        "weekday_outside_hours",
    }, reasons
    findings = {f for *_, f in planted["suppressed_not_opted_out"]}  # type: ignore[attr-defined]
    assert findings == {"never_opted_out", "rejoin_without_evidence"}, findings
    evidence = {s["evidence"] for s in planted["suppressions"]}  # type: ignore[attr-defined]
    assert evidence == {"export", "stop_mo"}, evidence  # 061 always has earlier evidence


def generate(out_dir: Path = HERE) -> dict[str, Path]:
    """Write every sample file and planted.json into ``out_dir``; returns name -> path."""
    world = build()
    wr = Writer(world)
    wr.all()
    planted = oracle(world, wr)
    check_intent(world, planted)
    data = json.dumps(planted, ensure_ascii=False, indent=1) + "\n"
    wr.files[PLANTED] = data.encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in OUTPUTS:
        path = out_dir / name
        path.write_bytes(wr.files[name])
        paths[name] = path
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    for name, path in generate(args.out).items():
        print(f"{path.stat().st_size:>9}  {name}")


if __name__ == "__main__":
    main()
