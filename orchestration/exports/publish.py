"""Publish a run's files as one set: build in a staging folder, then swap it in atomically.

The staging folder sits beside the published one (same filesystem). Publishing exchanges the
two with renameat2(RENAME_EXCHANGE), a single atomic step on Linux, so a reader sees either the
old set or the new one, never a mix; a run that fails before publishing leaves the previous
set untouched. Where the exchange is unavailable, two renames are used (a brief moment without
a published folder, never a mixed one).

Nothing is deleted that this project did not write:

* `--out` must be missing, empty, or a folder holding a set this project published (its
  manifest.json, `is_our_manifest`); anything else is refused before the run writes a file
  (`out_dir_problem`, called by the CLI and by the exports/staged_files asset), as is a folder
  that is or holds the project checkout, the warehouse, DAGSTER_HOME or an input.
* Files in the published folder that its manifest does not list (a signed order, a reviewer's
  notes) are carried over into the new set before the exchange (renames on one filesystem), at
  the same paths; if the new set writes a file of the same name, publishing is refused.
* The replaced set is kept in `<parent>/.<name>.history/<UTC time>_<run id>/` (the time is the
  set's generated_at), the newest HISTORY_KEEP of them; an older one is pruned of the files its
  manifest lists whose bytes still match (then its manifest and empty folders), nothing else.

A run that crashes leaves at most a staging folder (or, in the two-rename fallback, the previous
set under a `.previous-*` name) beside the published one: `clear_leftovers` at the start of the
next run puts carried-over files back, removes the run's own files, keeps a replaced set in the
history and puts back a set moved aside when nothing is published, so no manual clean-up is
ever needed.

Exported documents carry no run id and no wall-clock time (those live in manifest.json only), so
the same decisions give the same bytes; where a document needs a reference it quotes
`decision_set_digest`, which is derived from the decisions themselves.
"""

import contextlib
import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import polars as pl

from orchestration.lib import spools
from orchestration.lib.hashing import sha256_of

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100

MANIFEST = "manifest.json"
# manifest.json says who wrote it: a folder is ours to replace only when it holds one of these
PRODUCER = "clean-slate-warehouse"
MANIFEST_FORMAT = 2  # 1: the shape before `producer` (run_id, generated_at, files, digest)
# replaced sets kept in the history folder (the published one is not counted)
HISTORY_KEEP = 3


class OutDirRefused(Exception):
    """The export folder is not one this project may replace (nothing was written)."""


class PublishRefused(Exception):
    """A file that is not ours is in the way of the new set (nothing was published)."""


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


# decision_set_digest's lines, built and sorted by DuckDB (exp_decisions: every DIGEST_COLUMN,
# a date as ISO text, as str() prints it). {where}: the county filter.
_DIGEST_LINES_SQL = """
select {line} as line
from main.exp_decisions
{where}
order by line
"""
_DIGEST_COUNTIES_SQL = "select distinct county from main.exp_decisions where county is not null"


def decision_set_digest_from(source: Any, county: str | None = None) -> str:
    """decision_set_digest of the warehouse's decisions (exp_decisions; with `county`, that
    county's, normalized as the exports' scope is: writers.normalize_county), streamed: the
    lines are made and sorted by DuckDB and hashed batch by batch, never all in memory.

    `source`: an orchestration.exports.load.ExportSource (query, batches). The same value as
    decision_set_digest of the same rows (tests/unit/test_publish.py)."""
    from orchestration.exports.writers import normalize_county

    line = digest_line_sql()
    where, params = "", []
    if county is not None:
        # the county's spellings as recorded ('Yolo', 'YOLO '): normalized in Python, exactly
        # as the bundle's scope, then matched as recorded
        wanted = normalize_county(county)
        spellings = [
            c
            for c in source.query(_DIGEST_COUNTIES_SQL)["county"].to_list()
            if normalize_county(c) == wanted
        ]
        if not spellings:
            spellings = [None]  # no decision: the digest of the empty set
        where = f"where county in ({', '.join('?' for _ in spellings)})"
        params = spellings
    return digest_of_lines(source.batches(_DIGEST_LINES_SQL.format(line=line, where=where), params))


