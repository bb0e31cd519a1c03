WITH declared AS (
  SELECT
    program_id,
    sender_id,
    short_code_type,
    aggregator,
    source
  FROM (
    SELECT
      program_id,
      sender_id,
      LOWER(REGEXP_REPLACE(short_code_type, '^\\p{Zs}+|\\p{Zs}+\\z', '')) AS short_code_type,
      LOWER(REGEXP_REPLACE(aggregator, '^\\p{Zs}+|\\p{Zs}+\\z', '')) AS aggregator,
      'programs' AS source,
      ROW_NUMBER() OVER (
        PARTITION BY program_id, sender_id
        ORDER BY input_file NULLS LAST, line NULLS LAST
      ) AS _w
    FROM programs
    WHERE
      TRUE
  ) AS _t
  WHERE
    _w = 1
), observed AS (
  SELECT DISTINCT
    s.program_id,
    s.sender_id,
    CAST(NULL AS STRING) AS short_code_type,
    LOWER(REGEXP_REPLACE(s.aggregator, '^\\p{Zs}+|\\p{Zs}+\\z', '')) AS aggregator,
    'sends' AS source
  FROM sends AS s
  WHERE
    NOT EXISTS(
      SELECT
        1
      FROM declared AS d
      WHERE
        d.program_id = s.program_id AND d.sender_id = s.sender_id
    )
), facts AS (
  SELECT
    *
  FROM declared
  UNION ALL
  SELECT
    *
  FROM observed
), routed AS (
  SELECT
    *,
    CASE
      WHEN short_code_type = 'dedicated' AND sender_id RLIKE '^(?:[0-9]+)$'
      THEN 'dedicated'
      WHEN short_code_type = 'dedicated'
      THEN 'unknown'
      WHEN sender_id = '36184'
      THEN 'mgage_shared'
      WHEN sender_id = '36173'
      THEN 'infobip_shared'
      WHEN short_code_type IS DISTINCT FROM 'shared' AND sender_id RLIKE '^(?:[0-9]+)$'
      THEN 'dedicated'
      WHEN aggregator IN ('mgage', 'kaleyra')
      THEN 'mgage_shared'
      WHEN aggregator = 'infobip'
      THEN 'infobip_shared'
      ELSE 'unknown'
    END AS route
  FROM facts
)
SELECT
  program_id,
  sender_id,
  aggregator,
  route,
  CASE route
    WHEN 'mgage_shared'
    THEN 'STOP 36184'
    WHEN 'infobip_shared'
    THEN 'STOP au 36173'
    WHEN 'dedicated'
    THEN 'STOP ' || sender_id
  END AS expected_footer,
  short_code_type,
  source
FROM routed
ORDER BY
  program_id NULLS LAST,
  sender_id NULLS LAST,
  aggregator NULLS LAST
