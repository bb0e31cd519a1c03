-- traffic_cells: marketing sends per territory, campaign, local day, local hour and window
-- verdict, with the first and last local time of each cell: everything the traffic charts
-- draw (weekday x hour heatmap, daily timeline, late-campaign spans), at most one row per
-- campaign and hour. A table, built once: three charts read it (as a view, each read
-- classified every send again). An engine elsewhere computes it and brings back these cells,
-- never the sends.
SELECT
    territory,
    campaign_id,
    local_date,
    isodow(local_ts) AS iso_weekday,
    hour(local_ts) AS hour,
    blocked,
    count(*) AS messages,
    min(local_ts) AS first_local_ts,
    max(local_ts) AS last_local_ts
FROM send_windows
WHERE category = 'marketing'
GROUP BY territory, campaign_id, local_date, isodow(local_ts), hour(local_ts), blocked
