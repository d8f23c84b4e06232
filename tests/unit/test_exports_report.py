"""Run report: numbers against independent polars computations, HTML/PDF/PNG outputs."""

import random
import re
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from orchestration.exports.publish import decision_set_reference
from orchestration.exports.report import (
    ALL_PROGRAMS,
    ANY_PROGRAM,
    NOT_RECORDED,
    SUPPRESSED,
    build_report_data,
    render_pdf,
    write_report,
)
from orchestration.exports.writers import normalize_county

AS_OF = date(2025, 7, 1)
PROGRAMS = ("us_ca_pc_1203_425", "us_ca_pc_851_93", "us_ca_prop64")
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
    "1. Run, inputs and data quality",
    "2. Decisions",
    "3. People",
    "4. Upcoming eligibility",
    "5. Disparities by race and gender",
    "6. Charts",
    "Notes and definitions",
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


@pytest.fixture(scope="module")
def fabricated():
    decisions, convictions = _fabricate()
    return decisions, convictions, build_report_data(decisions, convictions, _run())


@pytest.fixture(scope="module")
def written(fabricated, tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    return out, write_report(out, fabricated[2])


def test_fabricated_is_big_enough(fabricated):
    decisions, _, _ = fabricated
    assert decisions.height > 2000
    assert decisions.filter(pl.col("determination") == "not_yet_eligible").height > 200


def test_counts_by_program_and_determination(fabricated):
    decisions, _, data = fabricated
    expected = decisions.group_by(["program", "determination"]).len()
    got = data["metrics"]["by_program_determination"]
    for r in expected.iter_rows(named=True):
        assert got[r["program"]][r["determination"]] == r["len"]
    assert sum(sum(c.values()) for c in got.values()) == decisions.height
    relief = decisions.filter(pl.col("relief").is_not_null()).group_by(["program", "relief"]).len()
    for r in relief.iter_rows(named=True):
        assert (
            sum(data["metrics"]["by_program_relief"][f"{r['program']}|{r['relief']}"].values())
            == r["len"]
        )


def test_counts_by_county_and_section(fabricated):
    decisions, _, data = fabricated
    m = data["metrics"]
    yolo = (
        decisions.filter((pl.col("county") == "YOLO") & (pl.col("program") == "us_ca_prop64"))
        .group_by("determination")
        .len()
    )
    for r in yolo.iter_rows(named=True):
        assert (
            m["by_county_program_determination"]["YOLO|us_ca_prop64"][r["determination"]]
            == (r["len"])
        )
    # "fresno" normalizes to FRESNO (as the county exports do); null county is "Not recorded".
    assert normalize_county(" fresno ") == "FRESNO"
    assert "FRESNO|us_ca_prop64" in m["by_county_program_determination"]
    assert f"{NOT_RECORDED}|us_ca_prop64" in m["by_county_program_determination"]
    n459 = decisions.filter(pl.col("section") == "459").height
    assert sum(m["by_section_determination"]["US-CA|459"].values()) == n459
    assert "US-CA|(not parsed)" in m["by_section_determination"]
    assert len(m["by_section_determination"]) == 8  # fewer than 25 distinct: all shown


def test_upcoming_by_month(fabricated):
    decisions, _, data = fabricated
    m = data["metrics"]
    months = m["upcoming_months"]
    assert len(months) == 24 and months[0] == "2025-07" and months[-1] == "2027-06"
    nye = decisions.filter(
        (pl.col("determination") == "not_yet_eligible")
        & (pl.col("eligible_on") >= date(2025, 7, 1))
        & (pl.col("eligible_on") < date(2027, 7, 1))
    ).with_columns(pl.col("eligible_on").dt.strftime("%Y-%m").alias("month"))
    expected = nye.group_by(["program", "month"]).len()
    for r in expected.iter_rows(named=True):
        assert m["upcoming"][r["program"]][r["month"]] == r["len"]
    for p in PROGRAMS:
        assert sum(m["upcoming"][p][x] for x in months) == nye.filter(pl.col("program") == p).height
    people = nye.group_by("month").agg(pl.col("person_key").n_unique())
    for r in people.iter_rows(named=True):
        assert m["upcoming_people"][r["month"]] == r["person_key"]
    undated = decisions.filter(
        (pl.col("determination") == "not_yet_eligible") & pl.col("eligible_on").is_null()
    ).height
    assert sum(m["upcoming"][p]["No date known"] for p in PROGRAMS) == undated > 0


def _person_race(decisions: pl.DataFrame) -> pl.DataFrame:
    return (
        decisions.group_by("person_key")
        .agg(
            pl.col("race").first(),
            (pl.col("determination").eq("eligible") & pl.col("relief").is_not_null())
            .any()
            .alias("relief"),
        )
        .with_columns(
            pl.when(pl.col("race").is_null() | (pl.col("race") == ""))
            .then(pl.lit(NOT_RECORDED))
            .otherwise(pl.col("race"))
            .alias("race")
        )
    )


def test_disparity_rates_and_suppression(fabricated):
    decisions, _, data = fabricated
    people = _person_race(decisions)
    total, total_relief = people.height, int(people["relief"].sum())
    rows = {r["group"]: r for r in data["metrics"]["disparity"]["race"][ALL_PROGRAMS]}
    for g in people.group_by("race").agg(pl.len(), pl.col("relief").sum()).iter_rows(named=True):
        r = rows[g["race"]]
        assert (r["people"], r["with_relief"]) == (g["len"], g["relief"])
        assert r["relief_rate"] == pytest.approx(g["relief"] / g["len"])
        assert r["share_of_relief"] == pytest.approx(g["relief"] / total_relief)
        assert r["share_of_decided"] == pytest.approx(g["len"] / total)
    assert rows["PACIFIC ISLANDER"]["people"] == 4 and rows["PACIFIC ISLANDER"]["suppressed"]
    assert NOT_RECORDED in rows
    # Display: the tiny group shows "<10" and no rate; big groups show their numbers.
    table = next(
        t for s in data["sections"] for t in s["tables"] if t["title"] == f"By race: {ALL_PROGRAMS}"
    )
    shown = {row[0]: row for row in table["rows"]}
    assert shown["PACIFIC ISLANDER"][1:3] == [SUPPRESSED, SUPPRESSED]
    assert "%" not in "".join(shown["PACIFIC ISLANDER"])
    white = rows["WHITE"]
    assert shown["WHITE"][1] == f"{white['people']:,}"
    assert shown["WHITE"][3] == f"{100 * white['relief_rate']:.1f}%"
    assert shown[NOT_RECORDED][0] == NOT_RECORDED
    # Suppressed groups are not drawn in the relief-rate chart.
    chart = next(c for c in data["charts"] if c["id"] == "relief_rate_by_race")
    assert "PACIFIC ISLANDER" not in chart["categories"] and "WHITE" in chart["categories"]
    genders = {r["group"] for r in data["metrics"]["disparity"]["gender"][ALL_PROGRAMS]}
    assert genders == {"Male", "Female", "X (nonbinary)", NOT_RECORDED}


def test_relief_count_between_1_and_9_is_suppressed():
    rows = []
    for i in range(12):  # 12 people, 3 of whom have relief: show "<10", withhold the rate
        rows.append(
            _row(
                f"P{i}",
                f"P{i}-1",
                "us_ca_prop64",
                "eligible" if i < 3 else "not_eligible",
                "dismiss" if i < 3 else None,
                race="BLACK",
            )
        )
    data = build_report_data(pl.DataFrame(rows, schema_overrides=_SCHEMA), _conv([]), _run())
    table = next(
        t for s in data["sections"] for t in s["tables"] if t["title"] == f"By race: {ALL_PROGRAMS}"
    )
    assert table["rows"][0][:4] == ["BLACK", "12", SUPPRESSED, "–"]


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


def test_people_no_longer_with_conviction_or_felony_hand_made():
    p64, pc = "us_ca_prop64", "us_ca_pc_1203_425"
    conv = _conv(
        [
            ("A", "A1", True),
            ("A", "A2", False),  # both dismissed by Prop 64: clear
            ("B", "B1", True),
            ("B", "B2", False),  # felony reduced, misdemeanor left
            ("C", "C1", False),
            ("C", "C2", False),  # one by Prop 64, one by 1203.425
            ("D", "D1", True),
            ("D", "D2", None),  # felony dismissed, unknown level not
            ("E", "E1", False),  # arrest relief only: still on record
            ("F", "F1", True),  # not yet eligible: not counted
            ("G", "G1", True),  # reduced: no felony, but the conviction stays on record
        ]
    )
    dec = pl.DataFrame(
        [
            _row("A", "A1", p64, "eligible", "dismiss", felony=True),
            _row("A", "A2", p64, "eligible", "dismiss", felony=False),
            _row("B", "B1", p64, "eligible", "reduce", felony=True),
            _row("B", "B2", p64, "not_eligible", None, felony=False),
            _row("C", "C1", p64, "eligible", "dismiss"),
            _row("C", "C2", pc, "eligible", "conviction_relief"),
            _row("D", "D1", p64, "eligible", "dismiss", felony=True),
            _row("D", "D2", p64, "needs_review", None),
            _row("E", "E1", "us_ca_pc_851_93", "eligible", "arrest_relief"),
            _row("F", "F1", pc, "not_yet_eligible", "conviction_relief", felony=True),
            _row("G", "G1", p64, "eligible", "reduce", felony=True),
        ],
        schema_overrides=_SCHEMA,
    )
    m = build_report_data(dec, conv, _run())["metrics"]
    people = m["people"]
    assert people[ANY_PROGRAM]["no_conviction"] == 2  # A, C (C only with both laws)
    assert people[p64]["no_conviction"] == 1  # A
    assert people[pc]["no_conviction"] == 0
    assert people[ANY_PROGRAM]["no_felony"] == 3  # A (dismissed), B G (reduced); D has unknown
    assert people[p64]["no_felony"] == 3
    assert people[pc]["no_felony"] == 0
    assert people[ANY_PROGRAM]["with_relief"] == 6  # A B C D E G (F only not yet)
    assert people["us_ca_pc_851_93"]["with_relief"] == 1
    assert (m["people_with_conviction"], m["people_with_felony"]) == (7, 5)


def test_html_sections_escaping_and_no_ids(fabricated, written):
    decisions, _, _ = fabricated
    _, files = written
    html = files["html"].read_text(encoding="utf-8")
    for h in HEADINGS:
        assert h in html
    for sid in decisions["subject_id"].unique().to_list()[:200]:
        assert sid not in html
    assert "P00001" not in html  # person keys neither
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


def test_pdf_has_sections_and_images(fabricated, written):
    decisions, _, _ = fabricated
    _, files = written
    reader = PdfReader(str(files["pdf"]))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    for h in HEADINGS:
        assert h in flat, h
    for sid in decisions["subject_id"].unique().to_list()[:200]:
        assert sid not in text
    assert sum(len(page.images) for page in reader.pages) >= 3
    assert reader.metadata.creation_date.date() == AS_OF


def test_same_input_same_bytes(fabricated, written, tmp_path):
    decisions, convictions, _ = fabricated
    again = write_report(tmp_path, build_report_data(decisions, convictions, _run()))
    _, first = written
    assert again["sha256"] == first["sha256"]
    assert again["html"].read_bytes() == first["html"].read_bytes()


def test_no_run_id_or_clock_in_the_report_only_a_decision_set_reference(fabricated, written):
    decisions, convictions, data = fabricated
    _, files = written
    reference = decision_set_reference(decisions)
    assert data["meta"]["decision_set"] == reference
    assert "run_id" not in data["meta"] and "generated_at" not in data["meta"]
    html = files["html"].read_text(encoding="utf-8")
    pdf_text = " ".join(p.extract_text() for p in PdfReader(str(files["pdf"])).pages)
    for text in (html, pdf_text):
        assert "run-1234" not in text and "2025-07-02" not in text and "03:04" not in text
        assert reference in text
    # another run of the same decisions: same bytes; other decisions: another reference
    other = {**_run(), "run_id": "run-9999", "generated_at": "2031-01-01T00:00:00Z"}
    assert build_report_data(decisions, convictions, other) == data
    changed = decisions.with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("not_eligible"))
        .otherwise(pl.col("determination"))
        .alias("determination")
    )
    assert decision_set_reference(changed) != reference
    assert decision_set_reference(decisions.reverse()) == reference


def test_pdf_without_unicode_font(fabricated, tmp_path):
    _, _, data = fabricated
    files = write_report(tmp_path, data)
    blob = render_pdf(data, Path(files["html"]).parent, font_dir=None)
    text = " ".join(p.extract_text() for p in PdfReader(_bytes_io(blob)).pages)
    assert "3. People" in " ".join(text.split())


def test_empty_decisions(tmp_path):
    dec = pl.DataFrame(
        [_row("A", "A1", "us_ca_prop64", "eligible", "dismiss")], schema_overrides=_SCHEMA
    ).clear()
    files = write_report(tmp_path, build_report_data(dec, _conv([]), _run()))
    assert files["pdf"].stat().st_size > 0


def test_missing_column_is_named():
    dec = pl.DataFrame([_row("A", "A1", "us_ca_prop64", "eligible", "dismiss")]).drop("race")
    with pytest.raises(ValueError, match="race"):
        build_report_data(dec, _conv([]), _run())


def _bytes_io(blob: bytes):
    import io

    return io.BytesIO(blob)
