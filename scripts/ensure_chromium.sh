#!/usr/bin/env bash
# Debian's chromium for the browser test of the Dagster UI (tests/integration/test_ui_browser.py)
# and `make ui-images`. Idempotent: exits at once when /usr/bin/chromium is there; otherwise
# installs the distribution package (as root, or through sudo without a password prompt).
# Playwright drives this browser (executable_path=/usr/bin/chromium): no `playwright install`.
set -euo pipefail

CHROMIUM="${CLEANSLATE_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing and apt-get is not available;" \
         "install Chromium by hand (or set CLEANSLATE_CHROMIUM)" >&2
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    echo "ensure_chromium: $CHROMIUM is missing; run as root or with sudo:" \
         "apt-get update && apt-get install -y chromium" >&2
    exit 1
fi
echo "ensure_chromium: installing Debian's chromium (for the Dagster UI browser test) ..." >&2
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: installed the chromium package but $CHROMIUM is still missing" >&2
    exit 1
fi
"$CHROMIUM" --version >&2 || true
