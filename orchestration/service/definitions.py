"""The service (docs/deployment.md): the per-delivery record, the `delivery` and `statewide`
jobs, the landing sensor, the monthly statewide run and the run-failure alerts."""

import dagster as dg

from orchestration.catalog import with_owners
from orchestration.service.alerts import run_failure_alerts
from orchestration.service.assets import delivery_record
from orchestration.service.jobs import delivery_job, statewide_job
from orchestration.service.schedules import statewide_monthly
from orchestration.service.sensors import landing_sensor

defs = dg.Definitions(
    assets=with_owners([delivery_record]),
    jobs=[delivery_job, statewide_job],
    sensors=[landing_sensor, run_failure_alerts],
    schedules=[statewide_monthly],
)
