-- The decision table. Grain: one row per in-scope charge and program (law): convictions for
-- conviction relief, every charge of an arrest for arrest relief.
-- Rules are tried in order; the first that decides wins:
--   a rule that holds gives its outcome;
--   an `eligible` rule blocked only by waiting periods gives not_yet_eligible + eligible_on;
--   a rule that cannot be decided (missing fact, or a condition the SQL evaluator gave no
--   result for) and says on_unknown: review gives needs_review, naming the fact.
-- Laws with `aggregate` (Utah: the case; CA 851.93: the arrest) roll the charges up: the group
-- is eligible only if all its charges are, and `determination` is the group's.
-- The deciding rule (with the rules trace) and its conditions' texts come from
-- int_decision_rules and int_decision_facts: computed there, one at a time, so that each query
-- fits the DuckDB memory limit (docs/benchmarks.md).
-- The warehouse holds every county; the county filter belongs to the export.
{% set group_key -%}
    case p.aggregate_to
        when 'case' then coalesce(c.case_key, c.charge_key)
        when 'arrest' then coalesce(c.arrest_key, c.charge_key)
    end
{%- endset %}

with decided as (
    select
        s.program,
        s.charge_key,
        s.in_scope,
        k.rule_id,
        k.verdict,
        k.citations,
        f.facts,
        f.missing_facts,
        s.scope_missing_facts,
        s.scope_facts,
        case
            when s.in_scope is null then 'needs_review'
            when k.rule_id is null then 'needs_review'
            when k.verdict = 'unknown' then 'needs_review'
            when k.verdict = 'waiting' then 'not_yet_eligible'
            else k.outcome
        end as charge_determination,
        case when s.in_scope and k.verdict in ('holds', 'waiting') and k.outcome in ('eligible', 'not_yet_eligible')
             then k.relief end as relief,
        case when s.in_scope and k.verdict = 'waiting' then k.eligible_on end as eligible_on,
        coalesce(s.in_scope is null or k.rule_id is null or k.verdict = 'unknown', false) as is_undecided,
        case
            when s.in_scope is null then 'scope'
            else coalesce(k.rule_id, 'no_rule')
        end as decisive_rule,
        k.reason,
        k.rules_trace
    from {{ ref('int_program_charges_scoped') }} as s
    -- the deciding rule (int_decision_rules) and what its conditions said (int_decision_facts)
    left join {{ ref('int_decision_rules') }} as k on k.program = s.program and k.charge_key = s.charge_key
    left join {{ ref('int_decision_facts') }} as f on f.program = s.program and f.charge_key = s.charge_key
),

with_groups as (
    -- The charges of laws that roll up (aggregate: case or arrest), with their group and what
    -- the roll-up reads only: narrow, since DuckDB keeps a CTE read twice in memory.
    select
        d.program,
        d.charge_key,
        d.charge_determination,
        d.eligible_on,
        d.decisive_rule,
        c.charge_ref,
        {{ group_key }} as group_key
    from decided as d
    inner join {{ ref('int_charges_assembled') }} as c on c.charge_key = d.charge_key
    inner join {{ ref('stg_rules__programs') }} as p on p.program = d.program
    where p.aggregate_to is not null
),

groups as (
    -- The group is as good as its worst charge: not_eligible > needs_review > not_yet > eligible.
    select
        program,
        group_key,
        case
            when bool_or(charge_determination = 'not_eligible') then 'not_eligible'
            when bool_or(charge_determination = 'needs_review') then 'needs_review'
            when bool_or(charge_determination = 'not_yet_eligible') then 'not_yet_eligible'
            else 'eligible'
        end as group_determination,
        max(eligible_on) as group_eligible_on,
        count(*) as group_charges,
        -- charges that do not all say the same: only then can a charge's reasons name the others
        min(charge_determination) <> max(charge_determination) as is_mixed
    from with_groups
    where group_key is not null
    group by program, group_key
),

group_blockers as (
    -- The charges that hold a mixed group back, for the reasons of its other charges. A list
    -- aggregate, which does not spill to disk under DuckDB's memory limit: over the mixed
    -- groups only (1 in 10 of the groups at 1M rows; over every group it ran fct_decisions out of
    -- a 300 MB limit at 1M rows).
    select
        w.program,
        w.group_key,
        {{ dbt.listagg(
            "case when w.charge_determination <> 'eligible'
                  then 'charge ' || w.charge_ref || ' (' || w.charge_determination || ': ' || w.decisive_rule || ')' end",
            "', '", "order by w.charge_key"
        ) }} as group_blockers
    from with_groups as w
    inner join groups as m on m.program = w.program and m.group_key = w.group_key
    where m.is_mixed
    group by w.program, w.group_key
),

