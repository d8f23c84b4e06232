"""Publish a run's files as one set: build in a staging folder, then swap it in atomically.

The staging folder sits beside the published one (same filesystem). Publishing exchanges the
two with renameat2(RENAME_EXCHANGE), a single atomic step on Linux, so a reader sees either the
old set or the new one, never a mix; a run that fails before publishing leaves the previous
set untouched. Where the exchange is unavailable, two renames are used (a brief moment without
a published folder, never a mixed one).

A run that crashes leaves at most a staging folder (or, in the two-rename fallback, the previous
set under a `.previous-*` name) beside the published one: `clear_leftovers` at the start of the
next run removes the former and puts the latter back, so no manual clean-up is ever needed.

Exported documents carry no run id and no wall-clock time (those live in manifest.json only), so
the same decisions give the same bytes; where a document needs a reference it quotes
`decision_set_digest`, which is derived from the decisions themselves.
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import polars as pl

from orchestration.ingest.reader import sha256_of

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


# The columns that make a decision what it is; a document's reference is a digest of them.
DIGEST_COLUMNS = (
    "program",
    "charge_key",
    "decision_id",
    "determination",
    "relief",
    "eligible_on",
    "rules_version",
)
REFERENCE_LENGTH = 12


def decision_set_digest(rows: pl.DataFrame) -> str:
    """SHA-256 (hex) of a set of decisions: order-independent, no run id, no clock.

    One line per decision (the DIGEST_COLUMNS present, '|'-separated, null as ''), sorted. The
    same decisions always give the same digest, so documents can quote it as their reference.
    """
    cols = [c for c in DIGEST_COLUMNS if c in rows.columns]
    lines = sorted(
        "|".join("" if v is None else str(v) for v in values)
        for values in rows.select(cols).iter_rows()
    )
    h = hashlib.sha256()
    h.update(("|".join(cols) + "\n").encode())
    for line in lines:
        h.update((line + "\n").encode("utf-8"))
    return h.hexdigest()


def decision_set_reference(rows: pl.DataFrame) -> str:
    """The short form printed in documents: the digest's first REFERENCE_LENGTH characters."""
    return decision_set_digest(rows)[:REFERENCE_LENGTH]


def staging_dir(out_dir: Path, run_id: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.staging-{run_id}"


def clear_leftovers(out_dir: Path, keep: Path | None = None) -> list[Path]:
    """Undo what a crashed run left beside `out_dir`; return the folders removed or restored.

    Staging folders of runs that never published are removed (after an exchange that crashed
    before its clean-up, the staging name holds the previous set: removed too, the new set is
    published). A previous set moved aside by the two-rename fallback is put back when nothing
    is published, else removed.
    """
    touched: list[Path] = []
    for old in sorted(out_dir.parent.glob(f".{out_dir.name}.staging-*")):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
            touched.append(old)
    for old in sorted(out_dir.parent.glob(f".{out_dir.name}.previous-*")):
        if not out_dir.exists():
            os.rename(old, out_dir)
        else:
            shutil.rmtree(old, ignore_errors=True)
        touched.append(old)
    return touched


def owner_only(root: Path) -> None:
    """Folders 0700, files 0600: records are sensitive."""
    os.chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)


def write_manifest(root: Path, rows_by_file: dict[str, int | None], meta: dict[str, Any]) -> Path:
    """manifest.json: every file with its rows (None where rows do not apply), bytes, SHA-256."""
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == "manifest.json":
            continue
        files.append(
            {
                "file": rel,
                "rows": rows_by_file.get(rel),
                "bytes": path.stat().st_size,
                "sha256": sha256_of(path),
            }
        )
    manifest = {**meta, "files": files}
    target = root / "manifest.json"
    target.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str) + "\n")
    return target


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    rc = libc.renameat2(
        _AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE
    )
    return rc == 0


def _fsync_dir(folder: Path) -> None:
    """Make a rename in `folder` durable (best effort: not every filesystem allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def publish(staging: Path, out_dir: Path) -> None:
    """Make `staging` the published `out_dir`; remove the previous set afterwards."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        _fsync_dir(out_dir.parent)
        return
    if _exchange(staging, out_dir):
        _fsync_dir(out_dir.parent)
        shutil.rmtree(staging)  # now holds the previous set
        return
    old = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    _fsync_dir(out_dir.parent)
    shutil.rmtree(old)
