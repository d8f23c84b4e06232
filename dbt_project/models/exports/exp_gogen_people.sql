-- Per CA DOJ person: the facts the earlier Prop 64 tool's per-person columns print (deceased,
-- PC 290 registration, superstrike and 290-registrable sections, conviction counts by Prop 64
-- section, the most recent conviction). Grain: one row per DOJ person, unique on person_key.
with matches as (
    select
        charge_key,
        max(case when code_set = 'superstrikes' and is_match then 1 else 0 end) as is_superstrike,
        max(case when code_set = 'registrable_290' and is_match then 1 else 0 end) as is_pc290,
        max(case when code_set = 'prop64_sections' and is_match then 1 else 0 end) as is_prop64
    from {{ ref('int_charge_code_set_matches') }}
    where program = 'us_ca_prop64'
    group by charge_key
),

conv as (
    select
        c.person_key,
        c.charge_key,
        c.offense_raw,
        c.section_key,
        c.disposition_date,
        coalesce(m.is_superstrike, 0) = 1 as is_superstrike,
        coalesce(m.is_pc290, 0) = 1 as is_pc290,
        coalesce(m.is_prop64, 0) = 1 as is_prop64
    from {{ ref('int_charges_assembled') }} as c
    left join matches as m on m.charge_key = c.charge_key
    where c.is_convicted and c.source_system = 'doj'
),

registered as (
    select distinct person_key
    from {{ ref('int_registrations_unioned') }}
    where registration_type = 'sex_offender'
)

select
    p.person_key,
    p.is_deceased,
    r.person_key is not null as has_pc290_registration,
    coalesce(
        {{ dbt.listagg("case when conv.is_superstrike then conv.offense_raw end", "';'",
                   "order by conv.disposition_date, conv.charge_key") }},
        '-'
    ) as superstrike_sections,
    coalesce(
        {{ dbt.listagg("case when conv.is_pc290 then conv.offense_raw end", "';'",
                   "order by conv.disposition_date, conv.charge_key") }},
        '-'
    ) as pc290_sections,
    count(conv.charge_key) as convictions,
    count(case when conv.is_prop64 then 1 end) as prop64_convictions,
    count(case when conv.is_prop64 and conv.section_key = '11357' then 1 end) as n_11357,
    count(case when conv.is_prop64 and conv.section_key = '11358' then 1 end) as n_11358,
    count(case when conv.is_prop64 and conv.section_key = '11359' then 1 end) as n_11359,
    count(case when conv.is_prop64 and conv.section_key = '11360' then 1 end) as n_11360,
    max(conv.disposition_date) as most_recent_conviction_date
from {{ ref('int_persons_unioned') }} as p
left join conv on conv.person_key = p.person_key
left join registered as r on r.person_key = p.person_key
where p.source_system = 'doj'
group by p.person_key, p.is_deceased, r.person_key
