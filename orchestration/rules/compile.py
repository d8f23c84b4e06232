"""Compile validated rule files plus county parameters into the `rules.*` warehouse tables.

Parameters are resolved here, so the SQL sees only literal arguments: a rule switched off by
policy is kept with is_enabled = false (auditors see it), a `section_in` list becomes a
generated code set, durations become years/months/days, and `{param}` placeholders in reasons
are filled in. `{section}` stays for SQL.
"""

import json
import re
from datetime import date
from typing import Any

import polars as pl

from orchestration.rules import conditions
from orchestration.rules.conditions.section_in import SectionIn
from orchestration.rules.load import LoadedCodeInference, LoadedRules
from orchestration.rules.options import (
    CountyOptions,
    ResolvedParameters,
    check_options,
    resolve_parameters,
)
from orchestration.rules.schema import (
    TIME_CONDITIONS,
    ConvictionFilter,
    NegatedCondition,
    ParamRef,
    RuleFile,
)

S, N, B, D, F = pl.String, pl.Int32, pl.Boolean, pl.Date, pl.Float64

# Table name -> polars schema. The dbt sources in models/staging/rules read these.
TABLES: dict[str, dict[str, Any]] = {
    "programs": {
        "program": S,
        "jurisdiction": S,
        "title": S,
        "status": S,
        "unit": S,
        "aggregate_to": S,
        "law_version": D,
        "effective_from": D,
        "effective_to": D,
        "rules_version": S,
        "rule_file": S,
        "rule_file_sha256": S,
        "options_file_sha256": S,
        "as_of_date": D,
        "is_in_effect": B,
        # an explicit forecast (as_of after the run's day): the exports write no court document
        "is_forecast": B,
    },
    "citations": {
        "program": S,
        "citation_id": S,
        "position": N,
        "ref": S,
        "url": S,
        "confidence": S,
    },
    "parameters": {
        "program": S,
        "name": S,
        "value_json": S,
        "source": S,
        "options_key": S,
    },
    "rules": {
        "program": S,
        "rule_id": S,
        "rule_order": N,
        "kind": S,
        "outcome": S,
        "relief": S,
        "reason": S,
        "citation_ids": S,
        "citations": S,
        "on_unknown": S,
        "is_enabled": B,
        "verify": S,
    },
    "conditions": {
        "program": S,
        "rule_id": S,
        "condition_seq": N,
        "condition_type": S,
        "is_negated": B,
        "is_time_condition": B,
        "description": S,
        # then the arguments, NULL when the type does not use them: the columns each condition
        # type declares (orchestration/rules/conditions/<type>.py COLUMNS)
        **conditions.COLUMNS,
    },
    # The condition catalog (orchestration/rules/conditions/), one row per condition type a rule
    # file may use: what the warehouse knows how to evaluate, whatever the rule files use.
    "condition_types": {
        "condition_type": S,
        "is_time_condition": B,
        # the type its conditions are written as (section_in: statute_in_set), else NULL
        "compiles_to": S,
        # the dbt macro that evaluates it: condition__<type> (<type>.sql beside <type>.py)
        "evaluator": S,
        # the columns of rules.conditions its parameters are written to, comma-separated
        "parameter_columns": S,
        "description": S,
    },
    "code_set_members": {
        "program": S,
        "code_set": S,
        "statute": S,
        "match_mode": S,
        "attempt": S,
        "with_enhancement": S,
    },
    # The code inference tables (rules/<jurisdiction>/code_inference.yaml): one row per keyword
    # of each entry, in the file's order. The charge-code normalizer reads it.
    "code_inference": {
        "jurisdiction": S,
        "inference_id": S,
        "inference_position": N,
        "code": S,
        "section_from": S,
        "section_to": S,
        "keyword": S,
        "keyword_position": N,
        "citations": S,
        # the lowest confidence of the entry's citations (M < S < T)
        "confidence": S,
        # "<file> <id>: <citations>", the text a decision's fact quotes
        "basis": S,
        "table_file": S,
        "table_file_sha256": S,
        "table_version": S,
    },
}

SCOPE_RULE_ID = "scope"
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$")


def parse_duration(text: str) -> tuple[int, int, int]:
    m = _DURATION.match(text)
    if not m or text == "P":
        raise ValueError(f"not an ISO 8601 duration like P6Y or P180D: {text!r}")
    y, mo, d = (int(g) if g else 0 for g in m.groups())
    return y, mo, d


