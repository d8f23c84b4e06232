-- One row per arrest.
select
    'canonical:' || source_extract || ':' || trim(arrest_id) as arrest_key,
    'canonical:' || source_extract || ':' || trim(person_id) as person_key,
    trim(arrest_id) as arrest_id,
    source_extract,
    source_file,
    source_line,
    {{ iso_date_columns('arrest_date', 'arrest_date') }},
    {{ clean_text('agency') }} as agency,
    upper({{ clean_text('county') }}) as county,
    'canonical:' || source_extract || ':' || coalesce(case when {{ clean_text('episode_id') }} is not null then trim(episode_id) end, 'arrest:' || trim(arrest_id)) as episode_key
from {{ source('canonical', 'canonical_arrests') }}
