"""The dbt step alone at statewide size (issue 15): `python -m devtools.bench.dbt_step`.

For each size, the benchmark extract (seed 11, every California law) is ingested once into a
warehouse by the job's own ingest and rulebook assets (Dagster, in process; no dbt, no exports),
and then `dbt build` runs on a fresh copy of it, as the `warehouse_models` step runs it (every
model and data test, unit tests excluded; in a child process that runs dbt in process on the
parse `make manifest` made, as the step does), under a DuckDB memory limit, several times. It
writes wall time, the dbt process tree's peak resident memory and the slowest models (dbt's
run_results.json) between the dbt-step markers of docs/benchmarks.md.

Environment: BENCH_DBT_SIZES="1000000" (default), BENCH_LARGE=1 adds 10,000,000 (one build),
BENCH_REPEATS=3, BENCH_DIR=data/bench. Memory limits: 2GB up to 1M rows, 3GB above (the issue's
bounds; CLEANSLATE_DUCKDB_MEMORY is what dbt's profile reads).
"""

import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from devtools.bench.__main__ import AS_OF, ensure_extract, machine
from devtools.bench.measure import run_measured
from orchestration.launch.environment import ensure_dagster_home
from orchestration.lib.settings import PROJECT_ROOT, settings
from orchestration.transform.in_process import BUILD_ARGS

MARK_START = "<!-- bench-dbt:start (written by make bench; edits here are overwritten) -->"
MARK_END = "<!-- bench-dbt:end -->"
TARGET_1M_S = 30.0


@dataclass
class DbtResult:
    rows: int
    memory_limit: str
    walls: list[float]
    peaks: list[int]
    ok: list[bool]
    decisions: int
    slowest: list[tuple[str, float]]
    errors: list[str] = field(default_factory=list)  # why a build failed, one per failure
    revision: str = ""  # the code measured (sizes are often measured at different times)
    load: str = ""  # 15-minute load average at the end: the machines are shared
    # every build ran on `make manifest`'s parse, as the run does (False: dbt parsed, ~5 s more)
    on_parse: bool = False


def limit_for(rows: int) -> str:
    return "2GB" if rows <= 1_000_000 else "3GB"


def ingest(extract: Path, warehouse: Path, home: Path) -> None:
    """raw.* and rules.* tables of one extract, by the job's own assets (no dbt, no export).

    In a child process run as a module (`-m`, so that its __main__ has a spec: under `python -c`
    pyspark's Spark Connect import, which Great Expectations makes, takes the interpreter for a
    doctest runner and calls sys.exit(0) mid-run, and a half-ingested warehouse looked done).
    The child writes a marker only after the run succeeded, and the marker is what counts.
    """
    done = warehouse.with_suffix(".ingested")
    done.unlink(missing_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home), "CLEANSLATE_WAREHOUSE": str(warehouse)}
    argv = [sys.executable, "-m", "devtools.bench.dbt_step", "ingest", str(extract), str(done)]
    subprocess.run(argv, check=True, env=env, cwd=PROJECT_ROOT)
    if not done.exists():
        raise SystemExit(f"ingesting {extract.name} did not complete (see the log above)")
    done.unlink()


def _ingest_in_process(extract: str, done: str) -> None:
    from dagster import DagsterInstance

    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).group_name in ("ingest", "rules") and not graph.get(k).is_external
    ]
    job = defs.resolve_job_def("clearance")
    config = {
        "ops": {
            "doj_extracts": {"config": {"extracts": [extract]}},
            "canonical_extracts": {"config": {"extracts": []}},
            "doj_supervision": {"config": {"files": [], "complete": False}},
            "rulebook": {"config": {"as_of": AS_OF, "options_file": None, "forecast": False}},
        }
    }
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config=config, instance=instance, asset_selection=keys, raise_on_error=True
        )
    if result.success:
        Path(done).write_text("ok\n")


# What the ingested warehouse depends on: a change here (a renamed rules.* column, say) makes a
# kept warehouse stale, so it is part of the cached file's name. The storage settings too: the
# file's format is fixed when ingest makes it (orchestration/lib/storage.py STORAGE_VERSION).
INGEST_INPUTS = (
    "orchestration/ingest",
    "orchestration/rules",
    "rules",
    "orchestration/lib/storage.py",
)


