-- Utah and Pennsylvania statute texts of canonical extracts, parsed into canonical statutes.
--   Utah:  58-37-8(2)(A)(I)      -> UT:58:37-8(2)(a)(i)   (title:chapter-section; never split on -)
--          41-6a-502             -> UT:41:6A-502
--   PA:    18 § 3929(a)(1), 18 Pa.C.S. § 3929, 18 3929 -> PA:18:3929(a)(1)
--          35 § 780-113(a)(30)   -> PA:35:780-113(a)(30)
-- One row per (jurisdiction, text); the join in int_charges_assembled picks by the person's state.
{#- Patterns with a backslash live in set blocks (a Jinja string literal would read them).
    ut[n] / pa[n]: capture group n of the first match, '' when there is none (so an unparsed
    text gives section '-', as it always did). -#}
{%- set ut_re -%}
^\s*([0-9]+[A-Z]?)-([0-9]+[A-Z]?)-([0-9]+(?:\.[0-9]+)?)\s*((?:\([0-9A-Z]+\)\s*)*)
{%- endset -%}
{%- set pa_re -%}
^\s*([0-9]+)\s*(?:PA\.?\s*C\.?\s*S\.?\s*A?\.?|P\.?\s*S\.?)?\s*§*\s*([0-9]+(?:[.-][0-9]+)*)\s*((?:\([0-9A-Z.]+\)\s*)*)
{%- endset -%}
{%- set whitespace_re -%}
\s
{%- endset -%}
{%- set ut, pa = {}, {} -%}
{%- for n in range(1, 5) -%}
    {%- do ut.update({n: "coalesce(" ~ re_extract('upper(statute_raw)', ut_re, n) ~ ", '')"}) -%}
    {%- do pa.update({n: "coalesce(" ~ re_extract('upper(statute_raw)', pa_re, n) ~ ", '')"}) -%}
{%- endfor %}

with texts as (
    select distinct statute_raw from {{ ref('stg_canonical__charges') }} where statute_raw is not null
),

ut as (
    select
        statute_raw,
        'US-UT' as jurisdiction,
        {{ ut[1] }} as code,
        {{ ut[2] }} || '-' || {{ ut[3] }} as section,
        lower({{ re_replace(ut[4], whitespace_re, '') }}) as subdivisions
    from texts
),

pa as (
    select
        statute_raw,
        'US-PA' as jurisdiction,
        {{ pa[1] }} as code,
        {{ pa[2] }} as section,
        lower({{ re_replace(pa[3], whitespace_re, '') }}) as subdivisions
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
