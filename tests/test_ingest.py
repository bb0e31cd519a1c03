"""Vendor formats (smsaudit.ingest): format files, recognition by content, the canonical rows
each shipped format gives on a sample built from its platform's published example.

Each ``tests/vendors/<format>/`` folder holds the export under a platform-style name (and a
canonical ``sends.csv`` where the format gives no sends) and ``expected.toml``:
``vendor_file``, ``accounting`` (``[read, used, rejected, out of scope]`` per file),
optional ``rejected`` (file, line, column, reason substring), ``out_of_scope`` and
``[[check]]`` queries on the audit's tables ("null" reads as NULL).
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import smsaudit
from smsaudit.errors import InputError
from smsaudit.ingest import detect, formats, shipped_formats
from smsaudit.ingest.formats import parse_format

VENDORS = Path(__file__).resolve().parent / "vendors"
FORMAT_DIRS = sorted(p for p in VENDORS.iterdir() if (p / "expected.toml").exists())


def _expected(folder: Path) -> dict[str, Any]:
    return tomllib.loads((folder / "expected.toml").read_text(encoding="utf-8"))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def test_every_shipped_format_has_a_sample_folder() -> None:
    names = {f.name for f in shipped_formats()}
    assert names == {p.name for p in FORMAT_DIRS}


def test_every_shipped_format_cites_its_source_and_feeds_known_kinds() -> None:
    for fmt in shipped_formats():
        assert len(fmt.source) > 20, fmt.name
        assert "VENDORS.md" not in fmt.source  # a file the repository does not hold
        assert set(fmt.kind_names) <= set(formats.KINDS)


@pytest.mark.parametrize("folder", FORMAT_DIRS, ids=lambda p: p.name)
def test_only_its_own_format_recognises_a_sample(folder: Path) -> None:
    vendor_file = folder / _expected(folder)["vendor_file"]
    claimed = [f.name for f in shipped_formats() if detect.matches(f, vendor_file)]
    assert claimed == [folder.name]


@pytest.mark.parametrize("folder", FORMAT_DIRS, ids=lambda p: p.name)
def test_sample_gives_the_canonical_rows(folder: Path) -> None:
    expected = _expected(folder)
    audit = smsaudit.audit(folder)
    accounting = {row["input_file"]: row for row in audit["row_accounting"].iter_rows(named=True)}
    vendor = accounting[expected["vendor_file"]]
    assert vendor["kind"].startswith(f"{folder.name}: ")
    for name, (read, used, rejected, out) in expected["accounting"].items():
        row = accounting[name]
        got = [row["rows_read"], row["rows_used"], row["rows_rejected"], row["rows_out_of_scope"]]
        assert got == [read, used, rejected, out], name
        assert read == used + rejected + out
    rejected = [list(r) for r in audit["rejected_rows"].rows()]
    assert len(rejected) == len(expected.get("rejected", [])), rejected
    for got_row, (file, line, column, reason) in zip(
        rejected, expected.get("rejected", []), strict=True
    ):
        assert got_row[:3] == [file, line, column] and reason in got_row[4]
    if "out_of_scope" in expected:
        got_oos = audit.con.execute(
            "SELECT input_file, reason, rows FROM out_of_scope_rows ORDER BY ALL"
        ).fetchall()
        assert [list(r) for r in got_oos] == expected["out_of_scope"]
    for check in expected.get("check", []):
        rows = audit.con.execute(check["sql"]).fetchall()
        assert [[_plain(v) for v in r] for r in rows] == [
            [None if v == "null" else v for v in r] for r in check["rows"]
        ], check["sql"]


# ------------------------------------------------------------------ format files


MINIMAL: dict[str, Any] = {
    "name": "my-export",
    "vendor": "Karix",
    "title": "Transaction report",
    "source": "help.goacoustic.com/hc/en-us/articles/360043720834",
    "reader": "csv",
    "match": {"columns": ["MID", "Destination", "Submit Date", "Submit Time"]},
    "kinds": {
        "sends": {
            "fields": {
                "message_id": "MID",
                "msisdn": "Destination",
                "sent_at": "Submit Date + Submit Time",
                "sender_id": "Sender",
            }
        }
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    """MINIMAL with the dotted ``path`` set to ``value`` (None deletes it)."""
    data: dict[str, Any] = tomllib.loads(_toml(MINIMAL))
    *parents, last = path.split(".")
    node = data
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return data


def _toml(data: dict[str, Any]) -> str:
    import json

    # TOML accepts inline tables written like JSON objects with `=` (enough for these tests).
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v)

    return "\n".join(f"{k} = {value(v)}" for k, v in data.items()) + "\n"


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("name", None, "'name'"),
        ("reader", "xml", "'reader'"),
        ("colour", "blue", "'colour'"),
        ("match.fields", ["a"], "'match.fields'"),
        ("kinds.sends.fields.recipient", "To", "'kinds.sends.fields.recipient'"),
        ("kinds.orders", {"fields": {"x": "y"}}, "'kinds.orders'"),
        ("kinds.sends.role", "also", "'kinds.sends.of'"),
        ("kinds.sends.optout", {"field": "x", "values": ["1"]}, "'kinds.sends.optout'"),
        ("kinds.sends.when", {"field": "Direction"}, "'kinds.sends.when'"),
        ("conventions", {"price": "free"}, "'conventions.price'"),
    ],
)
def test_a_bad_format_file_is_one_error_naming_the_key(
    tmp_path: Path, path: str, value: Any, key: str
) -> None:
    file = tmp_path / "bad.toml"
    file.write_text(_toml(_with(path, value)), encoding="utf-8")
    with pytest.raises(InputError) as err:
        formats.load_format(file)
    message = str(err.value)
    assert key in message and "\n" not in message
    assert message.startswith(str(file))


def test_a_format_file_that_is_not_toml(tmp_path: Path) -> None:
    file = tmp_path / "bad.toml"
    file.write_text("name = [", encoding="utf-8")
    with pytest.raises(InputError, match="not a valid TOML file"):
        formats.load_format(file)


def test_the_minimal_format_parses() -> None:
    fmt = parse_format(tomllib.loads(_toml(MINIMAL)), "mine.toml")
    assert fmt.kind_names == ("sends",) and fmt.reader == "csv"


def _readme_format() -> str:
    """The format file of the README's worked example, as printed there."""
    readme = (VENDORS.parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Your own format file", 1)[1]
    return section.split("```toml\n", 1)[1].split("```", 1)[0]


def test_the_readme_format_file_reads_split_date_and_time_columns(tmp_path: Path) -> None:
    """The README's worked example: a Karix report, date and time in separate columns."""
    fmt_file = tmp_path / "karix.toml"
    fmt_file.write_text(_readme_format(), encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "report-2026-05.csv").write_text(
        "Sender,Destination,Submit Date,Submit Time,Delivery Date,Delivery Time,Message,Status,"
        "Reason,MID,Operator,Circle,CustomerRefID,Term Operator,Term Circle,Tag1,Tag2,Tag3,"
        "Tag4,Tag5,msgtag\n"
        # VENDORS.md's illustrative row (an Indian number: out of scope) and a French one
        "ACMEIN,919812345678,01-05-2026,10:00:02,01-05-2026,10:00:09,Sale ends today,SUCCESS,"
        "DELIVRD,5512345678901234567,Vodafone,Mumbai,x1-abc,Vodafone,Mumbai,,12345,,listImport,"
        "SpringSale,\n"
        "ACMEIN,33612345678,04-05-2026,13:30:02,04-05-2026,13:30:09,Soldes. STOP 38500,"
        "NDNCFAILED,DND,5512345678901234568,Orange,FR,x1-abd,Orange,FR,,12345,,listImport,"
        "SpringSale,\n",
        encoding="utf-8",
    )
    # Without the format file nothing recognises the report: there are no sends.
    with pytest.raises(InputError, match="no sends"):
        smsaudit.audit(data)
    audit = smsaudit.audit(data, input_format=fmt_file)
    row = audit.con.execute(
        "SELECT message_id, msisdn, sent_at, program_id, campaign_id, aggregator FROM sends"
    ).fetchone()
    assert row is not None
    assert row[:2] == ("5512345678901234568", "+33612345678")
    assert row[2].isoformat() == "2026-05-04T08:00:02+00:00"  # 13:30:02 in Kolkata (UTC+5:30)
    assert row[3:] == ("12345", "SpringSale", "karix")
    receipt = audit.con.execute("SELECT status, error_text, optout FROM receipts").fetchone()
    assert receipt == ("NDNCFAILED", "DND", True)
    assert audit["row_accounting"].rows() == [
        ("report-2026-05.csv", "karix-report: sends+receipts", 2, 1, 0, 1)
    ]


def test_two_formats_claiming_one_file_is_an_error_unless_one_is_chosen(tmp_path: Path) -> None:
    clone = dict(MINIMAL, name="my-other-export")
    for name, data in (("a.toml", MINIMAL), ("b.toml", clone)):
        (tmp_path / name).write_text(_toml(data), encoding="utf-8")
    report = tmp_path / "report.csv"
    report.write_text("Sender,Destination,Submit Date,Submit Time,MID\n", encoding="utf-8")
    both = [formats.load_format(tmp_path / "a.toml"), formats.load_format(tmp_path / "b.toml")]
    with pytest.raises(InputError, match="claimed by two input formats, my-export and my-other"):
        detect.recognise(report, both)


def test_a_file_nothing_recognises_is_listed_as_ignored(tmp_path: Path) -> None:
    (tmp_path / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id\nm1,2026-05-04T08:00:00Z,0612345678,36184\n"
    )
    (tmp_path / "orders.json").write_text('[{"order": 1}]')
    (tmp_path / "orders.csv").write_text("order,amount\n1,2\n")
    audit = smsaudit.audit(tmp_path)
    assert audit.load_report.ignored == ["orders.csv", "orders.json"]


def test_a_canonical_prefix_does_not_hide_a_vendor_export(tmp_path: Path) -> None:
    """A Twilio export saved as sends_twilio.csv is read as the Twilio export it is."""
    sample = VENDORS / "twilio-console-csv" / "Messages-Export-2026-05-09.csv"
    (tmp_path / "sends_twilio.csv").write_bytes(sample.read_bytes())
    audit = smsaudit.audit(tmp_path)
    assert audit["row_accounting"]["kind"].to_list() == ["twilio-console-csv: sends+receipts+mo"]


# --------------------------------------------------------- a real folder, unrenamed


def test_a_folder_of_exports_as_the_platforms_write_them() -> None:
    """Twilio console export, Infobip log pages, inbound dump, blocklist page and events, a
    canonical consent and programs file: audited with nothing renamed, every finding right."""
    audit = smsaudit.audit(VENDORS / "mixed_folder")
    accounting = audit["row_accounting"].sort("input_file").rows()
    assert accounting == [
        ("Messages-Export-2026-05-02.csv", "twilio-console-csv: sends+receipts+mo", 8, 7, 0, 1),
        ("blocklist-events.json", "infobip-blocklist-events: suppressions", 2, 2, 0, 0),
        ("blocklists.json", "infobip-blocklist: suppressions", 2, 2, 0, 0),
        ("consent.csv", "consent", 6, 6, 0, 0),
        ("inbound-dump.json", "infobip-inbound: mo", 2, 2, 0, 0),
        ("programs.csv", "programs", 2, 2, 0, 0),
        ("sms-logs-page-1.json", "infobip-sms-logs: sends+receipts", 4, 3, 0, 1),
        ("sms-logs-page-2.json", "infobip-sms-logs: sends+receipts", 4, 4, 0, 0),
    ]
    assert audit["rejected_rows"].height == 0
    blocked = (
        audit["blocked_window_messages"].select("message_id", "reason", "cost", "currency").rows()
    )
    assert [(m, r, str(c), cur) for m, r, c, cur in blocked] == [
        # 20:30 in Paris on a Monday; Twilio's price is the whole message's (2 segments)
        ("SM00000000000000000000000000000002", "weekday_outside_hours", "0.076000", "USD"),
        # 18:00 on a Saturday is already closed (half-open window); 2 parts at 0.05 EUR
        ("IB-LOG-0001", "saturday_outside_hours", "0.100000", "EUR"),
    ]
    suppressions = {
        (r["msisdn"], r["sender_id"]): (r["evidence"], r["lifted_at"])
        for r in audit["suppressions"].iter_rows(named=True)
    }
    assert {k: v[0] for k, v in suppressions.items()} == {
        ("+33612345604", "38500"): "error_061",  # Twilio 21610
        ("+33612345605", "38500"): "stop_mo",  # inbound row of the Twilio export
        ("+33612345613", "36173"): "error_061",  # Infobip status 14
        ("+33612345614", "36173"): "export",  # blocklist page, lifted by an UNBLOCK
        ("+33612345615", "36173"): "stop_mo",  # Infobip inbound ARRET
        ("+33612345616", "36173"): "export",  # blocklist page
        ("+33612345617", "36173"): "export",  # BLOCK event
    }
    lifted = {k: v[1] for k, v in suppressions.items() if v[1] is not None}
    assert [(k, t.isoformat()) for k, t in lifted.items()] == [
        (("+33612345614", "36173"), "2026-05-10T14:18:29.797000+00:00")
    ]
    after = audit["sends_after_suppression"].sort("message_id")["message_id"].to_list()
    # IB-LOG-0005 went to the lifted pair after the UNBLOCK: not wasted.
    assert after == [
        "IB-LOG-0004",
        "IB-LOG-0006",
        "SM00000000000000000000000000000004",
        "SM00000000000000000000000000000007",
    ]
    updates = audit["consent_updates"].select("msisdn", "program_id").rows()
    assert updates == [
        ("+33612345604", "PRG-TW"),
        ("+33612345605", "PRG-TW"),
        ("+33612345615", "PRG-IB"),
        ("+33612345616", "PRG-IB"),
    ]
    footer = audit["missing_stop_footer"].select("message_id", "expected").rows()
    assert footer == [("SM00000000000000000000000000000003", "STOP 38500")]
    wasted = {
        (r["aggregator"], r["reason"]): (r["messages"], str(r["cost"]), r["currency"])
        for r in audit["wasted_spend"].iter_rows(named=True)
        if r["campaign_id"] != "VP-MAI2"
    }
    assert wasted[("twilio", "weekday_outside_hours")] == (1, "0.076000", "USD")
    assert wasted[("twilio", "after_suppression")] == (2, "0.152000", "USD")
    assert wasted[("infobip", "saturday_outside_hours")] == (1, "0.100000", "EUR")
    assert audit.row_accounting_balances()
