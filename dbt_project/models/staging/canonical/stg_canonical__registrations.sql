-- One row per registration period.
select
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    source_extract,
    source_file,
    source_line,
    lower({{ clean_text('registration_type') }}) as registration_type,
    {{ iso_date_columns('start_date', 'start_date') }},
    {{ iso_date_columns('end_date', 'end_date') }}
from {{ source('canonical', 'canonical_registrations') }}
