-- latest_safe_start: for each campaign size class, the latest local start time that still
-- lets a campaign of the class's median size finish before the window closes, at the
-- median send rate observed in the data.
--   $close_minutes: the profile's weekday close, in minutes after local midnight (1200, i.e.
--   20:00, under fr-acoustic; 1290 under fr-af2m-2026; Profile.weekday_close). Windows are
--   half-open, so the last message must go strictly before it.
-- A campaign's rate is messages / minutes between its first and last marketing send;
-- campaigns sent within one instant (a single message, say) have no observable rate and
-- only count in `campaigns`. Size classes are decades of message count: 1-9, 10-99, ...
-- The time is on the recipients' clock: for a campaign mixing territories, use the
-- earliest-closing one.
WITH
campaign_runs AS (
    SELECT
        campaign_id,
        count(*) AS messages,
        (epoch_us(max(sent_at)) - epoch_us(min(sent_at))) / 60000000 AS span_minutes
    FROM sends
    WHERE category = 'marketing' AND campaign_id IS NOT NULL
    GROUP BY campaign_id
),
classed AS (
    SELECT
        -- decade from the digit count: exact, unlike log10 in floating point
        CAST(pow(10, length(CAST(messages AS VARCHAR)) - 1) AS BIGINT) AS size_min,
        messages,
        CASE WHEN span_minutes > 0 THEN messages / span_minutes END AS rate
    FROM campaign_runs
),
size_classes AS (
    SELECT
        size_min,
        size_min * 10 - 1 AS size_max,
        count(*) AS campaigns,
        count(rate) AS campaigns_timed,
        median(messages) AS median_messages,
        median(rate) AS messages_per_minute
    FROM classed
    GROUP BY size_min
),
needs AS (
    SELECT
        *,
        median_messages / messages_per_minute AS minutes_needed,
        -- whole minutes, and one more so that the last message leaves before the close
        $close_minutes - CAST(floor(median_messages / messages_per_minute) AS BIGINT) - 1
            AS start_minutes
    FROM size_classes
)
SELECT
    size_min || '-' || size_max AS size_class,
    size_min,
    size_max,
    campaigns,
    campaigns_timed,
    CAST(median_messages AS DOUBLE) AS median_messages,
    -- rounded as decimals: a DOUBLE's last binary digit rounds 0.15 down in DuckDB and up
    -- in Spark (which rounds the shortest decimal spelling); as a decimal, up on both
    CAST(round(CAST(messages_per_minute AS DECIMAL(38, 9)), 3) AS DOUBLE) AS messages_per_minute,
    CAST(round(CAST(minutes_needed AS DECIMAL(38, 9)), 1) AS DOUBLE) AS minutes_needed,
    CASE
        WHEN start_minutes >= 0
            THEN lpad(CAST(start_minutes // 60 AS VARCHAR), 2, '0') || ':'
                || lpad(CAST(start_minutes % 60 AS VARCHAR), 2, '0')
    END AS latest_safe_start
FROM needs
ORDER BY size_min
