-- Statute texts of canonical extracts parsed into canonical statutes, by each state's statute
-- format: one row per jurisdiction x distinct statute text (every text is read with every
-- format; int_charges_assembled picks the row of the person's state).
-- The formats are data, the seed statute_formats (seeds/statute_formats.csv, one row per
-- jurisdiction: the pattern, which capture groups make the code, section and subdivisions,
-- how subdivisions are written); adding a state is a row there (macros/statute_formats.sql).
-- Today:
--   Utah:  58-37-8(2)(A)(I)      -> UT:58:37-8(2)(a)(i)   (title:chapter-section; never split on -)
--          41-6a-502             -> UT:41:6A-502
--   PA:    18 § 3929(a)(1), 18 Pa.C.S. § 3929, 18 3929 -> PA:18:3929(a)(1), PA:18:3929
--          35 § 780-113(a)(30)   -> PA:35:780-113(a)(30)
-- A text is parsed when the format's pattern matches the upper-cased text and gives a code and
-- a section; otherwise unparsed, with whatever the templates give for an unmatched text (Utah's
-- section `{2}-{3}` is then '-', as it always was).
{#- Patterns with a backslash live in set blocks (a Jinja string literal would read them). -#}
{%- set whitespace_re -%}
\s
{%- endset -%}
{%- set formats = statute_formats() %}

with texts as (
    select distinct statute_raw, upper(statute_raw) as statute_upper
    from {{ ref('stg_canonical__charges') }}
    where statute_raw is not null
),

{% for f in formats %}
{%- set subdivisions = statute_template_sql(f.subdivisions, 'statute_upper', f.pattern) -%}
{%- if f.subdivisions_spaces == 'removed' -%}
    {%- set subdivisions = re_replace(subdivisions, whitespace_re, '') -%}
{%- endif -%}
{%- if f.subdivisions_case == 'lower' -%}
    {%- set subdivisions = 'lower(' ~ subdivisions ~ ')' -%}
{%- endif %}
format_{{ loop.index }} as (
    -- {{ f.jurisdiction }}
    select
        statute_raw,
        '{{ f.jurisdiction }}' as jurisdiction,
        {{ statute_template_sql(f.code, 'statute_upper', f.pattern) }} as code,
        {{ statute_template_sql(f.section, 'statute_upper', f.pattern) }} as section,
        {{ subdivisions }} as subdivisions,
        {{ re_matches('statute_upper', f.pattern) }} as matched
    from texts
),

{% endfor -%}
parsed as (
    {%- for f in formats %}
    select * from format_{{ loop.index }}
    {%- if not loop.last %}
    union all
    {%- endif -%}
    {%- else %}
    -- no statute formats: no rows
    select
        statute_raw,
        cast(null as {{ dbt.type_string() }}) as jurisdiction,
        cast(null as {{ dbt.type_string() }}) as code,
        cast(null as {{ dbt.type_string() }}) as section,
        cast(null as {{ dbt.type_string() }}) as subdivisions,
        false as matched
    from texts
    where 1 = 0
    {%- endfor %}
),

judged as (
    select
        *,
        coalesce(matched, false) and code <> '' and section <> '' as is_parsed
    from parsed
)

select
    statute_raw,
    jurisdiction,
    nullif(code, '') as statute_code,
    nullif(section, '') as section,
    coalesce(subdivisions, '') as subdivisions,
    case when is_parsed
         then substr(jurisdiction, 4, 2) || ':' || code || ':' || section || coalesce(subdivisions, '') end as statute,
    case when is_parsed
         then substr(jurisdiction, 4, 2) || ':' || code || ':' || section end as statute_section,
    case when is_parsed then 'parsed' else 'unparsed' end as parse_status
from judged
