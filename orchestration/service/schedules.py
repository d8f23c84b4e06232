"""The monthly statewide run: every county, on the latest processed delivery of every source,
decided as of the scheduled date (time passes: waiting periods end, people become eligible).

CLEANSLATE_STATEWIDE_CRON (default "0 2 1 * *": 02:00 on the 1st) in CLEANSLATE_TIMEZONE
(default America/Los_Angeles). The as-of date is the scheduled date in that zone, so a late or
re-evaluated tick decides exactly what the on-time one would have; run_key
`statewide:<as-of>` keeps it to one run per date.
"""

from datetime import datetime

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    schedule,
)

from orchestration.lib.settings import settings
from orchestration.service.deliveries import (
    archive_dir,
    current_extracts,
    load_deliveries,
    run_config,
    service_timezone,
)
from orchestration.service.jobs import statewide_job

STATEWIDE_CRON = settings().statewide_cron


def _default_status() -> DefaultScheduleStatus:
    if settings().service:
        return DefaultScheduleStatus.RUNNING
    return DefaultScheduleStatus.STOPPED


def statewide_request(scheduled: datetime) -> RunRequest | SkipReason:
    """The statewide run for a scheduled time (aware, or naive in the service time zone)."""
    tz = service_timezone()
    local = scheduled.astimezone(tz) if scheduled.tzinfo else scheduled.replace(tzinfo=tz)
    as_of = local.date().isoformat()
    extracts = current_extracts(load_deliveries(archive_dir()))
    if not extracts:
        return SkipReason("no delivery has been processed yet: nothing to decide on")
    return RunRequest(
        run_key=f"statewide:{as_of}",
        run_config=run_config(extracts, as_of),
        tags={
            "cleanslate/trigger": "schedule",
            "cleanslate/as_of": as_of,
            "cleanslate/extracts": ",".join(d.key for d in extracts),
        },
    )


@schedule(
    name="statewide_monthly",
    cron_schedule=STATEWIDE_CRON,
    execution_timezone=str(service_timezone()),
    job=statewide_job,
    default_status=_default_status(),
    description="Monthly statewide run as of the scheduled date, on the latest processed "
    "delivery of every source.",
)
def statewide_monthly(context: ScheduleEvaluationContext):
    return statewide_request(context.scheduled_execution_time)
