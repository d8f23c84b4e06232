"""`cleanslate trace`: one decision's chain, from the source line to the published files.

    source    extract file, line, the file's SHA-256, an md5 of the staged record
    staged    the record's key fields (no name, date of birth, CII or case number)
    charge    the normalized statute and how the text was parsed
    criteria  every condition evaluated, met / not met / unknown, with the values read
    rule      rule file, its SHA-256 and rules_version, the deciding rule and citations
    exports   every file of the latest published set that carries the decision, and where

The chain is fct_decision_lineage's row (plus fct_decision_criteria and audit.export_lines,
read-only). `verify` then checks each link against the files as they are now: the extract
still has that SHA-256 and its line hashes to the staged record, the rule file is unchanged,
and every export file holds the decision's reference at the recorded place. `render` and
`to_json` are pure.

The decision is named by subject and charge: for the CA DOJ research file the subject's
SUBJECT_ID and the count's CNT_ORDER (a record without one: `line:<file>:<line>`); for
canonical extracts the person_id and the charge_id (`charge_ref` in the marts).
"""

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from orchestration.audit.explain import MARK, verdict
from orchestration.audit.on_demand import only_charges
from orchestration.exports import file_kinds
from orchestration.exports.file_kinds.base import physical_lines as _physical_lines
from orchestration.ingest.canonical_format import TABLES
from orchestration.lib.hashing import sha256_of
from orchestration.lib.keys import row_hash
from orchestration.lib.settings import rules_dir as default_rules_dir
from orchestration.review import store as review_store
from orchestration.rules.schema import without_research_notes

TEXT_SUFFIXES = {".csv", ".dat", ".txt"}

STAGED = {
    "staged_records": "records",
    "staged_step_type": "step_type",
    "staged_disposition": "disposition",
    "staged_disposition_date": "disposition_date",
    "staged_offense_text": "offense_text",
    "staged_offense_column": "offense_column",
    "staged_offense_level": "offense_level",
    "staged_offense_level_column": "offense_level_column",
    "county": "county",
}
CHARGE = (
    "statute",
    "statute_code",
    "section",
    "subdivisions",
    "is_attempt",
    "is_conspiracy",
    "enhancements",
    "parse_status",
    "parse_method",
    "parse_note",
    "code_token",
    "qualifier_sections",
)
CRITERIA = (
    "rule_order",
    "rule_id",
    "condition_seq",
    "condition_type",
    "description",
    "result",
    "fact",
    "missing_fact",
    "ready_on",
    "rule_outcome",
    "citations",
    "is_decisive_rule",
)


class TraceError(Exception):
    """The decision cannot be traced (unknown subject or count, warehouse too old or busy)."""


@dataclass
class Chain:
    """One decision's chain; `checks` is filled by `verify`."""

    decision: dict[str, Any]
    source: dict[str, Any]
    staged: dict[str, Any]
    charge: dict[str, Any]
    criteria: list[dict[str, Any]]
    rule: dict[str, Any]
    exports: dict[str, Any]
    checks: dict[str, Any] = field(default_factory=dict)
    # the latest review (mark, note, reviewer, reviewed_on, applies); None when not reviewed
    review: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "review": self.review,
            "decision": self.decision,
            "source": self.source,
            "staged": self.staged,
            "charge": self.charge,
            "criteria": self.criteria,
            "rule": self.rule,
            "exports": self.exports,
            "checks": self.checks,
        }


# --------------------------------------------------------------------------------------------
# Pure helpers


def doj_fields(line: str) -> list[str]:
    """The fields of one research-file line, as the reader stages them."""
    return next(csv.reader([line]))


def canonical_fields(header_line: str, line: str, table: str) -> list[str | None]:
    """One canonical CSV line's fields in the format's column order (the staged table's),
    blanks as None, columns the file lacks as None: as the canonical reader stages them."""
    header = [h.strip().lstrip("\ufeff") for h in next(csv.reader([header_line]))]
    values = next(csv.reader([line]))
    by_name = dict(zip(header, values, strict=False))
    out: list[str | None] = []
    for col in TABLES[table].columns:
        v = by_name.get(col)
        out.append(None if v is None or v.strip() == "" else v)
    return out


# --------------------------------------------------------------------------------------------
# Loading (read-only)


