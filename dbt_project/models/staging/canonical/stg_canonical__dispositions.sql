-- One row per disposition event of a charge.
select
    'canonical:' || source_extract || ':' || trim(charge_id) as charge_key,
    source_extract,
    source_file,
    source_line,
    lower({{ clean_text('disposition') }}) as disposition,
    {{ iso_date_columns('disposition_date', 'disposition_date') }}
from {{ source('canonical', 'canonical_dispositions') }}
