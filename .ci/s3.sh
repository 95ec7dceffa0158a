#!/usr/bin/env bash
# Installs the local S3-compatible server the upload tests start: moto's `moto_server`
# from PyPI (>= 5.2.5: 5.2.1 breaks CompleteMultipartUpload). Tests start one per test on
# a free 127.0.0.1 port (tests/api/stubs.rs); set MOTO_SERVER to use another binary path.
set -euo pipefail
log() { echo "[s3] $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
have_moto() {
  command -v moto_server >/dev/null 2>&1 &&
    python3 - <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
v = tuple(int(x) for x in version("moto").split(".")[:3] if x.isdigit())
sys.exit(0 if v >= (5, 2, 5) else 1)
PY
}
if have_moto; then
  log "moto_server present"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1 || ! python3 -m pip --version >/dev/null 2>&1; then
  log "installing python3 and pip from Debian packages"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 python3-pip >/dev/null
fi
log "installing moto[server]>=5.2.5 from PyPI"
python3 -m pip install -q 'moto[server]>=5.2.5' 2>/dev/null ||
  python3 -m pip install -q --break-system-packages 'moto[server]>=5.2.5'
have_moto || { log "moto_server still not usable"; exit 1; }
log "moto_server installed"
