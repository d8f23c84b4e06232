"""Publish a run's files as one set: build in a staging folder, then swap it in atomically.

The staging folder sits beside the published one (same filesystem). Publishing exchanges the
two with renameat2(RENAME_EXCHANGE), a single atomic step on Linux, so a reader sees either the
old set or the new one, never a mix; a run that fails before publishing leaves the previous
set untouched. Where the exchange is unavailable, two renames are used (a brief moment without
a published folder, never a mixed one).
"""

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def staging_dir(out_dir: Path, run_id: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.staging-{run_id}"


def owner_only(root: Path) -> None:
    """Folders 0700, files 0600: records are sensitive."""
    os.chmod(root, 0o700)
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            os.chmod(os.path.join(dirpath, d), 0o700)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o600)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


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
                "sha256": sha256_file(path),
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


def publish(staging: Path, out_dir: Path) -> None:
    """Make `staging` the published `out_dir`; remove the previous set afterwards."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    if _exchange(staging, out_dir):
        shutil.rmtree(staging)  # now holds the previous set
        return
    old = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    os.rename(out_dir, old)
    os.rename(staging, out_dir)
    shutil.rmtree(old)
