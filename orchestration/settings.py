"""Paths and defaults, read from the environment in one place (see .env.example)."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var) or default
    p = Path(value)
    return p if p.is_absolute() else PROJECT_ROOT / p


def warehouse_path() -> Path:
    """The DuckDB file. dbt's profile reads the same variable."""
    return _path("CLEANSLATE_WAREHOUSE", "data/warehouse.duckdb")


def landing_dir() -> Path:
    """Where extracts are dropped; the ingest asset reads every *.csv / *.dat here by default."""
    return _path("CLEANSLATE_LANDING", "data/landing")


def exports_dir() -> Path:
    return _path("CLEANSLATE_EXPORTS", "data/exports")


def rules_dir() -> Path:
    return _path("CLEANSLATE_RULES", "rules")


def default_as_of() -> str:
    """Runs are reproducible: as_of is always explicit, never today's date by accident."""
    return os.environ.get("CLEANSLATE_AS_OF", "2025-07-01")


# The run gates' default (orchestration/quality/gates.py): the largest share of an input's
# conviction records whose offense text may read to no statute. `--max-unread-share` per run.
DEFAULT_MAX_UNREAD_SHARE = 0.05
