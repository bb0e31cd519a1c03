-- suppression_list: the (msisdn, sender_id) pairs still suppressed at the end of the data (not
-- lifted by an UNBLOCK), ready to load into the sending platform as an exclusion list, so the
-- next campaign does not pay for messages that cannot be delivered.
SELECT
    msisdn,
    sender_id,
    suppressed_at,
    evidence,
    territory
FROM suppressions
WHERE lifted_at IS NULL
ORDER BY msisdn, sender_id
