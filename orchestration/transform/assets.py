"""dbt models as Dagster assets: staging -> intermediate -> marts, one `dbt build`.

dbt tests become asset checks; `dbt build` skips everything downstream of a failing test,
and the step fails, so nothing after it (the exports) runs.

Each model's materialization carries its row count and the warehouse's column schema. They are
read after dbt has exited, from a read-only connection: DuckDB has a single writer, so nothing
may open the warehouse while dbt builds it (dagster-dbt's fetch_row_counts() would).
"""

import contextlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from dagster import AssetCheckSpec, AssetExecutionContext, AssetSpec, MetadataValue, Output
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from orchestration.catalog import OWNERS, table_metadata
from orchestration.console import report
from orchestration.lib import collector, spools
from orchestration.lib.settings import dbt_profile_warehouse, settings
from orchestration.resources import Warehouse
from orchestration.transform.in_process import (
    BUILD_ARGS,
    build_in_process,
    duckdb_catalog,
    parsed_manifest,
    stop,
)
from orchestration.transform.project import dbt_project

DECISION_TABLE_ID = "model.clean_slate.fct_decisions"


class LayerTranslator(DagsterDbtTranslator):
    """Group dbt assets by their folder (staging / intermediate / marts), seeds (curated
    reference data such as the statute formats) with the rules; owners by group; every dbt
    test a described asset check."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        if dbt_resource_props.get("resource_type") == "model" and len(fqn) > 2:
            return fqn[1]
        if dbt_resource_props.get("resource_type") == "seed":
            return "rules"
        return super().get_group_name(dbt_resource_props)

    def get_owners(self, dbt_resource_props: Mapping[str, Any]) -> Sequence[str] | None:
        # meta: {dagster: {owners: [...]}} on a model wins; else the owners of its layer
        return super().get_owners(dbt_resource_props) or OWNERS.get(
            self.get_group_name(dbt_resource_props) or ""
        )

    def get_asset_check_spec(
        self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str, project
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        text = describe_test(manifest["nodes"][unique_id])
        if spec.blocking:
            text += " Blocking: a failure stops the run."
        return spec._replace(description=text)


def describe_test(test: Mapping[str, Any]) -> str:
    """What a dbt test checks, in one line, for the check's description in the UI."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata") or {}
    if meta:  # a generic test: not_null, unique, accepted_values, not_null_columns, ...
        kwargs = meta.get("kwargs", {})
        column = test.get("column_name") or kwargs.get("column_name")
        columns = kwargs.get("columns") or []  # not_null_columns, unique_combination
        on = f" on column `{column}`" if column else ""
        if not column and columns:
            on = " on columns " + ", ".join(f"`{c}`" for c in columns)
        return f"dbt {meta.get('name', 'test')} test{on}."
    # a singular test: its leading SQL comment says what it asserts
    comment = []
    for line in (test.get("raw_code") or "").splitlines():
        stripped = line.strip()
        if stripped.startswith("--"):
            comment.append(stripped.lstrip("-").strip())
        elif comment or (stripped and not stripped.startswith("{")):  # skip {{ config }}, {# #}
            break
    text = re.sub(r"\s+", " ", " ".join(comment)).strip()
    return text or f"dbt test {test.get('name', '')}."


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=LayerTranslator(),
)
def warehouse_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: Warehouse):
    # dbt unit tests check the SQL, not the data: they run in `make test`
    # (tests/integration/test_prop64_pipeline.py), not in every production build (BUILD_ARGS).
    # No pseudonym key, no build (fct_decisions_pseudonymized would refuse it anyway): the step
    # fails naming CLEANSLATE_PSEUDONYM_KEY before dbt starts, so nothing downstream runs.
    settings().require_pseudonym_key()
    # On PostgreSQL / Spark (DBT_TARGET) dbt reads the sources there: copy them over first.
    manifest = json.loads(dbt_project.manifest_path.read_text())
    warehouse.publish_sources(manifest)
    # No dbt.log (BUILD_ARGS): dbt's file log, at debug level, repeated every event with every
    # statement's SQL, kept five times over in the target folder.
    args = list(BUILD_ARGS)
    # DuckDB's spill folder for the build, owner only (spools.private_dbt_spill)
    spill = (
        spools.private_dbt_spill(warehouse.file)
        if warehouse.engine == "duckdb"
        else contextlib.nullcontext()
    )
    with spill:
        parsed = _parsed_project(warehouse)
        if parsed is not None:  # in this process, on the parse `make manifest` made (in_process.py)
            invocation = build_in_process(
                dbt, parsed, args, context=context, target_path=_target_path(warehouse)
            )
        else:  # a `dbt` subprocess, which parses the project itself
            invocation = dbt.cli(
                args, context=context, raise_on_error=False, target_path=_target_path(warehouse)
            )
        context.log.info(f"dbt build {'in process' if parsed is not None else 'in a subprocess'}")
        # The stream ends when dbt has exited: only then may the warehouse be opened (one writer).
        nodes = sum(
            n["resource_type"] in ("model", "seed", "test", "snapshot")
            for n in manifest["nodes"].values()
        )
        events = []
        try:
            for done, event in enumerate(invocation.stream(), start=1):
                events.append(event)
                report(context, "nodes", f"{done} of {nodes} models and tests")
        except BaseException:
            stop(invocation)  # dbt in this process must not go on writing once the step has failed
            raise
    report(context, "nodes", f"{nodes} models and tests", force=True)
    collector.release()  # dbt in this process has ended: its garbage and free pages go back
    if invocation.get_error() is None:  # PostgreSQL / Spark: the models back into the run's file
        warehouse.fetch_models(invocation.get_artifact("manifest.json"))
    yield from _with_table_metadata(context, events, invocation.manifest, warehouse)
    error = invocation.get_error()
    if error is not None:  # a failing test or model fails the step: no export runs
        raise error


