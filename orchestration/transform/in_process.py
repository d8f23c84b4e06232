"""`dbt build` in this process, from the project's parsed manifest: no second interpreter, no parse.

A `dbt` subprocess costs a 100-row run two fixed charges: starting dbt (~4 s of imports) and
parsing the project (~2 s when dbt's partial-parse state matches; ~9 s on a new warehouse,
because that state is keyed by the profile, which holds the warehouse's path). `make manifest`
has already parsed this project (dbt_project/target/partial_parse.msgpack, the complete parsed
project dbt itself reuses). When that parse is current, this module loads it and runs `dbt
build` in process with it (dbt's programmatic API: dbtRunner(manifest=...)); when it is not (a
model edited since, another dbt version, a changed variable), `parsed_manifest` says None and
the build runs as before, in a `dbt` subprocess that parses for itself. Only on DuckDB: the
PostgreSQL and Spark targets keep their subprocess (Spark's `session` would start a JVM in
this process).

"Current" is checked as dbt's partial parsing checks it, and stricter: every file the parse
read has the same checksum (dbt's: SHA-256 of the stripped text), no file was added under the
project's paths, dbt_project.yml and the dbt version are the same, and so are the environment
variables the parse read, except the pseudonym key, which only the compiled SQL uses
(RUNTIME_ONLY_ENV). Anything else is "not current": the slow path, never a stale model.

The events dbt fires reach dagster-dbt's own translation (DbtCliInvocation: Outputs, asset
checks, their metadata), so the assets, checks and logs are those of the subprocess path.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

if TYPE_CHECKING:
    from dbt.contracts.graph.manifest import Manifest

# The warehouse_models step's `dbt build` (in process or in a subprocess), and the bench's
# (devtools/bench/dbt_step.py), which measures the step: dbt unit tests check the SQL, not the
# data, so they run in `make test`, not in every build; no dbt.log (dagster-dbt keeps every
# event dbt reports in the run's log, and dbt's file log repeated them at debug level with
# every statement's SQL: ~10 MB a 100-row run).
BUILD_ARGS = ("build", "--exclude-resource-type", "unit_test", "--log-level-file", "none")

PARSED = "partial_parse.msgpack"
# read by fct_decisions_pseudonymized's SQL only (macros/pseudonym_key.sql): the value dbt
# saw at parse time does not shape the parsed project, the run's own value is compiled in
RUNTIME_ONLY_ENV = frozenset({"CLEANSLATE_PSEUDONYM_KEY"})
# dbt's search paths (dbt_project.yml may name others; the defaults here) and the files it
# reads in each (schema .yml and docs .md everywhere)
SEARCHED = {
    "model-paths": (["models"], {".sql", ".py"}),
    "macro-paths": (["macros"], {".sql"}),  # not .py: condition types' Python halves live there
    "test-paths": (["tests"], {".sql", ".csv"}),
    "seed-paths": (["seeds"], {".csv"}),
    "snapshot-paths": (["snapshots"], {".sql", ".py"}),
    "analysis-paths": (["analyses"], {".sql"}),
}
EVERYWHERE = {".yml", ".yaml", ".md"}
_DEFAULT_ENV = "DBT_DEFAULT_PLACEHOLDER"  # dbt's record of "unset, the default was used"


def _checksum(path: Path) -> str:
    # dbt's FileHash.from_contents(load_file_contents(path, strip=True))
    return hashlib.sha256(path.read_bytes().decode("utf-8").strip().encode("utf-8")).hexdigest()


def stale_reason(
    project_dir: Path, manifest: Manifest, parsed_at: float | None = None
) -> str | None:
    """Why the parsed project is not the project on disk; None when it is current.
    `parsed_at`: when the parse was written; profiles.yml edited since (its schema, say: dbt
    records no hash of it) also makes it stale."""
    import dbt.version

    if manifest.metadata.dbt_version != dbt.version.__version__:
        return f"parsed by dbt {manifest.metadata.dbt_version}"
    if manifest.metadata.adapter_type != "duckdb":
        return f"parsed for {manifest.metadata.adapter_type}"
    project_file = project_dir / "dbt_project.yml"
    config = yaml.safe_load(project_file.read_text())
    name = config["name"]
    recorded = manifest.state_check.project_hashes.get(name)
    # dbt hashes dbt_project.yml unstripped
    if (
        recorded is None
        or recorded.checksum != hashlib.sha256(project_file.read_bytes()).hexdigest()
    ):
        return "dbt_project.yml changed"
    profiles = project_dir / "profiles.yml"
    if parsed_at is not None and profiles.exists() and profiles.stat().st_mtime > parsed_at:
        return "profiles.yml changed"
    ours: set[Path] = set()
    for source in manifest.files.values():
        root = Path(source.path.project_root)
        root = root if root.is_absolute() else project_dir / root
        path = (root / source.path.searched_path / source.path.relative_path).resolve()
        if source.project_name == name:
            ours.add(path)
        if source.checksum.name != "sha256":  # a seed too large to hash: dbt checks its path
            if not path.exists():
                return f"{path.name} removed"
            continue
        if not path.exists() or _checksum(path) != source.checksum.checksum:
            return f"{path.name} changed"
    for key, (default, suffixes) in SEARCHED.items():
        for folder in config.get(key, default):
            for path in (project_dir / folder).rglob("*"):
                read = path.suffix in suffixes or path.suffix in EVERYWHERE
                if read and path.is_file() and path.resolve() not in ours:
                    return f"{path.name} added"
    for var, value in manifest.env_vars.items():
        if var not in RUNTIME_ONLY_ENV and os.environ.get(var, _DEFAULT_ENV) != value:
            return f"{var} changed"
    return None


def duckdb_catalog(warehouse: Path) -> str:
    """The catalog DuckDB names a database file after: its name up to the first dot, leading
    dots skipped ('county.2025.duckdb' -> 'county', '.w.duckdb' -> 'w'), not Path.stem."""
    return warehouse.name.lstrip(".").split(".")[0]


def parsed_manifest(project_dir: Path, catalog: str) -> Manifest | None:
    """The project as `make manifest` parsed it, when that parse is current (else None), with
    its relations in DuckDB catalog `catalog` (duckdb_catalog of the warehouse file: DuckDB
    names a file's catalog after it, and the parse named its own)."""
    from dbt.contracts.graph.manifest import Manifest

    path = project_dir / "target" / PARSED
    try:
        # the last parse: dbt rewrites manifest.json every time, the msgpack only on a change
        parsed_at = max(p.stat().st_mtime for p in (path, path.with_name("manifest.json")))
        manifest = Manifest.from_msgpack(path.read_bytes())
    except Exception:  # missing, or unreadable by this dbt: the subprocess parses for itself
        return None
    if stale_reason(project_dir, manifest, parsed_at) is not None:
        return None
    _anchor(manifest, project_dir)
    parsed_catalog = next(
        (n.database for n in manifest.nodes.values() if getattr(n, "database", None)), None
    )
    if parsed_catalog and parsed_catalog != catalog:
        _move_catalog(manifest, parsed_catalog, catalog)
    return manifest


def _anchor(manifest: Manifest, project_dir: Path) -> None:
    """Paths the parse recorded relative to its working folder (`make manifest` runs in the dbt
    project), absolute: this process runs elsewhere (a seed's CSV is read from its root_path)."""
    for collection in (manifest.nodes, manifest.sources, manifest.macros, manifest.unit_tests):
        for node in collection.values():
            root = getattr(node, "root_path", None)
            if root and not Path(root).is_absolute():
                node.root_path = str((project_dir / root).resolve())


def _move_catalog(manifest: Manifest, old: str, new: str) -> None:
    """Every relation of the parse in catalog `old` now in `new` (database, relation_name)."""
    quoted_old, quoted_new = f'"{old}".', f'"{new}".'
    for collection in (manifest.nodes, manifest.sources, manifest.unit_tests):
        for node in collection.values():
            if getattr(node, "database", None) != old:
                continue
            node.database = new
            relation = getattr(node, "relation_name", None)
            if relation and relation.startswith(quoted_old):
                node.relation_name = quoted_new + relation[len(quoted_old) :]


class _Done:
    """The end of dbt's events."""


@dataclass
class InProcessInvocation(DbtCliInvocation):
    """dagster-dbt's invocation of a dbt process, reading dbt's events from a queue."""

    events: queue.Queue = field(default_factory=queue.Queue)
    finished: bool = False

    def _stream_stdout(self) -> Iterator[str | dict[str, Any]]:
        while not self.finished:
            event = self.events.get()
            if event is _Done:
                self.finished = True
                self.process.wait()
                break
            if event["info"]["level"] == "error":
                self._error_messages.append(event["info"]["msg"])
            yield event


@dataclass(eq=False)  # one per build: kept in a set by identity
class DbtThread:
    """What dagster-dbt's invocation expects of its `dbt` process (args, wait, returncode,
    send_signal), for dbt running in a thread of this process."""

    args: Sequence[str]
    returncode: int | None = None
    stdout: Any = None
    thread: threading.Thread | None = None

    def wait(self, timeout: float | None = None) -> int | None:
        if self.thread is not None:
            self.thread.join(timeout)
        return self.returncode

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, sig: int) -> None:
        """An interrupted run (dagster-dbt forwards SIGINT): dbt is stopped."""
        self.stop()

    def stop(self, timeout: float = 120) -> bool:
        """Stop a build still running (its step failed): what Ctrl-C does to `dbt build`, a
        KeyboardInterrupt in dbt's thread (dbt then cancels its queries and skips the rest),
        with the running queries interrupted so it lands. True if dbt was running."""
        from dbt.adapters.factory import FACTORY

        thread = self.thread
        if thread is None or not thread.is_alive() or thread.ident is None:
            return False
        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(thread.ident), ctypes.py_object(KeyboardInterrupt)
        )
        for adapter in list(FACTORY.adapters.values()):
            with contextlib.suppress(Exception):  # nothing open, or already closed
                adapter.cancel_open_connections()
        thread.join(timeout)
        return True


