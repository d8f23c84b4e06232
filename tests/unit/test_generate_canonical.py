"""Tests for the fabricated canonical-extract generator (devtools/generate/canonical.py).

Edge cases are detected from the files alone (clearance-law.md 9.2 CA, 9.3 UT, 9.4 PA).
"""

from __future__ import annotations

import csv
import re
import tracemalloc
from collections import defaultdict
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from devtools.generate.canonical import (
    EDGE_CASES,
    GENERATED_STATES,
    CanonicalStats,
    generate_canonical,
)
from devtools.generate.cli import app
from orchestration.ingest.canonical_format import (
    DISPOSITIONS,
    GRADES,
    LEVELS,
    REGISTRATION_TYPES,
    SENTENCE_TYPES,
    SUPERVISION_TYPES,
    TABLES,
)

ROWS = 3000
SEEDS = (1, 2)
FULL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
PARTIAL = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")
DATE_COLS = {
    "persons": ("dob", "deceased_date"),
    "arrests": ("arrest_date",),
    "cases": ("filing_date",),
    "charges": ("offense_date",),
    "dispositions": ("disposition_date",),
    "sentences": ("start_date", "end_date"),
    "registrations": ("start_date", "end_date"),
    "supervision": ("start_date", "end_date"),
}
# date columns where a blank has a meaning (active / not deceased): never blanked at random
MEANINGFUL_BLANK = {("persons", "deceased_date"), ("registrations", "end_date"),
                    ("supervision", "end_date"), ("sentences", "end_date")}  # fmt: skip
STATE_GRADES = {
    "UT": {"", "A", "B", "C", "IN"},
    "PA": {"", "F1", "F2", "F3", "F", "M1", "M2", "M3", "M", "S"},
    "CA": {""},
}
PA_MAX = {"F1": "20", "F2": "10", "F3": "7", "M1": "5", "M2": "2", "M3": "1", "S": "0.25"}
STATUTE = {
    "UT": re.compile(r"^(\d{2}[A-Z]?-\d+[a-z]?-\d+(\.\d+)?)(\(\w+\))*$"),
    "PA": re.compile(r"^(18|35|75) § [\d-]+(\(\w+\))*( §§ \w+)?$"),
    "CA": re.compile(r"^\d+(\.\d+)?(\([A-Z0-9]+\))* (PC|HS|VC)$"),
}

Tables = dict[str, list[dict[str, str]]]


def load(folder: Path) -> Tables:
    out: Tables = {}
    for name, table in TABLES.items():
        with open(folder / f"{name}.csv", newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader)
            assert tuple(header) == table.columns, name
            out[name] = [dict(zip(header, r, strict=True)) for r in reader]
    return out


def day(s: str) -> date | None:
    return date.fromisoformat(s) if FULL.match(s) else None


class View:
    """Joins used by the edge-case detectors."""

    def __init__(self, t: Tables) -> None:
        self.t = t
        self.final: dict[str, dict[str, str]] = {}
        self.history: dict[str, list[str]] = defaultdict(list)
        for r in t["dispositions"]:  # written in date order: the last row is the final one
            self.final[r["charge_id"]] = r
            self.history[r["charge_id"]].append(r["disposition"])
        self.cases = {c["case_id"]: c for c in t["cases"]}
        self.arrests = {a["arrest_id"]: a for a in t["arrests"]}
        self.by_case: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.by_person: dict[str, list[dict[str, str]]] = defaultdict(list)
        self.by_arrest: dict[str, list[dict[str, str]]] = defaultdict(list)
        for c in t["charges"]:
            self.by_case[c["case_id"]].append(c)
            self.by_person[c["person_id"]].append(c)
            self.by_arrest[c["arrest_id"]].append(c)
        self.sentences: dict[str, list[dict[str, str]]] = defaultdict(list)
        for s in t["sentences"]:
            self.sentences[s["charge_id"]].append(s)
        self.supervision: dict[str, list[dict[str, str]]] = defaultdict(list)
        for s in t["supervision"]:
            self.supervision[s["person_id"]].append(s)
        self.registrations: dict[str, list[dict[str, str]]] = defaultdict(list)
        for s in t["registrations"]:
            self.registrations[s["person_id"]].append(s)

    def disp(self, c: dict[str, str]) -> str:
        r = self.final.get(c["charge_id"])
        return r["disposition"] if r else ""

    def disp_date(self, c: dict[str, str]) -> date | None:
        r = self.final.get(c["charge_id"])
        return day(r["disposition_date"]) if r else None

    def convicted(self, c: dict[str, str]) -> bool:
        return self.disp(c) == "convicted"

    def conv_dates(self, pid: str, pred) -> list[date]:  # type: ignore[no-untyped-def]
        out = []
        for c in self.by_person[pid]:
            d = self.disp_date(c)
            if self.convicted(c) and d and pred(c):
                out.append(d)
        return out

    def whole_cases(self, disp: str) -> bool:
        return any(
            cid and all(self.disp(c) == disp for c in cs) for cid, cs in self.by_case.items()
        )


