-- One row per conviction: a subject's count (CNT_ORDER) whose disposition starts CONVICTED.
-- DOJ repeats a count on several rows, one per sentence part; the first row (file order)
-- carries the conviction and every row's sentence part is summed onto the SAME count (the
-- earlier tool added them to whichever conviction came last). Subjects merge across files.
with conviction_rows as (
    select
        e.*,
        -- A count with no usable CNT_ORDER cannot be merged with anything: it stands alone.
        coalesce(e.cnt_order, 'line:' || e.source_file || ':' || cast(e.source_line as varchar)) as count_key
    from {{ ref('stg_doj__events') }} as e
    where e.is_conviction_row
      and e.subject_id is not null
),

ranked as (
    select
        *,
        row_number() over (partition by subject_id, count_key order by source_file, source_line) as row_rank,
        count(*) over (partition by subject_id, count_key) as record_count,
        sum(sentence_days) over (partition by subject_id, count_key) as total_sentence_days,
        sum(sentence_months) over (partition by subject_id, count_key) as total_sentence_months,
        sum(sentence_years) over (partition by subject_id, count_key) as total_sentence_years
    from conviction_rows
),

first_rows as (
    select * from ranked where row_rank = 1
)

select
    md5(f.subject_id || '|' || f.count_key) as conviction_id,
    f.subject_id,
    f.cnt_order,
    f.cycle_order,
    f.court_step_key,
    f.source_file,
    f.source_line,
    f.source_sha256,
    f.record_count,
    f.county,
    f.agency,
    f.case_number,
    f.disposition,
    f.event_date as conviction_date,
    f.event_date_raw as conviction_date_raw,
    f.event_date_earliest as conviction_date_earliest,
    f.event_date_latest as conviction_date_latest,
    f.event_date_precision as conviction_date_precision,
    -- The offense date is not in the file; the arrest cycle date is the best proxy,
    -- then the conviction date (the offense came before it).
    coalesce(f.cycle_date_earliest, f.event_date_earliest) as offense_date_earliest,
    coalesce(f.cycle_date_latest, f.event_date_latest) as offense_date_latest,
    case when f.cycle_date_earliest is not null then 'CYC_DATE'
         when f.event_date_earliest is not null then 'STP_EVENT_DATE' end as offense_date_column,
    f.offense_text as offense_raw,
    f.offense_text_column,
    n.statute,
    n.statute_section,
    n.section_key,
    n.statute_code,
    n.subdivisions,
    coalesce(n.is_attempt, false) as is_attempt,
    coalesce(n.is_conspiracy, false) as is_conspiracy,
    coalesce(n.enhancements, '') as enhancements,
    coalesce(n.parse_status, 'missing') as parse_status,
    f.offense_level,
    f.offense_level_column,
    case when f.offense_level is null then null else f.offense_level = 'felony' end as is_felony,
    f.total_sentence_days as sentence_days,
    f.total_sentence_months as sentence_months,
    f.total_sentence_years as sentence_years,
    -- Calendar-aware: years, then months, then days after the conviction date.
    case when f.event_date is not null then
        cast(
            {{ dbt.dateadd('day', 'f.total_sentence_days',
                dbt.dateadd('month', 'f.total_sentence_months',
                    dbt.dateadd('year', 'f.total_sentence_years', 'f.event_date'))) }}
        as date)
    end as sentence_end_date
from first_rows as f
left join {{ ref('int_charge_codes_normalized') }} as n
    on f.offense_text = n.offense_text
