"""Generate a large, realistic input folder for the scale benchmark (issue 8).

Everything is computed inside DuckDB and written with ``COPY ... TO`` Parquet: no data row
passes through Python, so 20 million sends take about a minute. Values are pseudo-random
from ``hash(row, salt)``: the same arguments give the same files on the same DuckDB version.

What the folder holds (defaults):

- ``sends_mgage.parquet``, ``sends_infobip.parquet``: 20M sends over two years, typed
  columns (TIMESTAMPTZ ``sent_at``), campaigns of about 10,000 messages in local business
  hours, a share starting late enough to run past the window's close, some on Sundays and
  holidays, 10 % transactional traffic at any hour; msisdn in mixed spellings (E.164,
  without ``+``, national ``06…``, spaced) drawn from about 4M distinct numbers of
  metropolitan France (85 %), the overseas territories (13 %) and abroad (2 %); a few
  invalid numbers and duplicated message_ids; bodies from campaign templates, a few
  without their STOP mention;
- ``receipts_mgage.parquet`` (typed), ``receipts_infobip.parquet`` (Infobip's text
  timestamps ``…+0000``): about one receipt per send, some superseded by a later one,
  0.5 % with error ``061``, a few for unknown messages;
- ``suppressions_mgage.parquet``, ``mo_all.parquet``, ``consent_export.parquet``,
  ``programs.csv``, ``rate_card.csv``: the smaller inputs of the reconciliation.

    .venv/bin/python benchmarks/generate.py               # 20M sends -> benchmarks/data/
    .venv/bin/python benchmarks/generate.py --sends 2000000 --out /tmp/bench2m

A folder already generated with the same arguments is kept (``--force`` regenerates).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data"
START_DAY = "2025-01-01"
DAYS = 730  # two years
CAMPAIGN_SIZE = 10_000
# A file holds at least this many campaigns: with 10,000 sends per campaign, a small file
# (10,000 sends, as the Spark tests generate) was one campaign on one day, 2025-01-01, a
# holiday, so 100 % blocked. Files of 100,000 sends and more are as before.
MIN_CAMPAIGNS = 10
MANIFEST = "generated.json"
PREFIXES = ("sends_", "receipts_", "suppressions_", "mo_", "consent_", "programs", "rate_card")

# Country code, national number prefix, free digits after it, share in 1/10,000.
# National prefixes are taken from phonenumbers' mobile patterns (all valid numbers).
NUMBERING = [
    ("FR", "33", "6", 8, 7_000),  # 6[0-24-8]... filtered below
    ("FR", "33", "7", 8, 1_500),  # 7[3-9]...
    ("RE", "262", "692", 6, 400),
    ("YT", "262", "63901", 4, 150),
    ("GP", "590", "690", 6, 300),  # also BL / MF: one numbering plan
    ("MQ", "596", "696", 6, 300),
    ("GF", "594", "6940", 5, 150),
    ("PM", "508", "55", 4, 0),  # 10,000 numbers: weight below, from the GF share
    ("GB", "44", "7400", 6, 100),
    ("BE", "32", "47", 7, 100),
]

SUBSCRIBERS = """
CREATE OR REPLACE TEMP TABLE numbering AS
SELECT * FROM (VALUES {values}) AS t(territory, cc, prefix, free_digits, lo, hi);

