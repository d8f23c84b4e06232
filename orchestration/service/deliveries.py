"""Deliveries: what lands in the landing folder, how it is recognised, archived and run.

A delivery is one CA DOJ extract file (*.csv, *.dat, *.txt) or one canonical extract folder (a
folder holding persons.csv or persons.parquet) put in the landing folder (CLEANSLATE_LANDING).
It is taken once it is complete:

* a marker `<name>.done` exists beside it (write the extract, then create the marker), or
* nothing in it changed (size and modification time of every file) between two sensor ticks.

Names starting with "." or "~", temporary names (*.tmp, *.part, *.partial, *.filepart,
*.crdownload) and symbolic links are never taken: copy under such a name and rename when done.

A delivery is identified by its content: the SHA-256 of the file (of a folder: of its files'
names and SHA-256s). Its partition key is `<name>-<sha256[:12]>`. The sensor moves it into the
archive (CLEANSLATE_ARCHIVE, default `<landing>/.deliveries`) as `<archive>/<key>/<name>`, with
`delivery.json`; a run reads it there, and `processed.json` is written there once the run has
published its files. Content already in the archive is a copy, whatever its name: it is left
in the landing folder and never processed again.

A delivery replaces the earlier deliveries of its *source*: its kind and its name without dates
(`doj_2025_06.csv` and `doj_2025_07.csv` are both `doj:doj`; `ut_courts_20250701` is
`canonical:ut_courts`). A run reads the latest processed delivery of every source, with the new
delivery in place of its source's, so the warehouse and the published files always cover every
source. Nothing here reads a record: only names, sizes, dates and hashes.
"""

import contextlib
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dagster import DynamicPartitionsDefinition

from orchestration.ingest.assets import EXTRACT_SUFFIXES
from orchestration.lib.hashing import sha256_and_size
from orchestration.lib.run_config import clearance_ops
from orchestration.lib.settings import exports_dir, settings

DELIVERIES = DynamicPartitionsDefinition(name="deliveries")
MARKER_SUFFIX = ".done"
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".filepart", ".crdownload", ".swp")
DELIVERY_FILE = "delivery.json"
PROCESSED_FILE = "processed.json"
INCOMING_PREFIX = ".incoming-"

# Dates in a delivery name: YYYY, YYYYMM, YYYYMMDD, YYYY-MM, YYYY-MM-DD, MM-YYYY, MM-DD-YYYY
# (separators - _ .). Other numbers (a county code) stay part of the source.
_DATE = re.compile(
    r"(?<![0-9])(?:"
    r"(?:19|20)\d{2}(?:[-_.]?(?:0[1-9]|1[0-2])(?:[-_.]?(?:0[1-9]|[12]\d|3[01]))?)?"
    r"|(?:0?[1-9]|1[0-2])[-_.](?:(?:0?[1-9]|[12]\d|3[01])[-_.])?(?:19|20)\d{2}"
    r")(?![0-9])"
)


def archive_dir() -> Path:
    """CLEANSLATE_ARCHIVE, or `.deliveries` inside the landing folder (same file system, so
    taking a delivery is a rename, not a copy)."""
    return settings().archive_dir


def service_timezone() -> ZoneInfo:
    """The zone of delivery dates and of the monthly schedule (CLEANSLATE_TIMEZONE)."""
    return ZoneInfo(settings().timezone)


@dataclass(frozen=True)
class Candidate:
    """An extract in the landing folder; `marker` is its `.done` file, if there is one."""

    name: str
    path: Path
    kind: str  # "doj" (a file) or "canonical" (a folder)
    marker: Path | None


@dataclass(frozen=True)
class Digest:
    sha256: str
    files: dict[str, str]  # relative path -> SHA-256
    bytes: int


