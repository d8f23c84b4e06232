"""Repository update files: one record per granted relief, for the state repository to load.

Per program, `<program>_updates.csv` and `<program>_updates.jsonl`. Each ends with a trailer
that carries the record count and the SHA-256 of every byte before the trailer, so the
repository can tell a complete, untouched file from a truncated or altered one:
    CSV:   TRAILER,<record_count>,<sha256>
    JSONL: {"trailer": {"record_count": N, "sha256": "..."}}
"""

import csv
import hashlib
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

COLUMNS = (
    "record_id",
    "program",
    "jurisdiction",
    "subject_id",
    "cii_number",
    "charge_ref",
    "case_number",
    "county",
    "statute",
    "offense",
    "conviction_date",
    "relief",
    "order_date",
    "as_of",
    "rules_version",
    "source_file",
    "source_line",
)
ORDER_DATE_PLACEHOLDER = "PENDING_COURT_ORDER"


def granted(decisions: pl.DataFrame) -> pl.DataFrame:
    """Decisions that grant relief now: eligible, with a relief."""
    return decisions.filter(
        (pl.col("determination") == "eligible") & pl.col("relief").is_not_null()
    ).sort("program", "subject_id", "charge_ref")


def _records(rows: pl.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in rows.iter_rows(named=True):
        out.append(
            {
                "record_id": r["decision_id"],
                "program": r["program"],
                "jurisdiction": r["jurisdiction"],
                "subject_id": r["subject_id"],
                "cii_number": r.get("cii_number"),
                "charge_ref": r["charge_ref"],
                "case_number": r["case_number"],
                "county": r["county"],
                "statute": r["statute"],
                "offense": r["offense_raw"],
                "conviction_date": r["conviction_date"].isoformat()
                if r["conviction_date"]
                else r["conviction_date_raw"],
                "relief": r["relief"],
                "order_date": ORDER_DATE_PLACEHOLDER,
                "as_of": r["as_of"].isoformat() if isinstance(r["as_of"], date) else r["as_of"],
                "rules_version": r["rules_version"],
                "source_file": r["source_file"],
                "source_line": r["source_line"],
            }
        )
    return out


def write_repository_files(out_dir: Path, program: str, decisions: pl.DataFrame) -> dict:
    """Write both files for one program; return counts, hashes and the record ids."""
    rows = granted(decisions.filter(pl.col("program") == program))
    records = _records(rows)
    out_dir.mkdir(parents=True, exist_ok=True)

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows({k: ("" if v is None else v) for k, v in rec.items()} for rec in records)
    body = buf.getvalue().encode("utf-8")
    csv_sha = hashlib.sha256(body).hexdigest()
    csv_path = out_dir / f"{program}_updates.csv"
    csv_path.write_bytes(body + f"TRAILER,{len(records)},{csv_sha}\n".encode())

    jbody = "".join(json.dumps(rec, sort_keys=True) + "\n" for rec in records).encode("utf-8")
    j_sha = hashlib.sha256(jbody).hexdigest()
    jsonl_path = out_dir / f"{program}_updates.jsonl"
    trailer = json.dumps({"trailer": {"record_count": len(records), "sha256": j_sha}})
    jsonl_path.write_bytes(jbody + trailer.encode() + b"\n")
    return {
        "records": len(records),
        "record_ids": [r["record_id"] for r in records],
        "files": [csv_path.name, jsonl_path.name],
    }


def read_repository_csv(path: Path) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Parse a repository CSV and verify its trailer; raise ValueError when it does not hold."""
    data = path.read_bytes()
    body, _, trailer = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    tag, count, sha = trailer.decode().split(",")
    if tag != "TRAILER":
        raise ValueError(f"{path.name}: no trailer")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))
    if int(count) != len(rows):
        raise ValueError(f"{path.name}: trailer says {count} records, file has {len(rows)}")
    if hashlib.sha256(body).hexdigest() != sha:
        raise ValueError(f"{path.name}: checksum does not match the records")
    return rows, {"record_count": int(count), "sha256": sha}


def read_repository_jsonl(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    data = path.read_bytes()
    body, _, trailer_line = data.rstrip(b"\n").rpartition(b"\n")
    body = body + b"\n" if body else b""
    trailer = json.loads(trailer_line)["trailer"]
    rows = [json.loads(line) for line in body.decode("utf-8").splitlines() if line]
    if trailer["record_count"] != len(rows):
        raise ValueError(f"{path.name}: trailer count {trailer['record_count']} != {len(rows)}")
    if hashlib.sha256(body).hexdigest() != trailer["sha256"]:
        raise ValueError(f"{path.name}: checksum does not match the records")
    return rows, trailer
