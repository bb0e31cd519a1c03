"""Writing the world in the messy formats of the exports, file by file."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from .rules import (
    MONTH_START,
    PARIS,
    SEED,
    segments,
)
from .world import (
    PROGRAM_LIST,
    ConsentRow,
    Contact,
    Send,
    World,
    aggregator_suppressions,
    window_reason,
)

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
