"""The code inference table (rules/us_ca/code_inference.yaml): validated strictly on load like a
rule file, kept apart from the rule files, compiled into rules.code_inference, recorded.

The SQL side (which texts get a code, which stay no_code) is tested by the dbt unit tests
test_charge_codes_code_inferred / test_charge_codes_code_not_inferred
(models/intermediate/_int_charge_codes__models.yml) and tests/unit/test_charge_normalizer.py.
"""

import json
from datetime import date
from pathlib import Path

import jsonschema
import polars as pl
import pytest
import yaml

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.rules.compile import TABLES, compile_code_inference, compile_rulebook
from orchestration.rules.load import (
    RuleFileError,
    is_code_inference_file,
    load_code_inference,
    load_code_inference_file,
    load_rules_dir,
)
from orchestration.rules.options import CountyOptions
from orchestration.rules.schema import section_number

RULES = PROJECT_ROOT / "rules"
TABLE = RULES / "us_ca" / "code_inference.yaml"


def _mutated(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(TABLE.read_text())
    change(data)
    folder = tmp_path / "us_ca"
    folder.mkdir(exist_ok=True)
    p = folder / "code_inference.yaml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    return p


def _entry(data: dict) -> dict:
    return data["inferences"][0]


def test_the_table_loads_and_says_what_it_infers():
    (loaded,) = load_code_inference(RULES)
    assert loaded.name == "us_ca/code_inference.yaml"
    assert loaded.version.startswith("code_inference@")
    t = loaded.table
    assert t.jurisdiction == "US-CA"
    (entry,) = t.inferences
    assert entry.code == "HS"
    assert (entry.sections.from_, entry.sections.to) == ("11357", "11362.9")
    for keyword in ("MARIJUANA", "MARIJ", "CANNABIS", "CONCENTRATED CANNABIS", "HASH", "HASHISH"):
        assert keyword in entry.keywords
    # the longer keyword is listed first, so it is the one recorded
    assert entry.keywords.index("CONCENTRATED CANNABIS") < entry.keywords.index("CANNABIS")
    assert entry.keywords.index("MARIJUANA") < entry.keywords.index("MARIJ")
    assert entry.keywords.index("HASHISH") < entry.keywords.index("HASH")
    # every entry is cited, with a confidence tag
    cites = {c.id: c for c in t.citations}
    assert entry.cite and all(cites[c].confidence in {"T", "S", "M"} for c in entry.cite)
    # an M citation carries a verify line (rules/README.md)
    if any(cites[c].confidence == "M" for c in entry.cite):
        assert entry.verify


def test_the_table_is_not_a_rule_file():
    assert is_code_inference_file(TABLE)
    assert not is_code_inference_file(RULES / "us_ca" / "prop64.yaml")
    programs = [lr.rules.program for lr in load_rules_dir(RULES)]
    assert "code_inference" not in " ".join(programs)
    assert len(programs) == 6


def test_no_table_infers_nothing(tmp_path):
    assert load_code_inference(tmp_path) == []


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("11357", "11358"),
        ("11357", "11357.5"),  # 11357.5 lies between 11357 and 11358
        ("11361", "11361.5"),
        ("11362", "11362.1"),
        ("11362.4", "11362.45"),  # a decimal part is a fraction: .45 after .4 ...
        ("11362.45", "11362.5"),  # ... and before .5
        ("11362.785", "11362.79"),
        ("11362.8", "11362.9"),
        ("11362.9", "11362.95"),
        ("9", "10"),
    ],
)
def test_sections_compare_as_decimals(low, high):
    assert section_number(low) < section_number(high)


