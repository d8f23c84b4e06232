"""The run gates' pure parts: which counties a published set has, which would vanish, and the
run config the CLI builds for them (op names that must match the job's check steps)."""

from orchestration.quality.gates import (
    GATES,
    gate_run_config,
    manifest_counties,
    vanishing_counties,
)


def _manifest(*files: str) -> dict:
    return {"files": [{"file": f} for f in files]}


PUBLISHED = _manifest(
    "manifest.json",
    "ALAMEDA/summary.json",
    "ALAMEDA/review.xlsx",
    "YOLO/gogen/Prop64_Results.csv",
    "repository/us_ca_prop64_updates.csv",
    "report/report.html",
)


def test_counties_are_the_top_folders_but_the_shared_ones():
    assert manifest_counties(PUBLISHED) == {"ALAMEDA", "YOLO"}
    assert manifest_counties({}) == set()


def test_a_county_missing_from_the_new_set_vanishes():
    new = _manifest("ALAMEDA/summary.json", "report/report.html")
    assert vanishing_counties(PUBLISHED, new, None) == ["YOLO"]
    assert vanishing_counties(PUBLISHED, PUBLISHED, None) == []
    # a new county is no problem
    assert vanishing_counties(new, PUBLISHED, None) == []


def test_a_one_county_run_is_compared_on_that_county_only():
    only_alameda = _manifest("ALAMEDA/summary.json")
    assert vanishing_counties(PUBLISHED, only_alameda, "ALAMEDA") == []
    assert vanishing_counties(PUBLISHED, _manifest("report/report.html"), "ALAMEDA") == ["ALAMEDA"]


def test_gate_run_config_names_the_job_steps():
    from orchestration.definitions import defs

    steps = {n.name for n in defs.resolve_job_def("clearance").graph.node_defs}
    config = gate_run_config(0.2, True)
    assert set(config) <= steps
    assert config["int_charges_assembled_offense_text_unread"] == {
        "config": {"max_unread_share": 0.2}
    }
    assert sum("expect_empty" in c["config"] for c in config.values()) == 2
    # every gate is a blocking check of the job
    for gate in GATES:
        spec = next(iter(gate.check_specs))
        assert spec.blocking
        assert f"{'__'.join(spec.asset_key.path)}_{spec.name}" in steps
