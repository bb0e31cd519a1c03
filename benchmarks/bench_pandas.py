"""Blocked-window classification: what an analyst would write in pandas, against smsaudit.

The same N sends (bench_windows' generator: two years, territories weighted towards
metropolitan France) are classified under one profile twice, best of ``--repeat``:

  (a) pandas, vectorised the way a careful analyst writes it: per territory, convert
      ``sent_at`` to the local clock with ``dt.tz_convert``, take weekday, minute of day
      and local date, test holidays with ``isin`` and the windows with boolean masks;
  (b) smsaudit: the calendar join of ``sql/send_windows.sql`` (the calendar's stored BIGINT
      slot per territory and UTC bucket, joined by direct indexing), counted per reason in
      DuckDB (``bench_windows.join_counts``).

Both start from data already in memory (a DataFrame, a DuckDB table); the counts per
reason must agree. Prints the ratio a/b (issue 8 asks for at least 40x).

pandas is not a dependency of smsaudit; install it into the venv for this script only:

    .venv/bin/pip install pandas
    .venv/bin/python benchmarks/bench_pandas.py --rows 20000000
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_windows as bw

from smsaudit import db
from smsaudit.rules import build_window_calendar, load_profile
from smsaudit.rules.profiles import Profile
from smsaudit.schema import TERRITORY_CLOCKS

REASONS = ("public_holiday", "sunday", "saturday_outside_hours", "weekday_outside_hours")


def classify_pandas(frame: Any, profile: Profile, holidays: dict[str, set[Any]]) -> Counter[Any]:
    """Messages per reason (None = allowed), computed in pandas."""
    import numpy as np
    import pandas as pd

    reason = pd.Series(None, index=frame.index, dtype=object)
    for territory, clock in TERRITORY_CLOCKS.items():
        mask = frame["territory"] == territory
        if not mask.any():
            continue
        local = frame.loc[mask, "sent_at"].dt.tz_convert(clock)
        isodow = local.dt.day_of_week + 1
        minute = local.dt.hour * 60 + local.dt.minute
        holiday = local.dt.date.isin(holidays.get(territory, set()))
        in_hours = pd.Series(False, index=local.index)
        for day, windows in enumerate(profile.windows, start=1):
            for start, end in windows:
                in_hours |= (isodow == day) & (minute >= start) & (minute < end)
        conditions = [
            holiday & (profile.public_holidays == "blocked"),
            (isodow == 7) & ((profile.sundays == "blocked") | ~in_hours),
            ~in_hours & (isodow == 6),
            ~in_hours,
        ]
        reason.loc[mask] = np.select(conditions, list(REASONS), default=None)
    return Counter(reason.where(reason.notna(), None).tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument("--profile", default="fr-acoustic")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    try:
        import pandas
    except ImportError:
        raise SystemExit(
            "pandas is not installed (it is not a dependency of smsaudit); for this benchmark "
            "only: .venv/bin/pip install pandas"
        ) from None

    con = db.connect(threads=args.threads)
    territories = list(bw.WEIGHTS)
    upper = [sum(list(bw.WEIGHTS.values())[: i + 1]) for i in range(len(territories))]
    upper[-1] = 1.0
    con.execute(
        bw.GENERATE,
        {
            "rows": args.rows,
            "start_us": int(bw.START.timestamp()) * 1_000_000,
            "end_us": int(bw.END.timestamp()) * 1_000_000,
            "territories": territories,
            "clocks": [TERRITORY_CLOCKS[t] for t in territories],
            "upper": upper,
            "lower": [0.0, *upper[:-1]],
        },
    )
    profile = load_profile(args.profile)
    build_window_calendar(con, profile, bw.START, bw.END, territories)
    holidays: dict[str, set[Any]] = {}
    for territory, day in con.execute("SELECT territory, day FROM holiday_calendar").fetchall():
        holidays.setdefault(territory, set()).add(day)
    frame = con.execute("SELECT territory, sent_at FROM sends").df()
    bw.prepare_join(con)

    def duckdb_counts() -> Counter[Any]:
        return Counter(dict(bw.join_counts(con, profile.bucket_minutes * 60_000_000)))

    timed = bw.best_of(
        args.repeat,
        {
            "pandas": lambda: classify_pandas(frame, profile, holidays),
            "duckdb": duckdb_counts,
        },
    )
    (slow, by_pandas), (fast, by_duckdb) = timed["pandas"], timed["duckdb"]
    if by_pandas != by_duckdb:
        raise SystemExit(f"classifications differ:\n  pandas {by_pandas}\n  duckdb {by_duckdb}")
    print(f"rows {args.rows:,}  profile {profile.name}  pandas {pandas.__version__}")
    print(f"(a) pandas (tz_convert per territory)  {slow:8.3f} s")
    print(f"(b) smsaudit calendar join (DuckDB)    {fast:8.3f} s")
    print(f"a/b = {slow / fast:.1f}x   (issue 8 asks for >= 40x)")


if __name__ == "__main__":
    main()