def found_ut(v: View) -> dict[str, bool]:
    ch = v.t["charges"]

    def case_has(cs, *preds) -> bool:  # type: ignore[no-untyped-def]
        return all(any(p(c) and v.convicted(c) for c in cs) for p in preds)

    poss = "58-37-8(2)(a)(i)"
    f = {
        "u01_retail_theft_b": any(
            cid and len(v.by_person[cs[0]["person_id"]]) == len(cs)
            and all(c["statute"] == "76-6-602" and c["grade"] == "B" and v.convicted(c) for c in cs)
            for cid, cs in v.by_case.items()
        ),
        "u02_simple_assault_b": any(
            c["statute"] == "76-5-102" and c["grade"] == "B" and v.convicted(c) for c in ch
        ),
        "u03_possession_a_recent": any(
            cid and all(c["statute"] == poss and c["grade"] == "A" and v.convicted(c)
                        and (v.disp_date(c) or date.min) > date(2018, 7, 1) for c in cs)
            for cid, cs in v.by_case.items()
        ),
        "u04_possession_a_paraphernalia_b": any(
            cid and case_has(cs, lambda c: c["statute"] == poss and c["grade"] == "A",
                             lambda c: c["statute"] == "58-37a-5(1)" and c["grade"] == "B")
            for cid, cs in v.by_case.items()
        ),
        "u05_possession_b_dui_a": any(
            cid and case_has(cs, lambda c: c["statute"] == poss and c["grade"] == "B",
                             lambda c: c["statute"] == "41-6a-502" and c["grade"] == "A")
            for cid, cs in v.by_case.items()
        ),
        "u06_felony_pia_completed": any(
            c["statute"] == "58-37-8(1)(a)(ii)" and c["level"] == "felony"
            and v.history[c["charge_id"]] == ["plea_in_abeyance", "plea_in_abeyance_completed"]
            for c in ch
        ),
        "u07_class_c_pia_completed": any(
            c["grade"] == "C"
            and v.history[c["charge_id"]] == ["plea_in_abeyance", "plea_in_abeyance_completed"]
            for c in ch
        ),
        "u08_acquitted": v.whole_cases("acquitted"),
        "u09_ngri": any(v.disp(c) == "ngri" for c in ch),
        "u10_dismissed_with_prejudice": v.whole_cases("dismissed_with_prejudice"),
        "u11_dismissed_without_prejudice": v.whole_cases("dismissed_without_prejudice"),
        "u16_dv_mischief_b": any(
            c["statute"] == "76-6-106" and c["grade"] == "B" and c["is_dv"] == "Y"
            and v.convicted(c)
            for c in ch
        ),
        "u17_restitution_owed": any(
            float(k["restitution_balance"] or 0) > 0
            and any(c["grade"] == "B" and v.convicted(c) for c in v.by_case[k["case_id"]])
            for k in v.t["cases"]
        ),
        "u18_doc_supervision_active": any(
            s["agency"] == "DOC" and s["end_date"] == "" for s in v.t["supervision"]
        ),
        "u_pia_pending": any(
            v.disp(c) == "plea_in_abeyance" and v.cases[c["case_id"]]["case_status"] == "open"
            for c in ch
        ),
    }  # fmt: skip
    episodes: dict[str, int] = defaultdict(int)
    for a in v.t["arrests"]:
        if a["episode_id"]:
            episodes[a["episode_id"]] += 1
    f["u_shared_episode"] = any(n >= 2 for n in episodes.values())
    f["u12_open_misdemeanor_case"] = f["u13_open_traffic_case"] = False
    f["u14_five_misdemeanor_episodes"] = f["u15_infractions_traffic_only"] = False
    for cs in v.by_person.values():
        open_cases = {c["case_id"] for c in cs if c["case_id"]
                      and v.cases[c["case_id"]]["case_status"] == "open"}  # fmt: skip
        b_conv = any(c["grade"] == "B" and v.convicted(c) for c in cs)
        if b_conv and any(
            c["level"] == "misdemeanor" and c["is_traffic"] == "N" and v.disp(c) == "pending"
            for k in open_cases for c in v.by_case[k]
        ):  # fmt: skip
            f["u12_open_misdemeanor_case"] = True
        if (
            b_conv
            and open_cases
            and all(c["is_traffic"] == "Y" for k in open_cases for c in v.by_case[k])
        ):
            f["u13_open_traffic_case"] = True
        misd = [c for c in cs if v.convicted(c) and c["level"] == "misdemeanor"
                and c["is_traffic"] == "N"]  # fmt: skip
        if len({v.arrests[c["arrest_id"]]["episode_id"] for c in misd}) >= 5:
            f["u14_five_misdemeanor_episodes"] = True
        conv = [c for c in cs if v.convicted(c)]
        if len(conv) >= 3 and all(
            c["level"] == "infraction" or c["is_traffic"] == "Y" for c in conv
        ):
            f["u15_infractions_traffic_only"] = True
    return f


