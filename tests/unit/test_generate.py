"""Tests for the fabricated DOJ research-file generator (devtools/generate)."""

from __future__ import annotations

import csv
import re
import tracemalloc
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.generate.cli import app
from devtools.generate.extract import (
    CODE_VARIANTS,
    DEFAULT_COUNTIES,
    HARD_CASES,
    ORDINARY_OFFENSES,
    GenerateStats,
    generate_extract,
)
from orchestration.ingest.doj_format import COLUMNS, FIELD_COUNT, INDEX

I = INDEX  # noqa: E741 - short alias for column indexes
SID, CNT, STP, DISP, STAT, TOC = (
    I["SUBJECT_ID"],
    I["CNT_ORDER"],
    I["STP_TYPE_DESCR"],
    I["DISP_DESCR"],
    I["CONV_STAT_DESCR"],
    I["OFFENSE_TOC"],
)
OFF, COMMENT, COUNTY = I["OFFENSE_DESCR"], I["COMMENT_TEXT"], I["STP_ORI_CNTY_NAME"]
STP_DATE, CYC_DATE, DOB = I["STP_EVENT_DATE"], I["CYC_DATE"], I["PRI_DOB"]

# Prop 64 section anywhere a DOJ clerk might put it; 11357.5 and 113570 are not Prop 64.
P64 = re.compile(r"^(?:HS )?(?:664[-/.]?|182/)?(1135[7-9]|11360)(?![\d.])", re.IGNORECASE)
SUPERSTRIKES = ("187 PC-", "664/187 PC-", "288(A) PC-", "269 PC-", "261(A)(2) PC-")
PC290S = ("261(A)(2) PC-", "288(A) PC-", "647.6 PC-")
YEAR_ONLY = re.compile(r"^\d{4}0000$")
YEAR_MONTH = re.compile(r"^\d{4}(0[1-9]|1[0-2])00$")
FULL_DATE = re.compile(r"^(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])$")


def read(path: Path) -> tuple[list[str] | None, list[list[str]]]:
    with open(path, newline="", encoding="ascii") as fh:
        records = list(csv.reader(fh))
    if records and records[0] and records[0][0] == "RECORD_ID":
        return records[0], records[1:]
    return None, records


def charge(row: list[str]) -> str:
    """gogen's charge source: OFFENSE_DESCR, or COMMENT_TEXT when that is blank / see-comment."""
    text = row[OFF].strip()
    return row[COMMENT] if text in ("", "SEE COMMENT FOR CHARGE") else row[OFF]


def convictions(rows: list[list[str]]) -> list[list[str]]:
    """First row of each convicted CNT_ORDER, per subject."""
    seen: set[tuple[str, str]] = set()
    out = []
    for r in rows:
        if r[DISP].startswith("CONVICTED") and (r[SID], r[CNT]) not in seen:
            seen.add((r[SID], r[CNT]))
            out.append(r)
    return out


def is_felony(r: list[str]) -> bool:
    return r[STAT] == "FELONY" or (r[STAT] == "" and r[TOC] == "F")


