WITH grid AS (
  SELECT
    ANY_VALUE(bucket_seconds) IGNORE NULLS * CAST(1000000 AS BIGINT) AS bucket_us
  FROM window_calendar
), keyed AS (
  SELECT
    s.*,
    UNIX_MICROS(s.sent_at) DIV g.bucket_us * 9 + CASE territory
      WHEN 'FR'
      THEN 0
      WHEN 'RE'
      THEN 1
      WHEN 'YT'
      THEN 2
      WHEN 'GP'
      THEN 3
      WHEN 'MQ'
      THEN 4
      WHEN 'GF'
      THEN 5
      WHEN 'BL'
      THEN 6
      WHEN 'MF'
      THEN 7
      WHEN 'PM'
      THEN 8
    END AS slot
  FROM sends AS s
  CROSS JOIN grid AS g
)
SELECT
  s.message_id,
  s.territory,
  s.category,
  s.sent_at,
  TIMESTAMP_MICROS(UNIX_MICROS(s.sent_at) + c.utc_offset_minutes * CAST(60000000 AS BIGINT)) AS local_ts,
  c.local_date,
  c.utc_offset_minutes,
  c.blocked,
  c.reason,
  c.severity,
  c.profile,
  c.utc_offset,
  s.msisdn,
  s.sender_id,
  s.campaign_id,
  s.program_id,
  s.aggregator
FROM keyed AS s
JOIN window_calendar AS c
  ON c.slot = s.slot
