"""Hostile and messy input: every corpus case has its documented outcome, no row vanishes,
no value leaks whole into rejected_rows, and no header or file name reaches SQL as code.

``tests/corpus/<case>/`` holds the input files of one case and ``expected.toml``, its
documented outcome (see ``tests/corpus/README.md``). Cases too big or too odd to commit
(a 50 MB body, a file name with a double quote) are generated below into ``tmp_path``.
"""

from __future__ import annotations

import csv
import gzip
import io
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smsaudit import db, schema
from smsaudit.cli import main
from smsaudit.errors import InputError
from smsaudit.ingest import load
from smsaudit.ingest.expressions import VALUE_MAX

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p.name for p in CORPUS.iterdir() if (p / "expected.toml").is_file())
OK = "2026-05-04T10:00:00Z"
SENDS = f"message_id,sent_at,msisdn,sender_id\na,{OK},0612345678,36184\n"


def expected(case: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / case / "expected.toml").read_text(encoding="utf-8"))


def load_dir(folder: Path) -> duckdb.DuckDBPyConnection:
    con = db.connect()
    sources, ignored = load.discover(folder)
    load.load(con, sources, ignored=ignored)
    return con


def text_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[list[object]]:
    """Rows with NULL as '' and every other value as text (TOML has no NULL)."""
    return [
        ["" if v is None else v if isinstance(v, int) else str(v) for v in r]
        for r in con.execute(sql).fetchall()
    ]


def accounting(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    got = con.execute(
        "SELECT input_file, rows_read, rows_used, rows_rejected, rows_out_of_scope "
        "FROM row_accounting"
    ).fetchall()
    return {r[0]: list(r[1:]) for r in got}


def assert_balanced(con: duckdb.DuckDBPyConnection) -> None:
    for name, (read, used, rejected, out) in accounting(con).items():
        assert read == used + rejected + out, name


def cli_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    """Exit code and the single stderr line of ``smsaudit`` run in process."""
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 1, err
    return code, err[0] if err else ""


# ------------------------------------------------------------------------------- corpus


def test_corpus_is_complete() -> None:
    """Every folder has its expected.toml, and every case the issue lists is there."""
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir()}
    assert folders == set(CASES)
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exp = expected(case)
    folder = CORPUS / case
    if exp["exit_code"] == 2:
        with pytest.raises(InputError) as err:
            load_dir(folder)
        assert str(err.value).startswith(exp["error"]), str(err.value)
        # The command line says the same, on one line, with exit code 2.
        code, line = cli_error(capsys, ["audit", str(folder), "--out", str(tmp_path), "-q"])
        assert code == 2
        assert line.startswith("smsaudit: error: " + exp["error"])
        assert not list(tmp_path.iterdir())  # nothing written for an unusable input
        return
    con = load_dir(folder)
    rejected = con.execute(
        "SELECT input_file, line, coalesce(\"column\", ''), reason FROM rejected_rows"
    ).fetchall()
    assert len(rejected) == len(exp["rejected"]), rejected
    for got, (file, line, column, reason) in zip(rejected, exp["rejected"], strict=True):
        assert got[:3] == (file, line, column), got
        assert reason in got[3], got
    assert accounting(con) == exp["accounting"]
    assert_balanced(con)
    oos = text_rows(con, "SELECT input_file, reason, rows FROM out_of_scope_rows ORDER BY ALL")
    assert oos == exp.get("out_of_scope", [])
    for check in exp.get("check", []):
        assert text_rows(con, check["sql"]) == check["rows"], check["sql"]
    if exp.get("cli"):
        out = tmp_path / "out"
        code, line = cli_error(capsys, ["audit", str(folder), "--out", str(out), "-q"])
        assert (code, line) == (0, "")
        written = {
            r["input_file"]: [int(r[k]) for k in list(r)[2:]]
            for r in csv.DictReader((out / "row_accounting.csv").open(encoding="utf-8"))
        }
        assert written == exp["accounting"]


# ------------------------------------------------------------------- generated cases


