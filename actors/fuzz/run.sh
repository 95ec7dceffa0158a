#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) and prints the number of
# executions each completed. Crashes stop the run and leave a reproducer in
# actors/fuzz/artifacts/<target>/ (turn it into a regression test).
#   bash actors/fuzz/run.sh [seconds-per-target] [target ...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(engineio socketio polling_payload remote_validate envelope tokens)
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log=$(mktemp)
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- -max_total_time="$SECS" -print_final_stats=1 >"$log" 2>&1 || {
    tail -40 "$log"; echo "FUZZ FAILURE in $t"; exit 1; }
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  echo "$t: ${runs:-?} executions in ${SECS}s, no crash"
  rm -f "$log"
done
