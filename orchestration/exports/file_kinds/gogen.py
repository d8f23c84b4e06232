"""<COUNTY>/gogen/Prop64_Results.csv, All_Results_Condensed.csv, gogen.json: the earlier Prop 64
tool's files and vocabulary (exports/gogen_bundle.py), for the counties with a CA DOJ Prop 64
decision, from the exports models exp_gogen_research_rows and exp_gogen_convictions.

Streamed: the research file is read once per run, in batches (ExportSource.batches), and every
county's two CSV files are appended batch by batch (All_Results_Condensed.csv holds every record
of the run in every county's folder), at the first county's `write`; each county's `write` then
adds its gogen.json from SQL aggregates. Memory is a batch plus the counties' placed decisions,
never the research file."""

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports import load
from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    at_line,
    empty_places,
    physical_lines,
)
from orchestration.exports.gogen_bundle import (
    CONDENSED_COLUMNS,
    CONDENSED_FILE,
    CONVICTION_COLUMNS,
    COUNTY,
    PROP64_RESULTS_FILE,
    SUMMARY_FILE,
    CountyFigures,
    gogen_summary,
    recent_cutoff,
    write_gogen_files,
    write_gogen_summary,
)
from orchestration.exports.load import ExportSource, UnitRows
from orchestration.exports.writers import county_folder, normalize_county
from orchestration.ingest.doj_format import COLUMNS as DOJ_COLUMNS

PROP64 = "us_ca_prop64"
FOLDER = "gogen"
RESULTS, CONDENSED = "gogen_results", "gogen_condensed"
SUBJECT_COUNTS = (
    "CountSubjectsNoConviction",
    "CountSubjectsNoConvictionLast7Years",
    "CountSubjectsNoFelony",
)


def _in(values: list[str]) -> str:
    return ", ".join("?" for _ in values)


