"""The reviewed-out list: eligible charges the prosecutor's review keeps out of the court documents.

`<COUNTY>/reviewed_out.csv`, one line per eligible decision whose latest review still applies
(the decision is unchanged since it was reviewed) and says Disagree or Needs more information:
such a charge is not filed (no court document item, no repository update) until a later review
agrees. Each line carries the decision id (the R... reference of the court documents is its
first characters), the charge, the review and the reviewer's note, so the office can follow up.
No name or date of birth: the subject id, charge and case number identify the record.

A pure function of the decision rows (with the review columns of orchestration/exports/load.py):
the same decisions and reviews give the same bytes. Written only when the county has such a
decision, and never in a forecast (there are no court documents to leave them out of).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.court_pdf import REF_LENGTH
from orchestration.review.store import MARKS, left_out

FILE_NAME = "reviewed_out.csv"
COLUMNS = (
    "decision_id",
    "reference",
    "program",
    "county",
    "subject_id",
    "charge_ref",
    "case_number",
    "statute",
    "offense",
    "determination",
    "relief",
    "review",
    "reviewer",
    "reviewed_on",
    "note",
)


def reviewed_out_rows(rows: pl.DataFrame) -> pl.DataFrame:
    """The rows `rows` leaves out of the court documents, in file order."""
    out = rows.filter(left_out(rows))
    keys = [
        c
        for c in ("program", "subject_id", "cnt_order", "charge_ref", "charge_key")
        if c in out.columns
    ]
    return out.sort(keys, nulls_last=True, maintain_order=True) if keys else out


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def write_reviewed_out(path: Path, rows: pl.DataFrame) -> dict[str, Any]:
    """Write the reviewed-out list of `rows` (one county's decisions) to `path` when it has a
    line; returns {"rows", "decision_ids"} (rows 0 and no file when there is none)."""
    out = reviewed_out_rows(rows)
    if out.height == 0:
        return {"rows": 0, "decision_ids": []}
    records = [
        {
            "decision_id": r["decision_id"],
            "reference": f"R{str(r['decision_id'])[:REF_LENGTH]}",
            "program": r.get("program"),
            "county": r.get("county"),
            "subject_id": r.get("subject_id"),
            "charge_ref": r.get("charge_ref"),
            "case_number": r.get("case_number"),
            "statute": r.get("statute") or r.get("section"),
            "offense": r.get("offense_raw"),
            "determination": r.get("determination"),
            "relief": r.get("relief"),
            "review": MARKS.get(r["review_mark"], r["review_mark"]),
            "reviewer": r.get("reviewer"),
            "reviewed_on": _text(r.get("reviewed_on")),
            "note": r.get("review_note"),
        }
        for r in out.iter_rows(named=True)
    ]
    frame = pl.DataFrame(records, schema={c: pl.String for c in COLUMNS})
    frame.write_csv(path)
    return {"rows": frame.height, "decision_ids": frame["decision_id"].to_list()}


def read_reviewed_out(path: Path) -> list[str]:
    """The decision ids a reviewed-out list holds (for the reconciliation)."""
    return pl.read_csv(path, infer_schema=False)["decision_id"].to_list()