def digest_line_sql(alias: str = "") -> str:
    """SQL of one decision's digest line (decision_set_digest's), over `alias`.DIGEST_COLUMNS."""
    return " || '|' || ".join(f"coalesce(cast({alias}{c} as varchar), '')" for c in DIGEST_COLUMNS)


def digest_of_lines(batches: Iterable[pl.DataFrame]) -> str:
    """decision_set_digest from its lines (column "line"), sorted, a batch at a time."""
    h = hashlib.sha256()
    h.update(("|".join(DIGEST_COLUMNS) + "\n").encode())
    for batch in batches:
        h.update(("\n".join(batch["line"].to_list()) + "\n").encode("utf-8"))
    return h.hexdigest()


def staging_dir(out_dir: Path, run_id: str) -> Path:
    return out_dir.parent / f".{out_dir.name}.staging-{run_id}"


def places_dir(out_dir: Path, run_id: str) -> Path:
    """Where a run spools the places of its decisions in the files (audit/export_lines.py
    PlaceSpool) until they are recorded: beside its staging folder, so that a run that dies
    first leaves them where the next run clears them (`clear_leftovers`), not in /tmp."""
    return out_dir.parent / f".{out_dir.name}.places-{run_id}"


def history_dir(out_dir: Path) -> Path:
    """Where replaced sets are kept: `<parent>/.<name>.history/<UTC time>_<run id>/`."""
    return out_dir.parent / f".{out_dir.name}.history"


# --------------------------------------------------------------------------------------------
# Which folders are ours


def is_our_manifest(data: Any) -> bool:
    """A manifest.json this project wrote: marked with PRODUCER, or of the earlier shape (run_id,
    generated_at, decision_set_sha256, files [{file, bytes, sha256, ...}])."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return False
    if not all(isinstance(f, dict) and isinstance(f.get("file"), str) for f in data["files"]):
        return False
    if data.get("producer") == PRODUCER:
        return True
    return {"run_id", "generated_at", "decision_set_sha256"} <= data.keys() and all(
        {"bytes", "sha256"} <= f.keys() for f in data["files"]
    )


def read_our_manifest(folder: Path) -> dict | None:
    """The folder's manifest.json when this project wrote it, else None."""
    path = folder / MANIFEST
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if is_our_manifest(data) else None


def _safe_rel(rel: Any) -> bool:
    """A relative path inside the folder ('a/b.csv'): no '..', not absolute, not empty."""
    if not isinstance(rel, str) or not rel or rel.startswith("/") or "\\" in rel:
        return False
    return all(part not in ("", ".", "..") for part in rel.split("/"))


def listed_files(manifest: dict) -> set[str]:
    """The files a manifest of ours lists (relative paths), manifest.json not included."""
    return {f["file"] for f in manifest["files"] if _safe_rel(f.get("file"))}