def hard_cases_found(rows: list[list[str]]) -> dict[str, bool]:
    """Each hard case of the brief, detected from the file alone."""
    convs = convictions(rows)
    found = {
        "conv_felony": any(r[STAT] == "FELONY" for r in convs),
        "conv_misdemeanor": any(r[STAT] == "MISDEMEANOR" for r in convs),
        "blank_stat_toc_f": any(r[STAT] == "" and r[TOC] == "F" for r in convs),
        "blank_stat_toc_m": any(r[STAT] == "" and r[TOC] in ("M", "I") for r in convs),
        "see_comment": any(r[OFF] == "SEE COMMENT FOR CHARGE" and r[COMMENT] for r in rows),
        "blank_offense_comment": any(
            r[OFF] == "" and r[COMMENT] and r[STP] in ("ARREST/DETAINED/CITED", "COURT ACTION")
            for r in rows
        ),
        "deceased": any(r[STP] == "DECEASED" for r in rows),
        "registration_290": any(
            r[STP] == "REGISTRATION" and r[OFF].startswith("290 PC-REGISTRATION OF SEX OFFENDER")
            for r in rows
        ),
        "p64_after_2016": any(
            P64.search(charge(r)) and FULL_DATE.match(r[STP_DATE]) and r[STP_DATE] > "20161109"
            for r in convs
        ),
    }
    court = [r for r in rows if r[STP] == "COURT ACTION"]  # STP_EVENT_DATE = conviction date
    for col, name, where in ((STP_DATE, "stp", court), (CYC_DATE, "cyc", rows), (DOB, "dob", rows)):
        found[f"{name}_year_only"] = any(YEAR_ONLY.match(r[col]) for r in where)
        found[f"{name}_year_month"] = any(YEAR_MONTH.match(r[col]) for r in where)
    for form in (*CODE_VARIANTS, *ORDINARY_OFFENSES):
        found[f"code:{form}"] = any(r[OFF].startswith(form + "-") for r in rows)

    by_subject: dict[str, list[list[str]]] = defaultdict(list)
    for r in rows:
        by_subject[r[SID]].append(r)
    for key in ("superstrike_before_p64", "superstrike_after_p64", "pc290_before_p64",
                "pc290_after_p64", "same_section_felony_x2", "same_section_felony_x3",
                "dup_sentence_adjacent", "dup_sentence_nonadjacent", "out_of_county"):  # fmt: skip
        found[key] = False
    for srows in by_subject.values():
        sconv = convictions(srows)
        p64_cycles = [int(r[CNT][:3]) for r in sconv if P64.search(charge(r))]
        for kind, forms in (("superstrike", SUPERSTRIKES), ("pc290", PC290S)):
            cycles = [int(r[CNT][:3]) for r in sconv if charge(r).startswith(forms)]
            if any(c < p for c in cycles for p in p64_cycles):
                found[f"{kind}_before_p64"] = True
            if any(c > p for c in cycles for p in p64_cycles):
                found[f"{kind}_after_p64"] = True
        felonies: dict[str, int] = defaultdict(int)
        for r in sconv:
            m = P64.search(charge(r))
            if m and is_felony(r):
                felonies[m.group(1)] += 1
        if felonies and max(felonies.values()) >= 2:
            found["same_section_felony_x2"] = True
        if felonies and max(felonies.values()) >= 3:
            found["same_section_felony_x3"] = True
        orders = [r[CNT] for r in srows]
        for i in range(1, len(orders)):
            if orders[i] == orders[i - 1]:
                found["dup_sentence_adjacent"] = True
            elif orders[i] in orders[: i - 1]:
                found["dup_sentence_nonadjacent"] = True
        if len({r[COUNTY] for r in srows}) > 1:
            found["out_of_county"] = True
    return found


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[int, tuple[Path, GenerateStats]]:
    d = tmp_path_factory.mktemp("gen")
    return {
        seed: (d / f"s{seed}.csv", generate_extract(d / f"s{seed}.csv", 2000, seed))
        for seed in (1, 2)
    }


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateStats]:
    path = tmp_path_factory.mktemp("gen") / "m.csv"
    return path, generate_extract(path, 30_000, 11)


# ---- determinism ---------------------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    generate_extract(a, 5000, 42)
    generate_extract(b, 5000, 42)
    assert a.read_bytes() == b.read_bytes()
    c = tmp_path / "c.csv"  # counties and header are part of the key too
    generate_extract(c, 5000, 42, counties=["YOLO", "FRESNO"], header=False)
    d = tmp_path / "d.csv"
    generate_extract(d, 5000, 42, counties=["YOLO", "FRESNO"], header=False)
    assert c.read_bytes() == d.read_bytes()


def test_different_seed_different_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    generate_extract(a, 2000, 1)
    generate_extract(b, 2000, 2)
    assert a.read_bytes() != b.read_bytes()


def test_prefix_property_row_counts_do_not_change_content(tmp_path: Path) -> None:
    # A shorter file is a prefix of a longer one with the same seed: rows are cut, never reshuffled.
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    generate_extract(a, 777, 9)
    generate_extract(b, 3000, 9)
    assert b.read_bytes().startswith(a.read_bytes())


# ---- file shape ----------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 7, 2001])
def test_exact_row_count_and_header(tmp_path: Path, n: int) -> None:
    out = tmp_path / "x.csv"
    stats = generate_extract(out, n, 3)
    raw = out.read_bytes()
    assert raw.startswith(b"RECORD_ID,SUBJECT_STATUS,")
    assert b"\r" not in raw
    assert raw.count(b"\n") == n + 1 and raw.endswith(b"\n")
    header, rows = read(out)
    assert header == list(COLUMNS)
    assert len(rows) == n == stats.rows
    assert not (tmp_path / "x.csv.tmp").exists()


