-- message_costs: one row per row of `sends`, with what it was billed and where each figure came from.
--   segments: receipt -> send row -> counted from the body -> 1 ('default').
--   price (per segment, or for the whole message where the vendor's format says so: cost is
--   then the price itself): receipt -> rate card of the send's aggregator valid on the billing
--   date -> send row; the currency always comes with the price. No price: price_source,
--   price, currency and cost stay NULL (an unknown cost is never a zero).
--   billing date = date of sent_at in Europe/Paris (aggregators invoice on French days).
-- Body counting mirrors smsaudit.cost.count_segments (tests/test_cost.py proves they agree).
--
-- At scale (tens of millions of sends) every per-row expensive step is done once per distinct
-- value and joined back: bodies repeat (campaign templates), so segments are counted once per
-- distinct body, and only for bodies of sends whose row gives no segments; the rate card is
-- matched once per (aggregator, day of the data's span); the time-zone conversion of the
-- billing date is done once per distinct UTC hour.
-- Rows are not sorted: readers aggregate or sort themselves. The table holds one row per send,
-- so it keeps only what its readers use (message_id leads back to the send).
WITH
-- Europe/Paris has had whole-hour offsets changing on whole UTC hours since 1970, so all
-- instants of a UTC hour share one Paris date; the date is taken at both ends of the hour and
-- a row falls back to its own conversion where they differ, and before 1970 (integer
-- division truncates towards zero there, so the hour key is not the hour's start).
billing_hours AS (
    SELECT
        utc_hour,
        CAST(timezone('Europe/Paris', make_timestamptz(utc_hour * 3600000000)) AS DATE)
            AS first_day,
        CAST(timezone('Europe/Paris', make_timestamptz(utc_hour * 3600000000 + 3599999999))
            AS DATE) AS last_day
    FROM (SELECT DISTINCT epoch_us(sent_at) // 3600000000 AS utc_hour FROM sends)
),
-- Bodies are counted without looking at receipts: counting a few bodies whose receipt turns
-- out to give the segments costs far less than a second join of every send to its receipt.
counted_bodies AS (
    SELECT DISTINCT body
    FROM sends
    WHERE segments IS NULL AND body IS NOT NULL
),
bodies AS (
    SELECT
        body,
        -- GSM 03.38 default alphabet + extension table; anything else makes the body UCS-2.
        regexp_full_match(
            body,
            '[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&''()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f\^{}\\\[~\]|€]*'
        ) AS is_gsm7,
        length(body) AS code_points,
        -- extension characters are sent as ESC + code: two septets each
        length(body) - length(regexp_replace(body, '[\f\^{}\\\[~\]|€]', '', 'g')) AS escapes,
        -- characters outside the BMP are a surrogate pair: two UTF-16 code units each
        length(body) - length(regexp_replace(body, '[\x{10000}-\x{10FFFF}]', '', 'g')) AS astral
    FROM counted_bodies
),
body_units AS (
    SELECT
        body,
        is_gsm7,
        code_points + CASE WHEN is_gsm7 THEN escapes ELSE astral END AS units,
        CASE WHEN is_gsm7 THEN escapes ELSE astral END AS wide_chars,
        CASE WHEN is_gsm7 THEN 160 ELSE 70 END AS single_capacity,
        CASE WHEN is_gsm7 THEN 153 ELSE 67 END AS part_capacity
    FROM bodies
),
body_segments AS (
    SELECT
        body,
        CAST(CASE
            WHEN units <= single_capacity THEN 1
            WHEN wide_chars = 0 THEN ceil(units / part_capacity)
            -- A two-unit character never straddles two parts: pack greedily, one character at
            -- a time. Only multipart bodies with such characters take this (slower) path.
            ELSE list_reduce(
                list_transform(
                    string_split(body, ''),
                    lambda c: CASE
                        WHEN is_gsm7 AND contains(E'\f^{}\\[~]|€', c) THEN 2
                        WHEN NOT is_gsm7 AND unicode(c) > 65535 THEN 2
                        ELSE 1
                    END
                ),
                lambda acc, w: CASE
                    WHEN acc.used + w > part_capacity THEN {'parts': acc.parts + 1, 'used': w}
                    ELSE {'parts': acc.parts, 'used': acc.used + w}
                END,
                {'parts': 1, 'used': 0}
            ).parts
        END AS INTEGER) AS segments
    FROM body_units
),
-- Each send finds its body's segments before it meets its receipt: an integer, not the body,
-- rides through the join of millions of sends to their receipts.
send_receipts AS (
    SELECT
        s.message_id,
        lower(s.aggregator) AS aggregator,
        s.segments AS send_segments,
        b.segments AS body_segments,
        s.price AS send_price,
        s.currency AS send_currency,
        s.price_basis AS send_basis,
        r.segments AS receipt_segments,
        r.price AS receipt_price,
        r.currency AS receipt_currency,
        r.per_message AS receipt_per_message,
        s.sent_at,
        epoch_us(s.sent_at) // 3600000000 AS utc_hour
    FROM sends AS s
    -- the key is NULL (no match, no hashing work) where the row gives the segments
    LEFT JOIN body_segments AS b ON b.body = CASE WHEN s.segments IS NULL THEN s.body END
    -- The receipts' side is held in the join's hash table (millions of rows, spilled at 20M):
    -- only receipts that tell segments or a price (a status alone prices nothing), their
    -- basis as a boolean, not text (at 20M, 10.7 s against 11.8 s).
    LEFT JOIN (
        SELECT message_id, segments, price, currency, price_basis = 'message' AS per_message
        FROM receipts
        WHERE segments IS NOT NULL OR price IS NOT NULL
    ) AS r ON r.message_id = s.message_id
),
-- every (aggregator of the rate card, Paris day of the span): a few hundred rows to match,
-- however many sends there are. The days are counted from the first (unnest in the select
-- list, not range() as a table: the portable form, see tests/test_sqlfiles.py).
billing_days AS (
    SELECT a.aggregator, d.first_day + CAST(d.day_number AS INTEGER) AS billing_date
    FROM (SELECT DISTINCT lower(aggregator) AS aggregator FROM rate_card) AS a
    CROSS JOIN (
        SELECT first_day, unnest(range(0, date_diff('day', first_day, last_day) + 1)) AS day_number
        FROM (
            SELECT
                CAST(timezone('Europe/Paris', min(sent_at)) AS DATE) AS first_day,
                CAST(timezone('Europe/Paris', max(sent_at)) AS DATE) AS last_day
            FROM sends
        )
    ) AS d
),
rate_card_match AS (
    SELECT
        d.aggregator,
        d.billing_date,
        rc.price_per_segment,
        rc.currency
    FROM billing_days AS d
    JOIN rate_card AS rc
        ON lower(rc.aggregator) = d.aggregator
        AND (rc.valid_from IS NULL OR rc.valid_from <= d.billing_date)
        AND (rc.valid_to IS NULL OR d.billing_date <= rc.valid_to)
    -- Several rows valid that day: the most specific (latest valid_from, then the earliest
    -- valid_to) wins; among identical periods the last row read wins. Always deterministic.
    QUALIFY row_number() OVER (
        PARTITION BY d.aggregator, d.billing_date
        ORDER BY rc.valid_from DESC NULLS LAST, rc.valid_to ASC NULLS LAST,
            rc.input_file DESC, rc.line DESC
    ) = 1
),
dated AS (
    SELECT
        s.*,
        CASE
            WHEN h.first_day = h.last_day AND epoch_us(s.sent_at) >= 0 THEN h.first_day
            ELSE CAST(timezone('Europe/Paris', s.sent_at) AS DATE)
        END AS billing_date
    FROM send_receipts AS s
    JOIN billing_hours AS h ON h.utc_hour = s.utc_hour
),
resolved AS (
    SELECT
        s.message_id,
        CASE
            WHEN s.receipt_segments IS NOT NULL THEN s.receipt_segments
            WHEN s.send_segments IS NOT NULL THEN s.send_segments
            WHEN s.body_segments IS NOT NULL THEN s.body_segments
            ELSE 1
        END AS segments,
        CASE
            WHEN s.receipt_segments IS NOT NULL THEN 'receipt'
            WHEN s.send_segments IS NOT NULL THEN 'send'
            WHEN s.body_segments IS NOT NULL THEN 'body'
            ELSE 'default'
        END AS segments_source,
        CASE
            WHEN s.receipt_price IS NOT NULL THEN s.receipt_price
            WHEN rc.price_per_segment IS NOT NULL THEN rc.price_per_segment
            ELSE s.send_price
        END AS price,
        CASE
            WHEN s.receipt_price IS NOT NULL THEN 'receipt'
            WHEN rc.price_per_segment IS NOT NULL THEN 'rate_card'
            WHEN s.send_price IS NOT NULL THEN 'send'
        END AS price_source,
        CASE
            WHEN s.receipt_price IS NOT NULL THEN s.receipt_currency
            WHEN rc.price_per_segment IS NOT NULL THEN rc.currency
            WHEN s.send_price IS NOT NULL THEN s.send_currency
        END AS currency,
        -- a vendor's price for the whole message (Twilio) is never multiplied by segments
        CASE
            WHEN s.receipt_price IS NOT NULL THEN s.receipt_per_message
            WHEN rc.price_per_segment IS NOT NULL THEN false
            WHEN s.send_price IS NOT NULL THEN s.send_basis = 'message'
        END AS price_per_message,
        s.billing_date
    FROM dated AS s
    LEFT JOIN rate_card_match AS rc
        ON rc.aggregator = s.aggregator AND rc.billing_date = s.billing_date
)
SELECT
    message_id,
    CAST(segments AS INTEGER) AS segments,
    segments_source,
    CAST(price AS DECIMAL(18, 6)) AS price,
    price_source,
    CAST(CASE WHEN price_per_message THEN price ELSE segments * price END AS DECIMAL(18, 6))
        AS cost,
    upper(currency) AS currency,
    billing_date
FROM resolved
