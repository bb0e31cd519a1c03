SELECT
  program_id,
  sender_id,
  aggregator,
  route,
  expected_footer,
  short_code_type,
  source
FROM sender_routes
WHERE
  NOT program_id IS NULL
ORDER BY
  program_id NULLS LAST,
  sender_id NULLS LAST,
  aggregator NULLS LAST
