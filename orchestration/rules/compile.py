"""Compile validated rule files plus county parameters into the `rules.*` warehouse tables.

Parameters are resolved here, so the SQL sees only literal arguments: a rule switched off by
policy is kept with enabled = false (auditors see it), a `section_in` list becomes a generated
code set, and `{param}` placeholders in reasons are filled in. `{section}` stays for SQL.
"""

import json
from datetime import date
from typing import Any

import polars as pl

from orchestration.rules.load import LoadedRules
from orchestration.rules.options import CountyOptions, ResolvedParameters, resolve_parameters
from orchestration.rules.schema import ParamRef, RuleFile, SectionIn

# Table name -> polars schema. The dbt sources in models/staging/rules read these.
TABLES: dict[str, dict[str, Any]] = {
    "programs": {
        "program_id": pl.String,
        "jurisdiction": pl.String,
        "title": pl.String,
        "law_version": pl.Date,
        "effective_from": pl.Date,
        "effective_to": pl.Date,
        "rules_version": pl.String,
        "rule_file": pl.String,
        "rule_file_sha256": pl.String,
        "options_file_sha256": pl.String,
        "as_of_date": pl.Date,
        "is_in_effect": pl.Boolean,
    },
    "citations": {
        "program_id": pl.String,
        "citation_id": pl.String,
        "ref": pl.String,
        "url": pl.String,
        "confidence": pl.String,
    },
    "parameters": {
        "program_id": pl.String,
        "name": pl.String,
        "value_json": pl.String,
        "source": pl.String,
        "options_key": pl.String,
    },
    "rules": {
        "program_id": pl.String,
        "rule_id": pl.String,
        "rule_order": pl.Int32,
        "kind": pl.String,
        "outcome": pl.String,
        "relief": pl.String,
        "reason": pl.String,
        "citation_ids": pl.String,
        "citations": pl.String,
        "on_unknown": pl.String,
        "is_enabled": pl.Boolean,
    },
    "conditions": {
        "program_id": pl.String,
        "rule_id": pl.String,
        "condition_seq": pl.Int32,
        "condition_type": pl.String,
        "code_set": pl.String,
        "levels": pl.String,
        "date_value": pl.Date,
        "years": pl.Int32,
        "must_precede": pl.Boolean,
        "same_section": pl.Boolean,
        "min_count": pl.Int32,
        "registration": pl.String,
        "description": pl.String,
    },
    "code_set_members": {
        "program_id": pl.String,
        "code_set": pl.String,
        "statute": pl.String,
        "match_mode": pl.String,
        "attempt": pl.String,
        "with_enhancement": pl.String,
    },
}

SCOPE_RULE_ID = "scope"


def _value(v: Any, params: dict[str, Any]) -> Any:
    return params[v.param] if isinstance(v, ParamRef) else v


def _fill(text: str, params: dict[str, Any]) -> str:
    for name, value in params.items():
        shown = ", ".join(value) if isinstance(value, list) else str(value)
        text = text.replace("{" + name + "}", shown)
    return text


