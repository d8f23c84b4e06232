-- One row per subject: the person-level facts rules read (birth date, deceased).
-- When rows disagree on the birth date, the range covers all of them, so an age rule that
-- depends on which one is right answers "unknown" (needs_review) instead of picking one.
with events as (
    select * from {{ ref('stg_doj__events') }} where subject_id is not null
)

select
    subject_id,
    min(dob_earliest) as dob_earliest,
    max(dob_latest) as dob_latest,
    count(distinct dob_raw) > 1 as has_conflicting_dob,
    case when count(distinct dob_raw) > 1 then 'conflicting'
         else coalesce(min(case when dob_earliest is not null then dob_precision end),
                       min(dob_precision)) end as dob_precision,
    bool_or(step_type = 'DECEASED') as is_deceased,
    min(case when step_type = 'DECEASED' then source_file || ':' || cast(source_line as varchar) end)
        as deceased_source,
    count(*) as record_count
from events
group by subject_id
