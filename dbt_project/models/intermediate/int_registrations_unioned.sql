-- Registration periods from every source. CA DOJ: a REGISTRATION step whose offense starts
-- with 290 is a PC 290 sex-offender registration (start = the event date, end unknown).
select
    'doj:' || subject_id as person_key,
    'sex_offender' as registration_type,
    source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as source_ref,
    event_date_earliest as start_date_earliest,
    event_date_latest as start_date_latest,
    cast(null as date) as end_date
from {{ ref('stg_doj__events') }}
where subject_id is not null
  and step_type = 'REGISTRATION'
  and upper(coalesce(offense_descr, comment_text, '')) like '290%'

union all

select
    person_key,
    registration_type,
    source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as source_ref,
    start_date_earliest,
    start_date_latest,
    end_date_latest as end_date
from {{ ref('stg_canonical__registrations') }}
