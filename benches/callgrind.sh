#!/usr/bin/env bash
# Instructions per connect, server against the echo floor, counted by callgrind: N users ×
# 2 devices open their authenticated sessions and close them again, with the server (and
# then the floor) running under `valgrind --tool=callgrind`. Only the measured run is
# counted (instrumentation is switched on around it); a warm-up run before it fills the
# caches that a connect wave of a running instance finds filled (the API-key cache lives
# 1 s, so the measured run looks every key up again, like `connect.sh` runs 2+).
#
#   bash benches/callgrind.sh [users] [repeats]
#
# Instruction counts do not depend on what else the machine is doing, so two builds can
# be compared on a busy VM where `connect.sh`'s CPU time per session scatters by ±20 %:
# repeated runs of one build agree within about 1 %. They count user space only (no
# kernel time, no syscalls) and include the disconnect of every session. Per-function
# profiles (inclusive and exclusive) are written to $OUT (default target/callgrind/);
# read them with `callgrind_annotate --inclusive=yes <file>`. BIN=<dir> picks other
# release binaries (A/B). Needs valgrind (Debian package) and release binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
USERS=${1:-300}; REPEATS=${2:-1}
BIN=${BIN:-target/release}
OUT=${OUT:-target/callgrind}; mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
PORT=${PORT:-18960}; FLOOR_PORT=$((PORT + 1))
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
bench_db infini_cg_$$
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} REDIS_PREFIX="cg$$:" RUST_LOG=warn
"$BIN/infinidream" migrate >/dev/null
rm -f "$OUT"/server.*.out* "$OUT"/floor.*.out*
# Instrumentation off until the measured run; each dump is one numbered file.
CG="valgrind --tool=callgrind --instr-atstart=no"
PORT=$PORT WORKERS=1 $CG --callgrind-out-file="$OUT/server.%p.out" "$BIN/infinidream" serve 2>"$OUT/server.valgrind.log" &
SERVER=$!
WORKERS=1 $CG --callgrind-out-file="$OUT/floor.%p.out" "$BIN/infinidream-echo-floor" "127.0.0.1:$FLOOR_PORT" \
  2>"$OUT/floor.valgrind.log" &
FLOOR=$!
wait_healthy "$PORT" 600
KEYS="$OUT/keys.txt"
create_users "$PORT" "$USERS" "$KEYS"
# Valgrind runs the server some 50× slower: fewer connects in flight, a longer bound.
GEN=(--connect-concurrency 32 --connect-timeout 120)
SESSIONS=$((USERS * 2))
# One measured run against `pid` with loadgen arguments after it; prints its count.
measure() {
  local pid=$1 label=$2; shift 2
  "$BIN/infinidream-loadgen" "$@" "${GEN[@]}" >/dev/null # warm-up
  sleep 2
  callgrind_control -z "$pid" >/dev/null 2>&1
  callgrind_control -i on "$pid" >/dev/null 2>&1
  "$BIN/infinidream-loadgen" "$@" "${GEN[@]}" --json "$OUT/$label.json" >/dev/null
  sleep 2 # the disconnects' own work (presence, room teardown)
  callgrind_control -i off "$pid" >/dev/null 2>&1
  callgrind_control -d "$pid" >/dev/null 2>&1
  local file total
  file=$(ls -t "$OUT/$label".*.out.* | head -1)
  total=$(callgrind_annotate "$file" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
  callgrind_annotate --inclusive=yes "$file" 2>/dev/null | head -120 >"$OUT/$label-$i.inclusive.txt"
  callgrind_annotate "$file" 2>/dev/null | head -120 >"$OUT/$label-$i.exclusive.txt"
  echo "$total"
}
for i in $(seq 1 "$REPEATS"); do
  s=$(measure "$SERVER" server --target "127.0.0.1:$PORT" --keys-file "$KEYS" --devices 2)
  f=$(measure "$FLOOR" floor --echo --target "127.0.0.1:$FLOOR_PORT" --users "$USERS" --devices 2)
  python3 -c "s, f, n = $s, $f, $SESSIONS
print('run $i: server %.0f instructions per session, floor %.0f (%.2fx), %d sessions' % (s / n, f / n, s / f, n))"
done
# Under valgrind the processes may linger after their shutdown (the final summary is in
# their logs): end them here, bounded, before the common clean-up waits for them.
kill -TERM "$SERVER" "$FLOOR" 2>/dev/null || true
for _ in $(seq 1 100); do
  kill -0 "$SERVER" 2>/dev/null || kill -0 "$FLOOR" 2>/dev/null || break
  sleep 0.2
done
kill -KILL "$SERVER" "$FLOOR" 2>/dev/null || true
