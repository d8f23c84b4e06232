"""Run report: rendered from the rpt_* models' rows (hand-made here; the models themselves, built
by dbt, are checked in tests/integration/test_report_models.py), HTML/PDF/PNG outputs, layout
(results first, the checks in a final appendix, US Letter, 1280 px), and the structure: every
figure comes from an rpt_ model.

_fabricate / _row / _conv make decision rows: the integration test builds the models from them."""

import ast
import inspect
import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import yaml
from pypdf import PdfReader

from orchestration.exports import report as report_module
from orchestration.exports.report import (
    ALL_PROGRAMS,
    ANY_PROGRAM,
    FELONY_CLEARING_RELIEF,
    NOT_RECORDED,
    REMOVING_RELIEF,
    REPORT_MODELS,
    SUPPRESSED,
    UPCOMING_MONTHS,
    build_report_data,
    render_pdf,
    scope_rows,
    write_report,
)
from orchestration.lib.settings import PROJECT_ROOT

AS_OF = date(2025, 7, 1)
PROGRAMS = ("us_ca_pc_1203_425", "us_ca_pc_851_93", "us_ca_prop64")
TITLES = {  # the rulebook's titles (exp_programs.title)
    "us_ca_prop64": "California Prop 64: dismissal or reduction of cannabis convictions",
    "us_ca_pc_1203_425": "California PC 1203.425: automatic conviction relief",
    "us_ca_pc_851_93": "California PC 851.93: automatic arrest relief",
}
RELIEF = {
    "us_ca_prop64": "dismiss",
    "us_ca_pc_1203_425": "conviction_relief",
    "us_ca_pc_851_93": "arrest_relief",
}
COUNTIES = ("SAN JOAQUIN", "YOLO", "LOS ANGELES", "fresno", None)
# One deliberately tiny race group (suppressed) and blank/null ("Not recorded").
RACES = ["WHITE"] * 6 + ["HISPANIC"] * 6 + ["BLACK"] * 4 + ["ASIAN"] * 2 + [None, ""]
GENDERS = ["M"] * 5 + ["F"] * 4 + ["X", None]
HEADINGS = (
    "1. Decisions",
    "2. People",
    "3. Upcoming eligibility",
    "4. Disparities by race and gender",
    "5. Charts",
    "6. Run and inputs",
    "Notes and definitions",
    "Appendix: data-quality checks",
)


def _run() -> dict:
    return {
        # run_id / generated_at belong in manifest.json: the report must ignore them
        "run_id": "run-1234",
        "as_of": AS_OF.isoformat(),
        "generated_at": "2025-07-02T03:04:05Z",
        "git_revision": "0c19937",
        "git_dirty": True,
        "rules_versions": {p: "2025.1" for p in PROGRAMS},
        "program_titles": dict(TITLES),
        "inputs": [
            {"file": "extract.csv", "sha256": "ab" * 32, "rows": 4000, "rejected": 3},
            {"file": "ut_courts/persons.csv", "sha256": "cd" * 32, "rows": 900, "rejected": 0},
        ],
        "quality": [
            {"check": "unique_decision", "passed": True, "description": "one row per charge"},
            {"check": "dates <sane>", "passed": False, "description": "3 dates & 1 <bad>"},
        ],
    }


