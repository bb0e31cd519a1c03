-- suppressions: one row per suppressed (msisdn, sender_id) pair, at its earliest known time.
-- Evidence (CONTRACT §3 "Suppression"):
--   * export    - a row of an aggregator's suppression export, at its suppressed_at;
--   * stop_mo   - a STOP MO, attributed to the sender_id of the last MT (any category) sent to
--                 that msisdn at or before received_at; MTs tied at that last instant are all
--                 attributed (nothing tells which one was answered). An MO with no earlier MT
--                 cannot be attributed: it goes to unattributed_stops, not here;
--   * error_061 - a send of blocked_sends (receipt '061' or Infobip's equivalent): its pair
--                 was suppressed at the latest when that message was sent.
-- The earliest evidence gives suppressed_at and evidence; at the same instant export wins
-- over stop_mo over error_061. evidence_source points at the row of origin (file:line, or the
-- message_id of the blocked send).
-- lifted_at: an export's UNBLOCK of the pair (Infobip blocklist events) later than every
-- evidence of it: the pair is no longer suppressed from then on. An UNBLOCK followed by new
-- evidence lifts nothing (the pair is suppressed again).
WITH
exported AS (
    SELECT
        msisdn,
        sender_id,
        suppressed_at,
        'export' AS evidence,
        territory,
        input_file || ':' || line AS evidence_source
    FROM suppression_exports
    WHERE coalesce(action, 'BLOCK') = 'BLOCK'
),
lifts AS (
    SELECT msisdn, sender_id, max(suppressed_at) AS lifted_at
    FROM suppression_exports
    WHERE action = 'UNBLOCK'
    GROUP BY ALL
),
stop_mos AS (
    SELECT msisdn, territory, received_at, input_file, line FROM mo WHERE is_stop
),
-- Only sends to numbers that texted STOP can be the last MT before a STOP: a few per STOP.
stop_sends AS (
    SELECT msisdn, sent_at, sender_id
    FROM sends
    WHERE msisdn IN (SELECT msisdn FROM stop_mos)
),
-- The last MT at or before each STOP, on one timeline per number: sends and STOPs in time
-- order, a send before a STOP of the same instant (sent_at <= received_at), and the latest
-- send so far. A window rather than an ASOF join, which Spark and others lack; a STOP with
-- no earlier MT has none and is left out, as the inner ASOF join left it out.
timeline AS (
    SELECT msisdn, sent_at AS event_at, 0 AS is_stop, sent_at,
        CAST(NULL AS VARCHAR) AS territory, CAST(NULL AS VARCHAR) AS input_file,
        CAST(NULL AS BIGINT) AS line
    FROM stop_sends
    UNION ALL
    SELECT msisdn, received_at, 1, CAST(NULL AS TIMESTAMPTZ), territory, input_file, line
    FROM stop_mos
),
last_mt AS (
    SELECT msisdn, territory, received_at, input_file, line, last_sent_at
    FROM (
        SELECT
            msisdn, territory, event_at AS received_at, input_file, line, is_stop,
            max(sent_at) OVER (
                PARTITION BY msisdn ORDER BY event_at, is_stop ROWS UNBOUNDED PRECEDING
            ) AS last_sent_at
        FROM timeline
    ) AS t
    WHERE is_stop = 1 AND last_sent_at IS NOT NULL
),
stopped AS (
    SELECT DISTINCT
        m.msisdn,
        s.sender_id,
        m.received_at AS suppressed_at,
        'stop_mo' AS evidence,
        m.territory,
        m.input_file || ':' || m.line AS evidence_source
    FROM last_mt AS m
    JOIN stop_sends AS s ON s.msisdn = m.msisdn AND s.sent_at = m.last_sent_at
),
blocked AS (
    SELECT
        msisdn,
        sender_id,
        sent_at AS suppressed_at,
        'error_061' AS evidence,
        territory,
        message_id AS evidence_source
    FROM blocked_sends
),
evidence AS (
    SELECT * FROM exported
    UNION ALL
    SELECT * FROM stopped
    UNION ALL
    SELECT * FROM blocked
),
earliest AS (
    SELECT
        msisdn,
        sender_id,
        suppressed_at,
        evidence,
        territory,
        count(*) OVER pair AS evidence_count,
        list_sort(list_distinct(list(evidence) OVER pair)) AS evidences,
        evidence_source,
        max(suppressed_at) OVER pair AS last_evidence_at
    FROM evidence
    WINDOW pair AS (PARTITION BY msisdn, sender_id)
    QUALIFY row_number() OVER (
        PARTITION BY msisdn, sender_id
        ORDER BY suppressed_at, list_position(['export', 'stop_mo', 'error_061'], evidence),
            evidence_source
    ) = 1
)
SELECT
    e.msisdn,
    e.sender_id,
    e.suppressed_at,
    e.evidence,
    e.territory,
    e.evidence_count,
    e.evidences,
    e.evidence_source,
    CASE WHEN l.lifted_at > e.last_evidence_at THEN l.lifted_at END AS lifted_at
FROM earliest AS e
LEFT JOIN lifts AS l ON l.msisdn = e.msisdn AND l.sender_id = e.sender_id
ORDER BY e.msisdn, e.sender_id
