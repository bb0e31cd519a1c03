-- json_records: (line, r) for every record of a JSON file ($p), each once.
-- Records sit under an envelope key (${envelope}: {"results": [...]}, messages, events...; one
-- document, or one per line as webhooks post them), in a bare array (read_json_objects
-- splits it), or one per line. line is the record's position in a single document, else the
-- position of its document.
WITH docs AS (
    SELECT json, row_number() OVER () AS doc, CASE ${envelope} END AS recs
    FROM read_json_objects($p, format = 'auto')
),
n AS (SELECT count(*) AS n_docs FROM docs)
SELECT CASE WHEN n.n_docs = 1 THEN u.ord ELSE d.doc END AS line, u.r
FROM docs AS d, n, unnest(d.recs) WITH ORDINALITY AS u(r, ord)
WHERE d.recs IS NOT NULL
UNION ALL
SELECT doc AS line, json AS r FROM docs WHERE recs IS NULL
