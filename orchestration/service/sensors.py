"""The landing sensor: a new, complete delivery -> one `deliveries` partition and one run.

Every tick (CLEANSLATE_LANDING_INTERVAL seconds, default 30):

1. Extracts in the landing folder that are complete (a `<name>.done` marker, or unchanged since
   the last tick: the cursor keeps each one's size and modification time) are hashed.
2. Content already archived is a copy: no run, whatever the name (the cursor remembers the
   copy, so it is not hashed again each tick). New content is moved into the archive.
3. Every archived delivery whose run was not requested yet gets a partition and a RunRequest of
   job `delivery`, with run_key `delivery:<sha256>`: Dagster itself never starts two runs for
   one content, even if the cursor is reset.

The archive is the record, the cursor only a cache: a tick that moved a file but was never
stored (a crash) leaves an archived delivery without a partition, which the next tick requests.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from orchestration.lib.settings import landing_dir, settings
from orchestration.service.deliveries import (
    DELIVERIES,
    archive_delivery,
    archive_dir,
    content_digest,
    current_extracts,
    fingerprint,
    load_deliveries,
    recover_interrupted,
    run_config,
    scan_landing,
)
from orchestration.service.jobs import delivery_job


def service_default_status() -> DefaultSensorStatus:
    """Running by default under `make serve` / the image (CLEANSLATE_SERVICE=1); stopped under
    `make dev`, where the landing folder is the UI runs' default input and must stay put."""
    if settings().service:
        return DefaultSensorStatus.RUNNING
    return DefaultSensorStatus.STOPPED


@dataclass
class LandingCursor:
    seen: dict[str, str] = field(default_factory=dict)  # name -> fingerprint, not yet complete
    copies: dict[str, list[str]] = field(default_factory=dict)  # name -> [fingerprint, key]
    requested: list[str] = field(default_factory=list)  # partition keys with a requested run

    @classmethod
    def parse(cls, text: str | None) -> "LandingCursor":
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return cls(
            seen=dict(data.get("seen", {})),
            copies={k: list(v) for k, v in data.get("copies", {}).items()},
            requested=list(data.get("requested", [])),
        )

    def serialize(self) -> str:
        return json.dumps(
            {"seen": self.seen, "copies": self.copies, "requested": self.requested},
            sort_keys=True,
            separators=(",", ":"),
        )


@dataclass
class LandingTick:
    run_requests: list[RunRequest]
    new_partitions: list[str]
    cursor: LandingCursor
    notes: list[str]


def evaluate_landing(
    cursor: LandingCursor,
    landing: Path,
    archive: Path,
    now: datetime,
    has_partition: Callable[[str], bool] = lambda key: False,
) -> LandingTick:
    """One tick of the landing sensor, without Dagster: what to archive and which runs to ask."""
    notes = [
        f"{name}: put back in the landing folder after an interrupted tick"
        for name in recover_interrupted(archive, landing)
    ]
    archived = {d.sha256: d for d in load_deliveries(archive)}
    seen: dict[str, str] = {}
    copies: dict[str, list[str]] = {}
    for c in scan_landing(landing, archive):
        fp = fingerprint(c.path)
        copy = cursor.copies.get(c.name)
        if copy and copy[0] == fp:  # the same copy as last tick: no need to hash it again
            copies[c.name] = copy
            notes.append(f"{c.name}: same content as delivery {copy[1]}; not processed again")
            continue
        if c.marker is None and cursor.seen.get(c.name) != fp:
            seen[c.name] = fp
            notes.append(f"{c.name}: waiting until it stops changing (or {c.name}.done exists)")
            continue
        digest = content_digest(c.path)
        after = fingerprint(c.path)
        if after != fp:  # written to while it was hashed: not complete after all
            seen[c.name] = after
            notes.append(f"{c.name}: changed while it was read; waiting")
            continue
        known = archived.get(digest.sha256)
        if known is not None:
            copies[c.name] = [fp, known.key]
            notes.append(f"{c.name}: same content as delivery {known.key}; not processed again")
            continue
        delivery = archive_delivery(c, digest, now, archive)
        archived[delivery.sha256] = delivery
        notes.append(f"{c.name}: new delivery {delivery.key}")

    requested = list(cursor.requested)
    run_requests = []
    new_partitions = []
    processed = [d for d in archived.values() if d.processed]
    for d in sorted(archived.values(), key=lambda d: (d.received_at, d.key)):
        if d.processed or d.key in requested or has_partition(d.key):
            continue
        extracts = current_extracts(processed, new=d)
        run_requests.append(
            RunRequest(
                run_key=f"delivery:{d.sha256}",
                partition_key=d.key,
                run_config=run_config(extracts, d.as_of),
                tags={
                    "cleanslate/trigger": "delivery",
                    "cleanslate/delivery": d.key,
                    "cleanslate/source": d.source,
                    "cleanslate/as_of": d.as_of,
                    "cleanslate/extracts": ",".join(e.key for e in extracts),
                },
            )
        )
        new_partitions.append(d.key)
        requested.append(d.key)
    return LandingTick(
        run_requests=run_requests,
        new_partitions=new_partitions,
        cursor=LandingCursor(seen=seen, copies=copies, requested=requested),
        notes=notes,
    )


@sensor(
    name="landing_sensor",
    job=delivery_job,
    minimum_interval_seconds=settings().landing_interval,
    default_status=service_default_status(),
    description="Watches the landing folder: each new complete delivery (a file, or a canonical "
    "folder) is archived by content and gets one `deliveries` partition and one run. Identical "
    "content, under any name, is never processed twice.",
)
def landing_sensor(context: SensorEvaluationContext) -> SensorResult:
    instance = context.instance

    def has_partition(key: str) -> bool:
        return instance.has_dynamic_partition(DELIVERIES.name, key)

    tick = evaluate_landing(
        LandingCursor.parse(context.cursor),
        landing_dir(),
        archive_dir(),
        datetime.now(UTC),
        has_partition,
    )
    for note in tick.notes:
        context.log.info(note)
    return SensorResult(
        run_requests=tick.run_requests,
        dynamic_partitions_requests=(
            [DELIVERIES.build_add_request(tick.new_partitions)] if tick.new_partitions else []
        ),
        cursor=tick.cursor.serialize(),
        skip_reason=(
            None
            if tick.run_requests
            else SkipReason("; ".join(tick.notes) or "no new delivery in the landing folder")
        ),
    )
