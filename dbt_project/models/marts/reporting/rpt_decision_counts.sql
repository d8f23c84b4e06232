-- The report's decision counts (report/report.html and .pdf, section 1: decisions by program
-- and determination, by program and relief, by county, program and determination, and the top
-- code sections): how many decisions, per county, law, jurisdiction, code section,
-- determination and relief, labelled as the report prints them. Every table of that section is
-- a sum of these rows (orchestration/exports/report.py reads them; with --county, one county's).
-- Grain: one row per county, program, jurisdiction, section, determination and relief present
-- in exp_decisions. Counts only: no person, charge or case.
{%- set whitespace_run -%}\s+{%- endset %}
with decisions as (
    select
        -- as writers.normalize_county: inner whitespace collapsed, trimmed, upper case
        upper(trim({{ re_replace('county', whitespace_run, ' ') }})) as county,
        program,
        trim(jurisdiction) as jurisdiction,
        trim(section) as section,
        determination,
        relief
    from {{ ref('exp_decisions') }}
)

select
    case when county is null or county = '' then 'Not recorded' else county end as county,
    program,
    case when jurisdiction is null or jurisdiction = '' then 'Not recorded' else jurisdiction end
        as jurisdiction,
    case when section is null or section = '' then '(not parsed)' else section end as section,
    determination,
    relief,
    count(*) as decisions
from decisions
group by 1, 2, 3, 4, 5, 6