@dataclass(frozen=True)
class Delivery:
    key: str
    name: str
    kind: str
    source: str
    sha256: str
    bytes: int
    files: dict[str, str]
    received_at: str  # UTC, ISO 8601
    as_of: str  # the received date in the service time zone (YYYY-MM-DD)
    folder: Path = field(compare=False)
    processed: bool = field(default=False, compare=False)

    @property
    def path(self) -> Path:
        """The archived extract (file or folder) that a run reads."""
        return self.folder / self.name

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "kind": self.kind,
            "source": self.source,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "files": self.files,
            "received_at": self.received_at,
            "as_of": self.as_of,
        }

    @classmethod
    def load(cls, folder: Path) -> "Delivery":
        data = json.loads((folder / DELIVERY_FILE).read_text())
        return cls(
            **{k: data[k] for k in cls.__dataclass_fields__ if k in data},
            folder=folder,
            processed=(folder / PROCESSED_FILE).exists(),
        )


def _ignored(name: str) -> bool:
    lower = name.lower()
    return name.startswith((".", "~")) or lower.endswith(TEMP_SUFFIXES)


def is_canonical_folder(path: Path) -> bool:
    return path.is_dir() and any((path / f"persons{s}").is_file() for s in (".csv", ".parquet"))


def scan_landing(landing: Path, archive: Path) -> list[Candidate]:
    """Extracts in the landing folder, by name; markers, temporary names, links are skipped."""
    if not landing.is_dir():
        return []
    archive_resolved = archive.resolve()
    found = []
    for entry in sorted(landing.iterdir(), key=lambda p: p.name):
        name = entry.name
        if _ignored(name) or name.endswith(MARKER_SUFFIX) or entry.is_symlink():
            continue
        if entry.resolve() == archive_resolved:
            continue
        if entry.is_file() and entry.suffix.lower() in EXTRACT_SUFFIXES:
            kind = "doj"
        elif is_canonical_folder(entry):
            kind = "canonical"
        else:
            continue
        marker = landing / (name + MARKER_SUFFIX)
        found.append(Candidate(name, entry, kind, marker if marker.is_file() else None))
    return found


def _files(folder: Path) -> Iterator[Path]:
    return iter(sorted(p for p in folder.rglob("*") if p.is_file()))


