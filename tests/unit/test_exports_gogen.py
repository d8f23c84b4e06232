"""The gogen-compatible bundle: Prop64_Results.csv, All_Results_Condensed.csv, gogen.json.

One hand-built extract (two files, two counties, seven people) with hand-written decisions and
person context, loaded as the exports models the writer reads (exp_gogen_research_rows,
exp_gogen_convictions, exp_convictions) into a DuckDB file, written by the file kind through an
ExportSource; expected values are worked out in the comments. What the models derive in SQL
(Possible Other P64 Charges: macros/gogen.sql, run here on DuckDB) is given as they give it.
"""

import csv
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import duckdb
import jinja2
import polars as pl
import pytest

from orchestration.exports import load
from orchestration.exports.file_kinds.base import RunContext
from orchestration.exports.file_kinds.gogen import GogenBundle
from orchestration.exports.gogen_bundle import (
    CONDENSED_COLUMNS,
    ELIGIBILITY_COLUMNS,
    VOCABULARY_INPUTS,
    CountyFigures,
    gogen_summary,
    gogen_vocabulary,
)
from orchestration.exports.load import ExportSource
from orchestration.ingest.doj_format import COLUMNS, INDEX
from orchestration.lib.settings import DBT_PROJECT_DIR
from tests.fixtures.doj import rec

AS_OF = date(2020, 7, 1)
PARAMETERS = {
    "dismiss_sections": ["11357", "11358"],
    "reduce_sections": ["11359", "11360"],
    "dismiss_age_threshold": 57,
    "dismiss_years_since_conviction": 10,
    "dismiss_years_crime_free": 0,
}
EIGHTEEN = [
    "Case Number",
    "# of convictions on record",
    "Possible Other P64 Charges",
    "Occurred after 11/9/2016",
    "Superstrike Code Section(s)",
    "PC290 Code Section(s)",
    "PC290 Registration",
    "Date of Conviction",
    "Years Since This Conviction",
    "Years Since Any Conviction",
    "# of Prop 64 convictions",
    "# of HS 11357 convictions",
    "# of HS 11358 convictions",
    "# of HS 11359 convictions",
    "# of HS 11360 convictions",
    "Deceased",
    "Eligibility Determination",
    "Eligibility Reason",
]
CONV, FEL, MISD = "CONVICTED", "FELONY", "MISDEMEANOR"


def _with_ofn(row: list[str], ofn: str) -> list[str]:
    row[INDEX["OFN"]] = ofn
    return row


def court(subject: str, cnt_order: str, when: str, offense: str, stat: str, **kw) -> list[str]:
    """A convicted count of a COURT ACTION step."""
    kw.setdefault("disp", CONV)
    return rec(subject, cnt_order, "COURT ACTION", when, offense, stat=stat, **kw)


