-- Fast path of phone.normalize_numbers: every distinct spelling of phone_input read in
-- DuckDB by the reading rules of smsaudit.phone, the way phone.classify (phonenumbers) reads it.
-- status is NULL where this path does not decide; phonenumbers then reads the spelling (the
-- slow path). The phone_* macros and the $lists come from phonenumbers' metadata
-- (smsaudit/phone/compile.py).
-- A valid number's code is region * $code_base + type: positions in $regions and $types.
-- Two runs (phone_bulk()): the bulk run reads valid metropolitan numbers in the dominant
-- spellings and rejects bad spellings, in few steps, and leaves the rest pending; the run
-- over the pending spellings reads every lane, with the patterns of their countries only.
WITH kinds AS (
  -- Most spellings are digits and spaces after an optional + (plain), or hold separators of
  -- rule 3 too (punctuated): plain string functions clean them once one RE2 check tells.
  SELECT
    raw,
    CASE WHEN regexp_full_match(raw, $plain) THEN 'plain'
         WHEN regexp_full_match(raw, $punctuated) THEN 'punctuated' END AS kind
  FROM phone_input
),
unblanked AS (
  -- Rule 1; most spellings hold no blank but plain spaces, which replace() drops.
  SELECT
    raw,
    kind,
    CASE WHEN kind IS NOT NULL OR regexp_full_match(raw, $spaces_only)
           THEN replace(raw, ' ', '')
         ELSE regexp_replace(raw, $blanks, '', 'g') END AS s
  FROM kinds
),
rewritten AS (
  -- Rules 2-3: a spreadsheet's .0 dropped; else (0), then the separators.
  SELECT
    raw,
    kind,
    s,
    CASE WHEN kind = 'plain' THEN s
         WHEN (contains(s, '.') OR contains(s, ','))
              AND regexp_full_match(s, $excel_float) THEN regexp_extract(s, $excel_float, 1)
         ELSE phone_unpunctuated(s) END AS r
  FROM unblanked
),
cleaned AS (
  SELECT
    raw,
    s,
    r,
    kind IS NULL AND (contains(s, 'e') OR contains(s, 'E'))
      AND regexp_full_match(s, $scientific) AS scientific,
    -- A punctuated spelling is left with digits after an optional +: are there any?
    CASE kind WHEN 'plain' THEN true
              WHEN 'punctuated' THEN r NOT IN ('', '+')
              ELSE regexp_full_match(r, $shape) END AS shaped
  FROM rewritten
),
checked AS NOT MATERIALIZED (
  SELECT
    raw,
    CASE WHEN shaped AND NOT scientific THEN r END AS c,
    CASE WHEN raw IS NULL OR s = '' THEN $missing
         WHEN scientific THEN $scientific_reason
         WHEN NOT shaped THEN $not_a_number END AS reason
  FROM cleaned
),
metropolitan AS (
  -- Nine digits after +33, 0033, 33 or 0, valid in metropolitan France: the first region
  -- classify tries in each case, so the lanes below would decide the same.
  SELECT
    raw,
    reason,
    c,
    CASE WHEN length(c) = 12 AND starts_with(c, '+33') THEN substr(c, 4)
         WHEN length(c) = 11 AND starts_with(c, '33') THEN substr(c, 3)
         WHEN length(c) = 13 AND starts_with(c, '0033') THEN substr(c, 5)
         WHEN length(c) = 10 AND starts_with(c, '0') THEN substr(c, 2) END AS metro
  FROM checked
  WHERE phone_bulk()
),
metropolitan_read AS (
  SELECT *, phone_metropolitan(metro) AS metro_code FROM metropolitan
),
bulk AS (
  -- A pending spelling carries the country code it seems to start with (0: none), so that
  -- the next run holds that country's patterns.
  SELECT
    raw,
    metro AS nsn,
    CASE WHEN metro_code IS NULL AND reason IS NULL
           THEN coalesce(try_cast($country_codes[
                  CASE WHEN regexp_full_match(c, '(?:\+|00)?[1-9][0-9][0-9].*')
                         THEN left(ltrim(c, '+0'), 3)::INTEGER - 99 END] AS INTEGER), 0)
         END AS pending_cc,
    metro_code AS code,
    reason
  FROM metropolitan_read
),
lanes AS (
  SELECT
    raw,
    reason,
    c,
    -- 0 + nine digits, or nine bare digits whose 0 a spreadsheet dropped: national plan.
    CASE WHEN length(c) = 10 AND starts_with(c, '0') AND NOT starts_with(c, '00')
           THEN substr(c, 2)
         WHEN length(c) = 9 AND NOT starts_with(c, '0') AND NOT starts_with(c, '+')
           THEN c END AS national,
    -- + or 00, or bare digits that may have lost the + of a French country code.
    CASE WHEN starts_with(c, '+') THEN substr(c, 2)
         WHEN starts_with(c, '00') THEN substr(c, 3)
         WHEN NOT starts_with(c, '0') AND regexp_matches(c, $french_codes) THEN c END AS intl
  FROM checked
  WHERE NOT phone_bulk()
),
national_read AS (
  SELECT *, CASE WHEN national IS NOT NULL THEN phone_national(national) END AS national_code
  FROM lanes
),
laned AS (
  SELECT
    *,
    -- national: valid in the national plan; international: parse('+' || intl);
    -- french_plan: parse(c, 'FR'), what classify falls back to for the other digit strings.
    -- Shorter or longer spellings meet phonenumbers' special cases: left to it.
    CASE WHEN national_code IS NOT NULL THEN 'national'
         WHEN length(c) > $longest THEN NULL
         WHEN intl IS NOT NULL THEN CASE WHEN length(intl) >= 3 THEN 'international' END
         WHEN length(c) >= 3 THEN 'french_plan' END AS lane
  FROM national_read
),
country AS (
  SELECT
    *,
    -- _extract_country_code: the first 1-3 digits that are a country code ('' none, '?' one
    -- the fast path leaves to phonenumbers); a leading 0 is never one.
    CASE lane WHEN 'international'
           THEN CASE WHEN starts_with(intl, '0') THEN ''
                     ELSE $country_codes[left(intl, 3)::INTEGER - 99] END
         WHEN 'french_plan' THEN '33' END AS cc
  FROM laned
),
prefixed AS (
  SELECT
    *,
    CASE WHEN lane = 'international' AND cc NOT IN ('', '?')
           THEN substr(intl, length(cc) + 1) END AS rest
  FROM country
),
stripped AS (
  SELECT *, CASE WHEN rest <> '' THEN phone_strip(cc, rest) END AS strip FROM prefixed
),
nsns AS (
  SELECT
    *,
    CASE lane WHEN 'national' THEN national
         -- A national prefix after the country code is dropped only when what remains is
         -- valid (checked below); phonenumbers' other choices are left to it.
         WHEN 'international' THEN CASE WHEN strip IS NULL THEN rest
                                        WHEN strip >= 0 THEN substr(rest, strip + 1) END
         -- parse(c, 'FR') drops the trunk 0 only when nine digits or more remain.
         WHEN 'french_plan' THEN CASE WHEN starts_with(c, '0') AND length(c) >= 10
                                        THEN substr(c, 2) ELSE c END END AS nsn
  FROM stripped
),
read AS (
  SELECT
    *,
    -- The countries whose patterns this run holds (phone_compiled); the others' numbers are
    -- pending, read by a second run that holds their patterns.
    lane IN ('international', 'french_plan') AND cc NOT IN ('', '?')
      AND NOT phone_compiled(cc) AS pending,
    CASE WHEN lane = 'national' THEN national_code END AS lane_code,
    CASE WHEN cc NOT IN ('', '?') AND phone_compiled(cc)
              AND length(nsn) BETWEEN $nsn_shortest AND $nsn_longest
           THEN phone_read(cc, nsn) END AS code
  FROM nsns
),
decided AS (
  SELECT
    raw,
    nsn,
    CASE WHEN pending THEN cc::INTEGER END AS pending_cc,
    CASE WHEN pending THEN NULL
         WHEN lane_code IS NOT NULL THEN lane_code
         WHEN lane = 'international' AND code IS NOT NULL AND length(rest) >= $nsn_shortest
              AND (strip IS NULL OR phone_keeps_stripped(cc, length(nsn)))
           THEN code END AS code,
    CASE WHEN reason IS NOT NULL THEN reason
         WHEN pending THEN NULL
         WHEN lane = 'international' AND cc = '' THEN 'unknown country code'
         WHEN lane = 'international' AND cc = '?' THEN NULL
         WHEN lane = 'international' AND length(rest) < $nsn_shortest THEN 'too short'
         WHEN lane = 'international' AND strip IS NOT NULL THEN NULL
         WHEN lane IN ('international', 'french_plan') AND length(nsn) > $nsn_longest
           THEN 'too long'
         WHEN lane IN ('international', 'french_plan') AND code IS NULL
           THEN phone_invalid(cc, length(nsn))
    END AS reason
  FROM read
),
resolved AS (
  SELECT raw, nsn, pending_cc, code, reason FROM bulk
  UNION ALL
  SELECT raw, nsn, pending_cc, code, reason FROM decided
)
SELECT
  raw,
  '+' || $region_codes[code // $code_base] || nsn AS e164,
  $regions[code // $code_base] AS territory,
  $clocks[code // $code_base] AS tz,
  CASE WHEN reason IS NOT NULL THEN 'invalid'
       WHEN code IS NULL THEN NULL
       WHEN $clocks[code // $code_base] IS NULL THEN 'foreign'
       ELSE 'french' END AS status,
  reason,
  CASE WHEN code % $code_base = $fixed_line AND phone_also_mobile(code // $code_base, nsn)
         THEN 'fixed_line_or_mobile'
       ELSE $types[code % $code_base] END AS number_type,
  pending_cc
FROM resolved
