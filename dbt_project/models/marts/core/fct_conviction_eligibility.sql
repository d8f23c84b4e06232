-- The decision table. Grain: one row per in-scope conviction and program (law).
-- Rules are tried in order; the first that holds decides. A rule that cannot be decided
-- (missing fact) and says on_unknown: review stops there with needs_review, naming the fact.
-- The warehouse holds every county; the county filter belongs to the export.
with results as (
    select * from {{ ref('int_rule_results') }}
),

decisive as (
    select
        *,
        row_number() over (partition by program_id, conviction_id order by rule_order) as pick
    from results
    where value or (value is null and on_unknown = 'review')
),

chosen as (
    select * from decisive where pick = 1
),

trace as (
    -- Every rule tried up to and including the decisive one, for the audit trail.
    select
        r.program_id,
        r.conviction_id,
        string_agg(
            r.rule_id || '=' || case when r.value then 'true' when not r.value then 'false' else 'unknown' end,
            '; ' order by r.rule_order
        ) as rules_trace
    from results as r
    inner join chosen as c
        on c.program_id = r.program_id and c.conviction_id = r.conviction_id
        and r.rule_order <= c.rule_order
    group by r.program_id, r.conviction_id
)

select
    c.conviction_id,
    c.subject_id,
    c.cnt_order,
    c.source_file,
    c.source_line,
    c.source_sha256,
    c.county,
    c.case_number,
    c.conviction_date,
    c.conviction_date_raw,
    c.conviction_date_precision,
    c.offense_raw,
    c.offense_text_column,
    c.statute,
    c.section_key as section,
    c.is_attempt,
    c.is_conspiracy,
    c.offense_level,
    c.is_felony,
    c.sentence_end_date,
    s.program_id as program,
    case
        when s.in_scope is null then 'needs_review'
        when k.value is null then 'needs_review'
        when k.outcome is null then 'needs_review'
        else k.outcome
    end as determination,
    case when s.in_scope and k.value and k.outcome = 'eligible' then k.relief end as relief,
    -- true when the data could not decide (a missing fact), as opposed to a rule whose
    -- outcome is needs_review (e.g. a prior superstrike: a prosecutor must look).
    coalesce(s.in_scope is null or k.value is null or k.rule_id is null, false) as is_undecided,
    case when s.in_scope is null then 'scope' else k.rule_id end as decisive_rule,
    case
        when s.in_scope is null then s.program_id || '.scope'
        else s.program_id || '.' || coalesce(k.rule_id, 'no_rule')
    end as reason_codes,
    case
        when s.in_scope is null
            then 'Cannot tell whether ' || s.program_id || ' applies: missing ' || s.scope_missing_facts
        when k.rule_id is null then 'No rule decided this conviction'
        when k.value is null
            then 'Cannot decide "' || replace(k.reason, '{section}', coalesce(c.section_key, '?'))
                 || '": missing ' || coalesce(k.missing_facts, 'a fact') || ' [' || k.citations || ']'
        else replace(k.reason, '{section}', coalesce(c.section_key, '?')) || ' [' || k.citations || ']'
    end as reasons,
    k.citations,
    case when s.in_scope is null then s.scope_missing_facts else k.missing_facts end as missing_facts,
    coalesce(k.facts, s.scope_facts) as facts,
    t.rules_trace,
    p.as_of_date as as_of,
    p.rules_version
from {{ ref('int_program_convictions_scoped') }} as s
inner join {{ ref('int_convictions_assembled') }} as c on c.conviction_id = s.conviction_id
inner join {{ ref('stg_rules__programs') }} as p on p.program_id = s.program_id
left join chosen as k on k.program_id = s.program_id and k.conviction_id = s.conviction_id
left join trace as t on t.program_id = s.program_id and t.conviction_id = s.conviction_id
