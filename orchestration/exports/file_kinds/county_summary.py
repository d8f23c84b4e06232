"""<COUNTY>/summary.json: the county's Prop 64 counts (by determination, relief, section,
reason; people with relief), written beside prop64_convictions.csv, from the same rows."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

from orchestration.exports.file_kinds.base import FileKind, RunContext, Written
from orchestration.exports.file_kinds.county_decisions import PROP64, county_prop64_rows
from orchestration.exports.load import UnitRows
from orchestration.exports.writers import (
    SUMMARY_COLUMNS,
    SUMMARY_FILE,
    county_folder,
    normalize_county_column,
    write_county_summary,
)


class CountySummary(FileKind):
    name = "county_summary"
    title = "county summaries"
    patterns = (f"*/{SUMMARY_FILE}",)
    scope = "county"

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        # only the columns the summary counts (writers.summarize), not the rows' text
        rows = county_prop64_rows(batches).select(*(f"d.{c}" for c in SUMMARY_COLUMNS))
        if rows.height == 0 and ctx.county is None:
            return Written()
        rel = f"{county_folder(unit)}/{SUMMARY_FILE}"
        write_county_summary(root / rel, rows, unit, ctx.run.get("unread_by_county"))
        return Written(files={rel: None})

    def read_back(self, path: Path) -> dict[str, Any]:
        return json.loads(path.read_text(encoding="utf-8"))

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Each summary counts its county's Prop 64 decisions by determination as the warehouse
        does (a county without a summary has none)."""
        p64 = decisions.narrowed("d.program = ?", PROP64).select(
            "d.county", "d.determination", "count(*) as n", group_by="all"
        )
        counties = normalize_county_column(p64["county"]).to_list()
        want: dict[str | None, Counter[str]] = {}
        for county, determination, n in zip(
            counties, p64["determination"].to_list(), p64["n"].to_list(), strict=True
        ):
            want.setdefault(county, Counter())[determination or "none"] += n
        differ = 0
        for f in self.files(root):
            summary = self.read_back(f)
            got = Counter({k: v for k, v in summary.get("by_determination", {}).items() if v})
            if got != want.pop(summary.get("county"), Counter()):
                differ += 1
        differ += sum(1 for c in want.values() if c)
        if differ:
            return [f"county summaries: {differ} county count(s) differ from the decision table"]
        return []
