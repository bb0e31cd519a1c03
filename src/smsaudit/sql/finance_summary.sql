-- finance_summary: the finance view, one tidy row per figure.
--   metric    what the row measures (see below)
--   month     'YYYY-MM' in Europe/Paris for the *_by_month metrics, else NULL
--   aggregator for wasted_by_aggregator, else NULL
--   currency  money is never added across currencies: every amount is per currency
--   messages  messages behind the figure (for counts, the figure itself)
--   value     money in `currency`; for wasted_share a ratio in [0, 1]; NULL for pure counts
-- Metrics: spend_total, spend_by_month, priced_from_receipt, priced_from_rate_card,
-- priced_from_send, wasted_total, wasted_by_month, wasted_by_aggregator, wasted_share,
-- unpriced_messages, wasted_unpriced_messages. Unpriced messages are in no amount.
-- message_costs has a row per send: it is read once, counted per (billing day, price source,
-- currency, priced or not), and every figure below adds up those few thousand rows.
WITH
by_day AS (
    SELECT
        billing_date,
        price_source,
        currency,
        cost IS NOT NULL AS priced,
        count(*) AS messages,
        sum(cost) AS value
    FROM message_costs
    GROUP BY ALL
),
priced AS (
    SELECT * FROM by_day WHERE priced
),
spend_total AS (
    SELECT currency, sum(messages) AS messages, sum(value) AS value FROM priced GROUP BY currency
),
wasted_priced AS (
    SELECT * FROM wasted_spend WHERE cost IS NOT NULL
),
wasted_total AS (
    SELECT currency, sum(messages - unpriced_messages) AS messages, sum(cost) AS value
    FROM wasted_priced
    GROUP BY currency
),
-- every currency with spend gets a wasted figure: no wasted message is a true zero
wasted_by_currency AS (
    SELECT
        coalesce(w.currency, s.currency) AS currency,
        coalesce(w.messages, 0) AS messages,
        coalesce(w.value, 0) AS wasted,
        s.value AS spend
    FROM spend_total AS s
    FULL JOIN wasted_total AS w ON w.currency IS NOT DISTINCT FROM s.currency
),
figures AS (
    SELECT 1 AS sort_key, 'spend_total' AS metric, NULL AS month, NULL AS aggregator,
        currency, messages, value, 'all priced sends' AS note
    FROM spend_total
    UNION ALL
    SELECT 2 AS sort_key, 'spend_by_month' AS metric, strftime(billing_date, '%Y-%m') AS month,
        NULL AS aggregator, currency, sum(messages) AS messages, sum(value) AS value,
        'priced sends by month of sent_at in Europe/Paris' AS note
    FROM priced
    GROUP BY ALL
    UNION ALL
    SELECT 3 AS sort_key, 'priced_from_' || price_source AS metric, NULL AS month,
        NULL AS aggregator, currency, sum(messages) AS messages, sum(value) AS value,
        'price per segment taken from the ' || replace(price_source, '_', ' ') AS note
    FROM priced
    GROUP BY ALL
    UNION ALL
    SELECT 4 AS sort_key, 'wasted_total' AS metric, NULL AS month, NULL AS aggregator,
        currency, messages, wasted AS value,
        'blocked-window violations and sends after suppression, each message once' AS note
    FROM wasted_by_currency
    UNION ALL
    SELECT 5 AS sort_key, 'wasted_by_month' AS metric, month, NULL AS aggregator, currency,
        sum(messages - unpriced_messages) AS messages, sum(cost) AS value,
        'month of sent_at in Europe/Paris' AS note
    FROM wasted_priced
    GROUP BY ALL
    UNION ALL
    SELECT 6 AS sort_key, 'wasted_by_aggregator' AS metric, NULL AS month, aggregator,
        currency, sum(messages - unpriced_messages) AS messages, sum(cost) AS value,
        NULL AS note
    FROM wasted_priced
    GROUP BY ALL
    UNION ALL
    SELECT 7 AS sort_key, 'wasted_share' AS metric, NULL AS month, NULL AS aggregator,
        currency, messages, wasted / nullif(spend, 0) AS value,
        'wasted_total / spend_total in the same currency' AS note
    FROM wasted_by_currency
    UNION ALL
    SELECT 8 AS sort_key, 'unpriced_messages' AS metric, NULL AS month, NULL AS aggregator,
        NULL AS currency, coalesce(sum(messages), 0) AS messages, NULL AS value,
        'sends with no receipt, rate-card or send price: cost unknown, in no amount' AS note
    FROM by_day
    WHERE NOT priced
    UNION ALL
    SELECT 9 AS sort_key, 'wasted_unpriced_messages' AS metric, NULL AS month,
        NULL AS aggregator, NULL AS currency, coalesce(sum(unpriced_messages), 0) AS messages,
        NULL AS value, 'wasted messages with unknown cost: wasted amounts are a lower bound'
            AS note
    FROM wasted_spend
)
SELECT
    CAST(metric AS VARCHAR) AS metric,
    CAST(month AS VARCHAR) AS month,
    CAST(aggregator AS VARCHAR) AS aggregator,
    CAST(currency AS VARCHAR) AS currency,
    CAST(messages AS BIGINT) AS messages,
    CAST(value AS DECIMAL(18, 6)) AS value,
    CAST(note AS VARCHAR) AS note
FROM figures
ORDER BY sort_key, month NULLS FIRST, aggregator NULLS LAST, currency NULLS LAST, metric
