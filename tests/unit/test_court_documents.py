"""One court document per state with rule files, rendered from decision rows built here and read
back with PDFium: what a clerk must be able to read. And the presentation profiles
(presentation/*.yaml) that word each state's documents, which fail closed.

The rows are fabricated here (never ../shared): two counts of one case, names in mixed case,
partial dates, a line without a case number, long identifiers, a long county name.
"""

import ast
import hashlib
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import polars as pl
import pypdfium2 as pdfium
import pytest
import yaml

from orchestration.exports import court_pdf, repository
from orchestration.exports.bundle import court_document_refs
from orchestration.exports.court_pdf import write_court_document
from orchestration.exports.presentation import (
    BLANK,
    PresentationError,
    load_presentation,
    load_state_profile,
    presentations_for,
)
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from orchestration.review import store
from orchestration.rules.load import LoadedRules, load_rules_dir
from orchestration.rules.schema import research_note_in

AS_OF = date(2025, 7, 1)
PRESENTATION = PROJECT_ROOT / "presentation"
LAWS = load_rules_dir(PROJECT_ROOT / "rules")
# one law per state that has rule files: its main one (Prop 64, the Clean Slate laws) if any
STATES = {}
for _law in sorted(
    LAWS,
    key=lambda law: (not law.rules.program.endswith(("prop64", "clean_slate")), law.rules.program),
):
    STATES.setdefault(_law.rules.jurisdiction, _law)
# research notes no citation a document prints may carry
NOTES = ("open question", "pending", "flag for counsel", "clearance-law", "not re-read", "verify")
# the counties' names: a long one makes the running header long
COUNTY = {"US-CA": "San Luis Obispo", "US-UT": "Salt Lake", "US-PA": "Northumberland"}

# (person_name as the source writes it, case, count, conviction date raw, dob raw); case None:
# the records give no case number. Names in mixed case: a case-sensitive sort would put every
# upper-case name first.
PEOPLE = [
    ("ZIMMER,ANN", "D", 1, "20030611", "19700101"),
    ("abbott,adam", "A", 1, "20050302", "19650412"),
    ("ZIMMER,ANN", "D", 3, "20030611", "19700101"),  # the second count of case D
    ("DE LA CRUZ,BEN", "C", 2, "19980300", "19750923"),  # March 1998, day unknown
    ("de la Cruz,Ana", "C", 1, "19980000", "19741130"),  # 1998, month and day unknown
    ("O'NEIL,PAT", "E", 4, "20100715", "19600000"),  # born 1960
    ("mcintyre,rose", None, 1, "20120228", "19800808"),  # no case number
    ("Baker,Carl", "F", 2, "20011231", "19591010"),
]
# identifiers as each state writes them: long, with inner spaces and dashes
CASES = {
    "US-CA": {c: f"SLO-CR-20{i:02d}-0045678{i}" for i, c in enumerate("ABCDEF")},
    "US-UT": {c: f"2219000182{i}7{i}" for i, c in enumerate("ABCDEF")},
    "US-PA": {c: f"CP-40-CR-000{i}234-2019" for i, c in enumerate("ABCDEF")},
}


def _date_iso(raw: str) -> str:
    """19980300 -> 1998-03, 19980000 -> 1998, 20030611 -> 2003-06-11 (canonical partials)."""
    y, m, d = raw[:4], raw[4:6], raw[6:]
    return y if m == "00" else (f"{y}-{m}" if d == "00" else f"{y}-{m}-{d}")


def _full(raw: str) -> date | None:
    return None if raw.endswith("00") else date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))


