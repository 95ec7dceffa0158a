#!/usr/bin/env bash
# Soak run (issue #9 item 6, #8 memory stability): one release server on core 0 holds
# STEADY sessions while infinidream-loadgen (core 1) closes and reopens CHURN sessions per
# second for MINUTES minutes. Every SAMPLE seconds it records the server's RSS, open file
# descriptors, threads, live sessions and rooms (from /metrics) and the Redis channels of
# this run; at the end it prints the drift between the first sample after warm-up and the
# last. Loopback only, bounded in time.
#
#   bash benches/soak.sh [steady] [churn-per-s] [minutes] [sample-secs]
#
# Needs PostgreSQL/Redis (bash .ci/services.sh) and release binaries
# (cargo build --release --bins). Output: $OUT/soak-samples.jsonl and soak-summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
STEADY=${1:-19000}; CHURN=${2:-200}; MINUTES=${3:-30}; SAMPLE=${4:-60}
BIN=${BIN:-target/release}
OUT=${OUT:-target/soak}; mkdir -p "$OUT"
PORT=${PORT:-18950}
PREFIX="soak$$:"
USERS=$((STEADY / 2))
bench_db infini_soak_$$
export REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX="$PREFIX"
export RUST_LOG=warn MAX_CONNECTIONS=$((STEADY + 1000)) MAX_SOCKETS_PER_USER=50
"$BIN/infinidream" migrate >/dev/null
ulimit -n 20000
PORT=$PORT WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER=$!
wait_healthy "$PORT"
KEYS="$OUT/keys.txt"
create_users "$PORT" "$USERS" "$KEYS"
SOURCES=127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8
taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$PORT" --keys-file "$KEYS" --devices 2 \
  --sources $SOURCES --connect-concurrency 512 --churn "$CHURN" --churn-secs $((MINUTES * 60)) \
  --json "$OUT/soak-loadgen.json" >"$OUT/soak-loadgen.out" 2>"$OUT/soak-loadgen.err" & GEN=$!

metric() { curl -fs "127.0.0.1:$PORT/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
# Bytes (possibly in exponent notation) to KiB; null when the metric is absent (glibc build).
kib() { if [ -n "$1" ]; then awk -v b="$1" 'BEGIN { printf "%d", b / 1024 }'; else echo null; fi; }
sample() {
  local rss fds threads
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  fds=$(ls "/proc/$SERVER/fd" | wc -l)
  threads=$(awk '/Threads/ {print $2}' "/proc/$SERVER/status")
  local alloc active resident
  alloc=$(metric infinidream_heap_allocated_bytes); active=$(metric infinidream_heap_active_bytes)
  resident=$(metric infinidream_heap_resident_bytes)
  printf '{"t":%d,"rss_kib":%d,"heap_allocated_kib":%s,"heap_active_kib":%s,"heap_resident_kib":%s,"fds":%d,"threads":%d,"sessions":%s,"user_rooms":%s,"bridge_subscriptions":%s,"redis_channels":%d}\n' \
    "$(( $(date +%s) - T0 ))" "$rss" "$(kib "$alloc")" "$(kib "$active")" "$(kib "$resident")" "$fds" "$threads" "$(metric infinidream_sessions)" \
    "$(metric infinidream_user_rooms)" "$(metric infinidream_bridge_subscriptions)" \
    "$(redis-cli -h 127.0.0.1 PUBSUB CHANNELS "${PREFIX}*" | wc -l)"
}
T0=$(date +%s)
: >"$OUT/soak-samples.jsonl"
while kill -0 "$GEN" 2>/dev/null; do
  sample | tee -a "$OUT/soak-samples.jsonl"
  for _ in $(seq 1 "$SAMPLE"); do kill -0 "$GEN" 2>/dev/null || break; sleep 1; done
done
wait "$GEN" || true
cat "$OUT/soak-loadgen.err" >&2
python3 - "$OUT" "$STEADY" "$CHURN" "$MINUTES" <<'PY'
import json, sys
out, steady, churn, minutes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rows = [json.loads(l) for l in open(f"{out}/soak-samples.jsonl") if l.strip()]
full = [r for r in rows if r["sessions"] and r["sessions"] >= steady * 0.98]
base, last = (full[1] if len(full) > 1 else full[0]), full[-1]
gen = json.load(open(f"{out}/soak-loadgen.json"))
def drift(k): return (last[k] - base[k]) / base[k] * 100 if base.get(k) else None
summary = {
    "steady": steady, "churn_per_s": churn, "minutes": minutes, "samples": len(rows),
    "replaced": gen["churn"]["replaced"], "reconnect_failures": gen["churn"]["failed"],
    "connect_errors": gen["sessions"]["connect_errors"],
    "baseline": base, "last": last,
    "drift_percent": {k: None if drift(k) is None else round(drift(k), 2) for k in ("rss_kib", "heap_allocated_kib", "heap_active_kib", "heap_resident_kib", "fds", "threads", "redis_channels")},
    "max": {k: max(r[k] for r in full) for k in ("rss_kib", "fds", "threads", "sessions", "redis_channels")},
}
json.dump(summary, open(f"{out}/soak-summary.json", "w"), indent=2)
print(json.dumps(summary, indent=2))
PY
