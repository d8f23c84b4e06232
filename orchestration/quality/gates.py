"""Run gates: blocking asset checks for data that cannot support a decision.

The GE suites (checks.py) test values row by row; these test the run as a whole, where every
row can be well-formed and the result still mean nothing:

    all_rows_rejected       an extract file (or canonical table) of which no row was staged
    supervision_unmatched   a supervision file for DOJ subjects none of whose rows was staged
                            or matched a subject of the run
    offense_text_unread     too many conviction records whose offense text reads to no statute
    nothing_to_decide       an input with staged rows gives no charge in scope of any law
    county_would_vanish     a county with decisions in the published set would get none

They are Dagster asset checks, so a run launched from the UI, a schedule or the sensor is gated
like `cleanslate run`. Each failure names the file, the column and what was found; counts and
offense texts only (statute descriptions, never a name, an id or a date of birth).
Per-run settings (`GateConfig`) come from run config; `gate_run_config` builds it for the CLI.
"""

import json
from pathlib import Path

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, Config, asset_check

from orchestration.ingest.assets import RAW_EXTRACT, RAW_REJECTS
from orchestration.ingest.canonical_assets import CANONICAL_KEYS, CANONICAL_REJECTS
from orchestration.lib.settings import DEFAULT_MAX_UNREAD_SHARE
from orchestration.quality.checks import DECISION_TABLE
from orchestration.resources import Warehouse

CHARGES = AssetKey(["int_charges_assembled"])
STAGED = AssetKey(["exports", "staged_files"])
# folders of a published set that are not a county's
SHARED_FOLDERS = frozenset({"repository", "report"})
TOP_TEXTS = 10


class UnreadConfig(Config):
    """max_unread_share: the largest share (0-1) of an input's conviction records whose offense
    text may read to no statute before the run stops (default 5%)."""

    max_unread_share: float = DEFAULT_MAX_UNREAD_SHARE


class EmptyConfig(Config):
    """expect_empty: this run is known to give an input no decision, or a county none."""

    expect_empty: bool = False


def _fail(problems: list[str], ok: str, **metadata) -> AssetCheckResult:
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems) or ok,
        metadata=metadata,
    )


def _reasons(frame: pl.DataFrame) -> str:
    """'wrong number of fields: 90 (expected 95) x 12, ...' from (error, n) rows."""
    return ", ".join(f"{r['error']} x {r['n']}" for r in frame.iter_rows(named=True))


# --------------------------------------------------------------------------------------------
# Ingest: a file none of whose rows was staged


@asset_check(asset=RAW_EXTRACT, blocking=True, additional_deps=[RAW_REJECTS])
def all_rows_rejected(warehouse: Warehouse) -> AssetCheckResult:
    """No CA DOJ extract file had every record rejected (e.g. the wrong column count). A file
    that only repeats records already staged from another (a delivery sent twice: every record
    a `duplicate of` one) loses nothing and passes."""
    files = warehouse.query(
        "select f.source_file, f.input_records from raw.doj_files as f"
        " where f.input_records > 0 and f.staged = 0 and exists ("
        "   select 1 from raw.doj_rejects as r where r.source_file = f.source_file"
        "   and r.error not like 'duplicate of %')"
        " order by f.source_file"
    )
    problems = []
    for f in files.iter_rows(named=True):
        reasons = warehouse.query(
            "select error, count(*) as n from raw.doj_rejects where source_file = $1"
            " group by error order by n desc, error limit 3",
            [f["source_file"]],
        )
        problems.append(
            f"{f['source_file']}: all {f['input_records']} records rejected, none staged"
            f" (first reasons: {_reasons(reasons)}; table raw.doj_rejects)"
        )
    return _fail(
        problems, "every extract file has staged records", files_all_rejected=len(problems)
    )


