"""<COUNTY>/<program>_court_order.pdf: the motion and [proposed] order of a law in a county.

One per program with an eligible charge filed in the county (not kept out by the prosecutor's
review); none in a forecast (a court cannot act on a future date). Worded by the state's
presentation profile: every document's profile is read in `prepare`, before any file of the
run is written, so a state without one stops the run with nothing written
(PresentationError). Each item carries the reference R + the decision id's first characters,
which reconciliation and `trace` read back.
"""

import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.court_pdf import REF_LENGTH, ROW_COLUMNS, write_court_document
from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    as_frame,
    concat_batches,
    count_difference,
    empty_places,
    place_rows,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.presentation import Presentation, presentations_for
from orchestration.exports.writers import county_folder, normalize_county_column
from orchestration.lib.settings import presentation_dir
from orchestration.review.store import left_out

SUFFIX = "_court_order.pdf"
_REF = re.compile(r"\bR([0-9a-f]{" + str(REF_LENGTH) + r"})\b")


def court_documents_to_write(
    decisions: pl.DataFrame, programs: dict[str, dict], forecast: bool
) -> list[tuple[str, str | None, str, list[str]]]:
    """(jurisdiction, county, program, reliefs) of every court document the run writes: each
    program with an eligible charge filed (not kept out by the review) in a county; none in a
    forecast. `decisions`: eligible decisions (or groups of them) with the normalized county as
    `_county`, the program, the relief and the review columns."""
    if forecast:
        return []
    filed = decisions.filter((pl.col("determination") == "eligible") & ~left_out(decisions))
    out = []
    for (county, program), rows in sorted(
        filed.group_by("_county", "program"), key=lambda g: (g[0][0] or "", g[0][1])
    ):
        reliefs = sorted({r for r in rows["relief"].to_list() if r})
        out.append((str(programs[program]["jurisdiction"]), county, program, reliefs))
    return out


def court_document_refs(pdf: Path) -> list[str]:
    """The decision references (R + the decision id's first REF_LENGTH characters, without the
    R) listed in a court document, in document order, read from its text. The table never
    breaks an identifier or a reference across lines, so each is read whole."""
    import pypdfium2 as pdfium

    # PDFium's text layer: the same references as pypdf's, read 10x faster (measured on a
    # 27-page order: 0.09 s against 0.95 s), and a court order can run to thousands of pages.
    doc = pdfium.PdfDocument(pdf)
    try:
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    return _REF.findall(text)


class CourtDocument(FileKind):
    name = "court_document"
    title = "court documents"
    patterns = (f"*/*{SUFFIX}",)
    scope = "county"
    place_kinds = ("court_document",)
    in_worker = True
    # PDFium's text of every page is ~2/3 of a large set's reconciliation: spread over the
    # workers file by file (a few thousand references back per file)
    read_back_per_file = True

    def prepare(
        self, frames: Any, decisions: UnitRows, ctx: RunContext
    ) -> dict[tuple[str, str | None], Presentation]:
        """Every court document's presentation profile, before any file is written: a
        jurisdiction without one (or a law or relief it does not word) stops the run here."""
        filed = decisions.narrowed("d.determination = 'eligible'").select(
            "d.county", "d.program", "d.relief", "d.determination", "d.review_applies",
            "d.review_mark", "count(*) as decisions", group_by="all",
        )  # fmt: skip
        filed = filed.with_columns(normalize_county_column(filed["county"]).alias("_county"))
        return presentations_for(
            ctx.presentation_folder or presentation_dir(),
            court_documents_to_write(filed, ctx.programs, ctx.forecast),
        )

    def manifest_fields(self, prepared: Any) -> dict[str, Any]:
        # the profiles' bytes make the documents' bytes
        files = sorted({f: sha for p in prepared.values() for f, sha in p.files.items()}.items())
        return {"presentation_profiles": [{"file": f, "sha256": sha} for f, sha in files]}

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        # only the eligible decisions are listed: only those are read, and only the columns a
        # document prints or sorts by (a county's rows are held whole while its pages are laid)
        here = concat_batches(batches.narrowed("d.determination = 'eligible'").only(*ROW_COLUMNS))
        written = Written(info={"documents": []})
        if ctx.forecast or here is None:
            return written
        filed = here.filter(~left_out(here))
        for program in sorted(set(here["program"].to_list())):
            eligible = filed.filter(
                (pl.col("program") == program) & (pl.col("determination") == "eligible")
            )
            if eligible.height == 0:
                continue
            rel = f"{county_folder(unit)}/{program}{SUFFIX}"
            jurisdiction = str(ctx.programs[program]["jurisdiction"])
            info = write_court_document(
                root / rel,
                unit,
                ctx.programs[program],
                eligible,
                ctx.as_of,
                # checked before any file was written (prepare); None: read it here
                None if prepared is None else prepared[(jurisdiction, unit)],
            )
            written.files[rel] = info["rows"]
            written.info["documents"].append((rel, info.get("placements")))
        return written

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        """Each item: page, item number and the R... reference printed there."""
        frames = []
        for rel, placements in written.info.get("documents", []):
            p = as_frame(
                placements,
                {"decision_id": pl.String, "page": pl.Int32, "item": pl.Int32, "ref": pl.String},
            ).rename({"item": "line"})
            location = pl.format(
                "page {}, item {} (R{})", pl.col("page"), pl.col("line"), pl.col("ref")
            )
            frames.append(place_rows(p, rel, self.place_kinds[0], location, page=pl.col("page")))
        return pl.concat(frames) if frames else empty_places()

    def read_back(self, path: Path) -> list[str]:
        return court_document_refs(path)

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Every eligible decision not kept out by the review is listed in exactly one court
        document (in a forecast: there is none)."""
        return self.reconcile_read(root, decisions, forecast, {})

    def reconcile_read(
        self, root: Path, decisions: UnitRows, forecast: bool, read: Mapping[Path, Any]
    ) -> list[str]:
        """`reconcile`, with the documents already read back (`read`) where given."""
        problems = []
        eligible = decisions.narrowed("d.determination = 'eligible'").select(
            "d.decision_id", "d.determination", "d.relief", "d.review_applies", "d.review_mark"
        )
        eligible = eligible.filter(~left_out(eligible))
        want = Counter(d[:REF_LENGTH] for d in eligible["decision_id"].to_list())
        documents = self.files(root)
        if forecast:
            want = Counter()  # a forecast: no court can act on its decisions
            if documents:
                problems.append(
                    f"forecast: {len(documents)} court document(s) written, none expected"
                )
        got: Counter[str] = Counter()
        for pdf in documents:
            got.update(read[pdf] if pdf in read else self.read_back(pdf))
        if got != want:
            missing, extra = count_difference(want, got)
            problems.append(f"court documents: {missing} eligible decisions missing, {extra} extra")
        return problems

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        if path not in cache:
            from pypdf import PdfReader

            cache[path] = PdfReader(path)
        page = cache[path].pages[place["page"] - 1].extract_text() or ""
        ref = f"R{decision['decision_id'][:REF_LENGTH]}"
        return "verified" if ref in page else "NOT on this page"
