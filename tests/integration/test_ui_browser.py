"""The Dagster UI, in a real browser: lineage by stage, the decision table's page and checks.

A small run (fabricated CA DOJ + Utah canonical extracts) into a temporary DAGSTER_HOME and
warehouse; then the Dagster webserver on a free port of 127.0.0.1 and Debian's headless
Chromium driven by Playwright. Screenshots go to $CLEANSLATE_SCREENSHOTS (else a temporary
folder). Without /usr/bin/chromium (scripts/ensure_chromium.sh installs it) the test skips,
except under CI (CI set, or CLEANSLATE_REQUIRE_BROWSER=1), where it fails.
"""

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.generate.canonical import generate_canonical
from devtools.generate.extract import generate_extract
from devtools.ui_screenshots import (
    CHROMIUM,
    DECISION_TABLE,
    EXPANDED_GROUPS,
    capture,
    dismiss_first_visit_modal,
    graphql,
    webserver,
)
from orchestration.cli import app

pytestmark = [pytest.mark.integration, pytest.mark.browser]

STAGES = ("ingest", "rules", "staging", "intermediate", "marts", "exports", "audit")
# one asset of each stage and the group it must be drawn in
EXPECTED_GROUPS = {
    "raw/doj_extract": "ingest",
    "raw/canonical_charges": "ingest",
    "rules/programs": "rules",
    "stg_doj__events": "staging",
    "int_charges_assembled": "intermediate",
    "fct_decisions": "marts",
    "fct_decision_criteria": "marts",
    "analytics/fct_decisions_pseudonymized": "marts",
    "exports/staged_files": "exports",
    "exports/published": "exports",
    "audit/decision_history": "audit",
}
ASSETS_QUERY = """
{ assetNodes { assetKey { path } groupName owners { ... on TeamAssetOwner { team } }
  description hasAssetChecks } }
"""


def _browser_required() -> bool:
    return bool(os.environ.get("CI")) or os.environ.get("CLEANSLATE_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def browser_available():
    problem = None
    if not Path(CHROMIUM).exists():
        problem = f"{CHROMIUM} is missing (scripts/ensure_chromium.sh installs it)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "playwright is not installed (make install)"
    if problem and _browser_required():
        pytest.fail(f"browser test required under CI: {problem}")
    if problem:
        pytest.skip(problem)


@pytest.fixture(scope="module")
def ui_run(tmp_path_factory, browser_available):
    """A small clearance run recorded in its own DAGSTER_HOME."""
    tmp = tmp_path_factory.mktemp("ui")
    home = tmp / "dagster_home"
    mp = pytest.MonkeyPatch()
    mp.setenv("DAGSTER_HOME", str(home))
    mp.setenv("CLEANSLATE_WAREHOUSE", str(tmp / "wh.duckdb"))
    try:
        generate_extract(tmp / "doj.csv", rows=200, seed=3)
        generate_canonical(tmp / "ut_courts", rows=100, seed=3, state="UT")
        result = CliRunner().invoke(
            app,
            [
                *("run", "--as-of", "2025-07-01"),
                *("--extract", str(tmp / "doj.csv"), "--extract", str(tmp / "ut_courts")),
                *("--out", str(tmp / "out"), "--warehouse", str(tmp / "wh.duckdb")),
            ],
            catch_exceptions=False,
        )
        assert result.exit_code == 0, result.output
    finally:
        mp.undo()
    return home


@pytest.fixture(scope="module")
def ui(ui_run, tmp_path_factory):
    """The webserver over that run, the pages captured; the webserver stopped afterwards."""
    shots = Path(os.environ.get("CLEANSLATE_SCREENSHOTS") or tmp_path_factory.mktemp("shots"))
    with webserver(ui_run) as url:
        dismiss_first_visit_modal(url)
        assets = graphql(url, ASSETS_QUERY)["assetNodes"]
        texts = capture(url, shots)
    return {"assets": assets, "texts": texts, "shots": shots}


def test_every_asset_is_in_a_named_stage_group_with_owners(ui):
    nodes = {"/".join(n["assetKey"]["path"]): n for n in ui["assets"]}
    for key, group in EXPECTED_GROUPS.items():
        assert nodes[key]["groupName"] == group, key
    ungrouped = sorted(k for k, n in nodes.items() if n["groupName"] in (None, "default"))
    assert not ungrouped, f"assets outside a named group: {ungrouped}"
    unowned = sorted(k for k, n in nodes.items() if not n["owners"])
    assert not unowned, f"assets without owners: {unowned}"
    undescribed = sorted(k for k, n in nodes.items() if not (n["description"] or "").strip())
    assert not undescribed, f"assets without a description: {undescribed}"
    assert {"team": "data-engineering"} in nodes[DECISION_TABLE]["owners"]
    assert nodes[DECISION_TABLE]["hasAssetChecks"]


def test_asset_graph_shows_the_stages_left_to_right(ui):
    text = ui["texts"]["asset_graph"]
    assert "Global asset lineage" in text
    for group in STAGES:
        assert group in text, group
    # the groups drawn asset by asset (a long name is cut in the middle at the zoom that fits
    # the graph: fct_..._pseudonymized, decisi..._history)
    for name in ("staged_files", "published", "history", "pseudonymized"):
        assert name in text, name
    assert set(EXPANDED_GROUPS) <= set(STAGES)
    assert (ui["shots"] / "ui_asset_graph.png").stat().st_size > 20_000


def test_decision_table_page_shows_metadata(ui):
    text = ui["texts"]["decision_table"]
    assert DECISION_TABLE in text
    assert "marts" in text  # its group
    assert "data-engineering" in text  # an owner
    assert "Row count" in text
    for column in ("decision_id", "determination", "rules_version"):  # the column schema
        assert column in text, column
    assert "Code version" in text
    assert "rules_versions" in text  # the rules version of each law, as metadata
    assert "Page not found" not in text
    assert (ui["shots"] / "ui_decision_table.png").stat().st_size > 20_000


def test_checks_render_and_passed(ui):
    text = ui["texts"]["checks"]
    # the GE suite, a dbt generic test, and a singular conservation test: all asset checks
    for check in (
        "ge_decision_table",
        "unique_fct_decisions_decision_id",
        "assert_one_decision_per_scoped_charge",
    ):
        assert check in text, check
    assert "Succeeded" in text
    assert "Failed" not in text
    ingest = ui["texts"]["ingest_checks"]
    for check in ("ge_doj_extract", "staged_plus_rejected_equals_input"):
        assert check in ingest, check
    assert "Failed" not in ingest
