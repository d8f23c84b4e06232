-- One row per charge (count) of every person, from every source, in one shape: the facts every
-- rule reads (statute, level, grade, disposition, dates as ranges, sentence, case, arrest).
--
-- CA DOJ: a count is a subject's CNT_ORDER. It is repeated on several rows, one per sentence
-- part; the first row (a convicted one if any, in file order) carries the charge and every
-- convicted row's sentence part is summed onto the SAME count (the earlier tool added them to
-- whichever conviction came last). Arrest = the cycle, case = the court step, and subjects
-- merge across files (SUBJECT_ID is statewide).
-- Canonical: charges joined to their final disposition (the latest), sentence parts, arrest,
-- case and the statute parser of the person's state.
with doj_rows as (
    select
        e.*,
        -- A count with no usable CNT_ORDER cannot be merged with anything: it stands alone.
        coalesce(e.cnt_order, 'line:' || e.source_file || ':' || cast(e.source_line as {{ dbt.type_string() }})) as count_key
    from {{ ref('stg_doj__events') }} as e
    where e.subject_id is not null
      and e.step_type is distinct from 'REGISTRATION'
      -- the earlier tool counted a CONVICTED disposition on any step, DECEASED included
      and (e.is_conviction_row or e.step_type is distinct from 'DECEASED')
),

doj_ranked as (
    select
        *,
        row_number() over (
            partition by subject_id, count_key
            order by case when is_conviction_row then 0 else 1 end, source_file, source_line
        ) as row_rank,
        count(*) over w as record_count,
        sum(case when is_conviction_row then sentence_days else 0 end) over w as total_days,
        sum(case when is_conviction_row then sentence_months else 0 end) over w as total_months,
        sum(case when is_conviction_row then sentence_years else 0 end) over w as total_years,
        count(case when is_conviction_row and sentence_unit in ('D', 'M', 'Y')
                        and sentence_length is not null then 1 end) over w as sentence_parts,
        bool_or(sentence_location = 'PRISON' or disposition like '%PRISON%') over w as has_prison,
        bool_or(sentence_location = 'JAIL' or disposition like '%JAIL%') over w as has_jail,
        bool_or(sentence_location = 'PROBATION' or disposition like '%PROBATION%') over w as has_probation,
        bool_or(disposition like '%PROBATION REVOKED%') over w as probation_revoked_seen
    from doj_rows
    window w as (partition by subject_id, count_key)
),

doj as (
    select
        md5('doj:' || subject_id || '|' || count_key) as charge_key,
        'doj:' || subject_id as person_key,
        subject_id,
        'doj' as source_system,
        'US-CA' as jurisdiction,
        count_key as charge_ref,
        cnt_order,
        'doj:' || subject_id || ':' || coalesce(cycle_order, count_key) as arrest_key,
        case when step_type = 'COURT ACTION'
             then 'doj:' || subject_id || ':' || coalesce(court_step_key, count_key) end as case_key,
        'doj:' || subject_id || ':' || coalesce(cycle_order, count_key) as episode_key,
        source_file,
        source_line,
        source_sha256,
        record_count,
        county,
        agency,
        case_number,
        offense_text as offense_raw,
        offense_text_column,
        offense_level,
        offense_level_column,
        cast(null as {{ dbt.type_string() }}) as grade,
        cast(null as {{ type_double() }}) as max_penalty_years,
        cast(null as boolean) as is_dv,
        cast(null as boolean) as is_traffic,
        case
            when is_conviction_row then 'convicted'
            when disposition like 'DISMISSED%' then 'dismissed'
            when disposition like 'ACQUITTED%' or disposition like 'NOT GUILTY%' then 'acquitted'
            when disposition like 'PROS REJ%' then 'prosecutor_rejected'
            else 'unknown'
        end as disposition,
        disposition as disposition_raw,
        is_conviction_row as is_convicted,
        event_date as disposition_date,
        event_date_raw as disposition_date_raw,
        event_date_earliest as disposition_date_earliest,
        event_date_latest as disposition_date_latest,
        event_date_precision as disposition_date_precision,
        -- The offense date is not in the file; the arrest cycle date is the best proxy.
        coalesce(cycle_date_earliest, event_date_earliest) as offense_date_earliest,
        coalesce(cycle_date_latest, event_date_latest) as offense_date_latest,
        case when cycle_date_earliest is not null then 'CYC_DATE'
             when event_date_earliest is not null then 'STP_EVENT_DATE' end as offense_date_column,
        cycle_date_earliest as arrest_date_earliest,
        cycle_date_latest as arrest_date_latest,
        coalesce(has_prison, false) as has_prison,
        coalesce(has_jail, false) as has_jail,
        coalesce(has_probation, false) as has_probation,
        -- Revocations are rarely recorded in the research file: unknown unless seen.
        case when probation_revoked_seen then true when not has_probation then false end as probation_revoked,
        -- Calendar-aware: years, then months, then days after the conviction date. No sentence
        -- parts on a conviction = the sentence is not known (NULL), not "nothing to serve".
        case when is_conviction_row and sentence_parts > 0 and event_date is not null then
            cast(
                {{ dbt.dateadd('day', 'total_days',
                    dbt.dateadd('month', 'total_months',
                        dbt.dateadd('year', 'total_years', 'event_date'))) }}
            as date)
        end as sentence_end_date,
        cast(null as date) as prison_release_date,
        cast(null as {{ dbt.type_string() }}) as case_status,
        cast(null as decimal(14, 2)) as restitution_balance
    from doj_ranked
    where row_rank = 1
),

