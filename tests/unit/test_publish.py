"""`--out` is safe (orchestration/exports/publish.py): only an empty folder or a set this
project published is replaced; files the manifest does not list are carried into the new set;
replaced sets are kept in the history (the newest three), pruned only of the files their own
manifest lists; crash leftovers are cleared without deleting anything that is not ours."""

import json
import os
import stat
from pathlib import Path

import pytest

from orchestration.exports import publish as pub
from orchestration.exports.publish import (
    HISTORY_KEEP,
    OutDirRefused,
    PublishRefused,
    check_out_dir,
    clear_leftovers,
    history_dir,
    is_our_manifest,
    out_dir_problem,
    owner_only,
    places_dir,
    publish,
    staging_dir,
    write_manifest,
)
from orchestration.lib.settings import PROJECT_ROOT

SET_A = {
    "FRESNO/prop64_convictions.csv": b"a,b\n1,2\n",
    "FRESNO/review.xlsx": b"wb-a",
    "r.pdf": b"A",
}
SET_B = {
    "FRESNO/prop64_convictions.csv": b"a,b\n3,4\n",
    "FRESNO/review.xlsx": b"wb-b",
    "r.pdf": b"B",
}


def _write_set(root: Path, files: dict[str, bytes], run_id: str, when: str) -> Path:
    """A set as build_run_files leaves it: the files, then manifest.json, owner-only."""
    root.mkdir(parents=True, mode=0o700)
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    meta = {"run_id": run_id, "generated_at": when, "decision_set_sha256": "d" * 64}
    write_manifest(root, {}, meta)
    owner_only(root)
    return root


def _old_shape_manifest(root: Path, files: dict[str, bytes]) -> None:
    """manifest.json as runs wrote it before `producer` (format 1)."""
    import hashlib

    root.mkdir(parents=True, exist_ok=True)
    listed = []
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
        sha = hashlib.sha256(data).hexdigest()
        listed.append({"file": rel, "rows": None, "bytes": len(data), "sha256": sha})
    manifest = {
        "run_id": "old-run",
        "generated_at": "2025-01-02T03:04:05+00:00",
        "decision_set_sha256": "e" * 64,
        "as_of": "2025-01-01",
        "files": listed,
    }
    (root / "manifest.json").write_text(json.dumps(manifest))


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _stage(out: Path, run_id: str, files: dict[str, bytes], when: str) -> Path:
    return _write_set(staging_dir(out, run_id), files, run_id, when)


# --------------------------------------------------------------------------------------------
# Which folders may be replaced


def test_missing_and_empty_folders_are_accepted(tmp_path):
    assert out_dir_problem(tmp_path / "new") is None
    (tmp_path / "empty").mkdir()
    assert out_dir_problem(tmp_path / "empty") is None


def test_a_set_of_ours_is_accepted_new_and_old_manifest_shape(tmp_path):
    new = _write_set(tmp_path / "new", SET_A, "r1", "2025-07-01T00:00:00+00:00")
    manifest = json.loads((new / "manifest.json").read_text())
    assert manifest["producer"] == "clean-slate-warehouse" and manifest["manifest_format"] == 2
    assert out_dir_problem(new) is None
    _old_shape_manifest(tmp_path / "old", SET_A)
    assert out_dir_problem(tmp_path / "old") is None


def test_a_non_empty_foreign_folder_is_refused_naming_it(tmp_path):
    out = tmp_path / "signed"
    out.mkdir()
    (out / "signed_order.pdf").write_bytes(b"%PDF signed")
    problem = out_dir_problem(out)
    assert problem and str(out) in problem and "no manifest.json" in problem
    # a manifest.json someone else wrote (dbt's, say) does not make it ours
    (out / "manifest.json").write_text(json.dumps({"metadata": {}, "nodes": {}}))
    problem = out_dir_problem(out)
    assert problem and "not written by this project" in problem
    assert not is_our_manifest({"files": [{"file": "a"}]})  # files alone are not enough
    (out / "manifest.json").write_text("{not json")
    assert out_dir_problem(out)
    assert _snapshot(out)["signed_order.pdf"] == b"%PDF signed"


