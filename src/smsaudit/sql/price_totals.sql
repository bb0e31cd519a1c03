-- price_totals: the messages of message_costs counted per currency, price source and
-- whether a cost is known. A few rows: the headline's unpriced count, the pricing check and
-- the finance assumptions read it, so no per-message table has to leave the engine.
SELECT
    currency,
    price_source,
    cost IS NOT NULL AS priced,
    count(*) AS messages
FROM message_costs
GROUP BY currency, price_source, cost IS NOT NULL
ORDER BY currency, price_source, priced
