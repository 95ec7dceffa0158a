#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) and prints the number of
# executions each completed and the wall time it took. Crashes stop the run and leave a
# reproducer in actors/fuzz/artifacts/<target>/ (turn it into a regression test).
#   bash actors/fuzz/run.sh [seconds-per-target] [target ...]
# FUZZ_RUNS=<n> also stops each target after n executions (campaigns: FUZZ_RUNS=10000000
# with a generous time bound). The corpus in actors/fuzz/corpus/<target> is reused, so a
# later run resumes where the previous one stopped. FUZZ_TARGET_DIR=<dir> builds there
# instead of actors/fuzz/target (CI keeps its instrumented build outside the clone).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(engineio socketio polling_payload remote_validate envelope tokens)
RUNS_ARG=()
[ -z "${FUZZ_RUNS:-}" ] || RUNS_ARG=("-runs=$FUZZ_RUNS")
DIR_ARG=()
[ -z "${FUZZ_TARGET_DIR:-}" ] || DIR_ARG=(--target-dir "$FUZZ_TARGET_DIR")
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log=$(mktemp)
  start=$(date +%s)
  cargo +nightly fuzz run -O "${DIR_ARG[@]}" "$t" "fuzz/corpus/$t" -- -max_total_time="$SECS" "${RUNS_ARG[@]}" \
      -print_final_stats=1 >"$log" 2>&1 || {
    tail -40 "$log"; echo "FUZZ FAILURE in $t"; exit 1; }
  took=$(( $(date +%s) - start ))
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "$t: ${runs:-?} executions in ${took}s (bound ${SECS}s), no crash"
  rm -f "$log"
done
