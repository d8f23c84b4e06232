"""<COUNTY>/gogen/Prop64_Results.csv, All_Results_Condensed.csv, gogen.json: the earlier Prop 64
tool's files and vocabulary (exports/gogen_bundle.py), for the counties with a CA DOJ Prop 64
decision. What is the same for every county (the whole input quoted once, the placed
decisions) is prepared once per run."""

import csv
import json
from collections import Counter
from functools import cached_property
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    at_line,
    empty_places,
    physical_lines,
    record_start_lines,
)
from orchestration.exports.gogen_bundle import (
    CONDENSED_COLUMNS,
    CONDENSED_FILE,
    PROP64_RESULTS_FILE,
    SUMMARY_FILE,
    GogenInputs,
    prepare_gogen,
    write_gogen_county,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.writers import county_folder
from orchestration.ingest.doj_format import COLUMNS as DOJ_COLUMNS

PROP64 = "us_ca_prop64"
FOLDER = "gogen"
RESULTS, CONDENSED = "gogen_results", "gogen_condensed"


def _doj_prop64(decisions: pl.DataFrame) -> pl.DataFrame:
    return decisions.filter((pl.col("program") == PROP64) & (pl.col("source_system") == "doj"))


class _Prepared:
    """The run's CA DOJ Prop 64 work, done at the first county's write: in the main process
    while the worker processes write the court documents (as it was before the file kinds)."""

    def __init__(self, frames: Any, ctx: RunContext) -> None:
        self._frames, self._ctx = frames, ctx

    @cached_property
    def inputs(self) -> GogenInputs:
        frames = self._frames
        return prepare_gogen(
            frames.raw_doj,
            _doj_prop64(frames.decisions),
            frames.people,
            all_convictions=frames.convictions,
            parameters=self._ctx.run.get("prop64_parameters", {}),
        )

    @cached_property
    def ids(self) -> pl.DataFrame:
        """charge_key, decision_id of every Prop 64 decision (for the places)."""
        decisions = self._frames.decisions
        return decisions.filter(pl.col("program") == PROP64).select("charge_key", "decision_id")


class GogenBundle(FileKind):
    name = "gogen"
    title = "earlier Prop 64 tool's files"
    patterns = (
        f"*/{FOLDER}/{PROP64_RESULTS_FILE}",
        f"*/{FOLDER}/{CONDENSED_FILE}",
        f"*/{FOLDER}/{SUMMARY_FILE}",
    )
    scope = "county"
    place_kinds = (RESULTS, CONDENSED)

    def prepare(self, frames: Any, decisions: pl.DataFrame, ctx: RunContext) -> _Prepared | None:
        """The run's CA DOJ Prop 64 work, once (None: no county in scope has such a decision)."""
        doj_prop64 = decisions.narrowed(
            "d.program = ? and d.source_system = 'doj' and d.county is not null", PROP64
        )
        if doj_prop64.count() == 0:
            return None
        return _Prepared(frames, ctx)

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        if prepared is None or unit is None:
            return Written()
        doj_prop64 = batches.narrowed("d.program = ? and d.source_system = 'doj'", PROP64)
        if doj_prop64.count() == 0:
            return Written()
        folder = f"{county_folder(unit)}/{FOLDER}"
        # processing_seconds 0: gogen.json repeats byte for byte; the time is the manifest's
        counts = write_gogen_county(prepared.inputs, root / folder, unit, ctx.as_of, 0.0)
        return Written(
            files={
                f"{folder}/{PROP64_RESULTS_FILE}": counts[PROP64_RESULTS_FILE],
                f"{folder}/{CONDENSED_FILE}": counts[CONDENSED_FILE],
                f"{folder}/{SUMMARY_FILE}": None,
            },
            info={"folder": folder, "counts": counts, "ids": prepared.ids},
        )

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        """A conviction's record in Prop64_Results.csv (in input-row order) and its input row in
        All_Results_Condensed.csv."""
        if not written.info:
            return empty_places()
        counts, folder = written.info["counts"], written.info["folder"]
        rows: dict[str, int] = counts.get("rows_by_charge_key", {})
        if not rows:
            return empty_places()
        results, condensed = f"{folder}/{PROP64_RESULTS_FILE}", f"{folder}/{CONDENSED_FILE}"
        result_starts = record_start_lines(root / results, counts.get(PROP64_RESULTS_FILE))
        condensed_starts = record_start_lines(root / condensed, counts.get(CONDENSED_FILE))
        placed = (
            pl.DataFrame(
                {"charge_key": list(rows), "_row": list(rows.values())},
                schema={"charge_key": pl.String, "_row": pl.Int64},
            )
            # Prop64_Results.csv holds the placed rows in input order: a row's rank is its record
            .with_columns(pl.col("_row").rank("dense").cast(pl.Int64).sub(1).alias("_rank"))
            .join(written.info["ids"], on="charge_key", how="inner")
        )

        def lines(index: str, starts: list[int]) -> pl.DataFrame:
            table = pl.DataFrame(
                {index: range(len(starts)), "line": starts},
                schema={index: pl.Int64, "line": pl.Int64},
            )
            return placed.join(table, on=index, how="inner")

        return pl.concat(
            [
                at_line(lines("_rank", result_starts), results, RESULTS),
                at_line(lines("_row", condensed_starts), condensed, CONDENSED),
            ]
        )

    def read_back(self, path: Path) -> Any:
        """gogen.json as a dict; a CSV's header and record count."""
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            return {"header": header, "records": sum(1 for _ in reader)}

    def reconcile(self, root: Path, decisions: pl.DataFrame, forecast: bool) -> list[str]:
        """Each county's bundle is whole: its three files, for every county with a CA DOJ Prop
        64 decision (the tool's rows are checked against the source by `trace`)."""
        have = Counter(f.parent.parent.name for f in self.files(root))
        partial = sorted(c for c, n in have.items() if n != len(self.patterns))
        if partial:
            return [f"{self.title}: incomplete in {', '.join(partial)}"]
        return []

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        """The row repeats the source record's fields: compared with the source line."""
        source = cache.get("source")
        if source is None:
            return "not checked: the source file changed or is gone"
        text = physical_lines(path, {place["line"]}).get(place["line"], "")
        fields = next(csv.reader([text])) if text else []
        if place["kind"] == RESULTS:  # the 95 research-file columns, then the tool's
            want = source
        else:  # the condensed columns, then the tool's
            want = [source[DOJ_COLUMNS.index(c)] for c in CONDENSED_COLUMNS]
        ok = fields[: len(want)] == want and decision["charge_ref"] in source
        return "verified" if ok else "NOT at this line"