def _is_dir(path: Path) -> bool:
    """A real folder (a symbolic link to one is not)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _folder_problem(out_dir: Path) -> str | None:
    """Why `out_dir` may not be replaced, or None: missing, empty, or a set of ours are fine."""
    if not os.path.lexists(out_dir):
        return None
    if not out_dir.is_dir():
        return f"{out_dir} is not a folder: choose an empty or new folder"
    try:
        with os.scandir(out_dir) as entries:
            empty = next(entries, None) is None
    except OSError as e:
        return f"{out_dir} cannot be read ({e.strerror}): choose an empty or new folder"
    if empty or read_our_manifest(out_dir) is not None:
        return None
    why = (
        "its manifest.json was not written by this project"
        if os.path.lexists(out_dir / MANIFEST)
        else f"no {MANIFEST}"
    )
    return (
        f"{out_dir} holds files this project did not publish ({why}): choose an empty or new folder"
    )


def out_dir_problem(
    out_dir: Path,
    project_root: Path | None = None,
    protected: Iterable[tuple[str, Path]] = (),
) -> str | None:
    """Why a run must not publish into `out_dir`, or None when it may (nothing is written).

    Refused: the project checkout or a folder containing it; a folder that is or contains a
    `protected` path (label, path: the warehouse, DAGSTER_HOME, an input); anything that is not
    missing, an empty folder, or a folder holding a set this project published (manifest.json).
    Publishing a set replaces the folder, so each of these would put the set over someone
    else's files.
    """
    out = Path(os.path.abspath(out_dir)).resolve()
    if project_root is not None:
        root = Path(project_root).resolve()
        if out == root:
            return f"{out} is the project checkout: choose a folder of its own, e.g. data/exports"
        if out in root.parents:
            return f"{out} contains the project checkout {root}: choose a folder of its own"
    for label, path in protected:
        p = Path(os.path.abspath(path)).resolve()
        if p == out:
            return f"{out} is the {label}: choose a folder of its own for the exports"
        if out in p.parents:
            return f"{out} contains the {label} {p}: choose a folder of its own for the exports"
    return _folder_problem(out)


def check_out_dir(out_dir: Path, warehouse_file: Path, inputs: Iterable[Path] = ()) -> str | None:
    """`out_dir_problem` with this project's paths: the checkout (PROJECT_ROOT), the warehouse
    file, DAGSTER_HOME, the landing folder and the run's inputs. The CLI calls it before a run
    starts, the exports/staged_files asset before it writes anything (UI and sensor runs)."""
    from orchestration.lib.settings import PROJECT_ROOT, landing_dir, settings

    home = settings().dagster_home or PROJECT_ROOT / ".dagster_home"
    protected = [
        ("warehouse", Path(warehouse_file)),
        ("DAGSTER_HOME", Path(home)),
        ("landing folder", landing_dir()),
        *(("input", Path(p)) for p in inputs),
    ]
    return out_dir_problem(out_dir, PROJECT_ROOT, protected)


# --------------------------------------------------------------------------------------------
# Moving files that are not ours out of the way, and back


def _plan_moves(
    src_root: Path, dst_root: Path, listed: set[str]
) -> tuple[list[tuple[Path, Path]], list[str]]:
    """(moves, collisions) that take every entry of `src_root` not listed (nor the manifest) to
    the same path under `dst_root`. A folder holding none of the listed files moves whole;
    where the other side has a folder of the same name, its entries move one by one; a path
    taken on the other side by anything else is a collision (relative path)."""
    listed_dirs = {str(a) for r in listed for a in PurePosixPath(r).parents}
    moves: list[tuple[Path, Path]] = []
    collisions: list[str] = []

    def place(src: Path, dst: Path, rel: str) -> None:
        if not os.path.lexists(dst):
            moves.append((src, dst))
        elif _is_dir(src) and _is_dir(dst):
            for name in sorted(os.listdir(src)):
                place(src / name, dst / name, f"{rel}/{name}")
        else:
            collisions.append(rel)

    def walk(folder: Path, prefix: str) -> None:
        for name in sorted(os.listdir(folder)):
            rel = prefix + name
            if rel in listed or rel == MANIFEST:
                continue
            if rel in listed_dirs and _is_dir(folder / name):
                walk(folder / name, rel + "/")
            else:
                place(folder / name, dst_root / rel, rel)

    walk(src_root, "")
    return moves, collisions


def _move(moves: list[tuple[Path, Path]]) -> None:
    for src, dst in moves:
        dst.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.rename(src, dst)


def _changed_since_published(folder: Path, manifest: dict) -> list[str]:
    """Listed files edited after the set was written (size differs, or modified after its
    manifest, which is written last): they go to the history with their set and are never
    pruned there (pruning deletes only files whose bytes are still the manifest's)."""
    try:
        written = os.lstat(folder / MANIFEST).st_mtime
    except OSError:
        return []
    changed = []
    for f in manifest["files"]:
        rel = f.get("file")
        if not _safe_rel(rel):
            continue
        try:
            st = os.lstat(folder / rel)
        except OSError:
            continue
        if st.st_size != f.get("bytes", st.st_size) or st.st_mtime > written:
            changed.append(rel)
    return changed


# --------------------------------------------------------------------------------------------
# The history of replaced sets


def _remove_listed(folder: Path, manifest: dict) -> bool:
    """Delete the files of `folder` that its manifest lists and whose bytes are still the ones
    listed (a file edited since is someone's work: kept); then the manifest when nothing else
    is left, then empty folders. Returns whether `folder` is gone."""
    base = folder.resolve()
    for f in manifest["files"]:
        rel = f.get("file")
        if not _safe_rel(rel):
            continue
        path = base / rel
        # a listed path reached through a symbolic link is not the file we wrote
        if os.path.realpath(path.parent) != str(path.parent):
            continue
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or st.st_size != f.get("bytes", st.st_size):
            continue
        if sha256_of(path) == f.get("sha256"):
            path.unlink()
    others = [
        os.path.join(d, n)
        for d, dirs, files in os.walk(base)
        for n in files + [x for x in dirs if os.path.islink(os.path.join(d, x))]
    ]
    if others == [str(base / MANIFEST)]:
        (base / MANIFEST).unlink()
    for d, _, _ in sorted(os.walk(base), key=lambda w: -len(w[0])):
        with contextlib.suppress(OSError):
            os.rmdir(d)  # only empty ones
    return not os.path.lexists(base)


def prune_history(out_dir: Path, keep: int = HISTORY_KEEP) -> list[Path]:
    """Prune the kept sets older than the newest `keep` (`_remove_listed`); return them.

    Only folders holding a manifest of ours count; anything else in the history is left alone.
    Names start with the set's UTC time, so name order is age order.
    """
    history = history_dir(out_dir)
    if not _is_dir(history):
        return []
    sets = sorted(
        ((d, m) for d in history.iterdir() if _is_dir(d) and (m := read_our_manifest(d))),
        key=lambda dm: dm[0].name,
    )
    pruned = []
    for folder, manifest in sets[: max(len(sets) - keep, 0)]:
        _remove_listed(folder, manifest)
        pruned.append(folder)
    return pruned


def _stamp(manifest: dict | None) -> str:
    try:
        when = datetime.fromisoformat(str(manifest["generated_at"]))  # type: ignore[index]
        when = when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, KeyError, ValueError):
        when = datetime.now(UTC)
    return when.strftime("%Y%m%dT%H%M%SZ")


