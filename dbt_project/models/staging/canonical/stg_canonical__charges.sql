-- One row per charge, typed; statute text kept as written (normalized in int_statutes_normalized).
select
    'canonical:' || source_extract || ':' || trim(charge_id) as charge_key,
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    -- a reference key: blank or a placeholder is no reference; otherwise trimmed only, as the
    -- referenced table's own key is
    case when {{ clean_text('arrest_id') }} is not null
         then 'canonical:' || source_extract || ':' || trim(arrest_id) end as arrest_key,
    case when {{ clean_text('case_id') }} is not null
         then 'canonical:' || source_extract || ':' || trim(case_id) end as case_key,
    trim(charge_id) as charge_id,
    trim(person_id) as person_id,
    source_extract,
    source_file,
    source_line,
    source_sha256,
    {{ clean_text('statute') }} as statute_raw,
    {{ clean_text('description') }} as description,
    lower({{ clean_text('level') }}) as offense_level,
    upper({{ clean_text('grade') }}) as grade,
    {{ try_cast_as(clean_text('max_penalty_years'), type_double()) }} as max_penalty_years,
    {{ iso_date_columns('offense_date', 'offense_date') }},
    case upper({{ clean_text('is_dv') }}) when 'Y' then true when 'N' then false end as is_dv,
    case upper({{ clean_text('is_traffic') }}) when 'Y' then true when 'N' then false end as is_traffic
from {{ source('canonical', 'canonical_charges') }}
