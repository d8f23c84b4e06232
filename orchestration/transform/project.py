"""The dbt project, in its own module: @dbt_assets reads the manifest at import time."""

from dagster_dbt import DbtProject

from orchestration.lib.settings import DBT_PROJECT_DIR

# No fixed target: profiles.yml reads DBT_TARGET (dev, pg, spark, spark_thrift) each time dbt
# runs, as the Warehouse resource does, so both always agree on the engine.
dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` this re-parses the project so model edits show up without `make manifest`.
dbt_project.prepare_if_dev()
