WITH routed AS (
  SELECT
    s.message_id,
    s.msisdn,
    s.sender_id,
    s.program_id,
    s.campaign_id,
    s.aggregator,
    s.sent_at,
    s.body,
    r.route,
    r.expected_footer AS expected,
    s.input_file,
    s.line
  FROM sends AS s
  JOIN sender_routes AS r
    ON r.program_id IS NOT DISTINCT FROM s.program_id
    AND r.sender_id = s.sender_id
    AND (
      r.source = 'programs'
      OR r.aggregator IS NOT DISTINCT FROM LOWER(REGEXP_REPLACE(s.aggregator, '^\\p{Zs}+|\\p{Zs}+\\z', ''))
    )
  WHERE
    s.category = 'marketing'
), folded AS (
  SELECT
    body,
    expected,
    TRIM(TRAILING ' ' FROM LOWER(REGEXP_REPLACE(body, '[\\t\\n\\f\\r \\x{00A0}\\x{2007}\\x{202F}]+', ' '))) AS folded
  FROM (
    SELECT DISTINCT
      body,
      expected
    FROM routed
    WHERE
      NOT body IS NULL
  )
), checked AS (
  SELECT
    body,
    expected,
    CASE
      WHEN folded = ''
      THEN 'no_body'
      WHEN expected IS NULL
      THEN 'unknown_route'
      WHEN ENDSWITH(folded, LOWER(expected))
      AND NOT LEFT(folded, LENGTH(folded) - LENGTH(expected)) RLIKE '[\\pL\\pN]$'
      THEN 'ok'
      ELSE 'missing'
    END AS outcome,
    RIGHT(REGEXP_REPLACE(body, '\\p{Zs}+\\z', ''), 40) AS body_end
  FROM folded
)
SELECT
  r.message_id,
  r.sender_id,
  r.expected,
  CASE WHEN r.body IS NULL THEN 'no_body' ELSE c.outcome END AS outcome,
  c.body_end,
  r.program_id,
  r.campaign_id,
  r.aggregator,
  r.sent_at,
  r.msisdn,
  r.route,
  r.input_file,
  r.line
FROM routed AS r
LEFT JOIN checked AS c
  ON c.body = r.body AND c.expected IS NOT DISTINCT FROM r.expected
