"""Benchmark phone normalisation: DuckDB fast path vs phonenumbers on every number (issue 8).

Generates distinct raw spellings in DuckDB (default 4M: 90 % metropolitan mobiles, 5 %
overseas numbers, 3 % foreign numbers, 2 % garbage, in mixed spellings), then times

- ``phone.normalize_numbers`` on all of them (fast path + phonenumbers on the rest), and
- ``phone.classify`` (phonenumbers, once per number) on a random sample, extrapolated,

and prints the ratio and the share of spellings that fell to the slow path.

    .venv/bin/python benchmarks/bench_phone.py                 # 4M numbers
    .venv/bin/python benchmarks/bench_phone.py --numbers 200000 --sample 5000
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time

import phonenumbers

from smsaudit import db, phone

# Spellings of a French number: {cc} country code, {nsn} national significant number,
# {spaced} the nsn in pairs after its first digit ("6 12 34 56 78").
FRENCH_SPELLINGS = [
    "'+' || cc || nsn",
    "'0' || nsn",
    "cc || nsn",
    "'00' || cc || nsn",
    "'+' || cc || ' ' || spaced",
    "'0' || replace(spaced, ' ', '.')",
    "'0' || replace(spaced, ' ', '-')",
    "'+' || cc || ' (0)' || spaced",
    "cc || nsn || '.0'",
]

GENERATE = f"""
CREATE OR REPLACE TABLE bench_raw AS
WITH n AS (
  SELECT i, (hash(i, 'bench_phone') >> 1)::BIGINT AS h FROM range($numbers) t(i)
),
parts AS (
  SELECT i, h,
    CASE WHEN h % 100 < 90 THEN 'fr' WHEN h % 100 < 95 THEN 'dom'
         WHEN h % 100 < 98 THEN 'foreign' ELSE 'garbage' END AS kind,
    -- Unique digits per row: i itself, padded, after a valid prefix.
    lpad(i::VARCHAR, 8, '0') AS tail
  FROM n
),
numbers AS (
  SELECT i, h, kind,
    CASE kind
      WHEN 'fr' THEN '33'
      WHEN 'dom' THEN ['262', '262', '590', '596', '594', '508'][1 + (h // 100) % 6]
      WHEN 'foreign' THEN ['44', '32', '1', '41'][1 + (h // 100) % 4] END AS cc,
    CASE kind
      -- Metropolitan mobiles: 6[0-24-8] and 7[3-9] are valid first digits (9 digits).
      WHEN 'fr' THEN ['60', '61', '62', '64', '65', '66', '67', '68', '73', '78']
                     [1 + (h // 100) % 10] || substr(tail, 2)
      WHEN 'dom' THEN ['692', '63901', '690', '696', '6940', '55']
                     [1 + (h // 100) % 6] || right(tail, [6, 4, 6, 6, 5, 4][1 + (h // 100) % 6])
      WHEN 'foreign' THEN ['7400', '47', '650', '79'][1 + (h // 100) % 4]
                     || right(tail, [6, 7, 7, 7][1 + (h // 100) % 4]) END AS nsn
  FROM parts
),
spelled AS (
  SELECT *,
    substr(nsn, 1, 1) || ' ' || array_to_string(
      [substr(nsn, 2, 2), substr(nsn, 4, 2), substr(nsn, 6, 2), substr(nsn, 8)], ' ') AS spaced
  FROM numbers
)
SELECT DISTINCT CASE kind
  WHEN 'garbage' THEN [
      '06 12 ' || i, 'n/a ' || i, '3.36' || (i % 1000) || 'E+10',
      '+33 6 12 34 56 78 ' || i, 'tel:' || i][1 + (h // 100) % 5]
  WHEN 'foreign' THEN '+' || cc || ' ' || nsn
  ELSE [{", ".join(FRENCH_SPELLINGS)}][1 + (h // 1000) % {len(FRENCH_SPELLINGS)}]
  END AS raw
FROM spelled
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=4_000_000)
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()

    con = db.connect(threads=args.threads)
    t0 = time.perf_counter()
    con.execute(GENERATE, {"numbers": args.numbers})
    (n,) = con.execute("SELECT count(*) FROM bench_raw").fetchone() or (0,)
    print(f"generated {n:,} distinct spellings in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    phone.fast_path(con, "bench_raw")
    fast_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    slow = phone.normalize_numbers(con, "bench_raw", "phone_map")
    total_s = time.perf_counter() - t0
    print(f"fast path alone:        {fast_s:6.1f} s")
    print(f"normalize_numbers:      {total_s:6.1f} s  ({n / total_s:,.0f} numbers/s)")
    print(f"slow path (phonenumbers): {slow:,} spellings = {slow / n:.2%}")
    for status, count in con.execute(
        "SELECT status, count(*) FROM phone_map GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        print(f"  {status:8} {count:>10,}")

    raws = [r for (r,) in con.execute("SELECT raw FROM bench_raw").fetchall()]
    sample = random.Random(8).sample(raws, min(args.sample, len(raws)))
    t0 = time.perf_counter()
    reference = {raw: phone.classify(raw) for raw in sample}
    per_number = (time.perf_counter() - t0) / len(sample)
    con.execute("CREATE OR REPLACE TEMP TABLE bench_sample (raw VARCHAR)")
    con.executemany("INSERT INTO bench_sample VALUES (?)", [(r,) for r in sample])
    mapped = con.execute("SELECT m.* FROM phone_map m JOIN bench_sample USING (raw)").fetchall()
    differ = sum(reference[r[0]] != phone.PhoneResult(*r[1:]) for r in mapped)
    print(f"sample checked against phonenumbers: {len(mapped):,} rows, {differ} differ")
    pure_s = per_number * n
    print(
        f"phonenumbers per number: {1 / per_number:,.0f} numbers/s on a sample of "
        f"{len(sample):,} -> {pure_s:,.0f} s for all (extrapolated)"
    )
    print(f"speed-up: {pure_s / total_s:.1f}x")

    # The least any per-number approach pays: one parse and one validity check.
    t0 = time.perf_counter()
    for raw in sample:
        with contextlib.suppress(phonenumbers.NumberParseException):
            phonenumbers.is_valid_number(phonenumbers.parse(raw or "", "FR"))
    bare_s = (time.perf_counter() - t0) / len(sample) * n
    print(
        f"bare parse + is_valid_number per number: {bare_s:,.0f} s for all (extrapolated), "
        f"speed-up {bare_s / total_s:.1f}x"
    )


if __name__ == "__main__":
    main()
