"""SHA-256 of files, one home: the inputs a run read, the rule and options files, the published
files and the review workbooks are all named by it in the audit tables and manifests."""

import hashlib
from pathlib import Path


def sha256_and_size(path: Path) -> tuple[str, int]:
    """Hex SHA-256 of a file's bytes and their count, read in 1 MiB blocks."""
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
            size += len(block)
    return h.hexdigest(), size


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return sha256_and_size(path)[0]
