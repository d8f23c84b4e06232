"""`make serve`: the Dagster webserver and daemon against the production instance.

python -m orchestration.service.serve [all|webserver|daemon|code-server] [--host H] [--port P]

* DAGSTER_HOME gets deploy/dagster.yaml when it has no dagster.yaml (one that differs is kept,
  with a warning): runs, event logs and schedules in PostgreSQL, one run at a time, retries.
* DAGSTER_PG_HOST, DAGSTER_PG_PORT (5432), DAGSTER_PG_USER, DAGSTER_PG_PASSWORD (""),
  DAGSTER_PG_DB name the PostgreSQL database; it is checked before anything starts.
* CLEANSLATE_PSEUDONYM_KEY must be set: every run needs it (no default outside the demo).
* CLEANSLATE_SERVICE=1: the landing sensor, the monthly schedule and the alert sensor start
  running (under `make dev` they are off).
* `all` supervises both processes: Ctrl-C / SIGTERM stops both; either one exiting stops the
  other. The other modes replace this process (the container entrypoint uses them).
"""

import argparse
import contextlib
import filecmp
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration.lib.settings import PROJECT_ROOT, SettingsError, run_settings_problem, settings

DEPLOY_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"
WORKSPACE = PROJECT_ROOT / "workspace.yaml"
PG_VARS = ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_DB")


def _bin(name: str) -> str:
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else (shutil.which(name) or name)


def prepare_instance(home: Path, template: Path = DEPLOY_YAML) -> list[str]:
    """DAGSTER_HOME with the production dagster.yaml. Returns warnings."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    if not target.exists() or not target.read_text().strip():
        shutil.copyfile(template, target)
        return []
    if not filecmp.cmp(template, target, shallow=False):
        return [f"{target} differs from {template}; using {target}"]
    return []


def check_postgres(timeout: int = 5) -> str | None:
    """None if the PostgreSQL of DAGSTER_PG_* answers; else what is wrong, in one line."""
    s = settings()
    given = dict(zip(PG_VARS, (s.dagster_pg_host, s.dagster_pg_user, s.dagster_pg_db), strict=True))
    missing = [v for v, value in given.items() if not value]
    if missing:
        return (
            f"set {', '.join(missing)} (and DAGSTER_PG_PASSWORD, DAGSTER_PG_PORT) to the "
            'PostgreSQL database of the Dagster instance, e.g. eval "$(scripts/postgres.sh env)"'
        )
    import psycopg2

    try:
        psycopg2.connect(
            host=s.dagster_pg_host,
            port=s.dagster_pg_port,
            user=s.dagster_pg_user,
            password=s.dagster_pg_password.get_secret_value(),
            dbname=s.dagster_pg_db,
            connect_timeout=timeout,
        ).close()
    except psycopg2.Error as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        return f"cannot connect to PostgreSQL at {s.dagster_pg_host}: {first}"
    return None


def commands(host: str, port: int, code_port: int) -> dict[str, list[str]]:
    ws = ["-w", str(WORKSPACE)]
    return {
        "webserver": [_bin("dagster-webserver"), *ws, "-h", host, "-p", str(port)],
        "daemon": [_bin("dagster-daemon"), "run", *ws],
        "code-server": [
            _bin("dagster"),
            "code-server",
            "start",
            "-m",
            "orchestration.definitions",
            "-h",
            host,
            "-p",
            str(code_port),
        ],
    }


def _default_signals() -> None:
    # A background job of a non-interactive shell starts with SIGINT ignored, and Dagster copies
    # SIGINT's handler to SIGTERM: restore both so the children can be stopped.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def supervise(cmds: list[list[str]], grace: float = 30.0) -> int:
    """Start every command; stop all when one exits or on SIGINT/SIGTERM. Its exit code."""
    procs = [subprocess.Popen(c, cwd=PROJECT_ROOT, preexec_fn=_default_signals) for c in cmds]
    stopping = {"signal": None}

    def _stop(signum, _frame):
        stopping["signal"] = signum

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    code = 0
    while stopping["signal"] is None:
        exited = [p for p in procs if p.poll() is not None]
        if exited:
            code = exited[0].returncode or 1
            print(f"serve: {Path(exited[0].args[0]).name} exited ({code}); stopping", flush=True)
            break
        time.sleep(0.5)
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                p.send_signal(signal.SIGINT)
    deadline = time.monotonic() + grace
    for p in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        if p.poll() is None:
            p.kill()
            p.wait()
    return 0 if stopping["signal"] is not None else code


def main(argv: list[str] | None = None) -> int:
    try:
        s = settings()
    except SettingsError as e:
        print(f"serve: {e}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "component", nargs="?", default="all", choices=["all", "webserver", "daemon", "code-server"]
    )
    parser.add_argument("--host", default=s.host)
    parser.add_argument("--port", type=int, default=s.port)
    parser.add_argument("--code-port", type=int, default=4000)
    args = parser.parse_args(argv)

    os.environ["CLEANSLATE_SERVICE"] = "1"
    problem = run_settings_problem()  # every run of the service needs the pseudonym key
    if problem:
        print(f"serve: {problem}", file=sys.stderr)
        return 2
    if args.component != "code-server":  # a code server needs no instance
        home = s.dagster_home
        if not home:
            print("serve: set DAGSTER_HOME (make serve uses .dagster_serve)", file=sys.stderr)
            return 2
        for warning in prepare_instance(home):
            print(f"serve: warning: {warning}", file=sys.stderr)
        os.environ.setdefault("DAGSTER_PG_PORT", "5432")
        os.environ.setdefault("DAGSTER_PG_PASSWORD", "")
        problem = check_postgres()
        if problem:
            print(f"serve: {problem}", file=sys.stderr)
            return 2
    cmds = commands(args.host, args.port, args.code_port)
    if args.component != "all":
        cmd = cmds[args.component]
        os.chdir(PROJECT_ROOT)
        os.execv(cmd[0], cmd)
    pg = f"{s.dagster_pg_host}:{s.dagster_pg_port}"
    print(
        f"serve: Dagster UI on http://{args.host}:{args.port} (instance "
        f"{s.dagster_home}, PostgreSQL {pg}); Ctrl-C stops",
        flush=True,
    )
    return supervise([cmds["webserver"], cmds["daemon"]])


if __name__ == "__main__":
    sys.exit(main())
