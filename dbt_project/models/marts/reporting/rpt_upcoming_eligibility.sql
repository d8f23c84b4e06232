-- The run report's upcoming eligibility (report/report.html and .pdf, section 3 and its
-- chart): not_yet_eligible decisions by the calendar month of eligible_on, for the
-- 24 months starting with the month of the as-of date, with later, earlier
-- and missing dates in their own rows, and the people with at least one such decision.
-- Grain: one row per scope, program and period: county (NULL: all counties together) x
-- program (NULL: every law together; its `people` counts each person once) x period ('month'
-- with its month, 'after', 'before', 'undated', or 'all': every date together).
{%- set upcoming_months -%}24{%- endset %}
{%- set month_index -%}
    (cast(extract(year from {d}) as integer) * 12 + cast(extract(month from {d}) as integer))
{%- endset %}
with not_yet as (
    select
        {{ report_county('county') }} as county,
        program,
        person_key,
        case
            when eligible_on is null then 'undated'
            when {{ month_index | replace('{d}', 'eligible_on') }} < {{ month_index | replace('{d}', 'as_of') }}
                then 'before'
            when {{ month_index | replace('{d}', 'eligible_on') }}
                >= {{ month_index | replace('{d}', 'as_of') }} + {{ upcoming_months }}
                then 'after'
            else 'month'
        end as period,
        lpad(cast(cast(extract(year from eligible_on) as integer) as {{ dbt.type_string() }}), 4, '0')
        || '-'
        || lpad(cast(cast(extract(month from eligible_on) as integer) as {{ dbt.type_string() }}), 2, '0')
            as eligible_month
    from {{ ref('exp_decisions') }}
    where determination = 'not_yet_eligible'
),

scoped as (
    {{ report_scopes('not_yet', ['program', 'person_key', 'period', 'eligible_month']) }}
),

periods as (
    select
        scope,
        program,
        period,
        case when period = 'month' then eligible_month end as month,
        person_key
    from scoped
    union all
    select
        scope,
        program,
        'all' as period,
        cast(null as {{ dbt.type_string() }}) as month,
        person_key
    from scoped
),

counted as (
    select
        scope,
        program,
        period,
        month,
        count(*) as decisions,
        count(distinct person_key) as people
    from periods
    group by scope, program, period, month
    union all
    select
        scope,
        cast(null as {{ dbt.type_string() }}) as program,
        period,
        month,
        count(*) as decisions,
        count(distinct person_key) as people
    from periods
    group by scope, period, month
)

select
    nullif(scope, '') as county,
    program,
    period,
    month,
    decisions,
    people
from counted
