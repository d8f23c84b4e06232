"""Everything the export writers need, read from the warehouse in one place (read-only)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

from orchestration.exports.writers import normalize_county
from orchestration.lib import collector, spools
from orchestration.lib.settings import settings
from orchestration.lib.storage import step_connection_config
from orchestration.review import store as review_store

if TYPE_CHECKING:  # the export workers read through ExportSource: no Dagster to import there
    from orchestration.resources import Warehouse

BATCH_ROWS = 50_000  # rows per batch a writer takes (Arrow record batches from DuckDB)

# ExportSource.held(): the open read-only warehouse of this process, by (file, memory, pid)
_HELD: dict[tuple[str, str, int], duckdb.DuckDBPyConnection] = {}
# the latest reviews' SQL of each held warehouse (ExportSource._filled)
_LATEST_REVIEWS: dict[tuple[str, str, int], str] = {}


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
    def of(cls, warehouse: Warehouse) -> ExportSource:
        return cls(warehouse.file, settings().duckdb_step_memory)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Every read in this block on one open warehouse (a cursor each): opening the file
        costs ~0.1 s, and writing a run's files reads it a few hundred times (a county's kinds,
        their counts). The bundle holds it while it writes, a worker while it writes its
        county; it is closed at the end of the block, so the run may write the warehouse
        afterwards (DuckDB: one configuration of a file per process)."""
        key = self._key()
        if key in _HELD:  # already held further up: the same connection
            yield
            return
        _HELD[key] = self._open()
        try:
            yield
        finally:
            _HELD.pop(key).close()
            _LATEST_REVIEWS.pop(key, None)
            spools.release_spill(self.file)  # done with it: not only at exit

    def shed(self) -> None:
        """Hand back the memory the held warehouse kept from the last unit's reads. DuckDB keeps
        buffers it no longer needs up to its limit, and its own count does not show them: at 1M
        rows a pass over the research file left ~300 MiB per process. Lowering the limit for a
        moment frees them (restored at once: the same configuration as before)."""
        collector.release_arrow()  # the unit's Arrow batches, freed, kept by pyarrow's pool
        held = _HELD.get(self._key())
        if held is None:
            return
        with contextlib.suppress(duckdb.Error):  # a limit it cannot reach now: nothing shed
            held.execute("set memory_limit = '16MB'")
        held.execute(f"set memory_limit = '{self.memory_limit}'")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        held = _HELD.get(self._key())
        con = held.cursor() if held is not None else self._open()
        try:
            con.execute("set python_enable_replacements = false")
            yield con
        finally:
            con.close()

    def _key(self) -> tuple[str, str, int]:
        return (str(self.file), self.memory_limit, os.getpid())

    def _open(self) -> duckdb.DuckDBPyConnection:
        # the same configuration as the Warehouse resource's (the workers read and sort their
        # counties side by side, each spilling to its own folder)
        return duckdb.connect(
            str(self.file),
            read_only=True,
            config=step_connection_config(self.file, self.memory_limit),
        )

    def _filled(self, con: duckdb.DuckDBPyConnection, sql: str) -> str:
        """with_reviews(con, sql); while the warehouse is held, the latest reviews' SQL is
        looked up once (whether the review table exists: ~10 ms a query, ~80 queries a run)."""
        key = self._key()
        if key not in _HELD or "{latest_reviews}" not in sql:
            return with_reviews(con, sql)
        if key not in _LATEST_REVIEWS:
            _LATEST_REVIEWS[key] = review_store.latest_sql(con)
        return with_reviews(con, sql, _LATEST_REVIEWS[key])

    def query(self, sql: str, params: list | None = None) -> pl.DataFrame:
        """A small result (a count, a unit's summary), whole."""
        with self.connect() as con:
            return con.execute(self._filled(con, sql), params or []).pl()

    def batches(
        self, sql: str, params: list | None = None, rows: int = BATCH_ROWS
    ) -> Iterator[pl.DataFrame]:
        """The result in batches of at most `rows` rows, in the query's order (nothing but the
        current batch is held; the connection closes when the iterator is exhausted or
        closed). `{review_columns}` / `{latest_reviews}` in `sql` are filled as in
        DECISIONS_SQL."""
        with self.connect() as con:
            reader = con.execute(self._filled(con, sql), params or []).to_arrow_reader(rows)
            for batch in reader:
                if batch.num_rows:
                    yield pl.from_arrow(batch)  # type: ignore[misc]


