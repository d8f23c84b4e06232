"""Everything the export writers need, read from the warehouse in one place (read-only)."""

from dataclasses import dataclass

import polars as pl

from orchestration.resources import Warehouse
from orchestration.review import store as review_store


@dataclass(frozen=True)
class ExportFrames:
    # the decision table + the person's name, DOB, CII, gender, race, the arrest's OTN + the
    # latest review
    # (review_mark, review_note, reviewer, reviewed_on, review_applies: orchestration/review)
    decisions: pl.DataFrame
    programs: pl.DataFrame  # program, jurisdiction, title, law_version, rules_version, ...
    convictions: pl.DataFrame  # every conviction on record: person_key, charge_key, is_felony
    raw_doj: pl.DataFrame  # staged DOJ records + charge_key of their conviction (gogen bundle)
    people: pl.DataFrame  # per DOJ person: the facts the earlier tool's columns report


# otn: the offense tracking number, a canonical arrest's episode_id (the court documents of a
# state whose profile lists it print it); NULL for DOJ records and arrests without one
DECISIONS_SQL = """
with otn as (
    select arrest_key,
           min(case when episode_key <> 'canonical:' || source_extract || ':arrest:' || arrest_id
                    then substr(episode_key, length('canonical:' || source_extract || ':') + 1)
               end) as otn
    from main.stg_canonical__arrests
    group by arrest_key
)
select d.* exclude (is_undecided), d.is_undecided,
       p.person_name, p.cii_number, p.dob_raw, p.gender, p.race,
       case when p.dob_precision = 'day' then p.dob_earliest end as dob,
       o.otn,
       {review_columns}
from main.fct_decisions d
join main.int_persons_unioned p on p.person_key = d.person_key
left join otn o on o.arrest_key = d.arrest_key
left join ({latest_reviews}) r on r.decision_id = d.decision_id
order by d.program, d.county, d.subject_id, d.charge_ref
"""

PROGRAMS_SQL = """
select p.program, p.jurisdiction, p.title, p.law_version, p.rules_version, p.as_of_date,
       p.rule_file_sha256
from rules.programs p
order by p.program
"""

CONVICTIONS_SQL = """
select person_key, charge_key, is_felony, disposition_date as conviction_date, source_system
from main.int_charges_assembled
where is_convicted
"""

RAW_DOJ_SQL = """
with keys as (
    select source_file, source_line,
           md5('doj:' || subject_id || '|' || coalesce(cnt_order,
               'line:' || source_file || ':' || cast(source_line as varchar))) as key,
           'doj:' || subject_id as subject_key
    from main.stg_doj__events
)
select r.*, c.charge_key, k.subject_key
from raw.doj_extract r
join keys k on k.source_file = r.source_file and k.source_line = r.source_line
left join main.int_charges_assembled c on c.charge_key = k.key and c.is_convicted
order by r.source_file, r.source_line
"""

PEOPLE_SQL = """
with conv as (
    select c.*,
           exists (select 1 from main.int_charge_code_set_matches m
                   where m.charge_key = c.charge_key and m.program = 'us_ca_prop64'
                     and m.code_set = 'superstrikes' and m.is_match) as is_superstrike,
           exists (select 1 from main.int_charge_code_set_matches m
                   where m.charge_key = c.charge_key and m.program = 'us_ca_prop64'
                     and m.code_set = 'registrable_290' and m.is_match) as is_pc290,
           exists (select 1 from main.int_charge_code_set_matches m
                   where m.charge_key = c.charge_key and m.program = 'us_ca_prop64'
                     and m.code_set = 'prop64_sections' and m.is_match) as is_prop64
    from main.int_charges_assembled c
    where c.is_convicted and c.source_system = 'doj'
)
select
    p.person_key,
    p.is_deceased,
    exists (select 1 from main.int_registrations_unioned r
            where r.person_key = p.person_key and r.registration_type = 'sex_offender')
        as has_pc290_registration,
    coalesce(string_agg(case when conv.is_superstrike then conv.offense_raw end, ';'
                        order by conv.disposition_date, conv.charge_key), '-')
        as superstrike_sections,
    coalesce(string_agg(case when conv.is_pc290 then conv.offense_raw end, ';'
                        order by conv.disposition_date, conv.charge_key), '-')
        as pc290_sections,
    count(conv.charge_key) as convictions,
    count(case when conv.is_prop64 then 1 end) as prop64_convictions,
    count(case when conv.is_prop64 and conv.section_key = '11357' then 1 end) as n_11357,
    count(case when conv.is_prop64 and conv.section_key = '11358' then 1 end) as n_11358,
    count(case when conv.is_prop64 and conv.section_key = '11359' then 1 end) as n_11359,
    count(case when conv.is_prop64 and conv.section_key = '11360' then 1 end) as n_11360,
    max(conv.disposition_date) as most_recent_conviction_date
from main.int_persons_unioned p
left join conv on conv.person_key = p.person_key
where p.source_system = 'doj'
group by p.person_key, p.is_deceased
"""


# what the reconciliation compares the files with: a few columns of every decision
RECONCILE_SQL = """
select d.program, d.county, d.charge_key, d.decision_id, d.determination, d.relief,
       d.decisive_rule, d.reasons, {review_columns}
from main.fct_decisions d
left join ({latest_reviews}) r on r.decision_id = d.decision_id
"""


def _with_reviews(con, sql: str) -> str:
    return sql.format(
        review_columns=review_store.review_columns_sql("d", "r"),
        latest_reviews=review_store.latest_sql(con),
    )


def load_reconcile_frame(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return con.execute(_with_reviews(con, RECONCILE_SQL)).pl()


def load_export_frames(warehouse: Warehouse) -> ExportFrames:
    with warehouse.connect(read_only=True) as con:
        return ExportFrames(
            decisions=con.execute(_with_reviews(con, DECISIONS_SQL)).pl(),
            programs=con.execute(PROGRAMS_SQL).pl(),
            convictions=con.execute(CONVICTIONS_SQL).pl(),
            raw_doj=con.execute(RAW_DOJ_SQL).pl(),
            people=con.execute(PEOPLE_SQL).pl(),
        )
