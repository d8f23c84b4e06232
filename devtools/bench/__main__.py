"""`make bench` (python -m devtools.bench): generate deterministic CA DOJ extracts, run the
whole job on each as a user would (`cleanslate run`: Dagster, dbt, gates, exports), several times,
and write the figures into docs/benchmarks.md between its bench markers (the analysis around
them is kept).

Environment: BENCH_SIZES="100,100000,1000000" (default), BENCH_LARGE=1 adds 10,000,000 rows,
BENCH_REPEATS=3, BENCH_DIR=data/bench, BENCH_PROFILE=1 also records a py-spy profile of one
run per size (data/bench/profile-<rows>.svg).
"""

import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from devtools.bench.measure import RUN_ID, RunMeasure, run_measured, step_times, summarize
from orchestration.lib.settings import PROJECT_ROOT, settings

AS_OF = "2025-07-01"
SEED = 11
MARK_START = "<!-- bench:start (written by make bench; edits here are overwritten) -->"
MARK_END = "<!-- bench:end -->"
# The open performance issues' targets for the whole run (the dbt step's own, issue 15, are in
# devtools/bench/dbt_step.py).
FIXED_OVERHEAD_TARGET_S = 10.0  # issue 17: 100 rows end to end, median
PEAK_TARGET_GIB = 2.0  # issue 16: the whole process tree at 1M rows, and at 10M (no growth)
EXPORTS_TARGET_S = 40.0  # issue 16: exports plus their reconciliation at 1M rows
EXPORT_STEPS = ("exports__staged_files", "exports__staged_files_exports_reconciled")


@dataclass
class SizeResult:
    rows: int
    bytes: int
    convictions: int
    decisions: int
    runs: list[RunMeasure]


def sizes_from_env() -> list[int]:
    sizes = list(settings().bench_sizes)
    if settings().bench_large and 10_000_000 not in sizes:
        sizes.append(10_000_000)
    return sizes


def bin_path(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def ensure_extract(folder: Path, rows: int) -> Path:
    """The same seed gives the same bytes: an extract made once is reused by later benches."""
    path = folder / f"extract-{rows}-seed{SEED}.csv"
    if not path.exists():
        tmp = path.with_suffix(".partial")
        # the generator is a development tool (devtools/generate): from the repository root
        argv = [sys.executable, "-m", "devtools.generate", "--rows", str(rows), "--seed", str(SEED)]
        subprocess.run(
            [*argv, "--out", str(tmp)],
            check=True,
            stdout=subprocess.DEVNULL,
            cwd=PROJECT_ROOT,
        )
        tmp.rename(path)
    return path


def decided(warehouse: Path) -> tuple[int, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(
            "select count(distinct charge_key), count(*) from fct_decisions"
        ).fetchone()
    return int(row[0]), int(row[1])


def bench_size(folder: Path, rows: int, repeats: int, profile: bool) -> SizeResult:
    extract = ensure_extract(folder, rows)
    home = folder / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    runs = []
    counts = (0, 0)
    for i in range(repeats):
        warehouse = folder / f"warehouse-{rows}.duckdb"
        for stale in (warehouse, Path(f"{warehouse}.wal")):
            stale.unlink(missing_ok=True)
        argv = [bin_path("cleanslate"), "run", "--as-of", AS_OF, "--extract", str(extract)]
        argv += ["--warehouse", str(warehouse), "--out", str(folder / f"exports-{rows}")]
        if profile and i == 0:
            argv = [bin_path("py-spy"), "record", "--subprocesses", "--nonblocking", "-r", "50"]
            argv += ["-o", str(folder / f"profile-{rows}.svg"), "--", *argv]
        wall, peak, output = run_measured(argv, env, folder / f"run-{rows}-{i}.log")
        run_id = RUN_ID.search(output).group(1)
        measure = RunMeasure(wall, peak, run_id, step_times(home, run_id))
        if profile and i == 0:
            print(f"  {rows:>10,} rows: profiled run (not counted) {wall:.1f} s", flush=True)
            continue
        runs.append(measure)
        # Each run on disk as soon as it ends: `python -m devtools.bench render` rebuilds
        # the page from these if a long bench is cut short.
        (folder / f"run-{rows}-{i}.json").write_text(json.dumps(measure.__dict__))
        counts = decided(warehouse)
        print(
            f"  {rows:>10,} rows, run {i + 1}/{repeats}: {wall:6.1f} s, "
            f"peak {peak / 2**20:,.0f} MiB",
            flush=True,
        )
    return SizeResult(rows, extract.stat().st_size, counts[0], counts[1], runs)


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 2**20:.1f} GiB",
        "cpu": cpu,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "revision": revision or "unknown",
        "date": time.strftime("%Y-%m-%d"),
        # other work on the (shared) machine while the bench ran, as 15-minute load averages
        "load": f"{os.getloadavg()[2]:.1f}",
    }


def fmt_s(values: list[float]) -> str:
    med, lo, hi = summarize(values)
    return f"{med:.1f} ({lo:.1f}–{hi:.1f})"


