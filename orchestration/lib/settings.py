"""Every environment variable the project reads, typed, in one place (`Settings`).

`settings()` returns the values in effect. It re-reads the environment whenever one of the
variables has changed (the CLI sets CLEANSLATE_WAREHOUSE, tests monkeypatch them), so calling
it often costs nothing and never returns a stale value. A value of the wrong type stops with
`SettingsError`, one line per variable, naming it.

The variables only dbt reads (profiles.yml, dbt_project.yml, macros/engines.sql) have a field
too: the field documents and validates them, and dbt keeps reading the environment. No file is
read: `.env.example` is a template for the real environment (systemd `EnvironmentFile=`,
`docker run --env-file`, `set -a; . ./.env`). It is generated from this module, and a unit test
fails when it is stale:

    python -m orchestration.lib.settings --env-example    # rewrite .env.example
    python -m orchestration.lib.settings --check          # exit 1 when .env.example is stale
    python -m orchestration.lib.settings                  # the values in effect (secrets hidden)

CLEANSLATE_PSEUDONYM_KEY has no default: `cleanslate run`, the service and the dbt step refuse
to run without it (`require_pseudonym_key`). `make demo` and the tests set a demo key.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
ENV_EXAMPLE = PROJECT_ROOT / ".env.example"

# The run gates' default (orchestration/quality/gates.py): the largest share of an input's
# conviction records whose offense text may read to no statute. `--max-unread-share` per run.
DEFAULT_MAX_UNREAD_SHARE = 0.05

PREFIX = "CLEANSLATE_"
PSEUDONYM_KEY_VAR = "CLEANSLATE_PSEUDONYM_KEY"


class SettingsError(ValueError):
    """A variable with a value of the wrong type, or a required one missing (names it)."""


def _in_checkout(p: Path) -> Path:
    return p if p.is_absolute() else PROJECT_ROOT / p


# A path; a relative one is relative to the checkout (not to the working directory).
ProjectPath = Annotated[Path, AfterValidator(_in_checkout)]
Port = Annotated[int, Field(ge=1, le=65535)]


def _comma_ints(value: Any) -> Any:
    """BENCH_SIZES="100,100000": comma-separated integers (not JSON)."""
    if isinstance(value, str):
        try:
            return [int(s) for s in value.replace(" ", "").split(",") if s]
        except ValueError:
            raise ValueError("comma-separated whole numbers expected, e.g. 100,100000") from None
    return value


IntList = Annotated[list[int], NoDecode]


# ---------------------------------------------------------------------------- the groups
# Each group's docstring heads its section of .env.example; the field order is the file's.


class _Paths(BaseModel):
    """Paths: the warehouse, the inputs, the outputs (relative to the checkout)."""

    warehouse: ProjectPath = Field(
        Path("data/warehouse.duckdb"),
        description="DuckDB file of the runs (dbt's profile reads it; `cleanslate run"
        " --warehouse` sets it).",
    )
    landing: ProjectPath = Field(
        Path("data/landing"),
        description="Where extracts are dropped: UI runs' default input, the landing sensor's"
        " folder.",
    )
    exports: ProjectPath = Field(
        Path("data/exports"), description="Clearance files (`cleanslate run --out` overrides)."
    )
    rules: ProjectPath = Field(
        Path("rules"), description="Rule files, one folder per law (`--rules` overrides)."
    )
    presentation: ProjectPath = Field(
        Path("presentation"),
        description="Court documents' presentation profiles: one per state, county overrides"
        " beside them (docs/court-documents.md).",
    )
    archive: ProjectPath | None = Field(
        None,
        description="Delivered extracts, archived by the landing sensor (default"
        " <landing>/.deliveries: keep it on the landing folder's file system).",
    )


class _Run(BaseModel):
    """Runs: the decisions, the dbt step, the exports."""

    pseudonym_key: SecretStr | None = Field(
        None,
        description="REQUIRED, no default: secret key of the analysts' keyed pseudonyms"
        " (fct_decisions_pseudonymized); the same key keeps the pseudonyms stable.",
    )
    as_of: date = Field(
        date(2025, 7, 1),
        description="As-of date of runs launched from the Dagster UI (`cleanslate run` always"
        " takes --as-of).",
    )
    dbt_target: Literal["dev", "pg", "spark", "spark_thrift"] = Field(
        "dev",
        validation_alias="DBT_TARGET",
        description="Engine of the dbt models: dev (DuckDB), pg, spark (local), spark_thrift"
        " (a cluster); docs/engines.md.",
    )
    duckdb_memory: str = Field(
        "2GB",
        description="DuckDB memory limit of dbt's build (past it DuckDB spills to disk).",
    )
    duckdb_step_memory: str = Field(
        "1GB",
        description="DuckDB memory limit of every other warehouse connection: ingest, checks,"
        " exports (each worker process its own), audit. They stream; a larger limit only"
        " keeps more of the file cached in each process.",
    )
    dbt_threads: PositiveInt = Field(
        2,
        description="dbt threads on DuckDB (target dev): models built side by side, sharing"
        " CLEANSLATE_DUCKDB_MEMORY (more than the cores only adds memory: at 10M rows four"
        " ran out of a 3 GB limit).",
    )
    export_workers: PositiveInt | None = Field(
        None,
        description="Processes writing the county documents (default: one per core from"
        " 50,000 decisions, else 1).",
    )
    view_count_seconds: NonNegativeFloat = Field(
        2.0,
        description="Time budget for counting the rows of views for the Dagster UI (a view's"
        " count runs its query: at statewide size the views show their schema alone).",
    )
    git_revision: str = Field(
        "unknown",
        description="Code revision recorded with runs where there is no .git (the image"
        " stamps it).",
    )


class _Postgres(BaseModel):
    """PostgreSQL warehouse (DBT_TARGET=pg; `scripts/postgres.sh env` prints these)."""

    pg_host: str = Field("127.0.0.1", description="The warehouse server.")
    pg_port: Port = Field(
        5432,
        description="Its port (scripts/postgres.sh start: a free port the OS picks when unset).",
    )
    pg_database: str = Field("cleanslate", description="The warehouse database.")
    pg_sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = (
        Field("prefer", description="libpq sslmode of every connection.")
    )
    pg_loader_user: str = Field("cleanslate_loader", description="Writes raw.*, rules.*.")
    pg_loader_password: SecretStr = Field(SecretStr(""), description="The loader's password.")
    pg_transformer_user: str = Field(
        "cleanslate_transformer", description="Runs dbt, reads the models back."
    )
    pg_transformer_password: SecretStr = Field(
        SecretStr(""), description="The transformer's password."
    )
    pg_analyst_user: str = Field(
        "cleanslate_analyst", description="Reads the pseudonymous marts (tests, analysts)."
    )
    pg_analyst_password: SecretStr = Field(SecretStr(""), description="The analyst's password.")
    pg_auditor_user: str = Field(
        "cleanslate_auditor", description="Reads the decisions and their lineage."
    )
    pg_auditor_password: SecretStr = Field(SecretStr(""), description="The auditor's password.")
    pg_analyst_role: str = Field(
        "cleanslate_analyst", description="Role dbt grants the pseudonymous marts (analytics)."
    )
    pg_auditor_role: str = Field(
        "cleanslate_auditor", description="Role dbt grants the decisions and the audit models."
    )
    pg_dir: Path | None = Field(
        None,
        description="scripts/postgres.sh: its throwaway server's folder (default"
        " ${TMPDIR:-/tmp}/cleanslate-pg).",
    )
    pg_password: SecretStr = Field(
        SecretStr("cleanslate-local"),
        description="scripts/postgres.sh: the throwaway server's role passwords.",
    )


class _Spark(BaseModel):
    """Spark (DBT_TARGET=spark: a local session; spark_thrift: a cluster's Thrift server)."""

    spark_dir: ProjectPath = Field(
        Path("data/spark"), description="Warehouse folder and Derby metastore of the session."
    )
    spark_landing: str | None = Field(
        None,
        description="Parquet of raw.*, rules.* for dbt (default <CLEANSLATE_SPARK_DIR>/landing;"
        " the cluster must read it).",
    )
    spark_cores: PositiveInt = Field(2, description="local[N] of the session.")
    spark_driver_memory: str = Field("1g", description="spark.driver.memory of the session.")
    spark_host: str = Field("localhost", description="spark_thrift: the Thrift server.")
    spark_port: Port = Field(10000, description="spark_thrift: its port.")
    spark_user: str = Field("cleanslate_transformer", description="spark_thrift: the user.")


class _Service(BaseModel):
    """The service (make serve, the image, Helm; docs/deployment.md). Secrets: the real env."""

    service: bool = Field(
        False,
        description="1: the landing sensor, the monthly schedule and the alert sensor run by"
        " default (make serve, the image).",
    )
    host: str = Field("127.0.0.1", description="Address the UI binds (the image: 0.0.0.0).")
    port: Port = Field(3000, description="Port of the UI.")
    options: Path | None = Field(
        None, description="County eligibility-options JSON for service runs."
    )
    timezone: str = Field(
        "America/Los_Angeles", description="Zone of delivery dates and of the monthly schedule."
    )
    statewide_cron: str = Field("0 2 1 * *", description="The statewide run's schedule.")
    landing_interval: PositiveInt = Field(30, description="Seconds between landing sensor ticks.")
    max_retries: NonNegativeInt = Field(2, description="Run retries of the service jobs.")
    dagster_home: Path | None = Field(
        None,
        validation_alias="DAGSTER_HOME",
        description="Dagster's instance folder (default .dagster_home; make serve:"
        " .dagster_serve).",
    )
    dagster_pg_host: str | None = Field(
        None,
        validation_alias="DAGSTER_PG_HOST",
        description="Dagster's PostgreSQL (runs, event logs, schedules): required by serve.",
    )
    dagster_pg_port: Port = Field(5432, validation_alias="DAGSTER_PG_PORT", description="Its port.")
    dagster_pg_user: str | None = Field(
        None, validation_alias="DAGSTER_PG_USER", description="Its user: required by serve."
    )
    dagster_pg_password: SecretStr = Field(
        SecretStr(""), validation_alias="DAGSTER_PG_PASSWORD", description="Its password."
    )
    dagster_pg_db: str | None = Field(
        None, validation_alias="DAGSTER_PG_DB", description="Its database: required by serve."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name)") from None
        return value


class _Alerts(BaseModel):
    """Failure alerts of the service (docs/deployment.md, retries and failure alerts)."""

    alert_log: Path | None = Field(
        None, description="JSON-lines alert log (default $DAGSTER_HOME/alerts.jsonl)."
    )
    alert_webhook: SecretStr | None = Field(
        None, description='Failed runs: POST {"text": ...} here (Slack / Teams webhooks).'
    )
    alert_email_to: str | None = Field(
        None, description="Failed runs: comma-separated recipients (with CLEANSLATE_SMTP_HOST)."
    )
    alert_email_from: str | None = Field(
        None, description="Sender (default CLEANSLATE_SMTP_USER, else cleanslate@localhost)."
    )
    alert_every_attempt: bool = Field(False, description="1: alert retried attempts too.")
    ui_url: str = Field("", description="The UI's address, for a link to the run in alerts.")
    smtp_host: str | None = Field(None, description="Mail server of the email alerts.")
    smtp_port: Port | None = Field(None, description="Its port (default 587; 465 with SSL).")
    smtp_user: str | None = Field(None, description="Login (none: no login).")
    smtp_password: SecretStr | None = Field(None, description="Its password.")
    smtp_ssl: bool = Field(False, description="1: SMTP over SSL (else STARTTLS when offered).")


class _Tools(BaseModel):
    """Tools and tests."""

    chromium: Path = Field(
        Path("/usr/bin/chromium"), description="Headless Chromium for make ui-images and tests."
    )
    screenshots: Path | None = Field(
        None, description="Browser test: keep its screenshots here (default a temporary folder)."
    )
    require_browser: bool = Field(
        False, description="1: the browser test fails without Chromium (as under CI)."
    )
    reliability_log: Path | None = Field(
        None, description="make reliability: the reliability tests' JSON-lines figures."
    )


class _Bench(BaseModel):
    """Benchmarks (make bench, make bench-dbt; docs/benchmarks.md)."""

    bench_sizes: IntList = Field(
        [100, 100_000, 1_000_000],
        validation_alias="BENCH_SIZES",
        description="make bench: extract sizes in rows, comma-separated.",
    )
    bench_dbt_sizes: IntList = Field(
        [1_000_000],
        validation_alias="BENCH_DBT_SIZES",
        description="make bench-dbt: sizes of the dbt step alone.",
    )
    bench_large: bool = Field(
        False, validation_alias="BENCH_LARGE", description="1: add 10,000,000 rows."
    )
    bench_repeats: PositiveInt = Field(
        3, validation_alias="BENCH_REPEATS", description="Runs per size."
    )
    bench_profile: bool = Field(
        False, validation_alias="BENCH_PROFILE", description="1: a py-spy profile per size."
    )
    bench_dir: ProjectPath = Field(
        Path("data/bench"),
        validation_alias="BENCH_DIR",
        description="Extracts, warehouses and figures of the benchmarks.",
    )

    @field_validator("bench_sizes", "bench_dbt_sizes", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _comma_ints(value)


GROUPS: tuple[type[BaseModel], ...] = (
    _Paths,
    _Run,
    _Postgres,
    _Spark,
    _Service,
    _Alerts,
    _Tools,
    _Bench,
)
# required for a run, with no default (None = not set)
REQUIRED_FOR_RUNS = ("pseudonym_key",)


class Settings(_Paths, _Run, _Postgres, _Spark, _Service, _Alerts, _Tools, _Bench, BaseSettings):
    """Every variable: CLEANSLATE_<FIELD> unless the field names another (DBT_TARGET, DAGSTER_*,
    BENCH_*). An empty variable counts as unset."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX,
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    def require_pseudonym_key(self) -> str:
        """The pseudonym key, or SettingsError naming CLEANSLATE_PSEUDONYM_KEY."""
        if self.pseudonym_key is None or not self.pseudonym_key.get_secret_value().strip():
            raise SettingsError(
                f"{PSEUDONYM_KEY_VAR} is not set: a run needs the secret key of the analysts'"
                " pseudonyms (fct_decisions_pseudonymized). It has no default; set it in the"
                " environment, the same key for every run (`make demo` and the tests set a"
                " demo key)."
            )
        return self.pseudonym_key.get_secret_value()

    @field_validator("pseudonym_key")
    @classmethod
    def _sql_safe_key(cls, value: SecretStr | None) -> SecretStr | None:
        # dbt writes the key into SQL between single quotes, and the engines escape differently
        if value is not None and any(c in value.get_secret_value() for c in "'\\"):
            raise ValueError("quotes and backslashes are not allowed in the key")
        return value

    @property
    def archive_dir(self) -> Path:
        return self.archive or self.landing / ".deliveries"

    @property
    def alert_recipients(self) -> list[str]:
        return [a.strip() for a in (self.alert_email_to or "").split(",") if a.strip()]


# ---------------------------------------------------------------------------- names


def env_name(field: str) -> str:
    """The environment variable of a Settings field."""
    info = Settings.model_fields[field]
    alias = info.validation_alias
    return alias if isinstance(alias, str) else PREFIX + field.upper()


def env_names() -> dict[str, str]:
    """Field -> variable, in the order of .env.example."""
    return {f: env_name(f) for group in GROUPS for f in group.model_fields}


ENV_NAMES = frozenset(env_names().values())
_SECRET_FIELDS = frozenset(
    f
    for f, info in Settings.model_fields.items()
    if info.annotation is SecretStr or SecretStr in get_args(info.annotation)
)


def _describe(error: ValidationError) -> str:
    names = env_names()
    by_name = {**names, **{v: v for v in ENV_NAMES}}  # errors name a field, or its alias
    fields = {v: f for f, v in names.items()}
    order = list(names.values())
    found = []
    for e in error.errors():
        key = str(e["loc"][0]) if e["loc"] else ""
        var = by_name.get(key, key)
        shown = "" if fields.get(var) in _SECRET_FIELDS else f"={e.get('input')!r}"
        message = e["msg"].removeprefix("Value error, ")
        found.append((order.index(var) if var in order else len(order), f"{var}{shown}: {message}"))
    lines = [line for _, line in sorted(found)]  # in the order of .env.example
    head = "invalid environment (orchestration/lib/settings.py, .env.example):"
    return f"{head} {lines[0]}" if len(lines) == 1 else head + "\n  " + "\n  ".join(lines)


# ---------------------------------------------------------------------------- access


def _environment() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.upper() in ENV_NAMES))


@functools.lru_cache(maxsize=16)
def _load(environment: tuple[tuple[str, str], ...]) -> Settings:
    # `environment` is the cache key: the variables as they are now (read again by Settings)
    try:
        return Settings()
    except ValidationError as e:
        raise SettingsError(_describe(e)) from None


def settings() -> Settings:
    """The settings in effect: cached while the variables stay the same."""
    return _load(_environment())


def run_settings_problem() -> str | None:
    """Why a run cannot start with this environment, in one message (None: it can)."""
    try:
        settings().require_pseudonym_key()
    except SettingsError as e:
        return str(e)
    return None


# The helpers most modules use.


def warehouse_path() -> Path:
    """The DuckDB file. dbt's profile reads the same variable."""
    return settings().warehouse


def dbt_profile_warehouse() -> Path | None:
    """The file dbt's profile names (CLEANSLATE_WAREHOUSE as written, which dbt does not resolve
    against the checkout as `warehouse_path` does) when that is an absolute path; else None: a
    relative or unset value means whatever folder dbt runs in (transform/in_process.py)."""
    raw = os.environ.get("CLEANSLATE_WAREHOUSE", "")
    return Path(raw) if raw and Path(raw).is_absolute() else None


def landing_dir() -> Path:
    """Where extracts are dropped; the ingest asset reads every *.csv / *.dat here by default."""
    return settings().landing


def exports_dir() -> Path:
    return settings().exports


def rules_dir() -> Path:
    return settings().rules


def presentation_dir() -> Path:
    """The court documents' presentation profiles (orchestration/exports/presentation.py)."""
    return settings().presentation


def default_as_of() -> str:
    """Runs are reproducible: as_of is always explicit, never today's date by accident."""
    return settings().as_of.isoformat()


# ---------------------------------------------------------------------------- .env.example

_HEADER = """\
# Every environment variable Clean Slate Warehouse reads, with its default.
# Generated from orchestration/lib/settings.py: `python -m orchestration.lib.settings --env-example`
# (make env-example); do not edit by hand (tests/unit/test_settings.py fails when it is stale).
# A commented-out variable has no default (its description says what applies when unset).
# CLEANSLATE_PSEUDONYM_KEY has none and is required for every run. Secrets belong in the real
# environment (a secret store), not in a file in the checkout.
"""


def _example_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if any(c in text for c in " \t#$'\"\\`"):
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def env_example() -> str:
    """The text of .env.example: each group's variables, description above each."""
    out = [_HEADER]
    for group in GROUPS:
        out.append(f"\n# ==== {(group.__doc__ or '').strip()}\n")
        for field, info in group.model_fields.items():
            out.append(f"# {info.description}\n")
            name = env_name(field)
            if field in REQUIRED_FOR_RUNS:
                out.append(f"{name}=\n")
            elif info.default is None:
                out.append(f"# {name}=\n")
            else:
                out.append(f"{name}={_example_value(info.default)}\n")
    return "".join(out)


def _shown(field: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return "(set)" if value.get_secret_value() else ""
    return _example_value(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.lib.settings", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--env-example", action="store_true", help=f"write {ENV_EXAMPLE.name} from the settings"
    )
    parser.add_argument(
        "--check", action="store_true", help=f"exit 1 when {ENV_EXAMPLE.name} is stale"
    )
    args = parser.parse_args(argv)
    if args.env_example:
        ENV_EXAMPLE.write_text(env_example())
        print(f"wrote {ENV_EXAMPLE} ({len(ENV_NAMES)} variables)")
        return 0
    if args.check:
        if not ENV_EXAMPLE.exists() or ENV_EXAMPLE.read_text() != env_example():
            print(
                f"{ENV_EXAMPLE} is stale: python -m orchestration.lib.settings --env-example",
                file=sys.stderr,
            )
            return 1
        return 0
    try:
        current = settings()
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    for field, name in env_names().items():
        print(f"{name}={_shown(field, getattr(current, field))}")
    problem = run_settings_problem()
    if problem:
        print(f"note: {problem}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
