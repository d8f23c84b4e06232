"""The dbt resource skips dagster-dbt's `dbt --version` subprocess and in-process adapter."""

import importlib.metadata
import sys
from pathlib import Path

import dagster_dbt.core.resource as dagster_dbt_resource
import pytest
from packaging import version

from orchestration.transform.dbt_cli import DbtCli, dbt_executable, dbt_resource
from orchestration.transform.project import dbt_project


def test_the_venv_dbt_version_comes_from_the_package_without_a_subprocess(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args}")

    monkeypatch.setattr(dagster_dbt_resource, "check_output", no_subprocess)
    resource = dbt_resource(dbt_project)
    assert Path(resource.dbt_executable).parent == Path(sys.executable).parent
    assert resource._cli_version == version.parse(importlib.metadata.version("dbt-core"))
    assert resource._cli_version.major == 1  # dbt Core: dagster-dbt's own code path otherwise


def test_no_adapter_is_built_in_this_process():
    assert dbt_resource(dbt_project)._initialize_dbt_core_adapter(["build"]) is None


def test_a_dbt_elsewhere_is_asked_its_version(monkeypatch, tmp_path):
    """Another dbt (on PATH, not this environment's) may be another version: ask it."""
    asked = []

    def check_output(argv):
        asked.append(argv)
        return b"Core:\n  - installed: 1.10.3\n"

    monkeypatch.setattr(dagster_dbt_resource, "check_output", check_output)
    other = tmp_path / "dbt"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    resource = DbtCli(project_dir=dbt_project, dbt_executable=str(other))
    assert resource._cli_version == version.parse("1.10.3")
    assert asked == [[str(other), "--version"]]


@pytest.mark.skipif(not (Path(sys.executable).parent / "dbt").exists(), reason="no venv dbt")
def test_dbt_is_found_beside_the_interpreter():
    assert dbt_executable() == str(Path(sys.executable).parent / "dbt")
