"""orchestration/lib/settings.py: one typed object for every environment variable.

.env.example is generated from it, every CLEANSLATE_* name in the code is one of its fields,
no module reads those variables around it, a wrong type names the variable, and a run without
CLEANSLATE_PSEUDONYM_KEY stops before anything is written.
"""

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestration.lib.settings import (
    ENV_EXAMPLE,
    ENV_NAMES,
    PROJECT_ROOT,
    Settings,
    SettingsError,
    env_example,
    env_name,
    run_settings_problem,
    settings,
    warehouse_path,
)

# Where variables are read (the code, the dbt project, the make targets, the deployment) or
# documented.
SCANNED = [
    *PROJECT_ROOT.glob("orchestration/**/*.py"),
    *PROJECT_ROOT.glob("devtools/**/*.py"),
    *PROJECT_ROOT.glob("scripts/*"),
    *PROJECT_ROOT.glob("dbt_project/*.yml"),
    *PROJECT_ROOT.glob("dbt_project/macros/**/*.sql"),
    *PROJECT_ROOT.glob("dbt_project/models/**/*.sql"),
    *PROJECT_ROOT.glob("deploy/**/*"),
    *PROJECT_ROOT.glob("tests/**/*.py"),
    PROJECT_ROOT / "Makefile",
    PROJECT_ROOT / "Dockerfile",
    PROJECT_ROOT / ".ci" / "run",
    *PROJECT_ROOT.glob("docs/**/*.md"),
    PROJECT_ROOT / "README.md",
]
# a whole name; a prefix (CLEANSLATE_PG_{key}_USER, CLEANSLATE_ALERT_*) ends with "_"
NAME = re.compile(r"\b((?:CLEANSLATE|DAGSTER_PG|BENCH)_[A-Z0-9_]*|DBT_TARGET|DAGSTER_HOME)\b")
PROJECT_VARS = r"(?:CLEANSLATE_|DAGSTER_PG_|BENCH_)[A-Z0-9_]+|DBT_TARGET"
# os.environ.get("X"), os.getenv("X"), os.environ["X"] not assigned to
DIRECT_READ = re.compile(
    rf"""os\.(?:environ\.get|getenv)\(\s*["']({PROJECT_VARS})["']"""
    rf"""|os\.environ\[\s*["']({PROJECT_VARS})["']\s*\](?!\s*=[^=])"""
)


def _names_in(path: Path) -> set[str]:
    if not path.is_file():
        return set()
    text = path.read_text(errors="replace")
    return {m for m in NAME.findall(text) if not m.endswith("_")}


def test_env_example_is_generated_from_the_settings():
    assert ENV_EXAMPLE.read_text() == env_example(), (
        ".env.example is stale: python -m orchestration.lib.settings --env-example"
    )
    for name in ENV_NAMES:  # every variable has its line, set or commented out
        assert re.search(rf"^(# )?{name}=", env_example(), re.M), name


def test_every_variable_the_project_reads_is_a_setting():
    found = set().union(*(_names_in(p) for p in SCANNED))
    assert found - ENV_NAMES == set(), "add these to orchestration/lib/settings.py"


def test_no_module_reads_the_variables_around_the_settings():
    direct = [
        f"{p.relative_to(PROJECT_ROOT)}: {m.group(0)}"
        for p in [
            *PROJECT_ROOT.glob("orchestration/**/*.py"),
            *PROJECT_ROOT.glob("devtools/**/*.py"),
            *PROJECT_ROOT.glob("scripts/*.py"),
        ]
        if p.name != "settings.py"
        for m in DIRECT_READ.finditer(p.read_text())
    ]
    assert direct == [], "read these through orchestration.lib.settings.settings()"


