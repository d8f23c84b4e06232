"""repository/<program>_updates.csv and .jsonl: one record per granted relief of a law, with a
count + SHA-256 trailer, for the state repository to load (exports/repository.py). For the
charges filed: not those the prosecutor's review keeps out of the court documents. None in a
forecast: a repository cannot record relief granted on a future date."""

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.exports.file_kinds.base import (
    FileKind,
    RunContext,
    Written,
    count_difference,
    csv_lines,
    empty_places,
    jsonl_lines,
    lines_read_back,
    physical_lines,
)
from orchestration.exports.load import UnitRows
from orchestration.exports.repository import (
    READ_COLUMNS,
    iter_repository_csv,
    iter_repository_jsonl,
    write_repository_files,
)
from orchestration.review.store import left_out

FOLDER = "repository"
CSV, JSONL = "repository_csv", "repository_jsonl"
_READERS = {CSV: iter_repository_csv, JSONL: iter_repository_jsonl}
_SUFFIX = {CSV: ".csv", JSONL: ".jsonl"}


class RepositoryUpdates(FileKind):
    name = "repository_updates"
    title = "repository files"
    patterns = (f"{FOLDER}/*_updates.csv", f"{FOLDER}/*_updates.jsonl")
    scope = "program"
    place_kinds = (CSV, JSONL)

    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        if ctx.forecast or unit is None:
            return Written()
        # the records grant relief now (repository.granted): only those rows are read
        # (a program with none still gets both files: a header and a trailer of 0 records)
        # read a batch at a time in the files' order (repository.write_repository_files)
        rows = batches.narrowed("d.determination = 'eligible' and d.relief is not null").only(
            *READ_COLUMNS  # DuckDB sorts only these (all 56 columns: ~0.26 GiB more at 1M rows)
        )
        filed = (
            b.filter(~left_out(b))
            for b in rows.ordered("d.subject_id nulls first, d.charge_ref nulls first")
        )
        info = write_repository_files(root / FOLDER, unit, filed)
        return Written(files={f"{FOLDER}/{f}": info["records"] for f in info["files"]})

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        frames = []
        for rel in sorted(written.files):
            path = root / rel
            if rel.endswith(_SUFFIX[CSV]):
                pairs = [(d, n) for d, n in csv_lines(path, "record_id") if d != "TRAILER"]
                frames.append(lines_read_back(rel, CSV, pairs))
            else:
                frames.append(lines_read_back(rel, JSONL, jsonl_lines(path, "record_id")))
        return pl.concat(frames) if frames else empty_places()

    def read_back(self, path: Path) -> Iterator[dict[str, Any]]:
        """The records one at a time, the trailer verified after the last (ValueError when it
        does not hold): a 10M-row extract's files hold ~1M records, ~0.5 GB of JSON."""
        reader = _READERS[CSV] if path.suffix == _SUFFIX[CSV] else _READERS[JSONL]
        return reader(path)

    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Every eligible decision with a relief, not kept out by the review, is one record of
        the CSV and one of the JSONL files (in a forecast: none)."""
        problems = []
        eligible = decisions.narrowed("d.determination = 'eligible'").select(
            "d.decision_id", "d.determination", "d.relief", "d.review_applies", "d.review_mark"
        )
        eligible = eligible.filter(~left_out(eligible))
        want = Counter(eligible.filter(pl.col("relief").is_not_null())["decision_id"].to_list())
        if forecast:
            want = Counter()  # no repository update for relief on a future date
        files = self.files(root)
        for kind in (CSV, JSONL):
            got: Counter[str] = Counter()
            for f in (f for f in files if f.suffix == _SUFFIX[kind]):
                ids: Counter[str] = Counter()
                try:  # counted as read: the file is never held whole
                    ids.update(r["record_id"] for r in self.read_back(f))
                except ValueError as e:  # its trailer does not hold: none of it counts
                    problems.append(str(e))
                    continue
                got.update(ids)
            if got != want:
                missing, extra = count_difference(want, got)
                label = kind.removeprefix("repository_")
                problems.append(f"repository {label}: {missing} missing, {extra} extra")
        return problems

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        text = physical_lines(path, {place["line"]}).get(place["line"], "")
        if place["kind"] == JSONL:
            found = json.loads(text).get("record_id") == decision["decision_id"]
            return "verified" if found else "NOT at this line"
        return "verified" if decision["decision_id"] in text else "NOT at this line"
