WITH shared_senders AS (
  SELECT
    program_id,
    sender_id,
    route
  FROM (
    SELECT
      program_id,
      sender_id,
      route,
      ROW_NUMBER() OVER (PARTITION BY program_id ORDER BY sender_id NULLS LAST, route NULLS LAST) AS _w
    FROM program_senders
    WHERE
      route IN ('mgage_shared', 'infobip_shared')
  ) AS _t
  WHERE
    _w = 1
)
SELECT
  c.msisdn,
  c.program_id,
  c.consent_source,
  p.sender_id,
  p.route,
  c.status_date,
  c.evidence_ref,
  c.input_file,
  c.line
FROM latest_consent AS c
JOIN shared_senders AS p
  ON p.program_id = c.program_id
WHERE
  c.status = 'OPTED-IN'
  AND REGEXP_REPLACE(
    UPPER(REGEXP_REPLACE(c.consent_source, '^\\p{Zs}+|\\p{Zs}+\\z', '')),
    '[\\t\\n\\f\\r _-]+',
    '_'
  ) IN ('MO_KEYWORD', 'KEYWORD', 'SMS', 'TEXT_TO_JOIN')
ORDER BY
  c.msisdn NULLS LAST,
  c.program_id NULLS LAST
