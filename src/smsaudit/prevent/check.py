"""``smsaudit check``: a planned send list or campaign schedule, judged before sending.

- A **send list** (``msisdn, sender_id, send_at``; optional ``message_id, campaign_id,
  category, body``...) is loaded exactly like the audit's sends (same readers, numbers,
  timestamps, rejected rows) and classified by the same calendar: ``planned_blocked`` is
  ``blocked_window_messages`` computed on the plan.
- A **schedule** (``campaign_id, start_at, messages, messages_per_minute``; optional
  ``sender_id``) gives ``schedule_check``: when the last message goes, how many land after
  the close, and the latest start that still fits, per recipient territory.
- With ``DATA_DIR``, the audit's suppressions of that data give ``planned_suppressed``: the
  planned sends (or, for a schedule, the recipients of ``--recipients`` with the schedule's
  ``sender_id``) to a pair suppressed at that instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .. import db, rules, schema, scratch, sqlfiles
from ..errors import InputError
from ..ingest import load
from ..ingest.expressions import literal
from .schedule import plan_columns, quoted, reader, schedule

if TYPE_CHECKING:
    import polars as pl

PLAN_TABLES = ("planned_blocked", "planned_suppressed", "schedule_check")
SEND_COLUMNS = ("message_id", "campaign_id", "program_id", "category", "body", "aggregator")
FAIL_ON = ("blocked", "suppressed")


@dataclass
class PlanCheck:
    """What a plan would run into: the tables of ``tables``, and the plan's own accounting."""

    con: duckdb.DuckDBPyConnection
    kind: str  # 'send list' | 'schedule'
    profile: rules.Profile
    tables: list[str] = field(default_factory=list)
    inputs: list[Path] = field(default_factory=list)  # never written over

    def __getitem__(self, table: str) -> pl.DataFrame:
        if table not in self.tables:
            raise KeyError(f"{table!r} is not a table of this check ({', '.join(self.tables)})")
        frame: pl.DataFrame = self.con.table(table).pl()
        return frame

    def count(self, table: str) -> int:
        return self._scalar(f"SELECT count(*) FROM {table}")

    def _scalar(self, sql: str) -> int:
        rows = self.con.execute(sql).fetchall()  # fetched whole: no result left open
        return int(rows[0][0]) if rows else 0

    @property
    def blocked(self) -> int:
        """Planned messages in a blocked window (send list), or after the close (schedule)."""
        if self.kind == "schedule":
            return self._scalar("SELECT coalesce(sum(messages_after_close), 0) FROM schedule_check")
        return self.count("planned_blocked")

    @property
    def suppressed(self) -> int:
        return self.count("planned_suppressed") if "planned_suppressed" in self.tables else 0

    def failures(self, fail_on: list[str]) -> list[str]:
        """The ``--fail-on`` conditions that hold (a scheduler stops the send on any)."""
        found = {"blocked": self.blocked, "suppressed": self.suppressed}
        return [name for name in fail_on if found[name]]

    def summary(self) -> list[tuple[str, str]]:
        out = [("plan", self.kind), ("profile", self.profile.name)]
        if self.kind == "schedule":
            out.append(("campaigns", f"{self.count('schedule'):,}"))
            out.append(("messages after the close", f"{self.blocked:,}"))
        else:
            out.append(("planned messages", f"{self.count('sends'):,}"))
            out.append(("would be sent in a blocked window", f"{self.blocked:,}"))
        if "planned_suppressed" in self.tables:
            out.append(("to suppressed pairs", f"{self.suppressed:,}"))
        if "rejected_rows" in self.tables:
            out.append(("rejected plan rows", f"{self.count('rejected_rows'):,}"))
        return out

    def save(
        self,
        out_dir: str | PathLike[str],
        formats: list[str] | None = None,
        *,
        mask_msisdn: bool = False,
        mask_secret: str | None = None,
        french_csv: bool = False,
    ) -> list[Path]:

        from .. import export, outdir

        secret = export.mask_secret_for(mask_msisdn, mask_secret)
        out = Path(out_dir)
        with outdir.staged(out, self.inputs) as work:
            paths = export.save(
                self.con,
                self.tables,
                work,
                formats or ["csv"],
                mask_secret=secret,
                french_csv=french_csv,
                summary=self.summary(),
            )
            paths.append(outdir.write_summary(work, self.to_dict()))
        return outdir.moved(paths, work, out)

    def to_dict(self) -> dict[str, Any]:
        """The check as plain data (``summary.json``): counts and names, never a number."""
        from .. import __version__

        return {
            "smsaudit": __version__,
            "command": "check",
            "plan": self.kind,
            "profile": self.profile.name,
            "figures": {"blocked": self.blocked, "suppressed": self.suppressed},
            "summary": [{"label": k, "text": v} for k, v in self.summary()],
            "tables": {t: self.count(t) for t in self.tables},
        }


