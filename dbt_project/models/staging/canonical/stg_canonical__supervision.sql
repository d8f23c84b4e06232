-- One row per supervision period (blank end = still under supervision).
select
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    source_extract,
    source_file,
    source_line,
    lower({{ clean_text('supervision_type') }}) as supervision_type,
    upper({{ clean_text('agency') }}) as agency,
    {{ iso_date_columns('start_date', 'start_date') }},
    {{ iso_date_columns('end_date', 'end_date') }}
from {{ source('canonical', 'canonical_supervision') }}
