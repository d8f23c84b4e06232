-- PC 290 sex-offender registration events: REGISTRATION steps whose offense starts with 290.
select
    subject_id,
    source_file,
    source_line,
    event_date_earliest,
    event_date_latest,
    event_date_precision
from {{ ref('stg_doj__events') }}
where subject_id is not null
  and step_type = 'REGISTRATION'
  and upper(coalesce(offense_descr, comment_text, '')) like '290%'
