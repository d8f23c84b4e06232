"""Stage 3, transform: the dbt models as assets (dbt tests as asset checks). The `dbt` resource
is shared: orchestration/definitions.py adds it."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.transform.assets import warehouse_models

defs = dg.Definitions(assets=with_owners([warehouse_models]))
