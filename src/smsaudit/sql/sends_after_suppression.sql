-- sends_after_suppression: MTs (any category) sent to a suppressed (msisdn, sender_id) pair
-- strictly after its suppressed_at, plus the MTs whose own receipt says the pair was blocked
-- (blocked_sends: 061 or Infobip's equivalent): those were stopped by the suppression
-- and billed all the same. A send at the very instant of a STOP MO or an export is not after
-- it. One row per row of `sends`; cost comes from message_costs (NULL when unpriced).
WITH
costs AS (
    SELECT message_id, segments, cost, currency
    FROM message_costs
    -- one figure per message_id even if an input repeated a message
    QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY cost DESC NULLS LAST) = 1
),
blocked AS (
    SELECT DISTINCT message_id FROM blocked_sends
)
SELECT
    s.message_id,
    s.msisdn,
    s.sender_id,
    s.sent_at,
    p.suppressed_at,
    c.cost,
    c.currency,
    s.program_id,
    s.campaign_id,
    s.aggregator,
    s.category,
    p.evidence,
    c.segments,
    b.message_id IS NOT NULL AS blocked_receipt,
    s.territory
FROM sends AS s
JOIN suppressions AS p ON p.msisdn = s.msisdn AND p.sender_id = s.sender_id
LEFT JOIN costs AS c ON c.message_id = s.message_id
LEFT JOIN blocked AS b ON b.message_id = s.message_id
WHERE s.sent_at > p.suppressed_at
    OR b.message_id IS NOT NULL
ORDER BY s.sent_at, s.msisdn, s.message_id
