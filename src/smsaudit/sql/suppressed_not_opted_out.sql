-- suppressed_not_opted_out: (msisdn, program_id) still opted in in Campaign although a sender_id
-- of the program (program_senders) is suppressed for that msisdn (CONTRACT §3):
--   * never_opted_out         - the latest consent is OPTED-IN and dated at or before the
--                               suppression;
--   * rejoin_without_evidence - dated after it, with no evidence_ref (NULL or blank). A later
--                               opt-in with evidence is a valid rejoin, not a finding.
-- Pairs whose suppression was lifted (suppressions.lifted_at) are not suppressed any more.
-- Each suppressed sender of the program is judged on its own; one row per (msisdn, program_id)
-- then keeps the earliest suppression that makes a finding (ties: lowest sender_id) and lists
-- every sender that does in suppressed_senders.
WITH
opted_in AS (
    SELECT * FROM latest_consent WHERE status = 'OPTED-IN'
),
program_sender_ids AS (
    SELECT DISTINCT program_id, sender_id FROM program_senders
),
judged AS (
    SELECT
        c.msisdn,
        c.program_id,
        p.sender_id,
        p.suppressed_at,
        c.status AS consent_status,
        c.status_date,
        CASE
            WHEN c.status_date <= p.suppressed_at THEN 'never_opted_out'
            WHEN nullif(trim(c.evidence_ref), '') IS NULL THEN 'rejoin_without_evidence'
        END AS finding,
        p.evidence,
        c.consent_source,
        c.evidence_ref,
        c.territory
    FROM opted_in AS c
    JOIN program_sender_ids AS ps ON ps.program_id = c.program_id
    JOIN suppressions AS p ON p.msisdn = c.msisdn AND p.sender_id = ps.sender_id
    -- a lifted pair (UNBLOCK) is no longer suppressed: nothing to opt out for it
    WHERE p.lifted_at IS NULL
),
findings AS (
    SELECT
        *,
        list_sort(list(sender_id) OVER (PARTITION BY msisdn, program_id)) AS suppressed_senders
    FROM judged
    WHERE finding IS NOT NULL
)
SELECT
    msisdn,
    program_id,
    sender_id,
    suppressed_at,
    consent_status,
    status_date,
    finding,
    evidence,
    consent_source,
    evidence_ref,
    suppressed_senders,
    territory
FROM findings
QUALIFY row_number() OVER (
    PARTITION BY msisdn, program_id ORDER BY suppressed_at, sender_id
) = 1
ORDER BY msisdn, program_id
