-- late_campaigns: campaigns whose marketing sends include both allowed and blocked
-- messages, typically a send started too late that ran past the window's close (CONTRACT
-- §3). Amounts are never added across currencies: when blocked messages were billed in
-- several currencies, cost_blocked is NULL and currency lists them. Blocked messages without
-- a price are counted in messages_blocked_unpriced, never as zero.
-- The blocked side is aggregated from blocked_window_messages (which already carries each
-- blocked message's campaign, cost and local time) and the totals from `sends`: two
-- aggregations joined per campaign, instead of joining every send to its verdict and cost.
WITH
all_sends AS (
    SELECT
        campaign_id,
        min(sent_at) AS first_sent_at,
        max(sent_at) AS last_sent_at,
        count(*) AS messages
    FROM sends
    WHERE category = 'marketing' AND campaign_id IS NOT NULL
    GROUP BY campaign_id
),
blocked AS (
    SELECT
        campaign_id,
        count(*) AS messages_blocked,
        sum(cost) AS cost_sum,
        count(DISTINCT currency) FILTER (WHERE cost IS NOT NULL) AS currencies,
        -- the currencies of the priced messages, sorted, comma-separated; NULL when there is
        -- none (as string_agg gives; an ordered string_agg has no portable form on Spark)
        CASE WHEN count(currency) FILTER (WHERE cost IS NOT NULL) > 0 THEN array_to_string(
            list_sort(list(DISTINCT currency) FILTER (WHERE cost IS NOT NULL AND currency IS NOT NULL)),
            ','
        ) END AS currency,
        count(*) FILTER (WHERE cost IS NULL) AS messages_blocked_unpriced,
        min(sent_at) AS first_blocked_at,
        -- messages sent at the same instant to several territories: the earliest local
        -- time string, not whichever a thread met first
        arg_min(local_time, {'at': sent_at, 'local': local_time}) AS first_blocked_local_time,
        list(DISTINCT reason) AS reason_list,
        any_value(profile) AS profile
    FROM blocked_window_messages
    WHERE campaign_id IS NOT NULL
    GROUP BY campaign_id
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
    -- in CONTRACT §3 precedence order
    array_to_string(
        list_filter(
            ['public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'],
            lambda r: list_contains(b.reason_list, r)
        ),
        ','
    ) AS reasons,
    b.messages_blocked_unpriced,
    b.first_blocked_local_time,
    b.profile
FROM all_sends AS a
JOIN blocked AS b ON b.campaign_id = a.campaign_id
WHERE b.messages_blocked < a.messages
ORDER BY b.first_blocked_at, a.campaign_id
