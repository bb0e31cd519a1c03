"""Error messages name the file, line and column when they are known."""

from __future__ import annotations

import pytest

from smsaudit import schema
from smsaudit.errors import CheckFailed, InputError, SmsauditError, printable


def test_full_location() -> None:
    err = InputError("missing value", file="sends.csv", line=12, column="msisdn")
    assert str(err) == "sends.csv, line 12, column 'msisdn': missing value"
    assert (err.file, err.line, err.column) == ("sends.csv", 12, "msisdn")


def test_file_only_and_no_location() -> None:
    assert str(InputError("empty file", file="mo.csv")) == "mo.csv: empty file"
    assert str(InputError("give DATA_DIR")) == "give DATA_DIR"


def test_one_tree_each_class_with_its_exit_code() -> None:
    assert issubclass(InputError, SmsauditError) and issubclass(CheckFailed, SmsauditError)
    assert (SmsauditError.exit_code, InputError.exit_code, CheckFailed.exit_code) == (1, 2, 3)
    assert str(CheckFailed("blocked (--fail-on)")) == "blocked (--fail-on)"


def test_control_characters_are_escaped_on_one_line() -> None:
    err = InputError("no header line", file="sends\nx\t.csv", line=1)
    assert str(err) == "sends\\nx\\t.csv, line 1: no header line"
    assert printable("Réunion · café") == "Réunion · café"


@pytest.mark.parametrize("value", [",", [], " , "])
def test_an_empty_territory_choice_is_refused_everywhere(value: str | list[str]) -> None:
    with pytest.raises(InputError, match="names no territory"):
        schema.territories(value)


def test_territories_in_clock_order_without_duplicates() -> None:
    assert schema.territories(" re,fr,RE ") == ["FR", "RE"]
    assert schema.territories(None) == list(schema.TERRITORY_CLOCKS)
    with pytest.raises(InputError, match=r"^unknown territories US, XX \(known: FR, RE"):
        schema.territories(["FR", "XX", "US"])


def test_cli_maps_each_error_to_its_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from smsaudit import cli, pipeline

    def boom(*_a: object, **_k: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(pipeline, "audit", boom)
    assert cli.main(["audit", "x", "--out", "o"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "smsaudit: internal error: KeyError: 'a bug' (run again with --debug for the traceback)\n"
    )
    assert cli.main(["--debug", "audit", "x", "--out", "o"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):") and "raise KeyError" in err
    assert err.splitlines()[-1] == "smsaudit: internal error: KeyError: 'a bug'"

    def refused(*_a: object, **_k: object) -> None:
        raise InputError("empty file", file="sends.csv")

    monkeypatch.setattr(pipeline, "audit", refused)
    assert cli.main(["audit", "x", "--out", "o", "--debug"]) == 2
    assert capsys.readouterr().err == "smsaudit: error: sends.csv: empty file\n"
