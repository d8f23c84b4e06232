-- A view: the writers read it once per run, so a table would only copy the rows (at 1M
-- rows, seconds of the dbt step) before they stream them.
{{ config(materialized=('table' if target.type == 'spark' else 'view')) }}

-- What the clearance files print of each decision: the decision table's row, the person's
-- name, CII, DOB and recorded gender and race, and the arrest's offense tracking number.
-- Grain: one row per decision (program and charge), unique on decision_id; every row of
-- fct_decisions. Read by the export writers (orchestration/exports/load.py), which add the
-- prosecutor's latest review (audit.review_outcomes: written between runs by `cleanslate review
-- import`, so it is read when the files are written, not when this table is built).
with decisions as (
    select * from {{ ref('fct_decisions') }}
),

persons as (
    select person_key, person_name, cii_number, dob_raw, gender, race, dob_precision, dob_earliest
    from {{ ref('int_persons_unioned') }}
),

-- otn: the offense tracking number, a canonical arrest's episode_id (the court documents of a
-- state whose profile lists it print it); NULL for DOJ records and arrests without one
otn as (
    select
        arrest_key,
        min(
            case
                when episode_key <> 'canonical:' || source_extract || ':arrest:' || arrest_id
                    then substr(episode_key, length('canonical:' || source_extract || ':') + 1)
            end
        ) as otn
    from {{ ref('stg_canonical__arrests') }}
    group by arrest_key
)

select
    d.decision_id,
    d.conviction_id,
    d.charge_key,
    d.person_key,
    d.subject_id,
    d.source_system,
    d.jurisdiction,
    d.charge_ref,
    d.cnt_order,
    d.arrest_key,
    d.case_key,
    d.source_file,
    d.source_line,
    d.source_sha256,
    d.county,
    d.case_number,
    d.disposition,
    d.conviction_date,
    d.conviction_date_raw,
    d.conviction_date_precision,
    d.offense_raw,
    d.offense_text_column,
    d.statute,
    d.section,
    d.is_attempt,
    d.is_conspiracy,
    d.offense_level,
    d.grade,
    d.is_felony,
    d.sentence_end_date,
    d.program,
    d.aggregate_to,
    d.group_key,
    d.determination,
    d.relief,
    d.eligible_on,
    d.charge_determination,
    d.charge_eligible_on,
    d.decisive_rule,
    d.reason_codes,
    d.reasons,
    d.citations,
    d.missing_facts,
    d.facts,
    d.rules_trace,
    d.as_of,
    d.rules_version,
    d.decision_digest,
    d.is_undecided,
    p.person_name,
    p.cii_number,
    p.dob_raw,
    p.gender,
    p.race,
    case when p.dob_precision = 'day' then p.dob_earliest end as dob,
    o.otn
from decisions as d
inner join persons as p on p.person_key = d.person_key
left join otn as o on o.arrest_key = d.arrest_key
