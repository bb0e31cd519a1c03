WITH all_sends AS (
  SELECT
    campaign_id,
    MIN(sent_at) AS first_sent_at,
    MAX(sent_at) AS last_sent_at,
    COUNT(*) AS messages
  FROM sends
  WHERE
    category = 'marketing' AND NOT campaign_id IS NULL
  GROUP BY
    campaign_id
), blocked AS (
  SELECT
    campaign_id,
    COUNT(*) AS messages_blocked,
    SUM(cost) AS cost_sum,
    COUNT(DISTINCT currency) FILTER(WHERE
      NOT cost IS NULL) AS currencies,
    CASE
      WHEN COUNT(currency) FILTER(WHERE
        NOT cost IS NULL) > 0
      THEN ARRAY_JOIN(
        ARRAY_SORT(
          COLLECT_LIST(DISTINCT currency) FILTER(WHERE
            NOT cost IS NULL AND NOT currency IS NULL)
        ),
        ','
      )
    END AS currency,
    COUNT(*) FILTER(WHERE
      cost IS NULL) AS messages_blocked_unpriced,
    MIN(sent_at) AS first_blocked_at,
    MIN_BY(local_time, STRUCT(sent_at AS at, local_time AS local)) AS first_blocked_local_time,
    COLLECT_LIST(DISTINCT reason) AS reason_list,
    ANY_VALUE(profile) IGNORE NULLS AS profile
  FROM blocked_window_messages
  WHERE
    NOT campaign_id IS NULL
  GROUP BY
    campaign_id
)
SELECT
  a.campaign_id,
  a.first_sent_at,
  a.last_sent_at,
  a.messages,
  b.messages_blocked,
  CASE WHEN b.currencies = 1 THEN b.cost_sum END AS cost_blocked,
  b.currency,
  b.first_blocked_at,
  ARRAY_JOIN(
    FILTER(
      ARRAY('public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'),
      r -> ARRAY_CONTAINS(b.reason_list, r)
    ),
    ','
  ) AS reasons,
  b.messages_blocked_unpriced,
  b.first_blocked_local_time,
  b.profile
FROM all_sends AS a
JOIN blocked AS b
  ON b.campaign_id = a.campaign_id
WHERE
  b.messages_blocked < a.messages
ORDER BY
  b.first_blocked_at NULLS LAST,
  a.campaign_id NULLS LAST
