"""Phone normalisation: the DuckDB fast path agrees with phonenumbers, spelling by spelling."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from smsaudit import db, phone, schema

FRENCH_REGIONS = [r for regions in phone.FRENCH_CODES.values() for r in regions]
# Foreign numbers a French audit meets, +269 (Comoros) next to Mayotte's +262 on purpose.
FOREIGN_REGIONS = ["GB", "US", "BE", "CH", "KM", "MA"]
DIGITS = "0123456789"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return db.connect()


def run(
    con: duckdb.DuckDBPyConnection, raws: Iterable[str | None]
) -> dict[str | None, phone.PhoneResult]:
    """The phone map of ``raws`` as {raw: result}."""
    con.execute("CREATE OR REPLACE TABLE raws (raw VARCHAR)")
    con.executemany("INSERT INTO raws VALUES (?)", [(r,) for r in raws])
    phone.normalize_numbers(con, "raws", "phone_map")
    rows = con.execute("SELECT * FROM phone_map").fetchall()
    assert [d[0] for d in con.description] == list(phone.MAP_COLUMNS)
    out = {r[0]: phone.PhoneResult(*r[1:]) for r in rows}
    assert len(out) == len(rows), "one row per distinct raw spelling"
    return out


def one(con: duckdb.DuckDBPyConnection, raw: str | None) -> phone.PhoneResult:
    result = run(con, [raw])[raw]
    assert result == phone.classify(raw)
    return result


def fast_decided(con: duckdb.DuckDBPyConnection, raws: Iterable[str | None]) -> set[str | None]:
    """The spellings the fast path decides without phonenumbers."""
    con.execute("CREATE OR REPLACE TABLE raws (raw VARCHAR)")
    con.executemany("INSERT INTO raws VALUES (?)", [(r,) for r in raws])
    phone.fast_path(con, "raws")
    decided = con.execute("SELECT raw FROM phone_fast WHERE status IS NOT NULL").fetchall()
    return {r for (r,) in decided}


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
    form = draw(st.integers(0, 9))
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
    ][form]
    pad = draw(st.sampled_from(["", " ", "\t", "\u00a0"]))
    return pad + text + draw(st.sampled_from(["", " ", "  "]))


@st.composite
def numbers(draw: st.DrawFn, regions: list[str]) -> str:
    region = draw(st.sampled_from(regions))
    cc = str(phonenumbers.country_code_for_region(region))
    return draw(spelling(cc, draw(nsn_of(region))))


garbage = st.one_of(
    st.text(alphabet=DIGITS + " +.-()/eE,x\u00a0", max_size=18),
    st.text(max_size=12),
    st.from_regex(r"[+-]?[0-9]\.[0-9]{1,6}[eE]\+?1[01]", fullmatch=True),
    st.none(),
)


# --- properties ---------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.one_of(numbers(FRENCH_REGIONS), numbers(FOREIGN_REGIONS), garbage),
        min_size=1,
        max_size=40,
    )
)
def test_fast_path_agrees_with_phonenumbers(
    con: duckdb.DuckDBPyConnection, raws: list[str | None]
) -> None:
    got = run(con, raws)
    assert set(got) == set(raws)
    assert got == {raw: phone.classify(raw) for raw in raws}
    # What the fast path can decide, it decides: French numbers and the spelling rejects.
    policy = {r for r in raws if isinstance(phone.clean(r), phone.PhoneResult)}
    assert fast_decided(con, raws) == policy | {
        r for r, res in got.items() if res.status == "french"
    }


@settings(max_examples=25, deadline=None)
@given(st.data())
def test_international_spellings_of_french_numbers_need_no_phonenumbers(
    con: duckdb.DuckDBPyConnection, data: st.DataObject
) -> None:
    region = data.draw(st.sampled_from(FRENCH_REGIONS))
    cc = str(phonenumbers.country_code_for_region(region))
    nsn = data.draw(nsn_of(region))
    raws = {data.draw(spelling(cc, nsn)) for _ in range(6)} | {f"+{cc}{nsn}"}
    assert fast_decided(con, raws) >= {r for r in raws if phone.classify(r).status == "french"}
    expected = phonenumbers.parse(f"+{cc}{nsn}")
    result = run(con, [f"+{cc} {nsn}"])[f"+{cc} {nsn}"]
    assert result.e164 == f"+{cc}{nsn}"
    assert result.territory == phonenumbers.region_code_for_number(expected)
    assert result.tz == schema.TERRITORY_CLOCKS[result.territory]
    assert result.status == "french"


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


def test_french_mobiles_never_reach_the_slow_path(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TABLE raws (raw VARCHAR)")
    con.execute("INSERT INTO raws VALUES ('06 12 34 56 78'), ('+262692123456'), ('0639012345')")
    assert phone.normalize_numbers(con, "raws", "numbers") == 0
    con.execute("INSERT INTO raws VALUES ('+44 7400 123456'), ('x'), ('0612')")
    assert phone.normalize_numbers(con, "raws", "numbers") == 2  # foreign, too short
    assert con.execute("SELECT count(*) FROM numbers").fetchone() == (6,)


def test_duplicate_inputs_give_one_row(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TABLE raws AS SELECT '0612345678' AS raw FROM range(3)")
    phone.normalize_numbers(con, "raws")
    assert con.execute("SELECT count(*) FROM phone_map").fetchone() == (1,)


def test_no_working_tables_are_left_behind(con: duckdb.DuckDBPyConnection) -> None:
    run(con, ["0612345678", "+44 7400 123456"])
    names = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert not names & {"phone_fast", "phone_input", "phone_slow"}


@pytest.mark.parametrize("name", ["raws; DROP TABLE x", "a.b", "", "1x"])
def test_table_names_must_be_plain_identifiers(con: duckdb.DuckDBPyConnection, name: str) -> None:
    with pytest.raises(ValueError, match="plain table name"):
        phone.normalize_numbers(con, name)
    with pytest.raises(ValueError, match="plain table name"):
        phone.normalize_numbers(con, "raws", name)
