"""Rule files and the county options file: validated on load, clear errors naming the field."""

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import yaml

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.rules.compile import compile_rulebook
from orchestration.rules.load import RuleFileError, load_rule_file, load_rules_dir
from orchestration.rules.options import (
    CountyOptions,
    check_options,
    read_options_file,
    resolve_parameters,
)

RULES = PROJECT_ROOT / "rules"
PROP64 = RULES / "us_ca" / "prop64.yaml"


@pytest.fixture
def prop64():
    return load_rule_file(PROP64)


def _rule(d: dict, rule_id: str) -> dict:
    return next(r for r in d["rules"] if r["id"] == rule_id)


def _mutated(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(PROP64.read_text())
    change(data)
    p = tmp_path / "rule.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def test_every_rule_file_loads():
    loaded = load_rules_dir(RULES)
    assert [lr.rules.program for lr in loaded] == [
        "us_ca_pc_1203_425",
        "us_ca_pc_851_93",
        "us_ca_prop64",
        "us_pa_clean_slate",
        "us_ut_acquittal_dismissal",
        "us_ut_clean_slate",
    ]


def test_prop64_rule_file_encodes_the_law(prop64):
    rf = prop64.rules
    ids = [r.id for r in rf.rules]
    for rule in [
        "post_prop64",
        "excluded_subdivision",
        "misdemeanor",
        "prior_superstrike",
        "prior_290_conviction",
        "prior_290_registration",
        "two_priors",
        "dismiss_section",
        "reduce_section",
    ]:
        assert rule in ids
    # disqualifiers come before the county's dismiss/reduce lists
    assert ids.index("two_priors") < ids.index("dismiss_section")
    for r in rf.rules:
        assert r.cite, r.id
    assert {"CA:HS:11359(c)(3)", "CA:HS:11360(a)(3)(d)"} <= {
        m.statute for m in rf.code_sets["excluded_subdivisions"]
    }
    # gogen's PC 290 list missed 288(a), lewd acts on a child; ours has 288 (prefix match)
    assert "CA:PC:288" in {m.statute for m in rf.code_sets["registrable_290"]}


def test_rules_version_follows_the_file_text(tmp_path, prop64):
    changed = _mutated(tmp_path, lambda d: d.update(title="Edited"))
    assert load_rule_file(changed).rules_version != prop64.rules_version
    assert prop64.rules_version.startswith("us_ca_prop64@2022-09-18+")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["rules"][0].update(cite=["nope"]), "unknown citation(s) nope"),
        (
            lambda d: _rule(d, "excluded_subdivision")["when"][0].update(code_set="nope"),
            "unknown code set 'nope'",
        ),
        (lambda d: d["rules"][0]["when"][0].update(type="moon_phase"), "rules.0.when.0"),
        (lambda d: d["rules"][0].update(outcome="maybe"), "rules.0.outcome"),
        (
            lambda d: d["code_sets"]["prop64_sections"].append({"statute": "11357 HS"}),
            "is not canonical",
        ),
        (
            lambda d: d["parameters"]["dismiss_age_threshold"].update(default=30),
            "must be one of 0, 40..65",
        ),
        (lambda d: d["rules"][3].update(enabled={"param": "nope"}), "unknown parameter 'nope'"),
        (lambda d: d.update(surprise=1), "surprise"),
        # not_yet_eligible comes only from an eligible rule held up by time, with eligible_on
        (
            lambda d: d["rules"][0].update(outcome="not_yet_eligible"),
            "rules.0.outcome: outcome not_yet_eligible is not a rule outcome",
        ),
        (
            lambda d: d["parameters"]["misdemeanor_outcome"]["allowed"].append("not_yet_eligible"),
            "parameter 'misdemeanor_outcome': outcome not_yet_eligible is not a rule outcome",
        ),
        (
            lambda d: d["rules"][0].update(outcome={"param": "priors_must_precede"}),
            "outcome parameter 'priors_must_precede' must be an enum of eligible, not_eligible",
        ),
        # a citation's ref is printed (reasons, explain, trace): research notes go in `note`
        (
            lambda d: d["citations"][0].update(ref="H&S 11361.8 (open question: flag for counsel)"),
            "citations.0.ref: ref 'H&S 11361.8 (open question: flag for counsel)' carries a "
            "research note ('open question')",
        ),
        (
            lambda d: d["citations"][0].update(ref="SB 9 (2025-26, pending)"),
            "carries a research note ('pending')",
        ),
        (lambda d: d["citations"][0].update(ref="See clearance-law.md 9.2"), "'clearance-law'"),
    ],
)
def test_invalid_rule_files_name_the_field(tmp_path, change, message):
    with pytest.raises(RuleFileError) as e:
        load_rule_file(_mutated(tmp_path, change))
    assert message in str(e.value)
    assert "rule.yaml" in str(e.value)


