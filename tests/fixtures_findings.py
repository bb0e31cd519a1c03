"""A small, hand-written audit result: the tables the pipeline leaves in the connection.

Values are realistic (fr-acoustic profile, mGage and Infobip shared short codes, a Réunion
recipient, 8 May as a public holiday) but written by hand, so that chart, export and report
tests do not depend on the loaders or audits being finished.
"""

from __future__ import annotations

import duckdb

from smsaudit import pipeline, schema, sqlfiles

# (message_id, sent_at UTC, msisdn, territory, tz, sender_id, program_id, campaign_id,
#  aggregator, category, body, segments, price)
SENDS = [
    ("m01", "2026-05-04 07:30:00", "+33612345678", "FR", "Europe/Paris", "36184", "P1",
     "SPRING", "mgage", "marketing", "Soldes -20% STOP 36184", 1, "0.045"),
    ("m02", "2026-05-04 17:55:00", "+33612345678", "FR", "Europe/Paris", "36184", "P1",
     "LATE1", "mgage", "marketing", "Vente flash STOP 36184", 1, "0.045"),
    ("m03", "2026-05-04 18:05:00", "+33698765432", "FR", "Europe/Paris", "36184", "P1",
     "LATE1", "mgage", "marketing", "Vente flash STOP 36184", 1, "0.045"),
    ("m04", "2026-05-04 18:20:00", "+33611111111", "FR", "Europe/Paris", "36184", "P1",
     "LATE1", "mgage", "marketing", "Vente flash", 2, "0.045"),
    ("m05", "2026-05-08 09:00:00", "+33698765432", "FR", "Europe/Paris", "36184", "P1",
     "VE8", "mgage", "marketing", "8 mai <b>offre</b> STOP 36184", 1, "0.045"),
    ("m06", "2026-05-09 15:00:00", "+33612345678", "FR", "Europe/Paris", "36173", "P2",
     "LATE2", "infobip", "marketing", "Samedi STOP au 36173", 1, "0.050"),
    ("m07", "2026-05-09 16:30:00", "+33698765432", "FR", "Europe/Paris", "36173", "P2",
     "LATE2", "infobip", "marketing", "Samedi STOP au 36173", 1, "0.050"),
    ("m08", "2026-05-10 10:00:00", "+262692123456", "RE", "Indian/Reunion", "36173", "P2",
     "SUNDAY", "infobip", "marketing", "Dimanche STOP au 36173", 1, "0.050"),
    ("m09", "2026-06-02 12:00:00", "+33612345678", "FR", "Europe/Paris", "INFO", None,
     None, "infobip", "transactional", "Votre code: 1234", 1, "0.050"),
    ("m10", "2026-06-03 19:30:00", "+33612345678", "FR", "Europe/Paris", "36173", "P2",
     "JUNE", "infobip", "marketing", "Juin STOP au 36173", 1, "0.050"),
    ("m11", "2026-06-03 10:00:00", "+33698765432", "FR", "Europe/Paris", "36173", "P2",
     "JUNE", "infobip", "marketing", "Juin STOP au 36173", 1, "0.050"),
    ("m12", "2026-06-05 08:00:00", "+33611111111", "FR", "Europe/Paris", "36184", "P1",
     "JUNE", "mgage", "marketing", "Juin STOP 36184", 1, "0.045"),
]  # fmt: skip

# message_id -> (local_ts, utc_offset_minutes, blocked, reason)
WINDOWS = {
    "m01": ("2026-05-04 09:30:00", 120, False, None),
    "m02": ("2026-05-04 19:55:00", 120, False, None),
    "m03": ("2026-05-04 20:05:00", 120, True, "weekday_outside_hours"),
    "m04": ("2026-05-04 20:20:00", 120, True, "weekday_outside_hours"),
    "m05": ("2026-05-08 11:00:00", 120, True, "public_holiday"),
    "m06": ("2026-05-09 17:00:00", 120, False, None),
    "m07": ("2026-05-09 18:30:00", 120, True, "saturday_outside_hours"),
    "m08": ("2026-05-10 14:00:00", 240, True, "sunday"),
    "m09": ("2026-06-02 14:00:00", 120, False, None),
    "m10": ("2026-06-03 21:30:00", 120, True, "weekday_outside_hours"),
    "m11": ("2026-06-03 12:00:00", 120, False, None),
    "m12": ("2026-06-05 10:00:00", 120, False, None),
}

MSISDNS = ("+33612345678", "+33698765432", "+33611111111", "+262692123456")

