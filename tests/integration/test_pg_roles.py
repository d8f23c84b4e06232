"""Roles and access in PostgreSQL, tested by connecting as each role.

A run of the hand-written extract builds the warehouse on PostgreSQL (DBT_TARGET=pg); the grants
are the ones dbt manages (dbt_project.yml `grants`, macros/engines.sql), on the roles and
schemas of scripts/postgres_roles.sql:
  loader       writes raw and rules, reads nothing dbt built
  transformer  reads raw and rules, builds (owns) staging, intermediate, marts, analytics
  analyst      reads the pseudonymous marts (analytics) only: fct_decisions_pseudonymized and,
               for this release, mart_decisions, its deprecated view
  auditor      reads the decisions (fct_decisions and, for this release, its deprecated view
               fct_conviction_eligibility; fct_decision_criteria) and their lineage; writes nothing
"""

import psycopg2
import pytest
from psycopg2 import errors
from typer.testing import CliRunner

from orchestration.cli import app
from orchestration.engines import PostgresSettings
from tests.integration.test_prop64_pipeline import _write_inputs

pytestmark = [pytest.mark.integration, pytest.mark.engines]

DECISIONS = "marts.fct_decisions"
DECISIONS_OLD = "marts.fct_conviction_eligibility"  # its deprecated view, this release only
CRITERIA = "marts.fct_decision_criteria"
PSEUDONYMOUS = "analytics.fct_decisions_pseudonymized"
PSEUDONYMOUS_OLD = "analytics.mart_decisions"  # its deprecated view, this release only
STAGED = "raw.doj_extract"
RULES = "rules.programs"
STAGING_VIEW = "staging.stg_doj__events"
INTERMEDIATE = "intermediate.int_charges_assembled"


@pytest.fixture(scope="module")
def warehouse_on_pg(tmp_path_factory, postgres_server):
    tmp = tmp_path_factory.mktemp("pg_roles")
    mp = pytest.MonkeyPatch()
    mp.setenv("DBT_TARGET", "pg")
    try:
        args = ["run", "--as-of", "2025-07-01", "--warehouse", str(tmp / "wh.duckdb")]
        args += ["--out", str(tmp / "out")]
        for e in _write_inputs(tmp):
            args += ["--extract", str(e)]
        result = CliRunner().invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    finally:
        mp.undo()
    return PostgresSettings.from_env()


def _can(settings: PostgresSettings, role: str, sql: str) -> bool:
    """Run one statement as the role (rolled back); False when PostgreSQL refuses it."""
    con = psycopg2.connect(**settings.connect_args(role))
    try:
        with con.cursor() as cur:
            cur.execute(sql)
        return True
    except errors.InsufficientPrivilege:
        return False
    finally:
        con.rollback()
        con.close()


def _select(table: str) -> str:
    return f"select count(*) from {table}"


def test_every_role_logs_in_with_its_password(warehouse_on_pg):
    for role in ("loader", "transformer", "analyst", "auditor"):
        assert _can(warehouse_on_pg, role, "select current_user")
    bad = {**warehouse_on_pg.connect_args("analyst"), "password": "wrong"}
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(**bad)


def test_the_loader_writes_raw_and_rules_only(warehouse_on_pg):
    s = warehouse_on_pg
    assert _can(s, "loader", f"insert into {STAGED} (source_file, source_line) values ('x', 1)")
    assert _can(s, "loader", "create table raw.loader_probe (x int)")
    assert _can(s, "loader", f"delete from {RULES}")
    for table in (
        DECISIONS,
        DECISIONS_OLD,
        PSEUDONYMOUS,
        PSEUDONYMOUS_OLD,
        STAGING_VIEW,
        INTERMEDIATE,
    ):
        assert not _can(s, "loader", _select(table)), table
    assert not _can(s, "loader", "create table marts.loader_probe (x int)")
    assert not _can(s, "loader", "create schema loader_probe")


def test_the_transformer_reads_the_landing_and_owns_the_layers(warehouse_on_pg):
    s = warehouse_on_pg
    for table in (STAGED, RULES, STAGING_VIEW, INTERMEDIATE, DECISIONS, PSEUDONYMOUS):
        assert _can(s, "transformer", _select(table)), table
    assert _can(s, "transformer", _select(PSEUDONYMOUS_OLD))
    for schema in ("staging", "intermediate", "marts", "analytics"):
        assert _can(s, "transformer", f"create table {schema}.transformer_probe (x int)")
    # the landing belongs to the loader: dbt reads it, never changes it
    assert not _can(s, "transformer", f"delete from {STAGED}")
    assert not _can(s, "transformer", "create table raw.transformer_probe (x int)")


def test_the_analyst_reads_the_pseudonymous_marts_only(warehouse_on_pg):
    s = warehouse_on_pg
    assert _can(s, "analyst", _select(PSEUDONYMOUS))
    assert _can(s, "analyst", _select(PSEUDONYMOUS_OLD))  # the old name, until it is removed
    for table in (DECISIONS, DECISIONS_OLD, CRITERIA, STAGED, RULES, STAGING_VIEW, INTERMEDIATE):
        assert not _can(s, "analyst", _select(table)), table
    assert not _can(s, "analyst", f"delete from {PSEUDONYMOUS}")
    assert not _can(s, "analyst", "create table analytics.analyst_probe (x int)")


def test_the_auditor_reads_decisions_and_lineage_and_writes_nothing(warehouse_on_pg):
    s = warehouse_on_pg
    assert _can(s, "auditor", _select(DECISIONS))
    assert _can(s, "auditor", _select(DECISIONS_OLD))  # the old name, until it is removed
    assert _can(s, "auditor", _select(CRITERIA))
    lineage = _lineage_relation(s)
    if lineage:
        assert _can(s, "auditor", _select(lineage))
    for table in (STAGED, RULES, STAGING_VIEW, INTERMEDIATE, PSEUDONYMOUS, PSEUDONYMOUS_OLD):
        assert not _can(s, "auditor", _select(table)), table
    assert not _can(s, "auditor", f"delete from {DECISIONS}")
    assert not _can(s, "auditor", "create table marts.auditor_probe (x int)")


def _lineage_relation(settings: PostgresSettings) -> str | None:
    """The decision-lineage model, where dbt put it (when the project has one)."""
    con = psycopg2.connect(**settings.connect_args("transformer"))
    try:
        with con.cursor() as cur:
            cur.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_name = 'fct_decision_lineage'"
            )
            row = cur.fetchone()
    finally:
        con.close()
    return row[0] if row else None
