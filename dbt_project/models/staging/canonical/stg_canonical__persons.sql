-- One row per person of a canonical extract. Keys are prefixed with the extract's name.
select
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    trim(person_id) as person_id,
    source_extract,
    source_file,
    source_line,
    upper({{ clean_text('state') }}) as state,
    {{ clean_text('name') }} as person_name,
    upper({{ clean_text('gender') }}) as gender,
    upper({{ clean_text('race') }}) as race,
    {{ iso_date_columns('dob', 'dob') }},
    {{ iso_date_columns('deceased_date', 'deceased_date') }}
from {{ source('canonical', 'canonical_persons') }}
