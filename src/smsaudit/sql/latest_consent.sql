-- latest_consent: the current consent of each (msisdn, program_id) in Campaign's export: the
-- row with the latest status_date. On a tie OPTED-OUT wins (never assume consent), then the
-- row written last (input file name, then line).
SELECT msisdn, program_id, status, status_date, consent_source, evidence_ref, territory,
    input_file, line
FROM consent
QUALIFY row_number() OVER (
    PARTITION BY msisdn, program_id
    ORDER BY status_date DESC, status = 'OPTED-OUT' DESC, input_file DESC, line DESC
) = 1
ORDER BY msisdn, program_id
