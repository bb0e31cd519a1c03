"""Phone normalisation: the DuckDB fast path agrees with phonenumbers, spelling by spelling."""

from __future__ import annotations

import re
from collections.abc import Iterable

import duckdb
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from smsaudit import db, phone, schema
from smsaudit.phone import compile as phone_compile
from smsaudit.phone import patterns, runner

FRENCH_REGIONS = [r for regions in phone.FRENCH_CODES.values() for r in regions]
# Foreign numbers a French audit meets, +269 (Comoros) next to Mayotte's +262 on purpose.
FOREIGN_REGIONS = ["GB", "US", "BE", "CH", "KM", "MA"]
DIGITS = "0123456789"
COUNTRY_CODES = set(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return db.connect()


@pytest.fixture(autouse=True)
def every_country_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests judge the fast path's patterns: no foreign spelling skips them because
    there are few (the shortcut small audits take is tested on its own below)."""
    monkeypatch.setattr(runner, "SLOW_PATH_MAX", 0)


def load(con: duckdb.DuckDBPyConnection, raws: Iterable[str | None]) -> None:
    con.execute("CREATE OR REPLACE TABLE raws (raw VARCHAR)")
    if rows := [(r,) for r in raws]:
        con.executemany("INSERT INTO raws VALUES (?)", rows)


def run(
    con: duckdb.DuckDBPyConnection, raws: Iterable[str | None], *, already_distinct: bool = False
) -> dict[str | None, phone.PhoneResult]:
    """The phone map of ``raws`` as {raw: result}."""
    load(con, raws)
    phone.normalize_numbers(con, "raws", "phone_map", already_distinct=already_distinct)
    rows = con.execute("SELECT * FROM phone_map").fetchall()
    assert [d[0] for d in con.description] == list(phone.MAP_COLUMNS)
    out = {r[0]: phone.PhoneResult(*r[1:]) for r in rows}
    assert len(out) == len(rows), "one row per distinct raw spelling"
    return out


def one(con: duckdb.DuckDBPyConnection, raw: str | None) -> phone.PhoneResult:
    result = run(con, [raw])[raw]
    assert result == phone.classify(raw)
    return result


def fast(
    con: duckdb.DuckDBPyConnection, raws: Iterable[str | None]
) -> dict[str | None, phone.PhoneResult | None]:
    """What the fast path alone makes of ``raws``: None where it leaves them to phonenumbers."""
    load(con, raws)
    phone.fast_path(con, "raws")
    rows = con.execute(f"SELECT {', '.join(phone.MAP_COLUMNS)} FROM phone_fast").fetchall()
    con.execute("DROP TABLE phone_fast")
    return {r[0]: phone.PhoneResult(*r[1:]) if r[4] is not None else None for r in rows}


def left_on_purpose(raw: str | None) -> bool:
    """Spellings the fast path may leave to phonenumbers: too short or too long to read
    alike, countries outside phone.FAST_COUNTRIES, a national prefix after the country code."""
    cleaned = phone.clean(raw)
    if isinstance(cleaned, phone.PhoneResult):
        return False
    if cleaned.startswith("+"):
        digits = cleaned[1:]
    elif cleaned.startswith("00"):
        digits = cleaned[2:]
    elif not cleaned.startswith("0") and cleaned.startswith(tuple(phone.FRENCH_CODES)):
        digits = cleaned
    else:
        return not 3 <= len(cleaned) <= patterns.FAST_LONGEST
    if len(digits) < 3 or len(cleaned) > patterns.FAST_LONGEST:
        return True
    cc = next((digits[:n] for n in (1, 2, 3) if int(digits[:n]) in COUNTRY_CODES), None)
    if cc is None or digits[0] == "0":
        return False
    if cc not in phone.FAST_COUNTRIES:
        return True
    main = phonenumbers.PhoneMetadata.metadata_for_region(phone.FAST_COUNTRIES[cc][0])
    prefix = main.national_prefix_for_parsing if main else None
    return bool(prefix and re.match(prefix, digits[len(cc) :]))


# --- strategies -----------------------------------------------------------------------------


def nsn_of(region: str) -> st.SearchStrategy[str]:
    """Valid national significant numbers of ``region``, from its metadata patterns."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    patterns = [
        d.national_number_pattern
        for d in (metadata.mobile, metadata.fixed_line)
        if d is not None and d.national_number_pattern
    ]
    return st.one_of(*(st.from_regex(p, fullmatch=True, alphabet=DIGITS) for p in patterns)).filter(
        lambda n: n[0] != "0"
    )


