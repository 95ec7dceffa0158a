#!/usr/bin/env bash
# Connect rate, side by side with the echo floor: N users × 2 devices open their
# authenticated sessions (Engine.IO handshake + Socket.IO CONNECT with an API key + first
# client_presence; the floor: handshake + CONNECT), `repeats` times, alternating server
# and floor. Server and floor on core 0, generator on core 1, loopback only.
#
#   bash benches/connect.sh [users] [repeats]
#
# BIN=<dir> picks other release binaries (A/B against an older build).
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-1000}; REPEATS=${2:-5}
BIN=${BIN:-target/release}
OUT=${OUT:-target/connect}; mkdir -p "$OUT"
DB=infini_conn_$$; PORT=${PORT:-18960}; FLOOR_PORT=$((PORT + 1))
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $DB"
cleanup() {
  kill "${SERVER:-}" "${FLOOR:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
}
trap cleanup EXIT
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379} REDIS_PREFIX="conn$$:"
export RUST_LOG=warn
"$BIN/infinidream" migrate >/dev/null
PORT=$PORT WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER=$!
WORKERS=1 taskset -c 0 "$BIN/infinidream-echo-floor" "127.0.0.1:$FLOOR_PORT" & FLOOR=$!
for _ in $(seq 1 100); do curl -fs "127.0.0.1:$PORT/api/v1/health" >/dev/null && break; sleep 0.1; done
KEYS="$OUT/keys.txt"
taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$PORT" --create-users "$USERS" --keys-file "$KEYS" \
  --devices 0 >/dev/null
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4
rate() { python3 -c "import json; print('%.0f' % json.load(open('$1'))['connect']['rate_per_s'])"; }
for i in $(seq 1 "$REPEATS"); do
  taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$PORT" --keys-file "$KEYS" --devices 2 \
    --sources $SOURCES --json "$OUT/server-$i.json" >/dev/null
  taskset -c 1 "$BIN/infinidream-loadgen" --echo --target "127.0.0.1:$FLOOR_PORT" --users "$USERS" --devices 2 \
    --sources $SOURCES --json "$OUT/floor-$i.json" >/dev/null
  echo "run $i: server $(rate "$OUT/server-$i.json")/s floor $(rate "$OUT/floor-$i.json")/s ($((USERS * 2)) sessions)"
  sleep 1
done
