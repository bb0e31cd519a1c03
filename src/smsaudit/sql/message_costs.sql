-- message_costs: one row per row of `sends`, with what it was billed and where each figure came from.
--   segments: receipt -> send row -> counted from the body -> 1 ('default').
--   price (per segment): receipt -> rate card of the send's aggregator valid on the billing
--   date -> send row; the currency always comes with the price. No price: price_source,
--   price, currency and cost stay NULL (an unknown cost is never a zero).
--   billing date = date of sent_at in Europe/Paris (aggregators invoice on French days).
-- Body counting mirrors smsaudit.cost.count_segments (tests/test_cost.py proves they agree).
WITH
bodies AS (
    SELECT
        s.input_file,
        s.line,
        s.body,
        -- GSM 03.38 default alphabet + extension table; anything else makes the body UCS-2.
        regexp_full_match(
            s.body,
            '[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&''()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\f\^{}\\\[~\]|€]*'
        ) AS is_gsm7,
        length(s.body) AS code_points,
        -- extension characters are sent as ESC + code: two septets each
        length(s.body) - length(regexp_replace(s.body, '[\f\^{}\\\[~\]|€]', '', 'g')) AS escapes,
        -- characters outside the BMP are a surrogate pair: two UTF-16 code units each
        length(s.body) - length(regexp_replace(s.body, '[\x{10000}-\x{10FFFF}]', '', 'g')) AS astral
    FROM sends AS s
),
body_units AS (
    SELECT
        input_file,
        line,
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
        input_file,
        line,
        CAST(CASE
            WHEN body IS NULL THEN NULL
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
sends_billing AS (
    SELECT
        s.*,
        CAST(timezone('Europe/Paris', s.sent_at) AS DATE) AS billing_date
    FROM sends AS s
),
rate_card_match AS (
    SELECT
        s.input_file,
        s.line,
        rc.price_per_segment,
        rc.currency
    FROM sends_billing AS s
    JOIN rate_card AS rc
        ON lower(rc.aggregator) = lower(s.aggregator)
        AND (rc.valid_from IS NULL OR rc.valid_from <= s.billing_date)
        AND (rc.valid_to IS NULL OR s.billing_date <= rc.valid_to)
    -- Several rows valid that day: the most specific (latest valid_from, then the earliest
    -- valid_to) wins; among identical periods the last row read wins. Always deterministic.
    QUALIFY row_number() OVER (
        PARTITION BY s.input_file, s.line
        ORDER BY rc.valid_from DESC NULLS LAST, rc.valid_to ASC NULLS LAST,
            rc.input_file DESC, rc.line DESC
    ) = 1
),
resolved AS (
    SELECT
        s.message_id,
        CASE
            WHEN r.segments IS NOT NULL THEN r.segments
            WHEN s.segments IS NOT NULL THEN s.segments
            WHEN b.segments IS NOT NULL THEN b.segments
            ELSE 1
        END AS segments,
        CASE
            WHEN r.segments IS NOT NULL THEN 'receipt'
            WHEN s.segments IS NOT NULL THEN 'send'
            WHEN b.segments IS NOT NULL THEN 'body'
            ELSE 'default'
        END AS segments_source,
        CASE
            WHEN r.price IS NOT NULL THEN r.price
            WHEN rc.price_per_segment IS NOT NULL THEN rc.price_per_segment
            ELSE s.price
        END AS price,
        CASE
            WHEN r.price IS NOT NULL THEN 'receipt'
            WHEN rc.price_per_segment IS NOT NULL THEN 'rate_card'
            WHEN s.price IS NOT NULL THEN 'send'
        END AS price_source,
        CASE
            WHEN r.price IS NOT NULL THEN r.currency
            WHEN rc.price_per_segment IS NOT NULL THEN rc.currency
            WHEN s.price IS NOT NULL THEN s.currency
        END AS currency,
        s.billing_date,
        s.input_file,
        s.line
    FROM sends_billing AS s
    LEFT JOIN receipts AS r ON r.message_id = s.message_id
    LEFT JOIN rate_card_match AS rc ON rc.input_file = s.input_file AND rc.line = s.line
    LEFT JOIN body_segments AS b ON b.input_file = s.input_file AND b.line = s.line
)
SELECT
    message_id,
    CAST(segments AS INTEGER) AS segments,
    segments_source,
    CAST(price AS DECIMAL(18, 6)) AS price,
    price_source,
    CAST(segments * price AS DECIMAL(18, 6)) AS cost,
    upper(currency) AS currency,
    billing_date,
    input_file,
    line
FROM resolved
ORDER BY input_file, line