# (source_file, charge_key, record); line numbers count from 2 (line 1 is the header).
ROWS: list[tuple[str, str | None, list[str]]] = [
    # 0: arrest, not a conviction; its comment names another Prop 64 section
    (
        "a.csv",
        None,
        rec(
            "1",
            "101001001000",
            "ARREST/DETAINED/CITED",
            "20140401",
            "11357(B)HS-POSSESS",
            comment="11360 HS-TRANSPORT",
        ),
    ),
    # 1: k1 misdemeanor 11357, first row (comment in the same subsection group -> no flag)
    (
        "a.csv",
        "k1",
        court(
            "1",
            "101002001000",
            "20140519",
            "11357(B)HS-POSSESS MARIJUANA",
            MISD,
            disp="CONVICTED-PROBATION",
            comment="11357(A) HS",
        ),
    ),
    # 2: k1 again: a sentence-part row, gets no eligibility columns
    (
        "a.csv",
        "k1",
        court(
            "1",
            "101002001000",
            "20140519",
            "11357(B)HS-POSSESS MARIJUANA",
            MISD,
            disp="CONVICTED-JAIL",
            sent=("JAIL", "10", "D"),
        ),
    ),
    # 3: k2 felony 11360 the day after Prop 64 -> not eligible (gogen: dismissed/reduced)
    (
        "a.csv",
        "k2",
        _with_ofn(
            court("1", "102002001000", "20161110", "11360 HS-TRANSPORT", FEL, county="san joaquin"),
            "CASE,1",
        ),
    ),
    # 4: same court step, another count, not convicted: its OFN joins k2's case number
    (
        "a.csv",
        None,
        _with_ofn(
            court("1", "102002002000", "20161110", "11364 HS-PARAPH", "", disp="DISMISSED"),
            " CASE-1-B",
        ),
    ),
    # 5: k3 superstrike (not Prop 64, no decision)
    ("a.csv", "k3", court("2", "101002001000", "20050101", "187 PC-MURDER", FEL)),
    # 6: k4 felony 11359 after a superstrike -> hand review
    ("a.csv", "k4", court("2", "102002001000", "20100301", "11359 HS-POSSESS FOR SALE", FEL)),
    # 7: k5 felony 11358, partial date 20150100 (before 11/9/2016 either way) -> dismissed
    ("b.csv", "k5", court("3", "101002001000", "20150100", "11358 HS-CULTIVATE", FEL)),
    # 8: k6 felony 11359 -> reduced
    ("b.csv", "k6", court("3", "102002001000", "20120304", "11359 HS-POSSESS FOR SALE", FEL)),
    # 9: k7 in YOLO: out of county
    ("b.csv", "k7", court("4", "101002001000", "20150601", "11357 HS-POSS", MISD, county="YOLO")),
    # 10: k8 felony 11360, person aged 65 -> dismissed (57 years or older)
    (
        "b.csv",
        "k8",
        court("4", "102002001000", "20080101", "11360 HS-TRANSPORT", FEL, dob="19550101"),
    ),
    # 11: k9 felony 11357, date 20160000 straddles 11/9/2016 -> hand review, missing date
    ("b.csv", "k9", court("6", "101002001000", "20160000", "11357 HS-POSSESS", FEL)),
    # 12: k10 misdemeanor 11357, the person's only conviction -> dismissed
    ("b.csv", "k10", court("7", "101002001000", "20140101", "11357(A) HS-POSSESS", MISD)),
]
IN_COUNTY_ROWS = [1, 3, 6, 7, 8, 10, 11, 12]


def _raw() -> pl.DataFrame:
    """exp_gogen_research_rows: the 95 columns, the record's place, charge and subject, and
    Possible Other P64 Charges as macros/gogen.sql gives it."""
    lines: dict[str, int] = {}
    records, files, line_nos, keys, subjects = [], [], [], [], []
    for source_file, key, row in ROWS:
        lines[source_file] = lines.get(source_file, 1) + 1
        records.append(row)
        files.append(source_file)
        line_nos.append(lines[source_file])
        keys.append(key)
        subjects.append(f"doj:{row[INDEX['SUBJECT_ID']]}")
    frame = pl.DataFrame(records, schema=list(COLUMNS), orient="row")
    frame = frame.with_columns(
        pl.Series("source_file", files),
        pl.Series("source_line", line_nos, dtype=pl.Int64),
        pl.Series("charge_key", keys, dtype=pl.String),
        pl.Series("subject_key", subjects),
    )
    con = duckdb.connect()
    other = con.execute(
        f"select {_possible_other_sql('OFFENSE_DESCR', 'COMMENT_TEXT')} from frame"
    ).fetchall()
    return frame.with_columns(
        pl.Series("possible_other_p64_charges", [r[0] for r in other], dtype=pl.String)
    )


def _line_of(key: str) -> tuple[str, int]:
    raw = _raw().filter(pl.col("charge_key") == key)
    return raw["source_file"][0], raw["source_line"][0]


