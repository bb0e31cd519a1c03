-- schedule_check: for each planned campaign (schedule) and recipient territory, when its last
-- message goes at the planned rate, how many messages land in a blocked period of the
-- profile, and the latest start that still fits.
--   Message i (0 .. messages - 1) goes at start_at + i / messages_per_minute minutes; it is
--   blocked when that instant is in a blocked period of calendar_periods (the audit's own
--   calendar), counted exactly per period: the i with start <= t_i < end.
--   messages_after_close is the territory's share of them (schedule_territories.share: its
--   part of the recipients; 1 without a recipient file).
--   latest_safe_start: in the allowed period holding start_at (or the next one), its end minus
--   the campaign's duration minus a one-minute margin, rounded down to the minute (the margin
--   the audit's latest_safe_start keeps); NULL when the campaign is longer than the period.
WITH
runs AS (
    SELECT
        s.*,
        t.territory,
        t.share,
        (s.messages - 1) * 60000000.0 / s.messages_per_minute AS duration_us
    FROM schedule AS s
    CROSS JOIN schedule_territories AS t
),
counted AS (
    SELECT
        r.line,
        r.territory,
        sum(
            least(r.messages, greatest(0, ceil(
                (epoch_us(p.end_utc) - epoch_us(r.start_at)) * r.messages_per_minute / 60000000.0
            )))
            - least(r.messages, greatest(0, ceil(
                (epoch_us(p.start_utc) - epoch_us(r.start_at)) * r.messages_per_minute
                / 60000000.0
            )))
        ) AS blocked_messages
    FROM runs AS r
    JOIN calendar_periods AS p
        ON p.territory = r.territory
        AND p.state = 'blocked'
        AND p.end_utc > r.start_at
        AND epoch_us(p.start_utc) <= epoch_us(r.start_at) + r.duration_us
    GROUP BY ALL
),
windows AS (
    SELECT r.line, r.territory, p.start_utc AS window_start, p.end_utc AS window_end
    FROM runs AS r
    JOIN calendar_periods AS p
        ON p.territory = r.territory AND p.state = 'allowed' AND p.end_utc > r.start_at
    QUALIFY row_number() OVER (PARTITION BY r.line, r.territory ORDER BY p.start_utc) = 1
),
judged AS (
    SELECT
        r.*,
        make_timestamptz(CAST(epoch_us(r.start_at) + r.duration_us AS BIGINT)) AS last_send_at,
        CAST(round(coalesce(c.blocked_messages, 0) * r.share) AS BIGINT) AS messages_after_close,
        date_trunc(
            'minute',
            make_timestamptz(CAST(epoch_us(w.window_end) - r.duration_us - 60000000 AS BIGINT))
        ) AS latest,
        w.window_start
    FROM runs AS r
    LEFT JOIN counted AS c ON c.line = r.line AND c.territory = r.territory
    LEFT JOIN windows AS w ON w.line = r.line AND w.territory = r.territory
)
SELECT
    campaign_id,
    start_at,
    messages,
    messages_per_minute,
    last_send_at,
    messages_after_close,
    CASE WHEN latest >= window_start THEN latest END AS latest_safe_start,
    territory,
    CAST(round(messages * share) AS BIGINT) AS territory_messages,
    smsaudit_local_text(clock, start_at) AS start_local,
    smsaudit_local_text(clock, last_send_at) AS last_send_local,
    CASE WHEN latest >= window_start THEN smsaudit_local_text(clock, latest) END
        AS latest_safe_start_local,
    sender_id,
    line
FROM (SELECT j.*, c.tz AS clock FROM judged AS j JOIN territory_clocks AS c USING (territory))
ORDER BY line, territory
