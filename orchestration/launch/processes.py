"""Child processes of this one (Linux /proc): a step that fails while dbt runs leaves dbt
writing to the warehouse; the launcher stops it before the warehouse lock is released."""

import contextlib
import os
import time
from pathlib import Path


def child_processes() -> dict[int, str]:
    """This process's live children, pid -> command (Linux /proc; empty where there is none)."""
    me = os.getpid()
    found: dict[int, str] = {}
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        state, ppid = stat[stat.rfind(")") + 2 :].split()[:2]
        if int(ppid) == me and state not in ("Z", "X"):
            argv = [a for a in cmdline.decode("utf-8", "replace").split("\0") if a]
            if len(argv) > 1 and Path(argv[0]).name.startswith("python"):
                argv = argv[1:]  # a script: name the script, not the interpreter
            found[int(entry.name)] = " ".join([Path(argv[0]).name, *argv[1:3]]) if argv else "?"
    return found


def stop_processes(pids: dict[int, str], grace_seconds: float = 30.0) -> list[tuple[int, str]]:
    """Interrupt (SIGINT: dbt cancels its queries), then kill what is left after the grace."""
    import signal

    if not pids:
        return []
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGINT)
    deadline = time.monotonic() + grace_seconds
    while time.monotonic() < deadline and pids.keys() & child_processes().keys():
        time.sleep(0.2)
    for pid in pids.keys() & child_processes().keys():
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pids.keys() & child_processes().keys():
        time.sleep(0.05)  # gone (or a zombie, which holds no lock) within moments
    return sorted(pids.items())
