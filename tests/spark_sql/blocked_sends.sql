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
      TRIM(error_code) IN ('061', '573')
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
    TRIM(r.error_code) = '061'
    OR (
      LENGTH(r.status) >= 32
      AND UPPER(TRIM(r.status)) = 'REJECTED_DESTINATION_BLOCKLISTED'
    )
    OR (
      LENGTH(r.error_text) >= 25
      AND UPPER(TRIM(r.error_text)) = 'EC_SC_BLOCKED_BY_END_USER'
    )
    OR (
      TRIM(r.error_code) = '573' AND LOWER(s.aggregator) = 'infobip'
    )
  )
ORDER BY
  s.sent_at NULLS LAST,
  s.msisdn NULLS LAST,
  s.message_id NULLS LAST
