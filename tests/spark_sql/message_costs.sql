WITH billing_hours AS (
  SELECT
    utc_hour,
    CAST(FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(utc_hour * 3600000000), 'Europe/Paris') AS DATE) AS first_day,
    CAST(FROM_UTC_TIMESTAMP(TIMESTAMP_MICROS(utc_hour * 3600000000 + 3599999999), 'Europe/Paris') AS DATE) AS last_day
  FROM (
    SELECT DISTINCT
      UNIX_MICROS(sent_at) DIV 3600000000 AS utc_hour
    FROM sends
  )
), counted_bodies AS (
  SELECT DISTINCT
    body
  FROM sends
  WHERE
    segments IS NULL AND NOT body IS NULL
), bodies AS (
  SELECT
    body,
    body RLIKE '^(?:[@£$¥èéùìòÇ\\nØø\\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,\\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà\\f\\^{}\\\\\\[~\\]|€]*)$' AS is_gsm7,
    LENGTH(body) AS code_points,
    LENGTH(body) - LENGTH(REGEXP_REPLACE(body, '[\\f\\^{}\\\\\\[~\\]|€]', '')) AS escapes,
    LENGTH(body) - LENGTH(REGEXP_REPLACE(body, '[\\x{10000}-\\x{10FFFF}]', '')) AS astral
  FROM counted_bodies
), body_units AS (
  SELECT
    body,
    is_gsm7,
    code_points + CASE WHEN is_gsm7 THEN escapes ELSE astral END AS units,
    CASE WHEN is_gsm7 THEN escapes ELSE astral END AS wide_chars,
    CASE WHEN is_gsm7 THEN 160 ELSE 70 END AS single_capacity,
    CASE WHEN is_gsm7 THEN 153 ELSE 67 END AS part_capacity
  FROM bodies
), body_segments AS (
  SELECT
    body,
    CAST(CASE
      WHEN units <= single_capacity
      THEN 1
      WHEN wide_chars = 0
      THEN CEIL(CAST(units AS DOUBLE) / part_capacity)
      ELSE AGGREGATE(
        TRANSFORM(
          SPLIT(body, ''),
          c -> CASE
            WHEN is_gsm7 AND CONTAINS('\014^{}\\[~]|€', c)
            THEN 2
            WHEN NOT is_gsm7 AND ASCII(c) > 65535
            THEN 2
            ELSE 1
          END
        ),
        STRUCT(1 AS parts, 0 AS used),
        (acc, w) -> CASE
          WHEN acc.used + w > part_capacity
          THEN STRUCT(acc.parts + 1 AS parts, w AS used)
          ELSE STRUCT(acc.parts AS parts, acc.used + w AS used)
        END
      ).parts
    END AS INT) AS segments
  FROM body_units
), send_receipts AS (
  SELECT
    s.message_id,
    LOWER(s.aggregator) AS aggregator,
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
    UNIX_MICROS(s.sent_at) DIV 3600000000 AS utc_hour
  FROM sends AS s
  LEFT JOIN body_segments AS b
    ON b.body = CASE WHEN s.segments IS NULL THEN s.body END
  LEFT JOIN (
    SELECT
      message_id,
      segments,
      price,
      currency,
      price_basis = 'message' AS per_message
    FROM receipts
    WHERE
      NOT segments IS NULL OR NOT price IS NULL
  ) AS r
    ON r.message_id = s.message_id
), billing_days AS (
  SELECT
    a.aggregator,
    d.first_day + CAST(d.day_number AS INT) AS billing_date
  FROM (
    SELECT DISTINCT
      LOWER(aggregator) AS aggregator
    FROM rate_card
  ) AS a
  CROSS JOIN (
    SELECT
      first_day,
      EXPLODE(
        IF(
          (
            DATEDIFF(DAY, first_day, last_day) + 1 - 1
          ) < 0,
          ARRAY(),
          SEQUENCE(0, (
            DATEDIFF(DAY, first_day, last_day) + 1 - 1
          ))
        )
      ) AS day_number
    FROM (
      SELECT
        CAST(FROM_UTC_TIMESTAMP(MIN(sent_at), 'Europe/Paris') AS DATE) AS first_day,
        CAST(FROM_UTC_TIMESTAMP(MAX(sent_at), 'Europe/Paris') AS DATE) AS last_day
      FROM sends
    )
  ) AS d
), rate_card_match AS (
  SELECT
    aggregator,
    billing_date,
    price_per_segment,
    currency
  FROM (
    SELECT
      d.aggregator,
      d.billing_date,
      rc.price_per_segment,
      rc.currency,
      ROW_NUMBER() OVER (
        PARTITION BY d.aggregator, d.billing_date
        ORDER BY rc.valid_from DESC, rc.valid_to ASC NULLS LAST, rc.input_file DESC, rc.line DESC
      ) AS _w
    FROM billing_days AS d
    JOIN rate_card AS rc
      ON LOWER(rc.aggregator) = d.aggregator
      AND (
        rc.valid_from IS NULL OR rc.valid_from <= d.billing_date
      )
      AND (
        rc.valid_to IS NULL OR d.billing_date <= rc.valid_to
      )
  ) AS _t
  WHERE
    _w = 1
), dated AS (
  SELECT
    s.*,
    CASE
      WHEN h.first_day = h.last_day AND UNIX_MICROS(s.sent_at) >= 0
      THEN h.first_day
      ELSE CAST(FROM_UTC_TIMESTAMP(s.sent_at, 'Europe/Paris') AS DATE)
    END AS billing_date
  FROM send_receipts AS s
  JOIN billing_hours AS h
    ON h.utc_hour = s.utc_hour
), resolved AS (
  SELECT
    s.message_id,
    CASE
      WHEN NOT s.receipt_segments IS NULL
      THEN s.receipt_segments
      WHEN NOT s.send_segments IS NULL
      THEN s.send_segments
      WHEN NOT s.body_segments IS NULL
      THEN s.body_segments
      ELSE 1
    END AS segments,
    CASE
      WHEN NOT s.receipt_segments IS NULL
      THEN 'receipt'
      WHEN NOT s.send_segments IS NULL
      THEN 'send'
      WHEN NOT s.body_segments IS NULL
      THEN 'body'
      ELSE 'default'
    END AS segments_source,
    CASE
      WHEN NOT s.receipt_price IS NULL
      THEN s.receipt_price
      WHEN NOT rc.price_per_segment IS NULL
      THEN rc.price_per_segment
      ELSE s.send_price
    END AS price,
    CASE
      WHEN NOT s.receipt_price IS NULL
      THEN 'receipt'
      WHEN NOT rc.price_per_segment IS NULL
      THEN 'rate_card'
      WHEN NOT s.send_price IS NULL
      THEN 'send'
    END AS price_source,
    CASE
      WHEN NOT s.receipt_price IS NULL
      THEN s.receipt_currency
      WHEN NOT rc.price_per_segment IS NULL
      THEN rc.currency
      WHEN NOT s.send_price IS NULL
      THEN s.send_currency
    END AS currency,
    CASE
      WHEN NOT s.receipt_price IS NULL
      THEN s.receipt_per_message
      WHEN NOT rc.price_per_segment IS NULL
      THEN FALSE
      WHEN NOT s.send_price IS NULL
      THEN s.send_basis = 'message'
    END AS price_per_message,
    s.billing_date
  FROM dated AS s
  LEFT JOIN rate_card_match AS rc
    ON rc.aggregator = s.aggregator AND rc.billing_date = s.billing_date
)
SELECT
  message_id,
  CAST(segments AS INT) AS segments,
  segments_source,
  CAST(price AS DECIMAL(18, 6)) AS price,
  price_source,
  CAST(CASE WHEN price_per_message THEN price ELSE segments * price END AS DECIMAL(18, 6)) AS cost,
  UPPER(currency) AS currency,
  billing_date
FROM resolved
