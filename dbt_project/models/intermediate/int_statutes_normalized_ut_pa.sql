-- Utah and Pennsylvania statute texts of canonical extracts, parsed into canonical statutes.
--   Utah:  58-37-8(2)(A)(I)      -> UT:58:37-8(2)(a)(i)   (title:chapter-section; never split on -)
--          41-6a-502             -> UT:41:6A-502
--   PA:    18 § 3929(a)(1), 18 Pa.C.S. § 3929, 18 3929 -> PA:18:3929(a)(1)
--          35 § 780-113(a)(30)   -> PA:35:780-113(a)(30)
-- One row per (jurisdiction, text); the join in int_charges_assembled picks by the person's state.
with texts as (
    select distinct statute_raw from {{ ref('stg_canonical__charges') }} where statute_raw is not null
),

ut as (
    select
        statute_raw,
        'US-UT' as jurisdiction,
        regexp_extract(upper(statute_raw), '^\s*([0-9]+[A-Z]?)-([0-9]+[A-Z]?)-([0-9]+(?:\.[0-9]+)?)\s*((?:\([0-9A-Z]+\)\s*)*)', 1) as code,
        regexp_extract(upper(statute_raw), '^\s*([0-9]+[A-Z]?)-([0-9]+[A-Z]?)-([0-9]+(?:\.[0-9]+)?)\s*((?:\([0-9A-Z]+\)\s*)*)', 2)
            || '-' || regexp_extract(upper(statute_raw), '^\s*([0-9]+[A-Z]?)-([0-9]+[A-Z]?)-([0-9]+(?:\.[0-9]+)?)\s*((?:\([0-9A-Z]+\)\s*)*)', 3) as section,
        lower(regexp_replace(regexp_extract(upper(statute_raw), '^\s*([0-9]+[A-Z]?)-([0-9]+[A-Z]?)-([0-9]+(?:\.[0-9]+)?)\s*((?:\([0-9A-Z]+\)\s*)*)', 4), '\s', '', 'g')) as subdivisions
    from texts
),

pa as (
    select
        statute_raw,
        'US-PA' as jurisdiction,
        regexp_extract(upper(statute_raw), '^\s*([0-9]+)\s*(?:PA\.?\s*C\.?\s*S\.?\s*A?\.?|P\.?\s*S\.?)?\s*§*\s*([0-9]+(?:[.-][0-9]+)*)\s*((?:\([0-9A-Z.]+\)\s*)*)', 1) as code,
        regexp_extract(upper(statute_raw), '^\s*([0-9]+)\s*(?:PA\.?\s*C\.?\s*S\.?\s*A?\.?|P\.?\s*S\.?)?\s*§*\s*([0-9]+(?:[.-][0-9]+)*)\s*((?:\([0-9A-Z.]+\)\s*)*)', 2) as section,
        lower(regexp_replace(regexp_extract(upper(statute_raw), '^\s*([0-9]+)\s*(?:PA\.?\s*C\.?\s*S\.?\s*A?\.?|P\.?\s*S\.?)?\s*§*\s*([0-9]+(?:[.-][0-9]+)*)\s*((?:\([0-9A-Z.]+\)\s*)*)', 3), '\s', '', 'g')) as subdivisions
    from texts
),

parsed as (
    select * from ut
    union all
    select * from pa
)

select
    statute_raw,
    jurisdiction,
    nullif(code, '') as statute_code,
    nullif(section, '') as section,
    coalesce(subdivisions, '') as subdivisions,
    case when nullif(code, '') is not null and nullif(section, '') is not null and section <> '-'
         then substr(jurisdiction, 4, 2) || ':' || code || ':' || section || coalesce(subdivisions, '') end as statute,
    case when nullif(code, '') is not null and nullif(section, '') is not null and section <> '-'
         then substr(jurisdiction, 4, 2) || ':' || code || ':' || section end as statute_section,
    case when nullif(code, '') is not null and nullif(section, '') is not null and section <> '-'
         then 'parsed' else 'unparsed' end as parse_status
from parsed