def test_fifty_megabyte_body_loads_and_rejected_values_stay_short(tmp_path: Path) -> None:
    big = "x" * (50 * 1024 * 1024)
    with (tmp_path / "sends.csv").open("w", encoding="utf-8") as fh:
        fh.write("message_id,sent_at,msisdn,sender_id,body\n")
        fh.write(f'a,{OK},0612345678,36184,"{big}"\n')  # line 2: used
        fh.write(f"b,{big},0612345678,36184,short\n")  # 3: a 50 MB unreadable timestamp
        fh.write(f'c,{OK},0612345678,36184,"{big}",extra\n')  # 4: malformed record
    con = load_dir(tmp_path)
    assert con.execute("SELECT message_id, length(body) FROM sends").fetchall() == [("a", len(big))]
    got = con.execute(
        'SELECT line, "column", length(value), right(value, 1), reason FROM rejected_rows'
    ).fetchall()
    assert [(r[0], r[1], r[2], r[3]) for r in got] == [
        (3, "sent_at", VALUE_MAX, "…"),
        (4, None, VALUE_MAX, "…"),
    ]
    assert accounting(con) == {"sends.csv": [3, 1, 2, 0]}


def test_quoted_file_names_given_with_flags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A name with ' and " and ; given via --sends: loaded, and written back as it is."""
    sends = tmp_path / 'it\'s a "sends"; export.csv'
    sends.write_text(f"message_id,sent_at,msisdn,sender_id\na,{OK},0612345678,36184\n")
    receipts = tmp_path / "x'); DROP TABLE sends; --.csv"
    receipts.write_text("message_id,status\na,DELIVERED\nb,DELIVERED\n")
    out = tmp_path / "out"
    argv = ["audit", "--sends", str(sends), "--receipts", str(receipts), "--out", str(out), "-q"]
    assert cli_error(capsys, argv) == (0, "")
    with (out / "row_accounting.csv").open(encoding="utf-8") as fh:
        written = {r["input_file"]: r["rows_out_of_scope"] for r in csv.DictReader(fh)}
    assert written == {str(sends): "0", str(receipts): "1"}


def test_hostile_names_drop_no_table(tmp_path: Path) -> None:
    """SQL in header and file names is data: every table the loader makes is still there."""
    con = load_dir(CORPUS / "hostile_header_names")
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert set(schema.CANONICAL) | {"rejected_rows", "row_accounting"} <= tables
    assert con.execute("SELECT count(*) FROM sends").fetchone() == (1,)


def test_missing_file_given_with_a_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gone = tmp_path / "sends'; gone.csv"
    code, line = cli_error(capsys, ["audit", "--sends", str(gone), "--out", str(tmp_path)])
    assert code == 2 and line == f"smsaudit: error: {gone}: no such file"


def test_truncated_gzip_of_a_utf16_file(tmp_path: Path) -> None:
    text = "message_id;sent_at;msisdn;sender_id\r\n" + f"a;{OK};0612345678;36184\r\n" * 5000
    data = gzip.compress(text.encode("utf-16"))
    (tmp_path / "sends.csv.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"^sends\.csv\.gz: truncated or corrupt compressed"):
        load_dir(tmp_path)


def test_json_nested_too_deep_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, text in (("a.json", "[" * 100_000), ("b.json", '{"results": ' + "[" * 100_000)):
        folder = tmp_path / name
        folder.mkdir()
        (folder / f"receipts_{name}").write_text(text)
        (folder / "sends.csv").write_text(SENDS)
        code, line = cli_error(capsys, ["audit", str(folder), "--out", str(tmp_path / "o"), "-q"])
        assert (code, line) == (
            2,
            f"smsaudit: error: receipts_{name}: malformed JSON (nested too deeply)",
        )


@pytest.mark.parametrize("flag", ["--profile", "--input-format"])
def test_toml_nested_too_deep_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 100_000)
    (tmp_path / "sends.csv").write_text(SENDS)
    argv = ["audit", str(tmp_path), flag, str(deep), "--out", str(tmp_path / "o"), "-q"]
    code, line = cli_error(capsys, argv)
    assert code == 2
    assert line.startswith(f"smsaudit: error: {deep}: ") and "nested too deeply" in line, line


