-- blocked_window_messages: marketing messages sent in a blocked window of the profile that
-- built send_windows, with what they cost. Warnings (e.g. a Sunday under fr-af2m-2026) are
-- listed with severity 'warning'; wasted_spend counts violations only.
SELECT
    s.message_id,
    s.msisdn,
    s.sender_id,
    s.campaign_id,
    s.territory,
    w.local_time,
    w.reason,
    w.severity,
    mc.segments,
    mc.cost,
    mc.currency,
    s.program_id,
    s.aggregator,
    s.sent_at,
    w.local_date,
    w.profile
FROM send_windows AS w
JOIN sends AS s ON s.message_id = w.message_id
LEFT JOIN message_costs AS mc ON mc.message_id = w.message_id
WHERE w.category = 'marketing' AND w.blocked
ORDER BY s.sent_at, s.message_id
