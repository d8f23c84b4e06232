"""`cleanslate explain`: each decision about a person as a short tree a lawyer can read."""

from pathlib import Path

import duckdb
import polars as pl

from orchestration.audit.on_demand import only_charges
from orchestration.review import store as review_store
from orchestration.rules.schema import without_research_notes

MARK = {"met": "[met]    ", "not_met": "[not met]", "unknown": "[unknown]"}


def load(warehouse: Path, subject: str, program: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The person's decisions (every source with that subject id, with the latest review of
    each: review_mark, review_note, reviewer, reviewed_on, review_applies) and their criteria
    rows."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        decisions = con.execute(
            f"select d.*, {review_store.review_columns_sql('d', 'r')}"
            " from main.fct_decisions d"
            f" left join ({review_store.latest_sql(con)}) r on r.decision_id = d.decision_id"
            " where d.subject_id = $subject and ($program is null or d.program = $program)"
            " order by d.person_key, d.program, d.charge_ref",
            {"subject": subject, "program": program},
        ).pl()
        con.register("_wanted", decisions.select("program", "charge_key"))
        only_charges(con, decisions["charge_key"])  # else the view evaluates every charge
        criteria = con.execute(
            "select c.* from main.fct_decision_criteria c"
            " join _wanted w on w.program = c.program and w.charge_key = c.charge_key"
            " order by c.program, c.charge_key, c.rule_order, c.condition_seq"
        ).pl()
    finally:
        con.close()
    return decisions, criteria


def verdict(d: dict) -> str:
    """A decision's determination, relief and date, as `explain` and `trace` print it."""
    text = d["determination"].upper()
    if d["relief"]:
        text += f" ({d['relief']})"
    if d["eligible_on"]:
        text += f" on {d['eligible_on']}"
    return text


def render(decisions: pl.DataFrame, criteria: pl.DataFrame) -> str:
    """Pure: the tree for the given decision rows and their criteria rows."""
    lines: list[str] = []
    by_charge: dict[tuple[str, str], list[dict]] = {}
    for c in criteria.iter_rows(named=True):
        by_charge.setdefault((c["program"], c["charge_key"]), []).append(c)
    person = program = None
    for d in decisions.iter_rows(named=True):
        if d["person_key"] != person:
            person, program = d["person_key"], None
            lines.append(
                f"Person {d['subject_id']} ({d['source_system']}, {d['jurisdiction']}),"
                f" as of {d['as_of']}"
            )
        if d["program"] != program:
            program = d["program"]
            lines.append(f"  {program}  rules {d['rules_version']}")
        date = d["conviction_date"] or d["conviction_date_raw"] or "date unknown"
        level = d["offense_level"] or "level unknown"
        lines.append(
            f"    charge {d['charge_ref']}: {d['offense_raw']} ({d['statute'] or 'statute ?'}),"
            f" {d['disposition']} {date}, {level}  [{d['source_file']}:{d['source_line']}]"
        )
        lines.append(f"      => {verdict(d)}: {without_research_notes(d['reasons'])}")
        if d["missing_facts"]:
            lines.append(f"         missing: {d['missing_facts']}")
        review = review_store.describe(d)
        lines.append(f"         review: {review or 'not reviewed'}")
        rule = None
        for c in by_charge.get((d["program"], d["charge_key"]), []):
            if c["rule_id"] != rule:
                rule = c["rule_id"]
                star = " <- decided here" if c["is_decisive_rule"] else ""
                cited = without_research_notes(c["citations"])
                cite = f"  [{cited}]" if cited else ""
                lines.append(f"         rule {rule}{star}{cite}")
            extra = f" (true from {c['ready_on']})" if c["ready_on"] else ""
            lines.append(f"           {MARK[c['result']]} {c['description']}: {c['fact']}{extra}")
    return "\n".join(lines)