def test_name_of_250_bytes_in_windows_1252(tmp_path: Path) -> None:
    """The transcoded copy's name does not grow from the user's (255-byte limit)."""
    name = "sends_" + "y" * 240 + ".csv"
    body = f"message_id,sent_at,msisdn,sender_id,body\na,{OK},0612345678,36184,caf\xe9 STOP 36184\n"
    (tmp_path / name).write_bytes(body.encode("cp1252"))
    con = load_dir(tmp_path)
    assert con.execute("SELECT body, input_file FROM sends").fetchall() == [
        ("café STOP 36184", name)
    ]


def test_file_name_with_a_newline_is_printed_on_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "sends\nx.csv").write_text("nothing,we,know\n1,2,3\n")
    code, line = cli_error(capsys, ["audit", str(tmp_path), "--out", str(tmp_path / "o"), "-q"])
    assert code == 2 and line.startswith("smsaudit: error: sends\\nx.csv, line 1, ")


def test_unreadable_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Permission denied (simulated: the tests may run as root, who reads anything)."""
    (tmp_path / "sends.csv").write_text(SENDS)
    real_open = Path.open

    def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "sends.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    code, line = cli_error(capsys, ["audit", str(tmp_path), "--out", str(tmp_path / "o"), "-q"])
    assert (code, line) == (2, "smsaudit: error: sends.csv: cannot read (Permission denied)")


@pytest.mark.parametrize(("columns", "name_len"), [(1200, 8), (300, 400)])
def test_wide_and_long_headers(tmp_path: Path, columns: int, name_len: int) -> None:
    """A header of 1,200 columns (DuckDB's expression depth) or over 64 KiB loses no row."""
    extra = [f"x{i:04d}" + "n" * name_len for i in range(columns)]
    header = ",".join(["message_id", "sent_at", "msisdn", "sender_id", *extra])
    assert columns < 1000 or len(header) > 10_000
    row = ",".join(["a", OK, "0612345678", "36184", *(["v"] * columns)])
    (tmp_path / "sends.csv").write_text(f"{header}\n{row}\n{row.replace('a,', 'b,', 1)}\n")
    con = load_dir(tmp_path)
    assert con.execute("SELECT message_id, line FROM sends ORDER BY line").fetchall() == [
        ("a", 2),
        ("b", 3),
    ]
    assert accounting(con) == {"sends.csv": [2, 2, 0, 0]}


# ---------------------------------------------------------- property: nothing vanishes


@dataclass(frozen=True)
class KindSpec:
    """A kind's header and, per column, the strategy of its cells; ``key`` is compared
    with the canonical table's column of the same name for every used row."""

    kind: str
    table: str
    columns: tuple[str, ...]
    key: str


PHONES = [
    "0612345678",
    "+33 6 12 34 56 79",
    "0033612345680",
    "+262 692 12 34 56",
    "+44 7911 123456",
]
BAD = ["", " ", "x", "-1", "0", "NaN", "06 12", "2026-13-45", "2026-03-29 02:30:00", "\u00e9\u20ac"]
VALUES: dict[str, list[str]] = {
    "ts": [OK, "2026-05-04 12:00", "04/05/2026 12:00", "2026-10-25 02:30:00", "2026-05-04"],
    "msisdn": PHONES,
    "money": ["0.045", "0,05", "1 234,50 €", "€0.06"],
    "count": ["1", "2", "3"],
    "text": ["36184", "36173", "P1", "P2", "MYSHOP"],
    "status": ["DELIVERED", "OPT-IN", "opted-out", "OPT_OUT", "shared", "dedicated"],
    "ccy": ["EUR", "eur"],
    "body": ["Promo STOP 36184", 'two\nlines; "quoted"', "caf\u00e9 \u20ac \u2019"],
}
KIND_SPECS = [
    KindSpec(
        "sends", "sends", ("message_id", "sent_at", "msisdn", "sender_id", "price"), "message_id"
    ),
    KindSpec("receipts", "receipts", ("message_id", "status", "done_at", "price"), "message_id"),
    KindSpec("mo", "mo", ("msisdn", "received_at", "text"), "text"),
    KindSpec("consent", "consent", ("msisdn", "program_id", "status", "status_date"), "program_id"),
    KindSpec(
        "suppressions", "suppression_exports", ("msisdn", "sender_id", "suppressed_at"), "sender_id"
    ),
    KindSpec("programs", "programs", ("program_id", "sender_id", "short_code_type"), "program_id"),
    KindSpec("rate_card", "rate_card", ("aggregator", "price_per_segment", "currency"), "currency"),
]
COLUMN_TYPE = {
    "sent_at": "ts",
    "done_at": "ts",
    "received_at": "ts",
    "status_date": "ts",
    "suppressed_at": "ts",
    "msisdn": "msisdn",
    "price": "money",
    "price_per_segment": "money",
    "status": "status",
    "short_code_type": "status",
    "currency": "ccy",
    "text": "body",
}
# Any character but NUL (binary file), CR (a line end of its own) and lone surrogates.
noise = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00\r"),
    max_size=10,
)


