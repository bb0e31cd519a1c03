-- blocked_window_messages: marketing messages sent in a blocked window of the profile that
-- classified send_windows, with what they cost. Warnings (e.g. a Sunday under fr-af2m-2026)
-- are listed with severity 'warning'; wasted_spend counts violations only.
-- send_windows carries the send's own columns, so the only join is to message_costs; the
-- ISO 8601 local time is formatted here, for the blocked messages only.
SELECT
    w.message_id,
    w.msisdn,
    w.sender_id,
    w.campaign_id,
    w.territory,
    strftime(w.local_ts, '%Y-%m-%dT%H:%M:%S') || w.utc_offset AS local_time,
    w.reason,
    w.severity,
    mc.segments,
    mc.cost,
    mc.currency,
    w.program_id,
    w.aggregator,
    w.sent_at,
    w.local_date,
    w.profile
FROM send_windows AS w
LEFT JOIN message_costs AS mc ON mc.message_id = w.message_id
WHERE w.category = 'marketing' AND w.blocked
ORDER BY w.sent_at, w.message_id