def test_a_file_a_checkout_and_protected_paths_are_refused(tmp_path):
    (tmp_path / "file.txt").write_text("x")
    assert "not a folder" in out_dir_problem(tmp_path / "file.txt")
    # the checkout itself, a folder containing it, its data folder holding the warehouse
    assert "is the project checkout" in out_dir_problem(PROJECT_ROOT, PROJECT_ROOT)
    assert "contains the project checkout" in out_dir_problem(PROJECT_ROOT.parent, PROJECT_ROOT)
    data = tmp_path / "data"
    data.mkdir()
    wh = data / "warehouse.duckdb"
    protected = [("warehouse", wh), ("DAGSTER_HOME", tmp_path / "home")]
    assert "contains the warehouse" in out_dir_problem(
        data, None, protected
    )  # even before it exists
    assert "is the DAGSTER_HOME" in out_dir_problem(tmp_path / "home", None, protected)
    assert out_dir_problem(tmp_path / "exports", None, protected) is None
    # the project's own paths (check_out_dir): the warehouse, DAGSTER_HOME, the inputs
    extract = tmp_path / "in" / "doj.csv"
    assert "contains the input" in check_out_dir(tmp_path / "in", wh, [extract])
    assert "contains the warehouse" in check_out_dir(data, wh)
    assert "project checkout" in check_out_dir(PROJECT_ROOT, wh)
    assert "DAGSTER_HOME" in check_out_dir(Path(os.environ["DAGSTER_HOME"]), wh)
    assert check_out_dir(tmp_path / "exports", wh, [extract]) is None


# --------------------------------------------------------------------------------------------
# Publishing


def test_first_publish_and_publish_into_an_empty_folder(tmp_path):
    out = tmp_path / "out"
    staging = _stage(out, "r1", SET_A, "2025-07-01T00:00:00+00:00")
    done = publish(staging, out)
    assert done.kept is None and not staging.exists()
    assert _snapshot(out).keys() == set(SET_A) | {"manifest.json"}
    empty = tmp_path / "empty"
    empty.mkdir()
    publish(_stage(empty, "r2", SET_B, "2025-07-02T00:00:00+00:00"), empty)
    assert _snapshot(empty).keys() == set(SET_B) | {"manifest.json"}
    assert not history_dir(empty).exists()  # nothing was replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty", "out"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
def test_files_not_listed_are_carried_into_the_new_set(tmp_path, monkeypatch, exchange):
    if not exchange:
        monkeypatch.setattr(pub, "_exchange", lambda a, b: False)
    out = tmp_path / "out"
    publish(_stage(out, "r1", SET_A, "2025-07-01T00:00:00+00:00"), out)
    mine = {
        "notes.txt": b"my notes",
        "FRESNO/reviewed_by_da.xlsx": b"edited by the DA",  # beside our files, in our folder
        "signed/2025/order.pdf": b"%PDF signed",  # a folder of the user's, nested
        "FRESNO/sub/deeper.txt": b"deep",
    }
    for rel, data in mine.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    (out / "empty_folder").mkdir()
    os.symlink("notes.txt", out / "link")
    first = _snapshot(out)

    done = publish(_stage(out, "r2", SET_B, "2025-07-02T00:00:00+00:00"), out)

    now = _snapshot(out)
    for rel, data in mine.items():
        assert now[rel] == data, rel
    assert (out / "empty_folder").is_dir() and os.readlink(out / "link") == "notes.txt"
    for rel, data in SET_B.items():
        assert now[rel] == data
    manifest = json.loads((out / "manifest.json").read_text())
    assert {f["file"] for f in manifest["files"]} == set(SET_B)  # the user's files: not ours
    assert sorted(done.carried_over) == sorted(
        ["notes.txt", "FRESNO/reviewed_by_da.xlsx", "signed", "FRESNO/sub", "empty_folder", "link"]
    )
    # the replaced set is kept, whole, in the history
    assert done.kept == history_dir(out) / "20250701T000000Z_r1"
    kept = _snapshot(done.kept)
    assert kept == {k: v for k, v in first.items() if k in set(SET_A) | {"manifest.json"}}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.history", "out"]
    mode = stat.S_IMODE(os.stat(history_dir(out)).st_mode)
    assert mode == 0o700


def test_a_set_of_the_old_manifest_shape_is_replaced_and_kept(tmp_path):
    out = tmp_path / "out"
    _old_shape_manifest(out, SET_A)
    (out / "notes.txt").write_text("mine")
    done = publish(_stage(out, "r2", SET_B, "2025-07-02T00:00:00+00:00"), out)
    assert (out / "notes.txt").read_text() == "mine"
    assert done.kept.name == "20250102T030405Z_old-run"
    assert _snapshot(done.kept).keys() == set(SET_A) | {"manifest.json"}