@st.composite
def cells(draw: st.DrawFn, column: str) -> str:
    """Mostly good values (so that rows get used), else a known bad value or any text."""
    typ = COLUMN_TYPE.get(column, "text")
    good = VALUES[typ] + (["m1", "m2", "m3"] if column == "message_id" else [])
    pick = draw(st.integers(0, 19))
    if pick < 17:
        return draw(st.sampled_from(good))
    return draw(st.sampled_from(BAD)) if pick < 19 else draw(noise)


@st.composite
def input_file(draw: st.DrawFn, spec: KindSpec) -> list[list[str]]:
    """Records of one file; a few have a field too many or too few (malformed)."""
    records = []
    for _ in range(draw(st.integers(0, 8))):
        record = [draw(cells(c)) for c in spec.columns]
        shape = draw(st.sampled_from(["ok"] * 8 + ["short", "long"]))
        if shape == "short":
            record = record[:-1]
        elif shape == "long":
            record.append(draw(noise))
        records.append(record)
    return records


@dataclass(frozen=True)
class Written:
    """What a file holds, by the physical line where each record starts."""

    name: str
    key_by_line: dict[int, str | None]  # None: the record has no key cell


def write_file(
    folder: Path, name: str, spec: KindSpec, records: Sequence[list[str]], dialect: str
) -> Written:
    delim, encoding, newline = {
        "comma-utf8": (",", "utf-8", "\n"),
        "semicolon-cp1252-crlf": (";", "cp1252", "\r\n"),
        "tab-utf16": ("\t", "utf-16", "\r\n"),
        "semicolon-utf8-bom": (";", "utf-8-sig", "\n"),
    }[dialect]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delim, lineterminator=newline, quoting=csv.QUOTE_ALL)
    writer.writerow(spec.columns)
    keys: dict[int, str | None] = {}
    line = 2
    at = spec.columns.index(spec.key)
    for record in records:
        keys[line] = record[at] if len(record) > at else None
        writer.writerow(record)
        line += 1 + sum(cell.count("\n") for cell in record)
    data = buf.getvalue().encode(encoding, errors="replace")  # cp1252: '?' for the rest
    (folder / name).write_bytes(data)
    return Written(name, keys)


def canonical_key(spec: KindSpec, raw: str) -> str:
    """The canonical value of a used row's key cell, from its raw text."""
    if spec.key == "text":  # a body: kept as written
        return raw
    value = raw.strip(" ")
    return value.upper() if spec.key == "currency" else value


