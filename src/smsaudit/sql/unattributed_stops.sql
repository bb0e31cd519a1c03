-- unattributed_stops: STOP MOs that suppress no pair because no MT had been sent to their
-- msisdn at or before received_at (CONTRACT §3 "Suppression"): shown, never dropped silently.
SELECT m.msisdn, m.received_at, m.text, m.short_code, m.territory, m.input_file, m.line
FROM mo AS m
WHERE m.is_stop
    AND NOT EXISTS (
        SELECT 1 FROM sends AS s WHERE s.msisdn = m.msisdn AND s.sent_at <= m.received_at
    )
ORDER BY m.received_at, m.msisdn, m.input_file, m.line
