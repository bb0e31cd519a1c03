"""Reading a plan file, and judging a campaign schedule against the calendar.

A schedule (``campaign_id, start_at, messages, messages_per_minute``; optional
``sender_id``) gives ``schedule_check``: when each campaign's last message goes, how many
land after the close, and the latest start that still fits, per recipient territory.
"""

from __future__ import annotations

from datetime import timedelta
from os import PathLike
from pathlib import Path

import duckdb

from .. import rules, schema, sqlfiles
from ..errors import InputError
from ..ingest import detect, load
from ..ingest.expressions import _ts_expr, literal
from .periods import build_periods, install_local_text


def plan_columns(path: Path) -> dict[str, str]:
    """Normalised header name -> the plan's own column name (first wins)."""
    if path.name.lower().endswith(".parquet"):
        con = duckdb.connect()
        try:
            names = [
                str(r[0])
                for r in con.execute(
                    "DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}
                ).fetchall()
            ]
        except duckdb.Error:
            raise InputError("not a readable Parquet file", file=path.name) from None
    else:
        names = detect.csv_header(path)
    out: dict[str, str] = {}
    for name in names:
        out.setdefault(detect.norm_header(name), name)
    if "send_at" in out and "sent_at" not in out:
        out["sent_at"] = out["send_at"]
    return out


def quoted(name: str) -> str:
    """A column name of the plan as a DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def reader(path: Path) -> str:
    if path.name.lower().endswith(".parquet"):
        return "read_parquet($p)"
    return "read_csv($p, header = true, all_varchar = true)"


def schedule(
    con: duckdb.DuckDBPyConnection,
    profile: rules.Profile,
    path: Path,
    columns: dict[str, str],
    assume_tz: str,
    territories: str | list[str] | None,
    alsace_moselle: bool,
    recipients: str | PathLike[str] | None,
) -> None:
    """Table ``schedule_check``: each campaign's run against the calendar of its
    recipients' territories."""
    load._install_macros(con, assume_tz)

    def col(name: str) -> str:
        return quoted(columns[name])

    campaign = f"CAST({col('campaign_id')} AS VARCHAR)" if "campaign_id" in columns else "NULL"
    sender = f"CAST({col('sender_id')} AS VARCHAR)" if "sender_id" in columns else "NULL"
    try:
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE schedule_raw AS
                SELECT row_number() OVER () + 1 AS line, {campaign} AS campaign_id,
                       nullif(trim(CAST({col("start_at")} AS VARCHAR)), '') AS start_text,
                       CAST({col("messages")} AS VARCHAR) AS messages_text,
                       CAST({col("messages_per_minute")} AS VARCHAR) AS rate_text,
                       {sender} AS sender_id
                FROM {reader(path)}""",
            {"p": str(path)},
        )
    except duckdb.Error as exc:
        raise InputError(f"unreadable plan ({str(exc).splitlines()[0]})", file=path.name) from None
    con.execute(
        f"""CREATE OR REPLACE TABLE schedule AS
            SELECT line, campaign_id, {_ts_expr("start_text")} AS start_at,
                   try_cast(trim(messages_text) AS BIGINT) AS messages,
                   try_cast(replace(trim(rate_text), ',', '.') AS DOUBLE) AS messages_per_minute,
                   sender_id, start_text, messages_text, rate_text
            FROM schedule_raw"""
    )
    # A schedule is a handful of rows that a person wrote: one bad value is an error to fix.
    for column, bad, why in (
        ("start_at", "start_at IS NULL", "unreadable timestamp"),
        ("messages", "messages IS NULL OR messages < 1", "not a whole number of at least 1"),
        (
            "messages_per_minute",
            "messages_per_minute IS NULL OR NOT messages_per_minute > 0",
            "not a positive number",
        ),
    ):
        rows = con.execute(
            f"SELECT line FROM schedule WHERE {bad} ORDER BY line LIMIT 1"
        ).fetchall()
        if rows:
            raise InputError(why, file=path.name, line=int(rows[0][0]), column=columns[column])
    _schedule_territories(con, recipients, territories)
    span = con.execute(
        "SELECT min(start_at), max(start_at + to_microseconds(CAST((messages - 1) * 60000000.0 "
        "/ messages_per_minute AS BIGINT))) FROM schedule"
    ).fetchall()[0]
    assert span[0] is not None
    chosen = [t for (t,) in con.execute("SELECT territory FROM schedule_territories").fetchall()]
    # The next allowed window may be days later (a long weekend, a holiday): a week's margin.
    build_periods(
        con,
        span[0].date() - timedelta(days=1),
        span[1].date() + timedelta(days=8),
        profile=profile,
        territories=chosen,
        alsace_moselle=alsace_moselle,
    )
    install_local_text(con)
    sqlfiles.materialize(con, "schedule_check")
    con.execute("ALTER TABLE schedule_check DROP COLUMN line")


def _schedule_territories(
    con: duckdb.DuckDBPyConnection,
    recipients: str | PathLike[str] | None,
    territories: str | list[str] | None,
) -> None:
    """``schedule_territories(territory, share)``: the recipients' territories and their part
    of the recipients (``--recipients``), else the territories asked (default FR), share 1."""
    from .. import phone

    clocks = ", ".join(f"({literal(t)}, {literal(z)})" for t, z in schema.TERRITORY_CLOCKS.items())
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE territory_clocks AS SELECT * FROM (VALUES {clocks}) "
        "AS t(territory, tz)"
    )
    if recipients is None:
        chosen = schema.territories(territories) if territories else ["FR"]
        values = ", ".join(f"({literal(t)}, 1.0)" for t in chosen)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE schedule_territories AS SELECT * FROM (VALUES {values}) "
            "AS t(territory, share)"
        )
        con.execute("CREATE OR REPLACE TEMP TABLE schedule_recipients (msisdn VARCHAR)")
        return
    rpath = Path(recipients)
    if not rpath.is_file():
        raise InputError("no such file", file=str(recipients))
    rcols = plan_columns(rpath)
    if "msisdn" not in rcols:
        raise InputError("missing required column msisdn", file=rpath.name, line=1, column="msisdn")
    column = quoted(rcols["msisdn"])
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE recipients_raw AS SELECT DISTINCT "
        f"CAST({column} AS VARCHAR) AS raw FROM {reader(rpath)}",
        {"p": str(rpath)},
    )
    phone.normalize_numbers(con, "recipients_raw", "recipients_map")
    allowed = schema.territories(territories) if territories else list(schema.TERRITORY_CLOCKS)
    listed = ", ".join(literal(t) for t in allowed)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE schedule_recipients AS
            SELECT DISTINCT e164 AS msisdn, territory FROM recipients_map
            WHERE status = 'french' AND territory IN ({listed})"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE schedule_territories AS
           SELECT territory, count(*) / sum(count(*)) OVER () AS share
           FROM schedule_recipients GROUP BY territory"""
    )
    if not con.execute("SELECT count(*) FROM schedule_territories").fetchall()[0][0]:
        raise InputError("no French recipient in the recipient file", file=rpath.name)
