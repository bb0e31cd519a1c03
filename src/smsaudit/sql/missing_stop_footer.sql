-- missing_stop_footer: marketing sends whose body does not end with the STOP mention of their
-- route (outcome 'missing' of stop_footer_checks; sends without a body or a route are counted
-- there, not flagged here).
SELECT message_id, sender_id, expected, body_end, program_id, campaign_id, aggregator, sent_at,
    msisdn, route
FROM stop_footer_checks
WHERE outcome = 'missing'
ORDER BY sent_at, message_id