def _fabricate(seed: int = 11, people: int = 900) -> tuple[pl.DataFrame, pl.DataFrame]:
    rnd = random.Random(seed)
    dec, conv = [], []
    for i in range(people):
        pk = f"P{i:05d}"
        sid = f"SUBJ{i:07d}"
        race = "PACIFIC ISLANDER" if i < 4 else rnd.choice(RACES)
        gender = rnd.choice(GENDERS)
        county = rnd.choice(COUNTIES)
        for j in range(rnd.randint(1, 4)):
            ck = f"{pk}-C{j}"
            felony = rnd.choice([True, False, False, None])
            conv.append({"person_key": pk, "charge_key": ck, "is_felony": felony})
            for prog in rnd.sample(PROGRAMS, rnd.randint(1, 3)):
                det = rnd.choices(
                    ["eligible", "not_eligible", "not_yet_eligible", "needs_review"],
                    weights=[5, 3, 2, 1],
                )[0]
                relief = None
                if det in ("eligible", "not_yet_eligible"):
                    relief = RELIEF[prog]
                    if prog == "us_ca_prop64" and felony and rnd.random() < 0.5:
                        relief = "reduce"
                eligible_on = None
                if det == "not_yet_eligible" and rnd.random() < 0.9:
                    eligible_on = AS_OF + timedelta(days=rnd.randint(-20, 900))
                dec.append(
                    {
                        "charge_key": ck,
                        "person_key": pk,
                        "subject_id": sid,
                        "program": prog,
                        "jurisdiction": "US-CA",
                        "county": county,
                        "section": rnd.choice(
                            ["11357", "11358", "11359", "11360", "459", "484", "10851", None]
                        ),
                        "statute": "CA:HS:11357",
                        "offense_level": "felony" if felony else None,
                        "is_felony": felony,
                        "determination": det,
                        "relief": relief,
                        "eligible_on": eligible_on,
                        "decisive_rule": "r1",
                        "as_of": AS_OF,
                        "rules_version": "2025.1",
                        "gender": gender,
                        "race": race,
                    }
                )
    schema = {"eligible_on": pl.Date, "as_of": pl.Date, "is_felony": pl.Boolean}
    return (
        pl.DataFrame(dec, schema_overrides=schema),
        pl.DataFrame(conv, schema_overrides={"is_felony": pl.Boolean}),
    )


_SCHEMA = {"eligible_on": pl.Date, "as_of": pl.Date, "is_felony": pl.Boolean}


def _row(person, charge, program, det, relief, *, race="WHITE", gender="F", felony=None):
    return {
        "charge_key": charge,
        "person_key": person,
        "subject_id": "S-" + person,
        "program": program,
        "jurisdiction": "US-CA",
        "county": "YOLO",
        "section": "11357",
        "statute": "CA:HS:11357",
        "offense_level": None,
        "is_felony": felony,
        "determination": det,
        "relief": relief,
        "eligible_on": None,
        "decisive_rule": "r",
        "as_of": AS_OF,
        "rules_version": "v",
        "gender": gender,
        "race": race,
    }


def _conv(rows):
    return pl.DataFrame(
        [{"person_key": p, "charge_key": c, "is_felony": f} for p, c, f in rows],
        schema={"person_key": pl.String, "charge_key": pl.String, "is_felony": pl.Boolean},
    )


# --------------------------------------------------------------------------------------------
# The rpt_ models' rows (what the report is built from): hand-made, typed as the models


SCHEMAS: dict[str, dict[str, Any]] = {
    "rpt_decision_counts": {
        "county": pl.String,
        "program": pl.String,
        "jurisdiction": pl.String,
        "section": pl.String,
        "determination": pl.String,
        "relief": pl.String,
        "decisions": pl.Int64,
    },
    "rpt_people": {
        "county": pl.String,
        "program": pl.String,
        "decisions": pl.Int64,
        "charges": pl.Int64,
        "people": pl.Int64,
        "people_with_relief": pl.Int64,
        "people_no_conviction_left": pl.Int64,
        "people_no_felony_left": pl.Int64,
    },
    "rpt_people_on_record": {"people_with_conviction": pl.Int64, "people_with_felony": pl.Int64},
    "rpt_upcoming_eligibility": {
        "county": pl.String,
        "program": pl.String,
        "period": pl.String,
        "month": pl.String,
        "decisions": pl.Int64,
        "people": pl.Int64,
    },
    "rpt_disparity": {
        "county": pl.String,
        "program": pl.String,
        "dimension": pl.String,
        "group_label": pl.String,
        "people": pl.Int64,
        "people_with_relief": pl.Int64,
    },
    "rpt_input_files": {
        "source_system": pl.String,
        "file": pl.String,
        "sha256": pl.String,
        "records": pl.Int64,
        "rejected": pl.Int64,
        "unread_offense_texts": pl.Int64,
    },
}


def _rows(**given: list[dict]) -> dict[str, pl.DataFrame]:
    """Every model's rows: `given`'s, the others empty."""
    out = {}
    for name, schema in SCHEMAS.items():
        rows = [{c: r.get(c) for c in schema} for r in given.get(name, [])]
        out[name] = pl.DataFrame(rows, schema=schema, orient="row")
    return out


def _report_run(**extra: Any) -> dict:
    return {**_run(), "decision_set": "0123456789ab", **extra}