def _query(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> pl.DataFrame:
    return con.execute(sql, params or []).pl()


def load(warehouse: Path, subject: str, count: str, program: str | None = None) -> list[Chain]:
    """The chains of every decision about (subject, count), one per program (law)."""
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as e:
        raise TraceError(f"cannot open {warehouse} read-only (is a run writing it?): {e}") from e
    try:
        con.execute("set python_enable_replacements = false")
        try:
            rows = _query(
                con,
                "select l.*, e.reasons, e.missing_facts,"
                f" {review_store.review_columns_sql('e', 'r')}"
                " from main.fct_decision_lineage l"
                " join main.fct_decisions e on e.decision_id = l.decision_id"
                f" left join ({review_store.latest_sql(con)}) r on r.decision_id = e.decision_id"
                " where l.subject_id = $subject and l.charge_ref = $count"
                "   and ($program is null or l.program = $program)"
                " order by l.source_system, l.person_key, l.program",
                {"subject": subject, "count": count, "program": program},
            )
        except duckdb.CatalogException as e:
            raise TraceError(
                f"{warehouse} has no fct_decision_lineage: build it with this version"
                " (`cleanslate run`)"
            ) from e
        if rows.height == 0:
            raise TraceError(_not_found(con, subject, count, program))
        latest_run = _latest_run(con)
        only_charges(con, rows["charge_key"])  # else the criteria view evaluates every charge
        chains = []
        for r in rows.iter_rows(named=True):
            criteria = _query(
                con,
                f"select {', '.join(CRITERIA)} from main.fct_decision_criteria"
                " where program = ? and charge_key = ? order by rule_order, condition_seq",
                [r["program"], r["charge_key"]],
            ).to_dicts()
            chains.append(_chain(r, criteria, _source_path(con, r), _places(con, r), latest_run))
        return chains
    finally:
        con.close()


def _not_found(con, subject: str, count: str, program: str | None) -> str:
    refs = _query(
        con,
        "select distinct charge_ref, program from main.fct_decisions"
        " where subject_id = ? order by 1, 2",
        [subject],
    )
    if refs.height == 0:
        return f"no decisions for subject {subject!r} in this warehouse"
    if program and refs.filter(pl.col("charge_ref") == count).height:
        laws = ", ".join(sorted(set(refs.filter(pl.col("charge_ref") == count)["program"])))
        return f"subject {subject!r} count {count!r} has no decision under {program} (only {laws})"
    known = ", ".join(sorted(set(refs["charge_ref"].to_list()))[:20])
    return (
        f"subject {subject!r} has no decision for count {count!r};"
        f" decided counts (DOJ CNT_ORDER / canonical charge_id): {known}"
    )


def _latest_run(con) -> dict[str, Any]:
    try:
        runs = _query(con, "select * from audit.runs order by recorded_at desc limit 1")
    except duckdb.CatalogException:
        return {}
    return runs.row(0, named=True) if runs.height else {}


def _source_path(con, r: dict[str, Any]) -> str | None:
    try:
        if r["source_system"] == "doj":
            found = _query(
                con, "select path from raw.doj_files where source_file = ?", [r["source_file"]]
            )
        else:
            found = _query(
                con,
                "select path from raw.canonical_files where source_extract = ? and present"
                " and (path like '%/' || ? or path = ?)",
                [r["source_extract"], r["source_file"], r["source_file"]],
            )
    except duckdb.CatalogException:
        return None
    return found["path"][0] if found.height else None


def _places(con, r: dict[str, Any]) -> list[dict[str, Any]]:
    if not r.get("export_run_id"):
        return []
    return _query(
        con,
        "select file, kind, line, page, sheet, location from audit.export_lines"
        " where decision_id = ? and run_id = ? order by file, page, sheet, line",
        [r["decision_id"], r["export_run_id"]],
    ).to_dicts()


def _chain(
    r: dict[str, Any],
    criteria: list[dict[str, Any]],
    source_path: str | None,
    places: list[dict[str, Any]],
    latest_run: dict[str, Any],
) -> Chain:
    rules_folder = latest_run.get("rules_dir") or str(default_rules_dir())
    review = (
        {
            "mark": r["review_mark"],
            "note": r["review_note"],
            "reviewer": r["reviewer"],
            "reviewed_on": r["reviewed_on"],
            "applies": r["review_applies"],
        }
        if r.get("review_mark")
        else None
    )
    return Chain(
        review=review,
        decision={
            k: r[k]
            for k in (
                "decision_id",
                "program",
                "subject_id",
                "charge_ref",
                "charge_key",
                "source_system",
                "jurisdiction",
                "determination",
                "relief",
                "eligible_on",
                "as_of",
                "reasons",
                "missing_facts",
            )
        }
        # a citation's research note (an older warehouse's rule files) is never printed
        | {"reasons": without_research_notes(r["reasons"])},
        source={
            "extract": r["source_extract"],
            "file": r["source_file"],
            "line": r["source_line"],
            "path": source_path,
            "sha256": r["source_sha256"],
            "staged_row_hash": r["staged_row_hash"],
        },
        staged={name: r[col] for col, name in STAGED.items()},
        charge={k: r[k] for k in CHARGE},
        criteria=criteria,
        rule={
            "file": r["rule_file"],
            "path": str(Path(rules_folder) / r["rule_file"]) if r["rule_file"] else None,
            "sha256": r["rule_file_sha256"],
            "rules_version": r["rules_version"],
            "law_version": r["law_version"],
            "decisive_rule": r["decisive_rule"],
            "reason_codes": r["reason_codes"],
            "citations": without_research_notes(r["decisive_rule_citations"]),
            "program_citations": without_research_notes(r["program_citations"]),
        },
        exports={
            "run_id": r["export_run_id"],
            "published_at": r["export_published_at"],
            "out_dir": r["export_out_dir"],
            "places": places,
        },
    )


# --------------------------------------------------------------------------------------------
# Verifying against the files as they are now


def verify(chain: Chain) -> Chain:
    """Fill chain.checks: source file and line, rule file, every export place."""
    chain.checks = {
        "source_file": _check_file(chain.source["path"], chain.source["sha256"]),
        "source_row": _check_row(chain),
        "rule_file": _check_file(chain.rule["path"], chain.rule["sha256"]),
    }
    # the earlier tool's rows repeat the source record's fields: compared with the source line
    cache: dict[Any, Any] = {"source": _source_fields(chain)}
    out_dir = chain.exports["out_dir"]
    for p in chain.exports["places"]:
        p["check"] = _check_place(Path(out_dir) / p["file"], p, chain.decision, cache)
    return chain


def _source_fields(chain: Chain) -> list[str] | None:
    """The DOJ source record's fields, when the file is there and unchanged."""
    src = chain.source
    if chain.decision["source_system"] != "doj" or not chain.checks["source_file"].startswith(
        "unchanged"
    ):
        return None
    text = _physical_lines(Path(src["path"]), {src["line"]}).get(src["line"])
    return doj_fields(text) if text is not None else None


def _check_file(path: str | None, sha256: str | None) -> str:
    if not path:
        return "not checked: path not recorded"
    p = Path(path)
    if not p.is_file():
        return f"file not found: {p}"
    return "unchanged (sha256 matches)" if sha256_of(p) == sha256 else "CHANGED since the run"


def _check_row(chain: Chain) -> str:
    src = chain.source
    if not src["path"] or not Path(src["path"]).is_file():
        return "not checked: source file not found"
    path = Path(src["path"])
    if path.suffix.lower() not in TEXT_SUFFIXES:
        return f"not checked: {path.suffix} file"
    line = src["line"]
    if chain.decision["source_system"] == "doj":
        text = _physical_lines(path, {line}).get(line)
        got = row_hash(doj_fields(text)) if text is not None else None
    else:
        table = Path(src["file"]).stem
        lines = _physical_lines(path, {1, line})
        got = (
            row_hash(canonical_fields(lines[1], lines[line], table))
            if 1 in lines and line in lines and table in TABLES
            else None
        )
    if got is None:
        return f"line {line} not found in the file"
    if got == src["staged_row_hash"]:
        return f"matches line {line} of the file"
    return f"DIFFERS from line {line} of the file (md5 {got})"


def _check_place(path: Path, p: dict[str, Any], decision: dict[str, Any], cache) -> str:
    """The place checked by the file kind that holds it (exports/file_kinds)."""
    if not path.is_file():
        return "file not found"
    kind = file_kinds.for_place(p["kind"])
    if kind is None:
        return f"not checked: no file kind holds {p['kind']} places"
    try:
        return kind.check_place(path, p, decision, cache)
    except (OSError, ValueError, KeyError, IndexError, StopIteration) as e:
        return f"could not read: {type(e).__name__}"


# --------------------------------------------------------------------------------------------
# Output (pure)


def _json_default(value: Any) -> str:
    return str(value)


def to_json(chains: list[Chain]) -> str:
    return json.dumps([c.as_dict() for c in chains], indent=2, default=_json_default)


def _short(h: str | None, n: int = 16) -> str:
    return f"{h[:n]}..." if h else "?"


def render(chains: list[Chain]) -> str:
    """The chains as text an auditor can follow, link by link."""
    out: list[str] = []
    for c in chains:
        d, s, st, ch, ru, ex = c.decision, c.source, c.staged, c.charge, c.rule, c.exports
        checks = c.checks
        if out:
            out.append("")
        out.append(
            f"Decision {d['decision_id']}  {d['program']}  subject {d['subject_id']},"
            f" count {d['charge_ref']} ({d['source_system']}, {d['jurisdiction']}),"
            f" as of {d['as_of']}"
        )
        out.append(f"  => {verdict(d)}: {without_research_notes(d['reasons'])}")
        if d["missing_facts"]:
            out.append(f"     missing: {d['missing_facts']}")
        review = c.review and review_store.describe(
            {
                "review_mark": c.review["mark"],
                "review_note": c.review["note"],
                "reviewer": c.review["reviewer"],
                "reviewed_on": c.review["reviewed_on"],
                "review_applies": c.review["applies"],
            }
        )
        out.append(f"     review: {review or 'not reviewed'}")

        where = f"{s['extract']}/{s['file']}" if s["extract"] else s["file"]
        out.append(f"  1 source    {where} line {s['line']}")
        if s["path"]:
            out.append(f"              path {s['path']}")
        out.append(f"              file sha256 {s['sha256']}  [{checks.get('source_file', '-')}]")
        row_check = checks.get("source_row", "-")
        out.append(f"              staged row md5 {s['staged_row_hash']}  [{row_check}]")

        step = f"{st['step_type']}, " if st["step_type"] else ""
        out.append(
            f"  2 staged    {step}disposition {st['disposition'] or '?'}"
            f" on {st['disposition_date'] or '?'}, county {st['county'] or '?'},"
            f" {st['records']} record(s)"
        )
        level = st["offense_level"] or "?"
        if st["offense_level_column"]:
            level += f" ({st['offense_level_column']})"
        out.append(
            f"              offense {st['offense_text']!r} ({st['offense_column'] or '?'}),"
            f" level {level}"
        )

        flags = [f for f in ("is_attempt", "is_conspiracy") if ch[f]]
        out.append(
            f"  3 charge    {ch['statute'] or '(no statute)'}  {ch['parse_status']}"
            f" by {ch['parse_method'] or '?'}"
            + (f" from {ch['code_token']!r}" if ch["code_token"] else "")
        )
        parts = [
            f"code {ch['statute_code'] or '?'}",
            f"section {ch['section'] or '?'}",
            f"subdivisions {ch['subdivisions'] or '-'}",
        ]
        if flags:
            parts.append(", ".join(f.removeprefix("is_") for f in flags))
        if ch["enhancements"]:
            parts.append(f"enhancements {ch['enhancements']}")
        if ch["qualifier_sections"]:
            parts.append(f"qualifiers {ch['qualifier_sections']}")
        out.append(f"              {'; '.join(parts)}")
        if ch["parse_note"]:
            out.append(f"              note: {ch['parse_note']}")

        out.append(f"  4 criteria  {len(c.criteria)} conditions evaluated")
        rule = None
        for k in c.criteria:
            if k["rule_id"] != rule:
                rule = k["rule_id"]
                star = " <- decided here" if k["is_decisive_rule"] else ""
                out.append(f"              rule {rule}{star}")
            extra = f" (true from {k['ready_on']})" if k["ready_on"] else ""
            missing = f"; missing {k['missing_fact']}" if k["missing_fact"] else ""
            out.append(
                f"                {MARK.get(k['result'], k['result'])} {k['description']}:"
                f" {k['fact']}{extra}{missing}"
            )

        out.append(f"  5 rule      {ru['path'] or ru['file']}  [{checks.get('rule_file', '-')}]")
        out.append(f"              sha256 {ru['sha256']}  version {ru['rules_version']}")
        out.append(
            f"              deciding rule {ru['decisive_rule']} ({ru['reason_codes']}):"
            f" {without_research_notes(ru['citations']) or '-'}"
        )
        if ru["program_citations"]:
            out.append(f"              law: {without_research_notes(ru['program_citations'])}")

        if not ex["run_id"]:
            out.append("  6 exports   in no published export set (none published since)")
        else:
            out.append(
                f"  6 exports   published by run {ex['run_id']} at {ex['published_at']}"
                f" in {ex['out_dir']}"
            )
            for p in ex["places"]:
                check = f"  [{p['check']}]" if "check" in p else ""
                out.append(f"              {p['file']}  {p['location']}{check}")
    return "\n".join(out)
