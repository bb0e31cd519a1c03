-- Fast path of phone.normalize_numbers: every distinct spelling of phone_input read in
-- DuckDB, by the reading rules of phone.py. status is NULL where this path cannot decide;
-- phonenumbers then reads the spelling (the slow path). The phone_* macros and the
-- phone_territories table are built by phone.py from phonenumbers' metadata.
WITH spelled AS (
  SELECT DISTINCT raw, regexp_replace(raw, $blanks, '', 'g') AS s FROM phone_input
),
cleaned AS (
  SELECT
    raw,
    s,
    regexp_replace(
      regexp_replace(
        CASE WHEN regexp_full_match(s, $excel_float) THEN regexp_extract(s, $excel_float, 1)
             ELSE s END,
        $trunk_zero, '', 'g'),
      $separators, '', 'g') AS c
  FROM spelled
),
spelling AS (
  SELECT
    raw,
    c,
    CASE WHEN raw IS NULL OR s = '' THEN $missing
         WHEN regexp_full_match(s, $scientific) THEN $scientific_reason
         WHEN NOT regexp_full_match(c, $shape) THEN $not_a_number END AS reason,
    -- 0 + nine digits, or nine bare digits whose 0 a spreadsheet dropped: national plan.
    CASE WHEN length(c) = 10 AND starts_with(c, '0') AND NOT starts_with(c, '00')
           THEN substr(c, 2)
         WHEN length(c) = 9 AND NOT starts_with(c, '0') AND NOT starts_with(c, '+')
           THEN c END AS national,
    -- + or 00, or bare digits that may have lost their +: international.
    CASE WHEN starts_with(c, '+') THEN substr(c, 2)
         WHEN starts_with(c, '00') THEN substr(c, 3)
         WHEN NOT starts_with(c, '0') THEN c END AS intl
  FROM cleaned
),
national_read AS (
  SELECT *, CASE WHEN reason IS NULL THEN phone_national_region(national) END AS nat_region
  FROM spelling
),
intl_split AS (
  SELECT *, CASE WHEN reason IS NULL AND nat_region IS NULL THEN phone_cc(intl) END AS cc
  FROM national_read
),
intl_read AS (
  SELECT
    *,
    -- The trunk 0 written after the country code (+33 0612...) is not part of the number.
    CASE WHEN cc IS NOT NULL THEN regexp_replace(substr(intl, length(cc) + 1), '^0', '')
         END AS intl_nsn
  FROM intl_split
),
decided AS (
  SELECT
    raw,
    reason,
    coalesce(nat_region, phone_region(cc, intl_nsn)) AS region,
    CASE WHEN nat_region IS NOT NULL THEN national ELSE intl_nsn END AS nsn
  FROM intl_read
)
SELECT
  d.raw,
  '+' || t.cc || d.nsn AS e164,
  d.region AS territory,
  t.tz,
  CASE WHEN d.reason IS NOT NULL THEN 'invalid' WHEN d.region IS NOT NULL THEN 'french'
       END AS status,
  d.reason,
  phone_number_type(d.region, d.nsn) AS number_type
FROM decided AS d
LEFT JOIN phone_territories AS t ON t.region = d.region
