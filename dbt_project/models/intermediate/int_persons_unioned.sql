-- One row per person, from every source: CA DOJ subjects and canonical-extract persons.
-- Birth dates are ranges; when a source's rows disagree, the range covers all of them, so an
-- age rule that depends on which is right answers "unknown" (needs_review), never a pick.
-- has_*_data says whether the source holds that kind of record at all: a rule that needs
-- supervision data on a source without it answers needs_review, naming the missing fact.
-- CA DOJ subjects have supervision data when the run took a supervision file for them
-- (stg_doj__supervision): a subject with a matched row has it; a subject without a row has it
-- (reads as "no supervision recorded") only when the run declared the files complete
-- (raw.doj_supervision_files.complete). Otherwise absence of a row is unknown, never "none".
-- supervision_data says which of these held (the decision facts name it).
{# the order of a person's records: file name, then line #}
{% set first_record = "source_file || lpad(cast(source_line as " ~ dbt.type_string() ~ "), 12, '0')" %}
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
        {{ first_by('person_name', first_record) }} as person_name,
        {{ first_by('cii_number', first_record) }} as cii_number,
        {{ first_by('dob_raw', first_record) }} as dob_raw,
        {{ first_by('gender', first_record) }} as gender,
        {{ first_by('race', first_record) }} as race,
        bool_or(step_type = 'DECEASED') as is_deceased,
        min(case when step_type = 'DECEASED'
                 then source_file || ':' || cast(source_line as {{ dbt.type_string() }}) end) as deceased_source,
        true as has_registration_data
    from {{ ref('stg_doj__events') }}
    where subject_id is not null
    group by subject_id
),

doj_supervision_complete as (
    -- one row: did the run declare its supervision files complete (false with no file)
    select coalesce(bool_or(complete), false) as complete
    from {{ source('raw', 'doj_supervision_files') }}
),

doj_supervised as (
    select person_key, count(*) as periods
    from {{ ref('stg_doj__supervision') }}
    where person_key is not null
    group by person_key
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
        cast(null as {{ dbt.type_string() }}) as cii_number,
        p.dob_raw,
        p.gender,
        p.race,
        p.deceased_date_precision <> 'missing' as is_deceased,
        case when p.deceased_date_precision <> 'missing'
             then p.source_file || ':' || cast(p.source_line as {{ dbt.type_string() }}) end as deceased_source,
        coalesce(c.has_supervision_data, false) as has_supervision_data,
        case when c.has_supervision_data then 'supervision.csv of the extract'
             else 'none (the extract has no supervision table)' end as supervision_data,
        coalesce(c.has_registration_data, false) as has_registration_data
    from {{ ref('stg_canonical__persons') }} as p
    left join coverage as c on c.source_extract = p.source_extract
)

select
    d.person_key,
    d.subject_id,
    d.source_system,
    d.jurisdiction,
    d.dob_earliest,
    d.dob_latest,
    d.has_conflicting_dob,
    d.dob_precision,
    d.person_name,
    d.cii_number,
    d.dob_raw,
    d.gender,
    d.race,
    d.is_deceased,
    d.deceased_source,
    sv.person_key is not null or sc.complete as has_supervision_data,
    case when sv.person_key is not null
             then 'supervision file: ' || cast(sv.periods as {{ dbt.type_string() }}) || ' period(s) of this subject'
         when sc.complete then 'supervision file declared complete: no period of this subject'
         else 'none (the DOJ research file has no supervision records; no supervision file row for this subject)'
    end as supervision_data,
    d.has_registration_data
from doj as d
cross join doj_supervision_complete as sc
left join doj_supervised as sv on sv.person_key = d.person_key
union all
select * from canonical
