-- One row per staged row of the supervision files handed to a run for its CA DOJ subjects
-- (docs/canonical-format.md, "Supervision beside a CA DOJ extract"), matched to a subject.
-- person_id is the subject's SUBJECT_ID or CII_NUMBER: a value that is the SUBJECT_ID of a
-- subject matches it (matched_key = 'subject_id'); else a value that is the CII_NUMBER of
-- exactly one subject matches that one (matched_key = 'cii'). Compared trimmed and
-- case-insensitively. A row that matches no subject, or more than one (a SUBJECT_ID of one and
-- the CII of another, a CII on two subjects), is kept here with its unmatched_reason and used
-- by no decision: every staged row is in this model exactly once, matched or with a reason.
with rows as (
    select
        source_file,
        source_line,
        source_sha256,
        -- an identifier: a placeholder is no id; any other value trimmed only
        upper(case when {{ clean_text('person_id') }} is not null then trim(person_id) end) as person_ref,
        lower({{ clean_text('supervision_type') }}) as supervision_type,
        upper({{ clean_text('agency') }}) as agency,
        {{ iso_date_columns('start_date', 'start_date') }},
        {{ iso_date_columns('end_date', 'end_date') }}
    from {{ source('raw', 'doj_supervision') }}
),

subjects as (
    select distinct subject_id, upper(cii_number) as cii_number
    from {{ ref('stg_doj__events') }}
    where subject_id is not null
),

candidates as (
    select r.source_file, r.source_line, s.subject_id, 'subject_id' as key_type
    from rows as r
    inner join (select distinct subject_id from subjects) as s on upper(s.subject_id) = r.person_ref
    union all
    select r.source_file, r.source_line, s.subject_id, 'cii' as key_type
    from rows as r
    inner join subjects as s on s.cii_number = r.person_ref
),

per_row as (
    select
        source_file,
        source_line,
        count(distinct subject_id) as subjects,
        min(subject_id) as subject_id,
        max(case when key_type = 'subject_id' then 1 else 0 end) as by_subject_id
    from candidates
    group by source_file, source_line
)

select
    case when m.subjects = 1 then 'doj:' || m.subject_id end as person_key,
    case when m.subjects = 1 then m.subject_id end as subject_id,
    case when m.subjects = 1 and m.by_subject_id = 1 then 'subject_id'
         when m.subjects = 1 then 'cii' end as matched_key,
    case when r.person_ref is null then 'no person_id (blank or a placeholder)'
         when m.subjects is null then 'no DOJ subject with this SUBJECT_ID or CII'
         when m.subjects > 1 then 'matches ' || cast(m.subjects as {{ dbt.type_string() }})
                                  || ' DOJ subjects (by SUBJECT_ID and CII)'
    end as unmatched_reason,
    r.source_file,
    r.source_line,
    r.source_sha256,
    r.supervision_type,
    r.agency,
    r.start_date_raw,
    r.start_date_earliest,
    r.start_date_latest,
    r.start_date_precision,
    r.end_date_raw,
    r.end_date_earliest,
    r.end_date_latest,
    r.end_date_precision
from rows as r
left join per_row as m on m.source_file = r.source_file and m.source_line = r.source_line