def fabricated_rows(law: LoadedRules) -> pl.DataFrame:
    """Eligible decision rows of `law`, one per PEOPLE entry."""
    rf = law.rules
    state = rf.jurisdiction
    doj = state == "US-CA"
    granting = [r for r in rf.rules if r.outcome == "eligible" and r.relief]
    rows = []
    for n, (name, case, count, conv, dob) in enumerate(PEOPLE):
        rule = granting[n % len(granting)]
        subject = f"{state[-2:]}{900 if name == 'ZIMMER,ANN' else 900 + n}"
        case_number = CASES[state][case] if case else None
        cnt_order = f"10{n % 10}002{count:03d}000" if doj else None
        charge_ref = cnt_order if doj else f"{case_number or 'ARREST' + str(n)}-{count}"
        charge_key = hashlib.md5(f"{state}|{subject}|{charge_ref}".encode()).hexdigest()
        rows.append(
            {
                "charge_key": charge_key,
                "decision_id": hashlib.md5(f"{rf.program}|{charge_key}".encode()).hexdigest(),
                "person_key": f"pk-{subject}",
                "subject_id": subject,
                "source_system": "doj" if doj else "canonical",
                "jurisdiction": state,
                "charge_ref": charge_ref,
                "cnt_order": cnt_order,
                "case_key": f"case-{case or n}",
                "county": COUNTY[state].upper(),
                "case_number": case_number,
                "conviction_date": _full(conv),
                "conviction_date_raw": conv if doj else _date_iso(conv),
                "offense_raw": "OFFENSE",
                "statute": f"{state[-2:]}:18:{3900 + n}",
                "program": rf.program,
                "determination": "eligible",
                "relief": rule.relief,
                "decisive_rule": rule.id,
                "reasons": f"{rule.reason} [{law.rules.citations[0].ref}]",
                "rules_version": law.rules_version,
                "person_name": name,
                "dob": _full(dob),
                "dob_raw": dob if doj else _date_iso(dob),
                "cii_number": f"A{70000000 + n}" if doj else None,
                "otn": None if doj else f"N {400000 + n}-{n % 10}",
                "eligible_on": None,
                "review_mark": None,
                "review_applies": None,
            }
        )
    return pl.DataFrame(
        rows,
        schema_overrides={
            "cnt_order": pl.String,
            "cii_number": pl.String,
            "eligible_on": pl.Date,
            "review_mark": pl.String,
            "review_applies": pl.Boolean,
        },
    )


def _program(law: LoadedRules) -> dict:
    rf = law.rules
    return {
        "program": rf.program,
        "jurisdiction": rf.jurisdiction,
        "title": rf.title,
        "law_version": rf.law_version,
        "rules_version": law.rules_version,
    }


def _expected_count(row: dict) -> str:
    """The count as the test data built it (not court_pdf.count_label): a canonical charge
    without a case shows its whole charge id."""
    if row["cnt_order"]:
        return str(int(row["cnt_order"][6:9]))
    return row["charge_ref"][-1] if row["case_number"] else row["charge_ref"]


def _page_texts(path: Path) -> list[str]:
    doc = pdfium.PdfDocument(path)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


def _count_cells(path: Path) -> dict[str, str]:
    """Ref -> the text of the Count column on its row's first line, read by position: the
    Count heading gives the column, the reference (second line of the row's first cell) the
    row."""
    out = {}
    doc = pdfium.PdfDocument(path)
    try:
        for i in range(len(doc)):
            tp = doc[i].get_textpage()
            heads = {}
            for word in ("Count", "Disposition"):
                found = tp.search(word, match_case=True, match_whole_word=True).get_next()
                if found:
                    heads[word] = tp.get_charbox(found[0])
            if len(heads) < 2:
                continue
            left, right = heads["Count"][0] - 1.5, heads["Disposition"][0] - 1.5
            for m in re.finditer(r"R[0-9a-f]{10}", tp.get_text_range()):
                found = tp.search(m.group(0), match_case=True).get_next()
                _, bottom, _, top = tp.get_charbox(found[0])
                line = court_pdf._Table.LINE_H * 72 / 25.4  # one line up: the item's line
                out[m.group(0)[1:]] = tp.get_text_bounded(
                    left=left, right=right, bottom=bottom + line - 2, top=top + line + 2
                ).strip()
    finally:
        doc.close()
    return out


