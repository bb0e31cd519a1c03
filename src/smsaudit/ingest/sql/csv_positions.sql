-- csv_positions: every record of a CSV file, read (${raw}: rec, nl) or refused by DuckDB's
-- reader (${rej}), at its position and physical line (header = line 1).
-- A refused record at DuckDB line L sits at position L - 1; a good record ranked r sits after
-- r - 1 good ones and every refused one with fewer before. A record's physical line also
-- counts the newlines quoted inside every earlier record (nl).
WITH r AS (
    -- the reader may log several errors for one record: keep one per line
    -- after a CRLF, DuckDB keeps the previous line's LF at the record's start
    SELECT
        line - 1 AS pos,
        trim(any_value(csv_line), chr(13) || chr(10)) AS csv_line,
        min(error_message) AS error_message
    FROM ${rej}
    GROUP BY line
),
j AS (SELECT *, row_number() OVER (ORDER BY pos) AS j FROM r),
good AS (
    SELECT g.rec, g.rec + coalesce(b.j, 0) AS pos, g.nl
    FROM ${raw} AS g
    ASOF LEFT JOIN (SELECT pos - j AS good_before, max(j) AS j FROM j GROUP BY ALL) AS b
        ON g.rec > b.good_before
),
allrec AS (
    SELECT rec, pos, nl, NULL AS txt, NULL AS msg FROM good
    UNION ALL
    SELECT
        NULL,
        pos,
        length(csv_line) - length(replace(csv_line, chr(10), '')),
        csv_line,
        error_message
    FROM j
)
SELECT
    rec,
    txt,
    msg,
    1 + pos + coalesce(
        sum(nl) OVER (ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0
    ) AS line
FROM allrec