canon_final_disposition as (
    select
        *,
        row_number() over (
            partition by charge_key
            order by disposition_date_latest desc nulls last, source_line desc
        ) as pick
    from {{ ref('stg_canonical__dispositions') }}
),

canon_sentence_parts as (
    select
        s.charge_key,
        s.sentence_type,
        s.is_revoked,
        -- a part ends on its end date, else start (or judgment) + its length
        coalesce(
            s.end_date_latest,
            case when s.sentence_length is not null and s.sentence_unit in ('D', 'M', 'Y') then
                {{ dbt.dateadd('day', "case when s.sentence_unit = 'D' then s.sentence_length else 0 end",
                    dbt.dateadd('month', "case when s.sentence_unit = 'M' then s.sentence_length else 0 end",
                        dbt.dateadd('year', "case when s.sentence_unit = 'Y' then s.sentence_length else 0 end",
                            'coalesce(s.start_date_latest, d.disposition_date_latest)'))) }}
            end,
            case when s.sentence_type = 'fine' then coalesce(s.start_date_latest, d.disposition_date_latest) end
        ) as part_end
    from {{ ref('stg_canonical__sentences') }} as s
    left join canon_final_disposition as d on d.charge_key = s.charge_key and d.pick = 1
),

canon_sentences as (
    select
        charge_key,
        bool_or(sentence_type = 'prison') as has_prison,
        bool_or(sentence_type = 'jail') as has_jail,
        bool_or(sentence_type = 'probation') as has_probation,
        case when not bool_or(sentence_type = 'probation') then false
             when bool_or(sentence_type = 'probation' and is_revoked) then true
             when bool_and(sentence_type <> 'probation' or is_revoked is not null) then false
        end as probation_revoked,
        -- unknown (NULL) if any part's end cannot be computed
        case when count(*) = count(part_end) then cast(max(part_end) as date) end as sentence_end_date,
        cast(max(case when sentence_type = 'prison' then part_end end) as date) as prison_release_date
    from canon_sentence_parts
    group by charge_key
),