def _fabricated_rows(seed: int = 11) -> dict[str, pl.DataFrame]:
    """A statewide run's rows, random but consistent enough to draw: three laws, five counties
    (one recorded as none), eight sections, 24 months and more, race and gender groups (one
    tiny), two input files."""
    rnd = random.Random(seed)
    counts, people, upcoming, disparity = [], [], [], []
    for county in ("SAN JOAQUIN", "YOLO", "LOS ANGELES", "FRESNO", NOT_RECORDED):
        for program in PROGRAMS:
            for section in ("11357", "11358", "459", "484", "(not parsed)"):
                for det in ("eligible", "not_eligible", "not_yet_eligible", "needs_review"):
                    relief = RELIEF[program] if det in ("eligible", "not_yet_eligible") else None
                    counts.append(
                        {
                            "county": county,
                            "program": program,
                            "jurisdiction": "US-CA",
                            "section": section,
                            "determination": det,
                            "relief": relief,
                            "decisions": rnd.randint(1, 40),
                        }
                    )
    for program in (*PROGRAMS, None):
        n = rnd.randint(300, 900)
        people.append(
            {
                "program": program,
                "decisions": 3 * n,
                "charges": 2 * n,
                "people": n,
                "people_with_relief": n // 2,
                "people_no_conviction_left": n // 5,
                "people_no_felony_left": n // 7,
            }
        )
        for i in range(25):  # 24 months, then the later ones together
            month = f"{2025 + (6 + i) // 12}-{(6 + i) % 12 + 1:02d}"
            period = "month" if i < 24 else "after"
            upcoming.append(
                {
                    "program": program,
                    "period": period,
                    "month": month if period == "month" else None,
                    "decisions": rnd.randint(0, 30),
                    "people": rnd.randint(0, 20),
                }
            )
        upcoming.append({"program": program, "period": "undated", "decisions": 7, "people": 5})
        upcoming.append({"program": program, "period": "all", "decisions": 400, "people": 300})
        for dimension, groups in (
            ("race", ["WHITE", "HISPANIC", "BLACK", "ASIAN", "PACIFIC ISLANDER", NOT_RECORDED]),
            ("gender", ["Male", "Female", "X (nonbinary)", NOT_RECORDED]),
        ):
            for g in groups:
                size = 4 if g == "PACIFIC ISLANDER" else rnd.randint(20, 200)
                disparity.append(
                    {
                        "program": program,
                        "dimension": dimension,
                        "group_label": g,
                        "people": size,
                        "people_with_relief": rnd.randint(0, size) if size > 4 else 2,
                    }
                )
    return _rows(
        rpt_decision_counts=counts,
        rpt_people=people,
        rpt_people_on_record=[{"people_with_conviction": 1500, "people_with_felony": 600}],
        rpt_upcoming_eligibility=upcoming,
        rpt_disparity=disparity,
        rpt_input_files=[
            {"file": "ut_courts/persons.csv", "sha256": "cd" * 32, "records": 900, "rejected": 0},
            {
                "file": "extract.csv",
                "sha256": "ab" * 32,
                "records": 4000,
                "rejected": 3,
                "unread_offense_texts": 12,
            },
        ],
    )


@pytest.fixture(scope="module")
def fabricated():
    rows = _fabricated_rows()
    return rows, build_report_data(rows, _report_run())