# key | person | county | raw date | section | felony | determination | relief | rule
DECISIONS = """
k1  | 1 | SAN JOAQUIN  | 20140519 | 11357 | N | eligible     | dismiss | misdemeanor
k2  | 1 | san  joaquin | 20161110 | 11360 | Y | not_eligible |         | post_prop64
k4  | 2 | SAN JOAQUIN  | 20100301 | 11359 | Y | needs_review |         | prior_superstrike
k5  | 3 | SAN JOAQUIN  | 20150100 | 11358 | Y | eligible     | dismiss | dismiss_section
k6  | 3 | SAN JOAQUIN  | 20120304 | 11359 | Y | eligible     | reduce  | reduce_section
k7  | 4 | YOLO         | 20150601 | 11357 | N | eligible     | dismiss | misdemeanor
k8  | 4 | SAN JOAQUIN  | 20080101 | 11360 | Y | eligible     | dismiss | age_threshold
k9  | 6 | SAN JOAQUIN  | 20160000 | 11357 | Y | needs_review |         | post_prop64
k10 | 7 | SAN JOAQUIN  | 20140101 | 11357 | N | eligible     | dismiss | misdemeanor
"""
MISSING = {"k9": "exact disposition date (recorded as 20160000)"}
# As exp_gogen_convictions gives them: the case number of the conviction's court step (k2's
# step has a dismissed count whose OFN joins, untrimmed) and the date against 11/9/2016 (k5:
# all of January 2015 is before; k9: 2016 straddles it)
CASE_NUMBERS = {"k2": "CASE,1;  CASE-1-B"}
OCCURRED_AFTER = {"k2": "Y", "k9": ""}


def _exact(raw_date: str) -> date | None:
    if raw_date.endswith("00"):
        return None
    return date(int(raw_date[:4]), int(raw_date[4:6]), int(raw_date[6:]))


def _ofn_of(key: str) -> str:
    """The OFN of the conviction's first record (its court step's only one)."""
    return next(row[INDEX["OFN"]] for _, k, row in ROWS if k == key)


def _people() -> dict[str, dict]:
    D = date
    # person, deceased, 290 reg, superstrikes, 290 sections, convictions, p64, n57..n60, latest
    spec = [
        ("1", False, False, "-", "-", 2, 2, 1, 0, 0, 1, D(2016, 11, 10)),
        ("2", False, False, "187 PC", "-", 2, 1, 0, 0, 1, 0, D(2010, 3, 1)),
        ("3", False, False, "-", "-", 2, 2, 0, 1, 1, 0, D(2012, 3, 4)),
        ("4", False, True, "-", "-", 2, 2, 1, 0, 0, 1, D(2015, 6, 1)),
        ("6", True, False, "-", "-", 1, 1, 1, 0, 0, 0, None),
        ("7", False, False, "-", "-", 1, 1, 1, 0, 0, 0, D(2014, 1, 1)),
    ]
    cols = [
        "is_deceased", "has_pc290_registration", "superstrike_sections",
        "pc290_sections", "convictions", "prop64_convictions", "n_11357", "n_11358", "n_11359",
        "n_11360", "most_recent_conviction_date",
    ]  # fmt: skip
    return {f"doj:{p[0]}": dict(zip(cols, p[1:], strict=True)) for p in spec}


def _convictions() -> pl.DataFrame:
    """exp_gogen_convictions (decision_id: the charge key, for reading the places)."""
    rows = []
    people = _people()
    for line in DECISIONS.strip().splitlines():
        key, person, county, d_raw, section, felony, det, relief, rule = (
            f.strip() for f in line.split("|")
        )
        source_file, source_line = _line_of(key)
        exact = _exact(d_raw)
        rows.append(
            {
                "decision_id": key,
                "charge_key": key,
                "person_key": f"doj:{person}",
                "county": county,
                "placed_file": source_file,
                "placed_line": source_line,
                "case_number": CASE_NUMBERS.get(key, _ofn_of(key)),
                "conviction_date": exact,
                "conviction_date_raw": d_raw,
                "occurred_after_prop64": OCCURRED_AFTER.get(key, "N"),
                "section": section,
                "is_felony": felony == "Y",
                "determination": det,
                "relief": relief or None,
                "decisive_rule": rule,
                "reasons": f"our text for {rule} [cite]",
                "missing_facts": MISSING.get(key),
                **people[f"doj:{person}"],
            }
        )
    types = {
        "conviction_date": pl.Date,
        "missing_facts": pl.String,
        "relief": pl.String,
        "most_recent_conviction_date": pl.Date,
        "placed_line": pl.Int64,
    }
    return pl.DataFrame(rows, schema_overrides=types)


