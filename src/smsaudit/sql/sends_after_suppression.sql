-- sends_after_suppression: MTs (any category) sent to a suppressed (msisdn, sender_id) pair
-- strictly after its suppressed_at and before its lifted_at (an UNBLOCK; a send after the lift
-- is not wasted), plus the MTs whose own receipt says the pair was blocked
-- (blocked_sends: 061 or Infobip's equivalent): those were stopped by the suppression
-- and billed all the same. A send at the very instant of a STOP MO or an export is not after
-- it. One row per row of `sends`; cost comes from message_costs (NULL when unpriced).
-- The few sends concerned are found first; only they are looked up in message_costs.
WITH
blocked AS (
    SELECT DISTINCT message_id FROM blocked_sends
),
concerned AS (
    SELECT
        s.input_file AS send_file,  -- a send's key: (input_file, line), portable (no rowid)
        s.line AS send_line,
        s.message_id,
        s.msisdn,
        s.sender_id,
        s.sent_at,
        p.suppressed_at,
        s.program_id,
        s.campaign_id,
        s.aggregator,
        s.category,
        p.evidence,
        b.message_id IS NOT NULL AS blocked_receipt,
        s.territory
    FROM sends AS s
    JOIN suppressions AS p ON p.msisdn = s.msisdn AND p.sender_id = s.sender_id
    LEFT JOIN blocked AS b ON b.message_id = s.message_id
    WHERE (s.sent_at > p.suppressed_at AND (p.lifted_at IS NULL OR s.sent_at < p.lifted_at))
        OR b.message_id IS NOT NULL
)
SELECT
    c.message_id,
    c.msisdn,
    c.sender_id,
    c.sent_at,
    c.suppressed_at,
    mc.cost,
    mc.currency,
    c.program_id,
    c.campaign_id,
    c.aggregator,
    c.category,
    c.evidence,
    mc.segments,
    c.blocked_receipt,
    c.territory
FROM concerned AS c
LEFT JOIN message_costs AS mc ON mc.message_id = c.message_id
-- one figure per send even if an input repeated a message (and so message_costs has several)
QUALIFY row_number() OVER (
    PARTITION BY c.send_file, c.send_line ORDER BY mc.cost DESC NULLS LAST
) = 1
ORDER BY c.sent_at, c.msisdn, c.message_id