DECISION_ORDER = "d.program, d.county, d.subject_id, d.charge_ref"

# one unit's decision rows (exp_decisions + the latest review), narrowed in SQL
UNIT_SQL = """
select {select}, {{review_columns}}
from main.exp_decisions d
left join ({{latest_reviews}}) r on r.decision_id = d.decision_id
where {where}
"""


@dataclass(frozen=True)
class UnitRows:
    """One unit's decision rows (a county's, a program's: exp_decisions' columns and the latest
    review), read from the warehouse only when iterated, as polars batches in `order` (the
    decision table's order by default). What a kind's `write` gets as `batches`: iterating
    holds one batch at a time; `where` narrows the rows in SQL (a kind that prints only the
    eligible decisions reads only those) and `ordered` re-orders them, so a kind can write a
    file batch by batch in the file's own order. Picklable: a worker process reads its own.

    `where` and `order` are SQL over `d` (exp_decisions) and `r` (the latest review), with `?`
    parameters; no braces. `columns`: exp_decisions' columns read (empty: all), and the review's
    always (only(): a kind that prints a few columns of a large county sorts only those).
    """

    source: ExportSource
    where: str = "true"
    params: tuple = ()
    order: str = DECISION_ORDER
    columns: tuple[str, ...] = ()

    def __iter__(self) -> Iterator[pl.DataFrame]:
        sql = self._unit_sql(self.where) + f"order by {self.order}"
        return self.source.batches(sql, list(self.params))

    def narrowed(self, where: str, *params: Any) -> UnitRows:
        """These rows, and only those where `where` holds."""
        return replace(self, where=f"({self.where}) and ({where})", params=self.params + params)

    def ordered(self, order: str) -> UnitRows:
        return replace(self, order=order)

    def only(self, *columns: str) -> UnitRows:
        """These rows with only `columns` (and the review's columns, always)."""
        kept = tuple(c for c in columns if c not in review_store.REVIEW_COLUMNS)
        return replace(self, columns=kept)

    def _unit_sql(self, where: str) -> str:
        select = ", ".join(f"d.{c}" for c in self.columns) if self.columns else "d.*"
        return UNIT_SQL.format(where=where, select=select)

    def frame(self) -> pl.DataFrame:
        """Every row at once (a writer that needs the unit whole: a PDF, a workbook)."""
        batches = list(self)
        if not batches:
            # none: an empty frame of the rows' columns (the query's own parameters kept)
            empty = self._unit_sql(f"({self.where}) and false")
            return self.source.query(empty, list(self.params))
        return batches[0] if len(batches) == 1 else pl.concat(batches, how="vertical")

    def select(self, *columns: str, group_by: str | None = None) -> pl.DataFrame:
        """A narrow or aggregated result over these rows, whole: `columns` are SQL over `d`
        (the rows, review columns included), e.g. select("d.county", "count(*) as n",
        group_by="d.county")."""
        return self.source.query(self._select_sql(columns, group_by), list(self.params))

    def select_batches(self, *columns: str) -> Iterator[pl.DataFrame]:
        """select's narrow result a batch at a time, in no particular order (a pass over a
        large unit that needs a few of its columns)."""
        return self.source.batches(self._select_sql(columns, None), list(self.params))

    def _select_sql(self, columns: tuple[str, ...], group_by: str | None) -> str:
        inner = UNIT_SQL.format(where=self.where, select="d.*")  # unordered: no sort
        sql = f"select {', '.join(columns)} from ({inner}) d"
        return f"{sql} group by {group_by}" if group_by else sql

    def count(self) -> int:
        return int(self.select("count(*) as n")[0, 0])

    def digest(self) -> str:
        """publish.decision_set_digest of these rows: the lines made and sorted by DuckDB,
        hashed a batch at a time (never all in memory)."""
        from orchestration.exports.publish import digest_line_sql, digest_of_lines

        inner = UNIT_SQL.format(where=self.where, select="d.*")
        sql = f"select {digest_line_sql('d.')} as line from ({inner}) d order by line"
        return digest_of_lines(self.source.batches(sql, list(self.params)))