_STATEMENTS = [
    """
    CREATE OR REPLACE TABLE send_windows AS
    SELECT w.message_id, s.territory, s.category, w.local_ts::TIMESTAMP AS local_ts,
           CAST(w.local_ts::TIMESTAMP AS DATE) AS local_date, w.utc_offset_minutes,
           w.blocked, w.reason,
           CASE WHEN w.blocked THEN 'violation' END AS severity,
           strftime(w.local_ts::TIMESTAMP, '%Y-%m-%dT%H:%M:%S')
             || CASE WHEN w.utc_offset_minutes = 240 THEN '+04:00' ELSE '+02:00' END
             AS local_time,
           s.campaign_id
    FROM _windows AS w JOIN sends AS s USING (message_id)
    """,
    """
    CREATE OR REPLACE TABLE holiday_calendar AS
    SELECT * FROM (VALUES
        ('FR', DATE '2026-05-01', 'Fête du Travail'),
        ('FR', DATE '2026-05-08', 'Victoire 1945'),
        ('FR', DATE '2026-05-14', 'Ascension'),
        ('FR', DATE '2026-05-25', 'Lundi de Pentecôte'),
        ('RE', DATE '2026-05-08', 'Victoire 1945'),
        ('RE', DATE '2026-12-20', 'Abolition de l''esclavage'),
        ('GP', DATE '2026-05-27', 'Abolition de l''esclavage')
    ) AS t(territory, day, name)
    """,
    """
    CREATE OR REPLACE TABLE message_costs AS
    SELECT message_id, coalesce(segments, 1) AS segments, 'send' AS segments_source,
           price, 'send' AS price_source,
           CAST(coalesce(segments, 1) * price AS DECIMAL(18,6)) AS cost, currency
    FROM sends
    """,
    """
    CREATE OR REPLACE TABLE blocked_window_messages AS
    SELECT s.message_id, s.msisdn, s.sender_id, s.campaign_id, s.territory, w.local_time,
           w.reason, w.severity, c.segments, c.cost, c.currency, s.program_id, s.aggregator,
           s.sent_at, w.local_date, 'fr-acoustic' AS profile
    FROM sends AS s JOIN send_windows AS w USING (message_id)
    JOIN message_costs AS c USING (message_id)
    WHERE w.blocked AND s.category = 'marketing'
    ORDER BY s.sent_at
    """,
    """
    CREATE OR REPLACE TABLE late_campaigns AS
    SELECT s.campaign_id, min(s.sent_at) AS first_sent_at, max(s.sent_at) AS last_sent_at,
           count(*) AS messages, count(*) FILTER (WHERE w.blocked) AS messages_blocked,
           CAST(coalesce(sum(c.cost) FILTER (WHERE w.blocked), 0) AS DECIMAL(18,6))
             AS cost_blocked,
           any_value(c.currency) AS currency
    FROM sends AS s JOIN send_windows AS w USING (message_id)
    JOIN message_costs AS c USING (message_id)
    WHERE s.category = 'marketing'
    GROUP BY s.campaign_id
    HAVING bool_or(w.blocked) AND bool_or(NOT w.blocked)
    ORDER BY s.campaign_id
    """,
    """
    CREATE OR REPLACE TABLE suppressions AS
    SELECT * FROM (VALUES
        ('+33611111111', '36184', TIMESTAMPTZ '2026-05-20 09:00:00+00', 'export', 'FR', 1),
        ('+33698765432', '36173', TIMESTAMPTZ '2026-05-12 08:00:00+00', 'stop_mo', 'FR', 1),
        ('+262692123456', '36173', TIMESTAMPTZ '2026-05-11 06:00:00+00', 'error_061', 'RE', 2)
    ) AS t(msisdn, sender_id, suppressed_at, evidence, territory, evidence_count)
    """,
    """
    CREATE OR REPLACE TABLE sends_after_suppression AS
    SELECT s.message_id, s.msisdn, s.sender_id, s.sent_at, p.suppressed_at, c.cost,
           c.currency, s.program_id, s.campaign_id, s.aggregator, p.evidence, c.segments
    FROM sends AS s JOIN suppressions AS p USING (msisdn, sender_id)
    JOIN message_costs AS c USING (message_id)
    WHERE s.sent_at > p.suppressed_at
    ORDER BY s.sent_at
    """,
    """
    CREATE OR REPLACE TABLE wasted_spend AS
    SELECT strftime(sent_at, '%Y-%m') AS month, aggregator, campaign_id, reason,
           count(*) AS messages, sum(segments) AS segments,
           CAST(sum(cost) AS DECIMAL(18,6)) AS cost, currency
    FROM (
        SELECT sent_at, aggregator, campaign_id, reason, segments, cost, currency
        FROM blocked_window_messages
        UNION ALL
        SELECT a.sent_at, a.aggregator, a.campaign_id, 'sent_after_suppression',
               a.segments, a.cost, a.currency
        FROM sends_after_suppression AS a
    )
    GROUP BY ALL ORDER BY ALL
    """,
    """
    CREATE OR REPLACE TABLE suppressed_not_opted_out AS
    SELECT * FROM (VALUES
        ('+33611111111', 'P1', '36184', TIMESTAMPTZ '2026-05-20 09:00:00+00', 'OPTED-IN',
         TIMESTAMPTZ '2026-01-15 10:00:00+00', 'never_opted_out'),
        ('+33698765432', 'P2', '36173', TIMESTAMPTZ '2026-05-12 08:00:00+00', 'OPTED-IN',
         TIMESTAMPTZ '2026-05-30 10:00:00+00', 'rejoin_without_evidence')
    ) AS t(msisdn, program_id, sender_id, suppressed_at, consent_status, status_date, finding)
    """,
    """
    CREATE OR REPLACE TABLE consent_updates AS
    SELECT msisdn, program_id, 'OPTED-OUT' AS status, suppressed_at AS status_date
    FROM suppressed_not_opted_out ORDER BY msisdn
    """,
    """
    CREATE OR REPLACE TABLE missing_stop_footer AS
    SELECT message_id, sender_id, 'STOP 36184' AS expected, body
    FROM sends WHERE message_id = 'm04'
    """,
    """
    CREATE OR REPLACE TABLE invalid_consent_source AS
    SELECT '+33612345678' AS msisdn, 'P2' AS program_id, 'MO_KEYWORD' AS consent_source
    """,
    """
    CREATE OR REPLACE TABLE profile_comparison AS
    SELECT * FROM (VALUES
        ('fr-acoustic', 'weekday_outside_hours', 'violation', 3),
        ('fr-acoustic', 'saturday_outside_hours', 'violation', 1),
        ('fr-acoustic', 'sunday', 'violation', 1),
        ('fr-acoustic', 'public_holiday', 'violation', 1),
        ('fr-af2m-2024', 'sunday', 'violation', 1),
        ('fr-af2m-2024', 'public_holiday', 'violation', 1),
        ('fr-af2m-2026', 'sunday', 'warning', 1),
        ('fr-af2m-2026', 'public_holiday', 'warning', 1)
    ) AS t(profile, reason, severity, messages)
    """,
    """
    INSERT INTO rejected_rows VALUES
        ('sends_may.csv', 14, 'msisdn', '+4412', 'invalid phone number', 'invalid_phone_number'),
        ('sends_may.csv', 15, 'msisdn', '+33 6 12 34', 'invalid phone number',
         'invalid_phone_number'),
        ('sends_may.csv', 19, 'sent_at', '2026-13-01 10:00', 'unreadable timestamp',
         'unreadable_timestamp'),
        ('receipts.json', 3, 'to', '+336999', 'invalid phone number', 'invalid_phone_number'),
        ('consent.csv', 7, 'status', 'MAYBE', 'unknown consent status', 'unknown_consent_status')
    """,
    """
    INSERT INTO row_accounting VALUES
        ('sends_may.csv', 'sends', 14, 11, 3, 0),
        ('receipts.json', 'receipts', 9, 8, 1, 0),
        ('consent.csv', 'consent', 6, 5, 1, 0)
    """,
    """
    CREATE OR REPLACE TABLE finance_summary AS
    SELECT * FROM (VALUES
        ('blocked_window', 6, 7, CAST(0.335 AS DECIMAL(18,6)), 'EUR'),
        ('sent_after_suppression', 1, 1, CAST(0.045 AS DECIMAL(18,6)), 'EUR')
    ) AS t(category, messages, segments, cost, currency)
    """,
]