def keep_in_history(previous: Path, out_dir: Path) -> Path | None:
    """Move a replaced set into the history (then prune it); return where it went.

    An empty folder is removed. A folder with no manifest of ours (files that arrived while it
    was being replaced) is kept too, named `..._unrecognized`, and never pruned.
    """
    if _is_dir(previous) and not os.listdir(previous):
        os.rmdir(previous)
        return None
    manifest = read_our_manifest(previous)
    run_id = str(manifest.get("run_id") or "unknown") if manifest else "unrecognized"
    run_id = "".join(c if c.isalnum() or c in "-_" else "_" for c in run_id)
    history = history_dir(out_dir)
    history.mkdir(mode=0o700, exist_ok=True)
    name = f"{_stamp(manifest)}_{run_id}"
    target, n = history / name, 1
    while os.path.lexists(target):
        n += 1
        target = history / f"{name}.{n}"
    os.rename(previous, target)
    _fsync_dir(history)
    prune_history(out_dir)
    return target


# --------------------------------------------------------------------------------------------
# Leftovers of crashed runs


def _clear_staging(folder: Path, out_dir: Path) -> bool:
    """Clear one leftover staging folder; return whether it is gone."""
    run_id = folder.name.split(".staging-", 1)[1]
    manifest = read_our_manifest(folder)
    if manifest is None:
        if os.path.lexists(folder / MANIFEST):
            return False  # a manifest this project did not write: not ours to touch
        # No manifest: a run that died while building its set. Everything in the folder was
        # written by that run: the folder is created empty under a name holding the run id
        # (`staging_dir`), which nobody else writes into; files not ours are carried into a
        # staging folder only by publish(), after the manifest is written; and the exchange
        # brings a previous set into it only from a folder that was empty or held our manifest
        # (an empty one is removed before anything else). So removing it deletes only the
        # dead run's own files.
        shutil.rmtree(folder)
        return True
    if manifest.get("run_id") != run_id:
        # the exchange happened, the clean-up did not: this is the previous published set
        keep_in_history(folder, out_dir)
        return True
    # built by that run, never published: carried-over files go back where they were, then
    # the run's own files (listed in its manifest) are removed
    moves, _ = _plan_moves(folder, out_dir, listed_files(manifest))
    _move(moves)
    return _remove_listed(folder, manifest)


