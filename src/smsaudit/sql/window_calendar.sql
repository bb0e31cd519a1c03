-- window_calendar: one row per (territory, UTC bucket) over the data's span, with the
-- verdict of one rule profile for every instant in the bucket.
--
-- The bucket (bucket_seconds) divides every window boundary of the profile and every UTC
-- offset of the clocks, and clock changes fall on bucket starts, so all instants of a bucket
-- share one local date, one offset and one verdict. A send is then classified by the
-- integer equality join (territory, epoch_us(sent_at) // (bucket_seconds * 1e6)), with no
-- per-row time-zone conversion. A bucket that would straddle an offset change aborts the
-- build instead of silently misclassifying.
--
-- slot = bucket * 9 + the territory's index in schema.TERRITORY_CLOCKS (the CASE below, kept
-- identical in every query that joins on slot; rules/calendar.py checks it): one BIGINT
-- over a dense range. Stored as a column, its range is known to DuckDB, which then joins
-- by direct indexing into an array (a perfect hash join) instead of hashing every send.
-- Rows are not sorted: every reader joins on slot (or on territory and bucket).
--
-- Reasons, first match wins (CONTRACT §3): public_holiday, sunday, saturday_outside_hours,
-- weekday_outside_hours. Severity is the worst among all rules that match: a Sunday under a
-- profile that only warns about Sundays is still a violation outside the day's hours.
-- Outside-hours on a Sunday is reported as 'sunday' with weekday_outside_hours' severity.
WITH
clocks AS (
    SELECT unnest($territories) AS territory, unnest($clocks) AS tz
),
allowed_windows AS (  -- isodow 1 = Monday .. 7 = Sunday; minutes since local midnight
    SELECT
        unnest($window_isodow) AS isodow,
        unnest($window_start) AS start_minute,
        unnest($window_end) AS end_minute
),
holidays AS (
    SELECT DISTINCT unnest($holiday_territories) AS territory, unnest($holiday_days) AS day
),
instants AS (
    SELECT
        c.territory,
        c.tz,
        b.range AS bucket,
        make_timestamptz(b.range * $bucket_seconds * 1000000) AS bucket_start,
        make_timestamptz((b.range + 1) * $bucket_seconds * 1000000 - 1) AS bucket_last
    FROM clocks AS c
    CROSS JOIN range($first_bucket, $end_bucket) AS b
),
local_clock AS (
    SELECT
        *,
        timezone(tz, bucket_start) AS local_start,
        (epoch_us(timezone(tz, bucket_start)) - epoch_us(bucket_start)) // 60000000
            AS offset_start,
        (epoch_us(timezone(tz, bucket_last)) - epoch_us(bucket_last)) // 60000000 AS offset_last
    FROM instants
),
checked AS (
    SELECT
        *,
        CASE
            WHEN offset_start <> offset_last OR offset_start % ($bucket_seconds // 60) <> 0
                THEN error(
                    'window_calendar: clock ' || tz || ' changes offset inside the bucket at '
                    || bucket_start::VARCHAR || '; use a finer bucket'
                )
            ELSE offset_start
        END::INTEGER AS utc_offset_minutes,
        isodow(local_start) AS isodow,
        hour(local_start) * 60 + minute(local_start) AS minute_of_day
    FROM local_clock
),
rules AS (
    SELECT
        k.*,
        (h.day IS NOT NULL AND $holidays_blocked) AS holiday_rule,
        (k.isodow = 7 AND $sundays_blocked) AS sunday_rule,
        NOT EXISTS (
            SELECT 1
            FROM allowed_windows AS w
            WHERE w.isodow = k.isodow
                AND k.minute_of_day >= w.start_minute
                AND k.minute_of_day < w.end_minute
        ) AS hours_rule
    FROM checked AS k
    LEFT JOIN holidays AS h ON h.territory = k.territory AND h.day = k.local_start::DATE
),
verdicts AS (
    SELECT
        *,
        CASE
            WHEN holiday_rule THEN 'public_holiday'
            WHEN sunday_rule OR (hours_rule AND isodow = 7) THEN 'sunday'
            WHEN hours_rule AND isodow = 6 THEN 'saturday_outside_hours'
            WHEN hours_rule THEN 'weekday_outside_hours'
        END AS reason,
        CASE
            WHEN
                (holiday_rule AND $severity_public_holiday = 'violation')
                OR (sunday_rule AND $severity_sunday = 'violation')
                OR (hours_rule AND isodow = 6 AND $severity_saturday = 'violation')
                OR (hours_rule AND isodow <> 6 AND $severity_weekday = 'violation')
                THEN 'violation'
            WHEN holiday_rule OR sunday_rule OR hours_rule THEN 'warning'
        END AS severity
    FROM rules
)
SELECT
    territory,
    tz,
    bucket,
    bucket_start,
    $bucket_seconds::INTEGER AS bucket_seconds,
    local_start,
    local_start::DATE AS local_date,
    utc_offset_minutes,
    CASE WHEN utc_offset_minutes < 0 THEN '-' ELSE '+' END
        || lpad((abs(utc_offset_minutes) // 60)::VARCHAR, 2, '0') || ':'
        || lpad((abs(utc_offset_minutes) % 60)::VARCHAR, 2, '0') AS utc_offset,
    reason IS NOT NULL AS blocked,
    reason,
    severity,
    $profile AS profile,
    bucket * 9 + CASE territory
        WHEN 'FR' THEN 0 WHEN 'RE' THEN 1 WHEN 'YT' THEN 2 WHEN 'GP' THEN 3 WHEN 'MQ' THEN 4
        WHEN 'GF' THEN 5 WHEN 'BL' THEN 6 WHEN 'MF' THEN 7 WHEN 'PM' THEN 8
    END AS slot
FROM verdicts
