-- calendar_periods: the allowed and blocked periods of every territory of window_calendar,
-- consecutive buckets of one verdict merged into one half-open interval [start_utc, end_utc),
-- over the local days $first_day..$last_day of each territory's own clock. Built from the
-- audit's own calendar table, so the periods and the audit's verdicts cannot disagree.
-- start_local / end_local: the same instants on the territory's clock, with their offset.
WITH
buckets AS (
    SELECT
        territory,
        tz,
        bucket_start,
        bucket_start + to_seconds(bucket_seconds) AS bucket_end,
        blocked,
        reason,
        severity
    FROM window_calendar
    WHERE local_date BETWEEN $first_day AND $last_day
),
starts AS (
    SELECT
        *,
        CASE
            WHEN lag(bucket_end) OVER w = bucket_start
                AND lag(blocked) OVER w = blocked
                AND lag(reason) OVER w IS NOT DISTINCT FROM reason
                AND lag(severity) OVER w IS NOT DISTINCT FROM severity
                THEN 0
            ELSE 1
        END AS new_period
    FROM buckets
    WINDOW w AS (PARTITION BY territory ORDER BY bucket_start)
),
numbered AS (
    SELECT *, sum(new_period) OVER (PARTITION BY territory ORDER BY bucket_start) AS period
    FROM starts
),
periods AS (
    SELECT
        territory,
        any_value(tz) AS clock,
        CASE WHEN any_value(blocked) THEN 'blocked' ELSE 'allowed' END AS state,
        any_value(reason) AS reason,
        any_value(severity) AS severity,
        min(bucket_start) AS start_utc,
        max(bucket_end) AS end_utc
    FROM numbered
    GROUP BY territory, period
)
SELECT
    territory,
    clock,
    state,
    reason,
    severity,
    start_utc,
    end_utc,
    smsaudit_local_text(clock, start_utc) AS start_local,
    smsaudit_local_text(clock, end_utc) AS end_local
FROM periods
ORDER BY territory, start_utc