@pytest.fixture(scope="module", params=sorted(STATES))
def rendered(request, tmp_path_factory):
    state = request.param
    law = STATES[state]
    rows = fabricated_rows(law)
    path = tmp_path_factory.mktemp(state) / "order.pdf"
    result = write_court_document(path, COUNTY[state], _program(law), rows, AS_OF)
    profile = load_presentation(PRESENTATION, state, COUNTY[state])
    pages = _page_texts(path)
    return {
        "state": state,
        "law": law,
        "rows": rows,
        "path": path,
        "result": result,
        "profile": profile,
        "pages": pages,
        "text": "\n".join(pages),
    }


def test_every_state_with_rule_files_is_rendered():
    assert {"US-CA", "US-UT", "US-PA"} <= set(STATES)
    assert set(COUNTY) == set(STATES), "a state without a county here: add one"


def test_identifiers_are_whole_on_one_line(rendered):
    lines = rendered["text"].splitlines()
    fields = [i.field for i in rendered["profile"].identifiers.lines]
    checked = 0
    for row in rendered["rows"].iter_rows(named=True):
        for f in fields:
            if row[f]:
                assert any(row[f] in line for line in lines), (f, row[f])
                checked += 1
    assert checked >= len(PEOPLE) - 1


def test_dates_are_written_as_a_person_reads_them(rendered):
    text = rendered["text"]
    raw_partial = re.findall(r"(?<![\w-])\d{4}(?:0000|(?:0[1-9]|1[0-2])00)(?![\w-])", text)
    assert not raw_partial
    for iso in re.findall(r"(?<![\d/])(?:19|20)\d\d-\d\d(?:-\d\d)?(?![\d/])", text):
        assert iso == AS_OF.isoformat(), iso  # the as-of date only, never a partial date
    for phrase in (
        "1998, month and day unknown",
        "March 1998, day unknown",
        "1960, month and day unknown",
        "06/11/2003",
    ):
        assert phrase in " ".join(text.split()), phrase