def _all_convictions() -> pl.DataFrame:
    D = date
    spec = [
        ("1", "k1", False, D(2014, 5, 19)),
        ("1", "k2", True, D(2016, 11, 10)),
        ("2", "k3", True, D(2005, 1, 1)),
        ("2", "k4", True, D(2010, 3, 1)),
        ("3", "k5", True, None),
        ("3", "k6", True, D(2012, 3, 4)),
        ("4", "k7", False, D(2015, 6, 1)),
        ("4", "k8", True, D(2008, 1, 1)),
        ("6", "k9", True, None),
        ("7", "k10", False, D(2014, 1, 1)),
    ]
    rows = [
        {"person_key": f"doj:{p}", "charge_key": k, "is_felony": f, "conviction_date": d}
        for p, k, f, d in spec
    ]
    return pl.DataFrame(rows, schema_overrides={"conviction_date": pl.Date}).with_columns(
        pl.lit("doj").alias("source_system")
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """The exports models the gogen kind reads, with the fixture's rows."""
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    frames = {
        "exp_gogen_research_rows": _raw(),
        "exp_gogen_convictions": _convictions(),
        "exp_convictions": _all_convictions(),
    }
    for name, frame in frames.items():
        con.register("_frame", frame.to_arrow())
        con.execute(f"create table main.{name} as select * from _frame")
        con.unregister("_frame")
    con.close()
    return path


def _write(
    warehouse: Path,
    out: Path,
    county: str = " San  Joaquin",
    as_of: date = AS_OF,
    counties: list[str] | None = None,
) -> dict:
    """The kind's files of `county` (and, in the same pass, of `counties`); the files' rows,
    the charge keys in Prop64_Results.csv and each one's record there and in the condensed
    file."""
    from orchestration.exports.writers import normalize_county

    kind = GogenBundle()
    source = ExportSource(warehouse, "1GB")
    ctx = RunContext(
        as_of=as_of, forecast=False, programs={}, run={"prop64_parameters": PARAMETERS}
    )
    prepared = kind.prepare(SimpleNamespace(source=source), pl.DataFrame(), ctx)
    results = {}
    for c in [county, *(counties or [])]:
        unit = normalize_county(c)
        written = kind.write(out, unit, [], ctx, prepared)
        results[c] = {
            name.rsplit("/", 1)[-1]: n for name, n in written.files.items() if n is not None
        }
        places = kind.places(out, written) if written.files else None
        results[c]["charge_keys"] = (
            set() if places is None else set(places["decision_id"].to_list())
        )
        results[c]["places"] = places
        results[c]["folder"] = out / written.info["folder"] if written.info else None
    return results[county]


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, warehouse):
    out = tmp_path_factory.mktemp("gogen")
    result = _write(warehouse, out)
    return result["folder"], result


