{#-
  The condition catalog, in SQL: one block per condition type of orchestration/rules/schema.py.
  Input: `candidates` (program_id, conviction_id) and `conditions` (rows of stg_rules__conditions),
  both names of CTEs in the calling model. Output: one row per candidate x condition with
    value        true / false / NULL (unknown: the data cannot decide),
    fact         what the data said (for the audit trail),
    missing_fact when value is NULL, the fact that would decide it.
  Logic is three-valued (Kleene): a partial date, a blank felony status or a charge with no code
  gives NULL, never a guess.
-#}
{% macro evaluate_conditions(candidates, conditions) %}
cc as (
    select
        k.program_id,
        k.conviction_id,
        d.rule_id,
        d.condition_seq,
        d.condition_type,
        d.description,
        d.code_set,
        d.levels,
        d.date_value,
        d.years,
        coalesce(d.must_precede, true) as must_precede,
        coalesce(d.same_section, false) as same_section,
        coalesce(d.min_count, 1) as min_count,
        d.registration,
        p.as_of_date,
        c.subject_id,
        c.statute,
        c.section_key,
        c.parse_status,
        c.offense_raw,
        c.offense_level,
        c.offense_level_column,
        c.conviction_date_raw,
        c.conviction_date_earliest,
        c.conviction_date_latest,
        c.conviction_date_precision,
        c.offense_date_earliest,
        c.offense_date_latest,
        c.offense_date_column
    from {{ candidates }} as k
    inner join {{ conditions }} as d on d.program_id = k.program_id
    inner join {{ ref('stg_rules__programs') }} as p on p.program_id = k.program_id
    inner join {{ ref('int_convictions_assembled') }} as c on c.conviction_id = k.conviction_id
),

cond_statute_in_set as (
    select
        cc.*,
        case when m.conviction_id is null then false else m.is_match end as value,
        'statute=' || coalesce(cc.statute, 'section ' || cc.section_key || ' with no code', 'unparsed') as fact,
        'code abbreviation (HS, PC, ...) of charge ' || coalesce(cc.offense_raw, '') as missing
    from cc
    left join {{ ref('int_conviction_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.conviction_id = cc.conviction_id
    where cc.condition_type = 'statute_in_set'
),

cond_level_in as (
    select
        cc.*,
        case when cc.offense_level is null then null
             else position(',' || cc.offense_level || ',' in ',' || cc.levels || ',') > 0 end as value,
        'level=' || coalesce(cc.offense_level || ' (' || cc.offense_level_column || ')', 'unknown') as fact,
        'felony/misdemeanor status (CONV_STAT_DESCR and OFFENSE_TOC blank or unrecognised)' as missing
    from cc
    where cc.condition_type = 'level_in'
),

cond_date_after as (
    select
        cc.*,
        case when cc.conviction_date_earliest > cc.date_value then true
             when cc.conviction_date_latest <= cc.date_value then false end as value,
        'conviction_date=' || coalesce(cc.conviction_date_raw, 'missing') || ' (' || cc.conviction_date_precision || ')' as fact,
        'exact conviction date (STP_EVENT_DATE is ' || coalesce(cc.conviction_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'date_after'
),

other_convictions as (
    select
        cc.program_id,
        cc.conviction_id,
        cc.rule_id,
        cc.condition_seq,
        o.source_file || ':' || cast(o.source_line as varchar) as other_source,
        -- Kleene AND of: in the code set, earlier than this conviction, same section.
        case
            when m.is_match is not null and m.is_match = false then false
            when cc.must_precede and o.conviction_date_earliest >= cc.conviction_date_latest then false
            when cc.same_section and o.section_key is distinct from cc.section_key then false
            when m.is_match
                 and (not cc.must_precede or o.conviction_date_latest < cc.conviction_date_earliest)
                then true
        end as value
    from cc
    inner join {{ ref('int_convictions_assembled') }} as o
        on o.subject_id = cc.subject_id and o.conviction_id <> cc.conviction_id
    inner join {{ ref('int_conviction_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.conviction_id = o.conviction_id
    where cc.condition_type = 'has_other_conviction'
),

other_counts as (
    select
        program_id, conviction_id, rule_id, condition_seq,
        count(case when value then 1 end) as certain,
        count(case when value is null then 1 end) as possible,
        string_agg(case when value then other_source end, ', ' order by other_source) as certain_sources,
        string_agg(case when value is null then other_source end, ', ' order by other_source) as possible_sources
    from other_convictions
    group by program_id, conviction_id, rule_id, condition_seq
),

cond_has_other_conviction as (
    select
        cc.*,
        case when coalesce(o.certain, 0) >= cc.min_count then true
             when coalesce(o.certain, 0) + coalesce(o.possible, 0) < cc.min_count then false end as value,
        cc.code_set || ': ' || coalesce(o.certain, 0) || ' found'
            || coalesce(' (' || o.certain_sources || ')', '')
            || case when coalesce(o.possible, 0) > 0 then ', ' || o.possible || ' undetermined' else '' end as fact,
        'date or code of other conviction(s) at ' || coalesce(o.possible_sources, '') as missing
    from cc
    left join other_counts as o
        on o.program_id = cc.program_id and o.conviction_id = cc.conviction_id
        and o.rule_id = cc.rule_id and o.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_other_conviction'
),

registrations as (
    select
        cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq,
        count(case when not cc.must_precede or r.event_date_latest < cc.conviction_date_earliest then 1 end) as certain,
        count(case when cc.must_precede
                    and not (r.event_date_latest < cc.conviction_date_earliest)
                    and not (r.event_date_earliest >= cc.conviction_date_latest) then 1 end)
        + count(case when cc.must_precede
                      and (r.event_date_latest is null or cc.conviction_date_earliest is null) then 1 end) as possible,
        string_agg(r.source_file || ':' || cast(r.source_line as varchar), ', ') as sources
    from cc
    inner join {{ ref('int_registrations_pc290') }} as r on r.subject_id = cc.subject_id
    where cc.condition_type = 'has_registration'
    group by cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq
),

cond_has_registration as (
    select
        cc.*,
        case when coalesce(r.certain, 0) >= 1 then true
             when coalesce(r.possible, 0) = 0 then false end as value,
        'pc_290 registrations: ' || coalesce(r.certain, 0) || ' counted'
            || coalesce(' (' || r.sources || ')', '') as fact,
        'date of PC 290 registration event(s) at ' || coalesce(r.sources, '') as missing
    from cc
    left join registrations as r
        on r.program_id = cc.program_id and r.conviction_id = cc.conviction_id
        and r.rule_id = cc.rule_id and r.condition_seq = cc.condition_seq
    where cc.condition_type = 'has_registration'
),

cond_age_at_offense_lt as (
    select
        cc.*,
        case when cc.offense_date_latest < {{ dbt.dateadd('year', 'cc.years', 's.dob_earliest') }} then true
             when cc.offense_date_earliest >= {{ dbt.dateadd('year', 'cc.years', 's.dob_latest') }} then false end as value,
        'offense date from ' || coalesce(cc.offense_date_column, 'nowhere') || ', birth date ' || coalesce(s.dob_precision, 'missing') as fact,
        'exact birth date and offense date (birth date ' || coalesce(s.dob_precision, 'missing') || ')' as missing
    from cc
    left join {{ ref('int_subjects_summarized') }} as s on s.subject_id = cc.subject_id
    where cc.condition_type = 'age_at_offense_lt'
),

cond_age_at_as_of_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 's.dob_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 's.dob_earliest') }} > cc.as_of_date then false end as value,
        'birth date ' || coalesce(s.dob_precision, 'missing') || ', as of ' || cast(cc.as_of_date as varchar) as fact,
        'exact birth date (' || coalesce(s.dob_precision, 'missing') || ')' as missing
    from cc
    left join {{ ref('int_subjects_summarized') }} as s on s.subject_id = cc.subject_id
    where cc.condition_type = 'age_at_as_of_ge'
),

cond_years_since_conviction_ge as (
    select
        cc.*,
        case when {{ dbt.dateadd('year', 'cc.years', 'cc.conviction_date_latest') }} <= cc.as_of_date then true
             when {{ dbt.dateadd('year', 'cc.years', 'cc.conviction_date_earliest') }} > cc.as_of_date then false end as value,
        'conviction_date=' || coalesce(cc.conviction_date_raw, 'missing') || ', as of ' || cast(cc.as_of_date as varchar) as fact,
        'exact conviction date (STP_EVENT_DATE is ' || coalesce(cc.conviction_date_raw, 'blank') || ')' as missing
    from cc
    where cc.condition_type = 'years_since_conviction_ge'
),

latest_convictions as (
    select
        cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq,
        bool_or(o.conviction_date_earliest >= {{ dbt.dateadd('year', '-cc.years', 'cc.as_of_date') }}) as any_recent,
        bool_and(o.conviction_date_latest < {{ dbt.dateadd('year', '-cc.years', 'cc.as_of_date') }}) as all_old,
        max(o.conviction_date_latest) as most_recent
    from cc
    inner join {{ ref('int_convictions_assembled') }} as o on o.subject_id = cc.subject_id
    where cc.condition_type = 'no_conviction_within_years'
    group by cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq
),

cond_no_conviction_within_years as (
    select
        cc.*,
        case when l.any_recent then false when l.all_old then true end as value,
        'most recent conviction on record: ' || coalesce(cast(l.most_recent as varchar), 'unknown') as fact,
        'dates of all convictions on the record' as missing
    from cc
    left join latest_convictions as l
        on l.program_id = cc.program_id and l.conviction_id = cc.conviction_id
        and l.rule_id = cc.rule_id and l.condition_seq = cc.condition_seq
    where cc.condition_type = 'no_conviction_within_years'
),

all_in_set as (
    select
        cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq,
        count(*) as convictions,
        count(m.conviction_id) as in_set_or_maybe,
        count(case when m.is_match then 1 end) as in_set
    from cc
    inner join {{ ref('int_convictions_assembled') }} as o on o.subject_id = cc.subject_id
    left join {{ ref('int_conviction_code_set_matches') }} as m
        on m.program_id = cc.program_id and m.code_set = cc.code_set and m.conviction_id = o.conviction_id
    where cc.condition_type = 'all_convictions_in_set'
    group by cc.program_id, cc.conviction_id, cc.rule_id, cc.condition_seq
),

cond_all_convictions_in_set as (
    select
        cc.*,
        case when a.in_set_or_maybe < a.convictions then false
             when a.in_set = a.convictions then true end as value,
        a.in_set || ' of ' || a.convictions || ' convictions in ' || cc.code_set as fact,
        'code abbreviation of some convictions on the record' as missing
    from cc
    inner join all_in_set as a
        on a.program_id = cc.program_id and a.conviction_id = cc.conviction_id
        and a.rule_id = cc.rule_id and a.condition_seq = cc.condition_seq
    where cc.condition_type = 'all_convictions_in_set'
),

cond_subject_deceased as (
    select
        cc.*,
        coalesce(s.is_deceased, false) as value,
        case when s.is_deceased then 'DECEASED step at ' || s.deceased_source else 'no DECEASED step' end as fact,
        cast(null as varchar) as missing
    from cc
    left join {{ ref('int_subjects_summarized') }} as s on s.subject_id = cc.subject_id
    where cc.condition_type = 'subject_deceased'
),

evaluated as (
    {% set types = ['statute_in_set', 'level_in', 'date_after', 'has_other_conviction', 'has_registration',
                    'age_at_offense_lt', 'age_at_as_of_ge', 'years_since_conviction_ge',
                    'no_conviction_within_years', 'all_convictions_in_set', 'subject_deceased'] %}
    {% for t in types %}
    select program_id, conviction_id, rule_id, condition_seq, condition_type, description,
           value, fact, case when value is null then missing end as missing_fact
    from cond_{{ t }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)
{% endmacro %}