def test_no_header(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    generate_extract(out, 500, 3, header=False)
    header, rows = read(out)
    assert header is None and len(rows) == 500
    assert not out.read_bytes().startswith(b"RECORD_ID")
    with_header = tmp_path / "y.csv"
    generate_extract(with_header, 500, 3)
    assert with_header.read_bytes().split(b"\n", 1)[1] == out.read_bytes()


def test_overwrites_atomically(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "x.csv"
    out.parent.mkdir()
    out.write_text("old\n")
    generate_extract(out, 10, 0)
    assert out.read_bytes().startswith(b"RECORD_ID")
    assert sorted(p.name for p in out.parent.iterdir()) == ["x.csv"]


def test_every_record_has_95_fields_and_sane_values(medium: tuple[Path, GenerateStats]) -> None:
    path, _ = medium
    _, rows = read(path)
    assert len(rows) == 30_000
    assert all(len(r) == FIELD_COUNT == 95 for r in rows)
    assert b'"' in path.read_bytes()  # "LAST,FIRST M" names are quoted (QUOTE_MINIMAL)
    names: dict[str, str] = {}
    blocks: list[str] = []
    for r in rows:
        assert re.fullmatch(r"\d{8}", r[SID]) and re.fullmatch(r"\d{10}", r[I["CII_NUMBER"]])
        assert re.fullmatch(r"[A-Z]+,[A-Z]+( [A-Z])?", r[I["PRI_NAME"]])
        assert names.setdefault(r[SID], r[I["PRI_NAME"]]) == r[I["PRI_NAME"]]
        if not blocks or blocks[-1] != r[SID]:
            blocks.append(r[SID])
        assert re.fullmatch(r"\d{12}", r[CNT]) and r[CNT].endswith("000")
        assert r[STP] in ("ARREST/DETAINED/CITED", "COURT ACTION", "REGISTRATION", "DECEASED")
        assert r[DISP] in ("", "CONVICTED", "CONVICTED-JAIL", "CONVICTED-PROBATION",
                           "CONVICTED-PRISON", "DISMISSED/CHARGE DROPPED",
                           "REL/TOT OTHER JURIS/AUTH")  # fmt: skip
        assert r[STAT] in ("", "FELONY", "MISDEMEANOR", "INFRACTION")
        assert r[TOC] in ("", "F", "M", "I")
        if r[STAT]:
            assert r[DISP].startswith("CONVICTED")
        if r[I["OFN"]]:
            assert r[STP] == "COURT ACTION"
        if r[I["SENT_LOC_DESCR"]]:
            assert r[DISP].startswith("CONVICTED")
            assert r[I["SENT_LOC_DESCR"]] in ("JAIL", "PROBATION", "PRISON")
            assert r[I["SENT_LENGTH"]].isdigit() and r[I["SENT_TIME_CODE"]] in ("D", "M", "Y")
        assert r[I["STP_ORI_DESCR"]].endswith(" " + r[COUNTY])
        for col in (STP_DATE, CYC_DATE, DOB):
            assert FULL_DATE.match(r[col]) or YEAR_ONLY.match(r[col]) or YEAR_MONTH.match(r[col])
        if FULL_DATE.match(r[STP_DATE]):
            assert "19750101" <= r[STP_DATE] <= "20241231"
            if r[STP] == "COURT ACTION" and FULL_DATE.match(r[CYC_DATE]):
                assert r[STP_DATE] > r[CYC_DATE]
            if FULL_DATE.match(r[DOB]):
                dob = date(int(r[DOB][:4]), int(r[DOB][4:6]), int(r[DOB][6:]))
                plus14 = date(dob.year + 14, dob.month, 28 if dob.day > 28 else dob.day)
                assert r[STP_DATE] > plus14.strftime("%Y%m%d")
    assert len(blocks) == len(set(blocks)) == len(names)  # a subject's rows are contiguous
    # cycles are 101, 102, ... in order within each subject
    cycles: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        c = int(r[CNT][:3])
        if not cycles[r[SID]] or cycles[r[SID]][-1] != c:
            cycles[r[SID]].append(c)
    for seq in cycles.values():
        assert seq == list(range(101, 101 + len(seq)))
        assert len(seq) <= 6


def test_stats_match_the_file(medium: tuple[Path, GenerateStats]) -> None:
    path, stats = medium
    _, rows = read(path)
    convs = convictions(rows)
    assert stats.rows == len(rows)
    assert stats.subjects == len({r[SID] for r in rows})
    assert stats.convictions == len(convs)
    assert stats.felony_convictions == sum(is_felony(r) for r in convs)
    assert stats.prop64_convictions == sum(bool(P64.search(charge(r))) for r in convs)
    assert stats.deceased_subjects == sum(r[STP] == "DECEASED" for r in rows)
    assert stats.registrations == sum(r[STP] == "REGISTRATION" for r in rows)
    assert stats.duplicate_sentence_rows == sum(
        r[DISP].startswith("CONVICTED") for r in rows
    ) - len(convs)
    assert set(stats.hard_cases) == set(HARD_CASES)
    # the data is built to exercise a Prop 64 tool
    assert 0.35 <= stats.prop64_convictions / stats.convictions <= 0.50


def test_default_counties_and_out_of_county(medium: tuple[Path, GenerateStats]) -> None:
    path, stats = medium
    _, rows = read(path)
    assert {r[COUNTY] for r in rows} == set(DEFAULT_COUNTIES)
    assert 0.05 < stats.out_of_county_rows / stats.rows < 0.2


def test_counties_option(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    generate_extract(out, 3000, 5, counties=["YOLO", "FRESNO"])
    _, rows = read(out)
    # out-of-county cycles are drawn from the same list: every row is in the given set
    assert {r[COUNTY] for r in rows} == {"YOLO", "FRESNO"}
    assert hard_cases_found(rows)["out_of_county"]
    generate_extract(out, 1000, 5, counties=["SAN JOAQUIN"])
    _, rows = read(out)
    assert {r[COUNTY] for r in rows} == {"SAN JOAQUIN"}


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        generate_extract(tmp_path / "x.csv", -1, 0)
    with pytest.raises(ValueError):
        generate_extract(tmp_path / "x.csv", 10, -1)
    with pytest.raises(ValueError):
        generate_extract(tmp_path / "x.csv", 10, 0, counties=[])
    with pytest.raises(TypeError):
        generate_extract(tmp_path / "x.csv", 10, 0, counties="YOLO")
    assert list(tmp_path.iterdir()) == []


# ---- hard cases ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2])
def test_every_hard_case_present_at_2000_rows(
    small: dict[int, tuple[Path, GenerateStats]], seed: int
) -> None:
    path, stats = small[seed]
    _, rows = read(path)
    found = hard_cases_found(rows)
    assert [k for k, v in found.items() if not v] == []
    # the generator's own bookkeeping agrees (it also tracks a few extra cases)
    assert [k for k, v in stats.hard_cases.items() if v == 0] == []


def test_hard_cases_stay_rare(medium: tuple[Path, GenerateStats]) -> None:
    path, stats = medium
    _, rows = read(path)
    assert sum(r[OFF] == "SEE COMMENT FOR CHARGE" for r in rows) / len(rows) < 0.02
    assert sum(r[OFF].startswith("66411357") for r in rows) / len(rows) < 0.01
    assert stats.deceased_subjects / stats.subjects < 0.05


# ---- memory --------------------------------------------------------------------------------


def test_memory_is_flat(tmp_path: Path) -> None:
    # tracemalloc slows this generator ~10x, so 10k vs 100k rows (not 200k): peak must not grow.
    peaks = []
    for n in (10_000, 100_000):
        tracemalloc.start()
        try:
            generate_extract(tmp_path / "x.csv", n, 8)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < 20_000_000
    assert peaks[1] / peaks[0] < 2


# ---- CLI -----------------------------------------------------------------------------------


def test_cli_generate(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    result = CliRunner().invoke(
        app,
        ["--rows", "300", "--seed", "4", "--out", str(out),
         "--counties", "YOLO,FRESNO", "--counties", "ALAMEDA"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "300 rows" in lines[0] and str(out) in lines[0]
    header, rows = read(out)
    assert header is not None and len(rows) == 300
    assert {r[COUNTY] for r in rows} <= {"YOLO", "FRESNO", "ALAMEDA"}
    same = tmp_path / "api.csv"
    generate_extract(same, 300, 4, counties=["YOLO", "FRESNO", "ALAMEDA"])
    assert same.read_bytes() == out.read_bytes()


def test_cli_no_header_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "cli.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["--rows", "50", "--out", str(out), "--no-header"])
    assert result.exit_code == 0, result.output
    assert read(out)[0] is None and len(read(out)[1]) == 50
    assert runner.invoke(app, ["--out", str(out)]).exit_code != 0
    assert runner.invoke(app, ["--rows", "-5", "--out", str(out)]).exit_code != 0


def test_placeholder_fills_every_empty_cell_and_changes_nothing_else(tmp_path: Path) -> None:
    plain, dashed = tmp_path / "plain.csv", tmp_path / "dashed.csv"
    generate_extract(plain, rows=300, seed=5)
    generate_extract(dashed, rows=300, seed=5, placeholder="  -  ")
    with plain.open() as a, dashed.open() as b:
        rows_a, rows_b = list(csv.reader(a)), list(csv.reader(b))
    assert len(rows_a) == len(rows_b) == 301
    empties = 0
    for ra, rb in zip(rows_a, rows_b, strict=True):
        for ca, cb in zip(ra, rb, strict=True):
            if ca == "":
                empties += 1
                assert cb == "  -  "
            else:
                assert cb == ca
    assert empties > 1000  # most of the 95 columns are empty on most records