def render(results: list[SizeResult], info: dict[str, str]) -> str:
    lines = [
        MARK_START,
        "",
        f"Measured {info['date']} at revision `{info['revision']}` on {info['cores']} cores, "
        f"{info['memory']} ({info['cpu']}); Python {info['python']}, DuckDB {info['duckdb']}; "
        f"load average (15 min) at the end {info.get('load', '?')} on {info['cores']} cores. "
        "Each size is a fresh warehouse, run "
        f"{len(results[0].runs) if results else 0} times; times are median (min–max).",
        "",
        "| rows | bytes | convictions decided | decisions | wall s | rows/s | convictions/min "
        "| peak memory (tree) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        walls = [m.wall_s for m in r.runs]
        med = summarize(walls)[0]
        peaks = [m.peak_rss_bytes / 2**30 for m in r.runs]
        lines.append(
            f"| {r.rows:,} | {r.bytes:,} | {r.convictions:,} | {r.decisions:,} | {fmt_s(walls)} "
            f"| {r.rows / med:,.0f} | {r.convictions / med * 60:,.0f} "
            f"| {summarize(peaks)[0]:.2f} GiB (max {max(peaks):.2f}) |"
        )
    lines += ["", "Seconds per Dagster step (median over the runs):", ""]
    steps: list[str] = []
    for r in results:
        for m in r.runs:
            steps += [s for s in m.steps if s not in steps]
    lines.append("| step | " + " | ".join(f"{r.rows:,} rows" for r in results) + " |")
    lines.append("|---|" + "---:|" * len(results))
    for step in steps:
        cells = []
        for r in results:
            values = [m.steps[step] for m in r.runs if step in m.steps]
            cells.append(f"{summarize(values)[0]:.2f}" if values else "–")
        lines.append(f"| {step} | " + " | ".join(cells) + " |")
    lines += ["", "Targets of the open issues (shown, not enforced by tests):", ""]
    lines += target_lines({r.rows: r for r in results})
    lines += ["", MARK_END]
    return "\n".join(lines)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def target_lines(by_rows: dict[int, SizeResult]) -> list[str]:
    """One line per target: the figure measured, met or not, or why it was not measured."""
    lines = []
    small = min(by_rows.values(), key=lambda r: r.rows) if by_rows else None
    if small is not None and small.rows <= 1000:
        wall = summarize([m.wall_s for m in small.runs])[0]
        lines.append(
            f"- issue 17, fixed overhead: {small.rows} rows end to end ≤ "
            f"{FIXED_OVERHEAD_TARGET_S:.0f} s median: {wall:.1f} s "
            f"({_met(wall <= FIXED_OVERHEAD_TARGET_S)})."
        )
    else:
        lines.append("- issue 17, fixed overhead (100 rows ≤ 10 s): 100 not in BENCH_SIZES.")
    for rows in (1_000_000, 10_000_000):
        r = by_rows.get(rows)
        if r is None:
            how = "BENCH_LARGE=1 adds it" if rows == 10_000_000 else "not in BENCH_SIZES"
            lines.append(f"- issue 16 at {rows:,} rows: not run this time ({how}).")
            continue
        peak = max(m.peak_rss_bytes for m in r.runs) / 2**30
        line = (
            f"- issue 16 at {rows:,} rows: completed; peak memory of the process tree ≤ "
            f"{PEAK_TARGET_GIB:.0f} GiB: {peak:.2f} GiB ({_met(peak <= PEAK_TARGET_GIB)})"
        )
        if rows == 1_000_000:
            exports = sum(
                summarize([m.steps.get(step, 0.0) for m in r.runs])[0] for step in EXPORT_STEPS
            )
            line += (
                f"; exports plus reconciliation ≤ {EXPORTS_TARGET_S:.0f} s: {exports:.1f} s "
                f"({_met(exports <= EXPORTS_TARGET_S)})"
            )
        lines.append(line + ".")
    lines.append("- issue 15, the dbt step at 1,000,000 rows: in the next section.")
    return lines


def write_page(page: Path, block: str) -> None:
    text = page.read_text() if page.exists() else "# Benchmarks\n\n"
    if MARK_START in text and MARK_END in text:
        before = text[: text.index(MARK_START)]
        after = text[text.index(MARK_END) + len(MARK_END) :]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    page.write_text(text)


def collected(folder: Path) -> list[SizeResult]:
    """Every measured run found in the bench folder (run-<rows>-<i>.json), by size."""
    results = []
    sizes = sorted({int(p.name.split("-")[1]) for p in folder.glob("run-*-*.json")})
    for rows in sizes:
        runs = [
            RunMeasure(**json.loads(p.read_text()))
            for p in sorted(folder.glob(f"run-{rows}-*.json"))
        ]
        counts = decided(folder / f"warehouse-{rows}.duckdb")
        extract = folder / f"extract-{rows}-seed{SEED}.csv"
        results.append(SizeResult(rows, extract.stat().st_size, *counts, runs))
    return results


def main() -> None:
    folder = settings().bench_dir.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if sys.argv[1:] == ["render"]:  # the page from the runs already measured
        block = render(collected(folder), machine())
        print(block)
        write_page(PROJECT_ROOT / "docs" / "benchmarks.md", block)
        return
    for rows in sizes_from_env():  # this bench's sizes start afresh; others' runs are kept
        for stale in folder.glob(f"run-{rows}-*.json"):
            stale.unlink()
    repeats = settings().bench_repeats
    profile = settings().bench_profile
    results = []
    for rows in sizes_from_env():
        print(f"{rows:,} rows:", flush=True)
        results.append(bench_size(folder, rows, repeats, profile))
    info = machine()
    block = render(results, info)
    print(block)
    write_page(PROJECT_ROOT / "docs" / "benchmarks.md", block)
    (folder / "results.json").write_text(
        json.dumps(
            {
                "machine": info,
                "results": [
                    {
                        "rows": r.rows,
                        "bytes": r.bytes,
                        "convictions": r.convictions,
                        "decisions": r.decisions,
                        "runs": [m.__dict__ for m in r.runs],
                    }
                    for r in results
                ],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
