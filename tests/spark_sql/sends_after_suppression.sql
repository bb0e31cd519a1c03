SELECT
  message_id,
  msisdn,
  sender_id,
  sent_at,
  suppressed_at,
  cost,
  currency,
  program_id,
  campaign_id,
  aggregator,
  category,
  evidence,
  segments,
  blocked_receipt,
  territory
FROM (
  WITH blocked AS (
    SELECT DISTINCT
      message_id
    FROM blocked_sends
  ), concerned AS (
    SELECT
      s.input_file AS send_file,
      s.line AS send_line,
      s.message_id,
      s.msisdn,
      s.sender_id,
      s.sent_at,
      p.suppressed_at,
      s.program_id,
      s.campaign_id,
      s.aggregator,
      s.category,
      p.evidence,
      NOT b.message_id IS NULL AS blocked_receipt,
      s.territory
    FROM sends AS s
    JOIN suppressions AS p
      ON p.msisdn = s.msisdn AND p.sender_id = s.sender_id
    LEFT JOIN blocked AS b
      ON b.message_id = s.message_id
    WHERE
      (
        s.sent_at > p.suppressed_at
        AND (
          p.lifted_at IS NULL OR s.sent_at < p.lifted_at
        )
      )
      OR NOT b.message_id IS NULL
  )
  SELECT
    c.message_id,
    c.msisdn,
    c.sender_id,
    c.sent_at,
    c.suppressed_at,
    mc.cost,
    mc.currency,
    c.program_id,
    c.campaign_id,
    c.aggregator,
    c.category,
    c.evidence,
    mc.segments,
    c.blocked_receipt,
    c.territory,
    ROW_NUMBER() OVER (PARTITION BY c.send_file, c.send_line ORDER BY mc.cost DESC) AS _w
  FROM concerned AS c
  LEFT JOIN message_costs AS mc
    ON mc.message_id = c.message_id
  ORDER BY
    c.sent_at NULLS LAST,
    c.msisdn NULLS LAST,
    c.message_id NULLS LAST
) AS _t
WHERE
  _w = 1
