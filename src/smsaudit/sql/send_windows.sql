-- send_windows: every canonical send (marketing and transactional) with its recipient's
-- local time and the verdict of the profile behind window_calendar. Only marketing traffic
-- is subject to windows: audits filter on category = 'marketing'; the verdict is kept for
-- transactional rows too so that charts can show all traffic against the windows.
-- $bucket_us is window_calendar's bucket in microseconds. The local time is the UTC instant
-- shifted by the bucket's offset: integer arithmetic, no per-row time-zone lookup.
-- The join is on one BIGINT, slot = bucket * 16 + the territory's position in the list of
-- schema.TERRITORY_CLOCKS: one integer key hashes and compares about twice as fast as the
-- pair (territory VARCHAR, bucket), and the calendar side is only a few thousand rows.
WITH
calendar AS (
    SELECT
        bucket * 16
        + list_position(['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'BL', 'MF', 'PM'], territory) AS slot,
        local_date,
        utc_offset_minutes,
        utc_offset,
        blocked,
        reason,
        severity,
        profile
    FROM window_calendar
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
    strftime(
        make_timestamp(epoch_us(s.sent_at) + c.utc_offset_minutes * 60000000::BIGINT),
        '%Y-%m-%dT%H:%M:%S'
    ) || c.utc_offset AS local_time,
    c.profile
FROM sends AS s
LEFT JOIN calendar AS c
    ON c.slot = epoch_us(s.sent_at) // $bucket_us * 16
    + list_position(['FR', 'RE', 'YT', 'GP', 'MQ', 'GF', 'BL', 'MF', 'PM'], s.territory)
