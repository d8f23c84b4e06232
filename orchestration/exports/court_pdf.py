"""Bulk court document: one motion and [proposed] order listing every eligible charge in a county.

This is the shape the Prop 64 pilots filed (clearance-law.md 1.4 and 6.3): the prosecutor moves
the court, in one document, for relief on many cases at once, with the cases in a table, and the
judge signs the order at the end. The writer is a pure function of the decision rows: no Dagster,
no warehouse. The caller filters the rows to one county and one program and publishes the file
atomically; this module only writes bytes to the path it is given.

Output is deterministic: the creation date comes from `as_of`, rows are sorted on a total order
(ending in charge_key) and fonts are subset the same way each time, so the same input gives the
same bytes. No run id and no wall-clock time are printed: the footer's reference ("Decision set
<digest>") is derived from the listed decisions (`publish.decision_set_reference`); the run that
produced the file is recorded in manifest.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from orchestration.exports.publish import decision_set_reference
from orchestration.lib.pdf import FONT_DIR, fix_creation_date, use_fonts
from orchestration.review.store import agreed, left_out

# Fonts (lib/pdf.py): DejaVu where installed, as names and citations carry "§", accents and
# curly quotes. FONT_DIR is read when a document is drawn: tests monkeypatch it here.
PAGE_FORMAT = "Letter"
MARGIN = 15.0  # mm
BODY_SIZE = 10.0
TABLE_SIZE = 7.5

NOT_RECORDED = "(COUNTY NOT RECORDED)"


@dataclass(frozen=True)
class CourtStyle:
    """How a jurisdiction names its court, the parties, the movant and the judge.

    `{county}` in any field is replaced by the upper-case county name.
    """

    court: str
    plaintiff: str
    movant: str
    movant_signer: str
    judge: str
    records_clause: str


COURT_STYLES: dict[str, CourtStyle] = {
    "US-CA": CourtStyle(
        court="SUPERIOR COURT OF CALIFORNIA, COUNTY OF {county}",
        plaintiff="THE PEOPLE OF THE STATE OF CALIFORNIA",
        movant="DISTRICT ATTORNEY, COUNTY OF {county}",
        movant_signer="Deputy District Attorney",
        judge="Judge of the Superior Court",
        records_clause=(
            "The clerk shall update the records of this Court and report the disposition of "
            "each listed charge to the Department of Justice."
        ),
    ),
    "US-UT": CourtStyle(
        court="DISTRICT COURT, STATE OF UTAH",
        plaintiff="STATE OF UTAH",
        movant="PROSECUTING ATTORNEY, {county} COUNTY",
        movant_signer="Prosecuting Attorney",
        judge="District Court Judge",
        records_clause=(
            "The clerk shall update the records of this Court and notify the Bureau of "
            "Criminal Identification of each listed case."
        ),
    ),
    "US-PA": CourtStyle(
        court="COURT OF COMMON PLEAS, {county} COUNTY, PENNSYLVANIA",
        plaintiff="COMMONWEALTH OF PENNSYLVANIA",
        movant="DISTRICT ATTORNEY OF {county} COUNTY",
        movant_signer="Assistant District Attorney",
        judge="Judge, Court of Common Pleas",
        records_clause=(
            "The clerk shall update the records of this Court and notify the Pennsylvania "
            "State Police Central Repository of each listed case."
        ),
    ),
    "US-MI": CourtStyle(
        court="CIRCUIT COURT FOR THE COUNTY OF {county}, STATE OF MICHIGAN",
        plaintiff="PEOPLE OF THE STATE OF MICHIGAN",
        movant="PROSECUTING ATTORNEY, COUNTY OF {county}",
        movant_signer="Assistant Prosecuting Attorney",
        judge="Circuit Judge",
        records_clause="The clerk shall update the records of this Court accordingly.",
    ),
}
DEFAULT_STYLE = CourtStyle(
    court="COURT OF COMPETENT JURISDICTION, {county} COUNTY",
    plaintiff="THE STATE",
    movant="PROSECUTING ATTORNEY, {county} COUNTY",
    movant_signer="Prosecuting Attorney",
    judge="Judge",
    records_clause="The clerk shall update the records of this Court accordingly.",
)

# relief code -> (wording in the title, wording in the table). Order = order in the title.
RELIEF_WORDING: dict[str, tuple[str, str]] = {
    "dismiss": ("DISMISSAL AND SEALING", "Dismiss and seal"),
    "reduce": ("REDESIGNATION", "Redesignate / reduce"),
    "conviction_relief": ("CONVICTION RECORD RELIEF", "Conviction relief"),
    "arrest_relief": ("ARREST RECORD RELIEF", "Arrest relief"),
    "expunge": ("EXPUNGEMENT", "Expunge"),
    "limited_access": ("LIMITED ACCESS", "Limited access"),
}
# title wording when no eligible row carries a relief code
PROGRAM_RELIEF: dict[str, str] = {
    "us_ca_prop64": "DISMISSAL, SEALING OR REDESIGNATION",
    "us_ca_pc_1203_425": "CONVICTION RECORD RELIEF",
    "us_ca_pc_851_93": "ARREST RECORD RELIEF",
    "us_ut_clean_slate": "EXPUNGEMENT",
    "us_pa_clean_slate": "LIMITED ACCESS",
}

TABLE_HEADINGS = (
    "# / Ref",
    "Name",
    "Date of birth",
    "CII / Case no.",
    "Conviction date",
    "Code section",
    "Relief granted",
)
# fractions of the usable width (portrait Letter, 15 mm margins: ~186 mm)
TABLE_WIDTHS = (21, 36, 17, 28, 17, 27, 27)
# The decision reference printed under the item number, "R" + the first characters of the
# decision id: clerks can quote it, and reconciliation finds every decision in the text.
REF_LENGTH = 10


def fmt_date(d: date | None, raw: str | None = None) -> str:
    """MM/DD/YYYY; the raw source string when the date was not parseable; '' when neither."""
    if d is not None:
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    return raw or ""


def long_date(d: date) -> str:
    return f"{d:%B} {d.day}, {d.year}"


def fmt_name(name: str | None) -> str:
    """'LAST,FIRST M' -> 'LAST, FIRST M'."""
    if not name:
        return "(name not recorded)"
    last, sep, rest = name.partition(",")
    return f"{last.strip()}, {rest.strip()}" if sep else name.strip()


def fmt_statute(statute: str | None, offense_raw: str | None, jurisdiction: str) -> str:
    """'CA:HS:11357(c)' -> 'HS 11357(c)' (court style); the raw offense when no statute."""
    if not statute:
        return (offense_raw or "").strip()
    parts = statute.split(":")
    state = jurisdiction.rsplit("-", 1)[-1]
    if len(parts) > 1 and parts[0].upper() == state.upper():
        parts = parts[1:]
    return " ".join(p for p in parts if p)


def relief_title(program_id: str, reliefs: list[str]) -> str:
    known = [RELIEF_WORDING[r][0] for r in RELIEF_WORDING if r in set(reliefs)]
    if not known:
        return PROGRAM_RELIEF.get(program_id, "RELIEF")
    if len(known) == 1:
        return known[0]
    return ", ".join(known[:-1]) + " OR " + known[-1]


def style_for(jurisdiction: str | None) -> CourtStyle:
    return COURT_STYLES.get((jurisdiction or "").upper(), DEFAULT_STYLE)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


class _CourtPDF(FPDF):
    def __init__(self, running: str, program_line: str, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format=PAGE_FORMAT)
        self.running = running
        self.program_line = program_line
        self.footer_text = footer_text
        # DejaVu when installed, else Helvetica with every string folded to Latin-1
        self.font_family_name, self.t = use_fonts(self, FONT_DIR)

    def header(self) -> None:
        self.set_font(self.font_family_name, "B", 8)
        w = self.epw
        self.cell(w * 0.75, 4, self.t(self.running), new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(w * 0.25, 4, f"Page {self.page_no()} of {{nb}}", align="R")
        self.ln(4)
        self.set_font(self.font_family_name, "", 7.5)
        self.cell(w, 4, self.t(self.program_line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(120)
        self.line(self.l_margin, self.get_y() + 1, self.l_margin + w, self.get_y() + 1)
        self.set_draw_color(0)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.font_family_name, "", 7)
        self.set_text_color(90)
        self.cell(self.epw, 4, self.t(self.footer_text), align="C")
        self.set_text_color(0)


class _Table:
    """A bordered table drawn with low-level `text`/`rect` calls, heading repeated on each page.

    fpdf2's `pdf.table()` lays out each cell twice with `multi_cell` (about 4 s per 1,000 rows);
    county motions run to tens of thousands of rows, so rows are wrapped and placed here
    directly (about 20x faster). Long cells wrap on spaces and are capped at MAX_LINES lines.
    """

    LINE_H = 3.4
    PAD_X = 1.0
    PAD_Y = 0.8
    MAX_LINES = 12

    def __init__(self, pdf: _CourtPDF, widths: list[float]) -> None:
        self.pdf = pdf
        self.widths = widths
        self.headings: list[str] = []
        self.y = pdf.get_y()
        self._width_cache: dict[tuple[str, str], float] = {}

    def _width(self, text: str) -> float:
        key = (self.pdf.font_style, text)
        w = self._width_cache.get(key)
        if w is None:
            w = self.pdf.get_string_width(text)
            if len(self._width_cache) < 200_000:
                self._width_cache[key] = w
        return w

    def _wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in text.split("\n"):
            if self._width(para) <= width:
                lines.append(para)
                continue
            current = ""
            for word in para.split(" "):
                candidate = f"{current} {word}" if current else word
                if self._width(candidate) <= width:
                    current = candidate
                    continue
                if current:
                    lines.append(current)
                while self._width(word) > width and len(word) > 1:  # break an over-long word
                    cut = len(word) - 1
                    while cut > 1 and self._width(word[:cut]) > width:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                current = word
            lines.append(current)
        if len(lines) > self.MAX_LINES:
            lines = [*lines[: self.MAX_LINES - 1], lines[self.MAX_LINES - 1] + " ..."]
        return lines

    def _draw(self, cells: list[str], bold: bool, fill: bool) -> None:
        pdf = self.pdf
        pdf.set_font(pdf.font_family_name, "B" if bold else "", TABLE_SIZE)
        wrapped = [
            self._wrap(c, w - 2 * self.PAD_X) for c, w in zip(cells, self.widths, strict=True)
        ]
        height = max(len(ls) for ls in wrapped) * self.LINE_H + 2 * self.PAD_Y
        if self.y + height > pdf.page_break_trigger:
            pdf.add_page()
            self.y = pdf.get_y()
            if not bold and self.headings:
                self._draw(self.headings, bold=True, fill=True)
                pdf.set_font(pdf.font_family_name, "", TABLE_SIZE)
        baseline = self.PAD_Y + (self.LINE_H + pdf.font_size) / 2 - 0.15 * pdf.font_size
        x = pdf.l_margin
        for lines, w in zip(wrapped, self.widths, strict=True):
            pdf.rect(x, self.y, w, height, style="DF" if fill else "D")
            for k, line in enumerate(lines):
                if line:
                    pdf.text(x + self.PAD_X, self.y + baseline + k * self.LINE_H, line)
            x += w
        self.y += height

    def heading(self, cells: list[str]) -> None:
        self.headings = cells
        self.pdf.set_fill_color(225)
        self._draw(cells, bold=True, fill=True)

    def row(self, cells: list[str]) -> None:
        self._draw(cells, bold=False, fill=False)


def _sorted_eligible(rows: pl.DataFrame) -> pl.DataFrame:
    # not a charge the prosecutor's review keeps out (it is in the county's reviewed_out.csv)
    eligible = rows.filter((pl.col("determination") == "eligible") & ~left_out(rows))
    keys = [
        c
        for c in (
            "person_name",
            "dob",
            "subject_id",
            "conviction_date",
            "case_number",
            "cnt_order",
            "charge_key",
        )
        if c in eligible.columns
    ]
    return eligible.sort(keys, nulls_last=True, maintain_order=True)


def write_court_document(
    path: Path,
    county: str | None,
    program: dict[str, Any],
    rows: pl.DataFrame,
    as_of: date,
) -> dict[str, Any]:
    """Write a motion and [proposed] order for every eligible charge in `rows` to `path`.

    `program` is one row of the programs table (program, jurisdiction, title, law_version,
    rules_version, citations_text). `rows` are decision rows for that program and county; the
    caller is expected to pass eligible rows only, but rows whose determination is not
    'eligible' are dropped here too (defensively): a court document must never ask for relief
    the rules did not grant, nor for relief the prosecutor's review (still applying) disagreed
    with or asked more information on. An item whose review agreed is marked "Reviewed" under
    its reference. The file is written to `path` directly (not atomically).

    Returns {"rows", "pages", "bytes", "charge_keys", "font", "reference"} (charge_keys in
    document order; reference: the decision-set digest printed in the footer) so the caller can
    reconcile the document with the decision table. Rows are listed by name,
    date of birth, subject, conviction date, case number, count order and charge key.
    """
    program_id = str(program.get("program") or "")
    jurisdiction = str(program.get("jurisdiction") or "")
    title_text = str(program.get("title") or program_id)
    citations = str(program.get("citations_text") or program_id)
    law_version = program.get("law_version")
    style = style_for(jurisdiction)
    county_name = " ".join(county.split()).upper() if county else NOT_RECORDED

    def fill(template: str) -> str:
        return template.replace("{county}", county_name)

    eligible = _sorted_eligible(rows)
    reviewed = agreed(eligible).to_list()
    records = eligible.to_dicts()
    rules_versions = sorted(
        {str(v) for v in eligible["rules_version"].to_list() if v is not None}
        if "rules_version" in eligible.columns
        else set()
    ) or ([str(program["rules_version"])] if program.get("rules_version") else [])
    rules_text = ", ".join(rules_versions) or "unknown"
    reference = decision_set_reference(eligible)
    reliefs = [r["relief"] for r in records if r.get("relief")]
    default_relief = PROGRAM_RELIEF.get(program_id, "Relief as stated in the motion").capitalize()
    court = fill(style.court)
    doc_title = f"MOTION AND [PROPOSED] ORDER FOR {relief_title(program_id, reliefs)}"
    full_title = f"{doc_title} PURSUANT TO {citations}"

    pdf = _CourtPDF(
        running=court,
        program_line=f"{title_text} ({program_id})  ·  County: {county_name}  ·  "
        f"Determinations as of {as_of.isoformat()}",
        footer_text=f"Decision set {reference}  ·  Rules version {rules_text}  ·  "
        f"Generated from decision table; {_plural(len(records), 'listed charge')}",
    )
    t = pdf.t
    fam = pdf.font_family_name
    fix_creation_date(pdf, as_of)
    pdf.set_title(t(full_title))
    pdf.set_author(t(fill(style.movant)))
    pdf.set_subject(t(f"{program_id} {county_name} {as_of.isoformat()}"))
    pdf.set_creator("clean-slate-warehouse")
    pdf.set_producer("clean-slate-warehouse (fpdf2)")
    pdf.set_lang("en-US")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages()
    pdf.add_page()

    # -- movant block, court, caption -------------------------------------------------------
    pdf.set_font(fam, "", 9)
    pdf.multi_cell(
        pdf.epw / 2,
        4.5,
        t(f"{fill(style.movant)}\nAttorney for the Plaintiff"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    pdf.set_font(fam, "B", 12)
    pdf.multi_cell(pdf.epw, 6, t(court), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)

    top = pdf.get_y()
    half = pdf.epw / 2
    pdf.set_font(fam, "", 10)
    pdf.multi_cell(
        half - 4,
        5,
        t(
            f"{style.plaintiff},\n          Plaintiff,\n\n     v.\n\n"
            f"THE PERSONS LISTED IN THE TABLE BELOW,\n          Defendants."
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + half + 2, top)
    pdf.set_font(fam, "B", 10)
    right = pdf.l_margin + half + 2
    pdf.multi_cell(half - 2, 5, t(full_title), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(right, pdf.get_y() + 2)
    pdf.set_font(fam, "", 9)
    pdf.multi_cell(
        half - 2,
        4.5,
        t(
            f"Bulk motion: {_plural(len(records), 'charge')}\n"
            f"Program: {program_id}\nDeterminations as of: {long_date(as_of)}"
        ),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    bottom = max(left_bottom, pdf.get_y()) + 2
    pdf.set_draw_color(0)
    pdf.line(pdf.l_margin + half, top, pdf.l_margin + half, bottom)
    pdf.line(pdf.l_margin, bottom, pdf.l_margin + half, bottom)
    pdf.set_y(bottom + 5)

    # -- introduction ----------------------------------------------------------------------
    persons = len({r.get("subject_id") for r in records})
    cases = len({r.get("case_key") or r.get("charge_key") for r in records})
    law_clause = (
        f", applying the law in effect on {long_date(law_version)}"
        if isinstance(law_version, date)
        else ""
    )
    intro = (
        f"TO THE COURT: {style.plaintiff}, by the {fill(style.movant)}, moves "
        f"pursuant to {citations} for an order granting the relief stated in the table below "
        f"for each of the {_plural(len(records), 'charge')} listed "
        f"({_plural(cases, 'case')}, {_plural(persons, 'person')}). Each charge was identified "
        f"from state criminal history records and determined eligible under {title_text} as "
        f"of {long_date(as_of)}{law_clause} (rules version {rules_text}). The movant asks the "
        f"Court to grant the listed relief for each charge without further hearing."
    )
    if any(reviewed):
        intro += (
            f" The movant reviewed {_plural(sum(reviewed), 'listed charge')} individually"
            f' (marked "Reviewed" under the item number) and confirms the relief for each.'
        )
    pdf.set_font(fam, "", BODY_SIZE)
    pdf.multi_cell(pdf.epw, 5, t(intro), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    # -- table of charges ------------------------------------------------------------------
    table = _Table(pdf, [w * pdf.epw / sum(TABLE_WIDTHS) for w in TABLE_WIDTHS])
    table.heading([t(h) for h in TABLE_HEADINGS])
    charge_keys: list[str] = []
    placements: list[dict[str, Any]] = []
    if not records:
        table.row(["", t("No eligible charges."), "", "", "", "", ""])
    for i, (r, is_reviewed) in enumerate(zip(records, reviewed, strict=True), start=1):
        ids = []
        if r.get("cii_number"):
            ids.append(f"CII {r['cii_number']}")
        if r.get("case_number"):
            ids.append(f"Case {r['case_number']}")
        relief = r.get("relief")
        ref = str(r.get("decision_id") or "")[:REF_LENGTH]
        table.row(
            [
                (f"{i}\nR{ref}" if ref else str(i)) + ("\nReviewed" if is_reviewed else ""),
                t(fmt_name(r.get("person_name"))),
                fmt_date(r.get("dob"), r.get("dob_raw")),
                t("\n".join(ids) or "-"),
                fmt_date(r.get("conviction_date"), r.get("conviction_date_raw")),
                t(fmt_statute(r.get("statute"), r.get("offense_raw"), jurisdiction)),
                t(RELIEF_WORDING[relief][1] if relief in RELIEF_WORDING else default_relief),
            ]
        )
        charge_keys.append(str(r["charge_key"]))
        # where the item is, for audit.export_lines (the row is on the page it ended on)
        placements.append(
            {"decision_id": r.get("decision_id"), "item": i, "page": pdf.page_no(), "ref": ref}
        )
    pdf.set_y(table.y)

    # -- signature block + order (kept together on the last page) ---------------------------
    block_height = 105
    if pdf.get_y() + block_height > pdf.page_break_trigger:
        pdf.add_page()
    else:
        pdf.ln(8)
    pdf.set_font(fam, "", BODY_SIZE)
    lw = pdf.epw / 2
    sig_left = "Dated: ______________________"
    sig_right = (
        f"Respectfully submitted,\n{fill(style.movant)}\n\n\n"
        f"By: ________________________________\n      {style.movant_signer}"
    )
    y = pdf.get_y()
    pdf.multi_cell(lw, 5, sig_left, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + lw, y)
    pdf.multi_cell(lw, 5, t(sig_right), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)

    pdf.set_font(fam, "B", 11)
    pdf.cell(pdf.epw, 6, "[PROPOSED] ORDER", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(fam, "", BODY_SIZE)
    order = (
        f"Good cause appearing, and pursuant to {citations}, the Court grants the relief stated "
        f"in the table above for each of the {_plural(len(records), 'listed charge')} "
        f"(items 1 through {len(records):,}). {style.records_clause}"
    )
    pdf.multi_cell(pdf.epw, 5, t(order), align="J", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(fam, "B", BODY_SIZE)
    pdf.cell(pdf.epw, 6, "IT IS SO ORDERED.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_font(fam, "", BODY_SIZE)
    y = pdf.get_y()
    pdf.multi_cell(lw, 5, "Dated: ______________________", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + lw, y)
    pdf.multi_cell(
        lw,
        5,
        t(f"________________________________\n{style.judge}"),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    data = bytes(pdf.output())
    path.write_bytes(data)
    return {
        "rows": len(records),
        "pages": pdf.pages_count,
        "bytes": len(data),
        "charge_keys": charge_keys,
        "font": pdf.font_family_name,
        "reference": reference,
        "placements": placements,
    }