def _parsed_project(warehouse: Warehouse):
    """The project's current parse, for a build in this process; None for a subprocess: on
    PostgreSQL and Spark, when the parse is not current, or when dbt's profile would not name
    this warehouse's file (CLEANSLATE_WAREHOUSE relative or another file: a subprocess resolves
    it from the dbt project folder)."""
    profile_path = dbt_profile_warehouse()
    if warehouse.engine != "duckdb" or profile_path is None:
        return None
    if profile_path.resolve() != warehouse.file.resolve():
        return None
    return parsed_manifest(dbt_project.project_dir, duckdb_catalog(warehouse.file))


def _target_path(warehouse: Warehouse) -> Path:
    """dbt's target folder, one per warehouse file and kept between runs: dbt's partial parse
    state is only valid for one warehouse path (the path is part of the profile), so a fresh
    folder per run made dbt re-parse the whole project every time (~5 s of every run)."""
    folder = warehouse.file.parent / f".{warehouse.file.name}.dbt-target"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _with_table_metadata(
    context: AssetExecutionContext,
    events: list,
    manifest: Mapping[str, Any],
    warehouse: Warehouse,
) -> Iterator:
    """The events in dbt's order, each model's Output with its row count and column schema."""
    nodes = manifest["nodes"]
    unique_ids = {
        i: e.metadata["unique_id"].value
        for i, e in enumerate(events)
        if isinstance(e, Output) and "unique_id" in e.metadata
    }
    relations = {
        uid: (nodes[uid]["schema"], nodes[uid].get("alias") or nodes[uid]["name"])
        for uid in unique_ids.values()
        if nodes.get(uid, {}).get("resource_type") == "model"
    }
    descriptions = {
        uid: {c: v.get("description", "") for c, v in nodes[uid].get("columns", {}).items()}
        for uid in relations
    }
    try:
        meta = {uid: nodes[uid].get("config", {}).get("meta", {}) for uid in relations}
        on_demand = frozenset(uid for uid, m in meta.items() if m.get("on_demand"))
        tables = table_metadata(warehouse, relations, descriptions, on_demand=on_demand)
        if DECISION_TABLE_ID in tables:
            tables[DECISION_TABLE_ID].update(_decision_table_metadata(warehouse))
    except Exception as e:  # figures for the UI must never fail a run that succeeded
        context.log.warning(f"row counts and column schemas not recorded: {e}")
        tables = {}
    for i, event in enumerate(events):
        extra = tables.get(unique_ids.get(i, ""))
        yield event.with_metadata({**event.metadata, **extra}) if extra else event


def _decision_table_metadata(warehouse: Warehouse) -> dict[str, Any]:
    """Rules versions and decisions per law and determination (counts only)."""
    rows = warehouse.query(
        "select program, rules_version, determination, count(*) as n"
        " from main.fct_decisions group by all order by all"
    )
    versions: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    for r in rows.iter_rows(named=True):
        versions[r["program"]] = r["rules_version"]
        counts.setdefault(r["program"], {})[r["determination"]] = r["n"]
    return {
        "rules_versions": MetadataValue.json(versions),
        "decisions_by_determination": MetadataValue.json(counts),
    }
