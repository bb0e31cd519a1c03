SELECT
  msisdn,
  program_id,
  'OPTED-OUT' AS status,
  suppressed_at AS status_date
FROM suppressed_not_opted_out
ORDER BY
  msisdn NULLS LAST,
  program_id NULLS LAST