def _by_key(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    """Prop64_Results rows by charge key (the fixture's rows are in ROWS order)."""
    keys = [ROWS[i][1] for i in IN_COUNTY_ROWS]
    return dict(zip(keys, rows, strict=True))


def test_headers_are_gogen_s(bundle):
    out, _ = bundle
    assert list(ELIGIBILITY_COLUMNS) == EIGHTEEN
    header, _ = _read(out / "Prop64_Results.csv")
    assert header == [*COLUMNS, *EIGHTEEN] and len(header) == 113
    header, _ = _read(out / "All_Results_Condensed.csv")
    assert header == [*CONDENSED_COLUMNS, *EIGHTEEN] and len(header) == 38
    assert "SUBJECT_ID" not in CONDENSED_COLUMNS and CONDENSED_COLUMNS[0] == "CII_NUMBER"


def test_prop64_results_holds_first_rows_of_in_county_convictions(bundle):
    out, result = bundle
    _, rows = _read(out / "Prop64_Results.csv")
    expected = [ROWS[i][2] for i in IN_COUNTY_ROWS]
    assert [[r[c] for c in COLUMNS] for r in rows] == expected  # 95 columns verbatim, in order
    assert result["charge_keys"] == {"k1", "k2", "k4", "k5", "k6", "k8", "k9", "k10"}
    assert result["Prop64_Results.csv"] == 8
    assert all(r["STP_ORI_CNTY_NAME"] != "YOLO" for r in rows)
    assert all(r["DISP_DESCR"] != "CONVICTED-JAIL" for r in rows)  # k1's sentence row


def test_condensed_has_every_row_in_order(bundle):
    out, result = bundle
    _, rows = _read(out / "All_Results_Condensed.csv")
    assert result["All_Results_Condensed.csv"] == len(rows) == len(ROWS)
    assert [[r[c] for c in CONDENSED_COLUMNS] for r in rows] == [
        [rec_[INDEX[c]] for c in CONDENSED_COLUMNS] for _, _, rec_ in ROWS
    ]
    filled = [i for i, r in enumerate(rows) if r["Eligibility Determination"]]
    assert filled == IN_COUNTY_ROWS
    for i in (0, 2, 4, 5, 9):  # arrest, sentence row, dismissed count, non-Prop 64, other county
        blank = {
            c: v for c, v in rows[i].items() if c in EIGHTEEN and c != "Possible Other P64 Charges"
        }
        assert set(blank.values()) == {""}, i
    # "Possible Other P64 Charges" is filled on any row, even a non-conviction
    assert rows[0]["Possible Other P64 Charges"] == "11360 HS-TRANSPORT"
    assert rows[1]["Possible Other P64 Charges"] == ""  # 11357(B) vs (A): same group


def test_csv_is_go_encoding_csv(bundle):
    out, _ = bundle
    data = (out / "All_Results_Condensed.csv").read_bytes()
    assert b"\r" not in data and data.endswith(b"\n")
    text = data.decode()
    assert ',"CASE,1",' in text  # comma -> quoted
    assert ',"DOE,JANE Q",' in text
    assert ',"CASE,1; CASE-1-B",' not in text
    assert ',"CASE,1;  CASE-1-B",' in text  # case number: untrimmed OFNs, "; "-joined
    assert '," CASE-1-B",' in text  # leading space -> quoted, as Go does


def test_vocabulary_and_reasons_in_the_file(bundle):
    out, _ = bundle
    _, rows = _read(out / "Prop64_Results.csv")
    got = {
        k: (r["Eligibility Determination"], r["Eligibility Reason"])
        for k, r in _by_key(rows).items()
    }
    assert got["k1"] == ("Eligible for Dismissal", "Misdemeanor or Infraction")
    assert got["k5"] == ("Eligible for Dismissal", "Dismiss all HS 11358 convictions")
    assert got["k6"] == ("Eligible for Reduction", "Reduce all HS 11359 convictions")
    assert got["k8"] == ("Eligible for Dismissal", "57 years or older")
    assert got["k2"] == (
        "Not eligible",
        "Differs from gogen: not eligible - offense after 11/9/2016 (gogen only flagged the date)",
    )
    assert got["k4"] == (
        "Hand Review",
        "Differs from gogen: hand review - prior superstrike (PC 667(e)(2)(C)(iv)), "
        "which gogen only reported",
    )
    det, reason = got["k9"]
    assert det == "Hand Review"
    assert reason.startswith("Differs from gogen: hand review - missing exact disposition date")


DIS, RED, HR, NE, DIFF = (
    "Eligible for Dismissal",
    "Eligible for Reduction",
    "Hand Review",
    "Not eligible",
    "Differs from gogen: ",
)
# (determination, relief, decisive rule, missing facts) -> (determination, reason prefix)
VOCABULARY = [
    (("eligible", "dismiss", "misdemeanor", None), (DIS, "Misdemeanor or Infraction")),
    (("eligible", "dismiss", "dismiss_section", None), (DIS, "Dismiss all HS 11358 convictions")),
    (("eligible", "reduce", "reduce_section", None), (RED, "Reduce all HS 11358 convictions")),
    (("eligible", "dismiss", "under_21", None), (DIS, "21 years or younger")),
    (("eligible", "dismiss", "age_threshold", None), (DIS, "57 years or older")),
    (
        ("eligible", "dismiss", "years_since_conviction", None),
        (DIS, "Conviction occurred 10 or more years ago"),
    ),
    (("eligible", "dismiss", "crime_free", None), (DIS, "No convictions in the past 7 years")),
    (("eligible", "dismiss", "only_prop64", None), (DIS, "Only has 11357-60 charges")),
    (("eligible", "dismiss", "deceased", None), (DIS, "Individual is deceased")),
    (("not_eligible", None, "excluded_subdivision", None), (NE, DIFF + "not eligible - sale")),
    (("needs_review", None, "two_priors", None), (HR, DIFF + "hand review - two or more prior")),
    (
        ("needs_review", None, "prior_290_registration", None),
        (HR, DIFF + "hand review - PC 290 registration"),
    ),
    (("needs_review", None, "no_criterion", None), (HR, DIFF + "hand review - felony of a")),
    (
        ("needs_review", None, "scope", "x"),
        (HR, DIFF + "hand review - cannot tell whether Prop 64 applies: missing x"),
    ),
    (
        ("needs_review", None, "post_prop64", "exact disposition date"),
        (HR, DIFF + "hand review - missing exact disposition date"),
    ),
    (
        ("not_yet_eligible", "dismiss", "dismiss_section", None),
        (HR, DIFF + "hand review - not yet eligible"),
    ),
]


@pytest.mark.parametrize(("given", "expected"), VOCABULARY)
def test_vocabulary_mapping(given, expected):
    determination, relief, rule, missing = given
    params = {**PARAMETERS, "dismiss_years_crime_free": 7}
    decision = {
        "determination": determination,
        "relief": relief,
        "decisive_rule": rule,
        "section": "11358",
        "missing_facts": missing,
        "reasons": "ours",
    }
    label, reason = gogen_vocabulary(decision, params)
    assert label == expected[0]
    assert reason.startswith(expected[1]), reason


def test_vocabulary_needs_the_threshold_parameter():
    decision = {"determination": "eligible", "relief": "dismiss", "decisive_rule": "age_threshold"}
    with pytest.raises(ValueError, match="dismiss_age_threshold"):
        gogen_vocabulary(decision, {})


def test_dates_and_years_since_use_as_of(bundle, tmp_path, warehouse):
    out, _ = bundle
    _, rows = _read(out / "Prop64_Results.csv")
    by = _by_key(rows)
    k1 = by["k1"]
    assert k1["Date of Conviction"] == "05/19/2014"
    assert k1["Years Since This Conviction"] == "6.1"  # 2014-05-19 -> 2020-07-01
    assert k1["Years Since Any Conviction"] == "3.6"  # person's latest: 2016-11-10
    assert k1["Occurred after 11/9/2016"] == "N"
    assert by["k2"]["Occurred after 11/9/2016"] == "Y"
    # partial dates: written as recorded, no years, never 01/01/0001 / -1.0
    k5 = by["k5"]
    assert (k5["Date of Conviction"], k5["Years Since This Conviction"]) == ("20150100", "")
    assert k5["Occurred after 11/9/2016"] == "N"  # all of January 2015 is before
    k9 = by["k9"]
    assert (k9["Date of Conviction"], k9["Occurred after 11/9/2016"]) == ("20160000", "")
    assert k9["Years Since Any Conviction"] == ""
    assert "01/01/0001" not in (out / "Prop64_Results.csv").read_text()
    # another as-of date, other values: the wall clock plays no part
    later_folder = _write(warehouse, tmp_path, as_of=date(2025, 7, 1))["folder"]
    _, later = _read(later_folder / "Prop64_Results.csv")
    assert _by_key(later)["k1"]["Years Since This Conviction"] == "11.1"


def test_person_columns(bundle):
    out, _ = bundle
    _, rows = _read(out / "Prop64_Results.csv")
    by = _by_key(rows)
    assert by["k2"]["Case Number"] == "CASE,1;  CASE-1-B"
    assert by["k1"]["Case Number"] == "CASE-1-101002"
    assert by["k4"]["Superstrike Code Section(s)"] == "187 PC"
    assert by["k1"]["Superstrike Code Section(s)"] == "-"
    assert by["k8"]["PC290 Registration"] == "Yes" and by["k1"]["PC290 Registration"] == "-"
    assert by["k9"]["Deceased"] == "Deceased" and by["k1"]["Deceased"] == "-"
    k5 = by["k5"]
    counts = [k5[c] for c in EIGHTEEN[10:15]]
    assert (k5["# of convictions on record"], counts) == ("2", ["2", "0", "1", "1", "0"])


def test_summary_json(bundle):
    out, _ = bundle
    text = (out / "gogen.json").read_text()
    summary = json.loads(text)
    assert list(summary) == [
        "county",
        "earliestConviction",
        "lineCount",
        "processingTimeInSeconds",
        "reliefWithCurrentEligibilityChoices",
        "reliefWithDismissAllProp64",
        "prop64ConvictionsCountInCountyByCodeSection",
        "subjectsWithProp64ConvictionCountInCounty",
        "prop64FelonyConvictionsCountInCounty",
        "prop64NonFelonyConvictionsCountInCounty",
        "subjectsWithSomeReliefCount",
        "convictionDismissalCountByCodeSection",
        "convictionReductionCountByCodeSection",
        "convictionDismissalCountByAdditionalRelief",
    ]
    assert summary["county"] == "SAN JOAQUIN"  # the bundle's unit: the county, normalized
    assert summary["lineCount"] == 13  # both files
    assert summary["earliestConviction"] == "2008-01-01T00:00:00Z"
    assert summary["processingTimeInSeconds"] == 0  # repeats byte for byte; the manifest times
    assert summary["prop64ConvictionsCountInCountyByCodeSection"] == {
        "11357": 3,
        "11358": 1,
        "11359": 2,
        "11360": 2,
    }
    assert summary["subjectsWithProp64ConvictionCountInCounty"] == 6
    assert summary["prop64FelonyConvictionsCountInCounty"] == 6
    assert summary["prop64NonFelonyConvictionsCountInCounty"] == 2
    assert summary["subjectsWithSomeReliefCount"] == 4  # people 1, 3, 4, 7
    assert summary["convictionDismissalCountByCodeSection"] == {"11357": 0, "11358": 1}
    assert summary["convictionReductionCountByCodeSection"] == {"11359": 1, "11360": 0}
    assert summary["convictionDismissalCountByAdditionalRelief"] == {"57 years or older": 1}
    # As configured: dismissed k1, k5, k8, k10; reduced k6.
    #   NoConviction: only person 7 (3 has a reduction, 4 an out-of-county conviction).
    #   Last 7 years (after 2013-07-01 or undated): person 3 (undated k5 dismissed), person 7.
    #   NoFelony: person 3 (k5 dismissed, k6 reduced), person 4 (k8; k7 is a misdemeanor).
    assert summary["reliefWithCurrentEligibilityChoices"] == {
        "CountSubjectsNoConviction": 1,
        "CountSubjectsNoConvictionLast7Years": 2,
        "CountSubjectsNoFelony": 2,
    }
    # Dismiss all in-county Prop 64: 2 keeps 187 PC, 4 keeps the YOLO conviction.
    assert summary["reliefWithDismissAllProp64"] == {
        "CountSubjectsNoConviction": 4,
        "CountSubjectsNoConvictionLast7Years": 4,
        "CountSubjectsNoFelony": 4,
    }
    assert "\n" not in text and ": " not in text  # compact, like Go's json.Marshal


def test_no_in_county_conviction_gives_no_files_and_a_null_earliest(tmp_path, warehouse):
    result = _write(warehouse, tmp_path, county="Sacramento")  # no Prop 64 decision there
    assert result["folder"] is None and not (tmp_path / "SACRAMENTO").exists()
    figures = CountyFigures(
        groups=pl.DataFrame(schema={**{c: pl.String for c in VOCABULARY_INPUTS}, "n": pl.Int64}),
        earliest=None,
        convictions=0,
        felonies=0,
        subjects=0,
        subjects_with_relief=0,
        by_section={},
        current={},
        dismiss_all={},
    )
    summary = gogen_summary("SACRAMENTO", 13, 1.5, figures, PARAMETERS)
    assert summary["earliestConviction"] is None
    assert summary["prop64ConvictionsCountInCountyByCodeSection"] == {}
    assert summary["processingTimeInSeconds"] == 1.5
    assert summary["convictionDismissalCountByCodeSection"] == {"11357": 0, "11358": 0}


@pytest.mark.parametrize("county", ["SAN JOAQUIN", "san joaquin", "  San   Joaquin  "])
def test_county_matching_ignores_case_and_spaces(tmp_path, warehouse, county):
    result = _write(warehouse, tmp_path, county=county)
    assert result["charge_keys"] == {"k1", "k2", "k4", "k5", "k6", "k8", "k9", "k10"}
    assert _write(warehouse, tmp_path / "yolo", county="yolo")["charge_keys"] == {"k7"}


def _possible_other_sql(offense: str, comment: str) -> str:
    """macros/gogen.sql's gogen_possible_other_p64 as dbt renders it for DuckDB (the
    regular-expression macros' default implementations, dbt.position as DuckDB's)."""
    macros = DBT_PROJECT_DIR / "macros"
    source = (macros / "charge_codes.sql").read_text() + (macros / "gogen.sql").read_text()
    env = jinja2.Environment()
    module: list = []
    adapter = SimpleNamespace(dispatch=lambda name: getattr(module[0], f"default__{name}"))
    dbt = SimpleNamespace(position=lambda sub, text: f"position({sub} in {text})")
    env.globals.update(adapter=adapter, dbt=dbt, **{"return": lambda value: value})
    module.append(env.from_string(source).make_module({}))
    return str(module[0].gogen_possible_other_p64(offense, comment))


@pytest.mark.parametrize(
    ("offense", "comment", "flagged"),
    [
        ("11357(B)HS-POSSESS", "11360 HS-TRANSPORT", True),  # different section
        ("647(F) PC-DRUNK", "11359 HS", True),  # offense not Prop 64
        ("11357(A) HS", "11357(C) HS", True),  # {A,B} vs {C,D}
        ("11357 HS", "11357(D) HS", True),  # subsection only in the comment
        ("11357(A) HS", "11357(B) HS", False),  # same group
        ("11357(C) HS", "11357 HS", False),  # subsection only in the offense
        ("11357(A) HS", "", False),
        ("", "11357 HS", False),  # blank offense: the comment IS the charge
        ("SEE COMMENT FOR CHARGE", "11358 HS", False),
        ("187 PC", "11357.5 HS", False),  # synthetic cannabinoids are not Prop 64
        ("664-11357(C) HS-ATTEMPT", "11360 HS", True),  # hyphenated attempt still found
        ("664-11357(C) HS-ATTEMPT", "11357(D) HS", False),
    ],
)
def test_possible_other_p64_charges(offense, comment, flagged):
    sql = _possible_other_sql("o", "c")
    got = duckdb.execute(f"select {sql} from (select ? as o, ? as c)", [offense, comment])
    assert got.fetchone()[0] == (comment if flagged else "")


GOGEN_FILES = ("Prop64_Results.csv", "All_Results_Condensed.csv", "gogen.json")


def test_one_pass_writes_each_county_as_a_pass_of_its_own(tmp_path, warehouse, monkeypatch):
    """Every county's files come from one pass over the research file, in batches; a county
    written alone, or with the research file read in spans of 3 lines (load.GOGEN_SPAN_LINES:
    no sort holds the whole file) and batches of 4 of its 13 rows, is the same."""
    both = _write(warehouse, tmp_path / "both", counties=["yolo"])
    run = ExportSource.batches

    def small(self, sql, params=None, rows=load.BATCH_ROWS):
        return run(self, sql, params, rows=4)

    monkeypatch.setattr(ExportSource, "batches", small)
    monkeypatch.setattr(load, "GOGEN_SPAN_LINES", 3)
    for c in (" San  Joaquin", "yolo"):
        alone = _write(warehouse, tmp_path / c, county=c)
        assert alone["charge_keys"] == _write(warehouse, tmp_path / "x", county=c)["charge_keys"]
        folder = both["folder"] if c != "yolo" else tmp_path / "both" / "YOLO" / "gogen"
        for name in GOGEN_FILES:
            assert (alone["folder"] / name).read_bytes() == (folder / name).read_bytes(), (c, name)
    assert both["All_Results_Condensed.csv"] == len(ROWS)


def test_places_are_the_records_lines(bundle):
    """audit.export_lines: a conviction's record in Prop64_Results.csv (in input-row order)
    and its input row in All_Results_Condensed.csv (line 1: the header)."""
    _, result = bundle
    places = {(r["kind"], r["decision_id"]): r["line"] for r in result["places"].to_dicts()}
    keys = [ROWS[i][1] for i in IN_COUNTY_ROWS]
    for rank, (row, key) in enumerate(zip(IN_COUNTY_ROWS, keys, strict=True)):
        assert places[("gogen_results", key)] == rank + 2
        assert places[("gogen_condensed", key)] == row + 2
    assert len(places) == 2 * len(keys)
