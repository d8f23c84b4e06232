-- One row per sentence part of a charge.
select
    'canonical:' || source_extract || ':' || trim(charge_id) as charge_key,
    source_extract,
    source_file,
    source_line,
    lower(trim(sentence_type)) as sentence_type,
    {{ try_cast_as("nullif(trim(length), '')", 'integer') }} as sentence_length,
    upper(trim(unit)) as sentence_unit,
    {{ iso_date_columns('start_date', 'start_date') }},
    {{ iso_date_columns('end_date', 'end_date') }},
    case upper(trim(revoked)) when 'Y' then true when 'N' then false end as is_revoked
from {{ source('canonical', 'canonical_sentences') }}