def compile_program(
    loaded: LoadedRules, resolved: ResolvedParameters, options_sha256: str | None, as_of: date
) -> dict[str, list[dict[str, Any]]]:
    rf: RuleFile = loaded.rules
    p = resolved.values
    pid = rf.program
    in_effect = rf.effective.from_ <= as_of and (rf.effective.to is None or as_of < rf.effective.to)
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    out["programs"].append(
        {
            "program_id": pid,
            "jurisdiction": rf.jurisdiction,
            "title": rf.title,
            "law_version": rf.law_version,
            "effective_from": rf.effective.from_,
            "effective_to": rf.effective.to,
            "rules_version": loaded.rules_version,
            "rule_file": loaded.path.name,
            "rule_file_sha256": loaded.sha256,
            "options_file_sha256": options_sha256,
            "as_of_date": as_of,
            "is_in_effect": in_effect,
        }
    )
    cites = {c.id: c for c in rf.citations}
    for c in rf.citations:
        out["citations"].append(
            {
                "program_id": pid,
                "citation_id": c.id,
                "ref": c.ref,
                "url": c.url,
                "confidence": c.confidence,
            }
        )
    for name, param in rf.parameters.items():
        out["parameters"].append(
            {
                "program_id": pid,
                "name": name,
                "value_json": json.dumps(p[name]),
                "source": resolved.sources[name],
                "options_key": param.options_key,
            }
        )
    for set_name, members in rf.code_sets.items():
        for m in members:
            out["code_set_members"].append(
                {
                    "program_id": pid,
                    "code_set": set_name,
                    "statute": m.statute,
                    "match_mode": m.match,
                    "attempt": m.attempt,
                    "with_enhancement": m.with_enhancement,
                }
            )

    def add_conditions(rule_id: str, conditions: list[Any]) -> None:
        for seq, c in enumerate(conditions, start=1):
            row: dict[str, Any] = dict.fromkeys(TABLES["conditions"])
            row.update(program_id=pid, rule_id=rule_id, condition_seq=seq, condition_type=c.type)
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
                    out["code_set_members"].append(
                        {
                            "program_id": pid,
                            "code_set": set_name,
                            "statute": f"{c.code}:{s}",
                            "match_mode": "prefix",
                            "attempt": "include",
                            "with_enhancement": None,
                        }
                    )
                row.update(
                    condition_type="statute_in_set",
                    code_set=set_name,
                    description=f"section in {', '.join(sections) or '(none)'}",
                )
            else:
                for key, v in c.__dict__.items():
                    if key == "type":
                        continue
                    v = _value(v, p)
                    if key == "levels":
                        v = ",".join(v)
                    elif key == "date":
                        key = "date_value"
                    row[key] = v
                row["description"] = _describe(c.type, row)
            out["conditions"].append(row)

    add_conditions(SCOPE_RULE_ID, rf.scope)
    out["rules"].append(
        {
            "program_id": pid,
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
        }
    )
    for order, r in enumerate(rf.rules, start=1):
        enabled = _value(r.enabled, p)
        out["rules"].append(
            {
                "program_id": pid,
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
            }
        )
        add_conditions(r.id, r.when)
    return out


def _describe(kind: str, row: dict[str, Any]) -> str:
    """One line an auditor can read, stored next to each condition."""
    prec = "earlier " if row.get("must_precede") else ""
    match kind:
        case "statute_in_set":
            return f"statute in {row['code_set']}"
        case "level_in":
            return f"level in {row['levels']}"
        case "date_after":
            return f"conviction date after {row['date_value']}"
        case "has_other_conviction":
            same = " of the same section" if row.get("same_section") else ""
            return f"at least {row['min_count']} {prec}conviction(s){same} in {row['code_set']}"
        case "has_registration":
            return f"{prec}{row['registration']} registration event"
        case "age_at_offense_lt":
            return f"under {row['years']} at the offense"
        case "age_at_as_of_ge":
            return f"aged {row['years']} or older on the as-of date"
        case "years_since_conviction_ge":
            return f"conviction at least {row['years']} years before the as-of date"
        case "no_conviction_within_years":
            return f"no conviction in the {row['years']} years before the as-of date"
        case "all_convictions_in_set":
            return f"every conviction in {row['code_set']}"
        case "subject_deceased":
            return "person is deceased"
    return kind


def compile_rulebook(
    programs: list[LoadedRules], options: CountyOptions, as_of: date
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """All programs' tables as polars frames (typed, deterministic order) and any warnings."""
    merged: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    warnings: list[str] = []
    for loaded in programs:
        resolved = resolve_parameters(loaded, options)
        warnings += resolved.warnings
        for table, rows in compile_program(loaded, resolved, options.sha256, as_of).items():
            merged[table] += rows
    frames = {
        t: pl.DataFrame(merged[t], schema=schema, orient="row") for t, schema in TABLES.items()
    }
    return frames, warnings
