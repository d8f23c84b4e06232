"""Fail closed on bad inputs (issue 13): the county options file and the as-of date.

An unknown key at any level of the options file is an error naming the file, the field and the
nearest known field; an as-of date after today needs an explicit forecast; a date on which no
law is in effect is refused; laws not yet in effect get a note. The CLI and the rulebook asset
share these functions (tests/integration/test_fail_closed_inputs.py runs them end to end).
"""

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from orchestration.lib.settings import PROJECT_ROOT
from orchestration.rules.as_of import AsOfError, check_as_of, enabled_laws, is_future
from orchestration.rules.load import RuleFileError, load_rules_dir
from orchestration.rules.options import (
    check_options,
    did_you_mean,
    read_options_file,
    resolve_parameters,
)

TODAY = date(2026, 12, 3)


@pytest.fixture(scope="module")
def programs():
    return load_rules_dir(PROJECT_ROOT / "rules")


def _check(tmp_path: Path, programs, data: dict) -> None:
    path = tmp_path / "county_options.json"
    path.write_text(json.dumps(data))
    opts = read_options_file(path)
    check_options(programs, opts)
    for loaded in programs:
        resolve_parameters(loaded, opts)


# --------------------------------------------------------------------------------------------
# The options file


VALID = {
    "baselineEligibility": {"dismiss": ["11357", "11358"], "reduce": ["11359", "11360"]},
    "additionalRelief": {"subjectUnder21AtConviction": True, "subjectAgeThreshold": 57},
    "parameters": {
        "priors_must_precede": False,  # flat: a parameter name
        "us_ca_prop64": {"priors_must_precede": False},  # scoped: a program id
    },
}


def test_a_valid_options_file_still_passes(tmp_path, programs):
    _check(tmp_path, programs, VALID)


@pytest.mark.parametrize(
    ("data", "field", "suggestion"),
    [
        # top level: the typo of the issue (the county's dismiss/reduce lists were dropped)
        (
            {"baselineEligibilty": {"dismiss": ["11357"]}},
            "baselineEligibilty",
            "baselineEligibility",
        ),
        ({"AdditionalRelief": {}}, "AdditionalRelief", "additionalRelief"),
        ({"parameter": {}}, "parameter", "parameters"),
        # inside baselineEligibility / additionalRelief
        (
            {"baselineEligibility": {"dismis": ["11357"]}},
            "baselineEligibility.dismis",
            "dismiss",
        ),
        (
            {"additionalRelief": {"subjectAgeTreshold": 50}},
            "additionalRelief.subjectAgeTreshold",
            "subjectAgeThreshold",
        ),
        # inside parameters: neither a program nor a parameter
        (
            {"parameters": {"priors_must_preceed": False}},
            "parameters.priors_must_preceed",
            "priors_must_precede",
        ),
        (
            {"parameters": {"us_ca_prop46": {"priors_must_precede": False}}},
            "parameters.us_ca_prop46",
            "us_ca_prop64",
        ),
        # inside parameters.<program>
        (
            {"parameters": {"us_ca_prop64": {"priors_must_precedee": False}}},
            "parameters.us_ca_prop64.priors_must_precedee",
            "priors_must_precede",
        ),
    ],
)
def test_unknown_keys_are_errors_with_did_you_mean(tmp_path, programs, data, field, suggestion):
    with pytest.raises(RuleFileError) as e:
        _check(tmp_path, programs, data)
    message = str(e.value)
    assert message.startswith(str(tmp_path / "county_options.json") + ": ")
    assert f"unknown field {field} " in message
    assert f'(did you mean "{suggestion}"?)' in message


def test_an_unknown_key_with_no_near_miss_lists_what_is_accepted(tmp_path, programs):
    with pytest.raises(RuleFileError) as e:
        _check(tmp_path, programs, {"bearUiState": {"tab": 2}})
    message = str(e.value)
    assert "unknown field bearUiState;" in message and "did you mean" not in message
    assert "accepts: additionalRelief, baselineEligibility, parameters" in message


def test_a_parameter_given_an_object_is_an_error(tmp_path, programs):
    with pytest.raises(RuleFileError, match=r"parameters\.priors_must_precede is a parameter"):
        _check(tmp_path, programs, {"parameters": {"priors_must_precede": {"x": 1}}})


