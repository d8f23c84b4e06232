-- The earlier Prop 64 tool's (gogen) per-conviction columns, as the SQL knows them: one row per
-- CA DOJ Prop 64 decision of the run's research files, placed on the research-file record its
-- line is printed from in gogen/Prop64_Results.csv and All_Results_Condensed.csv (its own
-- record, else the first record of its charge), with the decision's facts, the case number of
-- its court step, whether the offense date is after 11/9/2016, and the person's facts
-- (exp_gogen_people). What is printed how (gogen's vocabulary, dates, years since the as-of
-- date) is orchestration/exports/gogen_bundle.py's. Grain: one row per decision, unique on
-- decision_id (and on charge_key).
with research as (
    select
        source_file,
        source_line,
        charge_key,
        subject_key,
        -- the research file's columns are upper case: quoted (PostgreSQL folds unquoted names)
        {{ adapter.quote('CNT_ORDER') }} as cnt_order,
        {{ adapter.quote('OFN') }} as ofn,
        {{ adapter.quote('STP_TYPE_DESCR') }} as stp_type_descr
    from {{ ref('exp_gogen_research_rows') }}
),

decisions as (
    select d.*
    from {{ ref('fct_decisions') }} as d
    where
        d.program = 'us_ca_prop64'
        and d.source_system = 'doj'
        and d.source_file in (select distinct r.source_file from research as r)
),

-- The research records of the people decided: every CTE below works within one person (a
-- decision's own record, its charge's records, the person's court steps), and reading only
-- theirs keeps the joins' hash tables small (at 10,000,000 rows, all of them together ran out
-- of a 3 GB DuckDB limit). person_key and subject_key are both 'doj:' || SUBJECT_ID.
decided_research as (
    select r.*
    from research as r
    where r.subject_key in (select d.person_key from decisions as d)
),

-- the first record (in file and line order) of each conviction, with what its line prints
first_of_charge as (
    select charge_key, source_file, source_line, subject_key, cnt_order
    from (
        select
            charge_key,
            source_file,
            source_line,
            subject_key,
            cnt_order,
            row_number() over (partition by charge_key order by source_file, source_line) as n
        from decided_research
        where charge_key is not null
    ) as ranked
    where n = 1
),

placed as (
    select
        d.*,
        coalesce(own.source_file, f.source_file) as placed_file,
        coalesce(own.source_line, f.source_line) as placed_line,
        -- the placed record's subject and court step (its case number below)
        case when own.source_file is not null then own.subject_key else f.subject_key end
            as placed_subject_key,
        case when own.source_file is not null then own.cnt_order else f.cnt_order end
            as placed_cnt_order
    from decisions as d
    left join decided_research as own
        on own.source_file = d.source_file and own.source_line = d.source_line
    left join first_of_charge as f on f.charge_key = d.charge_key
),

-- Case Number: the distinct OFNs of the COURT ACTION records of a subject's cycle and step (the
-- first 6 characters of CNT_ORDER), untrimmed, in the order of their first record, "; "-joined
court_ofns as (
    select subject_key, step, ofn, source_file, source_line
    from (
        select
            subject_key,
            substr(cnt_order, 1, 6) as step,
            ofn,
            source_file,
            source_line,
            row_number() over (
                partition by subject_key, substr(cnt_order, 1, 6), ofn
                order by source_file, source_line
            ) as n
        from decided_research
        where
            {{ re_full_match('upper(stp_type_descr)', '\\s*COURT ACTION\\s*') }}
            and {{ re_matches('ofn', '[^\\s]') }}
    ) as ranked
    where n = 1
),

case_numbers as (
    select
        subject_key,
        step,
        {{ dbt.listagg('ofn', "'; '", 'order by source_file, source_line') }} as case_number
    from court_ofns
    group by subject_key, step
),

charges as (
    select charge_key, disposition_date_earliest, disposition_date_latest
    from {{ ref('int_charges_assembled') }}
    where charge_key in (select d.charge_key from decisions as d)
)

select
    p.decision_id,
    p.charge_key,
    p.person_key,
    p.county,
    p.placed_file,
    p.placed_line,
    coalesce(cn.case_number, '') as case_number,
    p.conviction_date,
    p.conviction_date_raw,
    case
        when coalesce(p.conviction_date, ch.disposition_date_earliest) > cast('2016-11-09' as date)
            then 'Y'
        when coalesce(p.conviction_date, ch.disposition_date_latest) <= cast('2016-11-09' as date)
            then 'N'
        else ''
    end as occurred_after_prop64,
    p.section,
    p.is_felony,
    p.determination,
    p.relief,
    p.decisive_rule,
    p.reasons,
    p.missing_facts,
    pp.is_deceased,
    pp.has_pc290_registration,
    pp.superstrike_sections,
    pp.pc290_sections,
    pp.convictions,
    pp.prop64_convictions,
    pp.n_11357,
    pp.n_11358,
    pp.n_11359,
    pp.n_11360,
    pp.most_recent_conviction_date
from placed as p
left join case_numbers as cn
    on cn.subject_key = p.placed_subject_key and cn.step = substr(p.placed_cnt_order, 1, 6)
left join charges as ch on ch.charge_key = p.charge_key
left join {{ ref('exp_gogen_people') }} as pp on pp.person_key = p.person_key