def test_every_field_has_a_description_and_a_variable():
    for field, info in Settings.model_fields.items():
        assert info.description, field
        assert env_name(field) in ENV_NAMES
    assert env_name("dbt_target") == "DBT_TARGET"
    assert env_name("dagster_pg_port") == "DAGSTER_PG_PORT"
    assert env_name("pg_port") == "CLEANSLATE_PG_PORT"


def test_the_settings_follow_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(tmp_path / "a.duckdb"))
    assert warehouse_path() == tmp_path / "a.duckdb"
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", str(tmp_path / "b.duckdb"))
    assert warehouse_path() == tmp_path / "b.duckdb"  # not a cached value
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", "data/x.duckdb")  # relative to the checkout
    assert warehouse_path() == PROJECT_ROOT / "data" / "x.duckdb"
    monkeypatch.setenv("CLEANSLATE_WAREHOUSE", "")  # empty is unset
    assert warehouse_path() == PROJECT_ROOT / "data" / "warehouse.duckdb"
    monkeypatch.setenv("CLEANSLATE_PG_PORT", "6543")
    monkeypatch.setenv("BENCH_SIZES", "100, 2000")
    monkeypatch.setenv("CLEANSLATE_SERVICE", "1")
    s = settings()
    assert (s.pg_port, s.bench_sizes, s.service) == (6543, [100, 2000], True)
    assert settings() is s  # the same environment: the same object


@pytest.mark.parametrize(
    ("var", "value", "says"),
    [
        ("CLEANSLATE_PG_PORT", "abc", "valid integer"),
        ("DAGSTER_PG_PORT", "99999", "less than or equal to 65535"),
        ("CLEANSLATE_AS_OF", "July 1", "valid date"),
        ("CLEANSLATE_SERVICE", "maybe", "valid boolean"),
        ("DBT_TARGET", "oracle", "'dev', 'pg', 'spark' or 'spark_thrift'"),
        ("CLEANSLATE_TIMEZONE", "Mars/Olympus", "unknown time zone"),
        ("BENCH_SIZES", "100,lots", "comma-separated whole numbers"),
        ("CLEANSLATE_EXPORT_WORKERS", "0", "greater than 0"),
    ],
)
def test_a_wrong_type_names_the_variable(monkeypatch, var, value, says):
    monkeypatch.setenv(var, value)
    with pytest.raises(SettingsError) as e:
        settings()
    assert f"{var}={value!r}" in str(e.value) and says in str(e.value)


def test_every_wrong_variable_is_named_at_once_and_secrets_are_not_shown(monkeypatch):
    monkeypatch.setenv("CLEANSLATE_PG_PORT", "abc")
    monkeypatch.setenv("CLEANSLATE_SPARK_CORES", "-1")
    monkeypatch.setenv("CLEANSLATE_PSEUDONYM_KEY", "sec'ret")
    with pytest.raises(SettingsError) as e:
        settings()
    message = str(e.value)
    for var in ("CLEANSLATE_PG_PORT", "CLEANSLATE_SPARK_CORES", "CLEANSLATE_PSEUDONYM_KEY"):
        assert var in message
    assert "sec'ret" not in message