class ExportFrames:
    """What the export reads for a run: `source` (the warehouse, read a unit at a time by each
    file kind: UnitRows; the report's rpt_ models) and the rulebook's programs. Nothing of the
    size of the decision table is held.

    decisions: the whole decision frame, read on first use only (tests and analysts; no file
    kind reads it, a statewide run should not).
    """

    def __init__(self, source: ExportSource, programs: pl.DataFrame | None = None) -> None:
        self.source = source
        self.programs = source.query(PROGRAMS_SQL) if programs is None else programs

    @cached_property
    def decisions(self) -> pl.DataFrame:
        # the decision table + the person's name, DOB, CII, gender, race, the arrest's OTN +
        # the latest review (review_mark, review_note, reviewer, reviewed_on, review_applies)
        return self.source.query(DECISIONS_SQL)


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
    "exp_gogen_convictions",
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

# The earlier Prop 64 tool's files (file_kinds/gogen.py), read per run and county, never whole.
# The counties with a CA DOJ Prop 64 decision of the run's research files, as recorded:
GOGEN_COUNTIES_SQL = """
select distinct county from main.exp_gogen_convictions where county is not null order by county
"""

# Every research-file record in input order, in one pass for every county's files: the 20
# columns of All_Results_Condensed.csv and "Possible Other P64 Charges" on every record; on a
# record a decision of one of the counties `{counties}` (? placeholders) is printed on, the other
# 75 research-file columns and the decision's exp_gogen_convictions columns too (NULL elsewhere).
# ... one span of lines of one research file at a time (GOGEN_SPANS_SQL): sorting the whole
# file at once held it in memory (1M records: ~0.6 GiB more); a span's sort holds
# GOGEN_SPAN_LINES records.
GOGEN_ROWS_SQL = """
with placed as (
    select * from main.exp_gogen_convictions
    where county in ({counties})
        and placed_file = ? and placed_line >= ? and placed_line < ?
)
select {columns}, r.possible_other_p64_charges, {convictions}
from main.exp_gogen_research_rows r
left join placed c on c.placed_file = r.source_file and c.placed_line = r.source_line
where r.source_file = ? and r.source_line >= ? and r.source_line < ?
order by r.source_line
"""
GOGEN_SPANS_SQL = """
select source_file, min(source_line) as first_line, max(source_line) as last_line
from main.exp_gogen_research_rows
group by source_file
order by source_file
"""
GOGEN_SPAN_LINES = 100_000
# records a batch of that pass (the 95 columns and the decision's): 50,000 (BATCH_ROWS) took the
# run's process to 1,190 MiB at 1M rows, 25,000 to ~880 MiB, ~1 s slower in ~14 s
GOGEN_BATCH_ROWS = 25_000

# A county's decisions with no record to be printed on (an error: the files would miss them)
GOGEN_UNPLACED_SQL = """
select charge_key from main.exp_gogen_convictions
where county in ({counties}) and placed_file is null
order by charge_key limit 5
"""

# gogen.json: a county's decisions by what gogen's words depend on, its totals and sections
GOGEN_GROUPS_SQL = """
select determination, relief, decisive_rule, section, missing_facts, reasons, count(*) as n
from main.exp_gogen_convictions where county in ({counties})
group by determination, relief, decisive_rule, section, missing_facts, reasons
order by all
"""

GOGEN_TOTALS_SQL = """
select
    min(conviction_date) as earliest,
    count(*) as convictions,
    count(case when is_felony then 1 end) as felonies,
    count(distinct person_key) as subjects,
    count(distinct case when determination = 'eligible' and relief in ('dismiss', 'reduce')
                        then person_key end) as subjects_with_relief
from main.exp_gogen_convictions where county in ({counties})
"""

GOGEN_SECTIONS_SQL = """
select section, count(*) as n from main.exp_gogen_convictions
where county in ({counties}) and section <> ''
group by section order by section
"""