def test_did_you_mean_ignores_case_and_underscores():
    known = ["baselineEligibility", "additionalRelief", "parameters"]
    assert did_you_mean("BASELINE_ELIGIBILITY", known) == ' (did you mean "baselineEligibility"?)'
    assert did_you_mean("zzz", known) == ""


# --------------------------------------------------------------------------------------------
# The as-of date


def test_is_future():
    assert is_future(date(2099, 1, 1), TODAY)
    assert not is_future(TODAY, TODAY)  # today is not the future
    assert not is_future(date(1899, 1, 1), TODAY)
    # by default, against the date where it is latest: a date that is today in some time zone
    # (a service dating its runs in its own zone) is no forecast
    assert not is_future(date.today())
    assert is_future(date.today() + timedelta(days=2))


def test_a_past_date_with_every_law_in_effect_has_no_note(programs):
    assert check_as_of(programs, date(2025, 7, 1), forecast=False, today=TODAY) == []


def test_a_future_date_needs_a_forecast(programs):
    with pytest.raises(AsOfError) as e:
        check_as_of(programs, date(2099, 1, 1), forecast=False, today=TODAY)
    assert "after today (2026-12-03)" in str(e.value) and "--forecast" in str(e.value)
    assert check_as_of(programs, date(2099, 1, 1), forecast=True, today=TODAY) == []


def test_a_forecast_needs_a_future_date(programs):
    with pytest.raises(AsOfError, match="a forecast needs an as-of date after today"):
        check_as_of(programs, date(2025, 7, 1), forecast=True, today=TODAY)


def test_a_date_no_law_is_in_effect_on_is_refused_naming_the_laws(programs):
    with pytest.raises(AsOfError) as e:
        check_as_of(programs, date(1899, 1, 1), forecast=False, today=TODAY)
    message = str(e.value)
    assert "no law is in effect on the as-of date 1899-01-01" in message
    for law in enabled_laws(programs):
        assert f"{law.program} (in effect from {law.effective_from})" in message


def test_laws_not_yet_in_effect_get_one_note(programs):
    # 2019: Prop 64 (2016-11-09) is in effect; PC 1203.425 (2022), Utah (2020, 2024), PA (2024)
    notes = check_as_of(programs, date(2019, 1, 1), forecast=False, today=TODAY)
    assert len(notes) == 1
    assert "us_ca_pc_1203_425 (in effect from 2022-07-01)" in notes[0]
    assert "us_ut_clean_slate (in effect from 2020-05-01)" in notes[0]
    assert "us_ca_prop64" not in notes[0]


def test_a_law_whose_effect_ended_counts_as_not_in_effect(programs):
    prop64 = next(lr for lr in programs if lr.rules.program == "us_ca_prop64")
    ended = replace(
        prop64,
        rules=prop64.rules.model_copy(
            update={"effective": prop64.rules.effective.model_copy(update={"to": date(2018, 1, 1)})}
        ),
    )
    with pytest.raises(AsOfError, match=r"us_ca_prop64 \(in effect from 2016-11-09 until 2018"):
        check_as_of([ended], date(2019, 1, 1), forecast=False, today=TODAY)


def test_laws_not_in_force_are_not_counted(programs):
    pending = [
        replace(lr, rules=lr.rules.model_copy(update={"status": "pending"})) for lr in programs
    ]
    with pytest.raises(AsOfError, match="no rule file has status in_force"):
        check_as_of(pending, date(2025, 7, 1), forecast=False, today=TODAY)


# --------------------------------------------------------------------------------------------
# What a forecast writes: the report says so; the reconciliation wants no court document


def test_the_report_of_a_forecast_says_so():
    from orchestration.exports.report import build_report_data, render_html
    from tests.unit.test_exports_report import _report_run, _rows

    rows = _rows(
        rpt_decision_counts=[
            {"county": "YOLO", "program": "us_ca_prop64", "determination": "eligible"}
            | {"relief": "dismiss", "decisions": 1}
        ],
        rpt_people=[{"program": None, "decisions": 1, "charges": 1, "people": 1}],
    )
    plain = build_report_data(rows, _report_run())
    assert "FORECAST" not in render_html(plain)
    data = build_report_data(rows, _report_run(forecast=True))
    html = render_html(data)
    assert data["meta"]["forecast"] and "(FORECAST)" in data["meta"]["title"]
    assert "FORECAST: these are decisions as of 2025-07-01" in html
    assert "no court documents and no repository updates were written" in html