def clear_leftovers(out_dir: Path, keep: Path | None = None) -> list[Path]:
    """Undo what a crashed run left beside `out_dir`; return the folders cleared or restored.

    A staging folder of a run that never published: files carried over from the published
    folder go back there, the run's own files are removed (a file in the way of one going back
    stays, and so does the folder). A staging folder that holds the previous set (the exchange
    happened, its clean-up did not) goes to the history. A previous set moved aside by the
    two-rename fallback is put back when nothing is published, else goes to the history. A
    run's place spool (`places_dir`) goes. Nothing else is deleted: see `_clear_staging`,
    `spools.clear` and `_remove_listed`.
    """
    touched: list[Path] = []
    for old in sorted(out_dir.parent.glob(f".{out_dir.name}.staging-*")):
        if old != keep and _is_dir(old) and _clear_staging(old, out_dir):
            touched.append(old)
    for old in sorted(out_dir.parent.glob(f".{out_dir.name}.places-*")):
        if old != keep and _is_dir(old) and spools.clear(old):
            touched.append(old)
    for old in sorted(out_dir.parent.glob(f".{out_dir.name}.previous-*")):
        if not _is_dir(old):
            continue
        if not os.path.lexists(out_dir):
            os.rename(old, out_dir)
        else:
            keep_in_history(old, out_dir)
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
    """manifest.json: every file with its rows (None where rows do not apply), bytes, SHA-256;
    marked as this project's (`producer`), which is what lets a later run replace the folder."""
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == MANIFEST:
            continue
        files.append(
            {
                "file": rel,
                "rows": rows_by_file.get(rel),
                "bytes": path.stat().st_size,
                "sha256": sha256_of(path),
            }
        )
    manifest = {**meta, "producer": PRODUCER, "manifest_format": MANIFEST_FORMAT, "files": files}
    target = root / MANIFEST
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


@dataclass
class Published:
    """What publish() did besides the exchange (for the run's log and metadata)."""

    carried_over: list[str] = field(default_factory=list)  # not ours: kept in the new set
    changed: list[str] = field(default_factory=list)  # ours, edited since: kept in the history
    kept: Path | None = None  # where the replaced set is now


def publish(staging: Path, out_dir: Path) -> Published:
    """Make `staging` the published `out_dir`; keep the replaced set in the history.

    `out_dir` must be missing, empty or a set of ours (OutDirRefused). Files in it that its
    manifest does not list are moved into the new set first, at the same paths; one whose path
    the new set takes refuses the publish (PublishRefused) before anything moves.
    """
    problem = _folder_problem(out_dir)
    if problem:
        raise OutDirRefused(problem)
    if not os.path.lexists(out_dir):
        os.rename(staging, out_dir)
        _fsync_dir(out_dir.parent)
        return Published()
    manifest = read_our_manifest(out_dir)
    listed = listed_files(manifest) if manifest else set()
    moves, collisions = _plan_moves(out_dir, staging, listed)
    if collisions:
        raise PublishRefused(
            f"{out_dir / collisions[0]} was not published by this project and the new set has a"
            f" file of that name ({len(collisions)} such file(s): {', '.join(collisions[:5])}):"
            " move it elsewhere and run again. Nothing was published."
        )
    done = Published(
        carried_over=[src.relative_to(out_dir).as_posix() for src, _ in moves],
        changed=_changed_since_published(out_dir, manifest) if manifest else [],
    )
    try:
        _move(moves)
    except OSError:
        for src, dst in moves:  # put back what moved: the published folder stays as it was
            if os.path.lexists(dst) and not os.path.lexists(src):
                os.rename(dst, src)
        raise
    if _exchange(staging, out_dir):
        _fsync_dir(out_dir.parent)
        previous = staging  # now holds the previous set
    else:
        previous = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
        os.rename(out_dir, previous)
        os.rename(staging, out_dir)
        _fsync_dir(out_dir.parent)
    done.kept = keep_in_history(previous, out_dir)
    return done
