-- profile_comparison: the same marketing traffic classified under every shipped profile,
-- counted by (profile, reason, severity); reason NULL = allowed. Sends are first counted per
-- slot (territory and bucket in one BIGINT, as in window_calendar.sql), so each profile's
-- calendar joins a few thousand rows, not every send. Reads the temporary profile_calendars
-- built by rules.calendar.compare_profiles for the chosen territories only: the join leaves
-- out the others.
WITH
traffic AS (
    SELECT
        epoch_us(sent_at) // $bucket_us * 9 + CASE territory
            WHEN 'FR' THEN 0 WHEN 'RE' THEN 1 WHEN 'YT' THEN 2 WHEN 'GP' THEN 3 WHEN 'MQ' THEN 4
            WHEN 'GF' THEN 5 WHEN 'BL' THEN 6 WHEN 'MF' THEN 7 WHEN 'PM' THEN 8
        END AS slot,
        count(*) AS messages
    FROM sends
    WHERE category = 'marketing' AND sent_at BETWEEN $start AND $end
    GROUP BY slot
)
SELECT c.profile, c.reason, c.severity, sum(t.messages)::BIGINT AS messages
FROM traffic AS t
JOIN profile_calendars AS c ON c.slot = t.slot
GROUP BY c.profile, c.reason, c.severity
ORDER BY
    profile,
    list_position(
        ['public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'], reason
    ) NULLS FIRST,
    severity
