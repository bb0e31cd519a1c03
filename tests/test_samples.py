"""The bundled sample month and its oracle (data_samples/generate.py, planted.json).

The generator must be reproducible byte for byte, and planted.json must say what the
files really contain. The oracle is re-derived here from the files alone, with other
tools than the generator's (``phonenumbers`` for territories, ``holidays`` for the
calendar, the stdlib CSV/JSON readers), so a formatting slip in a file cannot hide behind
a matching slip in the oracle.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaudit import schema
from smsaudit.cost import count_segments

SAMPLES = Path(__file__).resolve().parents[1] / "data_samples"
CSV_ENCODING = {"sends_infobip_2026-05.csv": "cp1252"}


def _load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "smsaudit_samples_generate", SAMPLES / "generate.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


gen = _load_generator()


@pytest.fixture(scope="module")
def planted() -> dict[str, Any]:
    return json.loads((SAMPLES / "planted.json").read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------- readers


def read_csv(name: str) -> list[tuple[int, dict[str, str]]]:
    """(physical start line, record by lower-cased header) for every record of a sample CSV."""
    raw = (SAMPLES / name).read_bytes()
    text = raw.decode(CSV_ENCODING.get(name, "utf-8-sig"))
    delim = ";" if text.splitlines()[0].count(";") > text.splitlines()[0].count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header = [h.lower() for h in next(reader)]
    out = []
    start = reader.line_num + 1
    for rec in reader:
        out.append((start, dict(zip(header, rec, strict=True))))
        start = reader.line_num + 1
    return out


def read_json_reports(name: str) -> list[tuple[int, dict[str, Any]]]:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if text.lstrip().startswith('{"results"'):
        return list(enumerate(json.loads(text)["results"], start=1))
    return [(i, json.loads(line)) for i, line in enumerate(text.splitlines(), start=1)]


def parse_instant(text: str) -> datetime | None:
    """UTC instant of an ISO 8601 text; naive ones are Paris wall time (``--assume-tz``)."""
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo("Europe/Paris"))
    return t.astimezone(UTC)


def e164(raw: str) -> tuple[str | None, str | None]:
    """(E.164, region) of a sample number, or (None, None) when invalid."""
    digits = re.sub(r"[\s.\-()]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "+" + digits
    try:
        num = phonenumbers.parse(digits, "FR")
    except phonenumbers.NumberParseException:
        return None, None
    if not phonenumbers.is_valid_number(num):
        return None, None
    fmt = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return fmt, phonenumbers.region_code_for_number(num)


def holiday_days(region: str) -> set[date]:
    """May 2026 public holidays of a territory from the `holidays` package (May has no
    customary-only days in any of these subdivisions)."""
    subdiv = {"FR": None, "GP": "971", "MQ": "972", "GF": "973", "RE": "974", "YT": "976"}
    cal = holidays.France(subdiv=subdiv.get(region, region), years=2026, language="fr")
    return {d for d in cal if d.month == 5}


@pytest.fixture(scope="module")
def sends() -> list[dict[str, Any]]:
    """Every send row of both files, usable or not, with its file, line and E.164."""
    out = []
    for name in (gen.SENDS_MG, gen.SENDS_IB):
        for line, rec in read_csv(name):
            number, region = e164(rec["msisdn"])
            rec.update(file=name, line=line, e164=number, region=region)
            rec["instant"] = parse_instant(rec["sent_at"])
            out.append(rec)
    return out


def usable(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """French, well-formed marketing or transactional sends (the audit's scope)."""
    for r in rows:
        price = r.get("price", "")
        if (
            r["message_id"]
            and r["instant"] is not None
            and r["e164"] is not None
            and r["region"] in schema.TERRITORY_CLOCKS
            and not price.startswith("-")
        ):
            yield r


# --------------------------------------------------------------------- reproducibility


def test_generation_is_byte_identical_and_matches_the_committed_files(tmp_path: Path) -> None:
    first = gen.generate(tmp_path / "a")
    second = gen.generate(tmp_path / "b")
    assert set(first) == set(gen.OUTPUTS)
    for name in gen.OUTPUTS:
        data = first[name].read_bytes()
        assert data == second[name].read_bytes(), name
        assert data == (SAMPLES / name).read_bytes(), f"{name} is stale: run make samples"
    total = sum(p.stat().st_size for p in first.values())
    assert total < 3_000_000


def test_generation_ignores_the_machine_time_zone(tmp_path: Path, monkeypatch: Any) -> None:
    import time

    if not hasattr(time, "tzset"):
        pytest.fail("time.tzset is needed to change the process time zone")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        paths = gen.generate(tmp_path)
    finally:
        monkeypatch.undo()
        time.tzset()
    for name in gen.OUTPUTS:
        assert paths[name].read_bytes() == (SAMPLES / name).read_bytes(), name


# --------------------------------------------------------------------------- formats


def test_files_use_the_messy_formats_of_the_contract() -> None:
    mg = (SAMPLES / gen.SENDS_MG).read_bytes()
    assert mg.startswith(b"\xef\xbb\xbf")
    ib = (SAMPLES / gen.SENDS_IB).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        ib.decode("utf-8")
    text = ib.decode("cp1252")
    assert text.startswith("Message_ID;Sent_At;MSISDN;")
    assert "\r\n" in text and all(ch in text for ch in "€’é…")
    assert re.search(r";0,050;EUR\r\n", text)
    assert re.search(r";2026-05-12 09:15:00;", text)  # naive Paris wall time
    assert re.search(r'"[^"]*;[^"]*\n[^"]*"', text)  # quoted body with ';' and a newline
    mg_text = mg.decode("utf-8-sig")
    for spelling in (
        r",\+33 6 \d\d \d\d",
        r",0[67]\d{8},",
        r",33[67]\d{8},",
        r",0033 ",
        r"\d\d\.\d\d\.",
    ):
        assert re.search(spelling, mg_text), spelling
    assert re.search(r"T\d\d:\d\d:\d\d\+02:00,", mg_text) and re.search(r"\d\dZ,", mg_text)
    receipts = (SAMPLES / gen.RECEIPTS_MG).read_text(encoding="utf-8")
    assert ",061,Destination Blocked," in receipts
    legacy = (SAMPLES / gen.RECEIPTS_IB).read_text(encoding="utf-8")
    assert '"smsCount":' in legacy and '"from":' in legacy and ".000+0000" in legacy
    v3 = (SAMPLES / gen.RECEIPTS_IB3).read_text(encoding="utf-8")
    assert '"messageCount":' in v3 and '"sender":' in v3 and '"results"' not in v3
    consent = {r["status"] for _, r in read_csv(gen.CONSENT)}
    assert {"OPT-IN", "OPTED-IN", "OPT_IN", "OPT-OUT", "OPTED-OUT", "OPT_OUT"} <= consent


def test_row_counts(planted: dict[str, Any]) -> None:
    counted = {}
    for name in gen.OUTPUTS:
        if name.endswith(".csv"):
            counted[name] = len(read_csv(name))
        elif name != gen.PLANTED:
            counted[name] = len(read_json_reports(name))
    assert planted["rows"] == counted
    assert 3_800 <= counted[gen.SENDS_MG] + counted[gen.SENDS_IB] <= 4_600


def test_infobip_segment_counts_agree_with_the_cost_module() -> None:
    for _, rec in read_csv(gen.SENDS_IB):
        assert int(rec["segments"]) == count_segments(rec["body"]) == gen.segments(rec["body"])
    assert {int(r["segments"]) for _, r in read_csv(gen.SENDS_IB)} >= {1, 2}


# ------------------------------------------------------------- the oracle, re-derived


def test_rejected_rows_are_exactly_the_broken_ones(
    planted: dict[str, Any], sends: list[dict[str, Any]]
) -> None:
    found = []
    for r in sends:
        if not r["message_id"]:
            found.append([r["file"], r["line"], "message_id", "missing value"])
        elif r["instant"] is None:
            found.append([r["file"], r["line"], "sent_at", "unreadable timestamp"])
        elif r["e164"] is None:
            found.append([r["file"], r["line"], "msisdn", "invalid phone number"])
        elif r.get("price", "").startswith("-"):
            found.append([r["file"], r["line"], "price", "negative amount"])
    known = {"OPT-IN", "OPTED-IN", "OPT_IN", "OPT-OUT", "OPTED-OUT", "OPT_OUT"}
    for line, rec in read_csv(gen.CONSENT):
        if rec["status"] not in known:
            found.append([gen.CONSENT, line, "status", "unknown consent status"])
    assert sorted(found) == planted["rejected"]


def test_out_of_scope_counts(planted: dict[str, Any], sends: list[dict[str, Any]]) -> None:
    expected: dict[str, int] = {}
    foreign = {
        r["message_id"] for r in sends if r["e164"] and r["region"] not in schema.TERRITORY_CLOCKS
    }
    for r in sends:
        if r["message_id"] in foreign:
            expected[r["file"]] = expected.get(r["file"], 0) + 1
    for name in (gen.RECEIPTS_IB, gen.RECEIPTS_IB3):
        n = sum(rep["messageId"] in foreign for _, rep in read_json_reports(name))
        if n:
            expected[name] = n
    mg = [rec for _, rec in read_csv(gen.RECEIPTS_MG)]
    ids = [rec["message_id"] for rec in mg]
    superseded = sorted({i for i in ids if ids.count(i) > 1})
    assert superseded == planted["superseded_receipts"] and len(superseded) == 2
    expected[gen.RECEIPTS_MG] = sum(i in foreign for i in ids) + len(superseded)
    for _, rec in read_csv(gen.CONSENT):
        number, region = e164(rec["msisdn"])
        if number and region not in schema.TERRITORY_CLOCKS:
            expected[gen.CONSENT] = expected.get(gen.CONSENT, 0) + 1
    assert planted["out_of_scope"] == dict(sorted(expected.items()))
    assert {"GB", "BE", "US"} <= {r["region"] for r in sends if r["message_id"] in foreign}


def reason(instant: datetime, region: str) -> str | None:
    local = instant.astimezone(ZoneInfo(schema.TERRITORY_CLOCKS[region]))
    if local.date() in holiday_days(region):
        return "public_holiday"
    minutes = local.hour * 60 + local.minute
    if local.weekday() == 6:
        return "sunday"
    if local.weekday() == 5:
        return None if 600 <= minutes < 1080 else "saturday_outside_hours"
    return None if 480 <= minutes < 1200 else "weekday_outside_hours"


def test_blocked_windows_and_late_campaigns(
    planted: dict[str, Any], sends: list[dict[str, Any]]
) -> None:
    marketing = [r for r in usable(sends) if r["category"].lower() in ("", "marketing")]
    blocked = {
        r["message_id"]: why for r in marketing if (why := reason(r["instant"], r["region"]))
    }
    assert blocked == planted["blocked_window_messages"]
    late = {}
    for cid in {r["campaign_id"] for r in marketing}:
        ids = [r["message_id"] for r in marketing if r["campaign_id"] == cid]
        n = sum(i in blocked for i in ids)
        if 0 < n < len(ids):
            late[cid] = {"messages": len(ids), "messages_blocked": n}
    assert late == planted["late_campaigns"]


def test_named_window_cases_are_present(
    planted: dict[str, Any], sends: list[dict[str, Any]]
) -> None:
    rows = list(usable(sends))
    by_id = {r["message_id"]: r for r in rows}
    blocked = planted["blocked_window_messages"]

    def local(r: dict[str, Any]) -> datetime:
        return r["instant"].astimezone(ZoneInfo(schema.TERRITORY_CLOCKS[r["region"]]))

    # The late campaign's message leaving at 20:00:00 sharp is blocked; 19:59:56 is not.
    flash = sorted((local(r), r["message_id"]) for r in rows if r["campaign_id"] == "MG-FLASH-0507")
    at_eight = [m for t, m in flash if (t.hour, t.minute, t.second) == (20, 0, 0)]
    before = [m for t, m in flash if (t.hour, t.minute, t.second) == (19, 59, 56)]
    assert at_eight and blocked[at_eight[0]] == "weekday_outside_hours"
    assert before and before[0] not in blocked
    # Guadeloupe 21:30 local, 03:30 in Paris the next day.
    gp = [r for r in rows if r["campaign_id"] == "DOM-SOIREE-0506"]
    assert gp and all(local(r).strftime("%H:%M") == "21:30" for r in gp)
    assert all(
        r["instant"].astimezone(ZoneInfo("Europe/Paris")).strftime("%d %H:%M") == "07 03:30"
        for r in gp
    )
    assert all(blocked[r["message_id"]] == "weekday_outside_hours" for r in gp)
    # Réunion 09:00 local is 07:00 in Paris, and allowed.
    re_ = [r for r in rows if r["campaign_id"] == "DOM-REUNION-0506"]
    assert re_ and all(r["message_id"] not in blocked for r in re_)
    assert all(r["instant"].astimezone(ZoneInfo("Europe/Paris")).hour == 7 for r in re_)
    # Martinique on its abolition day; transactional traffic at night is never flagged.
    assert all(
        blocked[r["message_id"]] == "public_holiday"
        for r in rows
        if r["campaign_id"] == "DOM-MQ-0522"
    )
    night = [
        r for r in rows if r["category"].lower() == "transactional" and not 8 <= local(r).hour < 20
    ]
    assert night and not any(r["message_id"] in blocked for r in night)
    assert set(planted["territories"].values()) == {"RE", "YT", "GP", "MQ", "GF", "PM"}
    assert {r["region"] for r in rows} == {"FR", *planted["territories"].values()}
    for m in blocked:
        assert m in by_id


def fold(text: str) -> str:
    return re.sub(r" +", " ", text.rstrip(" ")).casefold()


def test_missing_stop_footers(planted: dict[str, Any], sends: list[dict[str, Any]]) -> None:
    programs = {rec["program_id"]: rec for _, rec in read_csv(gen.PROGRAMS)}
    expected_by_program = {
        pid: (f"STOP {p['sender_id']}" if p["short_code_type"] == "dedicated"
              else "STOP 36184" if p["aggregator"].lower() == "mgage" else "STOP au 36173")
        for pid, p in programs.items()
    }  # fmt: skip
    missing = {}
    for r in usable(sends):
        if r["category"].lower() not in ("", "marketing"):
            continue
        want = expected_by_program[r["program_id"]]
        body = fold(r["body"])
        if not (body.endswith(" " + want.casefold()) or body.endswith("\n" + want.casefold())):
            missing[r["message_id"]] = want
    assert missing == planted["missing_stop_footer"]
    bodies = [r["body"] for r in usable(sends)]
    assert any(b.endswith("Stop au 36173 ") for b in bodies)  # trailing space, other case: fine
    assert any(b.endswith("STOP  36184") for b in bodies)  # a run of spaces: fine


def test_stop_replies(planted: dict[str, Any]) -> None:
    mo = read_csv(gen.MO)
    stop = [line for line, r in mo if re.match(r"\s*(stop|arret|arrêt)(?![^\W_])", r["text"], re.I)]
    assert stop == planted["stop_mo_lines"]
    texts = {r["text"] for _, r in mo}
    assert {"STOP", "stop", " Stop merci", "ARRET", "Arrêt", "STOP."} <= texts
    assert {"STOPPER les pubs svp", "STOPPUB"} <= texts  # another first word: not a STOP


def test_suppression_evidence_and_sends_after_it(
    planted: dict[str, Any], sends: list[dict[str, Any]]
) -> None:
    rows = sorted(usable(sends), key=lambda r: r["instant"])
    evidence: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for _, rec in read_csv(gen.SUPPRESSIONS):
        pair = (e164(rec["msisdn"])[0], rec["sender_id"])
        evidence.setdefault(pair, []).append((parse_instant(rec["suppressed_at"]), "export"))  # type: ignore[arg-type]
    for line, rec in read_csv(gen.MO):
        if line not in planted["stop_mo_lines"]:
            continue
        number, at = e164(rec["msisdn"])[0], parse_instant(rec["received_at"])
        assert at is not None
        before = [r for r in rows if r["e164"] == number and r["instant"] <= at]
        if before:
            evidence.setdefault((number, before[-1]["sender_id"]), []).append((at, "stop_mo"))  # type: ignore[arg-type]
    first = {pair: min(ev) for pair, ev in evidence.items()}
    assert planted["suppressions"] == [
        {"msisdn": m, "sender_id": s, "suppressed_at": t.isoformat(), "evidence": e}
        for (m, s), (t, e) in sorted(first.items())
    ]
    assert planted["suppressed_pairs"] == [list(p) for p in sorted(first)]
    after = {
        r["message_id"]: first[(r["e164"], r["sender_id"])][0].isoformat()
        for r in rows
        if (r["e164"], r["sender_id"]) in first
        and r["instant"] > first[(r["e164"], r["sender_id"])][0]
    }
    assert after == planted["sends_after_suppression"]
    # Every 061 / blocklisted receipt is a send after suppression: the error never comes first.
    blocked = {
        rec["message_id"] for _, rec in read_csv(gen.RECEIPTS_MG) if rec["error_code"] == "061"
    }
    for name in (gen.RECEIPTS_IB, gen.RECEIPTS_IB3):
        blocked |= {
            rep["messageId"] for _, rep in read_json_reports(name) if rep["status"]["id"] == 14
        }
    assert blocked and blocked <= set(after)
    assert any(rep["error"]["id"] == 573 for _, rep in read_json_reports(gen.RECEIPTS_IB3))


def test_consent_findings(planted: dict[str, Any]) -> None:
    programs = {rec["program_id"]: rec for _, rec in read_csv(gen.PROGRAMS)}
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for _, rec in read_csv(gen.CONSENT):
        number, region = e164(rec["msisdn"])
        status = rec["status"].replace("_", "-").replace("OPT-", "OPTED-")
        if (
            number is None
            or region not in schema.TERRITORY_CLOCKS
            or status not in ("OPTED-IN", "OPTED-OUT")
        ):
            continue
        rec.update(status=status, instant=parse_instant(rec["status_date"]))
        key = (number, rec["program_id"])
        assert key not in latest or latest[key]["instant"] != rec["instant"], "ties are ambiguous"
        if key not in latest or rec["instant"] > latest[key]["instant"]:
            latest[key] = rec
    suppressed = {
        (s["msisdn"], s["sender_id"]): datetime.fromisoformat(s["suppressed_at"])
        for s in planted["suppressions"]
    }
    findings = []
    for (number, pid), rec in latest.items():
        when = suppressed.get((number, programs[pid]["sender_id"]))
        if when is None or rec["status"] != "OPTED-IN":
            continue
        if rec["instant"] <= when:
            findings.append([number, pid, "never_opted_out"])
        elif not rec["evidence_ref"]:
            findings.append([number, pid, "rejoin_without_evidence"])
    assert sorted(findings) == planted["suppressed_not_opted_out"]
    assert planted["consent_updates"] == sorted([m, p] for m, p, _ in findings)
    invalid = sorted(
        [number, pid, rec["consent_source"]]
        for (number, pid), rec in latest.items()
        if rec["status"] == "OPTED-IN"
        and programs[pid]["short_code_type"] == "shared"
        and rec["consent_source"].casefold() in {"mo_keyword", "keyword", "sms", "text-to-join"}
    )
    assert invalid == planted["invalid_consent_source"] and len(invalid) >= 4
    # Keyword opt-ins on the dedicated code are allowed and present, so the rule is exercised.
    assert any(
        rec["consent_source"].casefold() in {"mo_keyword", "text-to-join"}
        for (_, pid), rec in latest.items()
        if programs[pid]["short_code_type"] == "dedicated" and rec["status"] == "OPTED-IN"
    )


def test_every_planted_number_is_what_the_library_says(planted: dict[str, Any]) -> None:
    for number, region in planted["territories"].items():
        assert e164(number) == (number, region)
    for s in planted["suppressions"]:
        assert e164(s["msisdn"])[0] == s["msisdn"]


def test_the_holiday_list_matches_the_holidays_package() -> None:
    for region in ("FR", "RE", "YT", "GP", "MQ", "GF", "PM"):
        own = {
            d
            for d in (date(2026, 5, 1) + timedelta(days=i) for i in range(31))
            if d in gen.NATIONAL_HOLIDAYS_2026 or gen.ABOLITION_DAYS_2026.get(region) == d
        }
        assert own == holiday_days(region), region


# -------------------------------------------------------------- the oracle's helpers

WORD = st.text(alphabet=st.characters(whitelist_categories=("Ll", "Lu")), min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(
    word=st.one_of(WORD, st.sampled_from(["STOP", "stop", "Arrêt", "ARRET", "STOPPER", "arrêter"])),
    lead=st.sampled_from(["", " ", "  ", "\t"]),
    tail=st.sampled_from(["", ".", "!", " merci", ",svp", "PUB", "2"]),
)
def test_is_stop_reads_the_first_word(word: str, lead: str, tail: str) -> None:
    first_word = re.match(r"[^\W_]+", word + tail)
    assert first_word is not None
    assert gen.is_stop(lead + word + tail) == (first_word.group(0).casefold() in gen.STOP_WORDS)


@settings(max_examples=200, deadline=None)
@given(
    prefix=st.text(alphabet="abcdef ,.!", max_size=30),
    footer=st.sampled_from(["STOP 36184", "STOP au 36173", "STOP 38012"]),
    spaces=st.integers(min_value=1, max_value=3),
    trailing=st.integers(min_value=0, max_value=3),
    upper=st.booleans(),
)
def test_has_footer_folds_case_and_spaces(
    prefix: str, footer: str, spaces: int, trailing: int, upper: bool
) -> None:
    written = footer.replace(" ", " " * spaces)
    written = written.upper() if upper else written.lower()
    body = prefix + " " + written + " " * trailing
    assert gen.has_footer(body, footer)
    assert not gen.has_footer(body + " Offre valable.", footer)
    assert not gen.has_footer(prefix + " " + written + "0", footer)


@pytest.mark.parametrize(
    ("local", "region", "expected"),
    [
        ("2026-05-04 07:59:59", "FR", "weekday_outside_hours"),
        ("2026-05-04 08:00:00", "FR", None),
        ("2026-05-04 19:59:59", "FR", None),
        ("2026-05-04 20:00:00", "FR", "weekday_outside_hours"),
        ("2026-05-09 09:59:59", "FR", "saturday_outside_hours"),
        ("2026-05-09 10:00:00", "FR", None),
        ("2026-05-09 18:00:00", "FR", "saturday_outside_hours"),
        ("2026-05-10 12:00:00", "FR", "sunday"),
        ("2026-05-14 12:00:00", "FR", "public_holiday"),
        ("2026-05-22 12:00:00", "MQ", "public_holiday"),
        ("2026-05-22 12:00:00", "GP", None),
        ("2026-05-27 12:00:00", "GP", "public_holiday"),
        ("2026-05-28 12:00:00", "MF", "public_holiday"),
        ("2026-05-28 12:00:00", "GP", None),
    ],
)
def test_blocked_reason_edges(local: str, region: str, expected: str | None) -> None:
    assert gen.blocked_reason(datetime.fromisoformat(local), region) == expected
