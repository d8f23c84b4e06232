"""diff and explain, as pure functions over decision rows."""

from datetime import date

import polars as pl

from orchestration.audit.diff import compare, resolve_run, summarize
from orchestration.audit.explain import render


def _decisions(rows):
    cols = [
        "program",
        "charge_key",
        "subject_id",
        "determination",
        "relief",
        "eligible_on",
        "decisive_rule",
        "rules_version",
    ]
    return pl.DataFrame(
        [dict(zip(cols, r, strict=True)) for r in rows],
        schema={c: (pl.Date if c == "eligible_on" else pl.String) for c in cols},
    )


def test_diff_lists_changes_appearances_and_disappearances():
    before = _decisions(
        [
            ("p", "c1", "S1", "eligible", "reduce", None, "reduce_section", "v1"),
            ("p", "c2", "S2", "eligible", "dismiss", None, "dismiss_section", "v1"),
            ("p", "c3", "S3", "not_yet_eligible", "expunge", date(2026, 1, 1), "wait", "v1"),
            ("p", "c4", "S4", "eligible", "dismiss", None, "misdemeanor", "v1"),
        ]
    )
    after = _decisions(
        [
            ("p", "c1", "S1", "eligible", "dismiss", None, "age_threshold", "v2"),  # relief changed
            ("p", "c2", "S2", "eligible", "dismiss", None, "dismiss_section", "v2"),  # same
            ("p", "c3", "S3", "not_yet_eligible", "expunge", date(2027, 1, 1), "wait", "v2"),
            ("p", "c5", "S5", "needs_review", None, None, "scope", "v2"),  # new
        ]
    )
    changes = compare(before, after)
    assert changes["charge_key"].to_list() == ["c1", "c3", "c4", "c5"]
    got = {
        r["charge_key"]: (r["determination_before"], r["determination_after"])
        for r in changes.iter_rows(named=True)
    }
    assert got["c4"] == ("eligible", "absent") and got["c5"] == ("absent", "needs_review")
    summary = summarize(changes)
    assert summary["charges"].sum() == 4


def test_resolve_run_by_prefix_and_default():
    runs = pl.DataFrame({"run_id": ["aaa111", "bbb222", "bbc333"]})
    assert resolve_run(runs, None, -1) == "bbc333"
    assert resolve_run(runs, None, -2) == "bbb222"
    assert resolve_run(runs, "aaa", -1) == "aaa111"
    for ambiguous in ("bb", "zzz"):
        try:
            resolve_run(runs, ambiguous, -1)
        except ValueError as e:
            assert "matches" in str(e)
        else:
            raise AssertionError("expected an error")


def test_explain_renders_a_tree_with_the_decisive_rule():
    decisions = pl.DataFrame(
        [
            {
                "person_key": "doj:1",
                "subject_id": "1",
                "source_system": "doj",
                "jurisdiction": "US-CA",
                "as_of": date(2025, 7, 1),
                "program": "us_ca_prop64",
                "rules_version": "us_ca_prop64@x",
                "charge_key": "k",
                "charge_ref": "101002001000",
                "offense_raw": "11358 HS",
                "statute": "CA:HS:11358",
                "disposition": "convicted",
                "conviction_date": date(2014, 2, 11),
                "conviction_date_raw": "20140211",
                "offense_level": "felony",
                "source_file": "x.csv",
                "source_line": 7,
                "determination": "eligible",
                "relief": "dismiss",
                "eligible_on": None,
                "reasons": "County dismisses all HS 11358 convictions [H&S 11361.8]",
                "missing_facts": None,
            }
        ]
    )
    criteria = pl.DataFrame(
        [
            {
                "program": "us_ca_prop64",
                "charge_key": "k",
                "rule_id": "post_prop64",
                "is_decisive_rule": False,
                "citations": "AUMA",
                "result": "not_met",
                "description": "disposition_date after 2016-11-09",
                "fact": "disposition_date=2014-02-11",
                "ready_on": None,
            },
            {
                "program": "us_ca_prop64",
                "charge_key": "k",
                "rule_id": "dismiss_section",
                "is_decisive_rule": True,
                "citations": "county policy",
                "result": "met",
                "description": "section in 11357, 11358",
                "fact": "statute=CA:HS:11358",
                "ready_on": None,
            },
        ]
    )
    text = render(decisions, criteria)
    assert "Person 1 (doj, US-CA), as of 2025-07-01" in text
    assert "=> ELIGIBLE (dismiss): County dismisses all HS 11358" in text
    assert "rule dismiss_section <- decided here" in text
    assert "[not met] disposition_date after 2016-11-09: disposition_date=2014-02-11" in text
    assert "[x.csv:7]" in text