def test_malformed_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("rules: [unclosed")
    with pytest.raises(RuleFileError, match="not valid YAML"):
        load_rule_file(p)


def _options(tmp_path: Path, data) -> CountyOptions:
    p = tmp_path / "options.json"
    p.write_text(data if isinstance(data, str) else json.dumps(data))
    return read_options_file(p)


GOGEN_FIXTURE = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {
        "subjectUnder21AtConviction": True,
        "subjectAgeThreshold": 57,
        "yearsSinceConvictionThreshold": 10,
        "yearsCrimeFreeThreshold": 0,
        "subjectIsDeceased": True,
        "subjectHasOnlyProp64Charges": True,
    },
}


def test_the_earlier_tools_options_file_maps_to_parameters(tmp_path, prop64):
    resolved = resolve_parameters(prop64, _options(tmp_path, GOGEN_FIXTURE))
    v = resolved.values
    assert v["dismiss_sections"] == ["11357", "11358"]
    assert v["dismiss_age_threshold"] == 57
    assert v["dismiss_years_since_conviction"] == 10
    assert v["dismiss_under_21"] and v["dismiss_if_deceased"] and v["dismiss_if_only_prop64"]
    assert resolved.sources["dismiss_years_crime_free"] == "options"
    assert resolved.sources["priors_must_precede"] == "default"


def test_zero_and_false_turn_a_rule_off(tmp_path, prop64):
    frames, _ = compile_rulebook([prop64], _options(tmp_path, GOGEN_FIXTURE), date(2025, 7, 1))
    enabled = dict(zip(frames["rules"]["rule_id"], frames["rules"]["is_enabled"], strict=True))
    assert enabled["age_threshold"] and enabled["deceased"]
    assert not enabled["crime_free"]  # yearsCrimeFreeThreshold 0
    reasons = dict(zip(frames["rules"]["rule_id"], frames["rules"]["reason"], strict=True))
    assert reasons["age_threshold"] == "Aged 57 or older"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "malformed JSON at line 1"),
        ("[1, 2]", "expected a JSON object"),
        (
            {"additionalRelief": {"subjectAgeThreshold": 30}},
            "additionalRelief.subjectAgeThreshold must be one of 0, 40..65, got 30",
        ),
        (
            {"additionalRelief": {"yearsSinceConvictionThreshold": 16}},
            "additionalRelief.yearsSinceConvictionThreshold must be one of 0, 1..15",
        ),
        (
            {"additionalRelief": {"subjectIsDeceased": "yes"}},
            "additionalRelief.subjectIsDeceased must be true or false",
        ),
        (
            {"baselineEligibility": {"dismiss": ["11362.1"]}},
            "baselineEligibility.dismiss has unknown section(s) 11362.1",
        ),
        ({"baselineEligibility": {"dismiss": ["11357(a)"]}}, "unknown section(s) 11357(a)"),
        (
            {"additionalRelief": {"subjectAgeTreshold": 50}},
            "unknown field additionalRelief.subjectAgeTreshold",
        ),
        ({"baselineEligibility": []}, "baselineEligibility must be a JSON object"),
        (
            {"parameters": {"priors_must_precede": 1}},
            "parameters.priors_must_precede must be true or false",
        ),
        ({"parameters": {"nope": 1}}, "unknown field parameters.nope"),
    ],
)
def test_invalid_options_files_name_the_field(tmp_path, prop64, data, message):
    with pytest.raises(RuleFileError) as e:
        opts = _options(tmp_path, data)
        check_options([prop64], opts)
        resolve_parameters(prop64, opts)
    assert message in str(e.value)
    assert "options.json" in str(e.value)


def test_unknown_top_level_keys_are_errors(tmp_path, prop64):
    # the earlier tool ignored unknown keys; a misspelt section would drop the county's policy
    with pytest.raises(RuleFileError, match="unknown field bearUi"):
        check_options([prop64], _options(tmp_path, {"bearUi": {"x": 1}}))