@pytest.fixture(scope="module")
def written(fabricated, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(out, fabricated[1])


def _table_of(data: dict, title: str) -> dict:
    return next(
        t
        for s in [*data["sections"], *data["appendix"]]
        for t in s["tables"]
        if t["title"].startswith(title)
    )


def test_decision_tables_are_sums_of_the_decision_counts(fabricated):
    rows, data = fabricated
    counts = rows["rpt_decision_counts"]
    m = data["metrics"]
    expected = counts.group_by(["program", "determination"]).agg(pl.col("decisions").sum())
    for r in expected.iter_rows(named=True):
        assert m["by_program_determination"][r["program"]][r["determination"]] == r["decisions"]
    assert m["decisions"] == counts["decisions"].sum()
    yolo = counts.filter((pl.col("county") == "YOLO") & (pl.col("program") == "us_ca_prop64"))
    for r in yolo.group_by("determination").agg(pl.col("decisions").sum()).iter_rows(named=True):
        assert (
            m["by_county_program_determination"]["YOLO|us_ca_prop64"][r["determination"]]
            == r["decisions"]
        )
    table = _table_of(data, "Decisions by county")
    assert table["rows"][-1][0] == NOT_RECORDED  # the county recorded as none: last
    assert len(m["by_section_determination"]) == 5  # fewer than 25 distinct: all shown
    n459 = counts.filter(pl.col("section") == "459")["decisions"].sum()
    assert sum(m["by_section_determination"]["US-CA|459"].values()) == n459


def test_people_table_is_rpt_people(fabricated):
    rows, data = fabricated
    table = _table_of(data, "People by program")
    expected = {
        TITLES.get(r["program"], ANY_PROGRAM): r for r in rows["rpt_people"].iter_rows(named=True)
    }
    assert [r[0] for r in table["rows"]] == [*(TITLES[p] for p in PROGRAMS), ANY_PROGRAM]
    for label, people, relief, no_conviction, no_felony in table["rows"]:
        e = expected[label]
        assert [people, relief, no_conviction, no_felony] == [
            f"{e[k]:,}"
            for k in (
                "people",
                "people_with_relief",
                "people_no_conviction_left",
                "people_no_felony_left",
            )
        ]
    assert "Of 1,500 people with at least one conviction on record, 600 have" in table["note"]
    any_program = expected[ANY_PROGRAM]
    opening = data["sections"][0]["paragraphs"][0]
    assert opening == (
        f"{any_program['decisions']:,} decisions on {any_program['charges']:,} charges of "
        f"{any_program['people']:,} people, under 3 program(s)."
    )


def test_upcoming_table_maps_the_periods(fabricated):
    rows, data = fabricated
    m = data["metrics"]
    months = m["upcoming_months"]
    assert len(months) == 24 and months[0] == "2025-07" and months[-1] == "2027-06"
    up = rows["rpt_upcoming_eligibility"]
    for r in up.filter(pl.col("period") == "month").iter_rows(named=True):
        if r["program"] is None:
            assert m["upcoming_people"][r["month"]] == r["people"]
        else:
            assert m["upcoming"][r["program"]][r["month"]] == r["decisions"]
    after = up.filter((pl.col("period") == "after") & pl.col("program").is_null())
    assert m["upcoming_people"]["After 2027-06"] == after["people"].sum()
    table = _table_of(data, "Not-yet-eligible")
    labels = [r[0] for r in table["rows"]]
    assert labels == [*months, "After 2027-06", "No date known", "All dates"]  # none before
    assert table["rows"][-1][-2:] == ["400", "300"]  # the 'all' row of every law


def test_disparity_rates_and_suppression(fabricated):
    rows, data = fabricated
    d = rows["rpt_disparity"].filter((pl.col("dimension") == "race") & pl.col("program").is_null())
    total, total_relief = d["people"].sum(), d["people_with_relief"].sum()
    got = {r["group"]: r for r in data["metrics"]["disparity"]["race"][ALL_PROGRAMS]}
    for g in d.iter_rows(named=True):
        r = got[g["group_label"]]
        assert (r["people"], r["with_relief"]) == (g["people"], g["people_with_relief"])
        assert r["relief_rate"] == pytest.approx(g["people_with_relief"] / g["people"])
        assert r["share_of_relief"] == pytest.approx(g["people_with_relief"] / total_relief)
        assert r["share_of_decided"] == pytest.approx(g["people"] / total)
    assert got["PACIFIC ISLANDER"]["suppressed"]
    # largest first, "Not recorded" last
    order = [r["group"] for r in data["metrics"]["disparity"]["race"][ALL_PROGRAMS]]
    assert order[-1] == NOT_RECORDED
    sizes = [got[g]["people"] for g in order[:-1]]
    assert sizes == sorted(sizes, reverse=True)
    table = _table_of(data, f"By race: {ALL_PROGRAMS}")
    shown = {row[0]: row for row in table["rows"]}
    assert shown["PACIFIC ISLANDER"][1:3] == [SUPPRESSED, SUPPRESSED]
    assert "%" not in "".join(shown["PACIFIC ISLANDER"])
    white = got["WHITE"]
    assert shown["WHITE"][1] == f"{white['people']:,}"
    chart = next(c for c in data["charts"] if c["id"] == "relief_rate_by_race")
    assert "PACIFIC ISLANDER" not in chart["categories"] and "WHITE" in chart["categories"]
    genders = {r["group"] for r in data["metrics"]["disparity"]["gender"][ALL_PROGRAMS]}
    assert genders == {"Male", "Female", "X (nonbinary)", NOT_RECORDED}


def test_relief_count_between_1_and_9_is_suppressed():
    rows = _rows(
        rpt_disparity=[
            {
                "program": "us_ca_prop64",
                "dimension": "race",
                "group_label": "BLACK",
                "people": 12,
                "people_with_relief": 3,
            },
            {
                "program": None,
                "dimension": "race",
                "group_label": "BLACK",
                "people": 12,
                "people_with_relief": 3,
            },
        ]
    )
    table = _table_of(build_report_data(rows, _report_run()), f"By race: {ALL_PROGRAMS}")
    assert table["rows"][0][:4] == ["BLACK", "12", SUPPRESSED, "–"]


def _outside_the_laws_table(html: str) -> str:
    """The report's HTML without the run section's Laws table (the one place ids are printed)."""
    start = html.index("<h3>Laws: ")
    end = html.index("</table>", start)
    assert html.count("<h3>Laws: ") == 1
    return html[:start] + html[end:]


TWO_LAWS = {
    "us_ca_prop64": "California Prop 64: dismissal or reduction of cannabis convictions",
    "us_ut_clean_slate": "Utah 77-40a-205: clean slate automatic expungement of conviction and "
    "plea-in-abeyance cases",
}


def _two_laws_rows() -> dict[str, pl.DataFrame]:
    counts, people, upcoming, disparity = [], [], [], []
    for program, jurisdiction in (("us_ca_prop64", "US-CA"), ("us_ut_clean_slate", "US-UT")):
        for det, n in (("eligible", 40), ("not_yet_eligible", 12), ("not_eligible", 9)):
            counts.append(
                {
                    "county": "YOLO",
                    "program": program,
                    "jurisdiction": jurisdiction,
                    "section": "11357",
                    "determination": det,
                    "relief": None if det == "not_eligible" else "expunge",
                    "decisions": n,
                }
            )
        upcoming.append(
            {
                "program": program,
                "period": "month",
                "month": "2025-09",
                "decisions": 12,
                "people": 9,
            }
        )
        for g, size in (("WHITE", 30), ("BLACK", 20)):
            disparity.append(
                {
                    "program": program,
                    "dimension": "race",
                    "group_label": g,
                    "people": size,
                    "people_with_relief": size // 2,
                }
            )
    for program in (*TWO_LAWS, None):
        people.append(
            {
                "program": program,
                "decisions": 61,
                "charges": 61,
                "people": 50,
                "people_with_relief": 25,
                "people_no_conviction_left": 10,
                "people_no_felony_left": 5,
            }
        )
    upcoming.append(
        {"program": None, "period": "month", "month": "2025-09", "decisions": 24, "people": 18}
    )
    return _rows(
        rpt_decision_counts=counts,
        rpt_people=people,
        rpt_upcoming_eligibility=upcoming,
        rpt_disparity=disparity,
    )


def test_laws_are_named_by_their_titles_and_ids_only_in_the_laws_table(tmp_path):
    """Titles where there is room (per-law rows, headings), the short label before the colon
    where there is not (column headings, chart labels); the program id and rules version once,
    in the run section's Laws table. The metrics stay keyed by program id."""
    run = _report_run(
        rules_versions={"us_ca_prop64": "us_ca_prop64@3.1", "us_ut_clean_slate": "ut-2.0"},
        program_titles=dict(TWO_LAWS),
    )
    data = build_report_data(_two_laws_rows(), run)
    prop64, utah = TWO_LAWS["us_ca_prop64"], TWO_LAWS["us_ut_clean_slate"]
    assert [r[0] for r in _table_of(data, "Decisions by program and determination")["rows"]] == [
        prop64,
        utah,
        ALL_PROGRAMS,
    ]
    assert [r[0] for r in _table_of(data, "People by program")["rows"]] == [
        prop64,
        utah,
        ANY_PROGRAM,
    ]
    assert [r[1] for r in _table_of(data, "Decisions by county")["rows"]] == [
        "California Prop 64",
        "Utah 77-40a-205",
    ]
    assert _table_of(data, "Not-yet-eligible")["columns"] == [
        "Month",
        "California Prop 64",
        "Utah 77-40a-205",
        "All programs",
        "People",
    ]
    _table_of(data, f"By race: {prop64}")
    _table_of(data, f"By gender: {utah}")
    charts = {c["id"]: c for c in data["charts"]}
    assert charts["determinations_by_program"]["categories"] == [
        "California Prop 64",
        "Utah 77-40a-205",
    ]
    assert [s["label"] for s in charts["upcoming_by_month"]["series"]] == [
        "California Prop 64",
        "Utah 77-40a-205",
    ]
    assert _table_of(data, "Laws")["rows"] == [
        ["California Prop 64", prop64, "us_ca_prop64", "us_ca_prop64@3.1"],
        ["Utah 77-40a-205", utah, "us_ut_clean_slate", "ut-2.0"],
    ]
    m = data["metrics"]  # machine-readable: by program id
    assert set(m["by_program_determination"]) == set(TWO_LAWS)
    assert set(m["upcoming"]) == set(TWO_LAWS)
    assert set(m["people"]) == {*TWO_LAWS, ANY_PROGRAM}
    assert set(m["disparity"]["race"]) == {ALL_PROGRAMS, *TWO_LAWS}

    files = write_report(tmp_path, data)
    html = files["html"].read_text(encoding="utf-8")
    for label in (prop64, utah, "California Prop 64", "Utah 77-40a-205"):
        assert label in html, label
    rest = _outside_the_laws_table(html)
    for program in TWO_LAWS:
        assert program in html  # in the Laws table
        assert program not in rest and program.replace("_", "_<wbr>") not in rest, program
    flat = "".join("".join(p.extract_text() for p in PdfReader(str(files["pdf"])).pages).split())
    assert flat.count("us_ut_clean_slate") == 1  # the Laws table's row, nowhere else
    assert flat.count("us_ca_prop64") == 2  # its id and its rules version there
    assert "".join("Utah 77-40a-205".split()) in flat


def test_law_labels_fall_back_and_stay_distinct():
    labels = report_module.law_labels(
        ["a_law", "b_law", "c_law", "d_law", "e_law"],
        {
            "a_law": "Utah 77-40a-205: clean slate",
            "b_law": "Utah 77-40a-205: acquittals",  # same short label as a_law
            "c_law": "No colon in this title",
            "d_law": None,  # no title: the id
        },
    )
    assert {p: (x["short"], x["title"]) for p, x in labels.items()} == {
        "a_law": ("Utah 77-40a-205: clean slate", "Utah 77-40a-205: clean slate"),
        "b_law": ("Utah 77-40a-205: acquittals", "Utah 77-40a-205: acquittals"),
        "c_law": ("No colon in this title", "No colon in this title"),
        "d_law": ("d_law", "d_law"),
        "e_law": ("e_law", "e_law"),
    }
    same = report_module.law_labels(["x", "y"], {"x": "Same: title", "y": "Same: title"})
    assert [x["short"] for x in same.values()] == ["Same: title", "Same: title [2]"]
    assert [x["title"] for x in same.values()] == ["Same: title", "Same: title [2]"]


def test_inputs_table_is_rpt_input_files(fabricated):
    _, data = fabricated
    table = _table_of(data, "Inputs")
    assert table["rows"] == [
        ["extract.csv", "abababababab…", "4,000", "3", "12"],
        ["ut_courts/persons.csv", "cdcdcdcdcdcd…", "900", "0", ""],
    ]


def test_results_first_then_the_run_then_notes_and_the_checks_last(fabricated, written):
    _, data = fabricated
    assert [s["id"] for s in data["sections"]] == [
        "decisions",
        "people",
        "upcoming",
        "disparity",
        "charts",
        "run",
    ]
    assert [s["id"] for s in data["appendix"]] == ["checks"]
    assert _table_of(data, "Data-quality checks")["rows"][1][:2] == ["dates <sane>", "FAIL"]
    _, files = written
    html = files["html"].read_text(encoding="utf-8")
    at = [html.index(f"<h2>{h}</h2>") for h in HEADINGS]
    assert at == sorted(at)
    assert html.rindex("<h2>") == html.index(f"<h2>{HEADINGS[-1]}</h2>")  # the appendix: last
    pages = [p.extract_text() for p in PdfReader(str(files["pdf"])).pages]
    assert "Appendix: data-quality checks" in pages[-1]
    assert "1. Decisions" in pages[0]  # the results on the first page


def test_pdf_is_us_letter(written):
    _, files = written
    for page in PdfReader(str(files["pdf"])).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (
            612,
            792,
        )


def test_html_fits_a_1280_px_window(written):
    """One column of at most 1100 px; a table wider than it scrolls in its own box; the print
    page is US Letter."""
    _, files = written
    html = files["html"].read_text(encoding="utf-8")
    assert re.search(r"body \{[^}]*max-width: 1100px", html)
    assert re.search(r"\.table-wrap \{[^}]*overflow-x: auto", html)
    assert html.count('<div class="table-wrap"><table>') == html.count("<table>")
    assert "@page { size: letter" in html
    assert 'img src="charts/' in html and "figure img { max-width: 100%" in html


def test_html_escaping_and_no_ids(fabricated, written):
    _, files = written
    html = files["html"].read_text(encoding="utf-8")
    rest = _outside_the_laws_table(html)
    for program, title in TITLES.items():  # the laws by title; their ids in the Laws table only
        assert title in rest and program in html and program not in rest, program
    for h in HEADINGS:
        assert h in html
    assert "dates &lt;sane&gt;" in html and "<sane>" not in html  # autoescape
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no external resources
    for chart in files["charts"].values():
        assert f'src="charts/{chart.name}"' in html


def test_charts_are_png(written):
    out, files = written
    assert set(files["charts"]) == {
        "determinations_by_program",
        "upcoming_by_month",
        "relief_rate_by_race",
    }
    for path in files["charts"].values():
        assert path.parent == out / "charts"
        blob = path.read_bytes()
        assert blob[:8] == b"\x89PNG\r\n\x1a\n" and len(blob) > 5000
        assert b"Software" not in blob and b"tIME" not in blob


def test_pdf_has_sections_and_images(written):
    _, files = written
    reader = PdfReader(str(files["pdf"]))
    flat = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for h in HEADINGS:
        assert h in flat, h
    assert sum(len(page.images) for page in reader.pages) >= 3
    assert reader.metadata.creation_date.date() == AS_OF


def test_same_rows_same_bytes(fabricated, written, tmp_path):
    again = write_report(tmp_path, build_report_data(_fabricated_rows(), _report_run()))
    _, first = written
    assert again["sha256"] == first["sha256"]
    assert again["html"].read_bytes() == first["html"].read_bytes()


def test_no_run_id_or_clock_in_the_report_only_the_decision_set_reference(fabricated, written):
    rows, data = fabricated
    _, files = written
    assert data["meta"]["decision_set"] == "0123456789ab"
    assert "run_id" not in data["meta"] and "generated_at" not in data["meta"]
    html = files["html"].read_text(encoding="utf-8")
    pdf_text = " ".join(p.extract_text() for p in PdfReader(str(files["pdf"])).pages)
    for text in (html, pdf_text):
        assert "run-1234" not in text and "2025-07-02" not in text and "03:04" not in text
        assert "0123456789ab" in text
    other = {**_report_run(), "run_id": "run-9999", "generated_at": "2031-01-01T00:00:00Z"}
    assert build_report_data(rows, other) == data


def test_pdf_without_unicode_font(fabricated, tmp_path):
    _, data = fabricated
    files = write_report(tmp_path, data)
    blob = render_pdf(data, Path(files["html"]).parent, font_dir=None)
    text = " ".join(p.extract_text() for p in PdfReader(_bytes_io(blob)).pages)
    assert "2. People" in " ".join(text.split())


def test_empty_rows(tmp_path):
    """No decision in the scope (a county without any): every table says so, nothing fails."""
    data = build_report_data(_rows(), _report_run())
    assert data["metrics"]["people"][ANY_PROGRAM]["people"] == 0
    assert data["sections"][0]["paragraphs"] == [
        "0 decisions on 0 charges of 0 people, under 0 program(s)."
    ]
    files = write_report(tmp_path, data)
    assert files["pdf"].stat().st_size > 0


def test_a_missing_model_or_column_is_named():
    rows = _rows()
    with pytest.raises(ValueError, match="rpt_disparity"):
        build_report_data({k: v for k, v in rows.items() if k != "rpt_disparity"}, _report_run())
    rows["rpt_people"] = rows["rpt_people"].drop("people_no_felony_left")
    with pytest.raises(ValueError, match="people_no_felony_left"):
        build_report_data(rows, _report_run())


def test_scope_rows_one_county_or_every_county():
    """A --county run takes its county's rows; a run of every county the all-counties rows
    (county NULL) where people are counted, and every county's decision counts (they add up)."""
    people = [
        {"county": None, "program": None, "people": 7},
        {"county": "YOLO", "program": None, "people": 6},
        {"county": "ALPINE", "program": None, "people": 2},
    ]
    counts = [
        {"county": "YOLO", "program": "p", "determination": "eligible", "decisions": 9},
        {"county": "ALPINE", "program": "p", "determination": "eligible", "decisions": 2},
    ]
    rows = _rows(
        rpt_people=people,
        rpt_decision_counts=counts,
        rpt_people_on_record=[{"people_with_conviction": 8, "people_with_felony": 5}],
    )
    every = scope_rows(rows, None)
    assert every["rpt_people"]["people"].to_list() == [7]
    assert every["rpt_decision_counts"]["decisions"].sum() == 11
    yolo = scope_rows(rows, "YOLO")
    assert yolo["rpt_people"]["people"].to_list() == [6]
    assert yolo["rpt_decision_counts"]["decisions"].sum() == 9
    assert yolo["rpt_people_on_record"].height == 1  # the whole record, in every scope


# --------------------------------------------------------------------------------------------
# Structure: every figure comes from an rpt_ model


def test_the_report_takes_aggregated_rows_not_decisions():
    """build_report_data takes the rpt_ models' rows and the run; the report kind reads the
    models through the warehouse (load.REPORT_SQL) and neither the decision rows it is given
    nor the frames' decisions or convictions."""
    from orchestration.exports import load
    from orchestration.exports.file_kinds import report as kind

    assert list(inspect.signature(build_report_data).parameters) == ["rows", "run"]
    assert set(REPORT_MODELS) <= set(load.EXPORT_MODELS)
    assert set(load.REPORT_SQL) == set(REPORT_MODELS)
    for name, sql in load.REPORT_SQL.items():
        assert f"from main.{name}" in sql, name
        assert all(c in sql for c in REPORT_MODELS[name]), name
    tree = ast.parse(inspect.getsource(kind))
    attributes = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    assert not attributes & {"decisions", "convictions", "decision_counts"}, attributes
    for method in ("prepare", "write"):
        fn = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == method)
        used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)}
        assert not used & {"decisions", "batches"}, (method, used)
    # the renderer reads no per-decision column
    source = inspect.getsource(report_module)
    for column in ("person_key", "charge_key", "eligible_on", "decision_set_reference"):
        assert column not in source.split('"""', 2)[2], column


def test_every_report_model_is_a_documented_contract_and_the_sql_agrees():
    """Each rpt_ model the report reads is in marts/reporting with its YAML contract; the SQL
    counts with report.py's reliefs and upcoming window."""
    folder = PROJECT_ROOT / "dbt_project" / "models" / "marts" / "reporting"
    documented = {
        m["name"]: m for f in folder.glob("_*.yml") for m in yaml.safe_load(f.read_text())["models"]
    }
    for name, columns in REPORT_MODELS.items():
        assert (folder / f"{name}.sql").is_file(), name
        assert set(columns) <= {c["name"] for c in documented[name]["columns"]}, name
    people = (folder / "rpt_people.sql").read_text()
    lists = re.findall(r"relief in \(\s*([^)]*)\)", people)
    assert [set(re.findall(r"'(\w+)'", x)) for x in lists] == [
        set(REMOVING_RELIEF),
        set(FELONY_CLEARING_RELIEF),
    ]
    upcoming = (folder / "rpt_upcoming_eligibility.sql").read_text()
    assert f"{{%- set upcoming_months -%}}{UPCOMING_MONTHS}{{%- endset %}}" in upcoming


def _bytes_io(blob: bytes):
    import io

    return io.BytesIO(blob)
