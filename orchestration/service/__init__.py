"""Dagster as a service: deliveries, the landing sensor, the monthly schedule, alerts.

deliveries.py  what a delivery is, its content hash, the archive, the extracts of a run
assets.py      `landing/deliveries`: one partition per delivery, recorded once it is published
jobs.py        the `delivery` and `statewide` jobs (one run at a time, holding <warehouse>.lock)
sensors.py     the landing sensor: a new delivery -> one partition and one run
schedules.py   the monthly statewide run, as of the scheduled date
alerts.py      a run-failure sensor: JSON-lines log, webhook, email; no personal data
serve.py       `make serve`: webserver + daemon against the production instance (PostgreSQL)
definitions.py all of the above as one `defs`, merged by orchestration/definitions.py

docs/deployment.md describes the whole service.
"""
