"""Law cases through one `dbt build` per group: a rule change checked in well under a minute.

    make law-cases                                  # every case of rules/*/cases
    .venv/bin/python -m scripts.law_cases -k U1     # cases whose program:id or file has "U1"
    .venv/bin/python -m scripts.law_cases --keep data/law_cases   # keep the warehouses

The law cases (rules/<state>/cases/*.yaml, devtools/law_cases.py) run in groups: cases
with the same as_of and options share one rulebook (the models hold one rulebook, one as_of and
one set of options, per warehouse). For each group a fresh DuckDB file in a scratch folder gets

  raw.*                the cases as canonical extract folders (write_case_extract), staged by
                       the ingest assets' own functions (orchestration/ingest/staging.py); no
                       CA DOJ extract, no supervision file: those tables are empty, as in a run
                       without them
  rules.*              the rulebook of the group's as_of and options, from the functions the
                       rulebook asset calls (orchestration/rules/assets.py)
  law_cases.expected   one row per expectation

and then ONE in-process `dbt build` (dbtRunner) of the decision table and every model it reads
(`+fct_decisions`) with their data tests (and any other model such a test reads:
see selection()), plus the singular test
dbt_project/tests/law_cases/assert_law_cases_hold.sql (enabled by --vars {law_cases: true}),
which returns one row per expectation the decision table does not meet. The data tests stay on
(--no-model-tests drops them: a quarter less time) because they are what a real run checks
on these models: a rule change that gives a relief outside the accepted values, a condition
type the SQL does not know, or two decisions for one charge fails there, not in any
expectation. dbt unit tests are left out, as in the pipeline's build (they check the SQL, not
the data). The project is parsed once per run (its partial-parse state kept under
dbt_project/target/law_cases_parse/) and the parsed manifest serves every group's build.

No Dagster, no CLI, no Great Expectations, no run gates, no exports: that end-to-end path runs
in tests/integration/test_law_cases.py (the largest group). The groups run one after another
by default: dbt does not support two invocations at once in one process, and a worker process
per group (--jobs N) pays dbt's import and parse again, which on a busy 2-core machine costs
more than it saves (measured); with idle cores to spare it may pay.

Prints each group (cases, expectations, PASS / FAIL, seconds) and every failed expectation
(case id, title, charge, expected against got, the decision's reasons and missing facts).
Exit status 1 when an expectation or any dbt node fails, 2 when the case or rule files do not
load.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from devtools.law_cases import LoadedCase, load_case_files, write_case_extract
from orchestration.engines import TableReplacer
from orchestration.ingest.staging import (
    stage_canonical_extracts,
    stage_no_doj_extract,
    stage_supervision_files,
)
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.rules.as_of import AsOfError, check_as_of
from orchestration.rules.compile import compile_rulebook
from orchestration.rules.load import (
    LoadedCodeInference,
    LoadedRules,
    RuleFileError,
    load_code_inference,
    load_rules_dir,
)
from orchestration.rules.options import CountyOptions, read_options_file

TEST_NAME = "assert_law_cases_hold"
DECISION_MODEL = "fct_decisions"
DBT_VARS = "{law_cases: true}"
# dbt's partial-parse state for this runner's parse (its vars differ from the pipeline's)
PARSE_CACHE = DBT_PROJECT_DIR / "target" / "law_cases_parse"
# The parsed manifest names each relation's database, which dbt-duckdb takes from the file's
# stem: the parse and every group's warehouse use this one file name.
WAREHOUSE_NAME = "warehouse.duckdb"
DEFAULT_JOBS = 1
EXPECTED_SCHEMA = {
    "case_id": pl.String,
    "title": pl.String,
    "file": pl.String,
    "program": pl.String,
    "extract_name": pl.String,
    "charge_ref": pl.String,
    "determination": pl.String,
    "relief": pl.String,
    "eligible_on": pl.Date,
    "rule": pl.String,
    "missing": pl.String,
    "reason": pl.String,
}


@dataclass(frozen=True)
class Settings:
    """verbose: dbt's log on the console. model_tests: the data tests of the models built
    (what a real run checks on them); without them only the law-case test runs."""

    verbose: bool = False
    model_tests: bool = True
    # models to build besides the decision table (test_engines: fct_decision_criteria)
    also_build: tuple[str, ...] = ()


@dataclass
class Group:
    """Cases that share one rulebook: the same as_of and options."""

    as_of: date
    options: dict[str, Any] | None
    cases: list[LoadedCase]

    @property
    def label(self) -> str:
        opts = json.dumps(self.options, sort_keys=True) if self.options else "no options"
        return f"{self.as_of.isoformat()} {opts}"

    @property
    def expectations(self) -> int:
        return sum(len(lc.case.expect) for lc in self.cases)


@dataclass
class GroupResult:
    group: Group
    seconds: float
    failures: list[dict[str, Any]] = field(default_factory=list)  # rows of the law-case test
    problems: list[str] = field(default_factory=list)  # dbt nodes that failed or never ran
    nodes: int = 0  # dbt nodes built or run (models, tests, hooks)
    warnings: list[str] = field(default_factory=list)  # the rulebook's

    @property
    def passed(self) -> bool:
        return not self.failures and not self.problems


def group_cases(cases: Sequence[LoadedCase]) -> list[Group]:
    groups: dict[str, Group] = {}
    for lc in cases:
        groups.setdefault(lc.group, Group(lc.as_of, lc.options, [])).cases.append(lc)
    return [groups[k] for k in sorted(groups)]


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


def expected_frame(cases: Sequence[LoadedCase]) -> pl.DataFrame:
    rows = [
        {
            "case_id": lc.case.id,
            "title": lc.case.title,
            "file": _relative(lc.file),
            "program": lc.program,
            "extract_name": lc.extract_name,
            "charge_ref": charge,
            "determination": exp.determination,
            "relief": exp.relief,
            "eligible_on": exp.eligible_on,
            "rule": exp.rule,
            "missing": exp.missing,
            "reason": exp.reason,
        }
        for lc in cases
        for charge, exp in lc.case.expect.items()
    ]
    return pl.DataFrame(rows, schema=EXPECTED_SCHEMA)


class _GatheringLoader:
    """A loader (orchestration/engines.py, Loader) that gathers each table's frames and writes
    them once: one DuckDB insert per table instead of two per table of every case's extract
    (about 1,300 for 80 cases, most of the load time). The same rows, in the same order."""

    def __init__(self) -> None:
        self.frames: dict[tuple[str, str], list[pl.DataFrame]] = {}

    def write(self, schema: str, name: str, frame: pl.DataFrame) -> None:
        self.frames.setdefault((schema, name), []).append(frame)

    def write_into(self, tables: TableReplacer) -> None:
        for (schema, name), frames in self.frames.items():
            tables.write(schema, name, pl.concat(frames, how="vertical"))


@dataclass(frozen=True)
class Rulebook:
    """The rule files and code inference tables, read once for every group."""

    rules_dir: Path
    programs: list[LoadedRules]
    code_inference: list[LoadedCodeInference]

    @classmethod
    def load(cls, rules_dir: Path) -> Rulebook:
        return cls(rules_dir, load_rules_dir(rules_dir), load_code_inference(rules_dir))


def load_inputs(group: Group, folder: Path, rulebook: Rulebook) -> tuple[Path, list[str]]:
    """The group's scratch warehouse: raw.*, rules.* and law_cases.expected. Returns its path
    and the rulebook's warnings (the rulebook asset logs them)."""
    extracts = [write_case_extract(lc, folder / "extracts") for lc in group.cases]
    # the rulebook, as the rulebook asset makes it (and `cleanslate run` checks the as_of)
    programs = rulebook.programs
    check_as_of(programs, group.as_of, False)
    options = CountyOptions.empty()
    if group.options:
        options_file = folder / "options.json"
        options_file.write_text(json.dumps(group.options))
        options = read_options_file(options_file)
    frames, warnings = compile_rulebook(
        programs,
        options,
        group.as_of,
        forecast=False,
        code_inference=rulebook.code_inference,
    )
    raw = _GatheringLoader()
    stage_no_doj_extract(raw)
    stage_supervision_files(raw, [], complete=False)
    stage_canonical_extracts(raw, extracts)
    warehouse = folder / WAREHOUSE_NAME
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("begin transaction")
        tables = TableReplacer(con)
        raw.write_into(tables)
        for name, frame in frames.items():
            tables.write("rules", name, frame)
        tables.write("law_cases", "expected", expected_frame(group.cases))
        con.execute("commit")
    finally:
        con.close()
    return warehouse, warnings


