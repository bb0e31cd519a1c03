SELECT
  message_id,
  sender_id,
  expected,
  body_end,
  program_id,
  campaign_id,
  aggregator,
  sent_at,
  msisdn,
  route
FROM stop_footer_checks
WHERE
  outcome = 'missing'
ORDER BY
  sent_at NULLS LAST,
  message_id NULLS LAST
