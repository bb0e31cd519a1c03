"""Generate the bundled sample month (May 2026) of French marketing SMS, and its oracle.

Writes, next to this script (or into ``--out DIR``), a small month of traffic in the messy
formats of CONTRACT §2 with problems planted on purpose, and ``planted.json``: what a
correct audit must find, derived here in plain Python (``zoneinfo`` per row, a holiday
list of its own) from the records as generated, never from the audit's SQL.

Deterministic: one ``random.Random(SEED)``, no clock, no locale, no machine time zone;
running it twice gives identical bytes. Standard library only.

    python data_samples/generate.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the sample_gen package beside this script

from sample_gen.oracle import check_intent, oracle  # noqa: E402
from sample_gen.rules import (  # noqa: E402, F401  (the tests read them here)
    ABOLITION_DAYS_2026,
    NATIONAL_HOLIDAYS_2026,
    STOP_WORDS,
    blocked_reason,
    has_footer,
    is_stop,
    segments,
)
from sample_gen.world import build  # noqa: E402
from sample_gen.writers import (  # noqa: E402, F401
    CONSENT,
    MO,
    OUTPUTS,
    PLANTED,
    PROGRAMS,
    RECEIPTS_IB,
    RECEIPTS_IB3,
    RECEIPTS_MG,
    SENDS_IB,
    SENDS_MG,
    SUPPRESSIONS,
    Writer,
)


def generate(out_dir: Path = HERE) -> dict[str, Path]:
    """Write every sample file and planted.json into ``out_dir``; returns name -> path."""
    world = build()
    wr = Writer(world)
    wr.all()
    planted = oracle(world, wr)
    check_intent(world, planted)
    data = json.dumps(planted, ensure_ascii=False, indent=1) + "\n"
    wr.files[PLANTED] = data.encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in OUTPUTS:
        path = out_dir / name
        path.write_bytes(wr.files[name])
        paths[name] = path
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    for name, path in generate(args.out).items():
        print(f"{path.stat().st_size:>9}  {name}")


if __name__ == "__main__":
    main()
