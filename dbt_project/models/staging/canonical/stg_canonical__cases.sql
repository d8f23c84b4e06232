-- One row per court case.
select
    'canonical:' || source_extract || ':' || trim(case_id) as case_key,
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    -- a reference key: blank or a placeholder is no reference; otherwise trimmed only, as the
    -- referenced table's own key is
    case when {{ clean_text('arrest_id') }} is not null
         then 'canonical:' || source_extract || ':' || trim(arrest_id) end as arrest_key,
    trim(case_id) as case_id,
    source_extract,
    source_file,
    source_line,
    {{ clean_text('court') }} as court,
    upper({{ clean_text('county') }}) as county,
    {{ iso_date_columns('filing_date', 'filing_date') }},
    lower({{ clean_text('case_status') }}) as case_status,
    {{ try_cast_as(clean_text('restitution_balance'), 'decimal(14, 2)') }} as restitution_balance
from {{ source('canonical', 'canonical_cases') }}