def grouped(digits: str, sep: str) -> str:
    return sep.join(digits[i : i + 2] for i in range(0, len(digits), 2))


@st.composite
def spelling(draw: st.DrawFn, cc: str, nsn: str) -> str:
    """One common way of writing +cc nsn (national ones are French-plan spellings)."""
    sep = draw(st.sampled_from([" ", ".", "-", "\u00a0", "\u202f", "", "/"]))
    form = draw(st.integers(0, 10))
    text = [
        f"+{cc}{nsn}",
        f"+{cc} {grouped(nsn, sep)}",
        f"00{cc}{grouped(nsn, sep)}",
        f"{cc}{nsn}",
        f"+{cc} (0){grouped(nsn, sep)}",
        f"0{grouped(nsn, sep)}",
        f"{cc}{nsn}.0",
        nsn,
        f"(0){nsn}",
        f"+{cc} 0{grouped(nsn, sep)}",
        f"+{cc} ({nsn[:2]}) {nsn[2:]}",
    ][form]
    pad = draw(st.sampled_from(["", " ", "\t", "\u00a0"]))
    return pad + text + draw(st.sampled_from(["", " ", "  "]))


@st.composite
def numbers(draw: st.DrawFn, regions: list[str]) -> tuple[str, str, str]:
    """(spelling, country code, national number) of a valid number of one of ``regions``."""
    region = draw(st.sampled_from(regions))
    cc = str(phonenumbers.country_code_for_region(region))
    nsn = draw(nsn_of(region))
    return draw(spelling(cc, nsn)), cc, nsn


garbage = st.one_of(
    st.text(alphabet=DIGITS + " +.-()/eE,x\u00a0", max_size=18),
    st.text(max_size=12),
    st.from_regex(r"[+-]?[0-9]\.[0-9]{1,6}[eE]\+?1[01]", fullmatch=True),
    st.none(),
)
# Digit strings of every length behind the prefixes that steer classify: the invalid ones
# (too short, too long, of no country, of no valid pattern) are decided in DuckDB too.
RUN_PREFIXES = [
    *("", "+", "00", "0", "+0", "+800", "+999", "+44", "+1", "+7", "+39"),
    *(p + cc for cc in ("33", "262", "590", "508") for p in ("+", "00", "")),
]
digit_runs = st.builds(
    lambda prefix, digits: prefix + digits,
    st.sampled_from(RUN_PREFIXES),
    st.text(alphabet=DIGITS, max_size=20),
)


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=12, deadline=None)
@given(
    st.lists(numbers(FRENCH_REGIONS + FOREIGN_REGIONS), min_size=1, max_size=60),
    st.lists(st.one_of(garbage, digit_runs), max_size=60),
)
def test_fast_path_agrees_with_phonenumbers(
    con: duckdb.DuckDBPyConnection, valid: list[tuple[str, str, str]], others: list[str | None]
) -> None:
    raws = [raw for raw, _, _ in valid] + others
    got = fast(con, raws)
    assert set(got) == set(raws)
    for raw, result in got.items():
        if result is None:  # left to phonenumbers: only the shapes it leaves on purpose
            assert left_on_purpose(raw), raw
        else:
            assert result == phone.classify(raw), raw
    # Valid French and common foreign numbers never need phonenumbers, in any spelling; the
    # international ones read as phonenumbers reads +cc nsn.
    for raw, cc, nsn in valid:
        result = got[raw]
        assert result is not None, raw
        if phone.clean(raw) in (f"+{cc}{nsn}", f"00{cc}{nsn}"):
            number = phonenumbers.parse(f"+{cc}{nsn}")
            assert result.e164 == f"+{cc}{nsn}"
            assert result.territory == phonenumbers.region_code_for_number(number)
            assert result.tz == schema.TERRITORY_CLOCKS.get(result.territory or "")


@settings(max_examples=8, deadline=None)
@given(st.lists(st.one_of(numbers(FRENCH_REGIONS).map(lambda n: n[0]), garbage), max_size=30))
def test_normalize_numbers_is_classify_for_every_spelling(
    con: duckdb.DuckDBPyConnection, raws: list[str | None]
) -> None:
    assert run(con, raws) == {raw: phone.classify(raw) for raw in raws}


