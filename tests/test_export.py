"""Exports: CSV (plain and French), Parquet and xlsx round trips, masking, the output form."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import fixtures_findings as fx
import openpyxl
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smsaudit import db, export

E164 = re.compile(r"\+[0-9]{8,15}")
SECRET = "correct horse battery staple"


@pytest.fixture()
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = db.connect()
    fx.populate(connection)
    yield connection
    connection.close()


def _pseudonym(number: str, secret: str = SECRET) -> str:
    return "anon-" + hashlib.sha256((secret + number).encode()).hexdigest()[:16]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


# -- CSV ------------------------------------------------------------------------------------


def test_csv_round_trip_with_iso_timestamps(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = export.write_csv(con, "blocked_window_messages", tmp_path / "b.csv")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    header, first = raw.decode("utf-8").splitlines()[:2]
    assert header.startswith("message_id,msisdn,sender_id,campaign_id,territory,local_time,")
    assert first.startswith("m03,+33698765432,36184,LATE1,FR,2026-05-04T20:05:00+02:00,")
    assert ",0.045000,EUR," in first
    assert ",2026-05-04T18:05:00+00:00,2026-05-04," in first
    back = _rows(
        con,
        f"SELECT message_id, CAST(sent_at AS TIMESTAMPTZ), CAST(cost AS DECIMAL(18,6)) "
        f"FROM read_csv('{path}', all_varchar = true) ORDER BY 1",
    )
    assert back == _rows(
        con, "SELECT message_id, sent_at, cost FROM blocked_window_messages ORDER BY 1"
    )


def test_french_csv_has_bom_semicolons_and_decimal_comma(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = export.write_csv(con, "wasted_spend", tmp_path / "w.csv", french=True)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfmonth;aggregator;campaign_id;reason;")
    assert raw.count(b"\xef\xbb\xbf") == 1
    assert "2026-05;mgage;LATE1;weekday_outside_hours;2;3;0,135000;EUR" in raw.decode()
    back = _rows(
        con,
        f"SELECT sum(CAST(replace(cost, ',', '.') AS DECIMAL(18,6))) "
        f"FROM read_csv('{path}', delim = ';', all_varchar = true)",
    )
    assert back == _rows(con, "SELECT sum(cost) FROM wasted_spend")


def test_csv_of_an_empty_table_keeps_its_header(tmp_path: Path) -> None:
    con = db.connect()
    fx.empty(con)
    path = export.write_csv(con, "late_campaigns", tmp_path / "l.csv")
    assert path.read_text().splitlines()[0].startswith("campaign_id,first_sent_at,last_sent_at")


# -- Parquet --------------------------------------------------------------------------------


def test_parquet_round_trip_is_typed_and_complete(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = export.write_parquet(con, "sends_after_suppression", tmp_path / "s.parquet")
    types = dict(_rows(con, f"SELECT column_name, column_type FROM (DESCRIBE '{path}')"))
    assert types["sent_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["cost"] == "DECIMAL(18,6)"
    for left, right in (
        ("sends_after_suppression", f"'{path}'"),
        (f"'{path}'", "sends_after_suppression"),
    ):
        assert _rows(con, f"SELECT * FROM {left} EXCEPT ALL SELECT * FROM {right}") == []


# -- xlsx -----------------------------------------------------------------------------------


def test_workbook_sheets_tables_formats_and_summary(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    tables = ["blocked_window_messages", "wasted_spend", "missing_stop_footer", "not_run"]
    path = export.write_xlsx(
        con,
        tables,
        tmp_path / "a.xlsx",
        summary=[("Wasted spend", "€0.43"), ("Profile", "fr-acoustic")],
    )
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "summary",
        "blocked_window_messages",
        "wasted_spend",
        "missing_stop_footer",
    ]
    sheet = book["blocked_window_messages"]
    assert sheet.freeze_panes == "A2"
    assert list(sheet.tables) == ["blocked_window_messages"]
    assert sheet.tables["blocked_window_messages"].ref == "A1:P7"
    header = [c.value for c in sheet[1]]
    assert header[13] == "sent_at (UTC)" and header[14] == "local_date"
    first = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert first["sent_at (UTC)"].value == dt.datetime(2026, 5, 4, 18, 5)
    assert first["sent_at (UTC)"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert first["local_date"].number_format == "yyyy-mm-dd"
    assert first["cost"].value == pytest.approx(0.045)
    assert first["cost"].number_format == '#,##0.00## "€"'
    assert first["segments"].number_format == "#,##0"
    assert first["local_time"].value == "2026-05-04T20:05:00+02:00"
    assert sheet.column_dimensions["A"].width >= len("message_id")
    # An empty finding still has its table, so spreadsheets that refer to it keep working.
    assert book["missing_stop_footer"].tables["missing_stop_footer"].ref == "A1:D2"
    summary = [tuple(r) for r in book["summary"].iter_rows(values_only=True)]
    assert summary[2][:2] == ("Wasted spend", "€0.43")
    assert ("blocked_window_messages", 6, 6) in [r[:3] for r in summary]
    assert any(r[0] == "not_run" and "skipped" in str(r[3]) for r in summary)
    assert ("blocked_window", 6, 7, 0.335, "EUR") in [r[:5] for r in summary]


def test_a_big_workbook_is_streamed_with_the_same_cells(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past TABLE_MAX_ROWS rows the workbook is written in constant-memory mode: no Excel
    tables (xlsxwriter cannot stream them) but a header with filter buttons, and every cell
    as the in-memory workbook has it."""
    from smsaudit.export import workbook

    tables = ["blocked_window_messages", "wasted_spend", "missing_stop_footer"]
    small = openpyxl.load_workbook(export.write_xlsx(con, tables, tmp_path / "t.xlsx"))
    monkeypatch.setattr(workbook, "TABLE_MAX_ROWS", 5)
    # read a few rows at a time: the pages must follow each other in the table's order
    monkeypatch.setattr(workbook, "_PAGE_ROWS", 2)
    monkeypatch.setattr(workbook, "_FETCH_ROWS", 1)
    big = openpyxl.load_workbook(export.write_xlsx(con, tables, tmp_path / "s.xlsx"))
    assert big.sheetnames == small.sheetnames
    for name in tables:
        assert not big[name].tables and small[name].tables
        assert big[name].freeze_panes == "A2"
        assert big[name].auto_filter.ref
        header = [c.value for c in next(big[name].iter_rows())]
        assert header == [c.value for c in next(small[name].iter_rows())], name
        cells = [[(c.value, c.number_format) for c in r] for r in big[name].iter_rows(min_row=2)]
        want = [[(c.value, c.number_format) for c in r] for r in small[name].iter_rows(min_row=2)]
        assert cells == want and cells, name
    assert [r for r in big["summary"].iter_rows(values_only=True)] == [
        r for r in small["summary"].iter_rows(values_only=True)
    ]


