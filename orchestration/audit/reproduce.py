"""`cleanslate reproduce`: re-run a recorded run from its inputs and check the decisions repeat.

What a run needs to be re-run is recorded with it in audit.runs (decision_history):

    as_of, rule_files (program -> file, sha256, rules_version), rules_dir, options_file and
    options_sha256, county (the export filter), inputs (every extract file with its sha256;
    for canonical extracts every table file, and which tables were absent), git_revision.

`check` compares that record with the files as they are now and names whatever differs (an
input changed or gone, a rule file edited, added or removed, the options file changed): a run
whose inputs changed cannot be reproduced, and saying so is the answer. A different code
revision is only a warning (the comparison of the decisions will tell). `compare` then sets
the re-run's decisions against the recorded audit.decisions, decision by decision.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from orchestration.lib.hashing import sha256_of
from orchestration.lib.keys import decision_id
from orchestration.resources import Warehouse

# Columns audit.runs gained for reproduction (older warehouses get them added, NULL).
RUN_EXTRA_SCHEMA: dict[str, Any] = {
    "inputs": pl.String,  # JSON, see recorded_inputs
    "options_file": pl.String,
    "rules_dir": pl.String,
    "county": pl.String,
}
# Columns audit.decisions gained (the decision id and the reason text, compared on reproduce;
# the decision digest, which `cleanslate review import` reads).
DECISION_EXTRA_COLUMNS = {
    "decision_id": "varchar",
    "reasons": "varchar",
    "decision_digest": "varchar",
}
# What must be identical for a decision to count as reproduced.
COMPARED = (
    "decision_id",
    "determination",
    "relief",
    "eligible_on",
    "decisive_rule",
    "reason_codes",
    "reasons",
    "rules_version",
)


class ReproduceError(Exception):
    """The run cannot be reproduced (unknown run, inputs changed, nothing recorded)."""


# --------------------------------------------------------------------------------------------
# Recording (decision_history)


def recorded_inputs(warehouse: Warehouse) -> list[dict[str, Any]]:
    """Every input of the run as the ingest steps recorded it (raw.doj_files, raw.canonical_files).

    [{"kind": "doj", "path": "/abs/extract.csv", "sha256": "..."},
     {"kind": "canonical", "path": "/abs/folder",
      "tables": {"persons": {"file": "persons.csv", "sha256": "..."}, "supervision": null}}]
    (null: the table's file was absent, which the rules read as "the source does not say").
    """
    inputs: list[dict[str, Any]] = []
    if warehouse.table_exists("raw", "doj_files"):
        for r in warehouse.query(
            "select path, source_sha256 from raw.doj_files order by source_file"
        ).iter_rows(named=True):
            inputs.append({"kind": "doj", "path": r["path"], "sha256": r["source_sha256"]})
    if warehouse.table_exists("raw", "doj_supervision_files"):
        # supervision files for the DOJ subjects (--supervision), and --supervision-complete
        for r in warehouse.query(
            "select path, source_sha256, complete from raw.doj_supervision_files"
            " order by source_file"
        ).iter_rows(named=True):
            inputs.append(
                {
                    "kind": "supervision",
                    "path": r["path"],
                    "sha256": r["source_sha256"],
                    "complete": bool(r["complete"]),
                }
            )
    if warehouse.table_exists("raw", "canonical_files"):
        files = warehouse.query(
            "select source_extract, table_name, path, present, source_sha256"
            " from raw.canonical_files order by source_extract, table_name"
        )
        for extract in files["source_extract"].unique(maintain_order=True).to_list():
            rows = files.filter(pl.col("source_extract") == extract).to_dicts()
            present = [r for r in rows if r["present"] and r["path"]]
            if not present:
                continue
            inputs.append(
                {
                    "kind": "canonical",
                    "path": str(Path(present[0]["path"]).parent),
                    "tables": {
                        r["table_name"]: (
                            {"file": Path(r["path"]).name, "sha256": r["source_sha256"]}
                            if r["present"] and r["path"]
                            else None
                        )
                        for r in rows
                    },
                }
            )
    return inputs


def run_extras(warehouse: Warehouse, run_config: dict[str, Any], rules: Path) -> dict[str, Any]:
    """The RUN_EXTRA_SCHEMA values of this run: inputs, options file, rules folder, county."""
    ops = run_config.get("ops", {}) or {}
    rulebook = (ops.get("rulebook", {}) or {}).get("config", {}) or {}
    export = (ops.get("exports__staged_files", {}) or {}).get("config", {}) or {}
    options = rulebook.get("options_file")
    return {
        "inputs": json.dumps(recorded_inputs(warehouse), sort_keys=True),
        "options_file": str(Path(options).resolve()) if options else None,
        "rules_dir": str(rules.resolve()),
        "county": export.get("county"),
    }


def add_missing_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Bring audit.runs / audit.decisions of an older warehouse up to the current columns."""
    for name, dtype in RUN_EXTRA_SCHEMA.items():
        sql_type = "varchar" if dtype == pl.String else "bigint"
        con.execute(f"alter table audit.runs add column if not exists {name} {sql_type}")
    for name, sql_type in DECISION_EXTRA_COLUMNS.items():
        con.execute(f"alter table audit.decisions add column if not exists {name} {sql_type}")


# --------------------------------------------------------------------------------------------
# Reading the record


@dataclass(frozen=True)
class RecordedRun:
    run_id: str
    as_of: date
    git_revision: str
    git_dirty: bool
    rule_files: dict[str, dict[str, str]]
    options_sha256: str | None
    inputs: list[dict[str, Any]] | None
    options_file: str | None
    rules_dir: str | None
    county: str | None
    decisions: int

    @property
    def extracts(self) -> list[Path]:
        """The --extract arguments: DOJ files and canonical folders, in recorded order."""
        return [Path(i["path"]) for i in self.inputs or [] if i["kind"] != "supervision"]

    @property
    def supervision(self) -> list[Path]:
        """The --supervision files, in recorded order."""
        return [Path(i["path"]) for i in self.inputs or [] if i["kind"] == "supervision"]

    @property
    def supervision_complete(self) -> bool:
        """Whether the run declared its supervision files complete."""
        return any(i.get("complete") for i in self.inputs or [] if i["kind"] == "supervision")


def load_run(warehouse: Path, ref: str) -> RecordedRun:
    """The run with id `ref` (or a unique prefix of one) from audit.runs."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        try:
            runs = con.execute("select * from audit.runs order by recorded_at").pl()
        except duckdb.CatalogException as e:
            raise ReproduceError(f"{warehouse} has no recorded runs (audit.runs)") from e
    finally:
        con.close()
    found = runs.filter(pl.col("run_id").str.starts_with(ref))
    if found.height != 1:
        raise ReproduceError(f"run {ref!r} matches {found.height} recorded runs in {warehouse}")
    r = found.row(0, named=True)
    return RecordedRun(
        run_id=r["run_id"],
        as_of=r["as_of"],
        git_revision=r["git_revision"],
        git_dirty=bool(r["git_dirty"]),
        rule_files=json.loads(r["rule_files"] or "{}"),
        options_sha256=r["options_sha256"],
        inputs=json.loads(r["inputs"]) if r.get("inputs") else None,
        options_file=r.get("options_file"),
        rules_dir=r.get("rules_dir"),
        county=r.get("county"),
        decisions=r["decisions"],
    )


def load_decisions(warehouse: Path, run_id: str) -> pl.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select * from audit.decisions where run_id = ? order by program, charge_key",
            [run_id],
        ).pl()
    finally:
        con.close()


def latest_run_id(warehouse: Path) -> str:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        row = con.execute(
            "select run_id from audit.runs order by recorded_at desc limit 1"
        ).fetchone()
    finally:
        con.close()
    if row is None:
        raise ReproduceError(f"{warehouse}: the re-run recorded no run")
    return row[0]


# --------------------------------------------------------------------------------------------
# Checking the record against the files as they are now


def _rule_files_now(rules: Path) -> dict[str, Path]:
    """Rule files of the folder by their recorded name (<jurisdiction>/<law>.yaml)."""
    files = sorted(
        p
        for p in rules.rglob("*.yaml")
        if not p.name.startswith("_") and "cases" not in p.relative_to(rules).parts
    )
    return {f"{p.parent.name}/{p.name}": p for p in files}


def check(run: RecordedRun) -> list[str]:
    """What differs between the run's record and the files now; empty when it can be re-run."""
    problems: list[str] = []
    if run.inputs is None or run.rules_dir is None:
        return [
            f"run {run.run_id} was recorded without its inputs (before `reproduce` existed);"
            " run it again with `cleanslate run` to have a record that can be reproduced"
        ]
    if not run.inputs:
        problems.append(f"run {run.run_id} recorded no input files")
    for item in run.inputs:
        path = Path(item["path"])
        if item["kind"] in ("doj", "supervision"):
            problems += _check_file(path, item["sha256"], "input file")
            continue
        if not path.is_dir():
            problems.append(f"input folder {path}: not found")
            continue
        present_now = {
            p.stem: p for p in path.iterdir() if p.suffix in (".csv", ".parquet") and p.is_file()
        }
        for table, recorded in sorted(item["tables"].items()):
            if recorded is None:
                if table in present_now:
                    problems.append(
                        f"input {present_now[table]}: added since the run (the run had no"
                        f" {table} table)"
                    )
                continue
            problems += _check_file(path / recorded["file"], recorded["sha256"], "input file")
    rules = Path(run.rules_dir)
    now = _rule_files_now(rules) if rules.is_dir() else {}
    if not rules.is_dir():
        problems.append(f"rules folder {rules}: not found")
    recorded_files = {info["file"]: (program, info) for program, info in run.rule_files.items()}
    for name, (program, info) in sorted(recorded_files.items()):
        problems += _check_file(rules / name, info["sha256"], f"rule file ({program})")
    for name in sorted(set(now) - set(recorded_files)):
        problems.append(f"rule file {now[name]}: added since the run")
    if run.options_sha256:
        if not run.options_file:
            problems.append("the options file's path was not recorded")
        else:
            problems += _check_file(Path(run.options_file), run.options_sha256, "options file")
    elif run.options_file:
        problems.append(f"options file {run.options_file}: recorded without its sha256")
    return problems


def _check_file(path: Path, sha256: str | None, what: str) -> list[str]:
    if not path.is_file():
        return [f"{what} {path}: not found"]
    now = sha256_of(path)
    if sha256 and now != sha256:
        return [f"{what} {path}: sha256 differs (recorded {sha256[:12]}, now {now[:12]})"]
    return []


def code_warnings(run: RecordedRun, revision: str, dirty: bool) -> list[str]:
    """A different code revision (or uncommitted changes) may change decisions: say so."""
    out = []
    if revision != run.git_revision:
        out.append(
            f"the code is at revision {revision[:12]}, the run was made at"
            f" {run.git_revision[:12]}: decisions may differ for that reason"
        )
    if dirty or run.git_dirty:
        which = "now" if dirty else "at the run"
        out.append(f"the code had uncommitted changes {which}: the revision does not pin it")
    return out


# --------------------------------------------------------------------------------------------
# Comparing the decisions (pure)


def _with_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """decision_id where an older record lacks it (md5 of program | charge_key, as in dbt)."""
    computed = pl.struct("program", "charge_key").map_elements(
        lambda r: decision_id(r["program"], r["charge_key"]), return_dtype=pl.String
    )
    if "decision_id" not in frame.columns:
        return frame.with_columns(decision_id=computed)
    return frame.with_columns(decision_id=pl.coalesce(pl.col("decision_id"), computed))


def compare(recorded: pl.DataFrame, reproduced: pl.DataFrame, limit: int = 50) -> list[str]:
    """Every difference between two sets of decisions, one line each (empty: identical).

    Decisions are matched on (program, charge_key); COMPARED must be equal. A field the
    record lacks (NULL in a warehouse recorded before it was kept, e.g. reasons) is skipped.
    """
    a, b = _with_ids(recorded), _with_ids(reproduced)
    cols = [c for c in COMPARED if c in a.columns and c in b.columns]
    a_rows = {(r["program"], r["charge_key"]): r for r in a.iter_rows(named=True)}
    b_rows = {(r["program"], r["charge_key"]): r for r in b.iter_rows(named=True)}
    out: list[str] = []
    for key in sorted(a_rows.keys() | b_rows.keys()):
        ra, rb = a_rows.get(key), b_rows.get(key)
        who = ra or rb
        assert who is not None
        label = f"{key[0]} subject {who['subject_id']} charge {who['charge_ref']}"
        if rb is None:
            out.append(f"{label}: recorded ({ra['determination']}), not reproduced")
            continue
        if ra is None:
            out.append(f"{label}: reproduced ({rb['determination']}), not in the record")
            continue
        for c in cols:
            if ra[c] is None and c in ("reasons", "decision_id"):
                continue  # not recorded by older versions
            if ra[c] != rb[c]:
                out.append(f"{label}: {c} {ra[c]!r} -> {rb[c]!r}")
    if len(out) > limit:
        out = [*out[:limit], f"... and {len(out) - limit} more differences"]
    return out
