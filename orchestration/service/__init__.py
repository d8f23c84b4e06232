"""Dagster as a service: deliveries, the landing sensor, the monthly schedule, alerts.

deliveries.py  what a delivery is, its content hash, the archive, the extracts of a run
assets.py      `landing/deliveries`: one partition per delivery, recorded once it is published
jobs.py        the `delivery` and `statewide` jobs (one run at a time, holding <warehouse>.lock)
sensors.py     the landing sensor: a new delivery -> one partition and one run
schedules.py   the monthly statewide run, as of the scheduled date
alerts.py      a run-failure sensor: JSON-lines log, webhook, email; no personal data
serve.py       `make serve`: webserver + daemon against the production instance (PostgreSQL)

docs/deployment.md describes the whole service.
"""

from orchestration.service.alerts import run_failure_alerts
from orchestration.service.assets import delivery_record
from orchestration.service.jobs import delivery_job, statewide_job
from orchestration.service.schedules import statewide_monthly
from orchestration.service.sensors import landing_sensor

SERVICE_ASSETS = [delivery_record]
SERVICE_JOBS = [delivery_job, statewide_job]
SERVICE_SENSORS = [landing_sensor, run_failure_alerts]
SERVICE_SCHEDULES = [statewide_monthly]

__all__ = [
    "SERVICE_ASSETS",
    "SERVICE_JOBS",
    "SERVICE_SCHEDULES",
    "SERVICE_SENSORS",
    "delivery_job",
    "delivery_record",
    "landing_sensor",
    "run_failure_alerts",
    "statewide_job",
    "statewide_monthly",
]
