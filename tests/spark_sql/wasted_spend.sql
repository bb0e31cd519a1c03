WITH blocked AS (
  SELECT
    message_id,
    sent_at,
    aggregator,
    campaign_id,
    reason,
    segments,
    cost,
    currency
  FROM blocked_window_messages
  WHERE
    severity = 'violation'
), after_suppression AS (
  SELECT
    message_id,
    sent_at,
    aggregator,
    campaign_id,
    reason,
    segments,
    cost,
    currency
  FROM (
    SELECT
      a.message_id,
      a.sent_at,
      a.aggregator,
      a.campaign_id,
      'after_suppression' AS reason,
      a.segments,
      a.cost,
      a.currency,
      ROW_NUMBER() OVER (PARTITION BY a.message_id ORDER BY a.suppressed_at NULLS LAST) AS _w
    FROM sends_after_suppression AS a
    WHERE
      NOT EXISTS(
        SELECT
          1
        FROM blocked AS b
        WHERE
          b.message_id = a.message_id
      )
  ) AS _t
  WHERE
    _w = 1
), wasted AS (
  SELECT
    *
  FROM blocked
  UNION ALL
  SELECT
    *
  FROM after_suppression
), hours AS (
  SELECT
    utc_hour,
    DATE_FORMAT(
      FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(utc_hour * 3600000000), 'Europe/Paris'),
      'yyyy-MM'
    ) AS first_month,
    DATE_FORMAT(
      FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(utc_hour * 3600000000 + 3599999999), 'Europe/Paris'),
      'yyyy-MM'
    ) AS last_month
  FROM (
    SELECT
      EXPLODE(
        IF(
          first_hour > (
            last_hour + 1 - 1
          ),
          ARRAY(),
          SEQUENCE(first_hour, (
            last_hour + 1 - 1
          ))
        )
      ) AS utc_hour
    FROM (
      SELECT
        UNIX_MICROS(MIN(sent_at)) DIV 3600000000 AS first_hour,
        UNIX_MICROS(MAX(sent_at)) DIV 3600000000 AS last_hour
      FROM (
        SELECT
          sent_at
        FROM blocked_window_messages
        UNION ALL
        SELECT
          sent_at
        FROM sends_after_suppression
      )
    )
  )
), dated AS (
  SELECT
    w.*,
    CASE
      WHEN h.first_month = h.last_month AND UNIX_MICROS(w.sent_at) >= 0
      THEN h.first_month
      ELSE DATE_FORMAT(FROM_UTC_TIMESTAMP(w.sent_at, 'Europe/Paris'), 'yyyy-MM')
    END AS month
  FROM wasted AS w
  LEFT JOIN hours AS h
    ON h.utc_hour = UNIX_MICROS(w.sent_at) DIV 3600000000
)
SELECT
  month,
  aggregator,
  campaign_id,
  reason,
  COUNT(*) AS messages,
  CAST(SUM(segments) AS BIGINT) AS segments,
  CAST(SUM(cost) AS DECIMAL(18, 6)) AS cost,
  currency,
  COUNT(*) FILTER(WHERE
    cost IS NULL) AS unpriced_messages
FROM dated
GROUP BY ALL
ORDER BY
  month NULLS LAST,
  aggregator NULLS LAST,
  campaign_id NULLS LAST,
  reason NULLS LAST,
  currency NULLS LAST