def found_pa(v: View) -> dict[str, bool]:
    ch = v.t["charges"]
    f = {
        "pa01_withdrawn": v.whole_cases("withdrawn"),
        "pa01_nolle_prossed": v.whole_cases("nolle_prossed"),
        "pa02_summary_retail_theft": any(
            c["statute"] == "18 § 3929" and c["level"] == "summary" and c["grade"] == "S"
            and v.convicted(c) and v.cases[c["case_id"]]["restitution_balance"] == "0"
            for c in ch
        ),
        "pa06_simple_assault_m2": any(
            c["statute"] == "18 § 2701" and c["grade"] == "M2" and v.convicted(c) for c in ch
        ),
        "pa09_restitution_unknown": any(
            k["restitution_balance"] == "" and any(v.convicted(c) for c in v.by_case[k["case_id"]])
            for k in v.t["cases"]
        ),
        "pa10_drug_felony_short": any(
            c["statute"] == "35 § 780-113(a)(30)" and c["grade"] == "F" and v.convicted(c)
            and any(s["length"] == "1" and s["unit"] == "Y" for s in v.sentences[c["charge_id"]])
            for c in ch
        ),
        "pa11_drug_felony_3_6y": any(
            c["statute"] == "35 § 780-113(a)(30)" and v.convicted(c)
            and any(
                s["sentence_type"] == "prison" and s["length"] == "3" and s["unit"] == "Y"
                and day(s["start_date"]) and day(s["end_date"])
                and day(s["end_date"]).year - day(s["start_date"]).year == 6  # type: ignore[union-attr]
                for s in v.sentences[c["charge_id"]]
            )
            for c in ch
        ),
        "pa12_pardoned": any(v.history[c["charge_id"]] == ["convicted", "pardoned"] for c in ch),
    }  # fmt: skip
    for key in ("pa03_m2_only", "pa04_m3_then_summary", "pa05_m3_then_m_ge_1y",
                "pa07_felony_then_m3", "pa08_four_m2"):  # fmt: skip
        f[key] = False
    for pid, cs in v.by_person.items():
        conv = [c for c in cs if v.convicted(c)]
        if len(conv) == 1 and conv[0]["grade"] == "M2" and len(cs) == 1:
            f["pa03_m2_only"] |= v.cases[conv[0]["case_id"]]["restitution_balance"] == "0"
        m3 = v.conv_dates(pid, lambda c: c["grade"] == "M3")
        summ = v.conv_dates(pid, lambda c: c["level"] == "summary")
        dui = v.conv_dates(
            pid, lambda c: c["statute"] == "75 § 3802" and c["grade"] in ("M1", "M2")
        )
        fel = v.conv_dates(pid, lambda c: c["level"] == "felony")
        if m3 and any(s > min(m3) for s in summ):
            f["pa04_m3_then_summary"] = True
        if m3 and any(s > min(m3) for s in dui):
            f["pa05_m3_then_m_ge_1y"] = True
        if fel and any(s > min(fel) for s in m3):
            f["pa07_felony_then_m3"] = True
        if sum(c["grade"] == "M2" for c in conv) >= 4:
            f["pa08_four_m2"] = True
    return f


