-- sender_routes: the opt-out route of every (program_id, sender_id[, aggregator]) in use, the
-- one place where routes are decided (program_senders and the footer check read it).
--   * declared: a row of `programs` (only when $has_programs) is authoritative for its
--     (program_id, sender_id), whatever aggregator a send names;
--   * observed: every other distinct (program_id, sender_id, aggregator) of `sends`, program_id
--     possibly NULL, routed by the fallback rules of CONTRACT §3 "STOP mention".
-- route: 36184 is mGage's shared code and 36173 Infobip's, whatever else is said; a declared
-- dedicated code, or an undeclared numeric sender_id, is dedicated; an alphanumeric sender_id
-- (or a declared shared one) takes the shared code of its aggregator; anything else is
-- 'unknown' and gets no expected footer.
WITH
declared AS (
    SELECT
        program_id,
        sender_id,
        lower(trim(short_code_type)) AS short_code_type,
        lower(trim(aggregator)) AS aggregator,
        'programs' AS source
    FROM programs
    WHERE $has_programs
    -- a (program, sender) listed twice keeps its first listing
    QUALIFY row_number() OVER (
        PARTITION BY program_id, sender_id ORDER BY input_file, line
    ) = 1
),
observed AS (
    SELECT DISTINCT
        s.program_id,
        s.sender_id,
        CAST(NULL AS VARCHAR) AS short_code_type,
        lower(trim(s.aggregator)) AS aggregator,
        'sends' AS source
    FROM sends AS s
    WHERE NOT EXISTS (
        SELECT 1 FROM declared AS d
        WHERE d.program_id = s.program_id AND d.sender_id = s.sender_id
    )
),
facts AS (
    SELECT * FROM declared
    UNION ALL
    SELECT * FROM observed
),
routed AS (
    SELECT
        *,
        CASE
            WHEN short_code_type = 'dedicated' AND regexp_full_match(sender_id, '[0-9]+')
                THEN 'dedicated'
            -- a dedicated "code" that is not a number cannot be texted STOP
            WHEN short_code_type = 'dedicated' THEN 'unknown'
            WHEN sender_id = '36184' THEN 'mgage_shared'
            WHEN sender_id = '36173' THEN 'infobip_shared'
            WHEN short_code_type IS DISTINCT FROM 'shared' AND regexp_full_match(sender_id, '[0-9]+')
                THEN 'dedicated'
            -- mGage trades as Kaleyra since its acquisition
            WHEN aggregator IN ('mgage', 'kaleyra') THEN 'mgage_shared'
            WHEN aggregator = 'infobip' THEN 'infobip_shared'
            ELSE 'unknown'
        END AS route
    FROM facts
)
SELECT
    program_id,
    sender_id,
    aggregator,
    route,
    CASE route
        WHEN 'mgage_shared' THEN 'STOP 36184'
        WHEN 'infobip_shared' THEN 'STOP au 36173'
        WHEN 'dedicated' THEN 'STOP ' || sender_id
    END AS expected_footer,
    short_code_type,
    source
FROM routed
ORDER BY program_id NULLS LAST, sender_id, aggregator NULLS LAST
