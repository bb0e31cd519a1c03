SELECT
  territory,
  category,
  COUNT(*) AS messages,
  COUNT(body) AS with_body,
  MIN(sent_at) AS first_sent_at,
  MAX(sent_at) AS last_sent_at
FROM sends
GROUP BY
  territory,
  category
ORDER BY
  territory NULLS LAST,
  category NULLS LAST