def found_ca(v: View) -> dict[str, bool]:
    ch = v.t["charges"]

    def jail30_only(c: dict[str, str]) -> bool:
        s = v.sentences[c["charge_id"]]
        return len(s) == 1 and (s[0]["sentence_type"], s[0]["length"], s[0]["unit"]) == (
            "jail", "30", "D")  # fmt: skip

    def misd_jail(c: dict[str, str], lo: date, hi: date) -> bool:
        d = v.disp_date(c)
        return (c["level"] == "misdemeanor" and v.convicted(c) and jail30_only(c)
                and d is not None and lo <= d <= hi)  # fmt: skip

    def probation(c: dict[str, str], revoked: str) -> bool:
        return any(s["sentence_type"] == "probation" and s["revoked"] == revoked
                   for s in v.sentences[c["charge_id"]])  # fmt: skip

    no_case = [c for c in ch if c["case_id"] == ""]
    f = {
        "c01_misd_jail_judgment_old": any(
            misd_jail(c, date(1973, 1, 1), date(2024, 6, 30)) for c in ch),
        "c02_misd_jail_judgment_recent": any(
            misd_jail(c, date(2024, 7, 2), date(2025, 6, 30)) for c in ch),
        "c03_felony_probation_complete": any(
            c["statute"] == "10851 VC" and c["level"] == "felony" and v.convicted(c)
            and any(s["sentence_type"] == "probation" and s["revoked"] == "N"
                    and (s["length"], s["unit"]) == ("3", "Y") for s in v.sentences[c["charge_id"]])
            for c in ch
        ),
        "c04_probation_revoked": any(
            c["level"] == "felony" and v.convicted(c) and probation(c, "Y") for c in ch),
        "c06_burglary_459": any(
            c["statute"] == "459 PC" and c["level"] == "felony" and v.convicted(c) for c in ch),
        "c07_sex_offender_registered": any(
            any(r["registration_type"] == "sex_offender" for r in v.registrations[pid])
            and sum(v.convicted(c) for c in cs) >= 2
            for pid, cs in v.by_person.items()
        ),
        "c08_active_parole": any(
            s["supervision_type"] == "parole" and s["end_date"] == "" for s in v.t["supervision"]),
        "c09_pending_case": any(
            k["case_status"] == "open"
            and "2018" <= k["filing_date"][:4] <= "2021"
            and all(v.disp(c) in ("", "pending") for c in v.by_case[k["case_id"]])
            for k in v.t["cases"]
        ),
        "c10_conviction_before_1973": any(
            v.convicted(c) and (v.disp_date(c) or date.max) < date(1973, 1, 1) for c in ch),
        "a01_misd_arrest_no_case": any(c["level"] == "misdemeanor" for c in no_case),
        "a02_felony_arrest_no_case": any(
            c["level"] == "felony" and c["max_penalty_years"]
            and float(c["max_penalty_years"]) < 8 for c in no_case),
        "a03_felony8_arrest_no_case": any(
            c["level"] == "felony" and c["max_penalty_years"]
            and float(c["max_penalty_years"]) >= 8 for c in no_case),
        "a04_dismissed_and_convicted": any(
            {"dismissed", "convicted"} <= {v.disp(c) for c in cs} for cs in v.by_arrest.values()),
        "a05_diversion_completed": any(v.disp(c) == "diversion_completed" for c in ch),
    }  # fmt: skip
    f["c05_revoked_then_new_felony"] = f["c11_prison_parole_discharged"] = False
    for pid in v.by_person:
        felonies = v.conv_dates(pid, lambda c: c["level"] == "felony")
        revoked = v.conv_dates(pid, lambda c: c["level"] == "felony" and probation(c, "Y"))
        if revoked and any(d > min(revoked) for d in felonies):
            f["c05_revoked_then_new_felony"] = True
        prison = v.conv_dates(pid, lambda c: any(
            s["sentence_type"] == "prison" for s in v.sentences[c["charge_id"]]))  # fmt: skip
        ended = any(s["supervision_type"] == "parole" and s["end_date"]
                    for s in v.supervision[pid])  # fmt: skip
        if prison and ended and not any(d > max(prison) for d in felonies):
            f["c11_prison_parole_discharged"] = True
    return f


