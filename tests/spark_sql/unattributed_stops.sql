SELECT
  m.msisdn,
  m.received_at,
  m.text,
  m.short_code,
  m.territory,
  m.input_file,
  m.line
FROM mo AS m
WHERE
  m.is_stop
  AND NOT EXISTS(
    SELECT
      1
    FROM sends AS s
    WHERE
      s.msisdn = m.msisdn AND s.sent_at <= m.received_at
  )
ORDER BY
  m.received_at NULLS LAST,
  m.msisdn NULLS LAST,
  m.input_file NULLS LAST,
  m.line NULLS LAST