FINDING_TABLES = pipeline.FINDING_TABLES  # CONTRACT §4, in reading order

ALL_TABLES = (
    *FINDING_TABLES,
    "sends",
    "send_windows",
    "holiday_calendar",
    "profile_comparison",
    "message_costs",
    "finance_summary",
)


def populate(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table the outputs read, filled with the small audit above."""
    schema.create_all_empty(con)
    con.execute(schema.ddl("rejected_rows", schema.REJECTED_ROWS))
    con.execute(schema.ddl("row_accounting", schema.ROW_ACCOUNTING))
    con.executemany(
        "INSERT INTO sends VALUES (?, CAST(? || '+00' AS TIMESTAMPTZ), "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'EUR', NULL, 'sends_may.csv', ?)",
        [(*row, line) for line, row in enumerate(SENDS, start=2)],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _windows "
        "(message_id VARCHAR, local_ts VARCHAR, utc_offset_minutes INTEGER, "
        "blocked BOOLEAN, reason VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _windows VALUES (?, ?, ?, ?, ?)",
        [(mid, *values) for mid, values in WINDOWS.items()],
    )
    for statement in _STATEMENTS:
        con.execute(statement)
    con.execute("DROP TABLE _windows")
    sqlfiles.define_view(con, "traffic_cells")  # the charts' cells of send_windows


def empty(con: duckdb.DuckDBPyConnection) -> None:
    """The same tables with the same columns, all without rows."""
    populate(con)
    for table in ALL_TABLES:
        con.execute(f"DELETE FROM {table}")
