-- planned_blocked: the planned marketing sends the audit would flag, exactly
-- blocked_window_messages computed on the plan (same calendar, same profile).
SELECT
    msisdn,
    sender_id,
    sent_at AS send_at,
    territory,
    local_time,
    reason,
    severity,
    message_id,
    campaign_id
FROM blocked_window_messages
ORDER BY sent_at, msisdn, message_id
