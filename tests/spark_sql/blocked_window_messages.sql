SELECT
  w.message_id,
  w.msisdn,
  w.sender_id,
  w.campaign_id,
  w.territory,
  DATE_FORMAT(w.local_ts, 'yyyy-MM-dd\'T\'HH:mm:ss') || w.utc_offset AS local_time,
  w.reason,
  w.severity,
  mc.segments,
  mc.cost,
  mc.currency,
  w.program_id,
  w.aggregator,
  w.sent_at,
  w.local_date,
  w.profile
FROM send_windows AS w
LEFT JOIN message_costs AS mc
  ON mc.message_id = w.message_id
WHERE
  w.category = 'marketing' AND w.blocked
ORDER BY
  w.sent_at NULLS LAST,
  w.message_id NULLS LAST
