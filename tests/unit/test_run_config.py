"""lib/run_config.py: the config of a clearance run, the same from the CLI and the service."""

from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.lib.run_config import clearance_ops


def _ops(**kw) -> dict:
    args = dict(doj=[Path("/l/a.csv")], canonical=[Path("/l/ut")], as_of="2025-07-01")
    return clearance_ops(**args, out_dir=Path("/o"), **kw)


def test_every_name_is_a_configurable_asset_of_the_clearance_job():
    ops = _ops(options_file="/c/options.json", county="YOLO", supervision=[Path("/s.csv")])
    job = defs.resolve_job_def("clearance")
    # Dagster validates the whole config against the job's schema: a misspelt op or field fails
    result = dg.validate_run_config(job, {"ops": ops})
    assert result["ops"]["rulebook"]["config"]["options_file"] == "/c/options.json"
    assert result["ops"]["exports__staged_files"]["config"] == {"out_dir": "/o", "county": "YOLO"}
    assert ops["doj_supervision"]["config"] == {"files": ["/s.csv"], "complete": False}


def test_no_supervision_list_leaves_the_asset_its_landing_folder_default():
    assert "doj_supervision" not in _ops()  # the service: the landing folder's supervision/
    assert _ops(supervision=[])["doj_supervision"]["config"]["files"] == []  # the CLI: none
