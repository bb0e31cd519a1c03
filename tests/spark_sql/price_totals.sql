SELECT
  currency,
  price_source,
  NOT cost IS NULL AS priced,
  COUNT(*) AS messages
FROM message_costs
GROUP BY
  currency,
  price_source,
  NOT cost IS NULL
ORDER BY
  currency NULLS LAST,
  price_source NULLS LAST,
  priced NULLS LAST