decisions as (
    select
        -- stable across runs: the same charge under the same law keeps its id
        md5(w.program || '|' || c.charge_key) as decision_id,
        c.charge_key as conviction_id,
        c.charge_key,
        c.person_key,
        c.subject_id,
        c.source_system,
        c.jurisdiction,
        c.charge_ref,
        c.cnt_order,
        c.arrest_key,
        c.case_key,
        c.source_file,
        c.source_line,
        c.source_sha256,
        c.county,
        c.case_number,
        c.disposition,
        c.disposition_date as conviction_date,
        c.disposition_date_raw as conviction_date_raw,
        c.disposition_date_precision as conviction_date_precision,
        c.offense_raw,
        c.offense_text_column,
        c.statute,
        c.section_key as section,
        c.is_attempt,
        c.is_conspiracy,
        c.offense_level,
        c.grade,
        c.is_felony,
        c.sentence_end_date,
        w.program,
        p.aggregate_to,
        {{ group_key }} as group_key,
        coalesce(g.group_determination, w.charge_determination) as determination,
        case when coalesce(g.group_determination, w.charge_determination) in ('eligible', 'not_yet_eligible')
             then w.relief end as relief,
        case when coalesce(g.group_determination, w.charge_determination) = 'not_yet_eligible'
             then coalesce(g.group_eligible_on, w.eligible_on) end as eligible_on,
        w.charge_determination,
        w.eligible_on as charge_eligible_on,
        w.is_undecided,
        w.decisive_rule,
        w.program || '.' || w.decisive_rule as reason_codes,
        case
            when w.in_scope is null
                then 'Cannot tell whether ' || w.program || ' applies: missing ' || w.scope_missing_facts
            when w.rule_id is null then 'No rule decided this charge'
            when w.verdict = 'unknown'
                then 'Cannot decide "' || replace(w.reason, '{section}', coalesce(c.section_key, '?'))
                     || '": missing ' || coalesce(w.missing_facts, 'a fact') || ' [' || w.citations || ']'
            when w.verdict = 'waiting'
                then replace(w.reason, '{section}', coalesce(c.section_key, '?'))
                     || ', once the waiting period ends on ' || cast(w.eligible_on as {{ dbt.type_string() }})
                     || ' [' || w.citations || ']'
            else replace(w.reason, '{section}', coalesce(c.section_key, '?')) || ' [' || w.citations || ']'
        end
        || case when g.group_determination is not null and g.group_determination <> w.charge_determination
                then '; the ' || p.aggregate_to || ' is ' || g.group_determination
                     || coalesce(' because of ' || b.group_blockers, '')
                else '' end as reasons,
        w.citations,
        case when w.in_scope is null then w.scope_missing_facts else w.missing_facts end as missing_facts,
        -- A code read from the code inference table is a fact of every decision on the charge, even
        -- when the deciding rule does not test the statute (its scope did).
        case when c.code_inferred
             then 'code_inferred: ' || c.statute || ' from the keyword ''' || c.code_inference_keyword
                  || ''' (' || c.code_inference_basis || ')'
                  || coalesce('; ' || coalesce(w.facts, w.scope_facts), '')
             else coalesce(w.facts, w.scope_facts) end as facts,
        w.rules_trace,
        p.as_of_date as as_of,
        p.rules_version
    from decided as w
    inner join {{ ref('int_charges_assembled') }} as c on c.charge_key = w.charge_key
    inner join {{ ref('stg_rules__programs') }} as p on p.program = w.program
    left join groups as g on g.program = w.program and g.group_key = {{ group_key }}
    left join group_blockers as b on b.program = w.program and b.group_key = {{ group_key }}
)

select
    decision_id,
    conviction_id,
    charge_key,
    person_key,
    subject_id,
    source_system,
    jurisdiction,
    charge_ref,
    cnt_order,
    arrest_key,
    case_key,
    source_file,
    source_line,
    source_sha256,
    county,
    case_number,
    disposition,
    conviction_date,
    conviction_date_raw,
    conviction_date_precision,
    offense_raw,
    offense_text_column,
    statute,
    section,
    is_attempt,
    is_conspiracy,
    offense_level,
    grade,
    is_felony,
    sentence_end_date,
    program,
    aggregate_to,
    group_key,
    determination,
    relief,
    eligible_on,
    charge_determination,
    charge_eligible_on,
    is_undecided,
    decisive_rule,
    reason_codes,
    reasons,
    citations,
    missing_facts,
    facts,
    rules_trace,
    as_of,
    rules_version,
    -- What a reviewer's mark is about (cleanslate review import): md5 of what the decision says,
    -- '|'-joined, NULL as ''. The run's as-of date is taken out of the facts (a condition
    -- measured to it names it), so a monthly re-run leaves an unchanged decision's digest, and
    -- its review, as they were; any other change (determination, relief, date, deciding rule,
    -- rule file, facts) makes the review stale.
    md5(
        decision_id
        || '|' || coalesce(determination, '')
        || '|' || coalesce(relief, '')
        || '|' || coalesce(cast(eligible_on as {{ dbt.type_string() }}), '')
        || '|' || coalesce(decisive_rule, '')
        || '|' || coalesce(rules_version, '')
        || '|' || coalesce(replace(facts, ', as of ' || cast(as_of as {{ dbt.type_string() }}), ''), '')
        || '|' || coalesce(missing_facts, '')
    ) as decision_digest
from decisions
