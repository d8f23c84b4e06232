"""make lint's import contracts (.importlinter): the layers hold, and a wrong-way import fails."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def _lint_imports(root: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH first: the package under `root` is the one analysed, not the installed one
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / ".importlinter")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_its_layers():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        # shared code reaching up to an entry point (the cycle definitions -> service -> cli had)
        ("lib/locking.py", "from orchestration.cli import app", "Layers"),
        # the run launcher reaching up to the command line it serves
        ("launch/lock.py", "from orchestration.cli.common import fail", "Layers"),
        # ingest reaching up into the exports stage
        ("ingest/staging.py", "import orchestration.exports.bundle", "Layers"),
        # the runtime importing a development tool (devtools/), the CLI included
        ("exports/bundle.py", "import devtools.bench", "development tools"),
        ("cli/__init__.py", "from devtools.generate.cli import app", "development tools"),
    ],
)
def test_an_import_that_crosses_the_layers_the_wrong_way_fails(
    tmp_path, module, wrong_import, contract
):
    for package in ("orchestration", "devtools"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    target = tmp_path / "orchestration" / module
    target.write_text(target.read_text() + f"\n\ndef _wrong():\n    {wrong_import}\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout
