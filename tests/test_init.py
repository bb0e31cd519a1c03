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


def test_the_public_api_is_exactly_this() -> None:
    """Adding or removing a public name is a decision: it shows here (as httpx does)."""
    assert smsaudit.__all__ == [
        "FINDING_TABLES",
        "Audit",
        "CheckFailed",
        "InputError",
        "Profile",
        "SmsauditError",
        "__version__",
        "audit",
        "blocked_calendar",
        "check",
        "count_segments",
        "demo_data_dir",
        "list_profiles",
        "load_profile",
    ]


def test_no_source_module_passes_400_lines() -> None:
    from pathlib import Path

    src = Path(smsaudit.__file__).parent
    long = {
        p.relative_to(src).as_posix(): n
        for p in src.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert not long, long
