-- send_totals: the sends counted per territory and category, with their first and last
-- instants and how many carry a body. A few rows, whichever engine holds the sends: the rule
-- calendars are built over this span and these territories, and the headline counts and
-- the skipped-audit notes read it rather than the sends themselves.
SELECT
    territory,
    category,
    count(*) AS messages,
    count(body) AS with_body,
    min(sent_at) AS first_sent_at,
    max(sent_at) AS last_sent_at
FROM sends
GROUP BY territory, category
ORDER BY territory, category
