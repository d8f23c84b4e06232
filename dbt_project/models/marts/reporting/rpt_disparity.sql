-- The run report's disparities (report/report.html and .pdf, section 4 and the relief-rate
-- chart): people with decisions and people with relief, by race and by gender, per county and
-- law. A person's race and gender come from their decision rows in the scope (all laws): the
-- most frequent recorded value, ties alphabetical; blank or missing is 'Not recorded'; gender
-- M / F / X reads Male / Female / X (nonbinary). Counts are not suppressed here: the report
-- shows a group of fewer than 10 people, or 1 to 9 people with relief, as '<10'
-- (orchestration/exports/report.py, SUPPRESS_BELOW); review before any public release.
-- Grain: one row per scope, program, dimension and group: county (NULL: all counties
-- together) x program (NULL: every law together) x dimension ('race', 'gender') x group.
with decisions as (
    select
        {{ report_county('county') }} as county,
        program,
        person_key,
        determination = 'eligible' and relief is not null as has_relief,
        {{ report_label('race', 'Not recorded') }} as race,
        case {{ report_label('gender', 'Not recorded') }}
            when 'M' then 'Male'
            when 'F' then 'Female'
            when 'X' then 'X (nonbinary)'
            else {{ report_label('gender', 'Not recorded') }}
        end as gender
    from {{ ref('exp_decisions') }}
),

scoped as (
    {{ report_scopes('decisions', ['program', 'person_key', 'has_relief', 'race', 'gender']) }}
),

-- a person's value in a scope: the most frequent recorded one on their rows, ties alphabetical
recorded as (
    select scope, person_key, 'race' as dimension, race as value, count(*) as n
    from scoped
    where race <> 'Not recorded'
    group by scope, person_key, race
    union all
    select scope, person_key, 'gender' as dimension, gender as value, count(*) as n
    from scoped
    where gender <> 'Not recorded'
    group by scope, person_key, gender
),

ranked as (
    select
        scope,
        person_key,
        dimension,
        value,
        row_number() over (
            partition by scope, person_key, dimension order by n desc, value
        ) as pick
    from recorded
),

-- per scope, law (NULL: any) and person: relief
people as (
    select
        scope,
        program,
        person_key,
        max(case when has_relief then 1 else 0 end) as relief
    from scoped
    group by scope, program, person_key
    union all
    select
        scope,
        cast(null as {{ dbt.type_string() }}) as program,
        person_key,
        max(case when has_relief then 1 else 0 end) as relief
    from scoped
    group by scope, person_key
),

dimensions as (
    select 'race' as dimension
    union all
    select 'gender' as dimension
)

select
    nullif(p.scope, '') as county,
    p.program,
    d.dimension,
    coalesce(r.value, 'Not recorded') as group_label,
    count(*) as people,
    cast(sum(p.relief) as bigint) as people_with_relief
from people as p
cross join dimensions as d
left join ranked as r
    on r.scope = p.scope
    and r.person_key = p.person_key
    and r.dimension = d.dimension
    and r.pick = 1
group by p.scope, p.program, d.dimension, coalesce(r.value, 'Not recorded')
