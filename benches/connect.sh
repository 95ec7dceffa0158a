#!/usr/bin/env bash
# Connect rate, side by side with the echo floor: N users × 2 devices open their
# authenticated sessions (Engine.IO handshake + Socket.IO CONNECT with an API key + first
# client_presence; the floor: handshake + CONNECT), `repeats` times, alternating server
# and floor. Server and floor on core 0, generator on core 1, loopback only.
#
#   bash benches/connect.sh [users] [repeats]
#
# Also prints the server's CPU time per session over the connect phase (from /proc, in
# 10 ms ticks: use a few thousand sessions), which is steadier than the rate on a shared
# VM, the generator's own CPU per session, and for the server the CPU that PostgreSQL and
# Redis spent over the run (they are unpinned: the rate is bound by whichever core fills
# first). BIN=<dir> picks other release binaries (A/B against an older build).
# CONCURRENCY=<n> sets the generator's connects in flight (default 256): at a low value
# the rate is bound by the latency of one connect, not by CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
USERS=${1:-1000}; REPEATS=${2:-5}
BIN=${BIN:-target/release}
OUT=${OUT:-target/connect}; mkdir -p "$OUT"
PORT=${PORT:-18980}; FLOOR_PORT=$((PORT + 1))
bench_db infini_conn_$$
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} REDIS_PREFIX="conn$$:"
export RUST_LOG=warn
"$BIN/infinidream" migrate >/dev/null
PORT=$PORT WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER=$!
WORKERS=1 taskset -c 0 "$BIN/infinidream-echo-floor" "127.0.0.1:$FLOOR_PORT" & FLOOR=$!
wait_healthy "$PORT"
KEYS="$OUT/keys.txt"
create_users "$PORT" "$USERS" "$KEYS"
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4
rate() {
  python3 -c "import json; r = json.load(open('$1')); s = r['server']; n = max(r['sessions']['connected'], 1)
g = r['connect'].get('generator_cpu_us_per_session') or 0
print('%.0f/s, one connect p50 %.1f ms (%.0f us CPU/session, generator %.0f us' % (r['connect']['rate_per_s'], r['connect']['latency_us']['p50'] / 1e3, (s['idle']['cpu_ticks'] - s['before']['cpu_ticks']) * 1e4 / n, g), end='')
print(', PostgreSQL + Redis %.0f us)' % (${2:-0} * 1e4 / n) if '${2:-}' else ')')"
}
for i in $(seq 1 "$REPEATS"); do
  DB0=$(service_ticks ${DB_PROCS:-postgres redis-server})
  taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$PORT" --keys-file "$KEYS" --devices 2 \
    --sources $SOURCES --connect-concurrency "${CONCURRENCY:-256}" --server-pid "$SERVER" --json "$OUT/server-$i.json" >/dev/null
  DB=$(($(service_ticks ${DB_PROCS:-postgres redis-server}) - DB0))
  taskset -c 1 "$BIN/infinidream-loadgen" --echo --target "127.0.0.1:$FLOOR_PORT" --users "$USERS" --devices 2 \
    --sources $SOURCES --connect-concurrency "${CONCURRENCY:-256}" --server-pid "$FLOOR" --json "$OUT/floor-$i.json" >/dev/null
  echo "run $i: server $(rate "$OUT/server-$i.json" "$DB") floor $(rate "$OUT/floor-$i.json") ($((USERS * 2)) sessions)"
  sleep 1
done