# CountSubjects*: the people of the county's decisions, over every conviction of theirs (all
# programs, all counties: exp_convictions): those left with no conviction, none after the
# cutoff date (? first: undated counts as recent), no felony (unknown level counts as one),
# with the county's decisions as made (dismissed; relieved: dismissed or reduced) and with
# every in-county Prop 64 conviction dismissed.
GOGEN_SUBJECTS_SQL = """
with here as (
    select
        charge_key,
        coalesce(determination = 'eligible' and relief = 'dismiss', false) as dismissed,
        coalesce(determination = 'eligible' and relief in ('dismiss', 'reduce'), false)
            as relieved
    from main.exp_gogen_convictions
    where county in ({counties})
),
people as (
    select distinct c.person_key from main.exp_convictions c join here h using (charge_key)
),
conv as (
    select
        c.person_key,
        c.conviction_date is null or c.conviction_date > ? as recent,
        coalesce(c.is_felony, true) as felony,
        coalesce(h.dismissed, false) as dismissed,
        coalesce(h.relieved, false) as relieved,
        h.charge_key is not null as in_county
    from main.exp_convictions c
    join people p using (person_key)
    left join here h using (charge_key)
),
per_person as (
    select
        bool_and(dismissed) as a,
        bool_and(dismissed) filter (where recent) as b,
        bool_and(relieved) filter (where felony) as c,
        bool_and(in_county) as d,
        bool_and(in_county) filter (where recent) as e,
        bool_and(in_county) filter (where felony) as f
    from conv
    group by person_key
)
select
    count(*) filter (where a) as current_no_conviction,
    count(*) filter (where b) as current_no_conviction_7y,
    count(*) filter (where c) as current_no_felony,
    count(*) filter (where d) as all_no_conviction,
    count(*) filter (where e) as all_no_conviction_7y,
    count(*) filter (where f) as all_no_felony
from per_person
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

UNREAD_BY_COUNTY_SQL = """
select county, unread_conviction_records as n from main.exp_unread_by_county
"""

PARAMETERS_SQL = """
select name, value_json from main.exp_program_parameters where program = ? order by name
"""

FORECAST_SQL = "select coalesce(bool_or(is_forecast), false) as f from main.exp_programs"


def with_reviews(con, sql: str, latest: str | None = None) -> str:
    """`sql` with {review_columns} and {latest_reviews} filled (the latest review of each
    decision: orchestration/review/store.py; `latest`: its SQL, when already known); other
    braces must be doubled."""
    if "{review_columns}" not in sql and "{latest_reviews}" not in sql:
        return sql
    return sql.format(
        review_columns=review_store.review_columns_sql("d", "r"),
        latest_reviews=latest if latest is not None else review_store.latest_sql(con),
    )


def forecast_run(warehouse: Warehouse) -> bool:
    """The run is an explicit forecast (exp_programs.is_forecast, from the rulebook)."""
    return bool(warehouse.query(FORECAST_SQL)["f"][0])


def load_unread_by_county(warehouse: Warehouse) -> pl.DataFrame:
    """county (as recorded), n: conviction records whose offense text reads to no statute."""
    return warehouse.query(UNREAD_BY_COUNTY_SQL)


def load_parameters(warehouse: Warehouse, program: str) -> pl.DataFrame:
    """name, value_json: the program's parameters in effect for the run."""
    return warehouse.query(PARAMETERS_SQL, [program])


def load_export_frames(warehouse: Warehouse) -> ExportFrames:
    source = ExportSource.of(warehouse)
    return ExportFrames(source)


def county_values(source: ExportSource) -> dict[str | None, list[str]]:
    """Each normalized county of the decisions (None: none recorded) and the spellings that
    read as it (" yolo" and "YOLO" are one county)."""
    found: dict[str | None, list[str]] = {}
    names = source.query("select distinct county from main.exp_decisions")["county"].to_list()
    for name in sorted(n for n in names if n is not None):
        found.setdefault(normalize_county(name), []).append(name)
    if None in names:
        found[None] = []
    return found


def county_predicate(unit: str | None, spellings: list[str]) -> tuple[str, tuple]:
    """SQL over `d` for one county's decisions (unit None: no county recorded), given the
    spellings that read as it (county_values; none: no decision at all)."""
    if unit is None:
        return "d.county is null", ()
    if not spellings:
        return "false", ()
    return f"d.county in ({', '.join('?' for _ in spellings)})", tuple(spellings)


def county_scope(rows: UnitRows, source: ExportSource, county: str | None) -> UnitRows:
    """`rows` narrowed to one county (case/space-insensitive), or all of them (None)."""
    if county is None:
        return rows
    unit = normalize_county(county)
    where, params = county_predicate(unit, county_values(source).get(unit, []))
    return rows.narrowed(where, *params)
