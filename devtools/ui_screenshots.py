"""Screenshots of the Dagster UI: the asset graph and the decision table's asset page.

    python -m devtools.ui_screenshots docs/images     # `make ui-images`, after `make demo`

Starts the Dagster webserver on a free port of 127.0.0.1 against $DAGSTER_HOME (an instance
holding a clearance run, e.g. the demo's .dagster_home), drives Debian's headless Chromium
with Playwright and writes ui_asset_graph.png and ui_decision_table.png (and ui_checks.png,
the decision table's checks tab). The browser test (tests/integration/test_ui_browser.py)
uses the same functions. The webserver's whole process group is stopped on the way out.
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from orchestration.lib.settings import PROJECT_ROOT, settings

CHROMIUM = str(settings().chromium)
DECISION_TABLE = "fct_decisions"
GRAPH_VIEWPORT = {"width": 1600, "height": 2600}  # the marts and exports groups are tall
PAGE_VIEWPORT = {"width": 1600, "height": 1200}
# Drawn asset by asset in the lineage screenshot; the earlier stages are one box per group
# (the whole graph expanded does not fit a screen at a readable zoom).
EXPANDED_GROUPS = ("marts", "exports", "audit")
# The groups of the asset graph, left to right as the pipeline runs.
GROUPS = ("ingest", "rules", "staging", "intermediate", "marts", "exports", "audit")


class UiError(RuntimeError):
    """The webserver or a page did not come up as expected."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(url: str, query: str, timeout: float = 30) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.loads(response.read())
    if body.get("errors"):
        raise UiError(f"GraphQL errors: {body['errors']}")
    return body["data"]


def _webserver_command() -> list[str]:
    beside = Path(sys.executable).parent / "dagster-webserver"
    exe = str(beside) if beside.exists() else (shutil.which("dagster-webserver") or "")
    if not exe:
        raise UiError("dagster-webserver not found (install the project: make install)")
    return [exe]


@contextlib.contextmanager
def webserver(dagster_home: Path, timeout: float = 240) -> Iterator[str]:
    """The Dagster webserver on 127.0.0.1:<free port>, with the code location loaded; yields
    its URL. Stops the webserver's process group (it and its code server) on the way out."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DAGSTER_HOME": str(dagster_home)}
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [
                *_webserver_command(),
                *("-w", str(PROJECT_ROOT / "workspace.yaml")),
                *("-h", "127.0.0.1", "-p", str(port)),
            ],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole below
        )
        try:
            _wait_until_ready(url, proc, timeout, log)
            yield url
        finally:
            stop_process_group(proc)


def _log_tail(log) -> str:
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-3000:]


def _wait_until_ready(url: str, proc: subprocess.Popen, timeout: float, log) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise UiError(f"dagster-webserver exited with {proc.returncode}:\n{_log_tail(log)}")
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    entries = graphql(url, _LOCATIONS)["workspaceOrError"]["locationEntries"]
                    statuses = {e["name"]: e["loadStatus"] for e in entries}
                    errors = [
                        e["locationOrLoadError"].get("message", "")
                        for e in entries
                        if (e["locationOrLoadError"] or {}).get("__typename") == "PythonError"
                    ]
                    if errors:
                        raise UiError(f"the code location failed to load: {errors[0][:2000]}")
                    if statuses and all(s == "LOADED" for s in statuses.values()):
                        return
                    last = f"code locations: {statuses}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as e:
            last = str(e)
        time.sleep(1)
    raise UiError(f"webserver not ready after {timeout:.0f} s ({last}):\n{_log_tail(log)}")


_LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }
"""


def stop_process_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM to the process group started for proc, SIGKILL after the grace period."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the code server too, if it outlived its parent
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


def dismiss_first_visit_modal(url: str) -> None:
    """The 'welcome' dialog Dagster shows on an instance's first visit hides the page."""
    graphql(url, "mutation { setNuxSeen }")