def test_a_file_in_the_way_of_the_new_set_refuses_the_publish(tmp_path):
    out = tmp_path / "out"
    publish(_stage(out, "r1", {"r.pdf": b"A"}, "2025-07-01T00:00:00+00:00"), out)
    (out / "notes.txt").write_text("mine")
    (out / "FRESNO").mkdir()
    (out / "FRESNO" / "review.xlsx").write_bytes(b"the DA's own workbook")  # not ours
    before = _snapshot(out)
    staging = _stage(out, "r2", SET_B, "2025-07-02T00:00:00+00:00")
    staged = _snapshot(staging)
    with pytest.raises(PublishRefused, match=r"FRESNO/review\.xlsx"):
        publish(staging, out)
    assert _snapshot(out) == before  # nothing moved, nothing deleted
    assert _snapshot(staging) == staged
    assert not history_dir(out).exists()


def test_publish_refuses_a_foreign_folder_even_without_the_cli_check(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "signed_order.pdf").write_bytes(b"%PDF")
    staging = _stage(out, "r1", SET_A, "2025-07-01T00:00:00+00:00")
    with pytest.raises(OutDirRefused, match="did not publish"):
        publish(staging, out)
    assert _snapshot(out) == {"signed_order.pdf": b"%PDF"}


def test_an_edited_file_of_ours_goes_to_the_history_and_is_never_pruned(tmp_path):
    out = tmp_path / "out"
    publish(_stage(out, "r0", SET_A, "2025-07-01T00:00:00+00:00"), out)
    (out / "FRESNO" / "review.xlsx").write_bytes(b"wb-a, with the reviewer's notes")
    done = publish(_stage(out, "r1", SET_B, "2025-07-02T00:00:00+00:00"), out)
    assert done.changed == ["FRESNO/review.xlsx"]
    for day in range(3, 3 + HISTORY_KEEP):  # enough runs to prune the set it went with
        publish(_stage(out, f"r{day}", SET_B, f"2025-07-0{day}T00:00:00+00:00"), out)
    pruned = history_dir(out) / "20250701T000000Z_r0"
    assert _snapshot(pruned) == {
        "FRESNO/review.xlsx": b"wb-a, with the reviewer's notes",
        "manifest.json": (pruned / "manifest.json").read_bytes(),  # kept beside what is left
    }


# --------------------------------------------------------------------------------------------
# The history


def test_history_keeps_the_newest_three_and_prunes_only_listed_files(tmp_path):
    out = tmp_path / "out"
    history = history_dir(out)

    def run(day: int) -> None:
        files = {**SET_A, "r.pdf": f"run {day}".encode()}
        publish(_stage(out, f"r{day}", files, f"2025-07-0{day}T12:00:00+00:00"), out)

    for day in range(1, 5):
        run(day)
    assert sorted(p.name for p in history.iterdir()) == [
        "20250701T120000Z_r1", "20250702T120000Z_r2", "20250703T120000Z_r3"
    ]  # fmt: skip
    # the user drops a file into the oldest kept set, and a folder of their own beside it
    oldest = history / "20250701T120000Z_r1"
    (oldest / "FRESNO" / "copy_of_mine.txt").write_text("mine")
    (history / "my_backup").mkdir()
    (history / "my_backup" / "x.txt").write_text("mine")

    run(5)
    run(6)

    assert sorted(p.name for p in history.iterdir()) == [
        "20250701T120000Z_r1",  # pruned, but it holds a file of the user's
        "20250703T120000Z_r3",
        "20250704T120000Z_r4",
        "20250705T120000Z_r5",
        "my_backup",
    ]  # r2: pruned entirely
    assert sorted(_snapshot(oldest)) == ["FRESNO/copy_of_mine.txt", "manifest.json"]
    assert (history / "my_backup" / "x.txt").read_text() == "mine"
    for day in (3, 4, 5):
        kept = _snapshot(history / f"2025070{day}T120000Z_r{day}")
        assert kept.keys() == set(SET_A) | {"manifest.json"}
        assert kept["r.pdf"] == f"run {day}".encode()  # recoverable as it was published