# builds started in this process and not yet finished, and those a failed step stopped
_RUNNING: set[DbtThread] = set()
_STOPPED: list[str] = []


def stop(invocation: DbtCliInvocation) -> None:
    """The dbt step failed while reading `invocation`'s events: an in-process build is stopped
    now (in any process: a UI run worker too); a subprocess is left to launch/processes.py."""
    process = invocation.process
    if isinstance(process, DbtThread) and process.stop():
        _STOPPED.append(" ".join(process.args))


def stop_running() -> list[str]:
    """Stop every in-process build still running: a failed step must not leave dbt writing
    the warehouse once the run lets it go (as launch/processes.py does for a dbt subprocess).
    What was stopped, here or by the failed step (`stop`), as commands."""
    stopped = _STOPPED + [" ".join(t.args) for t in list(_RUNNING) if t.stop()]
    _RUNNING.clear()
    _STOPPED.clear()
    return stopped


def build_in_process(
    resource, manifest: Manifest, args: Sequence[str], *, context, target_path: Path
) -> InProcessInvocation:
    """dagster-dbt's DbtCliResource.cli(args, context=..., target_path=...), with dbt run in a
    thread of this process on `manifest` instead of in a subprocess: the same selection of the
    context's assets, the same events."""
    from dagster_dbt.asset_utils import (
        extract_runtime_selection_from_args,
        get_updated_cli_invocation_params_for_context,
    )
    from dagster_dbt.dagster_dbt_translator import DagsterDbtTranslator

    cleaned, selects, excludes = extract_runtime_selection_from_args(list(args))
    params = get_updated_cli_invocation_params_for_context(
        context=context,
        manifest={},
        dagster_dbt_translator=DagsterDbtTranslator(),
        runtime_selects=selects,
        runtime_excludes=excludes,
    )
    project_dir = Path(resource.project_dir)
    dbt_args = [
        *resource.global_config_flags,
        *cleaned,
        *params.selection_args,
        *(["--indirect-selection", params.indirect_selection] if params.indirect_selection else []),
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(resource.profiles_dir or project_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
        # dbt's own console log: errors only (they reach the run log); every event goes to
        # dagster-dbt below, which writes the run log as for a subprocess
        "--quiet",
    ]
    process = DbtThread(args=["dbt", *dbt_args])
    events: queue.Queue = queue.Queue()
    invocation = InProcessInvocation(
        process=process,
        manifest=params.manifest,
        dagster_dbt_translator=params.dagster_dbt_translator,
        project_dir=project_dir,
        target_path=target_path,
        raise_on_error=False,
        context=context,
        adapter=None,
        cli_version=resource._cli_version,
        project=params.dbt_project,
        events=events,
    )
    process.thread = threading.Thread(
        target=_run, args=(manifest, dbt_args, events, process), name="dbt", daemon=True
    )
    _RUNNING.add(process)
    process.thread.start()
    return invocation


def _run(manifest: Manifest, args: list[str], events: queue.Queue, process: DbtThread) -> None:
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner
    from dbt_common.events.base_types import EventLevel
    from dbt_common.events.functions import msg_to_dict

    opened: set = set()
    shown = {EventLevel.INFO, EventLevel.WARN, EventLevel.ERROR}

    def forward(event) -> None:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            opened.add(env)
        # the events a `dbt --log-format json` subprocess prints at its default level
        if event.info.level in shown:
            events.put(msg_to_dict(event))

    try:
        result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke(args)
        process.returncode = 0 if result.success else (1 if result.exception is None else 2)
        if result.exception is not None:
            events.put(_error_event(f"dbt failed: {result.exception}"))
    except BaseException as e:  # reported as dbt's failure, as a subprocess's exit code
        process.returncode = 2
        events.put(_error_event(f"dbt failed: {e!r}"))
    finally:
        # dbt-duckdb leaves its database open after the build: closed, so this process may open
        # the warehouse again (DuckDB refuses a second configuration of an open file)
        for env in opened:
            env.close()
        _RUNNING.discard(process)
        events.put(_Done)


def _error_event(message: str) -> dict:
    return {"info": {"name": "MainEncounteredError", "level": "error", "msg": message}, "data": {}}
