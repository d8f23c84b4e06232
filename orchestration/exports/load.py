"""Everything the export writers need, read from the warehouse in one place (read-only)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from orchestration.lib.settings import settings
from orchestration.resources import Warehouse
from orchestration.review import store as review_store

BATCH_ROWS = 50_000  # rows per batch a writer takes (Arrow record batches from DuckDB)


@dataclass(frozen=True)
class ExportSource:
    """Read-only, streaming access to the warehouse's exports models, for the writers: a query
    of a unit's rows (a county's, a program's) as polars batches, never a whole table.

    Picklable (a path and a memory limit), so a worker process opens its own read-only
    connection and reads its county itself instead of being sent the rows. Only exp_* and
    rpt_* models are read (and the latest review: `with_reviews`); tests/unit/
    test_exports_reads.py checks that. Connections use the warehouse's configuration
    (resources.Warehouse.connect): DuckDB refuses two configurations of one file in a process.
    """

    file: Path
    memory_limit: str

    @classmethod
    def of(cls, warehouse: Warehouse) -> "ExportSource":
        return cls(warehouse.file, settings().duckdb_memory)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(
            str(self.file), read_only=True, config={"memory_limit": self.memory_limit}
        )
        try:
            con.execute("set python_enable_replacements = false")
            yield con
        finally:
            con.close()

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        """A small result (a count, a unit's summary), whole."""
        with self.connect() as con:
            return con.execute(with_reviews(con, sql), params or []).pl()

    def batches(
        self, sql: str, params: list | None = None, rows: int = BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        """The result in batches of at most `rows` rows, in the query's order (nothing but the
        current batch is held; the connection closes when the iterator is exhausted or
        closed). `{review_columns}` / `{latest_reviews}` in `sql` are filled as in
        DECISIONS_SQL."""
        with self.connect() as con:
            reader = con.execute(with_reviews(con, sql), params or []).fetch_record_batch(rows)
            for batch in reader:
                if batch.num_rows:
                    yield pl.from_arrow(batch)  # type: ignore[misc]


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
    # the report's decision counts (rpt_decision_counts: per county, program, jurisdiction,
    # section, determination, relief); None: the report derives them from `decisions`
    decision_counts: pl.DataFrame | None = None
    # the warehouse, for kinds that read their unit's rows themselves (ExportSource.batches)
    source: "ExportSource | None" = None


# Every table the writers read is a model of dbt_project/models/exports (exp_*: contract-enforced,
# documented in _exports__models.yml, queryable by analysts) or of marts/reporting (rpt_*: the
# report's figures). The one exception is the prosecutor's latest review: audit.review_outcomes
# is written between runs by `cleanslate review import` (not by dbt, and only in the DuckDB file
# when dbt runs on PostgreSQL or Spark), so it is joined here, by the rule of dbt's
# int_review_latest (review_store.latest_sql), and an import shows in the next files whether or
# not dbt ran since. tests/unit/test_exports_reads.py checks that nothing else is read.
EXPORT_MODELS = (
    "exp_decisions",
    "exp_programs",
    "exp_program_parameters",
    "exp_convictions",
    "exp_gogen_research_rows",
    "exp_gogen_people",
    "exp_input_files",
    "exp_unread_by_county",
    "rpt_decision_counts",
    "rpt_people",
    "rpt_people_on_record",
    "rpt_upcoming_eligibility",
    "rpt_disparity",
    "rpt_input_files",
)

DECISIONS_SQL = """
select d.*, {review_columns}
from main.exp_decisions d
left join ({latest_reviews}) r on r.decision_id = d.decision_id
order by d.program, d.county, d.subject_id, d.charge_ref
"""

PROGRAMS_SQL = """
select program, jurisdiction, title, law_version, rules_version, as_of_date, rule_file_sha256
from main.exp_programs
order by program
"""

CONVICTIONS_SQL = """
select person_key, charge_key, is_felony, conviction_date, source_system
from main.exp_convictions
"""

RAW_DOJ_SQL = """
select * from main.exp_gogen_research_rows order by source_file, source_line
"""

PEOPLE_SQL = """
select * from main.exp_gogen_people
"""

DECISION_COUNTS_SQL = """
select county, program, jurisdiction, section, determination, relief, decisions
from main.rpt_decision_counts
"""

# the run report's figures (orchestration/exports/report.py REPORT_MODELS): every row of each
# rpt_ model (aggregates: a few rows per county, law and group), the report takes its scope's
REPORT_SQL = {
    "rpt_decision_counts": DECISION_COUNTS_SQL,
    "rpt_people": """
select county, program, decisions, charges, people, people_with_relief,
       people_no_conviction_left, people_no_felony_left
from main.rpt_people
""",
    "rpt_people_on_record": """
select people_with_conviction, people_with_felony from main.rpt_people_on_record
""",
    "rpt_upcoming_eligibility": """
select county, program, period, month, decisions, people from main.rpt_upcoming_eligibility
""",
    "rpt_disparity": """
select county, program, dimension, group_label, people, people_with_relief
from main.rpt_disparity
""",
    "rpt_input_files": """
select source_system, file, sha256, records, rejected, unread_offense_texts
from main.rpt_input_files
order by source_system = 'canonical', file
""",
}

# what the reconciliation compares the files with: a few columns of every decision
RECONCILE_SQL = """
select d.program, d.county, d.charge_key, d.decision_id, d.determination, d.relief,
       d.decisive_rule, d.reasons, {review_columns}
from main.exp_decisions d
left join ({latest_reviews}) r on r.decision_id = d.decision_id
"""

# the report's input table (orchestration/exports/report.py): DOJ files first, then canonical
INPUTS_SQL = """
select file, sha256, records as rows, rejected, unread_offense_texts
from main.exp_input_files
order by source_system = 'canonical', file
"""

UNREAD_BY_COUNTY_SQL = """
select county, unread_conviction_records as n from main.exp_unread_by_county
"""

PARAMETERS_SQL = """
select name, value_json from main.exp_program_parameters where program = ? order by name
"""

FORECAST_SQL = "select coalesce(bool_or(is_forecast), false) as f from main.exp_programs"


def with_reviews(con, sql: str) -> str:
    """`sql` with {review_columns} and {latest_reviews} filled (the latest review of each
    decision: orchestration/review/store.py); other braces must be doubled."""
    if "{review_columns}" not in sql and "{latest_reviews}" not in sql:
        return sql
    return sql.format(
        review_columns=review_store.review_columns_sql("d", "r"),
        latest_reviews=review_store.latest_sql(con),
    )


def load_reconcile_frame(warehouse: Warehouse) -> pl.DataFrame:
    with warehouse.connect(read_only=True) as con:
        return con.execute(with_reviews(con, RECONCILE_SQL)).pl()


def forecast_run(warehouse: Warehouse) -> bool:
    """The run is an explicit forecast (exp_programs.is_forecast, from the rulebook)."""
    return bool(warehouse.query(FORECAST_SQL)["f"][0])


def load_inputs(warehouse: Warehouse) -> list[dict]:
    """The report's input table: file, sha256, rows, rejected, unread_offense_texts."""
    return warehouse.query(INPUTS_SQL).to_dicts()


def load_unread_by_county(warehouse: Warehouse) -> pl.DataFrame:
    """county (as recorded), n: conviction records whose offense text reads to no statute."""
    return warehouse.query(UNREAD_BY_COUNTY_SQL)


def load_parameters(warehouse: Warehouse, program: str) -> pl.DataFrame:
    """name, value_json: the program's parameters in effect for the run."""
    return warehouse.query(PARAMETERS_SQL, [program])


def load_export_frames(warehouse: Warehouse) -> ExportFrames:
    with warehouse.connect(read_only=True) as con:
        return ExportFrames(
            decisions=con.execute(with_reviews(con, DECISIONS_SQL)).pl(),
            programs=con.execute(PROGRAMS_SQL).pl(),
            convictions=con.execute(CONVICTIONS_SQL).pl(),
            raw_doj=con.execute(RAW_DOJ_SQL).pl(),
            people=con.execute(PEOPLE_SQL).pl(),
            decision_counts=con.execute(DECISION_COUNTS_SQL).pl(),
            source=ExportSource.of(warehouse),
        )
