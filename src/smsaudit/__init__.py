"""smsaudit: audit marketing SMS sent to France.

>>> import smsaudit
>>> result = smsaudit.audit("data_samples")          # doctest: +SKIP
>>> result.summary(); result.save("out", ["xlsx"])   # doctest: +SKIP

The public API is the names in ``__all__``; everything else is private. Names are imported
lazily so that ``import smsaudit`` stays cheap for the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# The one place the version is written: the wheel's metadata (hatch) and `--version` read it.
__version__ = "0.1.0"

__all__ = [
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

_LAZY = {
    "FINDING_TABLES": "smsaudit.pipeline",
    "Audit": "smsaudit.results",
    "CheckFailed": "smsaudit.errors",
    "InputError": "smsaudit.errors",
    "Profile": "smsaudit.rules",
    "SmsauditError": "smsaudit.errors",
    "audit": "smsaudit.pipeline",
    "blocked_calendar": "smsaudit.prevent.periods",
    "check": "smsaudit.prevent.check",
    "count_segments": "smsaudit.cost",
    "demo_data_dir": "smsaudit.pipeline",
    "list_profiles": "smsaudit.rules",
    "load_profile": "smsaudit.rules",
}

if TYPE_CHECKING:
    from .cost import count_segments
    from .errors import CheckFailed, InputError, SmsauditError
    from .pipeline import FINDING_TABLES, audit, demo_data_dir
    from .prevent.check import check
    from .prevent.periods import blocked_calendar
    from .results import Audit
    from .rules import Profile, list_profiles, load_profile


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'smsaudit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