@asset_check(
    asset=CANONICAL_REJECTS,
    blocking=True,
    name="all_rows_rejected",
    additional_deps=list(CANONICAL_KEYS.values()),
)
def canonical_all_rows_rejected(warehouse: Warehouse) -> AssetCheckResult:
    """No table of a canonical extract had every row rejected."""
    files = warehouse.query(
        "select source_extract, table_name, path, input_records from raw.canonical_files"
        " where present and input_records > 0 and staged = 0 order by 1, 2"
    )
    problems = []
    for f in files.iter_rows(named=True):
        reasons = warehouse.query(
            "select error, count(*) as n from raw.canonical_rejects"
            " where source_extract = $1 and table_name = $2"
            " group by error order by n desc, error limit 3",
            [f["source_extract"], f["table_name"]],
        )
        problems.append(
            f"{f['source_extract']}/{Path(f['path']).name}: all {f['input_records']} rows"
            f" rejected, none staged (first reasons: {_reasons(reasons)};"
            " table raw.canonical_rejects)"
        )
    return _fail(
        problems, "every canonical table has staged rows", tables_all_rejected=len(problems)
    )


# --------------------------------------------------------------------------------------------
# Supervision files for DOJ subjects: a file that supplies nothing

SUPERVISION = AssetKey(["stg_doj__supervision"])


def supervision_matches(warehouse: Warehouse) -> pl.DataFrame:
    """Per supervision file: rows in it, rejected, matched by SUBJECT_ID / by CII, unmatched."""
    return warehouse.query(
        """
        select f.source_file, f.input_records, f.rejected, f.complete,
               count(s.source_line) filter (where s.matched_key = 'subject_id') as by_subject_id,
               count(s.source_line) filter (where s.matched_key = 'cii') as by_cii,
               count(s.source_line) filter (where s.matched_key is null) as unmatched
        from raw.doj_supervision_files as f
        left join main.stg_doj__supervision as s on s.source_file = f.source_file
        group by all order by f.source_file
        """
    )


@asset_check(
    asset=SUPERVISION,
    blocking=True,
    name="supervision_unmatched",
    additional_deps=[AssetKey(["raw", "doj_supervision_rejects"])],
)
def supervision_unmatched(warehouse: Warehouse) -> AssetCheckResult:
    """Every supervision file handed to the run for its DOJ subjects gives at least one row
    matched to a subject: a file all of whose rows were rejected, or none of whose rows is a
    SUBJECT_ID or CII of the run's DOJ extracts (the wrong id column, another county's file, no
    DOJ extract), would silently decide nothing. Counts only, never an id."""
    files = supervision_matches(warehouse)
    problems, notes = [], []
    for f in files.iter_rows(named=True):
        matched = f["by_subject_id"] + f["by_cii"]
        if f["input_records"] and not matched:
            reasons = warehouse.query(
                "select unmatched_reason as error, count(*) as n from main.stg_doj__supervision"
                " where source_file = $1 and unmatched_reason is not null"
                " group by 1 order by n desc, 1 limit 3",
                [f["source_file"]],
            )
            if f["input_records"] == f["rejected"]:
                reasons = warehouse.query(
                    "select error, count(*) as n from raw.doj_supervision_rejects"
                    " where source_file = $1 group by 1 order by n desc, 1 limit 3",
                    [f["source_file"]],
                )
            problems.append(
                f"{f['source_file']}: none of its {f['input_records']} rows matched a DOJ"
                f" subject of this run (first reasons: {_reasons(reasons)};"
                " table stg_doj__supervision, raw.doj_supervision_rejects)"
            )
        notes.append(
            f"{f['source_file']}: {f['by_subject_id']} rows matched by SUBJECT_ID,"
            f" {f['by_cii']} by CII, {f['unmatched']} unmatched, {f['rejected']} rejected"
        )
    return AssetCheckResult(
        passed=not problems,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(problems or notes) or "no supervision file this run",
        metadata={"files": files.height},
    )


# --------------------------------------------------------------------------------------------
# Charges: offense texts that read to no statute

