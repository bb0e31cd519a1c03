-- stop_footer_checks: every marketing send, with the STOP mention its route requires and the
-- outcome of the check (CONTRACT §3 "STOP mention"):
--   'ok' / 'missing' - the body, with runs of white space (no-break spaces included) folded to
--                      one space, trailing ones dropped and case folded, does / does not end
--                      with the expected mention as a whole word ('NOSTOP 36184' does not);
--   'no_body'        - no body (NULL or blank): nothing to check;
--   'unknown_route'  - no route could be decided (see sender_routes.sql): no mention expected.
-- The route is that of the send's (program_id, sender_id) in `programs`, else of its own
-- sender_id and aggregator.
-- Bodies repeat (campaign templates): the fold and the suffix test run once per distinct
-- (body, expected mention) and are joined back to the sends. `routed` is read twice: NOT
-- MATERIALIZED makes each reader scan `sends` afresh rather than buffer a copy of every
-- marketing send. Rows are not sorted: missing_stop_footer sorts its own.
WITH
routed AS NOT MATERIALIZED (
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
        s.input_file,
        s.line
    FROM sends AS s
    JOIN sender_routes AS r
        ON r.program_id IS NOT DISTINCT FROM s.program_id
        AND r.sender_id = s.sender_id
        AND (r.source = 'programs' OR r.aggregator IS NOT DISTINCT FROM lower(trim(s.aggregator)))
    WHERE s.category = 'marketing'
),
folded AS (
    SELECT
        body,
        expected,
        -- \t\n\f\r and space: RE2's \s, spelled out because Java's \s also takes \x0B
        rtrim(lower(regexp_replace(body, '[\t\n\f\r \x{00A0}\x{2007}\x{202F}]+', ' ', 'g')), ' ')
            AS folded
    FROM (SELECT DISTINCT body, expected FROM routed WHERE body IS NOT NULL)
),
checked AS (
    SELECT
        body,
        expected,
        CASE
            WHEN folded = '' THEN 'no_body'
            WHEN expected IS NULL THEN 'unknown_route'
            -- a whole-word suffix; the pattern stays constant so it is compiled once
            WHEN ends_with(folded, lower(expected))
                AND NOT regexp_matches(left(folded, length(folded) - length(expected)), '[\pL\pN]$')
                THEN 'ok'
            ELSE 'missing'
        END AS outcome,
        right(rtrim(body), 40) AS body_end
    FROM folded
)
SELECT
    r.message_id,
    r.sender_id,
    r.expected,
    -- a NULL body has no row in `checked`
    CASE WHEN r.body IS NULL THEN 'no_body' ELSE c.outcome END AS outcome,
    c.body_end,
    r.program_id,
    r.campaign_id,
    r.aggregator,
    r.sent_at,
    r.msisdn,
    r.route,
    r.input_file,
    r.line
FROM routed AS r
LEFT JOIN checked AS c ON c.body = r.body AND c.expected IS NOT DISTINCT FROM r.expected