@dataclass
class _Prepared:
    """The run's counties with a CA DOJ Prop 64 decision (normalized -> as recorded) and, once
    the first county is written, what the one pass over the research file gave each county."""

    source: ExportSource
    counties: dict[str, list[str]]
    parameters: dict[str, Any]
    written: dict[str, Any] | None = field(default=None, repr=False)

    def rows_sql(self) -> tuple[str, list[str]]:
        recorded = [c for names in self.counties.values() for c in names]
        other = [c for c in DOJ_COLUMNS if c not in CONDENSED_COLUMNS]
        columns = ", ".join(
            f'r."{c}"'
            if c in CONDENSED_COLUMNS
            else f'case when c.decision_id is not null then r."{c}" end as "{c}"'
            for c in (*CONDENSED_COLUMNS, *other)
        )
        convictions = ", ".join(f"c.{c}" for c in CONVICTION_COLUMNS)
        sql = load.GOGEN_ROWS_SQL.format(
            counties=_in(recorded), columns=columns, convictions=convictions
        )
        return sql, recorded

    def research_rows(self) -> Iterator[pl.DataFrame]:
        """Every research-file record in input order (file, line), in batches, read a span of
        lines at a time (load.GOGEN_SPAN_LINES) so that no sort holds the whole file."""
        sql, recorded = self.rows_sql()
        for file, first, last in self.source.query(load.GOGEN_SPANS_SQL).iter_rows():
            for start in range(first, last + 1, load.GOGEN_SPAN_LINES):
                span = [file, start, start + load.GOGEN_SPAN_LINES]
                yield from self.source.batches(
                    sql, [*recorded, *span, *span], rows=load.GOGEN_BATCH_ROWS
                )

    def write_all(self, root: Path, ctx: RunContext) -> dict[str, Any]:
        """Every county's Prop64_Results.csv and All_Results_Condensed.csv, in one pass."""
        if self.written is None:
            recorded = [c for names in self.counties.values() for c in names]
            unplaced = self.source.query(
                load.GOGEN_UNPLACED_SQL.format(counties=_in(recorded)), recorded
            )["charge_key"].to_list()
            if unplaced:
                raise ValueError(
                    f"in-county decision(s) match no record of the research file, e.g. {unplaced}"
                )
            normalized = {raw: c for c, names in self.counties.items() for raw in names}
            batches = (
                b.with_columns(
                    pl.col("county").replace_strict(normalized, default=None).alias(COUNTY)
                )
                for b in self.research_rows()
            )
            out_dirs = {c: root / county_folder(c) / FOLDER for c in self.counties}
            self.written = write_gogen_files(out_dirs, batches, ctx.as_of, self.parameters)
        return self.written

    def figures(self, county: str, ctx: RunContext) -> CountyFigures:
        names = self.counties[county]
        inn = _in(names)
        q = self.source.query
        totals = q(load.GOGEN_TOTALS_SQL.format(counties=inn), names).row(0, named=True)
        sections = q(load.GOGEN_SECTIONS_SQL.format(counties=inn), names)
        subjects = q(
            load.GOGEN_SUBJECTS_SQL.format(counties=inn), [*names, recent_cutoff(ctx.as_of)]
        ).row(0)
        return CountyFigures(
            groups=q(load.GOGEN_GROUPS_SQL.format(counties=inn), names),
            earliest=totals["earliest"],
            convictions=int(totals["convictions"]),
            felonies=int(totals["felonies"]),
            subjects=int(totals["subjects"]),
            subjects_with_relief=int(totals["subjects_with_relief"]),
            by_section=dict(sections.iter_rows()),
            current=dict(zip(SUBJECT_COUNTS, map(int, subjects[:3]), strict=True)),
            dismiss_all=dict(zip(SUBJECT_COUNTS, map(int, subjects[3:]), strict=True)),
        )


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

    def prepare(self, frames: Any, decisions: UnitRows, ctx: RunContext) -> _Prepared | None:
        """The counties in scope with a CA DOJ Prop 64 decision (None: none), from
        exp_gogen_convictions; `decisions` is not read."""
        source: ExportSource | None = frames.source
        if source is None:
            return None
        counties: dict[str, list[str]] = {}
        for recorded in source.query(load.GOGEN_COUNTIES_SQL)["county"].to_list():
            normalized = normalize_county(recorded)
            if ctx.county is None or normalized == ctx.county:
                counties.setdefault(normalized, []).append(recorded)
        if not counties:
            return None
        return _Prepared(source, counties, dict(ctx.run.get("prop64_parameters", {})))

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        """The county's three files (its decision rows `batches` are not read: the files come
        from the exports models)."""
        if prepared is None or unit is None or unit not in prepared.counties:
            return Written()
        written = prepared.write_all(root, ctx)
        mine = written[unit]
        folder = f"{county_folder(unit)}/{FOLDER}"
        # processing_seconds 0: gogen.json repeats byte for byte; the time is the manifest's
        summary = gogen_summary(
            unit, written["line_count"], 0.0, prepared.figures(unit, ctx), prepared.parameters
        )
        write_gogen_summary(root / folder, summary)
        return Written(
            files={
                f"{folder}/{PROP64_RESULTS_FILE}": mine[PROP64_RESULTS_FILE],
                f"{folder}/{CONDENSED_FILE}": mine[CONDENSED_FILE],
                f"{folder}/{SUMMARY_FILE}": None,
            },
            info={"folder": folder, "places": mine["places"]},
        )

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        """A conviction's record in Prop64_Results.csv (in input-row order) and its input row in
        All_Results_Condensed.csv, as the writer counted the lines."""
        if not written.info:
            return empty_places()
        folder, places = written.info["folder"], written.info["places"]
        return pl.concat(
            [
                at_line(places[PROP64_RESULTS_FILE], f"{folder}/{PROP64_RESULTS_FILE}", RESULTS),
                at_line(places[CONDENSED_FILE], f"{folder}/{CONDENSED_FILE}", CONDENSED),
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

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
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
