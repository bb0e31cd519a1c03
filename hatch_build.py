"""Wheel build hook: ship the demo's sample inputs as ``smsaudit/data_samples/``.

``smsaudit demo`` and ``smsaudit.demo_data_dir()`` read them from an installed wheel. Hatch's
``force-include`` cannot leave files out, and the generator and its oracle (``generate.py``,
``planted.json``) are for the repository and the sdist only, so the list is made here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SAMPLES = "data_samples"
NOT_SHIPPED = {"generate.py", "planted.json"}


class SampleDataHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        folder = Path(self.root) / SAMPLES
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name not in NOT_SHIPPED:
                build_data["force_include"][str(path)] = f"smsaudit/{SAMPLES}/{path.name}"