canon as (
    select
        c.charge_key,
        c.person_key,
        c.person_id as subject_id,
        'canonical' as source_system,
        'US-' || p.state as jurisdiction,
        c.charge_id as charge_ref,
        cast(null as {{ dbt.type_string() }}) as cnt_order,
        c.arrest_key,
        c.case_key,
        coalesce(a.episode_key, c.arrest_key, c.case_key, c.charge_key) as episode_key,
        c.source_file,
        c.source_line,
        c.source_sha256,
        1 as record_count,
        coalesce(k.county, a.county) as county,
        coalesce(k.court, a.agency) as agency,
        k.case_id as case_number,
        c.statute_raw as offense_raw,
        'statute' as offense_text_column,
        case when c.offense_level in ('felony', 'misdemeanor', 'infraction', 'summary') then c.offense_level end as offense_level,
        case when c.offense_level in ('felony', 'misdemeanor', 'infraction', 'summary') then 'level' end as offense_level_column,
        nullif(c.grade, '') as grade,
        c.max_penalty_years,
        c.is_dv,
        c.is_traffic,
        coalesce(d.disposition, case when k.case_status = 'open' then 'pending' else 'unknown' end) as disposition,
        d.disposition as disposition_raw,
        coalesce(d.disposition = 'convicted', false) as is_convicted,
        case when d.disposition_date_precision = 'day' then d.disposition_date_earliest end as disposition_date,
        d.disposition_date_raw,
        d.disposition_date_earliest,
        d.disposition_date_latest,
        coalesce(d.disposition_date_precision, 'missing') as disposition_date_precision,
        coalesce(c.offense_date_earliest, a.arrest_date_earliest, d.disposition_date_earliest) as offense_date_earliest,
        coalesce(c.offense_date_latest, a.arrest_date_latest, d.disposition_date_latest) as offense_date_latest,
        case when c.offense_date_earliest is not null then 'offense_date'
             when a.arrest_date_earliest is not null then 'arrest_date'
             when d.disposition_date_earliest is not null then 'disposition_date' end as offense_date_column,
        a.arrest_date_earliest,
        a.arrest_date_latest,
        coalesce(s.has_prison, false) as has_prison,
        coalesce(s.has_jail, false) as has_jail,
        coalesce(s.has_probation, false) as has_probation,
        coalesce(s.probation_revoked, false) as probation_revoked,
        s.sentence_end_date,
        s.prison_release_date,
        k.case_status,
        k.restitution_balance
    from {{ ref('stg_canonical__charges') }} as c
    inner join {{ ref('stg_canonical__persons') }} as p on p.person_key = c.person_key
    left join {{ ref('stg_canonical__arrests') }} as a on a.arrest_key = c.arrest_key
    left join {{ ref('stg_canonical__cases') }} as k on k.case_key = c.case_key
    left join canon_final_disposition as d on d.charge_key = c.charge_key and d.pick = 1
    left join canon_sentences as s on s.charge_key = c.charge_key
),

unioned as (
    select * from doj
    union all
    select * from canon
),

statutes as (
    -- CA texts (DOJ and canonical) through the CA parser; UT and PA through theirs.
    select
        'US-CA' as jurisdiction, offense_text as statute_raw, statute, statute_section,
        section_key, statute_code, subdivisions, is_attempt, is_conspiracy, enhancements,
        parse_status, code_inferred, code_inference_keyword, code_inference_basis
    from {{ ref('int_charge_codes_normalized') }}
    union all
    select
        jurisdiction, statute_raw, statute, statute_section, section as section_key,
        statute_code, subdivisions, false as is_attempt, false as is_conspiracy,
        '' as enhancements, parse_status, false as code_inferred,
        cast(null as {{ dbt.type_string() }}) as code_inference_keyword,
        cast(null as {{ dbt.type_string() }}) as code_inference_basis
    from {{ ref('int_statutes_normalized') }}
)

select
    u.*,
    n.statute,
    n.statute_section,
    n.section_key,
    n.statute_code,
    n.subdivisions,
    coalesce(n.is_attempt, false) as is_attempt,
    coalesce(n.is_conspiracy, false) as is_conspiracy,
    coalesce(n.enhancements, '') as enhancements,
    coalesce(n.parse_status, case when u.offense_raw is null then 'missing' else 'unparsed' end) as parse_status,
    coalesce(n.code_inferred, false) as code_inferred,
    n.code_inference_keyword,
    n.code_inference_basis,
    case when u.offense_level is null then null else u.offense_level = 'felony' end as is_felony
from unioned as u
left join statutes as n
    on n.jurisdiction = u.jurisdiction and n.statute_raw = u.offense_raw
