-- profile_comparison: the same marketing traffic classified under every shipped profile,
-- counted by (profile, reason, severity); reason NULL = allowed. Sends are first counted per
-- (territory, bucket), so each profile's calendar joins a few thousand rows, not every send.
-- Reads the temporary profile_calendars built by rules.calendar.compare_profiles.
WITH
traffic AS (
    SELECT territory, epoch_us(sent_at) // $bucket_us AS bucket, count(*) AS messages
    FROM sends
    WHERE category = 'marketing'
        AND sent_at BETWEEN $start AND $end
        AND list_contains($territories, territory)
    GROUP BY ALL
)
SELECT c.profile, c.reason, c.severity, sum(t.messages)::BIGINT AS messages
FROM traffic AS t
JOIN profile_calendars AS c ON c.territory = t.territory AND c.bucket = t.bucket
GROUP BY c.profile, c.reason, c.severity
ORDER BY
    profile,
    list_position(
        ['public_holiday', 'sunday', 'saturday_outside_hours', 'weekday_outside_hours'], reason
    ) NULLS FIRST,
    severity
