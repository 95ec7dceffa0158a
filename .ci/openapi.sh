#!/usr/bin/env bash
# Installs the OpenAPI validator the test `openapi_document_lists_every_route_and_validates`
# runs on the served document: `openapi-spec-validator` from PyPI.
set -euo pipefail
log() { echo "[openapi] $*" >&2; }
if python3 -c "import openapi_spec_validator" 2>/dev/null; then
  log "openapi-spec-validator present"
  exit 0
fi
log "installing openapi-spec-validator from PyPI"
python3 -m pip install -q openapi-spec-validator 2>/dev/null ||
  python3 -m pip install -q --break-system-packages openapi-spec-validator
