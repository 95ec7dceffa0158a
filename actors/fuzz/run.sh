#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each) and prints the number of
# executions each completed and the wall time it took. Crashes stop the run and leave a
# reproducer in actors/fuzz/artifacts/<target>/ (turn it into a regression test).
#   bash actors/fuzz/run.sh [seconds-per-target] [target ...]
# FUZZ_RUNS=<n> also stops each target after n executions (campaigns: FUZZ_RUNS=10000000
# with a generous time bound). The corpus in actors/fuzz/corpus/<target> is reused, so a
# later run resumes where the previous one stopped. FUZZ_TARGET_DIR=<dir> builds there
# instead of actors/fuzz/target (CI keeps its instrumented build outside the clone).
# FUZZ_JOBS=<n> runs n libFuzzer jobs of the same target side by side (sharing the
# corpus; FUZZ_RUNS is split between them and the reported count is their sum).
# Two runs at once in one checkout would clobber each other's job logs: run one at a time.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
SECS=${1:-60}; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(engineio socketio polling_payload remote_validate envelope tokens)
JOBS=${FUZZ_JOBS:-1}
RUNS_ARG=()
[ -z "${FUZZ_RUNS:-}" ] || RUNS_ARG=("-runs=$(( (FUZZ_RUNS + JOBS - 1) / JOBS ))")
JOBS_ARG=()
[ "$JOBS" -le 1 ] || JOBS_ARG=("-jobs=$JOBS" "-workers=$JOBS")
DIR_ARG=()
[ -z "${FUZZ_TARGET_DIR:-}" ] || DIR_ARG=(--target-dir "$FUZZ_TARGET_DIR")
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  log=$(mktemp)
  rm -f fuzz-[0-9]*.log  # per-job logs libFuzzer writes to the working directory
  start=$(date +%s)
  cargo +nightly fuzz run -O "${DIR_ARG[@]}" "$t" "fuzz/corpus/$t" -- -max_total_time="$SECS" "${RUNS_ARG[@]}" \
      "${JOBS_ARG[@]}" -print_final_stats=1 >"$log" 2>&1 || {
    tail -40 "$log" fuzz-[0-9]*.log 2>/dev/null; echo "FUZZ FAILURE in $t"; exit 1; }
  took=$(( $(date +%s) - start ))
  jobs_logs=(fuzz-[0-9]*.log)
  if [ "$JOBS" -gt 1 ] && [ ${#jobs_logs[@]} -gt 0 ]; then
    if grep -lE 'ERROR: libFuzzer|panicked|deadly signal' "${jobs_logs[@]}"; then
      echo "FUZZ FAILURE in $t (see the job logs above)"; exit 1
    fi
    # The job logs are the count (libFuzzer also echoes them into the main log).
    cat "${jobs_logs[@]}" >"$log"
    rm -f "${jobs_logs[@]}"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | awk '{ s += $1 } END { if (NR) print s }')
  echo "$t: ${runs:-?} executions in ${took}s (bound ${SECS}s), no crash"
  rm -f "$log"
done