def test_section_in_both_lists_warns(tmp_path, prop64):
    data = {"baselineEligibility": {"dismiss": ["11359"], "reduce": ["11359"]}}
    resolved = resolve_parameters(prop64, _options(tmp_path, data))
    assert any("dismiss comes first" in w for w in resolved.warnings)


def test_committed_json_schema_is_current():
    from orchestration.rules.json_schema import SCHEMA_FILE, render

    assert SCHEMA_FILE.read_text() == render(), "run: python -m orchestration.rules.json_schema"


def test_every_rule_file_validates_against_the_json_schema():
    import jsonschema

    from orchestration.rules.json_schema import render, render_code_inference
    from orchestration.rules.schema import CODE_INFERENCE_SCHEMA

    schema = json.loads(render())
    code_inference_schema = json.loads(render_code_inference())
    for path in RULES.rglob("*.yaml"):
        if "cases" in path.parts or path.name.startswith("_"):
            continue
        # through JSON, as an editor sees it (YAML reads dates as date objects)
        data = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        # a code inference table has its own schema (tests/unit/test_code_inference.py)
        is_table = data.get("schema") == CODE_INFERENCE_SCHEMA
        jsonschema.validate(data, code_inference_schema if is_table else schema)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("P6Y", (6, 0, 0)), ("P180D", (0, 0, 180)), ("P1Y6M", (1, 6, 0)), ("P2Y3M4D", (2, 3, 4))],
)
def test_durations(text, expected):
    from orchestration.rules.compile import parse_duration

    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["P", "6Y", "P6W", "P-1Y"])
def test_bad_durations(text):
    from orchestration.rules.compile import parse_duration

    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)


def test_conditions_compile_to_literal_arguments(tmp_path):
    """Negation, look-back filters, waits and parameters become flat literal columns."""
    data = yaml.safe_load(PROP64.read_text())
    data["parameters"]["wait"] = {"type": "enum", "default": "P5Y", "allowed": ["P5Y", "P7Y"]}
    data["rules"].insert(
        0,
        {
            "id": "probe",
            "outcome": "eligible",
            "relief": "dismiss",
            "reason": "r",
            "cite": ["county_policy"],
            "when": [
                {"not": {"type": "flag_is", "flag": "dv"}},
                {
                    "type": "waiting_period",
                    "since": ["disposition_date", "sentence_end_date"],
                    "wait": {"param": "wait"},
                },
                {
                    "type": "count_convictions",
                    "at_least": 5,
                    "distinct_by_episode": True,
                    "where": {"exclude_levels": ["infraction"], "exclude_traffic": True},
                },
            ],
        },
    )
    p = tmp_path / "r.yaml"
    p.write_text(yaml.safe_dump(data))
    frames, _ = compile_rulebook([load_rule_file(p)], CountyOptions.empty(), date(2025, 7, 1))
    rows = frames["conditions"].filter(pl.col("rule_id") == "probe").to_dicts()
    assert rows[0]["is_negated"] and rows[0]["description"] == "NOT flagged dv"
    assert (rows[1]["anchors"], rows[1]["wait_years"], rows[1]["is_time_condition"]) == (
        "disposition_date,sentence_end_date",
        5,
        True,
    )
    assert rows[2]["f_exclude_levels"] == "infraction" and rows[2]["f_exclude_traffic"]
    assert rows[2]["description"] == (
        "at least 5 separate episodes (level not infraction, not traffic)"
    )


def test_citation_refs_are_what_a_reader_quotes_and_notes_stay_in_note(tmp_path):
    """A "pending" before what is pending is law; a research note in `note` loads and is kept."""
    from orchestration.rules.schema import research_note_in

    assert research_note_in("no pending misdemeanor or felony proceeding") is None
    assert research_note_in("Indication of pending criminal charges") is None
    assert research_note_in("SB 834 (2025-26, pending)") == "pending"
    assert research_note_in("Current text (not re-read)") == "not re-read"
    noted = _mutated(
        tmp_path, lambda d: d["citations"][0].update(note="not re-read (clearance-law.md 10.2)")
    )
    assert load_rule_file(noted).rules.citations[0].note.startswith("not re-read")
    for f in sorted((PROJECT_ROOT / "rules").glob("*/*.yaml")):
        data = yaml.safe_load(f.read_text())
        for c in data.get("citations", []):
            assert research_note_in(c["ref"]) is None, (f.name, c["id"])
