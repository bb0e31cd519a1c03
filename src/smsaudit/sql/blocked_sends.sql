-- blocked_sends: sends whose receipt says the destination blocked them. A vendor export's
-- receipts carry their format's own verdict (receipts.optout: Twilio 21610, Infobip status 14
-- or error 573, Vonage 9...: ingest/formats/*.toml). Canonical receipts (optout NULL) are
-- judged here: error code '061' (Destination Blocked; a text code, so '61' is not it) or
-- Infobip's spellings, status REJECTED_DESTINATION_BLOCKLISTED or error EC_SC_BLOCKED_BY_END_USER
-- (id 573). Such a receipt proves the send's (msisdn, sender_id) pair was suppressed at the
-- latest at sent_at.
SELECT
    s.message_id,
    s.msisdn,
    s.sender_id,
    s.sent_at,
    s.territory,
    s.aggregator,
    r.status,
    r.error_code,
    r.error_text
FROM (
    -- A necessary condition on the receipt alone, first, so that only the few candidate
    -- receipts meet the sends: with the aggregator's test in the condition, DuckDB joined every
    -- receipt to its send before filtering (9 s instead of 2 at 20M).
    SELECT *
    FROM receipts
    WHERE optout OR optout IS NULL AND (
        trim(error_code) IN ('061', '573')
        OR length(status) >= 32
        OR length(error_text) >= 25
    )
) AS r
JOIN sends AS s ON s.message_id = r.message_id
-- The length tests only spare trim() and upper() on every receipt (most say DELIVERED): trim
-- only shortens a text and DuckDB's upper() keeps its length, so no match is lost.
WHERE r.optout
    OR r.optout IS NULL AND (
        trim(r.error_code) = '061'
        OR (length(r.status) >= 32 AND upper(trim(r.status)) = 'REJECTED_DESTINATION_BLOCKLISTED')
        OR (length(r.error_text) >= 25 AND upper(trim(r.error_text)) = 'EC_SC_BLOCKED_BY_END_USER')
        -- 573 is Infobip's numbering; another aggregator's 573 means something else
        OR (trim(r.error_code) = '573' AND lower(s.aggregator) = 'infobip')
    )
ORDER BY s.sent_at, s.msisdn, s.message_id
