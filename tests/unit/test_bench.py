"""The benchmark harness: memory of a whole process tree, the page it writes, the targets."""

import subprocess
import sys
import time

import psutil

from devtools.bench.__main__ import MARK_END, MARK_START, SizeResult, render, write_page
from devtools.bench.measure import RunMeasure, run_measured, tree_rss


def test_tree_rss_counts_children():
    # A child holding 200 MB makes the tree at least that much bigger than the parent alone.
    child = subprocess.Popen(
        [sys.executable, "-c", "b = bytearray(200 * 2**20); import time; time.sleep(30)"]
    )
    try:
        me = psutil.Process()
        for _ in range(100):
            if tree_rss(me) - me.memory_info().rss > 150 * 2**20:
                break
            time.sleep(0.05)
        assert tree_rss(me) - me.memory_info().rss > 150 * 2**20
    finally:
        child.kill()
        child.wait()


def test_run_measured_reports_peak_of_the_tree(tmp_path):
    code = (
        "import subprocess, sys; subprocess.run([sys.executable, '-c', "
        + repr("b = bytearray(120 * 2**20); import time; time.sleep(0.6)")
        + "]); print('Run 00000000-0000-0000-0000-000000000000 succeeded')"
    )
    wall, peak, output = run_measured([sys.executable, "-c", code], {}, tmp_path / "log")
    assert peak > 120 * 2**20
    assert wall >= 0.6
    assert "succeeded" in output


def _result(rows, walls, peak_gib):
    steps = lambda w: {  # noqa: E731
        "warehouse_models": w / 2,
        "exports__staged_files": w / 4,
        "exports__staged_files_exports_reconciled": w / 8,
    }
    runs = [RunMeasure(w, int(peak_gib * 2**30), "r", steps(w)) for w in walls]
    return SizeResult(rows, rows * 265, rows // 3, rows // 2, runs)


def test_render_states_medians_rates_and_targets():
    info = dict(cores="2", memory="24.0 GiB", cpu="x", python="3.11", duckdb="1.5.5")
    info |= dict(revision="abc", date="2026-11-29")
    block = render(
        [
            _result(100, [9.0, 11.0, 10.0], 0.5),
            _result(1_000_000, [20.0, 10.0, 11.0], 1.2),
        ],
        info,
    )
    assert "| 1,000,000 | 265,000,000 | 333,333 | 500,000 | 11.0 (10.0–20.0) | 90,909 |" in block
    assert "fixed overhead: 100 rows end to end ≤ 10 s median: 10.0 s (met)" in block
    # issue 16 at 1M: the tree's peak, and the two export steps' medians added (2.75 + 1.375)
    assert (
        "issue 16 at 1,000,000 rows: completed; peak memory of the process tree ≤ 2 GiB: "
        "1.20 GiB (met); exports plus reconciliation ≤ 40 s: 4.1 s (met)."
    ) in block
    assert "| warehouse_models | 5.00 | 5.50 |" in block
    assert "issue 16 at 10,000,000 rows: not run this time (BENCH_LARGE=1 adds it)" in block
    slow = render([_result(1_000_000, [400.0], 2.5)], info)
    assert "2.50 GiB (NOT met); exports plus reconciliation ≤ 40 s: 150.0 s (NOT met)" in slow
    assert "fixed overhead (100 rows ≤ 10 s): 100 not in BENCH_SIZES" in slow


def test_write_page_keeps_the_analysis_around_the_figures(tmp_path):
    page = tmp_path / "benchmarks.md"
    page.write_text(f"# Benchmarks\n\nintro\n\n{MARK_START}\nold\n{MARK_END}\n\n## Notes\nkept\n")
    write_page(page, f"{MARK_START}\nnew\n{MARK_END}")
    text = page.read_text()
    assert "new" in text and "old" not in text
    assert text.index("intro") < text.index("new") < text.index("kept")


def test_collected_rebuilds_the_results_from_the_runs_on_disk(tmp_path):
    import json

    import duckdb

    from devtools.bench.__main__ import SEED, collected

    (tmp_path / f"extract-100-seed{SEED}.csv").write_text("x" * 1234)
    with duckdb.connect(str(tmp_path / "warehouse-100.duckdb")) as con:
        con.execute(
            "create table fct_decisions as select * from (values ('a'), ('a'), ('b')) t(charge_key)"
        )
    for i, wall in enumerate([3.0, 1.0]):
        run = {"wall_s": wall, "peak_rss_bytes": 2**30, "run_id": f"r{i}", "steps": {"s": 1.0}}
        (tmp_path / f"run-100-{i}.json").write_text(json.dumps(run))
    [result] = collected(tmp_path)
    assert (result.rows, result.bytes, result.convictions, result.decisions) == (100, 1234, 2, 3)
    assert sorted(m.wall_s for m in result.runs) == [1.0, 3.0]


def test_the_kept_ingested_warehouse_is_named_by_the_code_that_made_it(tmp_path, monkeypatch):
    # A rules.* column renamed since the warehouse was ingested must not be benchmarked against.
    from devtools.bench import dbt_step

    # (the storage settings too: the warehouse's format is fixed when ingest makes the file)
    for name in dbt_step.INGEST_INPUTS:
        made = tmp_path / name
        if made.suffix == ".py":
            made.parent.mkdir(parents=True, exist_ok=True)
            made.write_text("x = 1\n")
        else:
            made.mkdir(parents=True)
            (made / "a.py").write_text("x = 1\n")
    monkeypatch.setattr(dbt_step, "PROJECT_ROOT", tmp_path)
    before = dbt_step.ingest_fingerprint()
    assert dbt_step.ingest_fingerprint() == before
    (tmp_path / "rules" / "a.py").write_text("x = 2\n")
    after_rules = dbt_step.ingest_fingerprint()
    assert after_rules != before
    (tmp_path / "orchestration" / "lib" / "storage.py").write_text("x = 2\n")
    assert dbt_step.ingest_fingerprint() != after_rules


def test_a_measured_build_leaves_no_copy_and_keeps_what_it_did_not_make(tmp_path):
    # a 10M-row build's copy is ~20 GB: removed once its figures are read; the kept ingested
    # warehouse and anything else in the folder stay
    from devtools.bench.dbt_step import remove_build

    wh = tmp_path / "dbt-step-100-run.duckdb"
    made = [wh, tmp_path / "dbt-step-100-run.duckdb.wal"]
    for f in made:
        f.write_bytes(b"x")
    for d in (
        tmp_path / "dbt-step-100-run.duckdb.tmp",
        tmp_path / ".dbt-step-100-run.duckdb.dbt-target",
    ):
        (d / "sub").mkdir(parents=True)
        (d / "sub" / "f").write_text("x")
    kept = [tmp_path / "dbt-step-100-ingest-abc.duckdb", tmp_path / "dbt-step-100-0.log"]
    for f in kept:
        f.write_text("kept")
    remove_build(wh)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in kept)
    remove_build(wh)  # nothing left to remove: no error