def ingest_fingerprint() -> str:
    digest = hashlib.sha256()
    for folder in INGEST_INPUTS:
        path = PROJECT_ROOT / folder
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file() and "__pycache__" not in f.parts:
                digest.update(str(f.relative_to(PROJECT_ROOT)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:12]


def failure(output: str) -> str:
    """The failing node and DuckDB's message, from dbt's log."""
    node = re.search(r"(?:Runtime|Database) Error in (?:model|test) (\w+)", output)
    message = re.search(r"(Out of Memory Error[^\n]*|[A-Z][a-z]+ Error: [^\n]*)", output)
    return f"{node.group(1) if node else '?'}: {message.group(1) if message else 'see the log'}"


PARSE_NOT_CURRENT = "the parse of `make manifest` is not current: dbt parses the project itself"


def remove_build(warehouse: Path) -> None:
    """A measured build's warehouse copy and what its build left beside it (the WAL, DuckDB's
    spill folder, dbt's target folder): all made by this bench, under names it chose."""
    for made in (warehouse, Path(f"{warehouse}.wal")):
        made.unlink(missing_ok=True)
    for made in (Path(f"{warehouse}.tmp"), warehouse.parent / f".{warehouse.name}.dbt-target"):
        shutil.rmtree(made, ignore_errors=True)


def dbt_build(warehouse: Path, limit: str, log: Path) -> tuple[float, int, str, dict, bool]:
    """One `dbt build` in a child process (_build_in_process); (wall s, peak bytes of the
    child's tree, the failure or "", run_results, whether it ran on `make manifest`'s parse)."""
    target = warehouse.parent / f".{warehouse.name}.dbt-target"
    env = {
        **os.environ,
        "CLEANSLATE_WAREHOUSE": str(warehouse),
        "CLEANSLATE_DUCKDB_MEMORY": limit,
        "DBT_TARGET_PATH": str(target),
    }
    argv = [sys.executable, "-m", "devtools.bench.dbt_step", "build", str(target)]
    # A build that fails (e.g. DuckDB out of memory under the limit) is a result, not a crash.
    wall, peak, output = run_measured(argv, env, log, check=False)
    results = target / "run_results.json"
    error = "" if "Completed successfully" in output else failure(output)
    parsed = PARSE_NOT_CURRENT not in output
    return wall, peak, error, json.loads(results.read_text()) if results.exists() else {}, parsed


def _build_in_process(target: str) -> None:
    """The child of dbt_build(): `dbt build` as the warehouse_models step runs it, in this
    process on the parse `make manifest` made (orchestration/transform/in_process.py: no dbt
    subprocess, no parse; the run pays neither). When that parse is not current, dbt parses
    the project itself (~5 s more), and the log says so."""
    from dbt.cli.main import dbtRunner

    from orchestration.transform.in_process import duckdb_catalog, parsed_manifest

    project = PROJECT_ROOT / "dbt_project"
    manifest = parsed_manifest(project, duckdb_catalog(settings().warehouse))
    if manifest is None:
        print(PARSE_NOT_CURRENT, flush=True)
    args = [*BUILD_ARGS, "--project-dir", str(project), "--profiles-dir", str(project)]
    result = dbtRunner(manifest=manifest).invoke([*args, "--target-path", target])
    sys.exit(0 if result.success else 1)


def bench(folder: Path, rows: int, repeats: int) -> DbtResult:
    extract = ensure_extract(folder, rows)
    base = folder / f"dbt-step-{rows}-ingest-{ingest_fingerprint()}.duckdb"
    if not base.exists():
        for stale in folder.glob(f"dbt-step-{rows}-ingest-*.duckdb"):  # ours, from older code
            stale.unlink()
        print(f"  {rows:>10,} rows: ingesting once ...", flush=True)
        tmp = base.with_suffix(".partial.duckdb")
        tmp.unlink(missing_ok=True)
        # the project's instance settings (telemetry off: no banner in the log)
        ensure_dagster_home(folder / "dagster_home")
        ingest(extract, tmp, folder / "dagster_home")
        tmp.rename(base)
    limit = limit_for(rows)
    walls, peaks, oks, errors = [], [], [], []
    node_times: dict[str, list[float]] = {}
    decisions = 0
    on_parse = True
    for i in range(repeats):
        wh = folder / f"dbt-step-{rows}-run.duckdb"
        remove_build(wh)  # one an interrupted bench left (its run_results.json too)
        shutil.copyfile(base, wh)
        log = folder / f"dbt-step-{rows}-{i}.log"
        wall, peak, error, results, parsed = dbt_build(wh, limit, log)
        on_parse = on_parse and parsed
        ok = not error
        if error:
            errors.append(error)
        walls.append(wall)
        peaks.append(peak)
        oks.append(ok)
        for r in results.get("results", []):
            node_times.setdefault(r["unique_id"].split(".")[-1], []).append(r["execution_time"])
        if ok:
            with duckdb.connect(str(wh), read_only=True) as con:
                decisions = con.execute("select count(*) from fct_decisions").fetchone()[0]
        remove_build(wh)  # the figures are read: a 10M-row copy is ~20 GB of disk
        print(
            f"  {rows:>10,} rows, dbt build {i + 1}/{repeats} under {limit}: {wall:6.1f} s,"
            f" peak {peak / 2**30:.2f} GiB, {error or 'ok'}",
            flush=True,
        )
    slowest = sorted(
        ((n, statistics.median(t)) for n, t in node_times.items()), key=lambda x: -x[1]
    )[:8]
    info = machine()
    return DbtResult(
        rows, limit, walls, peaks, oks, decisions, slowest, errors,
        revision=info["revision"], load=info["load"], on_parse=on_parse,
    )  # fmt: skip


def _gib(n: int) -> str:
    return f"{n / 2**30:.2f} GiB" if n > 0 else "not recorded"


def earlier_rows(page_text: str, measured: set[int]) -> dict[int, dict[str, str]]:
    """The page's rows of sizes not measured in this folder ({rows: {"table", "slowest",
    "target"}: their lines as written}): a 10M build is run rarely, often on another machine,
    and its figures stay on the page, with their revision, until it is measured again."""
    if MARK_START not in page_text:
        return {}
    block = page_text.split(MARK_START, 1)[1].split(MARK_END, 1)[0]
    kept: dict[int, dict[str, str]] = {}
    for line in block.splitlines():
        table = re.match(r"^\| ([\d,]+)\*? \|", line)
        listed = re.match(r"^- ([\d,]+) rows(:| under)", line)
        found = table or listed
        if not found:
            continue
        rows = int(found.group(1).replace(",", ""))
        if rows in measured:
            continue
        part = "table" if table else ("slowest" if listed and listed.group(2) == ":" else "target")
        kept.setdefault(rows, {})[part] = line
    return {n: k for n, k in kept.items() if "table" in k}


def render(
    results: list[DbtResult], info: dict[str, str], earlier: dict[int, dict[str, str]] | None = None
) -> str:
    """The dbt-step block; `earlier` (earlier_rows): rows of sizes not measured here, kept."""
    earlier = earlier or {}
    lines = [
        f"Rendered {info['date']} on {info['cores']} cores, {info['memory']}; DuckDB"
        f" {info['duckdb']}; each size at the revision and 15-minute load average in its row."
        " `dbt build` (every model and data test, unit tests excluded) on a fresh copy of an"
        " ingested warehouse, DuckDB bounded by `CLEANSLATE_DUCKDB_MEMORY`, run as the"
        " `warehouse_models` step runs it: in process, on the parse `make manifest` made (a"
        " size marked * was measured with dbt parsing the project itself, ~5 s more); times are"
        " median (min–max).",
        "",
        "| rows | DuckDB limit | builds | completed | decisions | dbt build s"
        " | peak memory (dbt tree) | revision | load |",
        "|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    table: dict[int, str] = {n: k["table"] for n, k in earlier.items()}
    for r in results:
        med = statistics.median(r.walls)
        table[r.rows] = (
            f"| {r.rows:,}{'' if r.on_parse else '*'} | {r.memory_limit} | {len(r.walls)} |"
            f" {sum(r.ok)} | {r.decisions:,} |"
            f" {med:.1f} ({min(r.walls):.1f}–{max(r.walls):.1f}) |"
            f" {_gib(max(r.peaks))} | `{r.revision}` | {r.load} |"
        )
    lines += [table[n] for n in sorted(table)]
    for r in results:
        for e in dict.fromkeys(r.errors):
            lines.append(f"\n{r.rows:,} rows, failed build: {e}")
    lines += ["", "Slowest nodes (median seconds per build):", ""]
    slowest = {n: k["slowest"] for n, k in earlier.items() if "slowest" in k}
    for r in results:
        slowest[r.rows] = f"- {r.rows:,} rows: " + ", ".join(f"`{n}` {t:.1f}" for n, t in r.slowest)
    lines += [slowest[n] for n in sorted(slowest)]
    one_m = next((r for r in results if r.rows == 1_000_000), None)
    ten_m = next((r for r in results if r.rows == 10_000_000), None)
    lines += ["", "Targets (issue 15; shown, not enforced by tests):", ""]
    if one_m:
        med = statistics.median(one_m.walls)
        met = "met" if med <= TARGET_1M_S and all(one_m.ok) else "NOT met"
        lines.append(
            f"- dbt step at 1,000,000 rows <= {TARGET_1M_S:.0f} s under a 2 GiB DuckDB limit:"
            f" {med:.1f} s ({met})."
        )
    if ten_m and all(ten_m.ok):
        lines.append(
            "- 10,000,000 rows under a 3 GiB DuckDB limit: completed"
            f" in {statistics.median(ten_m.walls):.0f} s."
        )
    elif ten_m:
        lines.append(
            "- 10,000,000 rows under a 3 GiB DuckDB limit: did NOT complete (stopped after"
            f" {max(ten_m.walls):.0f} s: {'; '.join(ten_m.errors)})."
        )
    elif "target" in earlier.get(10_000_000, {}):
        note = " (an earlier run: its row's revision)"
        lines.append(earlier[10_000_000]["target"].removesuffix(note) + note)
    else:
        lines.append("- 10,000,000 rows: not run this time (BENCH_LARGE=1 adds it).")
    return "\n".join(lines)


def write_page(page: Path, block: str) -> None:
    text = page.read_text()
    if MARK_START not in text:
        text = text.rstrip() + f"\n\n## The dbt step alone\n\n{MARK_START}\n{MARK_END}\n"
    head, rest = text.split(MARK_START, 1)
    _, tail = rest.split(MARK_END, 1)
    page.write_text(f"{head}{MARK_START}\n\n{block}\n\n{MARK_END}{tail}")


def main() -> None:
    folder = settings().bench_dir
    folder.mkdir(parents=True, exist_ok=True)
    sizes = list(settings().bench_dbt_sizes)
    if settings().bench_large and 10_000_000 not in sizes:
        sizes.append(10_000_000)
    repeats = settings().bench_repeats
    if sys.argv[1:2] == ["ingest"]:  # the child process of ingest()
        _ingest_in_process(*sys.argv[2:4])
        return
    if sys.argv[1:2] == ["build"]:  # the child process of dbt_build()
        _build_in_process(sys.argv[2])
        return
    # `python -m devtools.bench.dbt_step render`: the page from the figures already kept
    if sys.argv[1:] != ["render"]:
        for n in sizes:
            r = bench(folder, n, 1 if n >= 10_000_000 else repeats)
            (folder / f"dbt-step-{n}.json").write_text(json.dumps(r.__dict__))
    # Every size measured in this folder (a 10M build is often run on its own), smallest first.
    results = sorted(
        (DbtResult(**json.loads(f.read_text())) for f in folder.glob("dbt-step-*.json")),
        key=lambda r: r.rows,
    )
    info = machine()
    page = PROJECT_ROOT / "docs" / "benchmarks.md"
    earlier = earlier_rows(page.read_text(), {r.rows for r in results})
    write_page(page, render(results, info, earlier))
    print(render(results, info, earlier))


if __name__ == "__main__":
    main()
