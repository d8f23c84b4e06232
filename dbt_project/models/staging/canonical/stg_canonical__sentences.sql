-- One row per sentence part of a charge.
select
    'canonical:' || source_extract || ':' || trim(charge_id) as charge_key,
    source_extract,
    source_file,
    source_line,
    lower({{ clean_text('sentence_type') }}) as sentence_type,
    {{ try_cast_as(clean_text('length'), 'integer') }} as sentence_length,
    upper({{ clean_text('unit') }}) as sentence_unit,
    {{ iso_date_columns('start_date', 'start_date') }},
    {{ iso_date_columns('end_date', 'end_date') }},
    case upper({{ clean_text('revoked') }}) when 'Y' then true when 'N' then false end as is_revoked
from {{ source('canonical', 'canonical_sentences') }}
