"""The file interface: what every kind of clearance file is to the rest of the code.

A file kind is one class (a subclass of `FileKind`) that knows, for its files only:

    name, patterns      its id and the paths it writes, relative to the set's root
                        ("*/review.xlsx": a county folder's review workbook)
    scope               what one `write` call covers: a county, a program, or the whole run
    prepare()           what is the same for every unit of the run, done once, in the main
                        process, before any file of the run is written (it may refuse the run)
    write()             the unit's rows, as polars DataFrame batches, to its files; returns the
                        rows per file (manifest.json) and what `places` needs
    places()            where each decision is in those files: audit.export_lines rows
    read_back()         one file read back with a real reader (what `reconcile` compares)
    reconcile()         the set's files read back and compared with the decision table
    check_place()       one recorded place checked against the file as it is now (`trace`)

Every kind is registered once, in `file_kinds/__init__.py` (KINDS): the bundle writes the
registered kinds, the reconciliation check reads them back, audit.export_lines takes their
places and `cleanslate trace` checks them; none of those names a kind. docs/adding-a-file-kind.md
has the steps.

The helpers below turn (decision_id, line) pairs into audit.export_lines rows and read CSV and
JSONL files back line by line; a kind's `places` and `check_place` use them.
"""

from __future__ import annotations

import csv
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import polars as pl

if TYPE_CHECKING:
    from orchestration.exports.load import ExportFrames, UnitRows

Scope = Literal["county", "program", "run"]
UTF8_BOM = b"\xef\xbb\xbf"

# audit.export_lines' columns that a kind's `places` gives (the run adds run_id, out_dir, times)
PLACE_SCHEMA: dict[str, Any] = {
    "decision_id": pl.String,
    "file": pl.String,
    "kind": pl.String,
    "line": pl.Int32,
    "page": pl.Int32,
    "sheet": pl.String,
    "location": pl.String,
}
PLACE_COLUMNS = tuple(PLACE_SCHEMA)


@dataclass(frozen=True)
class RunContext:
    """What every kind's `write` may read besides its rows (picklable: worker processes get it).

    as_of, forecast: the run's date and whether it is an explicit forecast (no court document,
    no repository update). programs: each program's rules.programs row. county: the run's
    county filter, normalized (None: every county). run: the run's record as build_run_files
    got it (git_revision, rules_versions, prop64_parameters, report, unread_by_county, ...).
    presentation_folder: the court documents' profiles (None: CLEANSLATE_PRESENTATION).
    """

    as_of: date
    forecast: bool
    programs: dict[str, dict[str, Any]]
    county: str | None = None
    run: dict[str, Any] = field(default_factory=dict)
    presentation_folder: Path | None = None


@dataclass
class Written:
    """What one `write` call wrote.

    files: each file written (relative to the set's root, "/"-separated) and its data rows for
    manifest.json (None where rows do not apply: a summary, a chart). info: whatever the kind's
    `places` needs from the writer (the bundle drops it once the places are taken, so a worker
    process does not send it back). audit: rows for the run's audit tables, by table
    ({"review_workbooks": [...]}). The unit's places (`places`) are spooled to disk by the
    bundle, in the process that wrote the files (audit/export_lines.py PlaceSpool).
    """

    files: dict[str, int | None] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    audit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def concat_batches(batches: Iterable[pl.DataFrame]) -> pl.DataFrame | None:
    """The batches as one frame (None when there are none): for a writer that needs the unit
    whole (a PDF, a workbook); a kind that can write a batch at a time iterates `batches`."""
    frames = list(batches)
    if not frames:
        return None
    return frames[0] if len(frames) == 1 else pl.concat(frames, how="vertical")


def matches(rel: str, pattern: str) -> bool:
    """`rel` (a "/"-separated path) matches `pattern` segment by segment ("*" within one
    segment only, case-sensitive): "*/review.xlsx" claims "YOLO/review.xlsx", not
    "YOLO/gogen/review.xlsx"."""
    parts, want = rel.split("/"), pattern.split("/")
    return len(parts) == len(want) and all(
        fnmatchcase(p, w) for p, w in zip(parts, want, strict=True)
    )