def _settle(page, text: str, timeout_ms: int = 90_000) -> None:
    """Wait until `text` is on screen and the page has stopped loading."""
    page.get_by_text(text, exact=True).first.wait_for(state="visible", timeout=timeout_ms)
    with contextlib.suppress(Exception):  # the UI polls now and then; a quiet moment will do
        page.wait_for_load_state("networkidle", timeout=15_000)
    page.wait_for_timeout(2000)  # the graph's layout and zoom animation


def _graph_url(url: str, expanded: tuple[str, ...]) -> str:
    """The global asset lineage with these groups open (the others drawn as one box each)."""
    groups = ",".join(f"global@global:{g}" for g in expanded)
    return f"{url}/asset-groups/?" + urllib.parse.urlencode({"expanded": groups})


def capture(url: str, outdir: Path) -> dict[str, str]:
    """Screenshots of the asset lineage, the decision table's asset page and its checks tab.

    Returns each page's visible text (name -> text) for the caller to check.
    """
    from playwright.sync_api import sync_playwright  # dev dependency

    if not Path(CHROMIUM).exists():
        raise UiError(f"{CHROMIUM} is missing: run scripts/ensure_chromium.sh")
    outdir.mkdir(parents=True, exist_ok=True)
    texts: dict[str, str] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport=GRAPH_VIEWPORT, device_scale_factor=1)
            graph = _graph_url(url, EXPANDED_GROUPS)
            page.goto(graph, wait_until="domcontentloaded")
            _settle(page, "staged_files")
            # room for the graph: fold the navigation away (the UI keeps that choice in the
            # browser's storage), then load the page again to center the graph; the tree on the
            # left lists every group
            page.get_by_text("Hide navigation", exact=True).click()
            page.goto(graph, wait_until="domcontentloaded")
            _settle(page, "staged_files")
            page.screenshot(path=str(outdir / "ui_asset_graph.png"))
            texts["asset_graph"] = page.locator("body").inner_text()

            # the decision table: group, owners, row count, checks, column schema
            page.set_viewport_size(PAGE_VIEWPORT)
            page.goto(f"{url}/assets/{DECISION_TABLE}", wait_until="domcontentloaded")
            _settle(page, "Row count")
            page.get_by_text("decision_id", exact=True).first.wait_for(state="visible")
            page.get_by_text("Compute details", exact=True).click()  # the code version
            page.get_by_text("Code version", exact=True).first.wait_for(state="visible")
            page.wait_for_timeout(500)
            page.screenshot(path=str(outdir / "ui_decision_table.png"))
            texts["decision_table"] = page.locator("body").inner_text()

            page.goto(f"{url}/assets/{DECISION_TABLE}?view=checks", wait_until="domcontentloaded")
            _settle(page, "ge_decision_table")
            page.screenshot(path=str(outdir / "ui_checks.png"))
            texts["checks"] = page.locator("body").inner_text()

            # the ingest gates: the reconciliation check and the GE suite on the extract
            page.goto(f"{url}/assets/raw/doj_extract?view=checks", wait_until="domcontentloaded")
            _settle(page, "ge_doj_extract")
            page.screenshot(path=str(outdir / "ui_ingest_checks.png"))
            texts["ingest_checks"] = page.locator("body").inner_text()
        finally:
            browser.close()
    return texts


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    home = settings().dagster_home or PROJECT_ROOT / ".dagster_home"
    if not (home / "storage").exists():
        print(f"no Dagster runs under {home}: run `make demo` first", file=sys.stderr)
        return 1
    with webserver(home) as url:
        dismiss_first_visit_modal(url)
        capture(url, outdir)
    for name in ("ui_asset_graph.png", "ui_decision_table.png"):
        print(f"wrote {outdir / name}")
    for extra in ("ui_checks.png", "ui_ingest_checks.png"):  # the test's; the README shows two
        (outdir / extra).unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
