SELECT
  msisdn,
  program_id,
  status,
  status_date,
  consent_source,
  evidence_ref,
  territory,
  input_file,
  line
FROM (
  SELECT
    msisdn,
    program_id,
    status,
    status_date,
    consent_source,
    evidence_ref,
    territory,
    input_file,
    line,
    ROW_NUMBER() OVER (
      PARTITION BY msisdn, program_id
      ORDER BY status_date DESC, status = 'OPTED-OUT' DESC, input_file DESC, line DESC
    ) AS _w
  FROM consent
  ORDER BY
    msisdn NULLS LAST,
    program_id NULLS LAST
) AS _t
WHERE
  _w = 1