class FileKind(ABC):
    """One kind of clearance file. Subclasses set the class attributes and implement `write`,
    `read_back` and `reconcile`; a kind whose files carry decisions also implements `places`
    and `check_place` and lists its `place_kinds`."""

    name: ClassVar[str]  # the kind's id (lower_snake)
    title: ClassVar[str]  # what messages call its files ("court documents")
    patterns: ClassVar[tuple[str, ...]]  # the paths it writes, relative to the root (`matches`)
    scope: ClassVar[Scope]
    # audit.export_lines.kind values of its places (one per file of a unit that carries
    # decisions); empty: its files carry no decision (a summary, the report)
    place_kinds: ClassVar[tuple[str, ...]] = ()
    # written in the bundle's worker processes (one per county, for a large run), with the
    # other such kinds of the county: for a slow, pure-Python writer (PDF, xlsx)
    in_worker: ClassVar[bool] = False
    # an in_worker kind whose files are read back one at a time by whichever worker is free
    # (then `reconcile_read` compares in this process): for a kind whose read-back is most of
    # the reconciliation and whose `read_back` result is small and picklable
    read_back_per_file: ClassVar[bool] = False

    # ---- writing ----------------------------------------------------------------------------

    def prepare(self, frames: ExportFrames, decisions: UnitRows, ctx: RunContext) -> Any:
        """What every unit's `write` shares, done once per run in the main process before any
        file of the run is written; raise to refuse the run (nothing is written). `decisions`:
        the run's scope of the decisions, read when asked (UnitRows: `select` a narrow or
        grouped result, `narrowed` to some). The result goes to `write` as `prepared`
        (pickled for a worker kind)."""
        return None

    def manifest_fields(self, prepared: Any) -> dict[str, Any]:
        """Fields this kind adds to manifest.json (from what `prepare` returned)."""
        return {}

    @abstractmethod
    def write(
        self,
        root: Path,
        unit: str | None,
        batches: UnitRows,
        ctx: RunContext,
        prepared: Any = None,
    ) -> Written:
        """Write the unit's files under `root`. unit: the normalized county (None: no county
        recorded) for scope "county", the program for "program", None for "run". batches: the
        unit's decision rows (exp_decisions' columns and the latest review), read from the
        warehouse as polars batches when iterated, in the table's order; `narrowed` reads only
        some of them, `ordered` in another order (load.UnitRows). A unit with nothing to write
        returns Written() and writes no file."""

    def places(self, root: Path, written: Written) -> pl.DataFrame:
        """Where each decision is in the files `write` wrote (PLACE_COLUMNS); run right after
        `write`, in the same process."""
        return empty_places()

    # ---- reading back -----------------------------------------------------------------------

    def files(self, root: Path) -> list[Path]:
        """The files of this kind under `root`, in path order."""
        found: set[Path] = set()
        for pattern in self.patterns:
            found.update(p for p in root.glob(pattern) if p.is_file())
        return sorted(p for p in found if self.claims(p.relative_to(root).as_posix()))

    def claims(self, rel: str) -> bool:
        """`rel` (relative to the root, "/"-separated) is a file of this kind."""
        return any(matches(rel, p) for p in self.patterns)

    @abstractmethod
    def read_back(self, path: Path) -> Any:
        """One of its files, read back with a real reader: what `reconcile` compares."""

    @abstractmethod
    def reconcile(self, root: Path, decisions: UnitRows, forecast: bool) -> list[str]:
        """Problems found reading its files under `root` back and comparing them with
        `decisions` (the run's scope, with the review columns: `select` the few columns, or
        the counts, the comparison needs; never the whole rows); empty when they agree."""

    def reconcile_read(
        self, root: Path, decisions: UnitRows, forecast: bool, read: Mapping[Path, Any]
    ) -> list[str]:
        """`reconcile`, with files already read back elsewhere (`read`: `read_back` of each,
        made in the worker processes: `read_back_per_file`). A kind that sets
        read_back_per_file implements it; its `reconcile` reads the files itself."""
        return self.reconcile(root, decisions, forecast)

    def check_place(
        self, path: Path, place: dict[str, Any], decision: dict[str, Any], cache: dict[Any, Any]
    ) -> str:
        """Whether `path` still holds `decision` at `place` (an audit.export_lines row):
        "verified" or what is wrong. cache: shared by one chain's checks ("source": the DOJ
        source record's fields, None when the source file changed or is gone). Errors reading
        the file (OSError, ValueError, KeyError, IndexError, StopIteration) are reported by
        the caller."""
        return "not checked"


