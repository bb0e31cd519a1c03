SELECT
  s.message_id,
  s.msisdn,
  s.sender_id,
  s.sent_at,
  s.territory,
  s.aggregator,
  r.status,
  r.error_code,
  r.error_text
FROM (
  SELECT
    *
  FROM receipts
  WHERE
    optout
    OR optout IS NULL
    AND (
      REGEXP_REPLACE(error_code, '^\\p{Zs}+|\\p{Zs}+\\z', '') IN ('061', '573')
      OR LENGTH(status) >= 32
      OR LENGTH(error_text) >= 25
    )
) AS r
JOIN sends AS s
  ON s.message_id = r.message_id
WHERE
  r.optout
  OR r.optout IS NULL
  AND (
    REGEXP_REPLACE(r.error_code, '^\\p{Zs}+|\\p{Zs}+\\z', '') = '061'
    OR (
      LENGTH(r.status) >= 32
      AND UPPER(REGEXP_REPLACE(r.status, '^\\p{Zs}+|\\p{Zs}+\\z', '')) = 'REJECTED_DESTINATION_BLOCKLISTED'
    )
    OR (
      LENGTH(r.error_text) >= 25
      AND UPPER(REGEXP_REPLACE(r.error_text, '^\\p{Zs}+|\\p{Zs}+\\z', '')) = 'EC_SC_BLOCKED_BY_END_USER'
    )
    OR (
      REGEXP_REPLACE(r.error_code, '^\\p{Zs}+|\\p{Zs}+\\z', '') = '573'
      AND LOWER(s.aggregator) = 'infobip'
    )
  )
ORDER BY
  s.sent_at NULLS LAST,
  s.msisdn NULLS LAST,
  s.message_id NULLS LAST
