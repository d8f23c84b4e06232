-- Supervision periods (probation, parole, PRCS, mandatory supervision). Canonical extracts carry
-- them in their `supervision` table; the CA DOJ research file does not (the Supervised Release
-- File is separate), but a run can take supervision files for its DOJ subjects
-- (stg_doj__supervision): the rows matched to a subject by SUBJECT_ID or CII are used here,
-- with the key that matched in source_ref's neighbour matched_key.
select
    person_key,
    supervision_type,
    agency,
    source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as source_ref,
    cast(null as {{ dbt.type_string() }}) as matched_key,
    start_date_earliest,
    start_date_latest,
    end_date_earliest,
    end_date_latest,
    end_date_precision
from {{ ref('stg_canonical__supervision') }}

union all

select
    person_key,
    supervision_type,
    agency,
    source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as source_ref,
    matched_key,
    start_date_earliest,
    start_date_latest,
    end_date_earliest,
    end_date_latest,
    end_date_precision
from {{ ref('stg_doj__supervision') }}
where person_key is not null
