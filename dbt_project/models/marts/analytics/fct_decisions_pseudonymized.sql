-- Analyst-facing decisions: one row per decision (program x charge), pseudonymous.
-- (Named mart_decisions until this release; mart_decisions is now a deprecated view of this table.)
-- No names, subject ids, CII, dates of birth, case numbers or source lines: a keyed hash of the
-- person, an age band on the as-of date, the conviction year. Identifying columns stay in the
-- restricted models (raw, staging, intermediate, fct_*), which the exports and auditors use.
-- The key has no default (macros/pseudonym_key.sql): without it the model does not compile.
select
    {{ sha256_hex("'" ~ pseudonym_key() ~ "' || '|' || d.person_key") }} as person_pseudo_key,
    {{ sha256_hex("'" ~ pseudonym_key() ~ "' || '|' || d.decision_id") }} as decision_pseudo_key,
    d.program,
    d.jurisdiction,
    d.source_system,
    d.county,
    d.section,
    d.statute,
    d.offense_level,
    d.grade,
    d.disposition,
    cast(extract(year from coalesce(d.conviction_date, c.disposition_date_earliest)) as {{ dbt.type_bigint() }}) as conviction_year,
    d.determination,
    d.relief,
    d.eligible_on,
    d.charge_determination,
    d.aggregate_to,
    d.is_undecided,
    d.decisive_rule,
    d.reason_codes,
    case
        when p.dob_latest is null then 'unknown'
        when {{ dbt.dateadd('year', 21, 'p.dob_latest') }} > d.as_of then 'under 21'
        when {{ dbt.dateadd('year', 30, 'p.dob_latest') }} > d.as_of then '21-29'
        when {{ dbt.dateadd('year', 40, 'p.dob_latest') }} > d.as_of then '30-39'
        when {{ dbt.dateadd('year', 50, 'p.dob_latest') }} > d.as_of then '40-49'
        when {{ dbt.dateadd('year', 60, 'p.dob_latest') }} > d.as_of then '50-59'
        else '60+'
    end as age_band,
    p.gender,
    p.race,
    d.as_of,
    d.rules_version
from {{ ref('fct_decisions') }} as d
inner join {{ ref('int_persons_unioned') }} as p on p.person_key = d.person_key
inner join {{ ref('int_charges_assembled') }} as c on c.charge_key = d.charge_key
