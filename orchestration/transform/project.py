"""The dbt project, in its own module: @dbt_assets reads the manifest at import time."""

import os

from dagster_dbt import DbtProject

from orchestration.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=os.environ.get("DBT_TARGET", "dev"),
)
# Under `dagster dev` this re-parses the project so model edits show up without `make manifest`.
dbt_project.prepare_if_dev()