FOUND = {"UT": found_ut, "PA": found_pa, "CA": found_ca}


@pytest.fixture(scope="module")
def extracts(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[tuple[str, int], tuple[Path, CanonicalStats, Tables]]:
    d = tmp_path_factory.mktemp("canon")
    out = {}
    for state in GENERATED_STATES:
        for seed in SEEDS:
            folder = d / f"{state}{seed}"
            stats = generate_canonical(folder, ROWS, seed, state)
            out[state, seed] = (folder, stats, load(folder))
    return out


CASES = [(s, seed) for s in GENERATED_STATES for seed in SEEDS]


# ---- determinism and shape -----------------------------------------------------------------


@pytest.mark.parametrize("state", GENERATED_STATES)
def test_same_seed_same_bytes_different_seed_differs(
    tmp_path: Path, state: str, extracts: dict
) -> None:
    folder, _, _ = extracts[state, 1]
    again = tmp_path / "again"
    generate_canonical(again, ROWS, 1, state)
    for name in TABLES:
        assert (again / f"{name}.csv").read_bytes() == (folder / f"{name}.csv").read_bytes()
    other, _, _ = extracts[state, 2]
    for name in ("persons", "arrests", "cases", "charges", "dispositions", "sentences"):
        assert (other / f"{name}.csv").read_bytes() != (folder / f"{name}.csv").read_bytes()


def test_files_tmp_and_row_semantics(tmp_path: Path, extracts: dict) -> None:
    for (state, _), (folder, stats, t) in extracts.items():
        assert sorted(p.name for p in folder.iterdir()) == sorted(f"{n}.csv" for n in TABLES)
        raw = (folder / "charges.csv").read_bytes()
        assert b"\r" not in raw and raw.endswith(b"\n")
        assert ROWS <= stats.charges < ROWS + 60  # stops after the person in progress
        assert stats.table_counts() == {n: len(rows) for n, rows in t.items()}
        assert all(p["state"] == state for p in t["persons"])
    empty = generate_canonical(tmp_path / "empty", 0, 5, "PA")
    assert empty.persons == empty.charges == 0
    for name, table in TABLES.items():
        text = (tmp_path / "empty" / f"{name}.csv").read_text(encoding="utf-8")
        assert text == ",".join(table.columns) + "\n"


def test_bad_arguments(tmp_path: Path) -> None:
    for kwargs in ({"rows": -1}, {"seed": -3}, {"state": "TX"}, {"fmt": "json"}):
        args = {"rows": 10, "seed": 1, "state": "UT", "fmt": "csv", **kwargs}
        with pytest.raises(ValueError):
            generate_canonical(tmp_path / "x", **args)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError):
        generate_canonical(tmp_path / "file", 10, 1, "UT")


