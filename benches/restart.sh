#!/usr/bin/env bash
# Reconnect after an instance restart (issue #8): one release server on core 0 holds
# SESSIONS sessions (SESSIONS/2 users × 2 devices) from infinidream-loadgen on core 1. The
# server is then restarted (SIGTERM: graceful drain, then a new process on the same port)
# and every device reconnects on its own with socket.io-client's backoff shape (base
# DELAY ms, doubled per failed attempt, ±50 % jitter). Reports the time from the new
# instance answering its health check to the last session back, from the first drop to
# the last session back, and the failed attempts (refused TCP connects while no instance
# listened, and all other failures). Loopback only, bounded in time.
#
#   bash benches/restart.sh [sessions] [delay-ms]
#
# WORKERS=<n> and SERVER_CPUS=<taskset list> (default 1 and 0) run the server otherwise.
# HOLD=<seconds> first holds the sessions idle that long and reports the server's CPU
# over the hold (heartbeats: one ping per session per 25 s) and the sessions still
# connected at its end.
#
# Needs PostgreSQL/Redis (bash .ci/services.sh) and release binaries
# (cargo build --release --bins). Output: $OUT/restart-loadgen.json, restart-summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
SESSIONS=${1:-19000}; DELAY=${2:-500}
BIN=${BIN:-target/release}
OUT=${OUT:-target/restart}; mkdir -p "$OUT"
PORT=${PORT:-18970}
USERS=$((SESSIONS / 2))
bench_db infini_restart_$$
export REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX="restart$$:"
export RUST_LOG=warn MAX_CONNECTIONS=$((SESSIONS + 1000)) MAX_SOCKETS_PER_USER=50 SHUTDOWN_TIMEOUT_SECS=5
"$BIN/infinidream" migrate >/dev/null
ulimit -n 20000
now_ms() { date +%s%3N; }
start_server() {
  PORT=$PORT WORKERS=${WORKERS:-1} taskset -c "${SERVER_CPUS:-0}" "$BIN/infinidream" serve & SERVER=$!
  for _ in $(seq 1 200); do curl -fs "127.0.0.1:$PORT/api/v1/health" >/dev/null && return 0; sleep 0.02; done
  echo "server did not come up" >&2; return 1
}
metric() { curl -fs "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
start_server
KEYS="$OUT/keys.txt"
create_users "$PORT" "$USERS" "$KEYS"
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8
taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$PORT" --keys-file "$KEYS" --devices 2 \
  --sources $SOURCES --connect-concurrency 512 --reconnect-wait $((${HOLD:-0} + 180)) --reconnect-delay-ms "$DELAY" \
  --json "$OUT/restart-loadgen.json" >/dev/null 2>"$OUT/restart-loadgen.err" & GEN=$!
for _ in $(seq 1 1200); do
  [ "$(metric infinidream_sessions || echo 0)" -ge "$SESSIONS" ] 2>/dev/null && break
  kill -0 "$GEN" || { cat "$OUT/restart-loadgen.err" >&2; exit 1; }
  sleep 0.1
done
HOLD=${HOLD:-0}
ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
HOLD_T0=$(ticks); HOLD_S0=$(date +%s.%N)
echo "all $SESSIONS sessions connected; holding them ${HOLD}s" >&2
sleep "$HOLD"
HOLD_CPU=$(awk -v a="$HOLD_T0" -v b="$(ticks)" -v t0="$HOLD_S0" -v t1="$(date +%s.%N)" -v hz="$(getconf CLK_TCK)" \
  'BEGIN { printf "%.2f", (b - a) / hz / (t1 - t0) * 100 }')
HELD=$(metric infinidream_sessions)
echo "held $HELD sessions, server CPU ${HOLD_CPU}% of a core; restarting the server" >&2
sleep 2
STOP_MS=$(now_ms)
kill -TERM "$SERVER"; wait "$SERVER" || true
DOWN_MS=$(now_ms)
start_server
READY_MS=$(now_ms)
wait "$GEN"; GEN=
cat "$OUT/restart-loadgen.err" >&2
python3 - "$OUT" "$SESSIONS" "$DELAY" "$STOP_MS" "$DOWN_MS" "$READY_MS" "$HOLD" "$HOLD_CPU" "$HELD" <<'PY'
import json, sys
out, sessions, delay = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
stop, down, ready = (int(x) for x in sys.argv[4:7])
hold, hold_cpu, held = int(sys.argv[7]), float(sys.argv[8]), sys.argv[9]
gen = json.load(open(f"{out}/restart-loadgen.json"))
r = gen["reconnect"]
last = r.get("last_reconnect_epoch_ms") or 0
summary = {
    "sessions": sessions, "connected_before": gen["sessions"]["connected"], "base_delay_ms": delay,
    "hold_seconds": hold, "hold_server_cpu_percent": hold_cpu, "sessions_after_hold": float(held or 0),
    "all_back": r["all_back"], "drops": r["drops"], "reconnected": r["reconnected"],
    "failed_attempts": r["failed_attempts"],
    # Of those, refused TCP connects (no instance listened); the rest are errors.
    "refused_attempts": r.get("refused_attempts"),
    "failed_other": r["failed_attempts"] - (r.get("refused_attempts") or 0),
    "old_instance_stop_seconds": (down - stop) / 1000,
    "new_instance_start_seconds": (ready - down) / 1000,
    "seconds_ready_to_all_back": (last - ready) / 1000 if r["all_back"] else None,
    "seconds_first_drop_to_all_back": r["seconds_first_drop_to_all_back"],
}
json.dump(summary, open(f"{out}/restart-summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
