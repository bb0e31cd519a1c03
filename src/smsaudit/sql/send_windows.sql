-- send_windows: every canonical send (marketing and transactional) with its recipient's
-- local time and the verdict of the profile behind window_calendar. Only marketing traffic
-- is subject to windows: audits filter on category = 'marketing'; the verdict is kept for
-- transactional rows too so that charts can show all traffic against the windows.
-- $bucket_us is window_calendar's bucket in microseconds. The local time is the UTC instant
-- shifted by the bucket's offset: integer arithmetic, no per-row time-zone lookup.
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
LEFT JOIN window_calendar AS c
    ON c.territory = s.territory AND c.bucket = epoch_us(s.sent_at) // $bucket_us