def upper_cased_alike(value: str, got: str, python: str) -> bool:
    """Whether ``got`` is DuckDB's ``upper(value)`` where ``python`` (``str.upper``) differs:
    DuckDB maps character by character, so the 102 characters whose full upper case is
    several (ß → SS, ŉ → ʼN, ᾀ → ἈΙ) stay one character (ẞ, ŉ, ᾈ). Every other character
    must be exactly Python's upper case."""
    if python == got or len(got) != len(value):
        return python == got
    return all(
        g == c.upper() if len(c.upper()) == 1 else g.casefold() == c.upper().casefold()
        for c, g in zip(value, got, strict=True)
    )


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_row_vanishes(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """Random files of random kinds and dialects: each record written is read once, and is
    used (at its own line), rejected (at its line) or counted out of scope."""
    folder = tmp_path_factory.mktemp("nothing-lost")
    others = data.draw(st.lists(st.sampled_from(KIND_SPECS[1:]), max_size=2, unique=True))
    written: dict[str, tuple[KindSpec, Written]] = {}
    for spec in [KIND_SPECS[0], *others]:
        dialect = data.draw(
            st.sampled_from(
                ["comma-utf8", "semicolon-cp1252-crlf", "tab-utf16", "semicolon-utf8-bom"]
            )
        )
        records = data.draw(input_file(spec))
        name = f"{spec.kind}_{dialect}.csv"
        written[name] = (spec, write_file(folder, name, spec, records, dialect))
    con = load_dir(folder)
    books = accounting(con)
    assert set(books) == set(written)
    rejected = con.execute("SELECT input_file, line FROM rejected_rows").fetchall()
    assert len(set(rejected)) == len(rejected)  # one reason per row
    for name, (spec, w) in written.items():
        read, used, n_rejected, out = books[name]
        assert read == len(w.key_by_line)
        assert read == used + n_rejected + out
        used_rows = con.execute(
            f'SELECT line, "{spec.key}" FROM {spec.table} WHERE input_file = $f', {"f": name}
        ).fetchall()
        rejected_lines = {line for f, line in rejected if f == name}
        used_lines = {line for line, _ in used_rows}
        assert len(used_lines) == used and len(rejected_lines) == n_rejected
        assert not used_lines & rejected_lines
        # Every line is a record start; the lines neither used nor rejected are exactly the
        # ones counted out of scope.
        assert used_lines | rejected_lines <= set(w.key_by_line)
        assert len(set(w.key_by_line) - used_lines - rejected_lines) == out
        for line, key in used_rows:
            raw = w.key_by_line[line]
            assert raw is not None, (name, line)
            if "cp1252" in name and not raw.isascii():
                continue  # a CP1252 line that happens to be valid UTF-8 is read as UTF-8
            want = canonical_key(spec, raw)
            upper = spec.key == "currency"  # the one key the loader upper-cases
            assert key == want or (upper and upper_cased_alike(raw.strip(" "), key, want)), (
                name,
                line,
            )


def test_every_reason_written_has_a_stable_code() -> None:
    """No corpus or vendor case writes a reason without its code; codes are identifiers."""
    from smsaudit.ingest.reasons import REASON_CODES

    codes = {code for _, code in REASON_CODES}
    seen: set[str] = set()
    folders = [CORPUS / c for c in CASES if expected(c)["exit_code"] == 0]
    folders += sorted(p for p in (Path(__file__).parent / "vendors").iterdir() if p.is_dir())
    for folder in folders:
        con = load_dir(folder)
        for reason, code in con.execute("SELECT reason, reason_code FROM rejected_rows").fetchall():
            assert code in codes, (folder.name, reason, code)
            seen.add(code)
    assert len(codes) == len(REASON_CODES)
    assert all(c.isidentifier() and c.islower() for c in codes)
    assert len(seen) >= 15  # the corpus exercises most of them


def test_a_file_of_unclosed_quotes_counts_every_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line opens a quote the next line's quote closes: the reader refuses them two by
    two. Every line is a rejected row at its own line, and the good last line loads; past
    MAX_RECOVERIES the spans stay whole, and the accounting still balances."""
    from smsaudit.ingest import csv_reader

    lines = [f'm{i},{OK},0612345678,36184,"unclosed {i}' for i in range(1, 201)]
    body = "message_id,sent_at,msisdn,sender_id,body\n" + "\n".join(lines)
    (tmp_path / "sends.csv").write_text(f"{body}\nok,{OK},0612345678,36184,fine\n")
    con = load_dir(tmp_path)
    assert accounting(con) == {"sends.csv": [201, 1, 200, 0]}
    got = con.execute("SELECT line, value FROM rejected_rows ORDER BY line").fetchall()
    assert [line for line, _ in got] == list(range(2, 202))
    assert all(value.endswith(f'"unclosed {line - 1}') for line, value in got)
    assert con.execute("SELECT message_id, line FROM sends").fetchall() == [("ok", 202)]
    monkeypatch.setattr(csv_reader, "MAX_RECOVERIES", 10)
    con = load_dir(tmp_path)
    assert_balanced(con)
    read, used, rejected, _ = accounting(con)["sends.csv"]
    assert (used, read) == (1, rejected + 1) and 100 < rejected < 200
    assert con.execute("SELECT message_id, line FROM sends").fetchall() == [("ok", 202)]
