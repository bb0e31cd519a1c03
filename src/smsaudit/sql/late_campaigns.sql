-- late_campaigns: campaigns whose marketing sends include both allowed and blocked
-- messages, typically a send started too late that ran past the window's close (CONTRACT
-- §3). Amounts are never added across currencies: when blocked messages were billed in
-- several currencies, cost_blocked is NULL and currency lists them. Blocked messages without
-- a price are counted in messages_blocked_unpriced, never as zero.
WITH
marketing AS (
    SELECT s.campaign_id, s.sent_at, w.blocked, w.reason, w.local_time, w.profile, mc.cost,
        mc.currency
    FROM send_windows AS w
    JOIN sends AS s ON s.message_id = w.message_id
    LEFT JOIN message_costs AS mc ON mc.message_id = w.message_id
    WHERE w.category = 'marketing' AND s.campaign_id IS NOT NULL
),
per_campaign AS (
    SELECT
        campaign_id,
        min(sent_at) AS first_sent_at,
        max(sent_at) AS last_sent_at,
        count(*) AS messages,
        count(*) FILTER (WHERE blocked) AS messages_blocked,
        sum(cost) FILTER (WHERE blocked) AS cost_sum,
        count(DISTINCT currency) FILTER (WHERE blocked AND cost IS NOT NULL) AS currencies,
        string_agg(DISTINCT currency, ',' ORDER BY currency)
            FILTER (WHERE blocked AND cost IS NOT NULL) AS currency,
        count(*) FILTER (WHERE blocked AND cost IS NULL) AS messages_blocked_unpriced,
        min(sent_at) FILTER (WHERE blocked) AS first_blocked_at,
        arg_min(local_time, sent_at) FILTER (WHERE blocked) AS first_blocked_local_time,
        list(DISTINCT reason) FILTER (WHERE blocked) AS reason_list,
        any_value(profile) AS profile
    FROM marketing
    GROUP BY campaign_id
)
SELECT
    campaign_id,
    first_sent_at,
    last_sent_at,
    messages,
    messages_blocked,
    CASE WHEN currencies = 1 THEN cost_sum END AS cost_blocked,
    currency,
    first_blocked_at,
    -- in CONTRACT §3 precedence order
    array_to_string(
        list_filter(
            ['public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'],
            lambda r: list_contains(reason_list, r)
        ),
        ','
    ) AS reasons,
    messages_blocked_unpriced,
    first_blocked_local_time,
    profile
FROM per_campaign
WHERE messages_blocked > 0 AND messages_blocked < messages
ORDER BY first_blocked_at, campaign_id
