SELECT
  territory,
  campaign_id,
  local_date,
  (
    WEEKDAY(local_ts) + 1
  ) AS iso_weekday,
  HOUR(local_ts) AS hour,
  blocked,
  COUNT(*) AS messages,
  MIN(local_ts) AS first_local_ts,
  MAX(local_ts) AS last_local_ts
FROM send_windows
WHERE
  category = 'marketing'
GROUP BY
  territory,
  campaign_id,
  local_date,
  (
    WEEKDAY(local_ts) + 1
  ),
  HOUR(local_ts),
  blocked