def test_pruning_never_follows_a_path_out_of_the_kept_set(tmp_path):
    out = tmp_path / "out"
    history = history_dir(out)
    history.mkdir(parents=True)
    (tmp_path / "victim.txt").write_bytes(b"v")
    import hashlib

    sha = hashlib.sha256(b"v").hexdigest()
    for i in range(HISTORY_KEEP + 1):
        folder = history / f"2025070{i}T000000Z_r{i}"
        folder.mkdir()
        evil = [{"file": "../../victim.txt", "bytes": 1, "sha256": sha}]
        manifest = {"producer": "clean-slate-warehouse", "run_id": f"r{i}", "files": evil}
        (folder / "manifest.json").write_text(json.dumps(manifest))
    os.symlink(tmp_path, history / "20250700T000000Z_r0" / "link")
    manifest = json.loads((history / "20250700T000000Z_r0" / "manifest.json").read_text())
    manifest["files"].append({"file": "link/victim.txt", "bytes": 1, "sha256": sha})
    (history / "20250700T000000Z_r0" / "manifest.json").write_text(json.dumps(manifest))
    assert pub.prune_history(out) == [history / "20250700T000000Z_r0"]
    assert (tmp_path / "victim.txt").read_bytes() == b"v"


# --------------------------------------------------------------------------------------------
# Leftovers of crashed runs


def test_clear_leftovers_never_deletes_a_file_that_is_not_ours(tmp_path, monkeypatch):
    out = tmp_path / "out"
    publish(_stage(out, "r1", SET_A, "2025-07-01T00:00:00+00:00"), out)
    (out / "notes.txt").write_text("mine")
    (out / "FRESNO" / "reviewed.xlsx").write_bytes(b"mine too")

    # 1. a run dies inside publish, after carrying the user's files into its staging folder
    staging = _stage(out, "r2", SET_B, "2025-07-02T00:00:00+00:00")
    monkeypatch.setattr(pub, "_exchange", lambda a, b: (_ for _ in ()).throw(OSError("crash")))
    with pytest.raises(OSError, match="crash"):
        publish(staging, out)
    monkeypatch.undo()
    assert (staging / "notes.txt").exists() and not (out / "notes.txt").exists()

    # 2. a staging folder whose manifest someone else wrote; one a run died building (no
    # manifest); the previous set left under the staging name by an exchange whose clean-up
    # did not run; a set moved aside by the two-rename fallback
    foreign = staging_dir(out, "theirs")
    foreign.mkdir()
    (foreign / "manifest.json").write_text("{}")
    (foreign / "data.csv").write_text("theirs")
    dead = staging_dir(out, "dead")
    (dead / "FRESNO").mkdir(parents=True)
    (dead / "FRESNO" / "half.pdf").write_bytes(b"half")
    swapped = _write_set(staging_dir(out, "r3"), SET_A, "r0", "2025-06-30T00:00:00+00:00")
    aside = _write_set(out.parent / ".out.previous-99", SET_A, "r-1", "2025-06-29T00:00:00+00:00")

    cleared = clear_leftovers(out)

    assert {p.name for p in cleared} == {
        ".out.staging-r2", ".out.staging-dead", ".out.staging-r3", ".out.previous-99"
    }  # fmt: skip
    assert (out / "notes.txt").read_text() == "mine"  # back where the user put it
    assert (out / "FRESNO" / "reviewed.xlsx").read_bytes() == b"mine too"
    assert _snapshot(out).keys() == set(SET_A) | {"manifest.json", "notes.txt",
                                                 "FRESNO/reviewed.xlsx"}  # fmt: skip
    assert not staging.exists() and not dead.exists() and not swapped.exists()
    assert not aside.exists()
    assert _snapshot(foreign) == {"manifest.json": b"{}", "data.csv": b"theirs"}
    kept = sorted(p.name for p in history_dir(out).iterdir())
    assert kept == ["20250629T000000Z_r-1", "20250630T000000Z_r0"]


def test_clear_leftovers_keeps_a_carried_file_whose_place_was_taken(tmp_path):
    out = tmp_path / "out"
    publish(_stage(out, "r1", SET_A, "2025-07-01T00:00:00+00:00"), out)
    staging = _stage(out, "r2", SET_B, "2025-07-02T00:00:00+00:00")
    (staging / "notes.txt").write_text("carried, then the run died")
    (out / "notes.txt").write_text("a new one")
    assert clear_leftovers(out) == []
    assert _snapshot(staging).keys() == {"notes.txt", "manifest.json"}
    assert (out / "notes.txt").read_text() == "a new one"