def test_every_metadata_example_number_in_every_spelling(con: duckdb.DuckDBPyConnection) -> None:
    raws: list[str | None] = []
    for region in FRENCH_REGIONS + FOREIGN_REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        cc = str(metadata.country_code)
        for name in ("mobile", "fixed_line", "toll_free", "premium_rate", "shared_cost", "voip"):
            desc = getattr(metadata, name)
            if desc is None or not desc.example_number:
                continue
            nsn = desc.example_number
            raws += [f"+{cc}{nsn}", f"00{cc} {nsn}", f"{cc}{nsn}", f"0{nsn}", nsn, f"+{cc}0{nsn}"]
    got = run(con, raws)
    assert got == {raw: phone.classify(raw) for raw in raws}
    assert {r.territory for r in got.values() if r.status == "french"} >= {
        "FR", "RE", "YT", "GP", "MQ", "GF", "PM"
    }  # fmt: skip


def test_every_country_the_fast_path_reads_agrees_on_its_examples(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Each region's example numbers of every type, and their neighbours one digit longer
    or shorter, read alike by the fast path and phonenumbers: one pattern per country."""
    raws = []
    for region in phone.REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for name in patterns.TYPE_ORDER[:-1]:
            desc = getattr(metadata, name)
            if desc is not None and desc.example_number:
                nsn = desc.example_number
                raws += [f"+{metadata.country_code}{n}" for n in (nsn, nsn + "1", nsn[:-1])]
    got = fast(con, raws)
    assert {raw: result for raw, result in got.items() if result is not None} == {
        raw: phone.classify(raw) for raw, result in got.items() if result is not None
    }
    assert all(left_on_purpose(raw) for raw, result in got.items() if result is None)
    decided = {raw for raw, result in got.items() if result is not None and result.e164}
    assert len(decided) > 0.3 * len(raws)


def test_reference_is_phonenumbers_validity() -> None:
    """classify's status and E.164 are phonenumbers' own for every example of every region."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            for nsn in (str(example.national_number), f"{example.national_number}9"):
                raw = f"+{example.country_code} {nsn}"
                number = phonenumbers.parse(raw)
                got = phone.classify(raw)
                assert (got.status != "invalid") == phonenumbers.is_valid_number(number), raw
                if got.status != "invalid":
                    assert got.e164 == phonenumbers.format_number(number, 0)
                    assert got.territory == phonenumbers.region_code_for_number(number)


# --- named cases ----------------------------------------------------------------------------

PARIS_MOBILE = ("+33612345678", "FR", "Europe/Paris", "french", None, "mobile")


@pytest.mark.parametrize(
    "raw",
    [
        "+33 6 12 34 56 78",
        "0612345678",
        "33612345678",
        "0033612345678",
        "+33 (0)6 12 34 56 78",
        "06.12.34.56.78",
        "06-12-34-56-78",
        "06/12/34/56/78",
        "06\u00a012\u00a034\u00a056\u00a078",
        "06\u202f12\u202f34\u202f56\u202f78",
        " 06 12 34 56 78\t",
        "+33612345678",
        "+330612345678",
        "33612345678.0",
        "33612345678,0",
        "612345678",  # a spreadsheet dropped the leading 0
    ],
)
def test_spellings_of_one_paris_mobile(con: duckdb.DuckDBPyConnection, raw: str) -> None:
    assert tuple(one(con, raw)) == PARIS_MOBILE


def test_reunion_nationally_and_internationally(con: duckdb.DuckDBPyConnection) -> None:
    for raw in ("+262 692 12 34 56", "0692123456", "0692 12 34 56", "262692123456"):
        r = one(con, raw)
        assert (r.e164, r.territory, r.tz, r.status) == (
            "+262692123456",
            "RE",
            "Indian/Reunion",
            "french",
        )


def test_mayotte_shares_262_with_reunion(con: duckdb.DuckDBPyConnection) -> None:
    for raw in ("+262 639 01 23 45", "0639012345"):
        r = one(con, raw)
        assert (r.e164, r.territory, r.tz) == ("+262639012345", "YT", "Indian/Mayotte")


def test_plus_269_is_the_comoros_not_mayotte(con: duckdb.DuckDBPyConnection) -> None:
    r = one(con, "+269 321 23 45")
    assert (r.territory, r.status, r.tz) == ("KM", "foreign", None)
    assert one(con, "+269 639 01 23 45").status != "french"


def test_saint_pierre_et_miquelon(con: duckdb.DuckDBPyConnection) -> None:
    r = one(con, "+508 55 12 34")
    assert (r.e164, r.territory, r.tz, r.status) == (
        "+508551234",
        "PM",
        "America/Miquelon",
        "french",
    )
    # Without +508 a 0508 number is a metropolitan fixed line (national plan, France first).
    assert one(con, "05 08 41 23 45").territory == "FR"


def test_590_keeps_the_region_the_library_gives(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "+590 690 00 12 34").territory == "GP"
    assert one(con, "0690001234").territory == "GP"
    fixed = one(con, "0590 27 12 34")
    assert (fixed.territory, fixed.tz) == ("BL", "America/St_Barthelemy")


def test_antilles_and_guyane(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "0696 20 12 34").tz == "America/Martinique"
    assert one(con, "+594 694 20 12 34").tz == "America/Cayenne"


def test_fixed_lines_are_french_with_their_type(con: duckdb.DuckDBPyConnection) -> None:
    r = one(con, "01 23 45 67 89")
    assert (r.e164, r.status, r.number_type) == ("+33123456789", "french", "fixed_line")
    assert one(con, "0 800 123 456").number_type == "toll_free"


def test_foreign_numbers_are_valid_but_out_of_scope(con: duckdb.DuckDBPyConnection) -> None:
    r = one(con, "+32 470 12 34 56")
    assert (r.e164, r.territory, r.tz, r.status, r.reason) == (
        "+32470123456",
        "BE",
        None,
        "foreign",
        None,
    )
    assert one(con, "0044 7400 123456").status == "foreign"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "missing"),
        ("", "missing"),
        ("  \u00a0 ", "missing"),
        ("3.36123E+10", phone.SCIENTIFIC_REASON),
        ("3,36123E+10", phone.SCIENTIFIC_REASON),
        ("abc", "not a phone number"),
        ("06 12 34 56 78 ext 12", "not a phone number"),
        ("tel:+33612345678", "not a phone number"),
        ("06 12 34 56 7A", "not a phone number"),
        ("+33 6 12 34 56 78 +1", "not a phone number"),
        ("\uff10\uff16\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18", "not a phone number"),
        ("06 12", "too short"),
        ("+33 692 12 34 56", "invalid number for +33"),
        ("06 12 34 56 78 9", "too long"),
        ("+999 123 456 789", "unknown country code"),
    ],
)
def test_invalid_spellings_say_why(
    con: duckdb.DuckDBPyConnection, raw: str | None, reason: str
) -> None:
    r = one(con, raw)
    assert (r.e164, r.territory, r.tz, r.status, r.reason) == (None, None, None, "invalid", reason)