def test_no_internal_id_rule_or_hash_in_the_text(rendered):
    text, law = rendered["text"], rendered["law"]
    assert not re.findall(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", text)  # snake_case: ids
    assert "us_" not in text.lower()
    assert law.rules.program not in text and law.rules_version not in text
    assert law.sha256[:12] not in text
    for rule in {r["decisive_rule"] for r in rendered["rows"].iter_rows(named=True)}:
        assert not re.search(rf"\b{re.escape(rule)}\b", text), rule
    assert law.rules.title in " ".join(text.split())  # the law's title, where a person reads


def test_the_citation_is_the_courts_and_carries_no_research_note(rendered):
    text = " ".join(rendered["text"].split())
    citation = rendered["profile"].program(rendered["law"].rules.program).citation
    assert f"PURSUANT TO {citation}" in text
    assert f"pursuant to {citation}, the Court grants" in text
    lowered = text.lower()
    assert not [n for n in NOTES if n in lowered]
    if rendered["state"] == "US-CA":
        assert "§ 11361.9(b)-(c)" in citation  # the bulk process (clearance-law.md 1.1)


def test_each_count_of_a_case_is_its_own_line_with_its_count(rendered):
    pages, rows = rendered["pages"], rendered["rows"]
    assert all("Count" in p for p in pages if re.search(r"R[0-9a-f]{10}", p))
    cells = _count_cells(rendered["path"])
    want = {r["decision_id"][:10]: _expected_count(r) for r in rows.iter_rows(named=True)}
    assert cells == want
    # the two counts of case D: two lines, counts 1 and 3
    zimmer = rows.filter(pl.col("person_name") == "ZIMMER,ANN")
    assert sorted(cells[d[:10]] for d in zimmer["decision_id"]) == ["1", "3"]


def test_names_are_in_alphabetical_order_whatever_their_case(rendered):
    text = rendered["text"]
    printed = list(dict.fromkeys(court_pdf.fmt_name(n) for n, *_ in PEOPLE))
    order = sorted(printed, key=lambda n: text.index(n))
    assert order == sorted(printed, key=str.lower)
    assert order != sorted(printed)  # the data tells the two orders apart


def test_a_line_without_a_case_number_is_flagged(rendered):
    text = " ".join(rendered["text"].split())
    flag = rendered["profile"].identifiers.missing_case_number
    assert "case number not recorded" in flag or "docket number not recorded" in flag
    # once in the table (mcintyre), once in the introduction that explains the shading
    assert text.count(flag) == 2
    rows = rendered["rows"].filter(pl.col("case_number").is_null())
    assert rows["person_name"].to_list() == ["mcintyre,rose"]
    # on mcintyre's line: after its reference, before the next one
    after = text[text.index(f"R{rows['decision_id'][0][:10]}") + 11 :]
    following = re.search(r"\bR[0-9a-f]{10}\b", after)
    assert flag in after[: following.start() if following else None]


def test_filing_party_the_project_cannot_know_is_a_blank_line(rendered):
    text = rendered["text"]
    party = rendered["profile"].filing_party
    assert f"{BLANK}, {party.bar_number_label} __________" in text
    assert f"{party.case_number_label} {BLANK}" in text
    assert f"Address: {BLANK}" in text


def test_every_character_is_inside_the_page(rendered):
    """The running header, the footer and the table fit the page (nothing runs off)."""
    doc = pdfium.PdfDocument(rendered["path"])
    try:
        for i in range(len(doc)):
            page = doc[i]
            width = page.get_width()
            tp = page.get_textpage()
            margin = court_pdf.MARGIN * 72 / 25.4
            for k in range(tp.count_chars()):
                left, _, right, _ = tp.get_charbox(k)
                if right > left:  # a drawn glyph
                    assert margin - 1 <= left and right <= width - margin + 1, (i, k)
    finally:
        doc.close()


def test_reconciliation_reads_every_listed_decision_back(rendered):
    refs = court_document_refs(rendered["path"])
    want = [d[:10] for d in rendered["rows"]["decision_id"]]
    assert Counter(refs) == Counter(want)
    assert rendered["result"]["rows"] == len(want)


def test_same_rows_same_bytes(rendered, tmp_path):
    law, state = rendered["law"], rendered["state"]
    again = tmp_path / "again.pdf"
    write_court_document(again, COUNTY[state], _program(law), rendered["rows"].reverse(), AS_OF)
    assert again.read_bytes() == rendered["path"].read_bytes()


# --------------------------------------------------------------------------------------------
# The profiles


def test_every_law_with_rule_files_is_worded_by_its_states_profile():
    for law in LAWS:
        rf = law.rules
        profile = load_presentation(PRESENTATION, rf.jurisdiction, None)
        wording = profile.program(rf.program)
        assert research_note_in(wording.citation) is None
        for rule in rf.rules:
            if rule.relief:
                profile.relief(rule.relief)


def test_shipped_profiles_name_nobody():
    """What the project cannot know is null (a blank line), never an invented name or number."""
    files = sorted(PRESENTATION.glob("*.yaml"))
    assert [f.name for f in files] == ["us-ca.yaml", "us-mi.yaml", "us-pa.yaml", "us-ut.yaml"]
    for f in files:
        profile, _ = load_state_profile(f)
        party = profile.filing_party
        for name in ("attorney_name", "bar_number", "address", "telephone", "email"):
            assert getattr(party, name) is None, (f.name, name)
        assert party.case_number is None
    assert not [p for p in PRESENTATION.rglob("*.yaml") if p.parent != PRESENTATION]


def test_the_writer_holds_no_states_wording():
    """No string the writer draws names a state's court, parties, reliefs, law or identifier:
    those come from the profiles (docstrings and comments may speak of them)."""
    tree = ast.parse(Path(court_pdf.__file__).read_text())
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and id(node) not in docstrings
    ]  # fmt: skip
    words = ("SUPERIOR", "COMMONWEALTH", "UTAH", "District Attorney", "EXPUNGE", "LIMITED",
             "Dismiss", "11361", "CII", "OTN", "Docket", "People")  # fmt: skip
    assert not [(w, s) for s in strings for w in words if w.lower() in s.lower()]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "presentation"
    shutil.copytree(PRESENTATION, folder)
    return folder