def test_mixed_currencies_get_plain_money_format(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    con.execute("UPDATE wasted_spend SET currency = 'USD' WHERE aggregator = 'infobip'")
    book = openpyxl.load_workbook(export.write_xlsx(con, ["wasted_spend"], tmp_path / "m.xlsx"))
    assert book["wasted_spend"]["G2"].number_format == "#,##0.00##"


def test_long_tables_are_cut_at_the_sheet_limit_and_say_so(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    path = export.write_xlsx(con, ["sends"], tmp_path / "t.xlsx", max_rows=5)
    book = openpyxl.load_workbook(path)
    assert book["sends"].max_row == 6
    assert book["sends"].tables["sends"].ref == "A1:Q6"  # the 17 columns of sends
    (row,) = [r for r in book["summary"].iter_rows(values_only=True) if r[0] == "sends"]
    assert row[1:3] == (12, 5)
    assert "CSV and Parquet files hold every row" in row[3]
    assert export.EXCEL_MAX_DATA_ROWS == 1_048_575


def test_formula_like_text_stays_text(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    con.execute("UPDATE missing_stop_footer SET body = '=HYPERLINK(\"http://x\")'")
    book = openpyxl.load_workbook(
        export.write_xlsx(con, ["missing_stop_footer"], tmp_path / "f.xlsx")
    )
    cell = book["missing_stop_footer"]["D2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


# -- masking --------------------------------------------------------------------------------


def _all_text(path: Path, con: duckdb.DuckDBPyConnection) -> str:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(
            str(v) for s in book for r in s.iter_rows(values_only=True) for v in r if v is not None
        )
    if path.suffix == ".parquet":
        return "\n".join(
            str(v) for r in _rows(con, f"SELECT * FROM '{path}'") for v in r if v is not None
        )
    return path.read_text(encoding="utf-8-sig")


def test_masked_outputs_hold_no_phone_number(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    paths = export.save(
        con, fx.ALL_TABLES, tmp_path, ["csv", "parquet", "xlsx"], mask_secret=SECRET
    )
    assert len(paths) == 2 * len(fx.ALL_TABLES) + 1
    for path in paths:
        text = _all_text(path, con)
        assert not E164.search(text), path.name
        for number in fx.MSISDNS:
            assert number[1:] not in text, path.name
    # Same number, same pseudonym: across tables and formats.
    pseudonym = _pseudonym("+33698765432")
    assert pseudonym in (tmp_path / "blocked_window_messages.csv").read_text()
    assert pseudonym in _all_text(tmp_path / "suppressions.parquet", con)
    assert pseudonym in _all_text(tmp_path / export.WORKBOOK_NAME, con)
    rejected = (tmp_path / "rejected_rows.csv").read_text()
    assert _pseudonym("+33 6 12 34") in rejected  # raw, unparseable numbers too
    assert "2026-13-01 10:00" in rejected  # values of other columns stay


def test_unmasked_outputs_keep_e164(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    export.save(con, ["suppressions"], tmp_path, ["csv"], mask_secret=None)
    assert "+262692123456" in (tmp_path / "suppressions.csv").read_text()


def test_another_secret_gives_other_pseudonyms(con: duckdb.DuckDBPyConnection) -> None:
    def masked(secret: str) -> list[tuple[object, ...]]:
        q = export.output_query(con, "suppressions", mask_secret=secret, style="text")
        return con.execute(f"SELECT msisdn FROM ({q.sql}) ORDER BY 1", q.params).fetchall()

    assert masked("a") != masked("b")
    assert masked("a") == masked("a")


@settings(max_examples=30, deadline=None)
@given(number=st.from_regex(r"\+33[67][0-9]{8}", fullmatch=True), secret=st.text(min_size=1))
def test_pseudonym_matches_keyed_sha256(number: str, secret: str) -> None:
    con = db.connect()
    con.execute("CREATE TABLE consent_updates AS SELECT $n AS msisdn", {"n": number})
    q = export.output_query(con, "consent_updates", mask_secret=secret, style="typed")
    assert con.execute(q.sql, q.params).fetchall() == [(_pseudonym(number, secret),)]


# -- the output form ----------------------------------------------------------------------


def _iso_oracle(instant: dt.datetime) -> str:
    utc = instant.astimezone(dt.UTC)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "+00:00"


@settings(max_examples=60, deadline=None)
@given(
    instant=st.datetimes(
        min_value=dt.datetime(1990, 1, 1),
        max_value=dt.datetime(2099, 12, 31),
        timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2))]),
    ),
    amount=st.decimals(min_value=-(10**6), max_value=10**6, places=6, allow_nan=False),
)
def test_text_form_of_timestamps_and_numbers(instant: dt.datetime, amount: Decimal) -> None:
    con = db.connect()
    con.execute(
        "CREATE TABLE t AS SELECT CAST($i AS TIMESTAMPTZ) AS sent_at, "
        "CAST($a AS DECIMAL(18,6)) AS cost",
        {"i": instant, "a": amount},
    )
    plain = export.output_query(con, "t", style="text")
    french = export.output_query(con, "t", style="french")
    expected_amount = f"{amount:.6f}"
    assert con.execute(plain.sql).fetchall() == [(_iso_oracle(instant), expected_amount)]
    assert con.execute(french.sql).fetchall() == [
        (_iso_oracle(instant), expected_amount.replace(".", ","))
    ]


def test_output_form_does_not_depend_on_the_session_time_zone(
    con: duckdb.DuckDBPyConnection,
) -> None:
    q = export.output_query(con, "suppressions", style="text")
    before = con.execute(q.sql).fetchall()
    con.execute("SET TimeZone = 'America/New_York'")
    assert con.execute(q.sql).fetchall() == before


def test_excel_form_marks_utc_columns(con: duckdb.DuckDBPyConnection) -> None:
    q = export.output_query(con, "suppressions", style="excel")
    assert [(c.header, c.kind) for c in q.columns][2] == ("suppressed_at (UTC)", "datetime")


def test_bad_arguments(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        export.save(con, ["sends"], tmp_path, ["csv", "pdf"], mask_secret=None)
    with pytest.raises(ValueError, match="must not be empty"):
        export.output_query(con, "sends", mask_secret="")
    with pytest.raises(ValueError, match="not a table name"):
        export.output_query(con, "sends; DROP TABLE sends")


def test_save_skips_tables_not_produced(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    paths = export.save(
        con, ["wasted_spend", "not_run"], tmp_path, ["parquet", "csv"], mask_secret=None
    )
    assert [p.name for p in paths] == ["wasted_spend.parquet", "wasted_spend.csv"]


def test_list_columns_read_as_text_in_csv_and_excel(tmp_path: Path) -> None:
    con = db.connect()
    con.execute("CREATE TABLE listed AS SELECT 'P1' AS program_id, ['36184', 'SHOP'] AS senders")
    export.write_csv(con, "listed", tmp_path / "listed.csv", mask_secret=None, french=False)
    assert (tmp_path / "listed.csv").read_text().splitlines()[1] == 'P1,"36184, SHOP"'
    export.write_xlsx(con, ["listed"], tmp_path / "w.xlsx", mask_secret=None, summary=())
    sheet = openpyxl.load_workbook(tmp_path / "w.xlsx")["listed"]
    assert sheet["B2"].value == "36184, SHOP"
    export.write_parquet(con, "listed", tmp_path / "l.parquet", mask_secret=None)
    typed = duckdb.sql(f"SELECT senders FROM '{tmp_path / 'l.parquet'}'").fetchall()
    assert typed == [(["36184", "SHOP"],)]


# --------------------------------------------------------------- masking and CSV formulas


def test_masked_outputs_hold_no_phone_number_in_any_spelling(tmp_path: Path) -> None:
    """Numbers planted in bodies, MO texts, evidence references and rejected values: with
    --mask-msisdn no file written (CSV, Parquet, workbook, report) holds any of their digits."""
    import zipfile

    import smsaudit

    data = tmp_path / "data"
    data.mkdir()
    (data / "sends.csv").write_text(
        "message_id,sent_at,msisdn,sender_id,body\n"
        "m1,2026-05-04T19:30:00Z,0612345678,36184,Rappelez le 06 12 34 56 79 ! STOP 36184\n"
        "m2,2026-05-04T10:00:00Z,+33 6 12 34 56 80,36184,Promo. Infos +33612345681\n"
        "m3,2026-05-04T10:00:00Z,33 6 12 34 56 8x,36184,Promo\n"
    )
    (data / "mo.csv").write_text(
        "msisdn,received_at,text,short_code\n"
        "0612345682,2026-05-04T11:00:00Z,STOP et ne plus appeler le 0612345683,36184\n"
    )
    (data / "consent.csv").write_text(
        "msisdn,program_id,status,status_date,consent_source,evidence_ref\n"
        "0612345678,P1,OPTED-IN,2026-04-01T00:00:00Z,web,form from 06.12.34.56.84\n"
    )
    audit = smsaudit.audit(data)
    out = tmp_path / "out"
    audit.save(out, ["csv", "parquet", "xlsx"], mask_msisdn=True, mask_secret="s3cret")
    planted = [f"6123456{n}" for n in range(78, 85)]
    texts = []
    for path in out.iterdir():
        raw = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                raw = b"".join(zf.read(n) for n in zf.namelist())
        elif path.suffix == ".parquet":
            raw = str(pl.read_parquet(path).rows()).encode()
        texts.append((path.name, raw.decode("utf-8", "replace").replace(" ", "").replace(".", "")))
    for name, text in texts:
        for digits in planted:
            assert digits not in text, (name, digits)
    # and the masking did not remove the findings
    body_end = pl.read_csv(out / "missing_stop_footer.csv")
    assert body_end.height == audit.count("missing_stop_footer") > 0


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(tmp_path: Path) -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE t AS SELECT * FROM (VALUES "
        "('=HYPERLINK(\"http://x\")', '+33612345678', -1.5),"
        "('@SUM(A1)', '-0.5', 2.0), ('+cmd|calc', 'plain', 3.0), "
        "(chr(9) || 'tab', '-2', 4.0)) AS v(a, b, n)"
    )
    for french in (False, True):
        path = export.write_csv(con, "t", tmp_path / f"t{french}.csv", french=french)
        text = path.read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK" in text and "'@SUM(A1)" in text and "'+cmd|calc" in text
        assert "'\ttab" in text
        # numbers, E.164 numbers and plain text are left as they are
        assert "+33612345678" in text and "'+33612345678" not in text
        assert "'-0.5" not in text and "'-2" not in text


_TYPED_CON = db.connect()


@settings(max_examples=200, deadline=None)
@given(
    whole=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    money=st.decimals(min_value=-(10**12) + 1, max_value=10**12 - 1, places=6),
    day=st.dates(min_value=dt.date(1, 1, 1)),
    instant=st.datetimes(min_value=dt.datetime(1, 1, 1), timezones=st.just(dt.UTC)),
    flag=st.booleans(),
)
def test_typed_cells_never_read_as_formulas(
    whole: int, money: Decimal, day: dt.date, instant: dt.datetime, flag: bool
) -> None:
    """Numbers, dates, instants and booleans are written without the formula guard (two
    regular expressions per cell, 6 % of writing blocked_window_messages.csv at 20M sends):
    their text is what the guard would have left, for any value, in both CSV dialects."""
    from smsaudit.export.query import _defused

    con = _TYPED_CON
    con.execute(
        "CREATE OR REPLACE TABLE t AS SELECT $w::BIGINT AS w, $m::DECIMAL(18, 6) AS cost, "
        "$d::DATE AS d, $i::TIMESTAMPTZ AS i, $f::BOOLEAN AS f",
        {"w": whole, "m": money, "d": day, "i": instant, "f": flag},
    )
    for style in ("text", "french"):
        query = export.output_query(con, "t", style=style)
        assert "regexp" not in query.sql
        cells = con.execute(query.sql).fetchall()[0]
        names = [f"c{n}" for n in range(len(cells))]
        guarded = con.execute(
            f"SELECT {', '.join(_defused(n) for n in names)} FROM "
            f"(SELECT {', '.join(f'${n}::VARCHAR AS {n}' for n in names)})",
            dict(zip(names, cells, strict=True)),
        ).fetchall()[0]
        assert cells == guarded


def test_floats_keep_the_formula_guard() -> None:
    con = db.connect()
    con.execute("CREATE TABLE t AS SELECT '-inf'::DOUBLE AS share, 'x' AS label")
    assert con.execute(export.output_query(con, "t", style="text").sql).fetchall() == [
        ("'-inf", "x")
    ]
