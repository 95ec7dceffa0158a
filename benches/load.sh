#!/usr/bin/env bash
# Side-by-side load measurement: the release server and the echo floor, each pinned to
# core 0, driven by infinidream-loadgen pinned to core 1, on loopback only. Every phase
# is bounded (fixed sessions, fixed seconds). Prints one JSON summary per run and writes
# them to $OUT (default target/load/).
#
#   bash benches/load.sh [users] [rate] [seconds] [repeats]
#
# REDIS=none runs the server without Redis (single-instance mode: in-process bridge,
# presence and counters), to show what the cluster bridge costs.
# INSTANCES=2 starts a second server (same core, same Redis) and puts each user's two
# devices on different instances: every relay then crosses the Redis bridge.
#
# Needs PostgreSQL/Redis (bash .ci/services.sh) and release binaries
# (cargo build --release --bins).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
USERS=${1:-500}; RATE=${2:-2000}; SECS=${3:-10}; REPEATS=${4:-3}
BIN=${BIN:-target/release}
OUT=${OUT:-target/load}; mkdir -p "$OUT"
PORT=${PORT:-18900}; FLOOR_PORT=$((PORT + 1))
bench_db infini_load_$$
export REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX="load$$:"
export SOCKET_EVENT_RATE=100000 SOCKET_EVENT_BURST=100000 RUST_LOG=warn
"$BIN/infinidream" migrate >/dev/null
[ "${REDIS:-}" != none ] || unset REDIS_URL
PORT=$PORT WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER=$!
TARGETS="127.0.0.1:$PORT"
if [ "${INSTANCES:-1}" = 2 ]; then
  PORT=$((PORT + 2)) WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER2=$!
  TARGETS="$TARGETS,127.0.0.1:$((PORT + 2))"
  wait_healthy $((PORT + 2))
fi
WORKERS=1 taskset -c 0 "$BIN/infinidream-echo-floor" "127.0.0.1:$FLOOR_PORT" & FLOOR=$!
wait_healthy "$PORT"
KEYS="$OUT/keys.txt"
create_users "$PORT" "$USERS" "$KEYS"
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4
# The server's own view of each run: its relay-latency histogram (event read from the
# sender's socket -> frame in every local recipient's queue), scraped before and after.
scrape() { curl -fs "127.0.0.1:$PORT/metrics" | grep '^infinidream_relay_latency_seconds' >"$1" || true; }
in_server() {
  python3 - "$1" "$2" <<'PY'
import sys
def read(p):
    d = {}
    for line in open(p):
        k, v = line.rsplit(' ', 1)
        d[k] = float(v)
    return d
a, b = read(sys.argv[1]), read(sys.argv[2])
delta = {k: b[k] - a.get(k, 0.0) for k in b}
n = delta.get('infinidream_relay_latency_seconds_count', 0)
if n:
    s = delta['infinidream_relay_latency_seconds_sum']
    le = lambda x: delta.get('infinidream_relay_latency_seconds_bucket{le="%s"}' % x, 0) / n * 100
    print('  in-server relay (read -> recipients\' queues): %d relays, mean %.0fus, <=50us %.0f%%, <=100us %.0f%%, <=250us %.0f%%, <=1ms %.0f%%'
          % (n, s / n * 1e6, le('0.00005'), le('0.0001'), le('0.00025'), le('0.001')))
PY
}
for i in $(seq 1 "$REPEATS"); do
  scrape "$OUT/metrics-before"
  taskset -c 1 "$BIN/infinidream-loadgen" --target "$TARGETS" --keys-file "$KEYS" --devices 2 \
    --sources $SOURCES --rate "$RATE" --duration "$SECS" --hold 2 --server-pid "$SERVER" --json "$OUT/relay-$i.json" >/dev/null
  scrape "$OUT/metrics-after"
  taskset -c 1 "$BIN/infinidream-loadgen" --echo --target "127.0.0.1:$FLOOR_PORT" --users "$USERS" --devices 2 \
    --sources $SOURCES --rate "$RATE" --duration "$SECS" --hold 2 --server-pid "$FLOOR" --json "$OUT/floor-$i.json" >/dev/null
  for f in relay floor; do
    python3 -c "import json,sys; r=json.load(open('$OUT/$f-$i.json')); l=r['relay']['latency_us']; c=r['connect'];
print('$f run $i:', 'sessions', r['sessions']['connected'], 'connect/s %.0f' % c['rate_per_s'],
      'throughput/s %.0f' % r['relay']['throughput_per_s'], 'p50 %dus p90 %dus p99 %dus p99.9 %dus max %dus' % (l['p50'], l['p90'], l['p99'], l['p999'], l['max']),
      'rss/session %s B' % (round(r['server']['rss_per_session_bytes']) if r['server']['rss_per_session_bytes'] else '-'),
      'cpu %s%%' % (round(r['server']['cpu_percent_relay']) if r['server']['cpu_percent_relay'] is not None else '-'))"
  done
  in_server "$OUT/metrics-before" "$OUT/metrics-after"
done
