"""Crashes and re-runs: a run that dies inside any step leaves the published files and the
warehouse as they were, and the next run succeeds with no manual clean-up and writes the same
files (byte for byte, manifest.json's run id and time aside) as the first good run.

One small fixture extract (300 DOJ rows). A good run publishes a set; then, per crash point, a
run that raises inside that step (monkeypatched where the asset calls out), then a normal run.
Each crash point costs a crashed run plus a full recovery run (~1 min together on 2 CPUs).
"""

import json
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation
from typer.testing import CliRunner

from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.exports.publish import clear_leftovers, staging_dir
from orchestration.resources import Warehouse

pytestmark = pytest.mark.integration

AS_OF = "2025-07-01"
ROWS = 300


def _args(tmp: Path, extract: Path, as_of: str = AS_OF) -> list[str]:
    return [
        "run",
        "--as-of",
        as_of,
        "--out",
        str(tmp / "out"),
        "--warehouse",
        str(tmp / "wh.duckdb"),
        "--extract",
        str(extract),
    ]


def _snapshot(out: Path) -> dict[str, bytes]:
    """Every published file's bytes, by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _documents(snapshot: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in snapshot.items() if k != "manifest.json"}


def _manifest(snapshot: dict[str, bytes]) -> dict:
    return json.loads(snapshot["manifest.json"])


def _tables(wh: Path) -> dict[str, pl.DataFrame]:
    """raw.*, rules.* and the decision table, each sorted on all its columns (order-free)."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        names = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_schema in ('raw', 'rules')"
            "    or (table_schema = 'main' and table_name = 'fct_decisions')"
            " order by 1, 2"
        ).fetchall()
        out = {}
        for schema, name in names:
            frame = con.execute(f'select * from "{schema}"."{name}"').pl()
            sortable = [c for c, t in frame.schema.items() if not t.is_nested()]
            out[f"{schema}.{name}"] = frame.sort(sortable, nulls_last=True)
        return out
    finally:
        con.close()