def test_a_county_file_sets_its_filing_party(tmp_path):
    folder = _folder(tmp_path)
    (folder / "us-ca").mkdir()
    (folder / "us-ca" / "san-luis-obispo.yaml").write_text(
        yaml.safe_dump(
            {
                "schema": "court-presentation-county/v1",
                "jurisdiction": "US-CA",
                "county": "San Luis Obispo",
                "filing_party": {
                    "attorney_name": "Test Filer",
                    "bar_number": "000000",
                    "address": ["1 Test Street", "Testville, CA 00000"],
                    "case_number": "MISC-TEST-1",
                },
                "caption": {"movant_signer": "Assistant District Attorney"},
            }
        )
    )
    law = STATES["US-CA"]
    p = load_presentation(folder, "US-CA", "SAN LUIS OBISPO")
    assert p.filing_party.attorney_name == "Test Filer"
    assert p.filing_party.bar_number_label == "State Bar No."  # the state's, not overridden
    assert sorted(p.files) == ["us-ca.yaml", "us-ca/san-luis-obispo.yaml"]
    path = tmp_path / "order.pdf"
    write_court_document(path, "San Luis Obispo", _program(law), fabricated_rows(law), AS_OF, p)
    text = "\n".join(_page_texts(path))
    for want in ("Test Filer, State Bar No. 000000", "1 Test Street", "Case No. MISC-TEST-1",
                 "Assistant District Attorney"):  # fmt: skip
        assert want in text, want
    assert "Address: ____" not in text
    # another county keeps the blanks
    assert load_presentation(folder, "US-CA", "YOLO").filing_party.attorney_name is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("caption"), "caption: Field required"),
        (lambda d: d["caption"].update(court="COURT OF {County}"), "unknown placeholder {County}"),
        (lambda d: d["identifiers"].update(lines=[{"field": "cii_number", "label": "CII"}]),
         "the case number must be listed"),
        (lambda d: d["reliefs"].update(pardon={"title": "PARDON", "table": "Pardon"}), "pardon"),
        (lambda d: d["programs"]["us_ca_prop64"].update(citation="H&S 11361.9 (open question)"),
         "carries a research note ('open question')"),
        (lambda d: d.update(jurisdiction="US-UT"), "jurisdiction US-UT in a file named for US-CA"),
    ],
)  # fmt: skip
def test_an_invalid_profile_names_the_file_and_field(tmp_path, change, message):
    folder = _folder(tmp_path)
    data = yaml.safe_load((folder / "us-ca.yaml").read_text())
    change(data)
    (folder / "us-ca.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(PresentationError) as e:
        load_presentation(folder, "US-CA", None)
    assert message in str(e.value) and "us-ca.yaml" in str(e.value)


def test_documents_without_a_profile_law_or_relief_stop_before_any_is_written(tmp_path):
    folder = _folder(tmp_path)
    (folder / "us-pa.yaml").unlink()
    with pytest.raises(PresentationError) as e:
        presentations_for(
            folder,
            [
                ("US-CA", "YOLO", "us_ca_prop64", ["dismiss"]),
                ("US-PA", "ERIE", "us_pa_clean_slate", ["limited_access"]),
                ("US-CA", "YOLO", "us_ca_new_law", ["set_aside"]),
            ],
        )
    message = str(e.value)
    assert "no presentation profile for US-PA" in message and "us-pa.yaml is missing" in message
    assert "no wording for law us_ca_new_law" in message
    assert "no wording for relief 'set_aside'" in message
    found = presentations_for(folder, [("US-CA", "YOLO", "us_ca_prop64", ["dismiss", "reduce"])])
    assert list(found) == [("US-CA", "YOLO")]


def test_a_county_file_for_another_county_is_refused(tmp_path):
    folder = _folder(tmp_path)
    (folder / "us-ut").mkdir()
    (folder / "us-ut" / "salt-lake.yaml").write_text(
        "schema: court-presentation-county/v1\njurisdiction: US-UT\ncounty: UTAH\n"
    )
    with pytest.raises(PresentationError, match="a file in this place is for US-UT county"):
        load_presentation(folder, "US-UT", "SALT LAKE")


@pytest.mark.parametrize(
    ("raw", "printed"),
    [
        ("19980000", "1998, month and day unknown"),
        ("19980300", "March 1998, day unknown"),
        ("1998", "1998, month and day unknown"),
        ("1998-03", "March 1998, day unknown"),
        ("19980315", "03/15/1998"),
        ("1998-03-15", "03/15/1998"),
        ("19981300", "not a valid date (1998-13-00)"),
        ("19XX0101", "not a valid date (19XX0101)"),
        ("", "not recorded"),
        (None, "not recorded"),
    ],
)
def test_dates(raw, printed):
    assert court_pdf.fmt_date(None, raw) == printed


@pytest.mark.parametrize(
    ("row", "count"),
    [
        ({"cnt_order": "101002003000", "source_system": "doj"}, "3"),
        ({"cnt_order": "101002003001", "source_system": "doj"}, "3-001"),
        ({"cnt_order": None, "charge_ref": None, "source_system": "doj"}, "not recorded"),
        (
            {
                "cnt_order": None,
                "charge_ref": "CP-40-CR-0001234-2019-2",
                "case_number": "CP-40-CR-0001234-2019",
                "source_system": "canonical",
            },
            "2",
        ),
        (
            {"cnt_order": None, "charge_ref": "X-77", "case_number": "CP-1"}
            | {"source_system": "canonical"},
            "X-77",
        ),
    ],
)
def test_count_labels(row, count):
    assert court_pdf.count_label(row) == count


def test_a_document_stops_on_rows_without_a_column_it_prints(tmp_path):
    """The exports read only court_pdf.ROW_COLUMNS: a column missing from them (or from the rows
    a caller gives) stops the document, where a default would have printed a blank cell or
    sorted the items by what was there."""
    law = STATES["US-CA"]
    rows = fabricated_rows(law)
    for column in ("case_number", "cii_number", "review_mark", "dob_raw"):
        with pytest.raises(court_pdf.MissingColumns, match=column):
            write_court_document(
                tmp_path / "x.pdf", COUNTY["US-CA"], _program(law), rows.drop(column), AS_OF
            )
    assert not (tmp_path / "x.pdf").exists()


def test_the_columns_a_document_reads_are_exp_decisions_columns():
    models = yaml.safe_load(
        (DBT_PROJECT_DIR / "models" / "exports" / "_exports__models.yml").read_text()
    )["models"]
    exp = next(m for m in models if m["name"] == "exp_decisions")
    columns = {c["name"] for c in exp["columns"]} | set(store.REVIEW_COLUMNS)
    assert set(court_pdf.ROW_COLUMNS) <= columns, set(court_pdf.ROW_COLUMNS) - columns
    # and the repository updates' (exports/repository.py READ_COLUMNS: the kind reads only those)
    assert set(repository.READ_COLUMNS) <= columns, set(repository.READ_COLUMNS) - columns
