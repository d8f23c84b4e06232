"""The environment of a run launched from this process: the rule folder, the warehouse and
DAGSTER_HOME (read by the dbt profile, the Warehouse resource and Dagster when they load)."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration.lib.settings import PROJECT_ROOT

# Runs launched from the Dagster UI (`make dev`) queue one at a time: DuckDB has one writer.
RUN_QUEUE_YAML = """\
# Clean Slate Warehouse: one run at a time (DuckDB allows one writing process).
run_queue:
  max_concurrent_runs: 1
"""
# keys that already say how runs are queued (adding run_queue beside them is a config error)
_QUEUE_KEYS = ("run_queue", "run_coordinator", "concurrency")
# No usage reports from the project's instance (and no banner about them in every run).
TELEMETRY_YAML = """\
telemetry:
  enabled: false
"""


def use_rules_dir(rules: Path) -> None:
    """Decide with the rule files of this folder (CLEANSLATE_RULES), e.g. an amendment."""
    os.environ["CLEANSLATE_RULES"] = str(rules)


def use_warehouse(warehouse_file: Path) -> None:
    """Run into this warehouse (CLEANSLATE_WAREHOUSE: the dbt profile and the Warehouse resource
    both read it; set before Dagster loads), with DAGSTER_HOME (default .dagster_home) holding
    the runs and event logs and a dagster.yaml that queues UI runs one at a time."""
    os.environ["CLEANSLATE_WAREHOUSE"] = str(warehouse_file)
    os.environ.setdefault("DAGSTER_HOME", str(PROJECT_ROOT / ".dagster_home"))
    ensure_dagster_home(Path(os.environ["DAGSTER_HOME"]))


@contextmanager
def restored_environment(*names: str) -> Iterator[None]:
    """The variables `names` as they were before the block, however it ends."""
    saved = {k: os.environ.get(k) for k in names}
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def ensure_dagster_home(home: Path) -> Path:
    """DAGSTER_HOME with a dagster.yaml whose run queue admits one run at a time, telemetry off.

    A missing or empty dagster.yaml gets RUN_QUEUE_YAML and TELEMETRY_YAML; one that says
    nothing about queueing (run_queue, run_coordinator, concurrency) or telemetry gets what it
    lacks appended; what it says is left alone. Written to a temporary name and renamed, so
    runs starting together never see half a file.
    """
    import yaml

    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = config.read_text() if config.exists() else ""
    try:
        loaded = yaml.safe_load(text) if text.strip() else None
    except yaml.YAMLError:
        return config  # not ours to repair: Dagster will name the error
    said = loaded if isinstance(loaded, dict) else {}
    missing = [
        part
        for part, keys in ((RUN_QUEUE_YAML, _QUEUE_KEYS), (TELEMETRY_YAML, ("telemetry",)))
        if not any(k in said for k in keys)
    ]
    if not missing:
        return config
    new = (text.rstrip("\n") + "\n\n" if text.strip() else "") + "\n".join(missing)
    tmp = config.with_name(f".dagster.yaml.tmp-{os.getpid()}")
    tmp.write_text(new)
    os.replace(tmp, config)
    return config
