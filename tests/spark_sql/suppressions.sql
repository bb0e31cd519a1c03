WITH exported AS (
  SELECT
    msisdn,
    sender_id,
    suppressed_at,
    'export' AS evidence,
    territory,
    input_file || ':' || line AS evidence_source
  FROM suppression_exports
  WHERE
    COALESCE(action, 'BLOCK') = 'BLOCK'
), lifts AS (
  SELECT
    msisdn,
    sender_id,
    MAX(suppressed_at) AS lifted_at
  FROM suppression_exports
  WHERE
    action = 'UNBLOCK'
  GROUP BY ALL
), stop_mos AS (
  SELECT
    msisdn,
    territory,
    received_at,
    input_file,
    line
  FROM mo
  WHERE
    is_stop
), stop_sends AS (
  SELECT
    msisdn,
    sent_at,
    sender_id
  FROM sends
  WHERE
    msisdn IN (
      SELECT
        msisdn
      FROM stop_mos
    )
), timeline AS (
  SELECT
    msisdn,
    sent_at AS event_at,
    0 AS is_stop,
    sent_at,
    CAST(NULL AS STRING) AS territory,
    CAST(NULL AS STRING) AS input_file,
    CAST(NULL AS BIGINT) AS line
  FROM stop_sends
  UNION ALL
  SELECT
    msisdn,
    received_at,
    1,
    CAST(NULL AS TIMESTAMP),
    territory,
    input_file,
    line
  FROM stop_mos
), last_mt AS (
  SELECT
    msisdn,
    territory,
    received_at,
    input_file,
    line,
    last_sent_at
  FROM (
    SELECT
      msisdn,
      territory,
      event_at AS received_at,
      input_file,
      line,
      is_stop,
      MAX(sent_at) OVER (
        PARTITION BY msisdn
        ORDER BY event_at NULLS LAST, is_stop NULLS LAST
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS last_sent_at
    FROM timeline
  ) AS t
  WHERE
    is_stop = 1 AND NOT last_sent_at IS NULL
), stopped AS (
  SELECT DISTINCT
    m.msisdn,
    s.sender_id,
    m.received_at AS suppressed_at,
    'stop_mo' AS evidence,
    m.territory,
    m.input_file || ':' || m.line AS evidence_source
  FROM last_mt AS m
  JOIN stop_sends AS s
    ON s.msisdn = m.msisdn AND s.sent_at = m.last_sent_at
), blocked AS (
  SELECT
    msisdn,
    sender_id,
    sent_at AS suppressed_at,
    'error_061' AS evidence,
    territory,
    message_id AS evidence_source
  FROM blocked_sends
), evidence AS (
  SELECT
    *
  FROM exported
  UNION ALL
  SELECT
    *
  FROM stopped
  UNION ALL
  SELECT
    *
  FROM blocked
), earliest AS (
  SELECT
    msisdn,
    sender_id,
    suppressed_at,
    evidence,
    territory,
    evidence_count,
    evidences,
    evidence_source,
    last_evidence_at
  FROM (
    SELECT
      msisdn,
      sender_id,
      suppressed_at,
      evidence,
      territory,
      COUNT(*) OVER pair AS evidence_count,
      ARRAY_SORT(ARRAY_DISTINCT(COLLECT_LIST(evidence) OVER pair)) AS evidences,
      evidence_source,
      MAX(suppressed_at) OVER pair AS last_evidence_at,
      ROW_NUMBER() OVER (
        PARTITION BY msisdn, sender_id
        ORDER BY suppressed_at NULLS LAST, NULLIF(ARRAY_POSITION(ARRAY('export', 'stop_mo', 'error_061'), evidence), 0) NULLS LAST, evidence_source NULLS LAST
      ) AS _w
    FROM evidence
    WINDOW pair AS (PARTITION BY msisdn, sender_id)
  ) AS _t
  WHERE
    _w = 1
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
LEFT JOIN lifts AS l
  ON l.msisdn = e.msisdn AND l.sender_id = e.sender_id
ORDER BY
  e.msisdn NULLS LAST,
  e.sender_id NULLS LAST
