-- program_senders: the sender IDs each program uses, with their opt-out route and the STOP
-- mention its marketing bodies must end with (CONTRACT §3 "STOP mention").
-- From `programs` when given, for the (program_id, sender_id) pairs it lists; any other pair a
-- program's sends used is routed from the sends (see sender_routes.sql), once per aggregator
-- seen. Sends without a program_id belong to no program and are left out.
SELECT program_id, sender_id, aggregator, route, expected_footer, short_code_type, source
FROM sender_routes
WHERE program_id IS NOT NULL
ORDER BY program_id, sender_id, aggregator NULLS LAST