def fingerprint(path: Path) -> str:
    """Size and modification time of the file (of every file of a folder): cheap, no reading."""
    if path.is_file():
        st = path.stat()
        return f"{st.st_size}:{st.st_mtime_ns}"
    h = hashlib.sha256()
    for f in _files(path):
        st = f.stat()
        h.update(f"{f.relative_to(path).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:32]


def content_digest(path: Path) -> Digest:
    """SHA-256 of a file; of a folder, SHA-256 over its files' relative paths and SHA-256s."""
    if path.is_file():
        sha, size = sha256_and_size(path)
        return Digest(sha, {path.name: sha}, size)
    files: dict[str, str] = {}
    total = 0
    for f in _files(path):
        files[f.relative_to(path).as_posix()], size = sha256_and_size(f)
        total += size
    h = hashlib.sha256()
    for rel, sha in sorted(files.items()):
        h.update(f"{rel}\0{sha}\n".encode())
    return Digest(h.hexdigest(), files, total)


def partition_key(name: str, sha256: str) -> str:
    slug = re.sub(r"[^a-z0-9._-]+", "_", name.lower()).strip("._-")[:60] or "delivery"
    return f"{slug}-{sha256[:12]}"


def source_of(name: str, kind: str) -> str:
    """`<kind>:<name without dates>`: a delivery replaces the earlier ones of its source."""
    stem = Path(name).stem if kind == "doj" else name
    base = re.sub(r"[^a-z0-9]+", "_", _DATE.sub(" ", stem.lower())).strip("_")
    return f"{kind}:{base or 'extract'}"


def write_json(path: Path, data: dict) -> None:
    """Written to a temporary name and renamed: a reader never sees half a file. Mode 0600."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def archive_delivery(c: Candidate, digest: Digest, now: datetime, archive: Path) -> Delivery:
    """Move a complete extract (and its marker) into `<archive>/<key>/`, with delivery.json.

    The extract is moved into a hidden `.incoming-<key>` folder first and that folder renamed
    to `<key>` last, so `<key>` appears whole or not at all; recover_interrupted() puts an
    extract left in an incoming folder (a crash in between) back in the landing folder.
    """
    key = partition_key(c.name, digest.sha256)
    archive.mkdir(parents=True, exist_ok=True, mode=0o700)
    final = archive / key
    if final.exists():
        raise FileExistsError(f"delivery {key} is already archived")
    incoming = archive / f"{INCOMING_PREFIX}{key}"
    if incoming.exists():
        shutil.rmtree(incoming)
    incoming.mkdir(mode=0o700)
    delivery = Delivery(
        key=key,
        name=c.name,
        kind=c.kind,
        source=source_of(c.name, c.kind),
        sha256=digest.sha256,
        bytes=digest.bytes,
        files=digest.files,
        received_at=now.astimezone(UTC).isoformat(timespec="seconds"),
        as_of=now.astimezone(service_timezone()).date().isoformat(),
        folder=final,
    )
    write_json(incoming / DELIVERY_FILE, delivery.to_json())
    shutil.move(str(c.path), str(incoming / c.name))  # a rename on one file system
    if c.marker is not None:
        with contextlib.suppress(FileNotFoundError):
            shutil.move(str(c.marker), str(incoming / c.marker.name))
    os.rename(incoming, final)
    return delivery


def recover_interrupted(archive: Path, landing: Path) -> list[str]:
    """Extracts left in `.incoming-*` folders by an interrupted archive_delivery() go back to
    the landing folder (to be taken again on the next tick). Returns their names."""
    recovered = []
    if not archive.is_dir():
        return recovered
    for incoming in sorted(archive.glob(f"{INCOMING_PREFIX}*")):
        for entry in sorted(incoming.iterdir()):
            if entry.name == DELIVERY_FILE or (landing / entry.name).exists():
                continue
            shutil.move(str(entry), str(landing / entry.name))
            if not entry.name.endswith(MARKER_SUFFIX):
                recovered.append(entry.name)
        shutil.rmtree(incoming)
    return recovered


def load_deliveries(archive: Path) -> list[Delivery]:
    """Every archived delivery, oldest first."""
    if not archive.is_dir():
        return []
    found = [
        Delivery.load(folder)
        for folder in archive.iterdir()
        if folder.is_dir() and not folder.name.startswith(".") and (folder / DELIVERY_FILE).exists()
    ]
    return sorted(found, key=lambda d: (d.received_at, d.key))


def read_delivery(key: str, archive: Path | None = None) -> Delivery:
    folder = (archive or archive_dir()) / key
    if not (folder / DELIVERY_FILE).exists():
        raise FileNotFoundError(f"delivery {key} is not in the archive {folder.parent}")
    return Delivery.load(folder)


def mark_processed(delivery: Delivery, info: dict) -> None:
    write_json(delivery.folder / PROCESSED_FILE, info)


def current_extracts(deliveries: list[Delivery], new: Delivery | None = None) -> list[Delivery]:
    """The latest processed delivery of every source; `new` in place of its source's."""
    latest: dict[str, Delivery] = {}
    for d in sorted(deliveries, key=lambda d: (d.received_at, d.key)):
        if d.processed:
            latest[d.source] = d
    if new is not None:
        latest[new.source] = new
    return [latest[s] for s in sorted(latest)]


def run_config(extracts: list[Delivery], as_of: str) -> dict:
    """Run config of the clearance assets for these archived extracts, decided as of `as_of`.

    CLEANSLATE_OPTIONS (optional) names a county eligibility-options JSON for service runs.
    """
    configured = settings().options
    return {
        "ops": clearance_ops(
            doj=[d.path for d in extracts if d.kind == "doj"],
            canonical=[d.path for d in extracts if d.kind == "canonical"],
            as_of=as_of,
            out_dir=exports_dir(),
            options_file=str(configured) if configured else None,
            # supervision: the asset's default, the landing folder's supervision/ files
        )
    }
