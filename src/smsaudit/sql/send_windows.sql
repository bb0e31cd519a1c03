-- send_windows: every canonical send (marketing and transactional) with its recipient's
-- local time and the verdict of the profile behind window_calendar. Only marketing traffic
-- is subject to windows: audits filter on category = 'marketing'; the verdict is kept for
-- transactional rows too so that charts can show all traffic against the windows.
--
-- rules.calendar.classify_sends creates it as a VIEW: classifying costs about as much as
-- reading `sends` (below), less than writing every send out again, so each reader (the
-- blocked_window_messages audit, charts) classifies what it reads, filters pushed down.
--
-- The local time is the UTC instant shifted by the bucket's offset: integer arithmetic, no
-- per-row time-zone lookup. The join is on window_calendar.slot (see window_calendar.sql):
-- one BIGINT over a dense range, which DuckDB joins by direct indexing into an array. It is
-- an inner join because DuckDB indexes directly for inner joins only; the calendar covers
-- the span and the territories of `sends` by construction (classify_sends), so no send is
-- lost. The bucket size is read from window_calendar, so the query takes no parameter.
-- The ISO 8601 local_time text is left to the tables that output it: formatting it for every
-- send would cost more than the classification itself.
WITH
grid AS (
    SELECT any_value(bucket_seconds) * 1000000::BIGINT AS bucket_us FROM window_calendar
),
keyed AS (
    SELECT
        s.*,
        epoch_us(s.sent_at) // g.bucket_us * 9 + CASE territory
            WHEN 'FR' THEN 0 WHEN 'RE' THEN 1 WHEN 'YT' THEN 2 WHEN 'GP' THEN 3 WHEN 'MQ' THEN 4
            WHEN 'GF' THEN 5 WHEN 'BL' THEN 6 WHEN 'MF' THEN 7 WHEN 'PM' THEN 8
        END AS slot
    FROM sends AS s
    CROSS JOIN grid AS g
)
SELECT
    s.message_id,
    s.territory,
    s.category,
    s.sent_at,
    make_timestamp(epoch_us(s.sent_at) + c.utc_offset_minutes * 60000000::BIGINT) AS local_ts,
    c.local_date,
    c.utc_offset_minutes,
    c.blocked,
    c.reason,
    c.severity,
    c.profile,
    -- what blocked_window_messages writes out, so that it needs no join back to `sends`
    c.utc_offset,
    s.msisdn,
    s.sender_id,
    s.campaign_id,
    s.program_id,
    s.aggregator
FROM keyed AS s
JOIN window_calendar AS c ON c.slot = s.slot