@contextmanager
def _environ(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _dbt_args(command: str, target_path: Path, verbose: bool) -> list[str]:
    project = str(DBT_PROJECT_DIR)
    return [
        command,
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target",
        "dev",  # DuckDB: the scratch warehouse, whatever DBT_TARGET says
        "--vars",
        DBT_VARS,
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        "--log-level",
        "info" if verbose else "none",
        "--log-level-file",
        "none",
        "--no-send-anonymous-usage-stats",
    ]


def parse_project(work: Path, verbose: bool = False) -> Any:
    """The dbt manifest with the law-case test enabled. dbt's partial-parse state is kept in
    PARSE_CACHE between runs (copied in and moved back, so two runners never share a file)."""
    from dbt.cli.main import dbtRunner

    target = work / "parse"
    target.mkdir(parents=True)
    cached = PARSE_CACHE / "partial_parse.msgpack"
    if cached.exists():
        shutil.copy2(cached, target / cached.name)
    # the profile's path is part of the partial-parse state: one fixed path for every parse
    # (dbt parse does not open it)
    with _environ(CLEANSLATE_WAREHOUSE=str(PARSE_CACHE / WAREHOUSE_NAME), DBT_TARGET="dev"):
        res = dbtRunner().invoke([*_dbt_args("parse", target, verbose), "--no-write-json"])
    if not res.success or res.result is None:
        raise RuntimeError(f"dbt parse failed: {res.exception}")
    fresh = target / cached.name
    if fresh.exists():
        PARSE_CACHE.mkdir(parents=True, exist_ok=True)
        staged = PARSE_CACHE / f".{cached.name}.{os.getpid()}"
        shutil.copy2(fresh, staged)
        os.replace(staged, cached)
    return res.result


def build(manifest: Any, warehouse: Path, target: Path, settings: Settings) -> Any:
    """One `dbt build` of the decision table, what it reads, their data tests (unless
    settings.model_tests is off) and the law-case test. dbt unit tests are left out, as in
    the pipeline's build: they check the SQL, not the data."""
    from dbt.cli.main import dbtRunner

    args = [
        *_dbt_args("build", target, settings.verbose),
        "--no-write-json",
        "--select",
        *selection(manifest, settings.model_tests, settings.also_build),
        "--exclude-resource-type",
        "unit_test",
        # a test runs when every model it reads is built (never on a missing table); without
        # the model tests, only what is selected by name: the models and the law-case test
        "--indirect-selection",
        "cautious" if settings.model_tests else "empty",
    ]
    with _environ(CLEANSLATE_WAREHOUSE=str(warehouse), DBT_TARGET="dev"):
        try:
            return dbtRunner(manifest=manifest).invoke(args)
        finally:
            release_duckdb()


def selection(
    manifest: Any, model_tests: bool = True, also_build: tuple[str, ...] = ()
) -> list[str]:
    """What one build selects: the decision table (and `also_build`) and every model they
    read; with the model tests, also any model one of their tests reads besides them (a
    relationships test to a model the decisions do not read, e.g. stg_rules__condition_types),
    with what it reads; and the law-case test."""
    nodes = manifest.nodes

    def parents(uid: str) -> list[str]:  # a seed depends on macros only
        return getattr(nodes[uid].depends_on, "nodes", [])

    roots = tuple(dict.fromkeys((DECISION_MODEL, *also_build)))  # each model selected once
    needed: set[str] = set()
    todo = [uid for uid, n in nodes.items() if n.resource_type == "model" and n.name in roots]
    while todo:
        uid = todo.pop()
        if uid in nodes and uid not in needed:
            needed.add(uid)
            todo.extend(parents(uid))
    extra = set()
    if model_tests:
        for uid, n in nodes.items():
            if n.resource_type == "test" and needed & set(parents(uid)):
                extra |= {
                    p
                    for p in parents(uid)
                    if p in nodes and p not in needed and nodes[p].resource_type == "model"
                }
    return [*(f"+{m}" for m in roots), *sorted(f"+{nodes[p].name}" for p in extra), TEST_NAME]


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after a build (its
    class-level environment lives until the next build opens another file, or until exit):
    the warehouse is read next, and DuckDB will not open one file twice with two configs."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


def _problems(res: Any) -> list[str]:
    """dbt nodes that errored, failed or were skipped, and a law-case test that did not run."""
    if res.exception is not None:
        return [f"dbt did not finish: {res.exception}"]
    out = []
    ran_test = False
    for r in res.result.results:
        name = r.node.name
        status = str(r.status)
        if name == TEST_NAME:
            ran_test = status in ("pass", "fail")
            if status in ("pass", "fail"):
                continue  # its failing rows are the expectations that do not hold
        if status in ("error", "fail", "skipped", "runtime error"):
            what = r.node.resource_type
            detail = (r.message or "").strip().splitlines()
            out.append(f"dbt {what} {name}: {status}" + (f": {detail[0]}" if detail else ""))
    if not ran_test:
        out.append(f"the law-case test {TEST_NAME} did not run")
    return out


def _failures(warehouse: Path) -> list[dict[str, Any]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        failures = con.execute(
            "select * from law_cases.failures order by file, case_id, charge_ref, program"
        )
        return failures.pl().to_dicts()
    finally:
        con.close()


def run_group(
    group: Group, manifest: Any, folder: Path, rulebook: Rulebook, settings: Settings
) -> GroupResult:
    started = time.perf_counter()
    warehouse, warnings = load_inputs(group, folder, rulebook)
    res = build(manifest, warehouse, folder / "target", settings)
    problems = _problems(res)
    test_failed = res.result is not None and any(
        r.node.name == TEST_NAME and str(r.status) == "fail" for r in res.result.results
    )
    failures = _failures(warehouse) if test_failed else []
    nodes = len(res.result.results) if res.result is not None else 0
    seconds = time.perf_counter() - started
    return GroupResult(group, seconds, failures, problems, nodes, warnings)


def _scratch_dir() -> str | None:
    """Where the scratch warehouses go: TMPDIR if set, else /dev/shm where there is one (a
    memory file system: DuckDB's commit of every model then waits on no disk; the files are a
    few MB of fabricated cases), else the system's temporary folder."""
    if os.environ.get("TMPDIR"):
        return None
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


# a worker process's rulebook and parsed project (--jobs above 1)
_WORKER: dict[str, Any] = {}


def _worker_start(rulebook: Rulebook, work: Path, settings: Settings) -> None:
    manifest = parse_project(work / f"worker-{os.getpid()}", settings.verbose)
    _WORKER.update(rulebook=rulebook, manifest=manifest, settings=settings)


def _worker_run(group: Group, folder: Path) -> GroupResult:
    return run_group(group, _WORKER["manifest"], folder, _WORKER["rulebook"], _WORKER["settings"])


def run_cases(
    cases: Sequence[LoadedCase],
    rules_dir: Path,
    keep: Path | None = None,
    settings: Settings = Settings(),
    jobs: int = 1,
    report: Callable[[GroupResult], None] | None = None,
) -> list[GroupResult]:
    """Every group of `cases`; `report(result)` is called as each group finishes. With
    jobs > 1, that many worker processes (each parses the project once) take the groups,
    largest first; results come back in group order."""
    rulebook = Rulebook.load(rules_dir)
    groups = group_cases(cases)
    results: list[GroupResult | None] = [None] * len(groups)
    with tempfile.TemporaryDirectory(prefix="law_cases_", dir=_scratch_dir()) as tmp:
        work = Path(tmp)
        folders = []
        for n in range(len(groups)):
            folder = (keep if keep is not None else work) / f"group{n}"
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            folders.append(folder)
        jobs = max(1, min(jobs, len(groups)))
        if jobs == 1:
            manifest = parse_project(work, settings.verbose)
            for n, group in enumerate(groups):
                results[n] = run_group(group, manifest, folders[n], rulebook, settings)
                if report is not None:
                    report(results[n])
        else:
            # spawn, not fork: polars' and DuckDB's thread pools do not survive a fork
            pool = ProcessPoolExecutor(
                jobs,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_worker_start,
                initargs=(rulebook, work, settings),
            )
            with pool:
                largest_first = sorted(range(len(groups)), key=lambda n: -len(groups[n].cases))
                futures = {
                    pool.submit(_worker_run, groups[n], folders[n]): n for n in largest_first
                }
                for future in as_completed(futures):
                    n = futures[future]
                    results[n] = future.result()
                    if report is not None:
                        report(results[n])
    return [r for r in results if r is not None]


def _fmt(row: dict[str, Any], prefix: str = "") -> str:
    keys = ("determination", "relief", "eligible_on", "rule")
    return " ".join(f"{k}={row[prefix + k]}" for k in keys if row[prefix + k] is not None)


def describe(result: GroupResult) -> str:
    g = result.group
    status = "PASS" if result.passed else "FAIL"
    lines = [
        f"{g.label}: {len(g.cases)} cases, {g.expectations} expectations: {status}"
        f" ({result.seconds:.1f} s, {result.nodes} dbt nodes)"
    ]
    lines += [f"  rulebook warning: {w}" for w in result.warnings]
    lines += [f"  {p}" for p in result.problems]
    titles = {(lc.program, lc.case.id): lc.case.title for lc in g.cases}
    for f in result.failures:
        title = titles.get((f["program"], f["case_id"]), f["title"])
        lines.append(
            f"  FAILED {f['program']} {f['case_id']} ({title}) charge {f['charge_ref']}"
            f" [{f['file']}]: {f['differs']} differs"
        )
        expected = _fmt(f)
        for k in ("missing", "reason"):
            if f[k] is not None:
                expected += f" {k} contains {f[k]!r}"
        lines.append(f"      expected: {expected}")
        got = _fmt(f, "got_") if f["got_determination"] is not None else "no decision"
        lines.append(f"      got:      {got}")
        if f["got_reasons"]:
            lines.append(f"      reasons:  {f['got_reasons']}")
        if f["got_missing_facts"]:
            lines.append(f"      missing:  {f['got_missing_facts']}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m scripts.law_cases", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--rules",
        type=Path,
        default=PROJECT_ROOT / "rules",
        help="rule-file folder whose */cases/*.yaml are run (default: rules/)",
    )
    parser.add_argument(
        "-k",
        dest="only",
        action="append",
        default=[],
        help="only cases whose program:id or case file contains this text (repeatable)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="write each group's folder (extracts, warehouse.duckdb) here and keep it",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=DEFAULT_JOBS,
        help=f"groups built at once, each in a worker process (default {DEFAULT_JOBS})",
    )
    parser.add_argument(
        "--no-model-tests",
        action="store_true",
        help="skip the data tests of the models (keys, accepted values, conservation):"
        " only the law-case test; quicker, but a rule change that breaks one goes unseen",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show dbt's log")
    args = parser.parse_args(argv)

    rules_dir = args.rules.resolve()
    try:
        cases = load_case_files(rules_dir)
    except RuleFileError as e:
        print(e, file=sys.stderr)
        return 2
    if args.only:
        cases = [
            lc
            for lc in cases
            if any(s in f"{lc.program}:{lc.case.id}" or s in str(lc.file) for s in args.only)
        ]
    if not cases:
        print(f"no law case to run under {rules_dir}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        results = run_cases(
            cases,
            rules_dir,
            keep=args.keep.resolve() if args.keep else None,
            settings=Settings(verbose=args.verbose, model_tests=not args.no_model_tests),
            jobs=args.jobs,
            report=lambda r: print(describe(r), flush=True),
        )
    except (RuleFileError, AsOfError) as e:
        print(e, file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    total = time.perf_counter() - started
    print(
        f"{len(cases)} cases in {len(results)} groups: "
        + (f"{len(failed)} group(s) FAILED" if failed else "all hold")
        + f" ({total:.1f} s)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
