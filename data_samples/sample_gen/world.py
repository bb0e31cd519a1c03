"""The world: contacts, programs, campaigns, and the month of traffic built from one seed."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .rules import (
    CLOCKS,
    OPTED_IN,
    OPTED_OUT,
    SEED,
    blocked_reason,
    is_stop,
)

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


# --------------------------------------------------------- what the aggregators know


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


def window_reason(s: Send) -> str | None:
    assert s.contact.territory is not None
    local = s.sent_at.astimezone(ZoneInfo(CLOCKS[s.contact.territory]))
    return blocked_reason(local, s.contact.territory)
