SELECT
  msisdn,
  sender_id,
  suppressed_at,
  evidence,
  territory
FROM suppressions
WHERE
  lifted_at IS NULL
ORDER BY
  msisdn NULLS LAST,
  sender_id NULLS LAST
