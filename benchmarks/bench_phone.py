"""Benchmark phone normalisation: DuckDB fast path vs phonenumbers on every number (issue 8).

Generates distinct raw spellings in DuckDB (default 4M) in one of two mixes:

- ``spellings`` (default): 90 % metropolitan mobiles, 5 % overseas numbers, 3 % foreign
  numbers, 2 % garbage, in nine spellings (E.164, bare, national, 00, spaced, dotted,
  dashed, ``(0)``, a spreadsheet's ``.0``): the cleaning rules at work;
- ``audit``: the numbering and the four spellings of ``generate.py`` (E.164, without its +,
  national for France, spaced), what an audit of generated inputs meets,

then times

- ``phone.normalize_numbers`` on all of them, told that they are distinct (as the loader's
  UNION makes them) and not told (it then runs its own DISTINCT);
- DuckDB merely copying the distinct spellings into a table, the floor of any approach;
- ``phone.classify`` (phonenumbers, once per number) on a random sample, extrapolated,

and prints the ratios and how many spellings fell to the slow path (phonenumbers).

    .venv/bin/python benchmarks/bench_phone.py                       # 4M, 9 spellings
    .venv/bin/python benchmarks/bench_phone.py --mix audit --threads 2
    .venv/bin/python benchmarks/bench_phone.py --numbers 200000 --sample 5000
"""

from __future__ import annotations

import argparse
import contextlib
import random
import time
from collections.abc import Callable

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

# generate.py's numbering (share in 1/10,000: 85 % metropolitan mobiles, 13 % overseas,
# 2 % British and Belgian mobiles) and its four spellings, each number in every spelling:
# $numbers distinct spellings from $numbers / 4 numbers.
GENERATE_AUDIT = """
CREATE OR REPLACE TABLE bench_raw AS
WITH numbering AS (
  SELECT * FROM (VALUES
    ('33', '6', 8, 0, 7000), ('33', '7', 8, 7000, 8500), ('262', '692', 6, 8500, 8900),
    ('262', '63901', 4, 8900, 9050), ('590', '690', 6, 9050, 9350),
    ('596', '696', 6, 9350, 9650), ('594', '6940', 5, 9650, 9750),
    ('508', '55', 4, 9750, 9800), ('44', '7400', 6, 9800, 9900), ('32', '47', 7, 9900, 10000)
  ) AS t(cc, prefix, free_digits, lo, hi)
),
subscribers AS (
  SELECT
    n.cc,
    CASE WHEN n.prefix = '6'
           THEN '6' || ['0', '1', '2', '4', '5', '6', '7', '8'][1 + (h % 8)::INTEGER]
                || lpad(((h // 8) % 10000000)::VARCHAR, 7, '0')
         WHEN n.prefix = '7'
           THEN '7' || (3 + (h % 7))::VARCHAR || lpad(((h // 8) % 10000000)::VARCHAR, 7, '0')
         ELSE n.prefix || lpad((h % (10 ** n.free_digits)::UBIGINT)::VARCHAR, n.free_digits, '0')
    END AS nsn
  FROM (SELECT hash(range, 'terr') % 10000 AS t, hash(range, 'nsn') AS h
        FROM range($numbers // 4)) AS d
  JOIN numbering AS n ON d.t >= n.lo AND d.t < n.hi
)
SELECT DISTINCT raw FROM (
  SELECT unnest([
    '+' || cc || nsn,
    cc || nsn,
    CASE WHEN cc = '33' THEN '0' || nsn ELSE '+' || cc || nsn END,
    CASE WHEN cc = '33'
           THEN '+33 ' || nsn[1] || ' ' || nsn[2:3] || ' ' || nsn[4:5] || ' ' || nsn[6:7]
                || ' ' || nsn[8:9]
         ELSE '+' || cc || ' ' || nsn END]) AS raw
  FROM subscribers
)
"""


def timed(label: str, action: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    action()
    seconds = time.perf_counter() - t0
    print(f"{label:46} {seconds:6.2f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=4_000_000)
    parser.add_argument("--mix", choices=["spellings", "audit"], default="spellings")
    parser.add_argument("--sample", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each timing; best kept")
    args = parser.parse_args()

    con = db.connect(threads=args.threads)
    t0 = time.perf_counter()
    con.execute(GENERATE if args.mix == "spellings" else GENERATE_AUDIT, {"numbers": args.numbers})
    (n,) = con.execute("SELECT count(*) FROM bench_raw").fetchone() or (0,)
    print(f"generated {n:,} distinct spellings ({args.mix}) in {time.perf_counter() - t0:.1f} s")

    slow = 0

    def normalize(distinct: bool) -> None:
        nonlocal slow
        slow = phone.normalize_numbers(con, "bench_raw", "phone_map", already_distinct=distinct)

    def copy() -> None:
        con.execute("CREATE OR REPLACE TABLE bench_copy AS SELECT raw FROM bench_raw")

    floor_s = min(timed("DuckDB copying the spellings (floor)", copy) for _ in range(args.repeat))
    known_s = min(
        timed("normalize_numbers, input known distinct", lambda: normalize(True))
        for _ in range(args.repeat)
    )
    own_s = min(
        timed("normalize_numbers, its own DISTINCT", lambda: normalize(False))
        for _ in range(args.repeat)
    )
    print(f"  {n / known_s:,.0f} numbers/s; {known_s / floor_s:.1f}x the floor")
    print(f"slow path (phonenumbers): {slow:,} spellings = {slow / n:.3%}")
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
    print(f"speed-up: {pure_s / known_s:.1f}x (input known distinct), {pure_s / own_s:.1f}x")

    # The least any per-number approach pays: one parse and one validity check.
    t0 = time.perf_counter()
    for raw in sample:
        with contextlib.suppress(phonenumbers.NumberParseException):
            phonenumbers.is_valid_number(phonenumbers.parse(raw or "", "FR"))
    bare_s = (time.perf_counter() - t0) / len(sample) * n
    print(
        f"bare parse + is_valid_number per number: {bare_s:,.0f} s for all (extrapolated), "
        f"speed-up {bare_s / known_s:.1f}x"
    )


if __name__ == "__main__":
    main()