def check(
    plan: str | PathLike[str],
    data: str | PathLike[str] | None = None,
    *,
    profile: str = rules.DEFAULT_PROFILE,
    assume_tz: str = "Europe/Paris",
    territories: str | list[str] | None = None,
    alsace_moselle: bool = False,
    recipients: str | PathLike[str] | None = None,
    input_format: str | PathLike[str] | None = None,
) -> PlanCheck:
    """Judge a planned send list or campaign schedule before sending (see the module)."""
    path = Path(plan)
    if not path.is_file():
        raise InputError("no such file", file=str(plan))
    prof = rules.load_profile(profile)
    columns = plan_columns(path)
    con = db.connect()
    if {"start_at", "messages", "messages_per_minute"} <= set(columns):
        result = PlanCheck(con, "schedule", prof)
        schedule(con, prof, path, columns, assume_tz, territories, alsace_moselle, recipients)
        result.tables.append("schedule_check")
    elif "msisdn" in columns:
        result = PlanCheck(con, "send list", prof)
        _send_list(result, path, columns, assume_tz, territories, alsace_moselle)
    else:
        raise InputError(
            "not a plan: a send list has msisdn, sender_id, send_at; a schedule has "
            "campaign_id, start_at, messages, messages_per_minute",
            file=path.name,
            line=1,
        )
    if data is not None:
        _suppressed(result, data, prof, assume_tz, input_format)
    result.inputs = [path, *([Path(recipients)] if recipients else [])]
    if data is not None:
        result.inputs += [p for p in Path(data).iterdir() if p.is_file()]
    return result


def _send_list(
    result: PlanCheck,
    path: Path,
    columns: dict[str, str],
    assume_tz: str,
    territories: str | list[str] | None,
    alsace_moselle: bool,
) -> None:
    """The plan as the audit's sends, then the audit's own blocked-window query."""
    for required in ("sender_id", "sent_at"):
        if required not in columns:
            shown = "send_at" if required == "sent_at" else required
            raise InputError(
                f"missing required column {shown} for a send list",
                file=path.name,
                line=1,
                column=shown,
            )
    con = result.con

    def col(name: str) -> str:
        return quoted(columns[name])

    picks = [
        f"coalesce(nullif(trim(CAST({col('message_id')} AS VARCHAR)), ''), "
        "'plan-line-' || CAST(row_number() OVER () + 1 AS VARCHAR))"
        if "message_id" in columns
        else "'plan-line-' || CAST(row_number() OVER () + 1 AS VARCHAR)",
    ]
    names = ["message_id", "sent_at", "msisdn", "sender_id"]
    picks += [f"CAST({col(n)} AS VARCHAR)" for n in names[1:]]
    for extra in SEND_COLUMNS[1:]:
        if extra in columns:
            names.append(extra)
            picks.append(f"CAST({col(extra)} AS VARCHAR)")
    select = ", ".join(f"{p} AS {n}" for p, n in zip(picks, names, strict=True))
    with scratch.folder("plan") as tmp:
        staged = Path(tmp) / "sends_plan.csv"
        try:
            con.execute(
                f"COPY (SELECT {select} FROM {reader(path)}) TO {literal(str(staged))} "
                "(HEADER, DELIMITER ',')",
                {"p": str(path)},
            )
        except duckdb.Error as exc:
            raise InputError(
                f"unreadable plan ({str(exc).splitlines()[0]})", file=path.name
            ) from None
        load.load(
            con,
            [load.Source("sends", staged, path.name)],
            assume_tz=assume_tz,
            territories=schema.territories(territories) if territories else None,
        )
    if result.count("sends"):
        rules.classify_sends(con, result.profile, alsace_moselle=alsace_moselle)
        sqlfiles.materialize(con, "message_costs")
        sqlfiles.materialize(con, "blocked_window_messages")
    else:
        con.execute(
            "CREATE OR REPLACE TABLE blocked_window_messages AS SELECT NULL::VARCHAR AS msisdn, "
            "NULL::VARCHAR AS sender_id, NULL::TIMESTAMPTZ AS sent_at, NULL::VARCHAR AS territory,"
            " NULL::VARCHAR AS local_time, NULL::VARCHAR AS reason, NULL::VARCHAR AS severity, "
            "NULL::VARCHAR AS message_id, NULL::VARCHAR AS campaign_id WHERE false"
        )
    sqlfiles.materialize(con, "planned_blocked")
    result.tables += ["planned_blocked", "rejected_rows", "row_accounting"]


def _suppressed(
    result: PlanCheck,
    data: str | PathLike[str],
    profile: rules.Profile,
    assume_tz: str,
    input_format: str | PathLike[str] | None,
) -> None:
    """``planned_suppressed`` from the suppressions the audit of ``data`` finds."""
    from ..pipeline import audit

    evidence = audit(data, profile=profile.name, assume_tz=assume_tz, input_format=input_format)
    known = evidence.con.sql(
        "SELECT msisdn, sender_id, suppressed_at, lifted_at, evidence FROM suppressions"
    ).arrow()
    con = result.con
    con.register("known_suppressions_arrow", known)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE known_suppressions AS SELECT * FROM known_suppressions_arrow"
    )
    con.unregister("known_suppressions_arrow")
    if result.kind == "schedule":
        # The recipients of every campaign, sent at its start, as the sends to check.
        con.execute(
            """CREATE OR REPLACE TABLE sends AS
               SELECT s.campaign_id || ':' || r.msisdn AS message_id, r.msisdn, s.sender_id,
                      s.start_at AS sent_at, s.campaign_id, r.territory
               FROM schedule AS s CROSS JOIN schedule_recipients AS r
               WHERE s.sender_id IS NOT NULL"""
        )
    sqlfiles.materialize(con, "planned_suppressed")
    result.tables.insert(1 if result.kind == "send list" else 0, "planned_suppressed")