# ---- content -------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "seed"), CASES)
def test_required_values_and_vocabularies(state: str, seed: int, extracts: dict) -> None:
    _, _, t = extracts[state, seed]
    for name, table in TABLES.items():
        for r in t[name]:
            for col in table.required:
                assert r[col].strip(), (name, col, r)
    for c in t["charges"]:
        assert c["level"] in LEVELS and (c["grade"] in GRADES or c["grade"] == "")
        assert c["grade"] in STATE_GRADES[state], c
        assert c["is_dv"] in ("Y", "N") and c["is_traffic"] in ("Y", "N")
        assert STATUTE[state].match(c["statute"]), c["statute"]
        assert c["max_penalty_years"] == "" or float(c["max_penalty_years"]) >= 0
        if state == "UT":
            assert c["grade"] == ("" if c["level"] == "felony" else "IN"
                                  if c["level"] == "infraction" else c["grade"]), c  # fmt: skip
            assert c["level"] != "misdemeanor" or c["grade"] in ("A", "B", "C")
            assert (c["is_traffic"] == "Y") == (
                c["statute"].startswith("41-6a-") and c["statute"] != "41-6a-502"
            )
        if state == "PA" and c["grade"]:
            level = {"F": "felony", "M": "misdemeanor", "S": "summary"}[c["grade"][0]]
            assert c["level"] == level, c
            if c["grade"] in PA_MAX and c["max_penalty_years"]:
                assert c["max_penalty_years"] == PA_MAX[c["grade"]], c
        if state == "CA" and c["level"] == "felony":
            assert c["max_penalty_years"] in ("3", "4", "5", "6", "8", "9", "99"), c
    assert {d["disposition"] for d in t["dispositions"]} <= set(DISPOSITIONS)
    for s in t["sentences"]:
        assert s["sentence_type"] in SENTENCE_TYPES
        assert s["unit"] in ("D", "M", "Y", "") and s["revoked"] in ("Y", "N", "")
        assert (s["length"] == "") == (s["unit"] == "")
    assert {k["case_status"] for k in t["cases"]} <= {"open", "closed"}
    assert {r["registration_type"] for r in t["registrations"]} <= set(REGISTRATION_TYPES)
    assert {s["supervision_type"] for s in t["supervision"]} <= set(SUPERVISION_TYPES)
    assert {s["agency"] for s in t["supervision"]} <= {"DOC", "COUNTY", "FEDERAL"}
    for k in t["cases"]:
        assert k["restitution_balance"] == "" or float(k["restitution_balance"]) >= 0


def test_state_specific_dispositions(extracts: dict) -> None:
    want = {
        "UT": {"convicted", "plea_in_abeyance", "plea_in_abeyance_completed",
               "dismissed_with_prejudice", "dismissed_without_prejudice", "acquitted", "ngri",
               "pending"},
        "PA": {"convicted", "withdrawn", "nolle_prossed", "dismissed", "acquitted", "pardoned",
               "pending"},
        "CA": {"convicted", "dismissed", "acquitted", "diversion_completed",
               "prosecutor_rejected", "pending"},
    }  # fmt: skip
    for (state, _), (_, _, t) in extracts.items():
        assert {d["disposition"] for d in t["dispositions"]} == want[state]


