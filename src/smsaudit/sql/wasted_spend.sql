-- wasted_spend: money paid for messages that could not arrive, per
-- (month, aggregator, campaign_id, reason, currency).
--   * blocked-window messages of severity 'violation' (a 'warning' window is tolerated, so
--     its messages are not counted as lost), under their blocked-window reason;
--   * sends after a suppression, as 'after_suppression', unless already counted as blocked:
--     a message is counted once, so the blocked part equals the sum of
--     blocked_window_messages.cost over violations.
-- month = 'YYYY-MM' of sent_at in Europe/Paris. NULL keys (no campaign_id, no aggregator)
-- are kept as their own group. Amounts are never added across currencies; unpriced
-- messages (cost NULL) are counted in unpriced_messages, never as zero.
WITH
blocked AS (
    SELECT message_id, sent_at, aggregator, campaign_id, reason, segments, cost, currency
    FROM blocked_window_messages
    WHERE severity = 'violation'
),
after_suppression AS (
    SELECT
        a.message_id,
        a.sent_at,
        a.aggregator,
        a.campaign_id,
        'after_suppression' AS reason,
        a.segments,
        a.cost,
        a.currency
    FROM sends_after_suppression AS a
    WHERE NOT EXISTS (SELECT 1 FROM blocked AS b WHERE b.message_id = a.message_id)
    -- one row per message even if several suppressions preceded it
    QUALIFY row_number() OVER (PARTITION BY a.message_id ORDER BY a.suppressed_at) = 1
),
wasted AS (
    SELECT * FROM blocked
    UNION ALL
    SELECT * FROM after_suppression
),
-- The Paris month of every UTC hour of the span, converted once per hour rather than once per
-- message (as in message_costs.sql: all instants of a UTC hour share one Paris date since
-- 1970; where the two ends of an hour differ, or before 1970, a message is converted itself).
hours AS (
    SELECT
        utc_hour,
        strftime(timezone('Europe/Paris', make_timestamptz(utc_hour * 3600000000)), '%Y-%m')
            AS first_month,
        strftime(
            timezone('Europe/Paris', make_timestamptz(utc_hour * 3600000000 + 3599999999)),
            '%Y-%m'
        ) AS last_month
    FROM (
        SELECT unnest(range(first_hour, last_hour + 1)) AS utc_hour
        FROM (
            SELECT
                epoch_us(min(sent_at)) // 3600000000 AS first_hour,
                epoch_us(max(sent_at)) // 3600000000 AS last_hour
            FROM (
                SELECT sent_at FROM blocked_window_messages
                UNION ALL
                SELECT sent_at FROM sends_after_suppression
            )
        )
    )
),
dated AS (
    SELECT
        w.*,
        CASE
            WHEN h.first_month = h.last_month AND epoch_us(w.sent_at) >= 0 THEN h.first_month
            ELSE strftime(timezone('Europe/Paris', w.sent_at), '%Y-%m')
        END AS month
    FROM wasted AS w
    LEFT JOIN hours AS h ON h.utc_hour = epoch_us(w.sent_at) // 3600000000
)
SELECT
    month,
    aggregator,
    campaign_id,
    reason,
    count(*) AS messages,
    CAST(sum(segments) AS BIGINT) AS segments,
    CAST(sum(cost) AS DECIMAL(18, 6)) AS cost,
    currency,
    count(*) FILTER (WHERE cost IS NULL) AS unpriced_messages
FROM dated
GROUP BY ALL
ORDER BY month, aggregator NULLS LAST, campaign_id NULLS LAST, reason, currency NULLS LAST
