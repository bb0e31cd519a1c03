-- planned_suppressed: planned sends (sends, loaded from the plan) to a (msisdn, sender_id)
-- pair that the data's evidence (known_suppressions: the audit's suppressions) shows
-- suppressed at the planned instant: suppressed at or before it, not lifted before it.
SELECT
    s.msisdn,
    s.sender_id,
    s.sent_at AS send_at,
    k.suppressed_at,
    k.evidence,
    s.message_id,
    s.campaign_id,
    s.territory
FROM sends AS s
JOIN known_suppressions AS k ON k.msisdn = s.msisdn AND k.sender_id = s.sender_id
WHERE k.suppressed_at <= s.sent_at AND (k.lifted_at IS NULL OR s.sent_at < k.lifted_at)
ORDER BY s.sent_at, s.msisdn, s.message_id
