-- stop_footer_checks: every marketing send, with the STOP mention its route requires and the
-- outcome of the check (CONTRACT §3 "STOP mention"):
--   'ok' / 'missing' - the body, with runs of white space (no-break spaces included) folded to
--                      one space, trailing ones dropped and case folded, does / does not end
--                      with the expected mention as a whole word ('NOSTOP 36184' does not);
--   'no_body'        - no body (NULL or blank): nothing to check;
--   'unknown_route'  - no route could be decided (see sender_routes.sql): no mention expected.
-- The route is that of the send's (program_id, sender_id) in `programs`, else of its own
-- sender_id and aggregator.
WITH
routed AS (
    SELECT
        s.message_id,
        s.msisdn,
        s.sender_id,
        s.program_id,
        s.campaign_id,
        s.aggregator,
        s.sent_at,
        s.body,
        r.route,
        r.expected_footer AS expected,
        rtrim(
            lower(regexp_replace(s.body, '[\s\x{00A0}\x{2007}\x{202F}]+', ' ', 'g')), ' '
        ) AS folded,
        s.input_file,
        s.line
    FROM sends AS s
    JOIN sender_routes AS r
        ON r.program_id IS NOT DISTINCT FROM s.program_id
        AND r.sender_id = s.sender_id
        AND (r.source = 'programs' OR r.aggregator IS NOT DISTINCT FROM lower(trim(s.aggregator)))
    WHERE s.category = 'marketing'
)
SELECT
    message_id,
    sender_id,
    expected,
    CASE
        WHEN folded IS NULL OR folded = '' THEN 'no_body'
        WHEN expected IS NULL THEN 'unknown_route'
        -- a whole-word suffix; the pattern stays constant so it is compiled once, not per row
        WHEN ends_with(folded, lower(expected))
            AND NOT regexp_matches(left(folded, length(folded) - length(expected)), '[\pL\pN]$')
            THEN 'ok'
        ELSE 'missing'
    END AS outcome,
    right(rtrim(body), 40) AS body_end,
    program_id,
    campaign_id,
    aggregator,
    sent_at,
    msisdn,
    route,
    input_file,
    line
FROM routed
ORDER BY sent_at, message_id, input_file, line