@pytest.mark.parametrize(("state", "seed"), CASES)
def test_referential_integrity(state: str, seed: int, extracts: dict) -> None:
    _, _, t = extracts[state, seed]
    for name, key in (("persons", "person_id"), ("arrests", "arrest_id"),
                      ("cases", "case_id"), ("charges", "charge_id")):  # fmt: skip
        ids = [r[key] for r in t[name]]
        assert len(ids) == len(set(ids)), name
    persons = {p["person_id"] for p in t["persons"]}
    arrests = {a["arrest_id"]: a for a in t["arrests"]}
    cases = {k["case_id"]: k for k in t["cases"]}
    charges = {c["charge_id"] for c in t["charges"]}
    for name in ("arrests", "cases", "charges", "registrations", "supervision"):
        assert all(r["person_id"] in persons for r in t[name]), name
    for k in t["cases"]:
        assert arrests[k["arrest_id"]]["person_id"] == k["person_id"]
    for c in t["charges"]:
        assert arrests[c["arrest_id"]]["person_id"] == c["person_id"]
        if c["case_id"]:
            assert cases[c["case_id"]]["person_id"] == c["person_id"]
    assert all(d["charge_id"] in charges for d in t["dispositions"])
    assert all(s["charge_id"] in charges for s in t["sentences"])
    assert persons == {c["person_id"] for c in t["charges"]}  # nobody without a charge
    v = View(t)
    for cid, k in cases.items():  # open iff a charge is still pending
        still = any(v.disp(c) in ("", "pending", "plea_in_abeyance") for c in v.by_case[cid])
        assert (k["case_status"] == "open") == still, k
    blank_case = [c for c in t["charges"] if not c["case_id"]]
    assert bool(blank_case) == (state == "CA")


@pytest.mark.parametrize(("state", "seed"), CASES)
def test_dates(state: str, seed: int, extracts: dict) -> None:
    _, _, t = extracts[state, seed]
    n = partial = blank = 0
    for name, cols in DATE_COLS.items():
        for r in t[name]:
            for col in cols:
                s = r[col]
                if m := FULL.match(s):
                    date.fromisoformat(s)
                    lo = 1925 if col == "dob" else 1970
                    if (name, col) == ("sentences", "end_date"):  # may still be running
                        assert lo <= int(m.group(1)) <= 2045, s
                    else:
                        assert lo <= int(m.group(1)) and s <= "2025-06-30", (name, col, s)
                else:
                    assert s == "" or PARTIAL.match(s), (name, col, s)
                if (name, col) in MEANINGFUL_BLANK:
                    continue
                n += 1
                partial += bool(PARTIAL.match(s))
                blank += s == ""
    assert 0.004 < partial / n < 0.02 and 0.001 < blank / n < 0.012
    for p in t["persons"]:
        assert p["deceased_date"] == "" or FULL.match(p["deceased_date"])
    v = View(t)
    dob = {p["person_id"]: day(p["dob"]) for p in t["persons"]}
    for a in t["arrests"]:
        when, born = day(a["arrest_date"]), dob[a["person_id"]]
        if when and born:
            assert (when - born).days > 16 * 365, a
    for k in t["cases"]:
        filed, arrested = day(k["filing_date"]), day(v.arrests[k["arrest_id"]]["arrest_date"])
        if filed and arrested:
            assert filed > arrested


@pytest.mark.parametrize(("state", "seed"), CASES)
def test_every_edge_case_present_and_rare(state: str, seed: int, extracts: dict) -> None:
    _, stats, t = extracts[state, seed]
    found = FOUND[state](View(t))
    assert set(found) == set(EDGE_CASES[state])
    assert [tag for tag, ok in found.items() if not ok] == []
    assert set(stats.edge_cases) == set(EDGE_CASES[state])
    assert all(n >= 1 for n in stats.edge_cases.values())
    assert all(n / stats.persons < 0.03 for n in stats.edge_cases.values())  # low rate