# One row per input (a DOJ file, or a canonical extract's charges file) and the column its
# offense text came from: conviction records, and those whose text read to no statute.
_INPUTS_SQL = """
with charges as (
    select
        case when c.source_system = 'doj' then c.source_file
             else coalesce(s.source_extract || '/', '') || c.source_file end as input,
        -- the name the report's input table uses (raw.doj_files / raw.canonical_files)
        case when c.source_system = 'doj' then c.source_file
             else coalesce(s.source_extract || '/', '') || 'charges' end as report_file,
        c.offense_text_column, c.offense_raw, c.parse_status, c.is_convicted, c.charge_key
    from main.int_charges_assembled as c
    left join main.stg_canonical__charges as s
        on c.source_system = 'canonical' and s.charge_key = c.charge_key
)
"""


def unread_share(warehouse: Warehouse) -> pl.DataFrame:
    """Per input: conviction records, unread ones, and the share."""
    return warehouse.query(
        _INPUTS_SQL
        + """
        select input,
               any_value(report_file) as report_file,
               count(*) as convictions,
               count(*) filter (where parse_status <> 'parsed') as unread
        from charges where is_convicted
        group by input order by input
        """
    ).with_columns(share=pl.col("unread") / pl.col("convictions"))


@asset_check(asset=CHARGES, blocking=True, name="offense_text_unread")
def offense_text_unread(config: UnreadConfig, warehouse: Warehouse) -> AssetCheckResult:
    """At most max_unread_share of each input's conviction records have an offense text that
    reads to no statute (a wrong column mapping or placeholder-filled columns decide nothing).
    Below the limit the unread texts stay listed in rpt_charge_codes_unparsed and the report."""
    limit = config.max_unread_share
    shares = unread_share(warehouse)
    problems = []
    for row in shares.filter(pl.col("share") > limit).iter_rows(named=True):
        columns = warehouse.query(
            _INPUTS_SQL + "select coalesce(offense_text_column, '(none)') as col, count(*) as n"
            " from charges where is_convicted and input = $1 and parse_status <> 'parsed'"
            " group by 1 order by n desc, col",
            [row["input"]],
        )
        texts = warehouse.query(
            _INPUTS_SQL + "select coalesce(offense_raw, '(blank)') as text, count(*) as n"
            " from charges where is_convicted and input = $1 and parse_status <> 'parsed'"
            f" group by 1 order by n desc, text limit {TOP_TEXTS}",
            [row["input"]],
        )
        cols = ", ".join(f"{r['col']} ({r['n']})" for r in columns.iter_rows(named=True))
        top = ", ".join(f"{r['text'][:60]!r} x {r['n']}" for r in texts.iter_rows(named=True))
        problems.append(
            f"{row['input']}: the offense text of {row['unread']} of {row['convictions']}"
            f" conviction records ({row['share']:.1%}, limit {limit:.1%}) reads to no statute;"
            f" text taken from column {cols}; most common unread texts: {top}"
            " (raise the limit with --max-unread-share if this is expected)"
        )
    worst = shares["share"].max() if shares.height else 0.0
    return _fail(
        problems,
        f"unread offense texts at most {limit:.1%} of each input's conviction records",
        limit=limit,
        worst_share=round(float(worst or 0.0), 4),
        unread=int(shares["unread"].sum()) if shares.height else 0,
    )


# --------------------------------------------------------------------------------------------
# Decisions: staged rows, but nothing in scope