def test_common_numbers_never_reach_the_slow_path(con: duckdb.DuckDBPyConnection) -> None:
    common = [
        "06 12 34 56 78", "+262692123456", "0639012345", "33 7 80 12 34 56", "0033612345678",
        "+44 7400 123456", "+32 470 12 34 56", "+1 650 253 0000", "+49 1512 3456789",
        "x", "0612", "+33 6 12 34 56 78 9", "+999 123 456 789", "06.12.34.56.78",
    ]  # fmt: skip
    load(con, common)
    assert phone.normalize_numbers(con, "raws", "numbers") == 0
    # A non-geographic +800 number and a two-digit string are phonenumbers' to read.
    con.execute("INSERT INTO raws VALUES ('+800 1234 5678'), ('12')")
    assert phone.normalize_numbers(con, "raws", "numbers") == 2
    assert con.execute("SELECT count(*) FROM numbers").fetchone() == (len(common) + 2,)
    assert run(con, ["+800 1234 5678", "12"]) == {
        r: phone.classify(r) for r in ["+800 1234 5678", "12"]
    }


def test_duplicate_inputs_give_one_row(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TABLE raws AS SELECT '0612345678' AS raw FROM range(3)")
    phone.normalize_numbers(con, "raws")
    assert con.execute("SELECT count(*) FROM phone_map").fetchone() == (1,)


def test_input_known_distinct_reads_the_same(con: duckdb.DuckDBPyConnection) -> None:
    raws = ["0612345678", "+33612345678", "+44 7400 123456", "x", None, "+800 1234 5678"]
    assert run(con, raws, already_distinct=True) == run(con, raws)


def working_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    names = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    return names & {"phone_fast", "phone_input", "phone_slow", "phone_pending"}


def test_no_working_tables_are_left_behind(con: duckdb.DuckDBPyConnection) -> None:
    run(con, ["0612345678", "+44 7400 123456", "+800 1234 5678"])
    assert not working_tables(con)
    # Nor after a failure: numbers stored as integers are not spellings.
    con.execute("CREATE OR REPLACE TABLE raws AS SELECT 33612345678 AS raw")
    with pytest.raises(duckdb.Error):
        phone.normalize_numbers(con, "raws")
    assert not working_tables(con)


@pytest.mark.parametrize(
    ("pattern", "first"),
    [
        (r"(?:6(?:[0-24-8]\d|3[0-8]|9[589])|7[3-9]\d)\d{6}", "67"),
        (r"836(?:0[0-36-9]|[1-9]\d)\d{4}|9\d{8}", "89"),
        (r"\d?[2-4]", "0123456789"),  # an optional first digit: anything may start
        (r"(?:0{0}1)?5", "15"),  # repeated zero times: 0 never starts
        (r"(?:1{0,2})3", "13"),
        (r"(?:1|)9", "19"),
        (r"[2-4]", "234"),
    ],
)
def test_first_digits_of_a_pattern(pattern: str, first: str) -> None:
    assert patterns._first_digits(pattern) == frozenset(first)


@pytest.mark.parametrize("digits", ["6", "67", "0123456789", "01", "89", "1235789", "02468"])
def test_dispatch_on_the_first_digit(con: duckdb.DuckDBPyConnection, digits: str) -> None:
    test = phone_compile._starts_with_digit("n", list(digits))
    numbers = [f"{d}{tail}" for d in DIGITS for tail in ("", "0", "99999999")]
    rows = con.execute(f"SELECT n FROM unnest($n) AS t(n) WHERE {test}", {"n": numbers})
    assert sorted(n for (n,) in rows.fetchall()) == sorted(n for n in numbers if n[0] in digits)


def test_first_digits_hold_every_example_number() -> None:
    """The fast path sends a number only to the types that can start with its first digit."""
    for region in phone.REGIONS:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        assert metadata is not None
        for name in patterns.TYPE_ORDER[:-1]:
            desc = getattr(metadata, name)
            if desc is not None and desc.example_number and desc.national_number_pattern:
                first = patterns._first_digits(desc.national_number_pattern)
                assert desc.example_number[0] in first, (region, name)


@pytest.mark.parametrize("name", ["raws; DROP TABLE x", "a.b", "", "1x"])
def test_table_names_must_be_plain_identifiers(con: duckdb.DuckDBPyConnection, name: str) -> None:
    with pytest.raises(ValueError, match="plain table name"):
        phone.normalize_numbers(con, name)
    with pytest.raises(ValueError, match="plain table name"):
        phone.normalize_numbers(con, "raws", name)


def test_metadata_is_compiled_on_first_use_not_at_import() -> None:
    import subprocess
    import sys

    code = (
        "import smsaudit.phone as p; from smsaudit.phone import compile, patterns; "
        "print(patterns.fast_countries.cache_info().currsize, "
        "compile.fast_params.cache_info().currsize); "
        "p.REGIONS; print(patterns.fast_countries.cache_info().currsize)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", "0", "1"]


def test_a_few_foreign_spellings_take_the_slow_path_with_the_same_result(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under SLOW_PATH_MAX pending foreign spellings, phonenumbers reads them (cheaper than
    compiling their countries' patterns); the phone map is the same either way."""
    raws = ["+44 7400 123456", "+32 470 12 34 56", "+1 650 253 0000", "0612345678", "+41 79"]
    con = db.connect()
    load(con, raws)
    assert phone.normalize_numbers(con, "raws", "by_patterns") == 0
    monkeypatch.setattr(runner, "SLOW_PATH_MAX", 64)
    assert phone.normalize_numbers(con, "raws", "by_phonenumbers") == 4
    both = "SELECT * FROM {} ORDER BY raw"
    assert (
        con.execute(both.format("by_patterns")).fetchall()
        == con.execute(both.format("by_phonenumbers")).fetchall()
    )


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(numbers(FRENCH_REGIONS + FOREIGN_REGIONS).map(lambda n: n[0]), garbage, digit_runs),
    st.data(),
)
def test_plain_spaces_never_change_a_reading(raw: str | None, data: st.DataObject) -> None:
    """The loader keys the phone map by the spelling without its plain spaces
    (ingest.verdicts.PHONE_KEY): that is sound only if spaces, anywhere, read as nothing."""
    if raw is None:
        return
    spaced = "".join(c + " " * data.draw(st.integers(0, 2)) for c in raw)
    assert phone.classify(spaced) == phone.classify(raw.replace(" ", ""))
