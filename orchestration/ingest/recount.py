"""An independent count of a file's input records, for the reconciliation check.

Deliberately simpler than the reader: count non-blank lines in the raw bytes, minus the
header. If the reader ever drops or duplicates a record, the two counts disagree. A UTF-8
byte-order mark at the start of the file is not a record (a file holding only a BOM has none).
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.ingest.doj_format import HEADER_PREFIX


@dataclass(frozen=True)
class Recount:
    records: int
    sha256: str


def count_input_records(path: Path, header: bool | None = None) -> Recount:
    """Non-blank lines, minus the header: the DOJ one if present (header=None), or the
    first line (header=True, canonical CSV)."""
    h = hashlib.sha256()
    records = 0
    first = True
    with path.open("rb") as f:
        for line in f:
            h.update(line)
            if first:
                first = False
                line = line.removeprefix(b"\xef\xbb\xbf")
                if header or (header is None and line.startswith(HEADER_PREFIX.encode())):
                    continue
            if line.strip():
                records += 1
    return Recount(records=records, sha256=h.hexdigest())
