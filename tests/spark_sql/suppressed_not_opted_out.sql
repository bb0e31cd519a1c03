SELECT
  msisdn,
  program_id,
  sender_id,
  suppressed_at,
  consent_status,
  status_date,
  finding,
  evidence,
  consent_source,
  evidence_ref,
  suppressed_senders,
  territory
FROM (
  WITH opted_in AS (
    SELECT
      *
    FROM latest_consent
    WHERE
      status = 'OPTED-IN'
  ), program_sender_ids AS (
    SELECT DISTINCT
      program_id,
      sender_id
    FROM program_senders
  ), judged AS (
    SELECT
      c.msisdn,
      c.program_id,
      p.sender_id,
      p.suppressed_at,
      c.status AS consent_status,
      c.status_date,
      CASE
        WHEN c.status_date <= p.suppressed_at
        THEN 'never_opted_out'
        WHEN NULLIF(REGEXP_REPLACE(c.evidence_ref, '^\\p{Zs}+|\\p{Zs}+\\z', ''), '') IS NULL
        THEN 'rejoin_without_evidence'
      END AS finding,
      p.evidence,
      c.consent_source,
      c.evidence_ref,
      c.territory
    FROM opted_in AS c
    JOIN program_sender_ids AS ps
      ON ps.program_id = c.program_id
    JOIN suppressions AS p
      ON p.msisdn = c.msisdn AND p.sender_id = ps.sender_id
    WHERE
      p.lifted_at IS NULL
  ), findings AS (
    SELECT
      *,
      ARRAY_SORT(COLLECT_LIST(sender_id) OVER (PARTITION BY msisdn, program_id)) AS suppressed_senders
    FROM judged
    WHERE
      NOT finding IS NULL
  )
  SELECT
    msisdn,
    program_id,
    sender_id,
    suppressed_at,
    consent_status,
    status_date,
    finding,
    evidence,
    consent_source,
    evidence_ref,
    suppressed_senders,
    territory,
    ROW_NUMBER() OVER (
      PARTITION BY msisdn, program_id
      ORDER BY suppressed_at NULLS LAST, sender_id NULLS LAST
    ) AS _w
  FROM findings
  ORDER BY
    msisdn NULLS LAST,
    program_id NULLS LAST
) AS _t
WHERE
  _w = 1
