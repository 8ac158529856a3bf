#!/usr/bin/env bash
# Installs what the test suite needs on a fresh Debian machine: Debian packages by name and
# Python packages from interop/requirements.txt. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v xmlsec1 >/dev/null 2>&1 || need_apt+=(xmlsec1)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v psql >/dev/null 2>&1 || need_apt+=(postgresql-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

python3 -m pip install -q --disable-pip-version-check -r interop/requirements.txt

# ---- Browser and npm relying parties (interop/test_oidc_node.py, interop/test_browser.py) ----
# openid-client, aws-jwt-verify and playwright-core from interop/node/package-lock.json; Chromium
# is Debian's package (never a downloaded browser build: playwright-core drives /usr/bin/chromium).
need_browser_apt=()
command -v node >/dev/null 2>&1 || need_browser_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_browser_apt+=(npm)
[ -x /usr/bin/chromium ] || need_browser_apt+=(chromium)
if [ ${#need_browser_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_browser_apt[@]}"
fi
(cd interop/node && npm ci --no-audit --no-fund --loglevel=error)
