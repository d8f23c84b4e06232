-- The chain behind every decision, from the source line to the published files, for auditors
-- (`cleanslate trace` prints it). Grain: one row per decision (program x charge), the same rows
-- as fct_decisions, unique on decision_id. A view: the export lines are written
-- by the export step after dbt (audit.export_lines), and the view shows the latest published
-- set's.
--   source      file, line, SHA-256 of the file, md5 of the staged record (staged_row_hash)
--   staged      the record's key fields (no name, date of birth or CII)
--   charge      the normalized statute and how the text was parsed
--   criteria    every condition evaluated (fct_decision_criteria), as one text
--   rule        rule file, its SHA-256, rules_version, the deciding rule and citations
--   exports     every file + line / page / sheet row of the latest published set
with decisions as (
    select * from {{ ref('fct_decisions') }}
),

charges as (
    select * from {{ ref('int_charges_assembled') }}
),

doj_rows as (
    select
        source_file,
        source_line,
        {{ staged_row_hash(source('raw', 'doj_extract')) }} as staged_row_hash
    from {{ source('raw', 'doj_extract') }}
),

doj_events as (
    select source_file, source_line, step_type
    from {{ ref('stg_doj__events') }}
),

canonical_charges as (
    select charge_key, source_extract
    from {{ ref('stg_canonical__charges') }}
),

canonical_rows as (
    select
        source_extract,
        source_file,
        source_line,
        {{ staged_row_hash(source('canonical', 'canonical_charges')) }} as staged_row_hash
    from {{ source('canonical', 'canonical_charges') }}
),

parsed as (
    select offense_text, parse_method, parse_note, code_token, qualifier_sections
    from {{ ref('int_charge_codes_normalized') }}
),

criteria as (
    select
        program,
        charge_key,
        count(*) as conditions_evaluated,
        sum(case when result = 'met' then 1 else 0 end) as conditions_met,
        sum(case when result = 'not_met' then 1 else 0 end) as conditions_not_met,
        sum(case when result = 'unknown' then 1 else 0 end) as conditions_unknown,
        {{ dbt.listagg(
            "rule_id || '#' || cast(condition_seq as " ~ dbt.type_string() ~ ") || ' '"
            ~ " || result || ': ' || coalesce(description, '')"
            ~ " || coalesce(' (' || fact || ')', '')",
            "'; '",
            "order by rule_order, condition_seq"
        ) }} as conditions
    from {{ ref('fct_decision_criteria') }}
    group by program, charge_key
),

programs as (
    select program, rule_file, rule_file_sha256, law_version
    from {{ ref('stg_rules__programs') }}
),

program_citations as (
    select
        program,
        {{ dbt.listagg("ref", "'; '", "order by position") }} as program_citations
    from {{ ref('stg_rules__citations') }}
    group by program
),

export_lines as (
    select * from {{ source('audit', 'export_lines') }}
),

latest_published as (
    -- the rows of the most recently published set (a run stamps all its rows at once)
    select *
    from export_lines
    where published_at is not null
      and published_at = (select max(published_at) from export_lines)
),

exports as (
    select
        decision_id,
        max(run_id) as export_run_id,
        max(published_at) as export_published_at,
        max(out_dir) as export_out_dir,
        count(*) as export_files,
        {{ dbt.listagg(
            "file || ' ' || location",
            "'; '",
            "order by file, page, sheet, line"
        ) }} as export_locations
    from latest_published
    group by decision_id
)

select
    -- the decision
    d.decision_id,
    d.program,
    d.charge_key,
    d.person_key,
    d.subject_id,
    d.source_system,
    d.jurisdiction,
    d.charge_ref,
    d.cnt_order,
    d.determination,
    d.relief,
    d.eligible_on,
    d.as_of,
    -- the source
    cc.source_extract,
    d.source_file,
    d.source_line,
    d.source_sha256,
    coalesce(dr.staged_row_hash, cr.staged_row_hash) as staged_row_hash,
    -- the staged record's key fields
    c.record_count as staged_records,
    de.step_type as staged_step_type,
    c.disposition_raw as staged_disposition,
    c.disposition_date_raw as staged_disposition_date,
    c.offense_raw as staged_offense_text,
    c.offense_text_column as staged_offense_column,
    c.offense_level as staged_offense_level,
    c.offense_level_column as staged_offense_level_column,
    d.county,
    -- the charge as normalized
    c.statute,
    c.statute_code,
    c.section_key as section,
    c.subdivisions,
    c.is_attempt,
    c.is_conspiracy,
    c.enhancements,
    c.parse_status,
    case
        when d.jurisdiction = 'US-CA' then p.parse_method
        when c.parse_status is not null then lower(substr(d.jurisdiction, 4, 2)) || '_statute_pattern'
    end as parse_method,
    p.parse_note,
    p.code_token,
    p.qualifier_sections,
    -- the conditions evaluated
    cr2.conditions_evaluated,
    cr2.conditions_met,
    cr2.conditions_not_met,
    cr2.conditions_unknown,
    cr2.conditions,
    -- the rule
    g.rule_file,
    g.rule_file_sha256,
    d.rules_version,
    g.law_version,
    d.decisive_rule,
    d.reason_codes,
    d.citations as decisive_rule_citations,
    pc.program_citations,
    -- the published exports
    x.export_run_id,
    x.export_published_at,
    x.export_out_dir,
    coalesce(x.export_files, 0) as export_files,
    x.export_locations
from decisions as d
inner join charges as c on c.charge_key = d.charge_key
left join canonical_charges as cc on cc.charge_key = d.charge_key
left join doj_rows as dr
    on d.source_system = 'doj' and dr.source_file = d.source_file and dr.source_line = d.source_line
left join doj_events as de
    on d.source_system = 'doj' and de.source_file = d.source_file and de.source_line = d.source_line
left join canonical_rows as cr
    on cr.source_extract = cc.source_extract
   and cr.source_file = d.source_file
   and cr.source_line = d.source_line
left join parsed as p on d.jurisdiction = 'US-CA' and p.offense_text = c.offense_raw
left join criteria as cr2 on cr2.program = d.program and cr2.charge_key = d.charge_key
left join programs as g on g.program = d.program
left join program_citations as pc on pc.program = d.program
left join exports as x on x.decision_id = d.decision_id
