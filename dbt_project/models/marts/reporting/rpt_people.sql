-- The run report's people (report/report.html and .pdf: section 1's opening line and section
-- 2, "People by program"): per county and law, the decisions, charges and people decided,
-- the people with relief, and the people left with no conviction or no felony on record.
-- Definitions (orchestration/exports/report.py, DEFINITIONS):
--   relief: an `eligible` decision naming a relief (not_yet_eligible is not relief yet);
--   a conviction is removed from the record by an eligible decision with a removing relief
--   (dismiss, conviction_relief, expunge, limited_access, set_aside); a felony is cleared by
--   those or `reduce`;
--   no conviction left: every conviction of the person on record (exp_convictions, any county)
--   removed by the decisions of the row's county and law; no felony left: at least one felony
--   conviction, and every felony or unknown-level conviction cleared.
-- Grain: one row per scope and program: county (NULL: all counties together, each person
-- once) x program (NULL: every law together, "Any program").
with decisions as (
    select
        {{ report_county('county') }} as county,
        program,
        person_key,
        charge_key,
        determination = 'eligible' and relief is not null as has_relief,
        determination = 'eligible' and relief in (
            'dismiss', 'conviction_relief', 'expunge', 'limited_access', 'set_aside'
        ) as removes,
        determination = 'eligible' and relief in (
            'dismiss', 'conviction_relief', 'expunge', 'limited_access', 'set_aside', 'reduce'
        ) as clears_felony
    from {{ ref('exp_decisions') }}
),

scoped as (
    {{ report_scopes('decisions', ['program', 'person_key', 'charge_key', 'has_relief', 'removes', 'clears_felony']) }}
),

decided as (
    select
        scope,
        program,
        count(*) as decisions,
        count(distinct charge_key) as charges,
        count(distinct person_key) as people,
        count(distinct case when has_relief then person_key end) as people_with_relief
    from scoped
    group by scope, program
    union all
    select
        scope,
        cast(null as {{ dbt.type_string() }}) as program,
        count(*) as decisions,
        count(distinct charge_key) as charges,
        count(distinct person_key) as people,
        count(distinct case when has_relief then person_key end) as people_with_relief
    from scoped
    group by scope
),

-- per scope, law (NULL: any) and charge: removed from the record, felony cleared (0/1)
charge_relief as (
    select
        scope,
        program,
        charge_key,
        max(case when removes then 1 else 0 end) as removed,
        max(case when clears_felony then 1 else 0 end) as cleared
    from scoped
    group by scope, program, charge_key
    union all
    select
        scope,
        cast(null as {{ dbt.type_string() }}) as program,
        charge_key,
        max(case when removes then 1 else 0 end) as removed,
        max(case when clears_felony then 1 else 0 end) as cleared
    from scoped
    group by scope, charge_key
),

convictions as (
    select person_key, charge_key, coalesce(is_felony, true) as possible_felony, is_felony
    from {{ ref('exp_convictions') }}
),

-- every person on record: convictions, felonies, felonies or unknown levels
on_record as (
    select
        person_key,
        count(*) as convictions,
        sum(case when is_felony then 1 else 0 end) as felonies,
        sum(case when possible_felony then 1 else 0 end) as possible_felonies
    from convictions
    group by person_key
),

-- per scope, law and person: how many of their convictions the decisions remove or clear
person_relief as (
    select
        r.scope,
        r.program,
        c.person_key,
        sum(r.removed) as removed,
        sum(case when c.possible_felony then r.cleared else 0 end) as felonies_cleared
    from charge_relief as r
    inner join convictions as c on c.charge_key = r.charge_key
    group by r.scope, r.program, c.person_key
),

cleared as (
    select
        p.scope,
        p.program,
        count(case when p.removed = o.convictions then 1 end) as no_conviction,
        count(
            case when o.felonies > 0 and p.felonies_cleared = o.possible_felonies then 1 end
        ) as no_felony
    from person_relief as p
    inner join on_record as o on o.person_key = p.person_key
    group by p.scope, p.program
)

select
    nullif(d.scope, '') as county,
    d.program,
    d.decisions,
    d.charges,
    d.people,
    d.people_with_relief,
    coalesce(c.no_conviction, 0) as people_no_conviction_left,
    coalesce(c.no_felony, 0) as people_no_felony_left
from decided as d
left join cleared as c
    on c.scope = d.scope
    and (c.program = d.program or (c.program is null and d.program is null))
