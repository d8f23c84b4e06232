"""The statute formats (dbt_project/seeds/statute_formats.csv): one row per state, data only.

Each row is checked here as a new state's row would be: the columns, a pattern that compiles and
can go into SQL as a literal, templates naming groups the pattern has, and its `examples`, each
read the way int_statutes_normalized reads a text (Python's `re` reads these patterns as RE2,
PostgreSQL and java.util.regex do). The SQL itself is tested by the dbt unit tests
test_statutes_normalized_utah / _pennsylvania (models/intermediate/_int_charges__models.yml).
"""

import csv
import json
import re

import pytest

from orchestration.lib.settings import DBT_PROJECT_DIR
from orchestration.transform.project import dbt_project

SEED = DBT_PROJECT_DIR / "seeds" / "statute_formats.csv"
COLUMNS = [
    "jurisdiction",
    "pattern",
    "code",
    "section",
    "subdivisions",
    "subdivisions_case",
    "subdivisions_spaces",
    "citation",
    "note",
    "examples",
]
GROUP = re.compile(r"\{([0-9]+)\}")


def _formats() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _fill(template: str, match: re.Match | None) -> str:
    """A template with {n} replaced by group n of the match ('' when none)."""

    def group(m: re.Match) -> str:
        return (match.group(int(m.group(1))) or "") if match else ""

    return GROUP.sub(group, template)


def read_statute(fmt: dict[str, str], text: str) -> str | None:
    """The canonical statute int_statutes_normalized gives the text under the format."""
    match = re.search(fmt["pattern"], text.upper())
    code, section = _fill(fmt["code"], match), _fill(fmt["section"], match)
    subdivisions = _fill(fmt["subdivisions"], match)
    if fmt["subdivisions_spaces"] == "removed":
        subdivisions = re.sub(r"\s", "", subdivisions)
    if fmt["subdivisions_case"] == "lower":
        subdivisions = subdivisions.lower()
    if not (match and code and section):
        return None
    return f"{fmt['jurisdiction'][3:]}:{code}:{section}{subdivisions}"


def test_the_seed_has_the_columns_the_normalizer_reads():
    with SEED.open(encoding="utf-8", newline="") as f:
        assert next(csv.reader(f)) == COLUMNS


def test_one_row_per_state():
    states = [f["jurisdiction"] for f in _formats()]
    assert states and len(states) == len(set(states))
    assert all(re.fullmatch(r"US-[A-Z]{2}", s) for s in states), states
    assert {"US-UT", "US-PA"} <= set(states)
    # California texts have their own parser; a CA row would give CA charges two statutes
    assert "US-CA" not in states


@pytest.mark.parametrize("fmt", _formats(), ids=lambda f: f["jurisdiction"])
def test_a_format_makes_valid_sql(fmt):
    pattern = re.compile(fmt["pattern"])
    for column in ("pattern", "code", "section", "subdivisions"):
        assert "'" not in fmt[column], f"{column}: no single quote (it is an SQL literal)"
    assert fmt["pattern"].startswith("^"), "anchor the pattern at the start of the text"
    for column in ("code", "section", "subdivisions"):
        for n in GROUP.findall(fmt[column]):
            assert 1 <= int(n) <= pattern.groups, f"{column}: the pattern has no group {n}"
    assert GROUP.search(fmt["code"]) and GROUP.search(fmt["section"])
    assert fmt["subdivisions_case"] in ("lower", "as_written")
    assert fmt["subdivisions_spaces"] in ("removed", "kept")
    assert fmt["citation"].strip() and fmt["note"].strip()


@pytest.mark.parametrize("fmt", _formats(), ids=lambda f: f["jurisdiction"])
def test_the_examples_read_as_stated(fmt):
    examples = [e.split(" -> ") for e in fmt["examples"].split("; ")]
    assert examples and all(len(e) == 2 for e in examples), fmt["examples"]
    for text, statute in examples:
        assert read_statute(fmt, text) == statute, text


def test_read_statute_follows_the_model():
    """The reading above, on the model's own header examples and an unparsed text."""
    ut, pa = ({f["jurisdiction"]: f for f in _formats()}[s] for s in ("US-UT", "US-PA"))
    assert read_statute(ut, "58-37-8(2)(A)(I)") == "UT:58:37-8(2)(a)(i)"
    assert read_statute(ut, "41-6a-502") == "UT:41:6A-502"
    assert read_statute(pa, "18 Pa.C.S. § 3929") == "PA:18:3929"
    assert read_statute(pa, "35 § 780-113(a)(30)") == "PA:35:780-113(a)(30)"
    assert read_statute(ut, "18 3929") is None
    assert read_statute(pa, "POSSESSION") is None


def test_the_seed_lands_in_the_target_schema():
    """macros/statute_formats.sql looks the seed up in the target schema in a unit test."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    node = manifest["nodes"]["seed.clean_slate.statute_formats"]
    assert node["config"].get("schema") is None
    model = manifest["nodes"]["model.clean_slate.int_statutes_normalized"]
    assert "seed.clean_slate.statute_formats" in model["depends_on"]["nodes"]
