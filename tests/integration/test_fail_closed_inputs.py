"""Fail closed on bad inputs (issue 13), through the real CLI: a misspelt options-file key and
an as-of date no law covers, or after today without --forecast, stop the run before it starts
(exit 2, one line on stderr) and leave the published set byte for byte as it was; a forecast
runs, says so, and writes no court document.

One good run on a small generated extract publishes the baseline set; the refused inputs cost
no run (they stop before Dagster starts); the forecast is one more run (~30-40 s each). The
same checks in the rulebook asset (runs from the Dagster UI or the sensor never pass through
the CLI) are run by materializing the rulebook alone.
"""

import json
from pathlib import Path

import pytest
from dagster import materialize
from typer.testing import CliRunner

from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.lib.settings import rules_dir
from orchestration.resources import Warehouse
from orchestration.rules.as_of import enabled_laws
from orchestration.rules.assets import rulebook
from orchestration.rules.load import load_rules_dir

pytestmark = pytest.mark.integration

AS_OF = "2025-07-01"
ROWS = 200
TYPO = {"baselineEligibilty": {"dismiss": ["11357"], "reduce": ["11359"]}}


def _args(tmp: Path, *extra: str, as_of: str = AS_OF, out: str = "out") -> list[str]:
    return [
        "run",
        "--as-of",
        as_of,
        "--out",
        str(tmp / out),
        "--warehouse",
        str(tmp / "wh.duckdb"),
        "--extract",
        str(tmp / "doj.csv"),
        *extra,
    ]


def _snapshot(out: Path) -> dict[str, bytes]:
    """Every published file's bytes (manifest.json too), by relative path."""
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def good(tmp_path_factory, pinned_code_revision):
    """The baseline: a good run that published a set the refused runs must leave alone."""
    tmp = tmp_path_factory.mktemp("fail_closed")
    generate_extract(tmp / "doj.csv", rows=ROWS, seed=31)
    options = tmp / "county_options.json"
    options.write_text(json.dumps(TYPO))
    result = CliRunner().invoke(app, _args(tmp), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    snap = _snapshot(tmp / "out")
    assert any(k.endswith("_court_order.pdf") for k in snap), "baseline has court documents"
    return {"tmp": tmp, "snapshot": snap, "options": options}


def _refused(good, record_property, args: list[str]) -> str:
    """Run the CLI with bad input: refused (exit 2) before the run starts, the published set
    unchanged. Returns stderr."""
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    unchanged = _snapshot(good["tmp"] / "out") == good["snapshot"]
    record_property("reliability", "fail_closed")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", 0 if unchanged else 1)
    assert result.exit_code == 2, result.output
    assert "Run " not in result.stdout, "a refused input must not start a run"
    assert unchanged, "the published set changed"
    return result.stderr


def test_a_misspelt_options_key_stops_the_run(good, record_property):
    err = _refused(good, record_property, _args(good["tmp"], "--options", str(good["options"])))
    assert err.startswith(f"error: {good['options']}: unknown field baselineEligibilty")
    assert '(did you mean "baselineEligibility"?)' in err


def test_an_as_of_date_no_law_covers_stops_the_run(good, record_property):
    err = _refused(good, record_property, _args(good["tmp"], as_of="1899-01-01"))
    assert "no law is in effect on the as-of date 1899-01-01" in err
    for law in enabled_laws(load_rules_dir(rules_dir())):
        assert f"{law.program} (in effect from {law.effective_from}" in err


def test_a_future_as_of_date_without_forecast_stops_the_run(good, record_property):
    err = _refused(good, record_property, _args(good["tmp"], as_of="2099-01-01"))
    assert "as-of date 2099-01-01 is after today" in err and "--forecast" in err


def test_a_forecast_runs_and_writes_no_court_document(good):
    tmp = good["tmp"]
    result = CliRunner().invoke(
        app, _args(tmp, "--forecast", as_of="2099-01-01", out="forecast"), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert "Forecast as of 2099-01-01: no court documents written" in result.stdout
    out = tmp / "forecast"
    assert not list(out.rglob("*_court_order.pdf"))
    assert not list(out.rglob("*_updates.*")), "no repository update for a future date"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["forecast"] is True and manifest["as_of"] == "2099-01-01"
    assert not [f for f in manifest["files"] if f["file"].endswith("_court_order.pdf")]
    html = (out / "report" / "report.html").read_text()
    assert "(FORECAST)" in html and "FORECAST: these are decisions as of 2099-01-01" in html
    # the reviewers' workbooks and the decisions are still there
    assert list(out.rglob("review.xlsx"))
    # the baseline set was published elsewhere and is untouched; it was no forecast
    assert _snapshot(tmp / "out") == good["snapshot"]
    assert json.loads(good["snapshot"]["manifest.json"])["forecast"] is False


# --------------------------------------------------------------------------------------------
# The same checks in the rulebook asset, for runs that never pass through the CLI


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"as_of": AS_OF, "options_file": "OPTIONS"}, '(did you mean "baselineEligibility"?)'),
        ({"as_of": "1899-01-01"}, "no law is in effect on the as-of date 1899-01-01"),
        ({"as_of": "2099-01-01"}, "as-of date 2099-01-01 is after today"),
        ({"as_of": AS_OF, "forecast": True}, "a forecast needs an as-of date after today"),
    ],
)
def test_the_rulebook_asset_fails_the_same_way(tmp_path, config, message):
    if config.get("options_file") == "OPTIONS":
        options = tmp_path / "county_options.json"
        options.write_text(json.dumps(TYPO))
        config = {**config, "options_file": str(options)}
    result = materialize(
        [rulebook],
        run_config={"ops": {"rulebook": {"config": config}}},
        resources={"warehouse": Warehouse(path=str(tmp_path / "wh.duckdb"))},
        raise_on_error=False,
    )
    assert not result.success
    failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
    assert len(failures) == 1
    assert message in failures[0].step_failure_data.error.message
    assert not (tmp_path / "wh.duckdb").exists() or not Warehouse(
        path=str(tmp_path / "wh.duckdb")
    ).table_exists("rules", "programs")
