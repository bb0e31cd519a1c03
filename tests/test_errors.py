"""Error messages name the file, line and column when they are known."""

from __future__ import annotations

from smsaudit.errors import InputError


def test_full_location() -> None:
    err = InputError("missing value", file="sends.csv", line=12, column="msisdn")
    assert str(err) == "sends.csv, line 12, column 'msisdn': missing value"
    assert (err.file, err.line, err.column) == ("sends.csv", 12, "msisdn")


def test_file_only_and_no_location() -> None:
    assert str(InputError("empty file", file="mo.csv")) == "mo.csv: empty file"
    assert str(InputError("give DATA_DIR")) == "give DATA_DIR"