@pytest.mark.parametrize("key", [None, "", "   "])
def test_a_run_without_the_pseudonym_key_stops_naming_it(monkeypatch, tmp_path, key):
    from orchestration.cli import app

    if key is None:
        monkeypatch.delenv("CLEANSLATE_PSEUDONYM_KEY", raising=False)
    else:
        monkeypatch.setenv("CLEANSLATE_PSEUDONYM_KEY", key)
    assert "CLEANSLATE_PSEUDONYM_KEY" in run_settings_problem()
    with pytest.raises(SettingsError, match="CLEANSLATE_PSEUDONYM_KEY is not set"):
        settings().require_pseudonym_key()
    extract = tmp_path / "extract.csv"
    extract.write_text("SUBJECT_ID\n")
    out, warehouse = tmp_path / "out", tmp_path / "wh.duckdb"
    args = ["run", "--extract", str(extract), "--as-of", "2025-07-01"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--warehouse", str(warehouse)])
    assert result.exit_code == 2
    assert "CLEANSLATE_PSEUDONYM_KEY is not set" in result.output
    assert not out.exists() and not warehouse.exists()  # stopped before anything was written


def test_the_key_set_lets_a_run_through(monkeypatch):
    monkeypatch.setenv("CLEANSLATE_PSEUDONYM_KEY", "a-real-secret")
    assert run_settings_problem() is None
    assert settings().require_pseudonym_key() == "a-real-secret"
    assert "a-real-secret" not in repr(settings())  # a SecretStr


def test_the_service_does_not_start_without_the_key(monkeypatch, capsys):
    from orchestration.service import serve

    monkeypatch.setenv("CLEANSLATE_SERVICE", "0")  # serve sets it; undone after the test
    monkeypatch.delenv("CLEANSLATE_PSEUDONYM_KEY", raising=False)
    assert serve.main(["code-server"]) == 2
    assert "CLEANSLATE_PSEUDONYM_KEY is not set" in capsys.readouterr().err


def test_the_env_example_command_writes_and_checks(monkeypatch, tmp_path, capsys):
    from orchestration.lib import settings as module

    target = tmp_path / ".env.example"
    monkeypatch.setattr(module, "ENV_EXAMPLE", target)
    assert module.main(["--check"]) == 1  # missing
    assert module.main(["--env-example"]) == 0
    assert target.read_text() == env_example()
    assert module.main(["--check"]) == 0
    monkeypatch.setenv("CLEANSLATE_PSEUDONYM_KEY", "shown-nowhere")
    assert module.main([]) == 0
    out = capsys.readouterr().out
    assert "CLEANSLATE_PSEUDONYM_KEY=(set)" in out and "shown-nowhere" not in out


def test_the_dbt_step_stops_without_the_key(monkeypatch, tmp_path):
    """UI and service runs: the dbt step fails naming the variable before dbt starts (and so
    before anything downstream, the exports among them, runs)."""
    from dagster import DagsterInstance, materialize

    from orchestration.resources import Warehouse
    from orchestration.transform.assets import warehouse_models
    from orchestration.transform.dbt_cli import dbt_resource
    from orchestration.transform.project import dbt_project

    monkeypatch.delenv("CLEANSLATE_PSEUDONYM_KEY", raising=False)
    warehouse = tmp_path / "wh.duckdb"
    result = materialize(
        [warehouse_models],
        resources={
            "dbt": dbt_resource(dbt_project),
            "warehouse": Warehouse(path=str(warehouse)),
        },
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "CLEANSLATE_PSEUDONYM_KEY is not set" in str(failure.step_failure_data.error)
    assert not warehouse.exists()  # nothing was built


def test_the_dbt_profile_defaults_are_the_settings_defaults():
    """profiles.yml names each variable's default again (a plain `dbt` reads no settings): it
    must be the settings' own, or dbt run by hand builds with another memory limit, thread
    count or warehouse than the run. Paths are relative to dbt_project/ there, to the
    checkout in .env.example."""
    profile = (PROJECT_ROOT / "dbt_project" / "profiles.yml").read_text()
    used = re.findall(r"env_var\('(CLEANSLATE_\w+)', '([^']*)'\)", profile)
    assert len(used) >= 10
    example = dict(
        re.match(r"#? ?(CLEANSLATE_\w+)=(.*)$", line).groups()
        for line in env_example().splitlines()
        if re.match(r"#? ?CLEANSLATE_\w+=", line)
    )
    for name, default in used:
        assert name in example, name
        ours = example[name]
        if "/" in default:
            same = (PROJECT_ROOT / "dbt_project" / default).resolve() == (
                PROJECT_ROOT / ours
            ).resolve()
        else:
            same = default == ours
        assert same, f"{name}: profiles.yml says {default!r}, settings {ours!r}"
