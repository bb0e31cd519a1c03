"""The public API is exactly what ``__all__`` claims, sorted and importable."""

from __future__ import annotations

import subprocess
import sys

import smsaudit


def test_all_is_sorted_and_resolves() -> None:
    assert smsaudit.__all__ == sorted(smsaudit.__all__, key=lambda n: (not n.isupper(), n))
    for name in smsaudit.__all__:
        assert getattr(smsaudit, name) is not None
    assert dir(smsaudit) == sorted(smsaudit.__all__)


def test_unknown_attribute() -> None:
    try:
        smsaudit.nope  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "nope" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("expected AttributeError")


def test_import_is_cheap() -> None:
    """``import smsaudit`` must not pull DuckDB, polars or Altair (the CLI starts fast)."""
    code = (
        "import sys, smsaudit; "
        "print(sorted(m for m in ('duckdb', 'polars', 'altair') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
