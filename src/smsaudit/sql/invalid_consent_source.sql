-- invalid_consent_source: current opt-ins (latest_consent) gathered by SMS keyword on a program
-- that uses a shared short code, where only web-form opt-in is allowed (CONTRACT §3).
-- consent_source is compared trimmed, upper-cased, with runs of spaces, '-' and '_' read as
-- '_': MO_KEYWORD, KEYWORD, SMS, TEXT-TO-JOIN (so 'text to join' too). A program with several
-- shared senders gives one row, naming the lowest sender_id.
WITH
shared_senders AS (
    SELECT program_id, sender_id, route
    FROM program_senders
    WHERE route IN ('mgage_shared', 'infobip_shared')
    QUALIFY row_number() OVER (PARTITION BY program_id ORDER BY sender_id, route) = 1
)
SELECT
    c.msisdn,
    c.program_id,
    c.consent_source,
    p.sender_id,
    p.route,
    c.status_date,
    c.evidence_ref,
    c.input_file,
    c.line
FROM latest_consent AS c
JOIN shared_senders AS p ON p.program_id = c.program_id
WHERE c.status = 'OPTED-IN'
    -- \t\n\f\r and space: RE2's \s, spelled out because Java's \s also takes \x0B
    AND regexp_replace(upper(trim(c.consent_source)), '[\t\n\f\r _-]+', '_', 'g')
        IN ('MO_KEYWORD', 'KEYWORD', 'SMS', 'TEXT_TO_JOIN')
ORDER BY c.msisdn, c.program_id
