-- One row per person, from every source: CA DOJ subjects and canonical-extract persons.
-- Birth dates are ranges; when a source's rows disagree, the range covers all of them, so an
-- age rule that depends on which is right answers "unknown" (needs_review), never a pick.
-- has_*_data says whether the source holds that kind of record at all: a rule that needs
-- supervision data on a source without it answers needs_review, naming the missing fact.
with doj as (
    select
        'doj:' || subject_id as person_key,
        subject_id,
        'doj' as source_system,
        'US-CA' as jurisdiction,
        min(dob_earliest) as dob_earliest,
        max(dob_latest) as dob_latest,
        count(distinct dob_raw) > 1 as has_conflicting_dob,
        case when count(distinct dob_raw) > 1 then 'conflicting'
             else coalesce(min(case when dob_earliest is not null then dob_precision end),
                           min(dob_precision)) end as dob_precision,
        -- the first record's name, sex and race (as the earlier tool took the first row's)
        arg_min(person_name, source_file || lpad(cast(source_line as varchar), 12, '0')) as person_name,
        arg_min(cii_number, source_file || lpad(cast(source_line as varchar), 12, '0')) as cii_number,
        arg_min(dob_raw, source_file || lpad(cast(source_line as varchar), 12, '0')) as dob_raw,
        arg_min(gender, source_file || lpad(cast(source_line as varchar), 12, '0')) as gender,
        arg_min(race, source_file || lpad(cast(source_line as varchar), 12, '0')) as race,
        bool_or(step_type = 'DECEASED') as is_deceased,
        min(case when step_type = 'DECEASED'
                 then source_file || ':' || cast(source_line as varchar) end) as deceased_source,
        false as has_supervision_data,
        true as has_registration_data
    from {{ ref('stg_doj__events') }}
    where subject_id is not null
    group by subject_id
),

coverage as (
    select
        source_extract,
        bool_or(table_name = 'supervision' and present) as has_supervision_data,
        bool_or(table_name = 'registrations' and present) as has_registration_data
    from {{ source('canonical', 'canonical_files') }}
    group by source_extract
),

canonical as (
    select
        p.person_key,
        p.person_id as subject_id,
        'canonical' as source_system,
        'US-' || p.state as jurisdiction,
        p.dob_earliest,
        p.dob_latest,
        false as has_conflicting_dob,
        p.dob_precision,
        p.person_name,
        cast(null as varchar) as cii_number,
        p.dob_raw,
        p.gender,
        p.race,
        p.deceased_date_precision <> 'missing' as is_deceased,
        case when p.deceased_date_precision <> 'missing'
             then p.source_file || ':' || cast(p.source_line as varchar) end as deceased_source,
        coalesce(c.has_supervision_data, false) as has_supervision_data,
        coalesce(c.has_registration_data, false) as has_registration_data
    from {{ ref('stg_canonical__persons') }} as p
    left join coverage as c on c.source_extract = p.source_extract
)

select * from doj
union all
select * from canonical
