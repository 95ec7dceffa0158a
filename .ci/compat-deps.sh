#!/usr/bin/env bash
# Installs what the realtime compatibility suite (tests/api/realtime_compat.rs) runs:
# node + npm with socket.io-client and playwright-core (tests/compat/node_modules, from
# package-lock.json; playwright-core drives Debian chromium in tests/api/remote_browser.rs) and
# python3 with python-socketio in tests/compat/.venv (from tests/compat/requirements.txt).
# Node, npm and python3-venv come from Debian's packages when missing. Idempotent: does
# nothing when everything is already installed and up to date.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[compat-deps] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing $* from Debian packages"
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

compat=tests/compat

# --- node + npm ---------------------------------------------------------------------
if ! command -v node >/dev/null 2>&1; then apt_install nodejs; fi
if ! command -v npm >/dev/null 2>&1; then apt_install npm; fi

# node_modules is stale when package.json or package-lock.json is newer than npm's own
# record of the last install (node_modules/.package-lock.json).
npm_stamp="$compat/node_modules/.package-lock.json"
need_npm=0
if [ ! -f "$npm_stamp" ] || [ ! -d "$compat/node_modules/socket.io-client" ] ||
  [ ! -d "$compat/node_modules/playwright-core" ]; then
  need_npm=1
elif [ "$compat/package.json" -nt "$npm_stamp" ]; then
  need_npm=1
elif [ -f "$compat/package-lock.json" ] && [ "$compat/package-lock.json" -nt "$npm_stamp" ]; then
  need_npm=1
fi
if [ "$need_npm" = 1 ]; then
  if [ -f "$compat/package-lock.json" ]; then
    log "npm ci in $compat"
    (cd "$compat" && npm ci --no-audit --no-fund --loglevel=error)
  else
    log "npm install in $compat"
    (cd "$compat" && npm install --no-audit --no-fund --loglevel=error)
  fi
fi

# --- python3 + venv with python-socketio ----------------------------------------------
if ! command -v python3 >/dev/null 2>&1; then apt_install python3; fi
venv="$compat/.venv"
req="$compat/requirements.txt"
stamp="$venv/.requirements.installed"
venv_ok() { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import socketio, websocket' >/dev/null 2>&1; }
if ! venv_ok || [ ! -f "$stamp" ] || ! cmp -s "$req" "$stamp"; then
  if [ ! -x "$venv/bin/python" ]; then
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then
      # Debian splits ensurepip out of python3; install the venv package and retry.
      rm -rf "$venv"
      pyver=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
      apt_install python3-venv || true
      apt_install "python${pyver}-venv" || true
      python3 -m venv "$venv"
    fi
  fi
  log "pip install -r $req into $venv"
  "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$req"
  cp "$req" "$stamp"
fi
venv_ok || { log "python-socketio is not importable from $venv"; exit 1; }
log "node $(node --version), socket.io-client and python-socketio are ready"