def test_the_dbt_step_page_keeps_a_size_not_measured_this_time():
    """A 10M build is run rarely: the next 1M-only bench keeps its row, slowest nodes and
    target line (with their revision) instead of dropping them."""
    from devtools.bench import dbt_step

    info = {"date": "2026-12-06", "cores": "2", "memory": "24 GiB", "duckdb": "1.5.5"}
    ten = dbt_step.DbtResult(
        10_000_000, "3GB", [3749.0], [2**32], [True], 6_203_493, [("int_rule_results", 983.9)],
        revision="13fd13b", load="8.1",
    )  # fmt: skip
    one = dbt_step.DbtResult(
        1_000_000, "2GB", [53.0, 52.7, 57.1], [2**31] * 3, [True] * 3, 620_486,
        [("fct_decisions", 4.3)], revision="ba5cc93", load="2.8", on_parse=True,
    )  # fmt: skip
    first = dbt_step.render([ten], info)
    page = f"x\n{dbt_step.MARK_START}\n{first}\n{dbt_step.MARK_END}\n"
    earlier = dbt_step.earlier_rows(page, {1_000_000})
    again = dbt_step.render([one], info, earlier)
    lines = again.splitlines()
    rows = [ln for ln in lines if ln.startswith("| 1")]
    # the 10M build parsed the project itself (before the bench ran dbt on `make manifest`'s
    # parse): marked, and the mark kept with its row
    assert [r.split(" | ")[0] for r in rows] == ["| 1,000,000", "| 10,000,000*"]
    assert "`13fd13b`" in rows[1] and "3749.0" in rows[1]
    assert any(ln.startswith("- 10,000,000 rows: `int_rule_results` 983.9") for ln in lines)
    target = [ln for ln in lines if ln.startswith("- 10,000,000 rows under")]
    assert target == [
        "- 10,000,000 rows under a 3 GiB DuckDB limit: completed in 3749 s."
        " (an earlier run: its row's revision)"
    ]
    # rendered once more from that page: the same lines, the note not repeated
    page = f"x\n{dbt_step.MARK_START}\n{again}\n{dbt_step.MARK_END}\n"
    assert dbt_step.render([one], info, dbt_step.earlier_rows(page, {1_000_000})) == again
    # measured again: the new figures replace the kept ones
    ten.revision = "0000000"
    assert "13fd13b" not in dbt_step.render(
        [one, ten], info, dbt_step.earlier_rows(page, {1_000_000, 10_000_000})
    )


def test_the_bench_builds_with_the_steps_arguments():
    # the dbt step alone is measured as the warehouse_models step runs it: its arguments, not a
    # copy that drifted (the bench's lacked `--log-level-file none`, so it also paid dbt's
    # debug-level file log)
    from devtools.bench import dbt_step
    from orchestration.transform import in_process

    assert dbt_step.BUILD_ARGS is in_process.BUILD_ARGS
    assert "unit_test" in in_process.BUILD_ARGS
    assert in_process.BUILD_ARGS[in_process.BUILD_ARGS.index("--log-level-file") + 1] == "none"