def test_section_number_ignores_trailing_zeros():
    assert section_number("11362.90") == section_number("11362.9")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(surprise=1), "surprise: Extra inputs are not permitted"),
        (lambda d: _entry(d).update(guess=True), "guess: Extra inputs are not permitted"),
        (lambda d: d.update(schema="clearance-code-inference/v2"), "schema"),
        (lambda d: _entry(d).update(code="hs"), "inferences.0.code"),
        (lambda d: _entry(d).update(keywords=[]), "inferences.0.keywords"),
        (lambda d: _entry(d).update(keywords=["marijuana"]), "inferences.0.keywords.0"),
        (lambda d: _entry(d).update(keywords=["HA"]), "inferences.0.keywords.0"),
        (lambda d: _entry(d).update(keywords=["MARIJ/HASH"]), "inferences.0.keywords.0"),
        (lambda d: _entry(d).update(keywords=["HASH", "HASH"]), "keywords listed twice: HASH"),
        (lambda d: _entry(d)["sections"].update(to="11362.x"), "inferences.0.sections.to"),
        (lambda d: _entry(d)["sections"].update({"from": "11363"}), "from 11363 is after to"),
        (lambda d: _entry(d).update(cite=["nowhere"]), "unknown citation(s) nowhere"),
        (lambda d: _entry(d).update(cite=[]), "inferences.0.cite"),
        (lambda d: d["citations"][0].update(confidence="X"), "citations.0.confidence"),
        (lambda d: d["inferences"].append(dict(_entry(d))), "inference ids must be unique"),
        (lambda d: d.update(inferences=[]), "inferences"),
    ],
)
def test_an_invalid_table_is_refused_naming_the_field(tmp_path, change, message):
    path = _mutated(tmp_path, change)
    with pytest.raises(RuleFileError) as e:
        if is_code_inference_file(path):
            load_code_inference_file(path)
        else:  # a wrong schema tag: it is read as a rule file, and refused as one
            load_rules_dir(tmp_path)
    assert str(path) in str(e.value)
    assert message in str(e.value)


def test_a_broken_table_stops_the_whole_rules_folder(tmp_path):
    _mutated(tmp_path, lambda d: _entry(d).update(code="hs"))
    with pytest.raises(RuleFileError, match=r"inferences\.0\.code"):
        load_code_inference(tmp_path)


def test_the_committed_json_schema_is_current_and_the_table_validates():
    from orchestration.rules.json_schema import CODE_INFERENCE_SCHEMA_FILE, render_code_inference

    assert CODE_INFERENCE_SCHEMA_FILE.read_text() == render_code_inference(), (
        "run: python -m orchestration.rules.json_schema"
    )
    data = json.loads(json.dumps(yaml.safe_load(TABLE.read_text()), default=str))
    jsonschema.validate(data, json.loads(render_code_inference()))


def test_compiled_one_row_per_keyword_in_order():
    (loaded,) = load_code_inference(RULES)
    rows = compile_code_inference(loaded)
    (entry,) = loaded.table.inferences
    assert [r["keyword"] for r in rows] == entry.keywords
    assert [r["keyword_position"] for r in rows] == list(range(1, len(entry.keywords) + 1))
    first = rows[0]
    assert first["jurisdiction"] == "US-CA" and first["code"] == "HS"
    assert (first["section_from"], first["section_to"]) == ("11357", "11362.9")
    assert first["confidence"] == "M"  # the lowest of the entry's citations
    assert first["basis"].startswith("rules/us_ca/code_inference.yaml cannabis_hs: Cal. Health")
    assert first["basis"].endswith("[M]")
    assert first["table_file_sha256"] == loaded.sha256
    assert first["table_version"] == loaded.version


def test_the_rulebook_carries_the_table_and_an_empty_one_without_it():
    programs = load_rules_dir(RULES)
    frames, _ = compile_rulebook(
        programs, CountyOptions.empty(), date(2025, 7, 1), code_inference=load_code_inference(RULES)
    )
    frame = frames["code_inference"]
    assert frame.schema == pl.Schema(TABLES["code_inference"])
    assert frame.height == len(load_code_inference(RULES)[0].table.inferences[0].keywords)
    without, _ = compile_rulebook(programs, CountyOptions.empty(), date(2025, 7, 1))
    assert without["code_inference"].height == 0
    assert without["code_inference"].schema == pl.Schema(TABLES["code_inference"])
