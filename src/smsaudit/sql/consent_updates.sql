-- consent_updates: the file to import into Campaign to opt out, program by program, the
-- contacts the aggregators already suppressed: one row per row of suppressed_not_opted_out,
-- dated at the suppression (exports write it in ISO 8601 with offset).
SELECT msisdn, program_id, 'OPTED-OUT' AS status, suppressed_at AS status_date
FROM suppressed_not_opted_out
ORDER BY msisdn, program_id
