WITH by_day AS (
  SELECT
    billing_date,
    price_source,
    currency,
    NOT cost IS NULL AS priced,
    COUNT(*) AS messages,
    SUM(cost) AS value
  FROM message_costs
  GROUP BY ALL
), priced AS (
  SELECT
    *
  FROM by_day
  WHERE
    priced
), spend_total AS (
  SELECT
    currency,
    SUM(messages) AS messages,
    SUM(value) AS value
  FROM priced
  GROUP BY
    currency
), wasted_priced AS (
  SELECT
    *
  FROM wasted_spend
  WHERE
    NOT cost IS NULL
), wasted_total AS (
  SELECT
    currency,
    SUM(messages - unpriced_messages) AS messages,
    SUM(cost) AS value
  FROM wasted_priced
  GROUP BY
    currency
), wasted_by_currency AS (
  SELECT
    COALESCE(w.currency, s.currency) AS currency,
    COALESCE(w.messages, 0) AS messages,
    COALESCE(w.value, 0) AS wasted,
    s.value AS spend
  FROM spend_total AS s
  FULL JOIN wasted_total AS w
    ON w.currency IS NOT DISTINCT FROM s.currency
), figures AS (
  SELECT
    1 AS sort_key,
    'spend_total' AS metric,
    NULL AS month,
    NULL AS aggregator,
    currency,
    messages,
    value,
    'all priced sends' AS note
  FROM spend_total
  UNION ALL
  SELECT
    2 AS sort_key,
    'spend_by_month' AS metric,
    DATE_FORMAT(billing_date, 'yyyy-MM') AS month,
    NULL AS aggregator,
    currency,
    SUM(messages) AS messages,
    SUM(value) AS value,
    'priced sends by month of sent_at in Europe/Paris' AS note
  FROM priced
  GROUP BY ALL
  UNION ALL
  SELECT
    3 AS sort_key,
    'priced_from_' || price_source AS metric,
    NULL AS month,
    NULL AS aggregator,
    currency,
    SUM(messages) AS messages,
    SUM(value) AS value,
    'price per segment taken from the ' || REPLACE(price_source, '_', ' ') AS note
  FROM priced
  GROUP BY ALL
  UNION ALL
  SELECT
    4 AS sort_key,
    'wasted_total' AS metric,
    NULL AS month,
    NULL AS aggregator,
    currency,
    messages,
    wasted AS value,
    'blocked-window violations and sends after suppression, each message once' AS note
  FROM wasted_by_currency
  UNION ALL
  SELECT
    5 AS sort_key,
    'wasted_by_month' AS metric,
    month,
    NULL AS aggregator,
    currency,
    SUM(messages - unpriced_messages) AS messages,
    SUM(cost) AS value,
    'month of sent_at in Europe/Paris' AS note
  FROM wasted_priced
  GROUP BY ALL
  UNION ALL
  SELECT
    6 AS sort_key,
    'wasted_by_aggregator' AS metric,
    NULL AS month,
    aggregator,
    currency,
    SUM(messages - unpriced_messages) AS messages,
    SUM(cost) AS value,
    NULL AS note
  FROM wasted_priced
  GROUP BY ALL
  UNION ALL
  SELECT
    7 AS sort_key,
    'wasted_share' AS metric,
    NULL AS month,
    NULL AS aggregator,
    currency,
    messages,
    CAST(wasted AS DOUBLE) / NULLIF(spend, 0) AS value,
    'wasted_total / spend_total in the same currency' AS note
  FROM wasted_by_currency
  UNION ALL
  SELECT
    8 AS sort_key,
    'unpriced_messages' AS metric,
    NULL AS month,
    NULL AS aggregator,
    NULL AS currency,
    COALESCE(SUM(messages), 0) AS messages,
    NULL AS value,
    'sends with no receipt, rate-card or send price: cost unknown, in no amount' AS note
  FROM by_day
  WHERE
    NOT priced
  UNION ALL
  SELECT
    9 AS sort_key,
    'wasted_unpriced_messages' AS metric,
    NULL AS month,
    NULL AS aggregator,
    NULL AS currency,
    COALESCE(SUM(unpriced_messages), 0) AS messages,
    NULL AS value,
    'wasted messages with unknown cost: wasted amounts are a lower bound' AS note
  FROM wasted_spend
)
SELECT
  CAST(metric AS STRING) AS metric,
  CAST(month AS STRING) AS month,
  CAST(aggregator AS STRING) AS aggregator,
  CAST(currency AS STRING) AS currency,
  CAST(messages AS BIGINT) AS messages,
  CAST(value AS DECIMAL(18, 6)) AS value,
  CAST(note AS STRING) AS note
FROM figures
ORDER BY
  sort_key NULLS LAST,
  month,
  aggregator NULLS LAST,
  currency NULLS LAST,
  metric NULLS LAST
