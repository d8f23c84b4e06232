"""Bulk court document: one motion and [proposed] order listing every eligible charge in a county.

This is the shape the Prop 64 pilots filed (clearance-law.md 1.4 and 6.3): the prosecutor moves
the court, in one document, for relief on many cases at once, with the cases in a table, and the
judge signs the order at the end. The writer is a pure function of the decision rows and the
state's presentation profile (exports/presentation.py: caption, filing party, identifiers,
relief wording, the citation; no state's wording lives here): no Dagster, no warehouse. The
caller filters the rows to one county and one program and publishes the file atomically; this
module only writes bytes to the path it is given.

What a clerk reads: the law's title, never its internal id, rule ids or rule hashes; dates as a
person writes them ("March 1998, day unknown", never 19980300); each charge on its own line with
its count; identifiers (CII, OTN, case or docket number) whole on one line, never broken inside
(a column is given the width its longest identifier needs, and a cell that still cannot hold one
is drawn smaller); a line without a case number shaded and flagged; names in alphabetical order
whatever their case; left-aligned text.

Output is deterministic: the creation date comes from `as_of`, rows are sorted on a total order
(ending in charge_key) and fonts are subset the same way each time, so the same input gives the
same bytes. No run id and no wall-clock time are printed: the footer's reference ("Decision set
<digest>") is derived from the listed decisions (`publish.decision_set_reference`); the run that
produced the file, with the rules versions, is recorded in manifest.json.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, get_args

import polars as pl
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos

from orchestration.exports.presentation import (
    BLANK,
    IdentifierField,
    Presentation,
    load_presentation,
)
from orchestration.exports.publish import DIGEST_COLUMNS, decision_set_reference
from orchestration.lib.pdf import FONT_DIR, fix_creation_date, use_fonts
from orchestration.review.store import agreed, left_out

# Fonts (lib/pdf.py): DejaVu where installed, as names and citations carry "§", accents and
# curly quotes. FONT_DIR is read when a document is drawn: tests monkeypatch it here.
PAGE_FORMAT = "Letter"

# Every decision-row column a document reads: the exports read only these (UnitRows.only) and
# a row set without one of them stops the document (MissingColumns), so no cell is printed
# blank for a column that was never read.
ROW_COLUMNS = tuple(
    dict.fromkeys(
        (
            *DIGEST_COLUMNS,  # the footer's decision-set reference
            "review_applies",
            "review_mark",  # the prosecutor's review: left out, or "Reviewed"
            "person_name",
            "dob",
            "dob_raw",
            "subject_id",
            "conviction_date",
            "conviction_date_raw",
            "statute",
            "offense_raw",
            "case_key",
            "cnt_order",
            "charge_ref",
            "source_system",
            *get_args(IdentifierField),  # what a presentation profile may print
        )
    )
)


class MissingColumns(ValueError):
    """The rows given to a court document lack a column it prints or sorts by."""


def require_columns(rows: pl.DataFrame) -> None:
    missing = [c for c in ROW_COLUMNS if c not in rows.columns]
    if missing:
        raise MissingColumns(f"court document rows lack the column(s) {', '.join(missing)}")


MARGIN = 15.0  # mm
BODY_SIZE = 10.0
TABLE_SIZE = 7.5  # pt; smaller (down to MIN_TABLE_SIZE) when the identifiers need the room
MIN_TABLE_SIZE = 6.0
HEADER_MIN_SIZE = 5.5

NOT_RECORDED = "(COUNTY NOT RECORDED)"


# -- the table's cells, drawn as fpdf2 draws them --------------------------------------------
# A statewide county's court document draws ~40 rectangles and texts a row; fpdf2's rect() and
# text() spent most of their time in per-call wrappers (page checks, deprecation shims, enum
# coercion, graphics-state lookups): ~40% of the document. _CellOps writes the operators they
# write, a row's at once (fpdf2 ends each with a line feed: joined by line feeds, the same
# bytes). tests/unit/test_exports_documents.py compares them with _FpdfOps, fpdf2's own calls.


class _FpdfOps:
    """A row's cells through fpdf2's rect() and text()."""

    def __init__(self, pdf: FPDF, encoded: dict[tuple[str, str], str]) -> None:
        self.pdf = pdf

    def rect(self, x: float, y: float, w: float, h: float, filled: bool) -> None:
        self.pdf.rect(x, y, w, h, style="DF" if filled else "D")

    def text(self, x: float, y: float, text: str) -> None:
        self.pdf.text(x, y, text)

    def flush(self) -> None:
        """Before anything else writes to the page (a colour, a font size)."""


class _CellOps(_FpdfOps):
    """The operators fpdf2's rect(x, y, w, h, style) and text(x, y, text) write, for plain
    filled text (no underline, strikethrough, other text mode or recorded quad points: then
    _FpdfOps), buffered until flush(). `encoded`: the document's texts already encoded, by
    font (dates, sections, reliefs repeat; encoding a text again picks the same glyphs of the
    font's subset)."""

    def __init__(self, pdf: FPDF, encoded: dict[tuple[str, str], str]) -> None:
        super().__init__(pdf, encoded)
        self.encoded = encoded
        self.k, self.h = pdf.k, pdf.h
        self.ops: list[str] = []
        self.colour: str | None = None  # "q <text colour>" while it differs from the fill

    @staticmethod
    def usable(pdf: FPDF) -> bool:
        return bool(
            pdf.page
            and pdf.text_mode == TextMode.FILL
            and not pdf.underline
            and not pdf.strikethrough
            and not pdf._record_text_quad_points
        )

    def rect(self, x: float, y: float, w: float, h: float, filled: bool) -> None:
        k = self.k
        op = "B" if filled else "S"
        self.ops.append(f"{x * k:.2f} {(self.h - y) * k:.2f} {w * k:.2f} {-h * k:.2f} re {op}")

    def text(self, x: float, y: float, text: str) -> None:
        pdf = self.pdf
        text = pdf.normalize_text(text)
        if not pdf.current_font_is_set_on_page:
            self.ops.append(pdf._set_font_for_page(pdf.current_font, pdf.font_size_pt))
        font = pdf.current_font
        key = (font.fontkey, text)
        shown = self.encoded.get(key)
        if shown is None:
            shown = font.encode_text(text)
            if len(self.encoded) < 200_000:
                self.encoded[key] = shown
        k = self.k
        op = f"BT {x * k:.2f} {(self.h - y) * k:.2f} Td {shown} ET"
        if self.colour is None:
            differs = pdf.fill_color != pdf.text_color
            self.colour = f"q {pdf.text_color.serialize().lower()} " if differs else ""
        self.ops.append(f"{self.colour}{op} Q" if self.colour else op)

    def flush(self) -> None:
        if self.ops:
            self.pdf._out("\n".join(self.ops))
            self.ops.clear()
        self.colour = None


@dataclass(frozen=True)
class _Column:
    heading: str
    weight: float  # share of the usable width (portrait Letter, 15 mm margins: ~186 mm)
    # widened to its longest word: identifiers, references, counts and dates are never shrunk
    # below what they need (other columns wrap between words, and a word too long for one is
    # drawn smaller)
    fit: bool


IDENTIFIERS_COLUMN = 3  # its heading comes from the state's profile
COLUMNS = (
    _Column("# / Ref", 13, True),
    _Column("Name", 30, False),
    _Column("Date of birth", 14, True),
    _Column("", 24, True),
    _Column("Count", 8, True),
    _Column("Disposition date", 14, True),
    _Column("Code section", 22, False),
    _Column("Relief granted", 21, False),
)
# The decision reference printed under the item number, "R" + the first characters of the
# decision id: clerks can quote it, and reconciliation finds every decision in the text.
REF_LENGTH = 10
# A space inside one identifier ("OTN N 123456-1"): the table never breaks a line there.
NBSP = "\u00a0"

MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DIGITS8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_ISO = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_CNT_ORDER = re.compile(r"^\d{12}$")


def fmt_date(d: date | None, raw: str | None = None) -> str:
    """A date as a person reads it: MM/DD/YYYY; a partial one says what is unknown ("1998, month
    and day unknown", "March 1998, day unknown"; from 19980000, 19980300, 1998 or 1998-03); a
    value that is no date says so; nothing recorded says so. Never the raw 8 digits."""
    if d is not None:
        return f"{d.month:02d}/{d.day:02d}/{d.year:04d}"
    text = (raw or "").strip()
    if not text:
        return "not recorded"
    m = _DIGITS8.match(text) or _ISO.match(text)
    if m:
        year, month, day = (int(g) if g else 0 for g in m.groups())
        if year and not month and not day:
            return f"{year}, month and day unknown"
        if year and 1 <= month <= 12 and not day:
            return f"{MONTHS[month - 1]} {year}, day unknown"
        try:
            return fmt_date(date(year, month, day))
        except ValueError:
            pass
    if _DIGITS8.match(text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return f"not a valid date ({text})"


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


def count_label(row: dict[str, Any]) -> str:
    """The charge's count within its case: the count of a DOJ CNT_ORDER (cycle, step, count, then
    three more digits, printed after a dash when not 000); for a canonical extract the charge id
    without its case number's prefix ('22190001828-2' in case 22190001828: '2'), else whole."""
    cnt = str(row["cnt_order"] or "").strip()
    if _CNT_ORDER.match(cnt):
        count, rest = int(cnt[6:9]), cnt[9:]
        return str(count) if rest == "000" else f"{count}-{rest}"
    if cnt:
        return cnt
    ref = str(row["charge_ref"] or "").strip()
    if not ref or row["source_system"] == "doj":
        return "not recorded"
    case = str(row["case_number"] or "").strip()
    if case and ref.startswith(case) and len(ref) > len(case) + 1 and ref[len(case)] in "-_/.: ":
        return ref[len(case) + 1 :].strip()
    return ref


def relief_title(presentation: Presentation, program_id: str, reliefs: list[str]) -> str:
    """The document title's relief: the profile's wording of each relief its rows grant (in the
    profile's order), else the law's."""
    wanted = set(reliefs)
    for r in sorted(wanted):
        presentation.relief(r)  # fail closed: a relief the profile cannot word
    known = [w.title for r, w in presentation.reliefs.items() if r in wanted]
    if not known:
        return presentation.program(program_id).relief_title
    if len(known) == 1:
        return known[0]
    return ", ".join(known[:-1]) + " OR " + known[-1]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# The total page count's placeholder in the running header. The right-aligned "Page N of M" is
# laid out with the placeholder's width (M is known when the document is closed): fpdf2's
# "{nb}" is 3 digits wide, and a 4-digit total (a county's order at 10M rows: 6,254 pages) ran
# 2 mm past the header's rule, with a warning on the console. This one is wider than 4 digits (in
# DejaVu and the core-font fallback); a shorter total leaves the label that much short of it.
PAGES_ALIAS = "{nb.}"


class _CourtPDF(FPDF):
    def __init__(self, running: str, program_line: str, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format=PAGE_FORMAT)
        self.running = running
        self.program_line = program_line
        self.footer_text = footer_text
        # DejaVu when installed, else Helvetica with every string folded to Latin-1
        self.font_family_name, self.t = use_fonts(self, FONT_DIR)
        self._fit_sizes: dict[tuple[str, str, float, float], tuple[float, bool]] = {}

    def _fitted(self, text: str, style: str, size: float, width: float, align: str) -> None:
        """`text` on one line of `width` (smaller down to HEADER_MIN_SIZE; wrapped between words
        beyond that): a running header or footer never runs off the page."""
        key = (text, style, size, width)
        if key not in self._fit_sizes:  # the same on every page: measured once
            self.set_font(self.font_family_name, style, size)
            w = self.get_string_width(text)
            room = width - 2 * self.c_margin  # the cell's inner width
            fitted = max(HEADER_MIN_SIZE, size * room / w * 0.999) if w > room else size
            self._fit_sizes[key] = (fitted, w * fitted / size <= room)
        fitted, fits = self._fit_sizes[key]
        self.set_font(self.font_family_name, style, fitted)
        if fits:
            self.cell(width, 4, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            self.multi_cell(width, 4, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def header(self) -> None:
        w = self.epw
        top = self.get_y()
        self.set_font(self.font_family_name, "B", 8)
        self.set_xy(self.l_margin + w * 0.75, top)
        self.cell(w * 0.25, 4, f"Page {self.page_no()} of {PAGES_ALIAS}", align="R")
        self.set_xy(self.l_margin, top)
        self._fitted(self.t(self.running), "B", 8, w * 0.75 - 2, "L")
        self._fitted(self.t(self.program_line), "", 7.5, w, "L")
        self.set_draw_color(120)
        self.line(self.l_margin, self.get_y() + 1, self.l_margin + w, self.get_y() + 1)
        self.set_draw_color(0)
        self.ln(4)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_text_color(90)
        self._fitted(self.t(self.footer_text), "", 7, self.epw, "C")
        self.set_text_color(0)


class _Table:
    """A bordered table drawn with low-level `text`/`rect` calls, heading repeated on each page.

    fpdf2's `pdf.table()` lays out each cell twice with `multi_cell` (about 4 s per 1,000 rows);
    county motions run to tens of thousands of rows, so rows are wrapped and placed here
    directly (about 20x faster). Cells wrap between words only, never inside one (an identifier
    keeps its inner spaces as NBSP while the row is laid out), and are capped at MAX_LINES
    lines. `layout` gives each `fit` column the width of its longest word first.
    """

    LINE_H = 3.4
    PAD_X = 1.0
    PAD_Y = 0.8
    MAX_LINES = 12

    def __init__(self, pdf: _CourtPDF, columns: tuple[_Column, ...]) -> None:
        self.pdf = pdf
        self.columns = columns
        self.widths = [c.weight * pdf.epw / sum(c.weight for c in columns) for c in columns]
        self.size = TABLE_SIZE
        self.headings: list[str] = []
        self.y = pdf.get_y()
        # width of each character at 1 pt, per font style: string widths are sums of these
        # (fpdf2 does not kern unshaped text), computed once per character
        self._units: dict[str, dict[str, float]] = {}
        self._strings: dict[tuple[str, str], float] = {}
        self._encoded: dict[tuple[str, str], str] = {}  # _CellOps'

    def _width(self, text: str) -> float:
        pdf = self.pdf
        key = (pdf.font_style, text)
        total = self._strings.get(key)
        if total is None:
            units = self._units.setdefault(pdf.font_style, {})
            total = 0.0
            for ch in text:
                u = units.get(ch)
                if u is None:
                    w = pdf.get_string_width(" " if ch == NBSP else ch)
                    u = units[ch] = w / pdf.font_size_pt
                total += u
            if len(self._strings) < 200_000:  # headings, reliefs, code sections repeat
                self._strings[key] = total
        return total * pdf.font_size_pt

    def _set_font(self, bold: bool, size: float) -> None:
        self.pdf.set_font(self.pdf.font_family_name, "B" if bold else "", size)

    def _widest_words(self, rows: list[list[str]], bold: bool) -> list[float]:
        self._set_font(bold, TABLE_SIZE)
        need = [0.0] * len(self.columns)
        for cells in rows:
            for i, text in enumerate(cells):
                for word in text.replace("\n", " ").split(" "):
                    if word:
                        need[i] = max(need[i], self._width(word))
        return need

    def layout(self, headings: list[str], rows: list[list[str]]) -> None:
        """Column widths and the table's font size for these cells: each `fit` column as wide as
        its longest word (an identifier, a reference, a date), taken from the other columns down
        to what their words need (at most their share); when even that is too wide, a smaller
        font (down to MIN_TABLE_SIZE). A word still too wide is drawn smaller in its cell."""
        epw = self.pdf.epw
        pad = 2 * self.PAD_X
        base = list(self.widths)
        head = self._widest_words([headings], bold=True)
        body = self._widest_words(rows, bold=False)
        text_need = [
            max(h, b) if col.fit else min(max(h, b), base[i] - pad)
            for i, (col, h, b) in enumerate(zip(self.columns, head, body, strict=True))
        ]
        room = epw - pad * len(self.columns)
        size = TABLE_SIZE
        if sum(text_need) > room:
            size = max(MIN_TABLE_SIZE, TABLE_SIZE * room / sum(text_need))
        need = [t * size / TABLE_SIZE + pad for t in text_need]
        widths = [max(b, n) for b, n in zip(base, need, strict=True)]
        excess = sum(widths) - epw
        slack = {i: widths[i] - need[i] for i in range(len(widths)) if widths[i] > need[i]}
        if excess > 0 and slack:
            take = min(excess, sum(slack.values()))
            total = sum(slack.values())
            for i, s in slack.items():
                widths[i] -= take * s / total
        if sum(widths) > epw:  # at the smallest font: every column in proportion
            widths = [w * epw / sum(widths) for w in widths]
        self.widths, self.size = widths, size

    def _wrap(self, text: str, width: float) -> list[str]:
        lines: list[str] = []
        for para in text.split("\n"):
            if self._width(para) <= width:
                lines.append(para)
                continue
            current = ""
            for word in para.split(" "):
                candidate = f"{current} {word}" if current else word
                if not current or self._width(candidate) <= width:
                    current = candidate  # a word is never broken: alone, it may overflow
                    continue
                lines.append(current)
                current = word
            lines.append(current)
        if len(lines) > self.MAX_LINES:
            lines = [*lines[: self.MAX_LINES - 1], lines[self.MAX_LINES - 1] + " ..."]
        return lines

    def _draw(self, cells: list[str], bold: bool, fill: int | None) -> None:
        pdf = self.pdf
        self._set_font(bold, self.size)
        wrapped = [
            self._wrap(c, w - 2 * self.PAD_X) for c, w in zip(cells, self.widths, strict=True)
        ]
        # a line wider than its cell (one long word) draws the whole cell smaller
        sizes = []
        for lines, w in zip(wrapped, self.widths, strict=True):
            widest = max((self._width(line) for line in lines), default=0.0)
            room = w - 2 * self.PAD_X
            sizes.append(self.size if widest <= room else self.size * room / widest * 0.999)
        height = max(len(ls) for ls in wrapped) * self.LINE_H + 2 * self.PAD_Y
        if self.y + height > pdf.page_break_trigger:
            pdf.add_page()
            self.y = pdf.get_y()
            if not bold and self.headings:
                self._draw(self.headings, bold=True, fill=225)
                self._set_font(bold, self.size)
        x = pdf.l_margin
        ops = (_CellOps if _CellOps.usable(pdf) else _FpdfOps)(pdf, self._encoded)
        for lines, w, size in zip(wrapped, self.widths, sizes, strict=True):
            if fill is not None:
                ops.flush()
                pdf.set_fill_color(fill)
            ops.rect(x, self.y, w, height, filled=fill is not None)
            if size != pdf.font_size_pt:
                ops.flush()
                pdf.set_font_size(size)
            baseline = self.PAD_Y + (self.LINE_H + pdf.font_size) / 2 - 0.15 * pdf.font_size
            for k, line in enumerate(lines):
                if line:
                    ops.text(
                        x + self.PAD_X, self.y + baseline + k * self.LINE_H, line.replace(NBSP, " ")
                    )
            x += w
        ops.flush()
        self.y += height

    def heading(self, cells: list[str]) -> None:
        self.headings = cells
        self._draw(cells, bold=True, fill=225)

    def row(self, cells: list[str], flagged: bool = False) -> None:
        self._draw(cells, bold=False, fill=240 if flagged else None)


def _sorted_eligible(rows: pl.DataFrame) -> pl.DataFrame:
    # not a charge the prosecutor's review keeps out (it is in the county's reviewed_out.csv)
    eligible = rows.filter((pl.col("determination") == "eligible") & ~left_out(rows))
    # alphabetical whatever the case: the printed name ('LAST, FIRST'), lower case
    by_name = (
        pl.col("person_name")
        .cast(pl.String)
        .str.replace(r"^\s*([^,]*?)\s*,\s*", "${1}, ")
        .str.strip_chars()
        .str.to_lowercase()
        .alias("_name_key")
    )
    keys = [
        "_name_key",
        "person_name",
        "dob",
        "subject_id",
        "conviction_date",
        "case_number",
        "cnt_order",
        "charge_ref",
        "charge_key",
    ]
    return (
        eligible.with_columns(by_name)
        .sort(keys, nulls_last=True, maintain_order=True)
        .drop("_name_key")
    )


def _identifiers(r: dict[str, Any], p: Presentation, t: Any) -> tuple[str, bool]:
    """The identifiers cell (one identifier a line, unbreakable) and whether the case number is
    missing (the line is flagged)."""
    lines, missing = [], False
    for ident in p.identifiers.lines:
        value = str(r[ident.field] or "").strip()
        if value:
            lines.append(t(f"{ident.label} {value}").replace(" ", NBSP))
        elif ident.field == "case_number":
            missing = True
            lines.append(t(p.identifiers.missing_case_number))
    return "\n".join(lines), missing


def write_court_document(
    path: Path,
    county: str | None,
    program: dict[str, Any],
    rows: pl.DataFrame,
    as_of: date,
    presentation: Presentation | None = None,
) -> dict[str, Any]:
    """Write a motion and [proposed] order for every eligible charge in `rows` to `path`.

    `program` is one row of the programs table (program, jurisdiction, title, law_version).
    `presentation` is the state's profile with the county's override (exports/presentation.py);
    when not given it is read from the presentation folder (CLEANSLATE_PRESENTATION), and a
    jurisdiction without one stops here (PresentationError), as does a law or relief the profile
    does not word. `rows` are decision rows for that program and county; the
    caller is expected to pass eligible rows only, but rows whose determination is not
    'eligible' are dropped here too (defensively): a court document must never ask for relief
    the rules did not grant, nor for relief the prosecutor's review (still applying) disagreed
    with or asked more information on. An item whose review agreed is marked "Reviewed" under
    its reference. The file is written to `path` directly (not atomically).

    Returns {"rows", "pages", "bytes", "charge_keys", "font", "reference", "placements"}
    (charge_keys in document order; reference: the decision-set digest printed in the footer)
    so the caller can reconcile the document with the decision table. Rows are listed by name
    (case-insensitively), date of birth, subject, conviction date, case number, count and
    charge key.
    """
    program_id = str(program.get("program") or "")
    jurisdiction = str(program.get("jurisdiction") or "")
    if presentation is None:
        from orchestration.lib.settings import presentation_dir

        presentation = load_presentation(presentation_dir(), jurisdiction, county)
    p = presentation
    law = p.program(program_id)  # fail closed before anything is drawn
    title_text = str(program.get("title") or law.relief_title)
    citation = law.citation
    law_version = program.get("law_version")
    county_name = " ".join(county.split()).upper() if county else NOT_RECORDED
    cap, party = p.caption, p.filing_party

    def fill(template: str) -> str:
        return template.replace("{county}", county_name)

    require_columns(rows)  # fail closed before anything is drawn
    eligible = _sorted_eligible(rows)
    reviewed = agreed(eligible).to_list()
    # the rows are read one at a time where they are printed (as dicts all at once, a county
    # of 620,486 decisions' two documents peaked at 1,261 MiB instead of 944)
    listed = eligible.height
    reference = decision_set_reference(eligible)
    reliefs = [r for r in eligible["relief"].to_list() if r]
    doc_title = f"MOTION AND [PROPOSED] ORDER FOR {relief_title(p, program_id, reliefs)}"
    full_title = f"{doc_title} PURSUANT TO {citation}"
    court = fill(cap.court)
    movant = fill(cap.movant)

    pdf = _CourtPDF(
        running=court,
        program_line=f"{title_text}  ·  County: {county_name}  ·  "
        f"Determinations as of {as_of.isoformat()}",
        footer_text=f"Decision set {reference}  ·  "
        f"{_plural(listed, 'listed charge')}, from the decision table as of "
        f"{as_of.isoformat()}",
    )
    t = pdf.t
    fam = pdf.font_family_name
    fix_creation_date(pdf, as_of)
    pdf.set_title(t(full_title))
    pdf.set_author(t(movant))
    pdf.set_subject(t(f"{title_text}; {county_name}; {as_of.isoformat()}"))
    pdf.set_creator("clean-slate-warehouse")
    pdf.set_producer("clean-slate-warehouse (fpdf2)")
    pdf.set_lang("en-US")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=16)
    pdf.alias_nb_pages(PAGES_ALIAS)
    pdf.add_page()

    # -- filing party, court, caption -------------------------------------------------------
    def known(value: str | None, width: str = BLANK) -> str:
        return fill(value) if value else width

    bar_number = known(party.bar_number, "__________")
    address = [fill(a) for a in party.address] if party.address else [f"Address: {BLANK}"]
    filer = [
        f"{known(party.attorney_name)}, {party.bar_number_label} {bar_number}",
        cap.movant_signer,
        movant,
        *address,
        f"Telephone: {known(party.telephone, '______________')}",
        f"Email: {known(party.email)}",
        party.attorney_for,
    ]
    pdf.set_font(fam, "", 9)
    pdf.multi_cell(
        pdf.epw * 0.6, 4.5, t("\n".join(filer)), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
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
            f"{cap.plaintiff},\n          Plaintiff,\n\n     v.\n\n"
            f"{cap.defendants},\n          Defendants."
        ),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    left_bottom = pdf.get_y()
    right = pdf.l_margin + half + 2
    pdf.set_xy(right, top)
    pdf.set_font(fam, "", 10)
    pdf.multi_cell(
        half - 2,
        5,
        t(f"{party.case_number_label} {known(party.case_number)}"),
        align="L",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.set_xy(right, pdf.get_y() + 2)
    pdf.set_font(fam, "B", 10)
    pdf.multi_cell(half - 2, 5, t(full_title), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_xy(right, pdf.get_y() + 2)
    pdf.set_font(fam, "", 9)
    pdf.multi_cell(
        half - 2,
        4.5,
        t(
            f"Bulk motion: {_plural(listed, 'charge')}\n"
            f"Law: {title_text}\nDeterminations as of: {long_date(as_of)}"
        ),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    bottom = max(left_bottom, pdf.get_y()) + 2
    pdf.set_draw_color(0)
    pdf.line(pdf.l_margin + half, top, pdf.l_margin + half, bottom)
    pdf.line(pdf.l_margin, bottom, pdf.l_margin + half, bottom)
    pdf.set_y(bottom + 5)

    # -- the table's cells (laid out before the introduction: it counts the flagged lines) ----
    cells: list[list[str]] = []
    flagged: list[bool] = []
    rows_of = eligible.iter_rows(named=True)
    for i, (r, is_reviewed) in enumerate(zip(rows_of, reviewed, strict=True), start=1):
        ids, no_case = _identifiers(r, p, t)
        relief = r["relief"]
        ref = str(r["decision_id"] or "")[:REF_LENGTH]
        cells.append(
            [
                (f"{i}\nR{ref}" if ref else str(i)) + ("\nReviewed" if is_reviewed else ""),
                t(fmt_name(r["person_name"])),
                fmt_date(r["dob"], r["dob_raw"]),
                ids or "-",
                t(count_label(r)).replace(" ", NBSP),
                fmt_date(r["conviction_date"], r["conviction_date_raw"]),
                t(fmt_statute(r["statute"], r["offense_raw"], jurisdiction)),
                t(p.relief(relief).table if relief else law.relief_title.capitalize()),
            ]
        )
        flagged.append(no_case)

    # -- introduction ----------------------------------------------------------------------
    persons = eligible["subject_id"].n_unique()
    case_or_charge = zip(
        eligible["case_key"].to_list(), eligible["charge_key"].to_list(), strict=True
    )
    cases = len({case or charge for case, charge in case_or_charge})
    law_clause = (
        f", applying the law in effect on {long_date(law_version)}"
        if isinstance(law_version, date)
        else ""
    )
    intro = (
        f"TO THE COURT: {cap.plaintiff}, by the {movant}, moves "
        f"pursuant to {citation} for an order granting the relief stated in the table below "
        f"for each of the {_plural(listed, 'charge')} listed "
        f"({_plural(cases, 'case')}, {_plural(persons, 'person')}). Each charge was identified "
        f"from state criminal history records and determined eligible under {title_text} as "
        f"of {long_date(as_of)}{law_clause}. The movant asks the Court to grant the listed "
        f"relief for each charge without further hearing."
    )
    if any(reviewed):
        intro += (
            f" The movant reviewed {_plural(sum(reviewed), 'listed charge')} individually"
            f' (marked "Reviewed" under the item number) and confirms the relief for each.'
        )
    if any(flagged):
        lines = "its line is" if sum(flagged) == 1 else "their lines are"
        intro += (
            f" The records give no case number for {_plural(sum(flagged), 'listed charge')}: "
            f'{lines} shaded and marked "{p.identifiers.missing_case_number}".'
        )
    pdf.set_font(fam, "", BODY_SIZE)
    pdf.multi_cell(pdf.epw, 5, t(intro), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    # -- table of charges ------------------------------------------------------------------
    headings = [t(c.heading) for c in COLUMNS]
    headings[IDENTIFIERS_COLUMN] = t(p.identifiers.heading)
    table = _Table(pdf, COLUMNS)
    table.y = pdf.get_y()
    table.layout(headings, cells)
    table.heading(headings)
    charge_keys: list[str] = []
    placements: list[dict[str, Any]] = []
    if not listed:
        table.row(["", t("No eligible charges."), "", "", "", "", "", ""])
    keys = zip(eligible["charge_key"].to_list(), eligible["decision_id"].to_list(), strict=True)
    for i, ((key, decision_id), row_cells, no_case) in enumerate(
        zip(keys, cells, flagged, strict=True), 1
    ):
        table.row(row_cells, flagged=no_case)
        charge_keys.append(str(key))
        # where the item is, for audit.export_lines (the row is on the page it ended on)
        ref = str(decision_id or "")[:REF_LENGTH]
        placements.append(
            {"decision_id": decision_id, "item": i, "page": pdf.page_no(), "ref": ref}
        )
    pdf.set_y(table.y)

    # -- signature block + order (kept together on the last page) ---------------------------
    block_height = 120
    if pdf.get_y() + block_height > pdf.page_break_trigger:
        pdf.add_page()
    else:
        pdf.ln(8)
    pdf.set_font(fam, "", BODY_SIZE)
    lw = pdf.epw / 2
    sig_left = f"Dated: {BLANK}"
    sig_right = (
        f"Respectfully submitted,\n{movant}\n\n\n"
        f"By: ________________________________\n"
        f"{known(party.attorney_name)}\n{cap.movant_signer}\n"
        f"{party.bar_number_label} {bar_number}"
    )
    y = pdf.get_y()
    pdf.multi_cell(lw, 5, sig_left, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + lw, y)
    pdf.multi_cell(lw, 5, t(sig_right), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(8)

    pdf.set_font(fam, "B", 11)
    pdf.cell(pdf.epw, 6, "[PROPOSED] ORDER", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    pdf.set_font(fam, "", BODY_SIZE)
    order = (
        f"Good cause appearing, and pursuant to {citation}, the Court grants the relief stated "
        f"in the table above for each of the {_plural(listed, 'listed charge')} "
        f"(items 1 through {listed:,}). {fill(cap.records_clause)}"
    )
    pdf.multi_cell(pdf.epw, 5, t(order), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    pdf.set_font(fam, "B", BODY_SIZE)
    pdf.cell(pdf.epw, 6, "IT IS SO ORDERED.", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(10)
    pdf.set_font(fam, "", BODY_SIZE)
    y = pdf.get_y()
    pdf.multi_cell(lw, 5, f"Dated: {BLANK}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(pdf.l_margin + lw, y)
    pdf.multi_cell(
        lw,
        5,
        t(f"________________________________\n{cap.judge}"),
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    data = bytes(pdf.output())
    path.write_bytes(data)
    return {
        "rows": listed,
        "pages": pdf.pages_count,
        "bytes": len(data),
        "charge_keys": charge_keys,
        "font": pdf.font_family_name,
        "reference": reference,
        "placements": placements,
    }