def test_a_dead_runs_place_spool_is_cleared_and_nothing_else(tmp_path):
    """The places of a run's decisions are spooled beside its staging folder (not in /tmp,
    where a run that died before recording them left them for good): the next run's
    clear_leftovers removes the spool's parts and the folder; a file of another name stays."""
    import polars as pl

    from orchestration.audit.export_lines import PLACE_SCHEMA, PlaceSpool

    out = tmp_path / "out"
    row = {c: [None] for c in PLACE_SCHEMA}
    spool = PlaceSpool(places_dir(out, "dead"))
    assert stat.S_IMODE(spool.folder.stat().st_mode) == 0o700  # records are sensitive
    assert spool.add(pl.DataFrame(row, schema=PLACE_SCHEMA), "FRESNO") == 1
    assert spool.add(pl.DataFrame(row, schema=PLACE_SCHEMA), "KERN") == 1
    assert len(spool.parts()) == 2
    other = PlaceSpool(places_dir(out, "other"))
    other.add(pl.DataFrame(row, schema=PLACE_SCHEMA), "FRESNO")
    (other.folder / "notes.txt").write_text("not ours")
    this_run = PlaceSpool(places_dir(out, "this-run"))

    cleared = clear_leftovers(out, keep=this_run.folder)

    assert [p.name for p in cleared] == [".out.places-dead"]
    assert not spool.folder.exists()
    assert [p.name for p in other.folder.iterdir()] == ["notes.txt"]  # the parts went
    assert this_run.folder.is_dir()
    with pytest.raises(FileExistsError):  # a run's spool is its own: never one left behind
        PlaceSpool(places_dir(out, "this-run"))


def test_the_export_asset_refuses_before_writing_anything(tmp_path):
    """Runs from the Dagster UI or a sensor do not pass the CLI: exports/staged_files makes
    the same check before it writes (or clears) anything."""
    from dagster import Failure, build_asset_context

    from orchestration.exports.assets import ExportConfig, staged_files
    from orchestration.resources import Warehouse

    out = tmp_path / "court"
    out.mkdir()
    (out / "signed_order.pdf").write_bytes(b"%PDF signed")
    leftover = staging_dir(out, "crashed")
    leftover.mkdir()  # not even a crashed run's leftovers are cleared
    with pytest.raises(Failure, match=f"out_dir {out} holds files this project did not publish"):
        staged_files(
            build_asset_context(),
            ExportConfig(out_dir=str(out)),
            Warehouse(path=str(tmp_path / "wh.duckdb")),
        )
    assert _snapshot(out) == {"signed_order.pdf": b"%PDF signed"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".court.staging-crashed", "court"]


# --------------------------------------------------------------------------------------------
# The decision-set digest, streamed from the warehouse (the report's reference)


def test_the_streamed_digest_is_the_digest_of_the_same_rows(tmp_path):
    """decision_set_digest_from (lines made and sorted by DuckDB, hashed batch by batch) gives
    decision_set_digest of the same rows: nulls, dates, '|' and non-ASCII text, every county
    and one county in any spelling (normalized as the bundle's scope)."""
    from datetime import date

    import duckdb
    import polars as pl

    from orchestration.exports.load import ExportSource
    from orchestration.exports.publish import decision_set_digest, decision_set_digest_from

    rows = pl.DataFrame(
        {
            "program": ["us_ca_prop64", "us_ca_prop64", "us_ut_x", "us_ca_prop64", "b"],
            "charge_key": ["c1", "c2", "c|3", "Ä4", "c5"],
            "decision_id": ["d1", "d2", "d3", "d4", "d5"],
            "determination": ["eligible", "not_yet_eligible", "needs_review", "eligible", "x"],
            "relief": ["dismiss", "dismiss", None, "reduce", None],
            "eligible_on": [None, date(2026, 1, 31), None, date(1999, 12, 1), None],
            "rules_version": ["v1", "v1", "v2", "v1", None],
            "county": ["Yolo", " yolo  ", "SAN  JOAQUIN", None, "Zoë"],
            "person_name": ["not", "in", "the", "digest", "!"],
        }
    )
    path = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(path))
    con.register("frame", rows.to_arrow())
    con.execute("create table main.exp_decisions as select * from frame")
    con.close()
    source = ExportSource(path, "1GB")
    assert decision_set_digest_from(source, None) == decision_set_digest(rows)
    for county, n in (("YOLO", 2), ("san joaquin", 1), ("ZOË", 1), ("ALPINE", 0)):
        want = rows.filter(
            pl.col("county").map_elements(
                lambda c: " ".join(c.split()).upper(), return_dtype=pl.String
            )
            == " ".join(county.split()).upper()
        )
        assert want.height == n
        assert decision_set_digest_from(source, county) == decision_set_digest(want), county

    # batch by batch: the same digest whatever the batch size
    class TwoRowBatches(ExportSource):
        def batches(self, sql, params=None, rows=2):
            return super().batches(sql, params, rows=2)

    assert decision_set_digest_from(TwoRowBatches(path, "1GB"), None) == (decision_set_digest(rows))
