"""Court PDF and review workbook, read back with real readers (pypdf, pypdfium2, openpyxl)."""

import hashlib
import random
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta

import polars as pl
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from orchestration.exports import court_pdf
from orchestration.exports.court_pdf import write_court_document
from orchestration.exports.presentation import PresentationError
from orchestration.exports.publish import decision_set_reference
from orchestration.exports.review_workbook import HEADINGS, write_review_workbook

AS_OF = date(2025, 7, 1)
CITATION = "Cal. Health & Safety Code §§ 11361.8, 11361.9"
# what the court documents cite for Prop 64 (presentation/us-ca.yaml)
COURT_CITATION = "Cal. Health & Safety Code § 11361.9(b)-(c)"
PROP64 = {
    "program": "us_ca_prop64",
    "jurisdiction": "US-CA",
    "title": "California Proposition 64 (AUMA)",
    "law_version": date(2018, 9, 30),
    "rules_version": "prop64-test-1",
}

SYLLABLES = ["ka", "lo", "mer", "vin", "to", "sa", "bre", "dul", "ni", "qua", "ro", "zel"]
FIRST = ["ALMA", "BORIS", "CELIA", "DARIO", "ELKE", "FARID", "GRETA", "HUGO", "INES", "JONAS"]
STATUTES = [
    ("CA:HS:11357(c)", "11357", "HS 11357(C) POSSESS MARIJUANA"),
    ("CA:HS:11358", "11358", "HS 11358 CULTIVATE MARIJUANA"),
    ("CA:HS:11359", "11359", "HS 11359 POSSESS MARIJUANA FOR SALE"),
    (None, "11360", "11360(A) HS-TRANSPORT/SELL MARIJUANA"),
]
SCHEMA = {
    **{c: pl.Date for c in ("conviction_date", "eligible_on", "dob", "as_of")},
    **{
        c: pl.String
        for c in (
            "case_number",
            "statute",
            "grade",
            "relief",
            "missing_facts",
            "otn",
            "review_mark",
        )
    },
    "review_applies": pl.Boolean,
}
DETERMINATIONS = ["eligible", "not_eligible", "not_yet_eligible", "needs_review"]


def _code(i: int, width: int = 4) -> str:
    """Fixed-width base-26 letters: unique per i, so every fake last name is unique."""
    letters = []
    for _ in range(width):
        i, r = divmod(i, 26)
        letters.append(chr(ord("A") + r))
    return "".join(reversed(letters))


