#!/usr/bin/env bash
# Checks for the tools the build and tests need; installs what Debian packages provide.
set -euo pipefail
log() { echo "[toolchain] $*" >&2; }
if ! command -v cargo >/dev/null 2>&1; then
  log "cargo not found: install the Rust toolchain pinned in rust-toolchain.toml (rustup), then re-run."
  exit 1
fi