@asset_check(asset=DECISION_TABLE, blocking=True, name="nothing_to_decide")
def nothing_to_decide(config: EmptyConfig, warehouse: Warehouse) -> AssetCheckResult:
    """Every input with staged rows gives at least one charge in scope of an enabled law."""
    per_input = warehouse.query(
        _INPUTS_SQL
        + """
        , decided as (
            select distinct charge_key from main.fct_decisions
        )
        select c.input,
               count(*) as charges,
               count(d.charge_key) as decided,
               mode(c.offense_text_column) as text_column
        from charges as c left join decided as d on d.charge_key = c.charge_key
        group by c.input order by c.input
        """
    )
    staged = warehouse.query(
        "select source_file as input, staged from raw.doj_files where staged > 0"
        " union all select source_extract || '/' || (string_split(path, '/')[-1]), staged"
        " from raw.canonical_files where present and table_name = 'charges' and staged > 0"
    )
    laws = ", ".join(
        warehouse.query("select program from main.stg_rules__programs order by 1")[
            "program"
        ].to_list()
    )
    problems = []
    found = {r["input"]: r for r in per_input.iter_rows(named=True)}
    for s in staged.iter_rows(named=True):
        r = found.get(s["input"])
        if r is not None and r["decided"] > 0:
            continue
        charges = r["charges"] if r else 0
        statutes = warehouse.query(
            _INPUTS_SQL + "select coalesce(offense_raw, '(blank)') as text, count(*) as n"
            " from charges where input = $1 group by 1 order by n desc, text limit 5",
            [s["input"]],
        )
        top = ", ".join(f"{t['text'][:60]!r} x {t['n']}" for t in statutes.iter_rows(named=True))
        column = f" from column {r['text_column']}" if r and r["text_column"] else ""
        problems.append(
            f"{s['input']}: {s['staged']} rows staged, {charges} charges assembled, none in"
            f" scope of any enabled law ({laws}); offense texts{column}: {top or 'none'}"
        )
    if problems and config.expect_empty:
        return AssetCheckResult(
            passed=True,
            description="expected empty (--expect-empty): " + "; ".join(problems),
            metadata={"inputs_without_decisions": len(problems), "expect_empty": True},
        )
    return _fail(
        problems,
        "every input with staged rows has charges in scope",
        inputs_without_decisions=len(problems),
        expect_empty=config.expect_empty,
    )


# --------------------------------------------------------------------------------------------
# Exports: a county that would lose every decision


def manifest_counties(manifest: dict) -> set[str]:
    """County folders of a published set, from its manifest's file list."""
    return {
        f["file"].split("/", 1)[0]
        for f in manifest.get("files", [])
        if "/" in f["file"] and f["file"].split("/", 1)[0] not in SHARED_FOLDERS
    }


def vanishing_counties(previous: dict, staged: dict, scope: str | None) -> list[str]:
    """Counties of the previous published set (within the run's county scope) the new one lacks."""
    before = manifest_counties(previous)
    if scope is not None:
        before &= {scope}
    return sorted(before - manifest_counties(staged))


@asset_check(asset=STAGED, blocking=True, name="county_would_vanish")
def county_would_vanish(context, config: EmptyConfig) -> AssetCheckResult:
    """A county that had decisions in the published set gets some in this one too."""
    from orchestration.exports.assets import _staged
    from orchestration.exports.writers import county_folder, normalize_county

    staging, out_dir, county = _staged(context)
    previous_file = out_dir / "manifest.json"
    if not previous_file.exists():
        return _fail([], "no published set yet", vanished=0)
    previous = json.loads(previous_file.read_text())
    staged = json.loads((staging / "manifest.json").read_text())
    scope = county_folder(normalize_county(county)) if county else None
    gone = vanishing_counties(previous, staged, scope)
    problems = (
        [
            f"{out_dir}: the published set (run {previous.get('run_id')}) has decisions for"
            f" {', '.join(gone)}; this run has none for {'it' if len(gone) == 1 else 'them'}"
            " (pass --expect-empty if that is expected)"
        ]
        if gone and not config.expect_empty
        else []
    )
    return _fail(
        problems,
        f"no county loses its decisions ({len(gone)} expected empty)"
        if gone
        else "no county loses its decisions",
        vanished=len(gone),
        expect_empty=config.expect_empty,
    )


GATES = [
    all_rows_rejected,
    canonical_all_rows_rejected,
    supervision_unmatched,
    offense_text_unread,
    nothing_to_decide,
    county_would_vanish,
]


def _op_name(check) -> str:
    spec = next(iter(check.check_specs))
    return "__".join(spec.asset_key.path) + "_" + spec.name


def gate_run_config(max_unread_share: float, expect_empty: bool) -> dict[str, dict]:
    """The `ops` entries of a run config that set the gates for one run."""
    return {
        _op_name(offense_text_unread): {"config": {"max_unread_share": max_unread_share}},
        _op_name(nothing_to_decide): {"config": {"expect_empty": expect_empty}},
        _op_name(county_would_vanish): {"config": {"expect_empty": expect_empty}},
    }