def make_decisions(n: int, seed: int = 1, eligible_share: float = 1.0) -> pl.DataFrame:
    """N fabricated decision rows (fake people, one charge each, unique last names)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        last = (rng.choice(SYLLABLES) + rng.choice(SYLLABLES)).upper() + _code(i)
        statute, section, offense = rng.choice(STATUTES)
        if rng.random() < eligible_share:
            det = "eligible"
        else:
            det = rng.choice(DETERMINATIONS[1:])
        conv = date(1995, 1, 1) + timedelta(days=rng.randint(0, 7500))
        dob = date(1950, 1, 1) + timedelta(days=rng.randint(0, 15000))
        partial_conv = i % 97 == 5  # unparsed date: raw text only
        no_dob = i % 89 == 3
        relief = {"eligible": rng.choice(["dismiss", "reduce"])}.get(det)
        rows.append(
            {
                "charge_key": f"ck-{seed}-{i:06d}",
                "person_key": f"pk-{i:06d}",
                "subject_id": f"S{seed}{i:06d}",
                "source_system": "doj",
                "jurisdiction": "US-CA",
                "charge_ref": f"{i:06d}-01",
                "cnt_order": f"{101002001000 + i}",
                "case_key": f"case-{i // 2:06d}",
                "source_file": "doj_research_file.csv",
                "source_line": i + 2,
                "county": "SAN JOAQUIN",
                "case_number": None if i % 50 == 7 else f"SJ{rng.randint(10000, 99999)}",
                "disposition": "convicted",
                "conviction_date": None if partial_conv else conv,
                "conviction_date_raw": f"{conv:%Y-%m}" if partial_conv else f"{conv:%Y%m%d}",
                "offense_raw": offense,
                "statute": statute,
                "section": section,
                "offense_level": rng.choice(["misdemeanor", "felony"]),
                "grade": None,
                "program": "us_ca_prop64" if i % 5 else "us_ca_pc_1203_425",
                "determination": det,
                "relief": relief,
                "eligible_on": conv + timedelta(days=3650) if det == "not_yet_eligible" else None,
                "decisive_rule": f"rule_{det}",
                "reason_codes": det.upper(),
                "reasons": f"Decided {det} because of the test data [{CITATION}]",
                "citations": CITATION,
                "missing_facts": "sentence completion date" if det == "needs_review" else None,
                "facts": f"section={section}; level=x",
                "as_of": AS_OF,
                "rules_version": "prop64-test-1",
                "person_name": f"{last},{rng.choice(FIRST)} {chr(65 + i % 26)}",
                "dob": None if no_dob else dob,
                "dob_raw": "19XX0101" if no_dob else f"{dob:%Y%m%d}",
                "cii_number": f"A{i:08d}",
                "otn": None,
                "gender": rng.choice(["M", "F"]),
                "race": "X",
                # as exp_decisions gives them: the decision's id, and no review yet
                "decision_id": hashlib.md5(f"{seed}|{i}".encode()).hexdigest(),
                "review_mark": None,
                "review_applies": None,
            }
        )
    return pl.DataFrame(rows, schema_overrides=SCHEMA)


def _last(name: str) -> str:
    return name.split(",")[0]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------------------------
# Court PDF
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def court_doc(tmp_path_factory):
    """2,000 eligible rows plus 400 that are not (filtered out by the writer)."""
    eligible = make_decisions(2000, seed=1)
    others = make_decisions(400, seed=2, eligible_share=0.0)
    rows = pl.concat([eligible, others])
    path = tmp_path_factory.mktemp("court") / "motion.pdf"
    started = time.perf_counter()
    result = write_court_document(path, "San Joaquin", PROP64, rows, AS_OF)
    elapsed = time.perf_counter() - started
    print(f"\ncourt PDF 2,000 rows: {elapsed:.2f} s, {result['pages']} pages, {result['bytes']} B")
    reader = PdfReader(path)
    pages = [p.extract_text() for p in reader.pages]
    return {"path": path, "result": result, "rows": rows, "eligible": eligible, "pages": pages}


def test_pdf_pages_have_running_header_and_footer(court_doc):
    pages = court_doc["pages"]
    n = len(pages)
    assert n > 1
    assert court_doc["result"]["pages"] == n
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text
        assert "SUPERIOR COURT OF CALIFORNIA, COUNTY OF SAN JOAQUIN" in text
        assert "California Proposition 64 (AUMA)" in text  # the law's title, not its id
        assert f"Decision set {court_doc['result']['reference']}" in text
        assert "Run " not in text  # the run id lives in manifest.json, never in a document
        # rules versions (program id, rule-file hash) live in manifest.json too
        assert "prop64-test-1" not in text and "us_ca_prop64" not in text


def test_pdf_first_page_has_caption_title_intro_and_first_rows(court_doc):
    page1 = _norm(court_doc["pages"][0])
    assert "THE PEOPLE OF THE STATE OF CALIFORNIA" in page1
    assert "MOTION AND [PROPOSED] ORDER FOR DISMISSAL AND SEALING OR REDESIGNATION" in page1
    assert f"PURSUANT TO {COURT_CITATION}" in page1
    assert "July 1, 2025" in page1 and "2,000 charges" in page1
    names = dict(
        zip(court_doc["eligible"]["charge_key"], court_doc["eligible"]["person_name"], strict=True)
    )
    for key in court_doc["result"]["charge_keys"][:5]:
        assert _last(names[key]) + "," in page1
    for heading in (
        "Name",
        "Date of birth",
        "CII / Case no.",
        "Count",
        "Disposition date",
        "Code section",
        "Relief granted",
    ):
        assert heading in page1


def test_pdf_lists_every_eligible_row_exactly_once_and_no_other(court_doc):
    text = "\n".join(court_doc["pages"])
    eligible, rows = court_doc["eligible"], court_doc["rows"]
    counts = Counter(re.findall(r"\b([A-Z]{4,}[A-Z]{4}),", text))
    for name, cii in zip(eligible["person_name"], eligible["cii_number"], strict=True):
        assert counts[_last(name)] == 1, name
        assert text.count(cii) == 1, cii
    for name in rows.filter(pl.col("determination") != "eligible")["person_name"]:
        assert _last(name) not in text
    result = court_doc["result"]
    assert result["rows"] == 2000
    assert sorted(result["charge_keys"]) == sorted(eligible["charge_key"])
    # the table heading repeats on every page that carries rows
    assert all("Relief granted" in p for p in court_doc["pages"][:-1])


def test_pdf_signature_block_on_last_page(court_doc):
    last = _norm(court_doc["pages"][-1])
    for text in (
        "Respectfully submitted",
        "DISTRICT ATTORNEY, COUNTY OF SAN JOAQUIN",
        "Deputy District Attorney",
        "[PROPOSED] ORDER",
        "IT IS SO ORDERED.",
        "Judge of the Superior Court",
        "items 1 through 2,000",
    ):
        assert text in last


def test_pdf_page_one_renders_non_blank(court_doc, tmp_path):
    pdfium = pytest.importorskip("pypdfium2")
    doc = pdfium.PdfDocument(str(court_doc["path"]))
    image = doc[0].render(scale=1.5).to_pil().convert("L")
    png = tmp_path / "page1.png"
    image.save(png)
    assert png.stat().st_size > 10_000
    dark = sum(1 for v in image.getdata() if v < 100)
    assert dark > 0.01 * image.width * image.height
    doc.close()


def test_pdf_5000_rows_time(tmp_path):
    rows = make_decisions(5000, seed=3)
    started = time.perf_counter()
    result = write_court_document(tmp_path / "big.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)
    elapsed = time.perf_counter() - started
    print(f"\ncourt PDF 5,000 rows: {elapsed:.2f} s, {result['pages']} pages, {result['bytes']} B")
    assert result["rows"] == 5000 and result["pages"] > 100
    assert elapsed < 60  # generous: the point is "thousands of rows are fine", not a benchmark
    assert len(PdfReader(tmp_path / "big.pdf").pages) == result["pages"]


def test_pdf_rows_are_not_held_as_dicts(tmp_path, monkeypatch):
    """A court document reads its rows one at a time where it prints them: the county's
    eligible rows as Python dicts, all at once, were about a third of a document's memory (a
    county of 620,486 decisions: 1,261 -> 944 MiB for its two documents). Same bytes."""
    rows = make_decisions(300, seed=4)
    want = write_court_document(tmp_path / "a.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)

    def refused(self, *a, **k):
        raise AssertionError("the rows were turned into dicts all at once")

    monkeypatch.setattr(pl.DataFrame, "to_dicts", refused)
    got = write_court_document(tmp_path / "b.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)
    assert got["charge_keys"] == want["charge_keys"] and got["rows"] == 300
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_pdf_same_input_same_bytes(tmp_path):
    rows = make_decisions(300, seed=4)
    a = write_court_document(tmp_path / "a.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)
    b = write_court_document(tmp_path / "b.pdf", "SAN JOAQUIN", PROP64, rows.reverse(), AS_OF)
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    assert a["charge_keys"] == b["charge_keys"]
    meta = PdfReader(tmp_path / "a.pdf").metadata
    assert meta["/CreationDate"].startswith("D:20250701")


@pytest.mark.parametrize(
    ("jurisdiction", "program_id", "county", "court", "relief", "wording"),
    [
        ("US-UT", "us_ut_clean_slate", "SALT LAKE", "DISTRICT COURT, STATE OF UTAH", "expunge",
         "EXPUNGEMENT"),
        ("US-PA", "us_pa_clean_slate", "ALLEGHENY",
         "COURT OF COMMON PLEAS, ALLEGHENY COUNTY, PENNSYLVANIA", "limited_access",
         "LIMITED ACCESS"),
        ("US-CA", "us_ca_pc_851_93", None, "SUPERIOR COURT OF CALIFORNIA, COUNTY OF (COUNTY",
         "arrest_relief", "ARREST RECORD RELIEF"),
    ],
)  # fmt: skip
def test_pdf_caption_is_driven_by_jurisdiction(
    tmp_path, jurisdiction, program_id, county, court, relief, wording
):
    rows = make_decisions(12, seed=5).with_columns(
        pl.lit(relief, dtype=pl.String).alias("relief"), pl.lit(None, pl.String).alias("county")
    )
    program = {**PROP64, "program": program_id, "jurisdiction": jurisdiction}
    path = tmp_path / "doc.pdf"
    result = write_court_document(path, county, program, rows, AS_OF)
    text = _norm("\n".join(p.extract_text() for p in PdfReader(path).pages))
    assert court in text
    assert f"MOTION AND [PROPOSED] ORDER FOR {wording} PURSUANT TO" in text
    assert result["rows"] == 12


def test_pdf_for_a_state_without_a_profile_is_refused_naming_the_file(tmp_path):
    """Fail closed: no default caption for a jurisdiction nobody described."""
    program = {**PROP64, "program": "zz_program", "jurisdiction": "US-ZZ"}
    with pytest.raises(PresentationError, match=r"no presentation profile for US-ZZ: .*us-zz.yaml"):
        write_court_document(tmp_path / "zz.pdf", "SOMEWHERE", program, make_decisions(3), AS_OF)
    assert not (tmp_path / "zz.pdf").exists()


def test_pdf_without_dejavu_falls_back_to_latin1_core_font(tmp_path, monkeypatch):
    monkeypatch.setattr(court_pdf, "FONT_DIR", tmp_path / "no-fonts")
    rows = make_decisions(40, seed=6).with_columns(
        pl.when(pl.int_range(pl.len()) == 0)
        .then(pl.lit("ŁUKASZEWICZ,ZOË “Q”"))
        .otherwise(pl.col("person_name"))
        .alias("person_name")
    )
    path = tmp_path / "latin1.pdf"
    result = write_court_document(path, "SAN JOAQUIN", PROP64, rows, AS_OF)
    assert result["font"] == "Helvetica"
    text = _norm("\n".join(p.extract_text() for p in PdfReader(path).pages))
    assert COURT_CITATION in text  # '§' is Latin-1
    assert 'LUKASZEWICZ, ZOË "Q"' in text


def test_pdf_with_no_eligible_rows_is_still_a_valid_document(tmp_path):
    rows = make_decisions(20, seed=7, eligible_share=0.0)
    path = tmp_path / "empty.pdf"
    result = write_court_document(path, "SAN JOAQUIN", PROP64, rows, AS_OF)
    assert result["rows"] == 0 and result["charge_keys"] == []
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert "No eligible charges." in text
    assert not any(_last(n) in text for n in rows["person_name"])


# --------------------------------------------------------------------------------------------
# Review workbook
# --------------------------------------------------------------------------------------------


WORKBOOK_TITLES = {  # exp_programs.title
    "us_ca_prop64": "California Prop 64: dismissal or reduction of cannabis convictions",
    "us_ca_pc_1203_425": "California PC 1203.425: automatic conviction relief",
}


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    rows = make_decisions(1500, seed=8, eligible_share=0.4)
    path = tmp_path_factory.mktemp("wb") / "review.xlsx"
    started = time.perf_counter()
    result = write_review_workbook(path, "SAN JOAQUIN", rows, AS_OF, WORKBOOK_TITLES)
    print(f"\nreview workbook 1,500 rows: {time.perf_counter() - started:.2f} s")
    return {"path": path, "rows": rows, "result": result, "wb": load_workbook(path)}


def _sheet_rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, v, strict=True)) for v in values[1:]]


def test_workbook_sheets_in_review_order(workbook):
    counts = Counter(workbook["rows"]["determination"])
    expected = ["Summary"] + [
        f"{label} ({counts[d]})"
        for d, label in [
            ("needs_review", "Needs review"),
            ("not_eligible", "Not eligible"),
            ("not_yet_eligible", "Not yet eligible"),
            ("eligible", "Eligible"),
        ]
        if counts[d]
    ]
    assert workbook["wb"].sheetnames == expected
    assert workbook["result"]["sheet_names"] == expected
    assert sum(workbook["result"]["sheets"].values()) == 1500


def test_workbook_data_sheets_frozen_filtered_and_complete(workbook):
    wb, rows = workbook["wb"], workbook["rows"]
    seen: list[str] = []
    for ws in wb.worksheets[1:]:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
        data = _sheet_rows(ws)
        assert ws.max_row == len(data) + 1
        assert {"Reviewer decision", "Notes", "Reasons", "Missing facts", "Source"} <= set(data[0])
        assert all(r["Reviewer decision"] is None and r["Notes"] is None for r in data)
        assert ws.cell(2, HEADINGS.index("Reasons") + 1).alignment.wrap_text
        det = {r["Determination"] for r in data}
        assert len(det) == 1
        seen += [r["Charge key"] for r in data]
    assert len(seen) == len(set(seen)) == rows.height
    assert set(seen) == set(rows["charge_key"])
    placed = workbook["result"]["placements"]
    assert sorted(placed["charge_key"]) == sorted(seen)
    for p in placed.iter_rows(named=True):  # each decision at the sheet and row it is on
        ws = wb[p["sheet"]]
        assert ws.cell(p["row"], HEADINGS.index("Charge key") + 1).value == p["charge_key"]


def test_workbook_dates_are_real_dates(workbook):
    rows = workbook["rows"]
    by_key = {r["charge_key"]: r for r in rows.iter_rows(named=True)}
    checked = 0
    for ws in workbook["wb"].worksheets[1:]:
        for r in _sheet_rows(ws):
            src = by_key[r["Charge key"]]
            if src["dob"] is not None:
                assert isinstance(r["Date of birth"], datetime)
                assert r["Date of birth"].date() == src["dob"]
            else:
                assert r["Date of birth"] == src["dob_raw"]
            if src["conviction_date"] is not None:
                assert isinstance(r["Conviction date"], datetime)
            else:
                assert r["Conviction date"] == src["conviction_date_raw"]
            if src["eligible_on"] is not None:
                assert r["Eligible on"].date() == src["eligible_on"]
            assert r["Source"] == f"doj_research_file.csv:{src['source_line']}"
            checked += 1
    assert checked == rows.height


def test_workbook_summary_counts_match(workbook):
    ws = workbook["wb"]["Summary"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    labels = {r[0]: r[1] for r in values if r and r[0]}
    assert "Run id" not in labels  # the run id lives in manifest.json only
    assert labels["Decision set"] == workbook["result"]["reference"]
    assert labels["Decision set"] == decision_set_reference(workbook["rows"])
    assert labels["Decisions as of"].date() == AS_OF
    assert labels["Rules versions"] == "prop64-test-1"
    assert labels["Charges"] == 1500
    start = next(i for i, r in enumerate(values) if r[0] == "Law")
    header = [h for h in values[start] if h]
    expected = workbook["rows"].group_by("program", "determination").len().iter_rows(named=True)
    label = {
        "needs_review": "Needs review",
        "not_eligible": "Not eligible",
        "not_yet_eligible": "Not yet eligible",
        "eligible": "Eligible",
    }
    table = {r[0]: dict(zip(header[1:], r[1:], strict=False)) for r in values[start + 1 :]}
    for e in expected:  # the laws by title on the Summary, not by program id
        assert table[WORKBOOK_TITLES[e["program"]]][label[e["determination"]]] == e["len"]
    assert table["Total"]["Total"] == 1500
    assert not any(p in str(c) for r in values for c in r if c for p in WORKBOOK_TITLES)


def _cells(path) -> dict[str, list[tuple]]:
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in load_workbook(path)}


def test_workbook_streams_in_batches_and_splits_what_one_sheet_cannot_hold(tmp_path, monkeypatch):
    """Rows written a few at a time give the same bytes as one batch (the county is never held
    whole); a determination with more rows than a sheet holds continues on numbered sheets."""
    from orchestration.exports import review_workbook

    rows = make_decisions(120, seed=12, eligible_share=0.3)
    counts = Counter(rows["determination"])
    write_review_workbook(tmp_path / "a.xlsx", None, rows, AS_OF)
    monkeypatch.setattr(review_workbook, "BATCH_ROWS", 7)
    write_review_workbook(tmp_path / "b.xlsx", None, rows, AS_OF)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()

    monkeypatch.setattr(review_workbook, "EXCEL_MAX_ROWS", 21)  # 20 data rows per sheet
    result = write_review_workbook(tmp_path / "c.xlsx", None, rows, AS_OF)
    n = counts["not_eligible"]
    parts = -(-n // 20)
    assert parts > 1
    names = [f"Not eligible ({n}) #{k}" for k in range(1, parts + 1)]
    assert [s for s in result["sheet_names"] if s.startswith("Not eligible")] == names
    split = _cells(tmp_path / "c.xlsx")
    assert all(len(split[name]) - 1 == 20 for name in names[:-1])
    keys = [
        r[split[name][0].index("Charge key")]
        for name in split
        if name != "Summary"
        for r in split[name][1:]
    ]
    assert sorted(keys) == sorted(rows["charge_key"]) and sum(result["sheets"].values()) == 120
    assert sum(len(split[name]) - 1 for name in names) == n


def test_workbook_same_input_same_bytes_and_missing_determinations(tmp_path):
    rows = make_decisions(200, seed=9, eligible_share=0.5).filter(
        pl.col("determination") != "not_yet_eligible"
    )
    a = write_review_workbook(tmp_path / "a.xlsx", None, rows, AS_OF)
    write_review_workbook(tmp_path / "b.xlsx", None, rows.reverse(), AS_OF)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert not any(n.startswith("Not yet eligible") for n in a["sheet_names"])
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.created == datetime(2025, 7, 1)


def test_workbook_from_the_warehouse_is_the_frames_workbook(tmp_path):
    """The review workbook kind reads a county from the warehouse twice, a few rows at a time
    (the Summary's figures and streamed digest, then the rows in SHEET_ORDER_SQL): the same
    bytes as the frame's workbook. Sort keys with nulls, ties, case and non-ASCII text order
    alike in DuckDB and polars."""
    import duckdb

    from orchestration.exports.file_kinds import RunContext
    from orchestration.exports.file_kinds.review_workbook import ReviewWorkbook
    from orchestration.exports.load import ExportSource, UnitRows

    rows = make_decisions(240, seed=14, eligible_share=0.4).with_columns(
        decision_id=pl.format("d{}", pl.int_range(pl.len())),
        decision_digest=pl.format("g{}", pl.int_range(pl.len())),
        # nulls, ties and spellings in the sort keys (subject, count order, charge)
        subject_id=pl.when(pl.int_range(pl.len()) % 9 == 0)
        .then(None)
        .otherwise(
            pl.format(
                "{}{}",
                pl.lit(["s", "S", "Zoë", "Zoe", "é"]).list.get(pl.int_range(pl.len()) % 5),
                pl.int_range(pl.len()) % 7,
            )
        ),
        cnt_order=pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(None)
        .otherwise(pl.col("cnt_order")),
        charge_ref=pl.lit("01"),
    )
    file = tmp_path / "wh.duckdb"
    with duckdb.connect(str(file)) as con:
        con.register("rows", rows.to_arrow())
        con.execute("create table main.exp_decisions as select * from rows")

    class ThreeRowBatches(ExportSource):
        def batches(self, sql, params=None, rows=3):
            return super().batches(sql, params, rows=3)

    source = ThreeRowBatches(file, "256MB")
    ctx = RunContext(
        as_of=AS_OF,
        forecast=False,
        programs={p: {"program": p, "title": t} for p, t in WORKBOOK_TITLES.items()},
        county="SAN JOAQUIN",
        run={},
        presentation_folder=None,
    )
    (tmp_path / "SAN JOAQUIN").mkdir()  # the bundle makes the county folders
    written = ReviewWorkbook().write(tmp_path, "SAN JOAQUIN", UnitRows(source), ctx)
    (rel,) = written.files
    frame = write_review_workbook(
        tmp_path / "frame.xlsx", "SAN JOAQUIN", rows, AS_OF, WORKBOOK_TITLES
    )
    assert (tmp_path / rel).read_bytes() == (tmp_path / "frame.xlsx").read_bytes()
    assert written.files[rel] == frame["rows"] == 240
    assert written.audit["review_workbooks"][0]["decision_set_sha256"] == frame["digest"]


def test_workbook_rows_that_disagree_with_its_figures_are_not_written(tmp_path):
    """The sheets are named and sized from the figures before any row arrives: rows missing,
    extra or out of the sheets' order stop the write instead of a half-filled sheet."""
    from orchestration.exports.publish import decision_set_digest
    from orchestration.exports.review_workbook import figures, sheet_ordered, write_streamed

    rows = make_decisions(60, seed=15, eligible_share=0.4)
    figs = figures([rows], decision_set_digest(rows))
    ordered = sheet_ordered(rows)
    for name, batches, says in (
        ("fewer.xlsx", [ordered.head(59)], "fewer rows"),
        ("more.xlsx", [ordered, ordered.tail(1)], "more rows"),
        ("unordered.xlsx", [ordered.reverse()], "not in the sheets' order"),
    ):
        with pytest.raises(ValueError, match=says):
            write_streamed(tmp_path / name, None, figs, batches, AS_OF)
    write_streamed(tmp_path / "right.xlsx", None, figs, [ordered], AS_OF)


# -- data rows written as XML (review_workbook.write_data_row) against xlsxwriter's own cells --

ODD_TEXTS = [
    "plain",
    "José Ñúñez 李",  # non-ASCII
    "a & b < c > d \" e ' f",  # XML specials (quotes are not escaped in element text)
    " leading space",
    "trailing space ",
    "\ttab first",
    "newline last\n",
    "line one\nline two",
    "no-break space last\u00a0",
    "\u3000ideographic space first",
    "control \x01 and \x1f and \x0b",
    "literal _x0041_ escape",
    "not an escape _x12G4_",
    "\ufffe and \uffff",
    "x" * 40_000,  # longer than a cell holds: cut by _text, then to 32,767 UTF-16 units
    "\U0001f600" * 20_000,  # 20,000 characters, 40,000 UTF-16 units
    "=1+1",  # stays text
    "0042",  # stays text
]


# the Excel serial's 1900 leap-year quirk is on either side of 1900-03-01
BIRTH_DATES = [date(1900, 1, 1), date(1900, 2, 28), date(1900, 3, 1), date(1985, 6, 30)]


def _odd_rows() -> list[list]:
    from orchestration.exports.review_workbook import COLUMNS

    rows = []
    for n, text in enumerate(ODD_TEXTS):
        values: list = [None] * len(COLUMNS)
        values[0] = text
        values[3] = ODD_TEXTS[-1 - n]
        values[4] = BIRTH_DATES[n % len(BIRTH_DATES)]
        values[8] = datetime(2001, 2, 3, 4, 5, 6) if n % 3 == 0 else "19980000"
        values[12] = n  # a number written as text
        values[16] = ["reason one", None, "reason & two"] if n % 2 else {"b": 1, "a": [2, None]}
        values[17] = "" if n % 5 == 0 else None  # nothing written for either
        values[len(COLUMNS) - 1] = f"digest-{n}"
        rows.append(values)
    return rows


def _sheet_workbook(path, fill) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": datetime(2025, 7, 1)})
    text_fmt = wb.add_format({"valign": "top"})
    wrap_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    header = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Needs review (18)")
    for j in range(26):
        ws.write_string(0, j, f"Heading {j}", header)
    formats = [wrap_fmt if j in (16, 17) else text_fmt for j in range(26)]
    fill(ws, formats, date_fmt)
    wb.close()


def test_data_rows_as_xml_are_xlsxwriters_cells_byte_for_byte(tmp_path):
    from orchestration.exports.review_workbook import _text, write_data_row

    rows = _odd_rows()

    def by_cell(ws, formats, date_fmt):  # xlsxwriter's own path, as the writer used to do it
        for i, values in enumerate(rows, start=1):
            for j, value in enumerate(values):
                if value is None:
                    continue
                if isinstance(value, date):
                    ws.write_datetime(i, j, value, date_fmt)
                elif (text := _text(value)) is not None:
                    ws.write_string(i, j, text, formats[j])

    def by_row(ws, formats, date_fmt):
        for i, values in enumerate(rows, start=1):
            write_data_row(ws, i, values, formats, date_fmt)

    _sheet_workbook(tmp_path / "cells.xlsx", by_cell)
    _sheet_workbook(tmp_path / "rows.xlsx", by_row)
    assert (tmp_path / "rows.xlsx").read_bytes() == (tmp_path / "cells.xlsx").read_bytes()

    sheet = load_workbook(tmp_path / "rows.xlsx")["Needs review (18)"]
    assert sheet.cell(2, 1).value == "plain"
    assert sheet.cell(8, 1).value == "newline last\n"
    assert len(sheet.cell(16, 1).value) == 32_767
    assert sheet.cell(2, 5).value == datetime(1900, 1, 1)
    assert sheet.cell(2, 9).value == datetime(2001, 2, 3, 4, 5, 6)
    assert sheet.cell(3, 9).value == "19980000"
    assert sheet.cell(2, 18).value is None  # an empty text writes no cell


def test_a_text_that_looks_like_markup_is_written_as_text(tmp_path):
    # xlsxwriter writes a string "<r>...</r>" as rich-string XML, unescaped; a data row is data
    from orchestration.exports.review_workbook import write_data_row

    markup = '<r><t>injected</t></r><c r="Z9"><v>1</v></c><r>x</r>'

    def by_row(ws, formats, date_fmt):
        write_data_row(ws, 1, [markup] + [None] * 25, formats, date_fmt)

    _sheet_workbook(tmp_path / "rows.xlsx", by_row)
    sheet = load_workbook(tmp_path / "rows.xlsx")["Needs review (18)"]
    assert sheet.cell(2, 1).value == markup
    assert sheet.max_row == 2 and sheet["Z9"].value is None


def _odd_decisions() -> pl.DataFrame:
    """Decision rows a county's extract and its reviews can give the workbook: the odd texts,
    empty and missing values where _values reads `or`, a level with and without a grade, a
    source without a file or a line, earlier reviews that do and do not apply, raw dates
    beside missing ones and dates on either side of the 1900 leap-year quirk."""
    rows = make_decisions(len(ODD_TEXTS) * 3, seed=21, eligible_share=0.3)
    n = rows.height
    k = len(ODD_TEXTS)  # the odd texts in the names of the first rows, the reasons of the next
    names = [ODD_TEXTS[i] if i < k else f"NAME{i},A" for i in range(n)]
    reasons = [ODD_TEXTS[i - k] if k <= i < 2 * k else f"reason {i}" for i in range(n)]
    births = [
        None if i % 3 == 0 else BIRTH_DATES[i // 9 % 4] if i % 9 == 1 else date(1970, 1, 1 + i % 28)
        for i in range(n)
    ]
    pick = lambda *options: [options[i % len(options)] for i in range(n)]  # noqa: E731
    return rows.with_columns(
        person_name=pl.Series(names),
        reasons=pl.Series(reasons),
        offense_raw=pl.Series(pick("11357 HS", "", None, "a&b <c>")),
        statute=pl.Series(pick("CA:HS:11357", "", None), dtype=pl.String),
        section=pl.Series(pick("11357", None, "", "11358")),
        offense_level=pl.Series(pick("felony", "", None, "misdemeanor")),
        grade=pl.Series(pick(None, "F3", "felony", "", "M1"), dtype=pl.String),
        dob=pl.Series(births, dtype=pl.Date),
        dob_raw=pl.Series(pick("19XX0101", "", None)),
        conviction_date=pl.Series(
            pick(date(2001, 2, 3), None, date(1900, 3, 1), date(1998, 1, 1), date(1900, 2, 28)),
            dtype=pl.Date,
        ),
        source_file=pl.Series(pick("extract.csv", "", None)),
        source_line=pl.Series(pick(7, None, 12, None), dtype=pl.Int64),
        program=pl.Series(pick("us_ca_prop64", "us_ca_pc_1203_425", "us_ut_clean_slate", "")),
        review_mark=pl.Series(pick(None, "agree", "disagree", "", "needs_more_information")),
        review_applies=pl.Series(pick(True, False, None), dtype=pl.Boolean),
        review_note=pl.Series(pick("checked & fine", None, " spaced ")),
        reviewer=pl.Series(pick("A. Reviewer", "", None)),
        reviewed_on=pl.Series(pick(date(2025, 6, 1), None), dtype=pl.Date),
        decision_id=pl.format("d{}", pl.int_range(pl.len())),
        decision_digest=pl.format("g{}", pl.int_range(pl.len())),
    )


def test_workbook_rows_built_by_polars_are_the_row_by_row_bytes(tmp_path, monkeypatch):
    """write_data_rows builds a batch's rows a column at a time: the same bytes and the same
    placements as _values + write_data_row row by row, on odd values; and it does build most
    rows itself (only the odd ones go through the Python path)."""
    from orchestration.exports import review_workbook

    rows = _odd_decisions()
    titles = {**WORKBOOK_TITLES, "us_ut_clean_slate": ""}  # a law without a title: its id
    monkeypatch.setattr(review_workbook, "BATCH_ROWS", 5)  # sheets begin inside batches
    monkeypatch.setattr(review_workbook, "XML_ROWS", 3)  # and a batch is built in parts
    by_row_xml = []
    row_xml = review_workbook._row_xml
    monkeypatch.setattr(review_workbook, "_row_xml", lambda *a: by_row_xml.append(1) or row_xml(*a))
    fast = write_review_workbook(tmp_path / "fast.xlsx", "SAN JOAQUIN", rows, AS_OF, titles)
    assert 0 < len(by_row_xml) < rows.height / 2

    monkeypatch.setattr(review_workbook, "_vectorisable", lambda frame: False)
    slow = write_review_workbook(tmp_path / "slow.xlsx", "SAN JOAQUIN", rows, AS_OF, titles)
    assert (tmp_path / "fast.xlsx").read_bytes() == (tmp_path / "slow.xlsx").read_bytes()
    assert fast["placements"].equals(slow["placements"])

    cells = _cells(tmp_path / "fast.xlsx")
    data = [r for name, sheet in cells.items() if name != "Summary" for r in sheet[1:]]
    assert len(data) == rows.height
    header = cells[next(n for n in cells if n != "Summary")][0]
    law = header.index("Law")
    assert {r[law] for r in data} >= {WORKBOOK_TITLES["us_ca_prop64"], "us_ut_clean_slate"}
    assert sum(r[law] is None for r in data) == rows.height // 4  # program "": no cell


@pytest.mark.parametrize("fonts", ["dejavu", "core"])
def test_pdf_table_cells_are_fpdfs_own_rect_and_text_bytes(tmp_path, monkeypatch, fonts):
    """The table's cells are written by court_pdf._CellOps, a row at a time: the same bytes as
    fpdf2's rect() and text() call by call (_FpdfOps), with the DejaVu fonts and the core-font
    fallback, on rows that break pages (the headings drawn again), flagged rows (filled),
    identifiers drawn smaller and names beyond ASCII."""
    if fonts == "core":
        monkeypatch.setattr(court_pdf, "FONT_DIR", tmp_path / "no-fonts")
    rows = make_decisions(400, seed=5).with_columns(
        person_name=pl.when(pl.int_range(pl.len()) % 7 == 0)
        .then(pl.format("{} ÑÚÑEZ-O'NEIL", pl.col("person_name")))
        .otherwise(pl.col("person_name")),
        case_number=pl.when(pl.int_range(pl.len()) % 11 == 0)
        .then(pl.lit("CR" + "0" * 40))  # wider than its cell: drawn smaller
        .otherwise(pl.col("case_number")),
    )
    calls = Counter()
    for name in ("rect", "text"):
        real = getattr(court_pdf._CellOps, name)
        monkeypatch.setattr(
            court_pdf._CellOps,
            name,
            lambda self, *a, _real=real, _name=name, **k: (
                calls.update([_name]) or _real(self, *a, **k)
            ),
        )
    cells = write_court_document(tmp_path / "cells.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)
    assert cells["pages"] > 2 and calls["rect"] > 400 * 5 and calls["text"] > 400 * 5

    monkeypatch.setattr(court_pdf._CellOps, "usable", staticmethod(lambda pdf: False))
    write_court_document(tmp_path / "fpdf.pdf", "SAN JOAQUIN", PROP64, rows, AS_OF)
    assert (tmp_path / "cells.pdf").read_bytes() == (tmp_path / "fpdf.pdf").read_bytes()


@pytest.mark.parametrize("dejavu", [True, False])
def test_the_page_total_placeholder_has_room_for_four_digits(dejavu, tmp_path):
    """fpdf2 lays the right-aligned "Page N of M" out with the placeholder's width: its default,
    "{nb}", is 3 digits wide, and a county's order past 999 pages ran past the header's rule
    (and fpdf2 warned on the console). 10M-row runs write orders of 6,000 pages."""
    from fpdf import FPDF

    from orchestration.lib.pdf import FONT_DIR, use_fonts

    pdf = FPDF()
    family, _ = use_fonts(pdf, FONT_DIR if dejavu else tmp_path)
    pdf.add_page()
    pdf.set_font(family, "B", 8)
    assert court_pdf.PAGES_ALIAS != "{nb}"
    assert pdf.get_string_width(court_pdf.PAGES_ALIAS) > pdf.get_string_width("9999")


def _data_buffers(column: pl.Series) -> set[tuple[int, int]]:
    """(address, size) of a string column's character buffers, as polars holds them."""
    array = column.rechunk().to_arrow(compat_level=pl.CompatLevel.newest())
    return {(b.address, b.size) for b in array.buffers()[2:] if b is not None and b.size}


def test_workbook_places_own_their_ids(tmp_path, monkeypatch):
    """The places a workbook returns (decision id and charge key of every row) hold their own
    strings: a column selected from a batch shares the batch's buffers, and the places of a
    county of 620,486 decisions kept every batch DuckDB had handed over alive (~0.4 GiB)."""
    from orchestration.exports import review_workbook

    monkeypatch.setattr(review_workbook, "BATCH_ROWS", 50)  # several batches
    rows = make_decisions(200, seed=3).with_columns(
        # longer than polars' 12 inline bytes: the characters live in the column's buffers
        decision_id=pl.format("decision-{}-{}", pl.int_range(pl.len()), pl.lit("x" * 20)),
        charge_key=pl.format("charge-{}-{}", pl.int_range(pl.len()), pl.lit("y" * 20)),
    )
    given = _data_buffers(rows["decision_id"]) | _data_buffers(rows["charge_key"])
    assert given  # the check below can see a shared buffer
    result = write_review_workbook(tmp_path / "w.xlsx", "YOLO", rows, AS_OF, WORKBOOK_TITLES)
    places = result["placements"]
    assert places.height == rows.height
    assert sorted(places["decision_id"]) == sorted(rows["decision_id"])
    kept = _data_buffers(places["decision_id"]) | _data_buffers(places["charge_key"])

    def inside(inner: tuple[int, int], outer: tuple[int, int]) -> bool:
        return outer[0] <= inner[0] < outer[0] + outer[1]

    assert not [k for k in kept for g in given if inside(k, g) or inside(g, k)]
