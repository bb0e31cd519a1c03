WITH campaign_runs AS (
  SELECT
    campaign_id,
    COUNT(*) AS messages,
    CAST((
      UNIX_MICROS(MAX(sent_at)) - UNIX_MICROS(MIN(sent_at))
    ) AS DOUBLE) / 60000000 AS span_minutes
  FROM sends
  WHERE
    category = 'marketing' AND NOT campaign_id IS NULL
  GROUP BY
    campaign_id
), classed AS (
  SELECT
    CAST(POWER(10, LENGTH(CAST(messages AS STRING)) - 1) AS BIGINT) AS size_min,
    messages,
    CASE WHEN span_minutes > 0 THEN CAST(messages AS DOUBLE) / span_minutes END AS rate
  FROM campaign_runs
), size_classes AS (
  SELECT
    size_min,
    size_min * 10 - 1 AS size_max,
    COUNT(*) AS campaigns,
    COUNT(rate) AS campaigns_timed,
    MEDIAN(messages) AS median_messages,
    MEDIAN(rate) AS messages_per_minute
  FROM classed
  GROUP BY
    size_min
), needs AS (
  SELECT
    *,
    CAST(median_messages AS DOUBLE) / messages_per_minute AS minutes_needed,
    CAST(1200 AS BIGINT) - CAST(FLOOR(CAST(median_messages AS DOUBLE) / messages_per_minute) AS BIGINT) - 1 AS start_minutes
  FROM size_classes
)
SELECT
  size_min || '-' || size_max AS size_class,
  size_min,
  size_max,
  campaigns,
  campaigns_timed,
  CAST(median_messages AS DOUBLE) AS median_messages,
  CAST(ROUND(CAST(messages_per_minute AS DECIMAL(38, 9)), 3) AS DOUBLE) AS messages_per_minute,
  CAST(ROUND(CAST(minutes_needed AS DECIMAL(38, 9)), 1) AS DOUBLE) AS minutes_needed,
  CASE
    WHEN start_minutes >= 0
    THEN LPAD(CAST(start_minutes DIV 60 AS STRING), 2, '0') || ':' || LPAD(CAST(start_minutes % 60 AS STRING), 2, '0')
  END AS latest_safe_start
FROM needs
ORDER BY
  size_min NULLS LAST
