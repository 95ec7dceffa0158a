#!/usr/bin/env bash
# Short fuzz run of every target (issue #9 item 1): FUZZ_CI_SECS seconds each (default 15,
# six targets: about 1.5 min of fuzzing), after the tests. Needs the nightly toolchain
# (cargo-fuzz builds with sanitizers); without it the run is skipped with a notice.
# cargo-fuzz is installed from crates.io when missing. The instrumented build lives outside
# the clone (FUZZ_TARGET_DIR, default ~/.cache/infinidream/fuzz-target) so that later CI
# runs on the same machine rebuild only what changed. Any crash fails CI and leaves its
# reproducer in actors/fuzz/artifacts/<target>/. The long campaigns are in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[fuzz] $*" >&2; }
if ! cargo +nightly --version >/dev/null 2>&1; then
  log "no nightly toolchain (rustup toolchain install nightly): fuzz run SKIPPED"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  log "installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --locked
fi
export FUZZ_TARGET_DIR="${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/infinidream/fuzz-target}"
mkdir -p "$FUZZ_TARGET_DIR"
log "every target for ${FUZZ_CI_SECS:-15}s (build in $FUZZ_TARGET_DIR)"
bash actors/fuzz/run.sh "${FUZZ_CI_SECS:-15}"