def _value(v: Any, params: dict[str, Any]) -> Any:
    return params[v.param] if isinstance(v, ParamRef) else v


def _fill(text: str, params: dict[str, Any]) -> str:
    for name, value in params.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        text = text.replace("{" + name + "}", shown)
    return text


def _csv(values: list[str] | None) -> str | None:
    return None if values is None else ",".join(values)


def _condition_row(c: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The condition's arguments as one flat row, parameters resolved."""
    row: dict[str, Any] = {}
    for key, v in c.__dict__.items():
        if key == "type":
            continue
        v = _value(v, params)
        if isinstance(v, ConvictionFilter):
            for fk, fv in v.__dict__.items():
                row[f"f_{fk}"] = _csv(fv) if isinstance(fv, list) else fv
        elif key in ("wait", "ignore_older_than"):
            if v is not None:
                row["wait_years"], row["wait_months"], row["wait_days"] = parse_duration(v)
        elif key == "since":
            row["anchors"] = ",".join(v) if isinstance(v, list) else v
        elif key == "date":
            row["date_value"] = v
        elif key == "years" and isinstance(v, float):
            row["penalty_years"] = v
        elif isinstance(v, list):
            row[key] = _csv(v)
        else:
            row[key] = v
    return row


def compile_program(
    loaded: LoadedRules,
    resolved: ResolvedParameters,
    options_sha256: str | None,
    as_of: date,
    forecast: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    rf: RuleFile = loaded.rules
    p = resolved.values
    pid = rf.program
    in_effect = rf.effective.from_ <= as_of and (rf.effective.to is None or as_of < rf.effective.to)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    out["programs"].append(
        {
            "program": pid,
            "jurisdiction": rf.jurisdiction,
            "title": rf.title,
            "status": rf.status,
            "unit": rf.unit,
            "aggregate_to": rf.aggregate.to if rf.aggregate else None,
            "law_version": rf.law_version,
            "effective_from": rf.effective.from_,
            "effective_to": rf.effective.to,
            "rules_version": loaded.rules_version,
            "rule_file": str(loaded.path.parent.name + "/" + loaded.path.name),
            "rule_file_sha256": loaded.sha256,
            "options_file_sha256": options_sha256,
            "as_of_date": as_of,
            "is_in_effect": in_effect and rf.status == "in_force",
            "is_forecast": forecast,
        }
    )
    cites = {c.id: c for c in rf.citations}
    for c in rf.citations:
        out["citations"].append(
            {
                "program": pid,
                "citation_id": c.id,
                "ref": c.ref,
                "url": c.url,
                "confidence": c.confidence,
            }
        )
    for name, param in rf.parameters.items():
        out["parameters"].append(
            {
                "program": pid,
                "name": name,
                "value_json": json.dumps(p[name]),
                "source": resolved.sources[name],
                "options_key": param.options_key,
            }
        )

    def member(code_set: str, statute: str, m: Any = None) -> None:
        out["code_set_members"].append(
            {
                "program": pid,
                "code_set": code_set,
                "statute": statute,
                "match_mode": m.match if m else "prefix",
                "attempt": m.attempt if m else "include",
                "with_enhancement": m.with_enhancement if m else None,
            }
        )

    for set_name, members in rf.code_sets.items():
        for m in members:
            member(set_name, m.statute, m)

    def add_conditions(rule_id: str, items: list[Any]) -> None:
        for seq, item in enumerate(items, start=1):
            negated = isinstance(item, NegatedCondition)
            c = item.not_ if negated else item
            row: dict[str, Any] = dict.fromkeys(TABLES["conditions"])
            row.update(
                program=pid,
                rule_id=rule_id,
                condition_seq=seq,
                condition_type=c.type,
                is_negated=negated,
                is_time_condition=c.type in TIME_CONDITIONS and not negated,
            )
            if isinstance(c, SectionIn):
                # A policy list of sections becomes a code set of its own, e.g.
                # "param:dismiss_sections" = {CA:HS:11357, CA:HS:11358}.
                sections = _value(c.sections, p)
                set_name = (
                    f"param:{c.sections.param}"
                    if isinstance(c.sections, ParamRef)
                    else f"{rule_id}:{seq}"
                )
                for s in sections:
                    member(set_name, f"{c.code}:{s}")
                row.update(
                    condition_type=conditions.TYPES[c.type].evaluated_as,  # statute_in_set
                    code_set=set_name,
                    description=describe(c.type, _condition_row(c, p)),
                )
            else:
                row.update(_condition_row(c, p))
                row["description"] = describe(c.type, row)
            if negated:
                row["description"] = "NOT " + row["description"]
            out["conditions"].append(row)

    add_conditions(SCOPE_RULE_ID, rf.scope)
    out["rules"].append(
        {
            "program": pid,
            "rule_id": SCOPE_RULE_ID,
            "rule_order": 0,
            "kind": "scope",
            "outcome": None,
            "relief": None,
            "reason": f"In scope of {rf.title}",
            "citation_ids": None,
            "citations": None,
            "on_unknown": "review",
            "is_enabled": True,
            "verify": None,
        }
    )
    for order, r in enumerate(rf.rules, start=1):
        enabled = _value(r.enabled, p)
        out["rules"].append(
            {
                "program": pid,
                "rule_id": r.id,
                "rule_order": order,
                "kind": "decision",
                "outcome": _value(r.outcome, p),
                "relief": r.relief,
                "reason": _fill(r.reason, p),
                "citation_ids": ",".join(r.cite),
                "citations": "; ".join(cites[c].ref for c in r.cite),
                "on_unknown": r.on_unknown,
                # 0 / false / [] switch a policy rule off, as in the earlier tool's options.
                "is_enabled": bool(enabled),
                "verify": r.verify,
            }
        )
        add_conditions(r.id, r.when)
    return out


def describe(kind: str, row: dict[str, Any]) -> str:
    """One line an auditor can read, stored next to each condition: the condition type's own
    describe() (orchestration/rules/conditions/<type>.py)."""
    return conditions.describe(kind, row)


def compile_condition_types() -> list[dict[str, Any]]:
    """The rules.condition_types table: the condition catalog, one row per type."""
    return [
        {
            "condition_type": t.name,
            "is_time_condition": t.is_time_condition,
            "compiles_to": t.compiles_to,
            "evaluator": t.evaluator,
            "parameter_columns": ",".join(t.columns) or None,
            "description": t.description,
        }
        for t in conditions.TYPES.values()
    ]


def compile_code_inference(loaded: LoadedCodeInference) -> list[dict[str, Any]]:
    """One row per keyword of each entry: the rules.code_inference table."""
    t = loaded.table
    cites = {c.id: c for c in t.citations}
    rows: list[dict[str, Any]] = []
    for i_pos, inf in enumerate(t.inferences, start=1):
        refs = "; ".join(cites[c].ref for c in inf.cite)
        confidence = min((cites[c].confidence for c in inf.cite), key="MST".index)
        for k_pos, keyword in enumerate(inf.keywords, start=1):
            rows.append(
                {
                    "jurisdiction": t.jurisdiction,
                    "inference_id": inf.id,
                    "inference_position": i_pos,
                    "code": inf.code,
                    "section_from": inf.sections.from_,
                    "section_to": inf.sections.to,
                    "keyword": keyword,
                    "keyword_position": k_pos,
                    "citations": refs,
                    "confidence": confidence,
                    "basis": f"rules/{loaded.name} {inf.id}: {refs} [{confidence}]",
                    "table_file": loaded.name,
                    "table_file_sha256": loaded.sha256,
                    "table_version": loaded.version,
                }
            )
    return rows


def compile_rulebook(
    programs: list[LoadedRules],
    options: CountyOptions,
    as_of: date,
    forecast: bool = False,
    code_inference: list[LoadedCodeInference] | None = None,
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """All programs' tables as polars frames (typed, deterministic order) and any warnings.

    forecast: the run is an explicit forecast (rules.programs.is_forecast).
    code_inference: the code inference tables (load_code_inference); none: no code is inferred."""
    merged: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    merged["condition_types"] = compile_condition_types()
    for table in code_inference or []:
        merged["code_inference"] += compile_code_inference(table)
    warnings: list[str] = check_options(programs, options)
    for loaded in programs:
        resolved = resolve_parameters(loaded, options)
        warnings += resolved.warnings
        compiled = compile_program(loaded, resolved, options.sha256, as_of, forecast)
        for table, rows in compiled.items():
            merged[table] += rows
    frames = {
        t: pl.DataFrame(merged[t], schema=schema, orient="row") for t, schema in TABLES.items()
    }
    return frames, warnings
