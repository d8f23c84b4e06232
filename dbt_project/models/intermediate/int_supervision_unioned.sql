-- Supervision periods (probation, parole, PRCS, mandatory supervision). Only canonical extracts
-- carry them; the CA DOJ research file does not (the Supervised Release File is separate).
select
    person_key,
    supervision_type,
    agency,
    source_file || ':' || cast(source_line as {{ dbt.type_string() }}) as source_ref,
    start_date_earliest,
    start_date_latest,
    end_date_earliest,
    end_date_latest,
    end_date_precision
from {{ ref('stg_canonical__supervision') }}