def _audit(wh: Path) -> tuple[set[str], list[str]]:
    """(run ids in audit.runs, problems): each run's decision rows all there, none orphaned."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        runs = dict(con.execute("select run_id, decisions from audit.runs").fetchall())
        rows = dict(
            con.execute("select run_id, count(*) from audit.decisions group by 1").fetchall()
        )
    finally:
        con.close()
    problems = [
        f"{r}: {n} decisions recorded, {rows.get(r, 0)} rows"
        for r, n in runs.items()
        if rows.get(r, 0) != n
    ]
    problems += [f"{r}: rows without a run" for r in rows if r not in runs]
    return set(runs), problems


def _run_id(output: str) -> str | None:
    m = re.search(r"Run ([0-9a-f-]{36}) ", output)
    return m.group(1) if m else None


@pytest.fixture(scope="module")
def good(tmp_path_factory, pinned_code_revision):
    """The first good run: the baseline every crash and recovery is compared with."""
    tmp = tmp_path_factory.mktemp("crash")
    generate_extract(tmp / "doj.csv", rows=ROWS, seed=23)
    generate_extract(tmp / "doj_other.csv", rows=ROWS, seed=24)  # detects partial ingest
    result = CliRunner().invoke(app, _args(tmp, tmp / "doj.csv"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    snap = _snapshot(tmp / "out")
    return {"tmp": tmp, "snapshot": snap, "tables": _tables(tmp / "wh.duckdb")}


# --------------------------------------------------------------------------------------------
# Crash points: each patches the function the asset calls so that it raises mid-way.


def _crash_ingest(mp: pytest.MonkeyPatch) -> None:
    """Raise after the first chunk of the (other) extract was written inside the transaction."""
    import orchestration.ingest.assets as ingest

    real = ingest.read_extract

    def read_then_die(path, *args, **kwargs):
        for chunk in real(path, *args, **kwargs):
            yield chunk  # the asset writes this chunk into raw.doj_extract, then resumes us
            raise RuntimeError("simulated crash while ingesting")

    mp.setattr(ingest, "read_extract", read_then_die)


def _crash_rulebook(mp: pytest.MonkeyPatch) -> None:
    """Raise after two rules.* tables (programs first) were written inside the transaction."""
    import orchestration.rules.assets as rules

    real = rules.compile_rulebook

    class DiesOnThirdTable(dict):
        def items(self):
            for i, item in enumerate(super().items()):
                if i == 2:
                    raise RuntimeError("simulated crash while writing the rulebook")
                yield item

    def compile_then_die(*args, **kwargs):
        frames, warnings = real(*args, **kwargs)
        return DiesOnThirdTable(frames), warnings

    mp.setattr(rules, "compile_rulebook", compile_then_die)


def _crash_dbt(mp: pytest.MonkeyPatch) -> None:
    """The dbt step raises mid-stream, after a few models were built, while dbt still runs (in
    this process or in a dbt subprocess: both stream dagster-dbt's DbtCliInvocation)."""
    real = DbtCliInvocation.stream

    def stream_then_die(self):
        for i, event in enumerate(real(self)):
            yield event
            if i == 5:
                raise RuntimeError("simulated crash during dbt build")

    mp.setattr(DbtCliInvocation, "stream", stream_then_die)


def _crash_staged_files(mp: pytest.MonkeyPatch) -> None:
    """Every file staged, then the step dies: a complete staging folder is left behind."""
    import orchestration.exports.assets as exports

    real = exports.build_run_files

    def build_then_die(root, *args, **kwargs):
        real(root, *args, **kwargs)
        raise RuntimeError("simulated crash after staging the files")

    mp.setattr(exports, "build_run_files", build_then_die)


def _crash_publish(mp: pytest.MonkeyPatch) -> None:
    """Reconciled and ready, the run dies as it is about to swap the set in."""
    import orchestration.exports.assets as exports

    def die(staging, out_dir):
        raise RuntimeError("simulated crash while publishing")

    mp.setattr(exports, "publish", die)


def _crash_audit(mp: pytest.MonkeyPatch) -> None:
    """audit.runs row inserted, then the step dies before audit.decisions: half a record."""
    real = Warehouse.connect

    class DiesOnHistoryInsert:
        def __init__(self, con):
            self._con = con

        def execute(self, sql, *args, **kwargs):
            if sql.lstrip().lower().startswith("insert into audit.decisions"):
                raise RuntimeError("simulated crash while recording the decision history")
            return self._con.execute(sql, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._con, name)

    from contextlib import contextmanager

    @contextmanager
    def connect(self, read_only: bool = False):
        with real(self, read_only=read_only) as con:
            yield con if read_only else DiesOnHistoryInsert(con)

    mp.setattr(Warehouse, "connect", connect)


CRASH_POINTS = {
    # step key in the failure message: (patch, extract, as_of of the crashed run)
    "doj_extracts": (_crash_ingest, "doj_other.csv", AS_OF),
    "rulebook": (_crash_rulebook, "doj.csv", "2025-08-01"),
    "warehouse_models": (_crash_dbt, "doj.csv", AS_OF),
    "exports__staged_files": (_crash_staged_files, "doj.csv", AS_OF),
    "exports__published": (_crash_publish, "doj.csv", AS_OF),
    "audit__decision_history": (_crash_audit, "doj.csv", AS_OF),
}


@pytest.mark.parametrize("step", list(CRASH_POINTS))
def test_crash_leaves_published_set_and_warehouse_and_next_run_recovers(
    good, step, record_property
):
    record_property("reliability", "crash")
    record_property("inputs", 1)
    record_property("runs", 2)  # the crashing run and the recovery
    tmp = good["tmp"]
    out, wh = tmp / "out", tmp / "wh.duckdb"
    patch, extract, as_of = CRASH_POINTS[step]
    published_before = _snapshot(out)
    runs_before, problems = _audit(wh)
    assert not problems

    # 1. the crashing run: non-zero, names the step, changes nothing published
    with pytest.MonkeyPatch.context() as mp:
        patch(mp)
        crashed = CliRunner().invoke(app, _args(tmp, tmp / extract, as_of))
    assert crashed.exit_code != 0, crashed.output
    said = [ln for ln in crashed.output.splitlines() if re.search(r"FAILED|failed:|stopped", ln)]
    print(f"\n[{step}] exit {crashed.exit_code}: " + " | ".join(ln.strip() for ln in said))
    assert "FAILED: no export was written" in crashed.output
    assert re.search(rf"step failed: {step}: (RuntimeError: )?simulated crash", crashed.output), (
        crashed.output
    )
    record_property("wrong_published", int(_snapshot(out) != published_before))
    assert _snapshot(out) == published_before  # byte for byte, manifest included
    if step == "warehouse_models":  # dbt was still building: stopped before the lock is let go
        assert re.search(r"stopped pid \d+ \(dbt build", crashed.output), crashed.output

    # 2. the warehouse opens and holds the previous tables (ingest and rulebook roll back)
    tables = _tables(wh)
    assert tables.keys() == good["tables"].keys()
    for name, frame in good["tables"].items():
        assert tables[name].equals(frame), f"{name} changed after a crash in {step}"
    runs_after, problems = _audit(wh)
    assert not problems, problems  # no half-written audit record
    crashed_id = _run_id(crashed.output)
    assert crashed_id
    if step == "audit__decision_history":
        assert runs_after == runs_before  # rolled back as a whole
    # every published set has its run in audit.runs
    assert _manifest(published_before)["run_id"] in runs_after

    # 3. the next normal run: no clean-up by hand, same files as the first good run
    result = CliRunner().invoke(app, _args(tmp, tmp / "doj.csv"), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    again = _snapshot(out)
    differing = sorted(
        k for k in again.keys() | good["snapshot"].keys() if again.get(k) != good["snapshot"].get(k)
    )
    assert differing == ["manifest.json"]  # every document byte-identical
    manifest, first = _manifest(again), _manifest(good["snapshot"])
    assert manifest["files"] == first["files"]
    assert manifest["decision_set_sha256"] == first["decision_set_sha256"]
    assert manifest["run_id"] != first["run_id"] and manifest["run_id"] == _run_id(result.output)
    assert _tables(wh)["main.fct_decisions"].equals(good["tables"]["main.fct_decisions"])
    # nothing left beside the published set but the replaced sets kept (publish.history_dir)
    assert sorted(p.name for p in tmp.iterdir() if p.name.startswith(".out.")) in (
        [],
        [".out.history"],
    )
    runs_final, problems = _audit(wh)
    assert not problems and manifest["run_id"] in runs_final


def test_clear_leftovers_removes_staging_and_restores_a_set_moved_aside(tmp_path):
    """What a crash inside publish() can leave: a staging folder, or (two-rename fallback,
    between the renames) the previous set moved aside and nothing published."""
    out = tmp_path / "exports"
    (tmp_path / ".exports.previous-4242").mkdir()
    (tmp_path / ".exports.previous-4242" / "f.csv").write_text("previous set")
    staging_dir(out, "crashed").mkdir()
    keep = staging_dir(out, "this-run")
    keep.mkdir()
    cleared = clear_leftovers(out, keep=keep)
    assert {p.name for p in cleared} == {".exports.staging-crashed", ".exports.previous-4242"}
    assert (out / "f.csv").read_text() == "previous set"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".exports.staging-this-run", "exports"]
