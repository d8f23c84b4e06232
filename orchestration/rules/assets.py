"""The rulebook: rule files (rules/*.yaml) + the county's options -> rules.* tables for dbt."""

from datetime import date
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, AssetOut, Config, Output, multi_asset

from orchestration.resources import Warehouse
from orchestration.rules.compile import TABLES, compile_rulebook
from orchestration.rules.load import load_rules_dir
from orchestration.rules.options import CountyOptions, read_options_file
from orchestration.settings import default_as_of, rules_dir

TABLE_DESCRIPTIONS = {
    "programs": "One row per law: rules_version, effective dates and the run's as_of_date.",
    "citations": "Statute and policy citations of each law.",
    "parameters": "Effective policy parameters (rule-file default or county options file).",
    "rules": "Ordered rules of each law; rule_order 0 is the scope.",
    "conditions": "Conditions of each rule, with literal arguments.",
    "code_set_members": "Canonical statutes of each named code set.",
}


class RulebookConfig(Config):
    """as_of: the date eligibility is decided at (YYYY-MM-DD); never today's date implicitly.
    options_file: a county's eligibility-options JSON (the earlier Prop 64 tool's format)."""

    as_of: str = default_as_of()
    options_file: str | None = None


@multi_asset(
    outs={
        name: AssetOut(
            key=AssetKey(["rules", name]),
            description=TABLE_DESCRIPTIONS[name],
            group_name="rules",
            kinds={"yaml", "duckdb"},
        )
        for name in TABLES
    },
)
def rulebook(context: AssetExecutionContext, config: RulebookConfig, warehouse: Warehouse):
    """Validate rules/*.yaml, apply the county's options, write the rules.* tables."""
    as_of = date.fromisoformat(config.as_of)
    programs = load_rules_dir(rules_dir())
    options = (
        read_options_file(Path(config.options_file))
        if config.options_file
        else CountyOptions.empty()
    )
    frames, warnings = compile_rulebook(programs, options, as_of)
    for w in warnings:
        context.log.warning(w)
    with warehouse.replacing() as tables:
        for name, frame in frames.items():
            tables.write("rules", name, frame)
    for name, frame in frames.items():
        metadata = {"rows": frame.height}
        if name == "programs":
            metadata.update(
                as_of=config.as_of,
                rules_versions=", ".join(p.rules_version for p in programs),
                options_sha256=options.sha256 or "none (rule-file defaults)",
            )
        yield Output(None, output_name=name, metadata=metadata)
