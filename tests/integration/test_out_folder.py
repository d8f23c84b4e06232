"""`--out` is safe: the real CLI refuses, before the run starts, a folder holding files this
project did not publish (or the checkout, or the warehouse's folder); a published folder keeps
the files a user put in it across runs; replaced sets are kept in `.<out>.history/` (newest
three), pruned only of the files their own manifest lists.

One small generated extract (200 DOJ rows). The refusals start no Dagster run (a second each);
the good runs are four (~35 s each on 2 CPUs).
"""

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.exports.publish import history_dir
from orchestration.lib.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

AS_OF = "2025-07-01"
ROWS = 200


def _args(out: Path, warehouse: Path, extract: Path) -> list[str]:
    return ["run", "--as-of", AS_OF, "--out", str(out), "--warehouse", str(warehouse),
            "--extract", str(extract)]  # fmt: skip


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every file's bytes under `root`, by relative path (symbolic links not followed)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _listing(root: Path) -> dict[str, tuple[int, float]]:
    """Names, sizes and modification times of a folder's entries (not descending)."""
    return {p.name: (p.lstat().st_size, p.lstat().st_mtime) for p in root.iterdir()}


@pytest.fixture(scope="module")
def extract(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("out_folder_extract") / "doj.csv"
    generate_extract(path, rows=ROWS, seed=31)
    return path


def _refused(result, out: Path, record_property, wrote: bool) -> None:
    record_property("reliability", "fail_closed")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", int(wrote))
    assert result.exit_code == 2, result.output
    assert f"error: --out {out}" in result.output, result.output
    assert "Run " not in result.output  # no Dagster run started
    assert not wrote


def test_a_folder_of_someone_elses_files_is_refused_before_the_run(
    tmp_path, extract, record_property
):
    out = tmp_path / "court"
    out.mkdir()
    (out / "signed_order.pdf").write_bytes(b"%PDF-1.7 signed by the judge")
    (out / "sub").mkdir()
    (out / "sub" / "notes.txt").write_text("mine")
    before = _snapshot(out)
    wh = tmp_path / "wh.duckdb"

    result = CliRunner().invoke(app, _args(out, wh, extract))

    print(result.output)
    wrote = _snapshot(out) != before or len(list(tmp_path.iterdir())) != 1 or wh.exists()
    _refused(result, out, record_property, wrote)
    assert "holds files this project did not publish (no manifest.json)" in result.output


@pytest.mark.parametrize("case", ["warehouse_folder", "checkout_like", "project_root"])
def test_the_warehouse_folder_and_the_checkout_are_refused(
    tmp_path, extract, record_property, case
):
    wh = tmp_path / "wh.duckdb"
    if case == "warehouse_folder":
        out = tmp_path / "data"
        out.mkdir()
        wh = out / "warehouse.duckdb"  # refused even before the warehouse exists
        why = "contains the warehouse"
    elif case == "checkout_like":
        out = tmp_path / "checkout"
        (out / ".git").mkdir(parents=True)
        (out / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
        (out / "pyproject.toml").write_text("[project]\nname = 'x'\n")
        why = "did not publish"
    else:
        out = PROJECT_ROOT  # the real checkout: refused before anything is written
        why = "is the project checkout"
    ours = f".{out.name}."  # staging and history folders are named so, beside --out
    if case == "project_root":
        # other engineers edit the checkout meanwhile: look for what a run would write
        def state():
            beside = sorted(p.name for p in out.parent.iterdir() if p.name.startswith(ours))
            return beside, (out / "manifest.json").exists()
    else:

        def state():
            return _listing(out.parent), _listing(out), _snapshot(out)

    before = state()

    result = CliRunner().invoke(app, _args(out, wh, extract))

    print(result.output)
    wrote = state() != before or wh.exists()
    _refused(result, out, record_property, wrote)
    assert why in result.output


def test_a_published_folder_keeps_the_users_files_and_the_history_keeps_three(tmp_path, extract):
    out, wh = tmp_path / "exports", tmp_path / "wh.duckdb"
    history = history_dir(out)

    def run() -> tuple[str, dict[str, bytes]]:
        result = CliRunner().invoke(app, _args(out, wh, extract), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        manifest = json.loads((out / "manifest.json").read_text())
        return manifest["run_id"], _snapshot(out)

    # 1. a good run publishes; the user adds a reviewed workbook and notes
    first_id, first = run()
    county = sorted(p.parent.name for p in out.glob("*/summary.json"))[0]
    mine = {
        f"{county}/reviewed_by_da.xlsx": b"PK\x03\x04 the DA's edited workbook",
        "notes.txt": b"hearing on the 14th",
    }
    for rel, data in mine.items():
        (out / rel).write_bytes(data)

    # 2. a second good run: the user's files are where they were, byte for byte
    second_id, second = run()
    for rel, data in mine.items():
        assert second[rel] == data, rel
    listed = {f["file"] for f in json.loads(second["manifest.json"])["files"]}
    assert not listed & mine.keys()  # not ours: not in the manifest
    for rel in listed:  # exports stay owner-only
        assert stat.S_IMODE(os.stat(out / rel).st_mode) == 0o600
    # the first set is recoverable, byte for byte, in the history
    (kept,) = history.iterdir()
    assert kept.name.endswith(f"_{first_id}")
    assert _snapshot(kept) == {k: v for k, v in first.items() if k not in mine}

    # 3. two more runs; an older set of ours planted in the history (with a file of the
    # user's in it) is pruned of its own files only: three sets are kept, by date and run id
    planted = history / "20000101T000000Z_planted"
    planted.mkdir()
    (planted / "old.csv").write_text("ours")
    (planted / "kept_by_user.txt").write_text("theirs")
    sha = hashlib.sha256(b"ours").hexdigest()
    (planted / "manifest.json").write_text(
        json.dumps(
            {
                "producer": "clean-slate-warehouse",
                "manifest_format": 2,
                "run_id": "planted",
                "generated_at": "2000-01-01T00:00:00+00:00",
                "files": [{"file": "old.csv", "rows": 1, "bytes": 4, "sha256": sha}],
            }
        )
    )
    third_id, _ = run()
    _, fourth = run()
    for rel, data in mine.items():
        assert fourth[rel] == data, rel
    sets = sorted(p.name for p in history.iterdir())
    assert [s.split("_", 1)[1] for s in sets] == ["planted", first_id, second_id, third_id]
    assert _snapshot(planted) == {
        "kept_by_user.txt": b"theirs",
        "manifest.json": (planted / "manifest.json").read_bytes(),
    }
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".exports.")) == [
        ".exports.history"
    ]