CREATE OR REPLACE TEMP TABLE subscribers AS
WITH draws AS (
    SELECT range AS sub, hash(range, $seed, 'terr') % 10000 AS t, hash(range, $seed, 'nsn') AS h
    FROM range($numbers)
)
SELECT
    d.sub,
    n.territory,
    n.cc,
    CASE
        -- metropolitan 6x: second digit in 0-2 or 4-8 (63 and 69 are partly unassigned)
        WHEN n.prefix = '6'
            THEN '6' || ['0', '1', '2', '4', '5', '6', '7', '8'][1 + (d.h % 8)::INTEGER]
                || lpad(((d.h // 8) % 10000000)::VARCHAR, 7, '0')
        WHEN n.prefix = '7'
            THEN '7' || (3 + (d.h % 7))::VARCHAR || lpad(((d.h // 8) % 10000000)::VARCHAR, 7, '0')
        ELSE n.prefix || lpad((d.h % (10 ** n.free_digits)::UBIGINT)::VARCHAR, n.free_digits, '0')
    END AS nsn
FROM draws AS d
JOIN numbering AS n ON d.t >= n.lo AND d.t < n.hi;

-- the msisdn as a sender platform writes it; style 0-3, national only for France
CREATE OR REPLACE TEMP MACRO spelled(cc, nsn, style) AS CASE
    WHEN style = 0 THEN '+' || cc || nsn
    WHEN style = 1 THEN cc || nsn
    WHEN style = 2 AND cc = '33' THEN '0' || nsn
    WHEN style = 2 THEN '+' || cc || nsn
    WHEN cc = '33'
        THEN '+33 ' || nsn[1] || ' ' || nsn[2:3] || ' ' || nsn[4:5] || ' ' || nsn[6:7]
            || ' ' || nsn[8:9]
    ELSE '+' || cc || ' ' || nsn
END;
"""

# One row per send; $agg is 0 (mGage) or 1 (Infobip), rows i in [0, $rows).
SENDS = """
WITH base AS (
    SELECT
        range AS i,
        range // $campaign_size AS c,
        hash(range, $seed, $agg, 'r') AS h,
        hash(range // $campaign_size, $seed, $agg, 'c') AS hc
    FROM range($rows)
),
campaigns AS (
    SELECT
        *,
        -- campaigns spread evenly over the span, so the file is roughly in time order
        (c * $days * $campaign_size // $rows) AS day,
        -- local start minute: mostly 09:00-18:00; 8 % start at 19:00-19:59 and run late;
        -- 2 % start before 08:00
        CASE
            WHEN hc % 100 < 8 THEN 19 * 60 + (hc // 100) % 60
            WHEN hc % 100 < 10 THEN 6 * 60 + (hc // 100) % 90
            ELSE 9 * 60 + (hc // 100) % 540
        END AS start_minute,
        30 + (hc // 100000) % 150 AS duration_minutes,
        (i % $campaign_size) / $campaign_size AS progress,
        h % 10 = 0 AS transactional
    FROM base
),
timed AS (
    SELECT
        *,
        -- Paris is UTC+1 or +2: an hour back is close enough for generated traffic
        TIMESTAMPTZ '{start}' + to_days(day::INTEGER) + CASE
            WHEN transactional THEN to_seconds(((h // 10) % 86400)::BIGINT)
            ELSE to_seconds(
                ((start_minute - 60) * 60 + progress * duration_minutes * 60)::BIGINT
                + ((h // 10) % 5)::BIGINT
            )
        END AS sent_at,
        hash(i, $seed, $agg, 'sub') % $numbers AS sub
    FROM campaigns
)
SELECT
    CASE
        -- a few message_ids appear twice (an export overlapping the previous one)
        WHEN h % 100000 = 7 AND i > 0 THEN $prefix || (i - 1)::VARCHAR
        ELSE $prefix || i::VARCHAR
    END AS message_id,
    t.sent_at,
    CASE
        WHEN h % 50000 = 11 THEN '06123'  -- unusable: rejected
        ELSE spelled(s.cc, s.nsn, ((hash(t.sub, $agg) + (i // 3)) % 4)::INTEGER)
    END AS msisdn,
    CASE
        WHEN $agg = 0 AND c % 5 = 0 THEN 'MAISONLUX'
        WHEN $agg = 0 THEN '36184'
        WHEN c % 7 = 0 THEN '38' || lpad((c % 1000)::VARCHAR, 3, '0')
        ELSE '36173'
    END AS sender_id,
    'PRG-' || $prefix || (c % 20)::VARCHAR AS program_id,
    CASE WHEN NOT transactional THEN 'CMP-' || $prefix || c::VARCHAR END AS campaign_id,
    CASE WHEN $agg = 0 THEN 'mGage' ELSE 'Infobip' END AS aggregator,
    CASE WHEN transactional THEN 'transactional' ELSE 'marketing' END AS category,
    CASE
        WHEN transactional THEN 'Votre code de confirmation : ' || (h % 1000000)::VARCHAR
        ELSE 'Jusqu''à -' || (10 + c % 50)::VARCHAR || ' % sur la collection, code PROMO'
            || (c % 97)::VARCHAR
            || CASE
                WHEN c % 40 = 3 THEN ''  -- footer forgotten
                WHEN $agg = 0 THEN ' STOP 36184'
                WHEN c % 7 = 0 THEN ' STOP 38' || lpad((c % 1000)::VARCHAR, 3, '0')
                ELSE ' STOP au 36173'
            END
    END AS body,
    CASE WHEN h % 3 = 0 THEN 1 END::INTEGER AS segments
FROM timed AS t
JOIN subscribers AS s ON s.sub = t.sub
ORDER BY i
"""

# Receipts of one aggregator's sends: one each, 4 % preceded by an earlier interim
# report, 3 % missing, plus a few for messages never sent. {done_at} is the column itself
# (typed TIMESTAMPTZ) or Infobip's text spelling of it (INFOBIP_DONE_AT).
RECEIPTS = """
WITH sends AS (
    SELECT message_id, sent_at, hash(message_id, $seed, 'rcpt') AS h
    FROM read_parquet($sends)
),
reports AS (
    SELECT message_id, sent_at + to_seconds((5 + h % 60)::BIGINT) AS done_at, h, 0 AS interim
    FROM sends WHERE h % 100 >= 3
    UNION ALL
    SELECT message_id, sent_at + INTERVAL 1 SECOND, h, 1 FROM sends WHERE h % 100 >= 96
    UNION ALL
    SELECT 'unknown-' || message_id, sent_at, h, 0 FROM sends WHERE h % 100000 = 5
)
SELECT
    message_id,
    CASE
        WHEN interim = 1 THEN 'ENROUTE'
        WHEN h % 1000 < 5 THEN 'REJECTED'
        WHEN h % 1000 < 40 THEN 'UNDELIVERABLE'
        ELSE 'DELIVERED'
    END AS status,
    {done_at} AS done_at,
    CASE WHEN interim = 0 AND h % 1000 < 5 THEN '061' END AS error_code,
    CASE WHEN interim = 0 AND h % 1000 < 5 THEN 'Destination Blocked' END AS error_text,
    CASE WHEN h % 50 = 0 THEN 2 ELSE 1 END::INTEGER AS segments,
    CASE WHEN $agg = 0 THEN 0.045 ELSE 0.048 END::DECIMAL(18, 6) AS price,
    'EUR' AS currency
FROM reports
ORDER BY done_at
"""

INFOBIP_DONE_AT = "strftime(done_at, '%Y-%m-%dT%H:%M:%S.000+0000')"

SUPPRESSIONS = """
SELECT
    spelled(s.cc, s.nsn, (hash(g.range, 's') % 4)::INTEGER) AS msisdn,
    CASE WHEN g.range % 5 = 0 THEN 'MAISONLUX' ELSE '36184' END AS sender_id,
    TIMESTAMPTZ '{start}' + to_seconds((hash(g.range, $seed, 't') % ($days * 86400))::BIGINT)
        AS suppressed_at,
    'mGage' AS aggregator,
    CASE WHEN g.range % 3 = 0 THEN 'ARRET' ELSE 'STOP' END AS keyword
FROM range($rows) AS g
JOIN subscribers AS s ON s.sub = hash(g.range, $seed, 'supp') % $numbers
"""

MO = """
SELECT
    spelled(s.cc, s.nsn, (hash(g.range, 'm') % 4)::INTEGER) AS msisdn,
    TIMESTAMPTZ '{start}' + to_seconds((hash(g.range, $seed, 't') % ($days * 86400))::BIGINT)
        AS received_at,
    ['STOP', 'stop', 'Arrêt', 'STOPPER les pubs', 'Merci', 'INFO'][
        1 + (hash(g.range, 'txt') % 6)::INTEGER] AS text,
    CASE WHEN g.range % 2 = 0 THEN '36184' ELSE '36173' END AS short_code
FROM range($rows) AS g
JOIN subscribers AS s ON s.sub = hash(g.range, $seed, 'mo') % $numbers
"""

CONSENT = """
SELECT
    spelled(s.cc, s.nsn, (hash(g.range, 'k') % 4)::INTEGER) AS msisdn,
    'PRG-' || ['mg', 'ib'][1 + (g.range % 2)::INTEGER] || (hash(g.range, 'p') % 20)::VARCHAR
        AS program_id,
    ['OPT-IN', 'OPTED-IN', 'OPT-IN', 'OPTED-OUT'][1 + (hash(g.range, 'st') % 4)::INTEGER]
        AS status,
    TIMESTAMPTZ '{start}' - to_days(365)
        + to_seconds((hash(g.range, $seed, 't') % (($days + 365) * 86400))::BIGINT) AS status_date,
    ['WEB_FORM', 'CHECKOUT', 'MO_KEYWORD', 'WEB_FORM'][1 + (hash(g.range, 'src') % 4)::INTEGER]
        AS consent_source,
    CASE WHEN hash(g.range, 'ev') % 3 = 0 THEN 'EV-' || g.range::VARCHAR END AS evidence_ref
FROM range($rows) AS g
JOIN subscribers AS s ON s.sub = hash(g.range, $seed, 'cs') % $numbers
"""

PROGRAMS = """
SELECT 'PRG-' || p.prefix || (g.range)::VARCHAR AS program_id, p.sender_id,
    p.short_code_type, p.aggregator
FROM range(20) AS g,
    (VALUES ('mg', '36184', 'shared', 'mGage'), ('mg', 'MAISONLUX', 'shared', 'mGage'),
            ('ib', '36173', 'shared', 'Infobip')) AS p(prefix, sender_id, short_code_type,
                                                        aggregator)
ORDER BY ALL
"""

RATE_CARD = """
SELECT * FROM (VALUES
    ('mGage', 0.045, 'EUR', DATE '2025-01-01', DATE '2025-12-31'),
    ('mGage', 0.048, 'EUR', DATE '2026-01-01', NULL),
    ('Infobip', 0.047, 'EUR', NULL, NULL)
) AS t(aggregator, price_per_segment, currency, valid_from, valid_to)
"""


def _numbering_values() -> str:
    rows, lo = [], 0
    for territory, cc, prefix, free, share in NUMBERING:
        # Saint-Pierre-et-Miquelon gets a sliver of the Guyane share
        width = 20 if territory == "PM" else share - (20 if territory == "GF" else 0)
        rows.append(f"('{territory}', '{cc}', '{prefix}', {free}, {lo}, {lo + width})")
        lo += width
    if lo != 10_000:
        raise AssertionError(f"numbering shares add up to {lo}, not 10000")
    return ", ".join(rows)


def _copy(con: duckdb.DuckDBPyConnection, sql: str, path: Path, params: dict[str, object]) -> None:
    if path.suffix == ".csv":
        con.execute(f"COPY ({sql}) TO '{path}' (HEADER, DELIMITER ',')", params)
    else:
        con.execute(
            f"COPY ({sql}) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)",
            params,
        )


def generate(out: Path, *, sends: int, numbers: int, seed: int) -> dict[str, int]:
    """Write the input folder ``out``; returns the rows written per file."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    for statement in SUBSCRIBERS.format(values=_numbering_values()).split(";\n\n"):
        used = {k: v for k, v in {"seed": seed, "numbers": numbers}.items() if f"${k}" in statement}
        con.execute(statement, used or None)
    common = {"seed": seed, "numbers": numbers, "days": DAYS}
    half = sends // 2
    written: dict[str, int] = {}
    for agg, (name, prefix, rows) in enumerate(
        [("mgage", "mg", half), ("infobip", "ib", sends - half)]
    ):
        path = out / f"sends_{name}.parquet"
        params = {**common, "rows": rows, "agg": agg, "prefix": prefix}
        params["campaign_size"] = max(1, min(CAMPAIGN_SIZE, rows // MIN_CAMPAIGNS))
        _copy(con, SENDS.format(start=START_DAY), path, params)
        done_at = INFOBIP_DONE_AT if agg == 1 else "done_at"
        _copy(
            con,
            RECEIPTS.format(done_at=done_at),
            out / f"receipts_{name}.parquet",
            {"seed": seed, "agg": agg, "sends": str(path)},
        )
    small = sends // 400
    _copy(
        con,
        SUPPRESSIONS.format(start=START_DAY),
        out / "suppressions_mgage.parquet",
        {**common, "rows": small},
    )
    _copy(con, MO.format(start=START_DAY), out / "mo_all.parquet", {**common, "rows": 4 * small})
    _copy(
        con,
        CONSENT.format(start=START_DAY),
        out / "consent_export.parquet",
        {**common, "rows": numbers // 2},
    )
    _copy(con, PROGRAMS, out / "programs.csv", {})
    _copy(con, RATE_CARD, out / "rate_card.csv", {})
    for path in sorted(out.iterdir()):
        if path.suffix == ".parquet":
            row = con.execute("SELECT count(*) FROM read_parquet($p)", {"p": str(path)}).fetchone()
            written[path.name] = int(row[0]) if row else 0
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sends", type=int, default=20_000_000, help="sends (and about as many receipts)"
    )
    parser.add_argument(
        "--numbers", type=int, default=None, help="distinct numbers (default sends / 5)"
    )
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = parser.parse_args()
    numbers = args.numbers or max(args.sends // 5, 1000)
    wanted = {
        "sends": args.sends,
        "numbers": numbers,
        "seed": args.seed,
        "version": duckdb.__version__,
        "min_campaigns": MIN_CAMPAIGNS,
    }
    manifest = args.out / MANIFEST
    if not args.force and manifest.is_file():
        done = json.loads(manifest.read_text(encoding="utf-8"))
        if done.get("arguments") == wanted:
            print(f"{args.out} is up to date ({args.sends:,} sends); --force regenerates")
            return
    if args.out.is_dir():
        # only what this script writes: --out may name a folder holding other files
        for old in args.out.iterdir():
            if old.name == MANIFEST or old.name.startswith(PREFIXES):
                old.unlink()
    started = time.perf_counter()
    files = generate(args.out, sends=args.sends, numbers=numbers, seed=args.seed)
    elapsed = time.perf_counter() - started
    size = sum(p.stat().st_size for p in args.out.iterdir())
    manifest.write_text(
        json.dumps({"arguments": wanted, "rows": files}, indent=2) + "\n", encoding="utf-8"
    )
    for name, rows in files.items():
        print(f"{name:<28} {rows:>12,} rows")
    print(f"wrote {size / 2**20:,.0f} MiB to {args.out} in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