def test_state_features(extracts: dict) -> None:
    for (state, _), (_, stats, t) in extracts.items():
        ch = t["charges"]
        if state == "UT":
            assert any(c["is_dv"] == "Y" for c in ch) and any(c["is_traffic"] == "Y" for c in ch)
            assert stats.notable["restitution_owed_cases"] > 0
            assert {c["level"] for c in ch} == {"felony", "misdemeanor", "infraction"}
        if state == "PA":
            blank_grade = sum(c["grade"] == "" for c in ch) / len(ch)
            blank_max = sum(c["max_penalty_years"] == "" for c in ch) / len(ch)
            assert 0.01 < blank_grade < 0.06 and 0.01 < blank_max < 0.06
            blank_rest = sum(k["restitution_balance"] == "" for k in t["cases"]) / len(t["cases"])
            assert 0.01 < blank_rest < 0.07
            assert {c["level"] for c in ch} == {"felony", "misdemeanor", "summary"}
        if state == "CA":
            assert any(s["revoked"] == "Y" for s in t["sentences"])
            assert {s["sentence_type"] for s in t["sentences"]} >= {"prison", "jail", "probation"}
            assert any(r["registration_type"] == "sex_offender" for r in t["registrations"])
            assert {c["level"] for c in ch} == {"felony", "misdemeanor", "infraction"}


# ---- parquet, memory, CLI ------------------------------------------------------------------


def test_parquet_holds_the_csv_data(tmp_path: Path, extracts: dict) -> None:
    folder, _, _ = extracts["PA", 1]
    pq = tmp_path / "pq"
    (pq).mkdir()
    (pq / "persons.csv").write_text("stale\n")  # an older CSV would shadow the parquet
    generate_canonical(pq, ROWS, 1, "PA", "parquet")
    assert sorted(p.name for p in pq.iterdir()) == sorted(f"{n}.parquet" for n in TABLES)
    for name, table in TABLES.items():
        got = pl.read_parquet(pq / f"{name}.parquet")
        assert got.columns == list(table.columns)
        assert all(dt == pl.String for dt in got.dtypes)
        want = pl.read_csv(folder / f"{name}.csv", infer_schema=False)
        assert got.equals(want), name


def test_memory_is_flat(tmp_path: Path) -> None:
    peaks = []
    for n in (1_000, 10_000):
        tracemalloc.start()
        try:
            generate_canonical(tmp_path / "m", n, 8, "CA")
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 10_000_000
    assert peaks[1] / peaks[0] < 1.5


def test_cli_canonical(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "ut"
    result = runner.invoke(
        app, ["--format", "canonical", "--state", "UT", "--rows", "300",
              "--seed", "4", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and " charges" in lines[0] and str(out) in lines[0]
    api = tmp_path / "api"
    generate_canonical(api, 300, 4, "UT")
    for name in TABLES:
        assert (out / f"{name}.csv").read_bytes() == (api / f"{name}.csv").read_bytes()

    pq = tmp_path / "pa"
    result = runner.invoke(
        app, ["--format", "canonical", "--state", "pa", "--file-format", "parquet",
              "--rows", "50", "--out", str(pq)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (pq / "charges.parquet").is_file() and not (pq / "charges.csv").exists()


def test_cli_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "x")
    base = ["--rows", "10", "--out", out]
    result = runner.invoke(app, [*base, "--format", "canonical"])
    assert result.exit_code == 2 and "--state" in result.output
    assert "required with --format canonical" in result.output
    result = runner.invoke(app, [*base, "--format", "canonical", "--state", "TX"])
    assert result.exit_code == 2 and "TX" in result.output and "UT" in result.output
    result = runner.invoke(app, [*base, "--state", "UT"])  # DOJ format takes no state
    assert result.exit_code == 2 and "--state" in result.output
    assert not Path(out).exists()
    # the DOJ format is unchanged: --out is a file, and a folder is refused
    result = runner.invoke(app, ["--rows", "20", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0 and "wrote 20 rows" in result.output
    result = runner.invoke(app, ["--rows", "20", "--out", str(tmp_path)])
    assert result.exit_code == 2