# --------------------------------------------------------------------------------------------
# Places: (decision_id, line) pairs as audit.export_lines rows (pure)


def empty_places() -> pl.DataFrame:
    return pl.DataFrame(schema=PLACE_SCHEMA)


def place_rows(
    frame: pl.DataFrame,
    file: str,
    kind: str,
    location: pl.Expr,
    page: pl.Expr | None = None,
    sheet: pl.Expr | None = None,
) -> pl.DataFrame:
    """`frame` (decision_id, line) as place rows: columns, not a dict per place, because a
    statewide run places millions of decisions."""
    return frame.select(
        pl.col("decision_id").cast(pl.String),
        pl.lit(file, pl.String).alias("file"),
        pl.lit(kind, pl.String).alias("kind"),
        pl.col("line").cast(pl.Int32),
        (pl.lit(None) if page is None else page).cast(pl.Int32).alias("page"),
        (pl.lit(None) if sheet is None else sheet).cast(pl.String).alias("sheet"),
        location.cast(pl.String).alias("location"),
    ).filter(pl.col("decision_id").is_not_null() & (pl.col("decision_id") != ""))


def at_line(frame: pl.DataFrame, file: str, kind: str) -> pl.DataFrame:
    """Place rows located as "line N"."""
    return place_rows(frame, file, kind, pl.format("line {}", pl.col("line")))


def lines_read_back(rel: str, kind: str, pairs: Sequence[tuple[str, int]]) -> pl.DataFrame:
    """(decision_id, line) pairs read from a file as place rows."""
    frame = pl.DataFrame(
        list(pairs), schema={"decision_id": pl.String, "line": pl.Int64}, orient="row"
    )
    return at_line(frame, rel, kind)


def as_frame(rows: Any, schema: dict[str, Any]) -> pl.DataFrame:
    """A writer's placements (a list of dicts, or a dict of columns) as a frame."""
    return pl.DataFrame(rows or [], schema=schema, strict=False)


# --------------------------------------------------------------------------------------------
# Reading CSV and JSONL files back (pure)


def record_start_lines(path: Path, records: int | None = None) -> list[int]:
    """The physical 1-based line each data record of a CSV file (with a header) starts on.

    When the file has exactly one line per record (the usual case, checked by counting line
    ends against `records`), no parsing is needed; otherwise the file is parsed (quoted fields
    may hold line breaks).
    """
    if records is not None:
        with path.open("rb") as f:
            ends = sum(block.count(b"\n") for block in iter(lambda: f.read(1 << 20), b""))
        if ends == records + 1:
            return list(range(2, records + 2))
    starts: list[int] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        next(reader, None)
        start = reader.line_num + 1
        for _ in reader:
            starts.append(start)
            start = reader.line_num + 1
    return starts


def csv_lines(path: Path, id_column: str) -> list[tuple[str, int]]:
    """(value of id_column, physical line the record starts on) for every record of a CSV."""
    out: list[tuple[str, int]] = []
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if not header or id_column not in header:
            return out
        i = header.index(id_column)
        start = reader.line_num + 1
        for row in reader:
            if len(row) > i and row[i]:
                out.append((row[i], start))
            start = reader.line_num + 1
    return out


def jsonl_lines(path: Path, id_key: str) -> list[tuple[str, int]]:
    """(value of id_key, line) for every JSON object line that has it (trailers have not)."""
    out: list[tuple[str, int]] = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip():
                value = json.loads(line).get(id_key)
                if value:
                    out.append((str(value), n))
    return out


def physical_lines(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the given 1-based physical lines (CR LF and LF; BOM dropped on line 1)."""
    found: dict[int, str] = {}
    if not wanted:
        return found
    last = max(wanted)
    with path.open("rb") as f:
        for n, raw in enumerate(f, start=1):
            if n in wanted:
                if n == 1:
                    raw = raw.removeprefix(UTF8_BOM)
                found[n] = raw.rstrip(b"\n").removesuffix(b"\r").decode("utf-8", "replace")
            if n >= last:
                break
    return found


def count_difference(want: Any, got: Any) -> tuple[int, int]:
    """(missing, extra) between two Counters: in `want` but not `got`, and the reverse."""
    return sum((want - got).values()), sum((got - want).values())
