"""`landing/deliveries`: one partition per delivery, materialized once its run has published.

The delivery run (job `delivery`) ingests the archived extract, decides, gates and publishes;
this asset comes last (after `exports/published` and `audit/decision_history`). It checks that
what was ingested is byte for byte the delivery the sensor hashed, records it as processed
(`processed.json` in the archive: the monthly statewide run then reads it), and keeps counts and
hashes as metadata. A failed run leaves the partition failed in the UI; re-execute it there.
"""

from datetime import UTC, datetime
from pathlib import Path

from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.resources import Warehouse
from orchestration.service.deliveries import (
    DELIVERIES,
    Delivery,
    archive_dir,
    mark_processed,
    read_delivery,
)

DELIVERIES_KEY = AssetKey(["landing", "deliveries"])
PUBLISHED = AssetKey(["exports", "published"])
DECISION_HISTORY = AssetKey(["audit", "decision_history"])


class DeliveryMismatchError(RuntimeError):
    """What the run ingested is not the delivery the sensor archived."""


def ingested_files(warehouse: Warehouse, delivery: Delivery) -> list[dict]:
    """The delivery's files as the ingest recorded them: name, SHA-256, record counts."""
    if delivery.kind == "doj":
        frame = warehouse.query(
            "select source_file as file, source_sha256 as sha256, input_records, staged, rejected"
            " from raw.doj_files where source_file = ?",
            [delivery.name],
        )
        return frame.to_dicts()
    frame = warehouse.query(
        "select path, source_sha256 as sha256, input_records, staged, rejected"
        " from raw.canonical_files where present and source_extract = ?",
        [delivery.name],
    )
    return [{**r, "file": Path(r.pop("path")).name} for r in frame.to_dicts()]


def check_ingested(delivery: Delivery, files: list[dict]) -> list[str]:
    """Problems, if what was ingested differs from the archived delivery (empty: it matches)."""
    if not files:
        return [f"delivery {delivery.key} was not ingested by this run"]
    return [
        f"{f['file']}: ingested SHA-256 {str(f['sha256'])[:12]}..., delivered "
        f"{str(delivery.files.get(f['file']))[:12]}..."
        for f in files
        if delivery.files.get(f["file"]) != f["sha256"]
    ]


@asset(
    key=DELIVERIES_KEY,
    partitions_def=DELIVERIES,
    deps=[PUBLISHED, DECISION_HISTORY],
    group_name="landing",
    kinds={"file"},
    description="Extract deliveries, one partition each (key `<name>-<sha256[:12]>`), "
    "materialized when the delivery's run has published its files.",
)
def delivery_record(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    delivery = read_delivery(context.partition_key)
    files = ingested_files(warehouse, delivery)
    problems = check_ingested(delivery, files)
    if problems:
        raise DeliveryMismatchError("; ".join(problems))
    ops = context.run.run_config.get("ops", {})
    extracts = [
        Path(p).parent.name
        for op in ("doj_extracts", "canonical_extracts")
        for p in (ops.get(op, {}).get("config", {}).get("extracts") or [])
    ]
    as_of = ops.get("rulebook", {}).get("config", {}).get("as_of")
    mark_processed(
        delivery,
        {
            "run_id": context.run_id,
            "processed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "as_of": as_of,
            "extracts": extracts,
        },
    )
    context.log.info(f"delivery {delivery.key} processed and recorded in {archive_dir()}")
    return MaterializeResult(
        metadata={
            "kind": delivery.kind,
            "source": delivery.source,
            "sha256": delivery.sha256,
            "bytes": delivery.bytes,
            "received_at": delivery.received_at,
            "as_of": str(as_of),
            "files": len(files),
            "input_records": sum(int(f["input_records"] or 0) for f in files),
            "staged": sum(int(f["staged"] or 0) for f in files),
            "rejected": sum(int(f["rejected"] or 0) for f in files),
            "extracts_in_run": MetadataValue.json(extracts),
        }
    )
