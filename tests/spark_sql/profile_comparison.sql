WITH traffic AS (
  SELECT
    UNIX_MICROS(sent_at) DIV CAST(900000000 AS BIGINT) * 9 + CASE territory
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
    END AS slot,
    COUNT(*) AS messages
  FROM sends
  WHERE
    category = 'marketing'
    AND sent_at BETWEEN CAST('2026-05-01 00:00:00' AS TIMESTAMP) AND CAST('2026-05-31 21:59:59.123456' AS TIMESTAMP)
  GROUP BY
    slot
)
SELECT
  c.profile,
  c.reason,
  c.severity,
  CAST(SUM(t.messages) AS BIGINT) AS messages
FROM traffic AS t
JOIN profile_calendars AS c
  ON c.slot = t.slot
GROUP BY
  c.profile,
  c.reason,
  c.severity
ORDER BY
  profile NULLS LAST,
  NULLIF(
    ARRAY_POSITION(
      ARRAY('public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'),
      reason
    ),
    0
  ),
  severity NULLS LAST
