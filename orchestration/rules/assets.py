"""The rulebook: rule files (rules/*.yaml) + the county's options -> rules.* tables for dbt."""

import sys
from datetime import date
from pathlib import Path

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetOut,
    Config,
    Failure,
    MetadataValue,
    Output,
    multi_asset,
)

from orchestration.catalog import (
    COLUMN_SCHEMA,
    OWNERS,
    ROW_COUNT,
    code_version,
    polars_schema,
    rulebook_hash,
)
from orchestration.lib.settings import default_as_of, rules_dir
from orchestration.resources import Warehouse
from orchestration.rules import as_of as _as_of
from orchestration.rules import compile as _compile
from orchestration.rules import conditions as _conditions
from orchestration.rules import load as _load
from orchestration.rules import options as _options
from orchestration.rules import schema as _schema
from orchestration.rules.as_of import AsOfError, check_as_of
from orchestration.rules.compile import TABLES, compile_rulebook
from orchestration.rules.load import RuleFileError, load_code_inference, load_rules_dir
from orchestration.rules.options import CountyOptions, read_options_file

# the code that reads, validates and compiles the rule files (their text is the rules_version)
RULEBOOK_CODE_VERSION = code_version(
    sys.modules[__name__],
    _load,
    _schema,
    _options,
    _compile,
    _as_of,
    _conditions,
    *_conditions.MODULES,
)
TABLE_DESCRIPTIONS = {
    "programs": "One row per law: rules_version, effective dates, the run's as_of_date and"
    " whether the run is a forecast.",
    "citations": "Statute and policy citations of each law.",
    "parameters": "Effective policy parameters (rule-file default or county options file).",
    "rules": "Ordered rules of each law; rule_order 0 is the scope.",
    "conditions": "Conditions of each rule, with literal arguments.",
    "condition_types": "The condition catalog (orchestration/rules/conditions): every condition"
    " type a rule file may use, whether it is a time condition, its SQL evaluator, what it means.",
    "code_set_members": "Canonical statutes of each named code set.",
    "code_inference": "The code of a charge text with a section but no code abbreviation, where"
    " the section and a description keyword settle it (rules/<jurisdiction>/code_inference.yaml).",
}


class RulebookConfig(Config):
    """as_of: the date eligibility is decided at (YYYY-MM-DD); never today's date implicitly.
    options_file: a county's eligibility-options JSON (the earlier Prop 64 tool's format).
    forecast: as_of is after today on purpose; the exports then write no court documents
    (without it a date after today fails the run)."""

    as_of: str = default_as_of()
    options_file: str | None = None
    forecast: bool = False


@multi_asset(
    outs={
        name: AssetOut(
            key=AssetKey(["rules", name]),
            description=TABLE_DESCRIPTIONS[name],
            group_name="rules",
            kinds={"yaml", "duckdb"},
            owners=OWNERS["rules"],
            code_version=RULEBOOK_CODE_VERSION,
            metadata={COLUMN_SCHEMA: polars_schema(TABLES[name])},
        )
        for name in TABLES
    },
)
def rulebook(context: AssetExecutionContext, config: RulebookConfig, warehouse: Warehouse):
    """Validate rules/*.yaml, apply the county's options, write the rules.* tables."""
    as_of = date.fromisoformat(config.as_of)
    programs = load_rules_dir(rules_dir())
    # the checks `cleanslate run` makes before it starts, for runs from the UI or the service
    try:
        notes = check_as_of(programs, as_of, config.forecast)
        options = (
            read_options_file(Path(config.options_file))
            if config.options_file
            else CountyOptions.empty()
        )
        code_inference = load_code_inference(rules_dir())
        frames, warnings = compile_rulebook(
            programs, options, as_of, forecast=config.forecast, code_inference=code_inference
        )
    except (AsOfError, RuleFileError) as e:
        raise Failure(description=str(e)) from None
    for note in notes:
        context.log.info(note)
    if config.forecast:
        context.log.info(f"Forecast as of {as_of}: no court documents will be written")
    for w in warnings:
        context.log.warning(w)
    with warehouse.replacing() as tables:
        for name, frame in frames.items():
            tables.write("rules", name, frame)
    # one hash for the whole rulebook (every rule file and the options file), on every table
    rulebook_sha = rulebook_hash(
        [p.sha256 for p in programs] + [t.sha256 for t in code_inference] + [options.sha256 or ""]
    )
    for name, frame in frames.items():
        metadata = {"rows": frame.height, ROW_COUNT: frame.height, "rulebook_hash": rulebook_sha}
        if name == "programs":
            metadata.update(
                as_of=config.as_of,
                forecast=config.forecast,
                rules_versions=", ".join(p.rules_version for p in programs),
                rule_files=MetadataValue.json(
                    {p.rules.program: {"file": p.path.name, "sha256": p.sha256} for p in programs}
                ),
                options_sha256=options.sha256 or "none (rule-file defaults)",
            )
        if name == "code_inference":
            metadata.update(
                code_inference_files=MetadataValue.json(
                    {t.name: {"sha256": t.sha256, "version": t.version} for t in code_inference}
                )
            )
        yield Output(None, output_name=name, metadata=metadata)
