"""Run-failure alerts: every failed run of this code location, to a log, a webhook, an email.

An alert names the job, run, partition (the delivery key: file name and hash), trigger, attempt,
failed steps and failed checks, and links to the run in the UI. It carries no error message and
no metadata: those can quote a record. The details are one click away, in the run's event log.

Channels (environment of the code server / `make serve`):

* CLEANSLATE_ALERT_LOG: a JSON-lines file, always written (default `$DAGSTER_HOME/alerts.jsonl`).
* CLEANSLATE_ALERT_WEBHOOK: POST of `{"text": ..., "alert": {...}}` (Slack and Teams
  incoming webhooks read `text`).
* CLEANSLATE_ALERT_EMAIL_TO (comma-separated), CLEANSLATE_SMTP_HOST, CLEANSLATE_SMTP_PORT
  (587), CLEANSLATE_SMTP_USER, CLEANSLATE_SMTP_PASSWORD, CLEANSLATE_ALERT_EMAIL_FROM,
  CLEANSLATE_SMTP_SSL=1 for implicit TLS (otherwise STARTTLS when the server offers it).
* CLEANSLATE_UI_URL: the UI's address, for the link (e.g. https://dagster.example.gov).

A failed run that Dagster will retry (`dagster/will_retry`) is logged only; the webhook and email
go out for the final attempt (CLEANSLATE_ALERT_EVERY_ATTEMPT=1: every attempt).
"""

import json
import os
import smtplib
import urllib.request
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    RunFailureSensorContext,
    run_failure_sensor,
)

from orchestration.lib.settings import PROJECT_ROOT, settings
from orchestration.service.sensors import service_default_status


def alert_log_path() -> Path:
    s = settings()
    if s.alert_log:
        return s.alert_log
    home = s.dagster_home
    return home / "alerts.jsonl" if home else PROJECT_ROOT / "data" / "alerts.jsonl"


def build_alert(run: DagsterRun, instance: DagsterInstance) -> dict:
    """What went wrong, by name only: job, run, partition, steps, checks. No message text."""
    tags = run.tags
    failed_steps = sorted(
        {
            e.step_key
            for e in instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_FAILURE)
            if e.step_key
        }
    )
    failed_checks = []
    for e in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = e.dagster_event.event_specific_data if e.dagster_event else None
        if evaluation is not None and not evaluation.passed:
            failed_checks.append(f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}")
    will_retry = tags.get("dagster/will_retry") == "true"
    attempt = int(tags.get("dagster/retry_number", "0")) + 1
    trigger = (
        f"sensor {tags['dagster/sensor_name']}"
        if "dagster/sensor_name" in tags
        else f"schedule {tags['dagster/schedule_name']}"
        if "dagster/schedule_name" in tags
        else "manual"
    )
    partition = tags.get("dagster/partition")
    base = settings().ui_url.rstrip("/")
    what = f"{run.job_name}" + (f" [{partition}]" if partition else "")
    text = (
        f"Clean Slate run {'failed, retrying' if will_retry else 'FAILED'}: {what}, "
        f"run {run.run_id[:8]}, attempt {attempt}"
        + (f"; failed steps: {', '.join(failed_steps)}" if failed_steps else "")
        + (f"; failed checks: {', '.join(sorted(failed_checks))}" if failed_checks else "")
        + (f"; {base}/runs/{run.run_id}" if base else "")
    )
    return {
        "time": datetime.now(UTC).isoformat(timespec="seconds"),
        "severity": "warning" if will_retry else "error",
        "job": run.job_name,
        "run_id": run.run_id,
        "status": run.status.value,
        "partition": partition,
        "trigger": trigger,
        "as_of": tags.get("cleanslate/as_of"),
        "attempt": attempt,
        "will_retry": will_retry,
        "failure_reason": tags.get("dagster/failure_reason"),
        "failed_steps": failed_steps,
        "failed_checks": sorted(failed_checks),
        "url": f"{base}/runs/{run.run_id}" if base else None,
        "text": text,
    }


def _append_log(alert: dict) -> None:
    path = alert_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as f:
        f.write(json.dumps(alert, sort_keys=True) + "\n")


def _post_webhook(url: str, alert: dict) -> None:
    body = json.dumps({"text": alert["text"], "alert": alert}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # the operator's URL
        response.read()


def _send_email(alert: dict) -> None:
    s = settings()
    to = s.alert_recipients
    host = s.smtp_host
    ssl = s.smtp_ssl
    port = s.smtp_port or (465 if ssl else 587)
    user = s.smtp_user
    message = EmailMessage()
    message["Subject"] = (
        alert["text"].split(":", 1)[0]
        + f": {alert['job']}"
        + (f" [{alert['partition']}]" if alert["partition"] else "")
    )
    message["From"] = s.alert_email_from or user or "cleanslate@localhost"
    message["To"] = ", ".join(to)
    message.set_content(
        alert["text"] + "\n\n" + "\n".join(f"{k}: {v}" for k, v in alert.items() if k != "text")
    )
    smtp_class = smtplib.SMTP_SSL if ssl else smtplib.SMTP
    with smtp_class(host, port, timeout=20) as smtp:
        if not ssl:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
        if user:
            password = s.smtp_password.get_secret_value() if s.smtp_password else ""
            smtp.login(user, password)
        smtp.send_message(message)


def send_alert(alert: dict) -> list[str]:
    """Write the alert to every configured channel. Returns the channels that failed (each
    failure is also logged); one failing channel does not stop the others."""
    failed = []
    s = settings()
    notify = not alert["will_retry"] or s.alert_every_attempt
    webhook = s.alert_webhook.get_secret_value() if s.alert_webhook else None
    if notify and webhook:
        try:
            _post_webhook(webhook, alert)
        except Exception as e:  # an alert channel must not take the others down
            failed.append(f"webhook: {type(e).__name__}")
    if notify and s.alert_recipients and s.smtp_host:
        try:
            _send_email(alert)
        except Exception as e:
            failed.append(f"email: {type(e).__name__}")
    _append_log({**alert, "undelivered": failed} if failed else alert)
    return failed


@run_failure_sensor(
    name="run_failure_alerts",
    default_status=service_default_status(),
    description="Every failed run: a line in the alert log, and a webhook / email when "
    "configured (CLEANSLATE_ALERT_*). Names only: no error text, no record data.",
)
def run_failure_alerts(context: RunFailureSensorContext) -> None:
    alert = build_alert(context.dagster_run, context.instance)
    failed = send_alert(alert)
    context.log.info(f"alert written for run {alert['run_id']}: {alert['text']}")
    for channel in failed:
        context.log.warning(f"alert not delivered by {channel}")
