"""The run gates (orchestration/quality/gates.py) through the real CLI, on inputs a peer might
send: each bad input stops the run with exit 1 and a message naming the file, the column and
what was found, and the published set stays byte for byte what it was.

One good run publishes the baseline set (a 240-row fabricated extract); each case below then
runs on a variation of the same extract into the same --out and warehouse. The bad inputs are
edited with the csv module from the format's column names (docs: ca-doj-research-file.md), not
by the generator, so they do not share its assumptions.
"""

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from devtools.generate.extract import generate_extract
from orchestration.cli import app
from orchestration.lib.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

AS_OF = "2025-07-01"
ROWS = 240
OFFENSE_COLUMNS = ("CONV_OFFENSE_DESCR", "OFFENSE_DESCR", "COMMENT_TEXT")
PLACEHOLDER = "  -  "  # how the earlier tool's test-data generator fills an empty column


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def _rewrite(src: Path, dst: Path, edit) -> Path:
    """Copy a DOJ extract row by row through edit(header, row) -> row | None (None drops it)."""
    with src.open(newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    with dst.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        for row in rows[1:]:
            new = edit(header, row)
            if new is not None:
                w.writerow(new)
    return dst


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    """A good run that published a set: what every bad run must leave untouched."""
    tmp = tmp_path_factory.mktemp("gates")
    generate_extract(tmp / "doj.csv", rows=ROWS, seed=31)
    result = _cli(tmp, tmp / "doj.csv")
    assert result.exit_code == 0, result.output
    return tmp, _snapshot(tmp / "out")


def _cli(tmp: Path, extract: Path, *extra: str):
    args = ["run", "--as-of", AS_OF, "--out", str(tmp / "out")]
    args += ["--warehouse", str(tmp / "wh.duckdb"), "--extract", str(extract), *extra]
    return CliRunner().invoke(app, args, catch_exceptions=False)


def _refused(baseline, record_property, extract: Path, *extra: str) -> str:
    """Run on a bad input: exit 1, nothing published; returns the output to check the message."""
    tmp, before = baseline
    result = _cli(tmp, extract, *extra)
    changed = _snapshot(tmp / "out") != before
    record_property("reliability", "fail_closed")
    record_property("inputs", 1)
    record_property("runs", 1)
    record_property("wrong_published", int(changed))
    assert result.exit_code == 1, result.output
    assert "FAILED: no export was written" in result.output
    assert not changed, "the published set changed"
    return result.output


def test_offense_columns_holding_placeholders_stop_the_run(baseline, record_property):
    """A county mapping the wrong column: every offense column holds a placeholder."""
    tmp, _ = baseline

    def blank_offenses(header, row):
        for col in OFFENSE_COLUMNS:
            row[header.index(col)] = PLACEHOLDER
        return row

    bad = _rewrite(tmp / "doj.csv", tmp / "placeholder_offenses.csv", blank_offenses)
    output = _refused(baseline, record_property, bad)
    assert "offense_text_unread" in output
    assert "placeholder_offenses.csv: the offense text of" in output
    assert "limit 5.0%" in output
    assert "most common unread texts:" in output
    # the column the text was taken from is named
    assert any(f"column {c}" in output for c in (*OFFENSE_COLUMNS, "(none)"))


def test_a_higher_limit_lets_a_known_share_through(baseline, tmp_path):
    """--max-unread-share is per run: at 1.0 an extract whose offense texts are all unread is
    decided, every charge `needs_review` (never eligible), and the unread records are counted
    on the console, in the report's input table and in each county's summary.json."""
    tmp, _ = baseline

    def unreadable(header, row):
        for col in OFFENSE_COLUMNS:
            row[header.index(col)] = "SEE ATTACHED"
        return row

    bad = _rewrite(tmp / "doj.csv", tmp_path / "attached.csv", unreadable)
    args = ["run", "--as-of", AS_OF, "--out", str(tmp_path / "out"), "--extract", str(bad)]
    args += ["--warehouse", str(tmp_path / "wh.duckdb"), "--max-unread-share", "1"]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "conviction records whose offense text reads to no statute" in result.output
    # a law that needs the statute decides nothing from an unread text: PC 1203.425 is all
    # needs_review, Prop 64 has nothing in scope (PC 851.93 relieves arrests whatever the
    # offense, so it still decides)
    # the summary's lines: "  <title> (<program>): N decisions: 12 needs review, 3 eligible"
    decided = {
        m[1]: {part.split(" ", 1)[1] for part in m[2].split(", ")}
        for m in re.finditer(r"^  .* \((us_ca_\w+)\): [\d,]+ decisions: (.*)$", result.output, re.M)
    }
    assert decided["us_ca_pc_1203_425"] == {"needs review"}, decided
    assert "eligible" not in decided.get("us_ca_prop64", set()), decided
    summaries = list((tmp_path / "out").glob("*/summary.json"))
    assert all(json.loads(f.read_text())["unread_offense_texts"] >= 0 for f in summaries)
    assert "Unread offense texts" in (tmp_path / "out" / "report" / "report.html").read_text()


def test_wrong_column_count_stops_the_run(baseline, record_property):
    """Every record cut to 90 columns: all rejected, none staged."""
    tmp, _ = baseline
    bad = _rewrite(tmp / "doj.csv", tmp / "cut90.csv", lambda header, row: row[:90])
    output = _refused(baseline, record_property, bad)
    assert "all_rows_rejected" in output
    assert f"cut90.csv: all {ROWS} records rejected, none staged" in output
    assert "wrong number of fields: 90 (expected 95)" in output
    # nothing lost: every input record is in raw.doj_rejects with its reason
    con = duckdb.connect(str(tmp / "wh.duckdb"), read_only=True)
    try:
        (rejected,) = con.execute(
            "select count(*) from raw.doj_rejects where source_file = 'cut90.csv'"
        ).fetchone()
    finally:
        con.close()
    record_property("rows_lost", ROWS - rejected)
    assert rejected == ROWS


def test_nothing_in_scope_stops_the_run(baseline, record_property, tmp_path, monkeypatch):
    """Staged rows, no charge in scope: with only Prop 64 enabled, an extract without a
    marijuana charge decides nothing."""
    tmp, _ = baseline
    rules = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", rules)
    for law in ("pc_1203_425.yaml", "pc_851_93.yaml"):
        (rules / "us_ca" / law).unlink()
    for state in ("us_ut", "us_pa"):
        shutil.rmtree(rules / state)

    def no_marijuana(header, row):
        text = " ".join(row[header.index(c)] for c in OFFENSE_COLUMNS)
        return None if any(s in text.upper() for s in ("1135", "1136", "MARIJ")) else row

    bad = _rewrite(tmp / "doj.csv", tmp_path / "no_marijuana.csv", no_marijuana)
    # the CLI sets CLEANSLATE_RULES for its process; here that is pytest's: undone afterwards
    monkeypatch.setenv("CLEANSLATE_RULES", str(rules))
    output = _refused(baseline, record_property, bad, "--rules", str(rules))
    assert "nothing_to_decide" in output
    assert "no_marijuana.csv:" in output
    assert "none in scope of any enabled law (us_ca_prop64)" in output
    assert "from column" in output


def _without_first_county(tmp: Path, before: dict[str, bytes]) -> tuple[Path, str]:
    """The baseline extract without the records of the first county it published."""
    files = json.loads(before["manifest.json"])["files"]
    folders = sorted({f["file"].split("/")[0] for f in files if "/" in f["file"]})
    county = next(c for c in folders if c not in ("repository", "report"))

    def drop_county(header, row):
        return None if row[header.index("STP_ORI_CNTY_NAME")].upper() == county else row

    return _rewrite(tmp / "doj.csv", tmp / "without_county.csv", drop_county), county


def test_a_county_losing_every_decision_stops_the_run(baseline, record_property):
    """A later extract without one county's records would publish that county empty."""
    tmp, before = baseline
    bad, county = _without_first_county(tmp, before)
    output = _refused(baseline, record_property, bad)
    assert "county_would_vanish" in output
    assert f"has decisions for {county}; this run has none" in output
    assert "--expect-empty" in output


def test_expect_empty_publishes_a_county_losing_its_decisions(baseline):
    """Told that an empty result is expected, the same run publishes (runs last: it changes
    the published set)."""
    tmp, before = baseline
    extract, county = _without_first_county(tmp, before)
    result = _cli(tmp, extract, "--expect-empty")
    assert result.exit_code == 0, result.output
    after = _snapshot(tmp / "out")
    assert not any(name.startswith(county + "/") for name in after)
