#!/usr/bin/env bash
# REST throughput (issue #8): wrk against `GET /api/v1/client/hello` and a dream list
# (`GET /api/v1/dream?take=30`, 200 processed dreams in the database), 64 connections,
# one release server on core 0 (WORKERS=1), wrk on core 1, loopback only. Every run is
# bounded (SECS seconds each, REPEATS times). Prints wrk's summary with its latency
# distribution for each run, and the server's and PostgreSQL's CPU per request.
#
#   bash benches/rest.sh [seconds] [repeats] [connections]
#
# USERS=<n> (default 1) sends each request as one of n users (n API keys, taken in turn
# by a wrk Lua script), the shape of many desktop players rather than one: what the
# server may share between concurrent requests of one user it cannot share here.
#
# Needs PostgreSQL/Redis (bash .ci/services.sh), wrk (apt-get install wrk) and release
# binaries (cargo build --release --bins).
set -euo pipefail
cd "$(dirname "$0")/.."
. benches/lib.sh
SECS=${1:-10}; REPEATS=${2:-3}; CONNS=${3:-64}
BIN=${BIN:-target/release}
PORT=${PORT:-18960}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
bench_db infini_rest_$$
export REDIS_URL=redis://127.0.0.1:6379 REDIS_PREFIX="rest$$:"
export RUST_LOG=warn
# Presigning read URLs is local computation; no S3 server is contacted.
export S3_ENDPOINT=http://127.0.0.1:9 S3_BUCKET=bench S3_ACCESS_KEY_ID=bench S3_SECRET_ACCESS_KEY=bench-secret \
  S3_REGION=us-east-1 S3_FORCE_PATH_STYLE=true
"$BIN/infinidream" migrate >/dev/null
KEY=$("$BIN/infinidream" users add --email "bench-$$@example.test" --api-key | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')
USERS=${USERS:-1}
KEYS=("$KEY")
for i in $(seq 2 "$USERS"); do
  KEYS+=("$("$BIN/infinidream" users add --email "bench-$$-$i@example.test" --api-key | python3 -c 'import json,sys; print(json.load(sys.stdin)["apiKey"])')")
done
# wrk's request() takes the keys in turn (one Lua state per wrk thread).
LUA=$(mktemp --suffix=.lua)
trap 'rm -f "$LUA"; bench_cleanup' EXIT
{
  echo "local keys = {"
  for k in "${KEYS[@]}"; do echo "  \"$k\","; done
  echo "}"
  echo "local n = 0"
  echo "request = function()"
  echo "  n = n % #keys + 1"
  echo "  return wrk.format(nil, nil, { [\"Authorization\"] = \"Api-Key \" .. keys[n] })"
  echo "end"
} > "$LUA"
psql -h 127.0.0.1 -U postgres -d "$BENCH_DB" -qc "
  INSERT INTO dream (user_id, name, status, video, thumbnail, processed_video_size, processed_video_frames,
                     processed_video_fps, processed_at)
  SELECT u.id, 'bench dream ' || g, 'processed', 'videos/' || g || '.mp4', 'thumbs/' || g || '.jpg',
         1000000 + g, 300, 30, now() - make_interval(secs => g)
  FROM generate_series(1, 200) AS g, (SELECT id FROM users WHERE email = 'bench-$$@example.test') AS u"
PORT=$PORT WORKERS=1 taskset -c 0 "$BIN/infinidream" serve & SERVER=$!
wait_healthy "$PORT"
# utime + stime of the server process, in clock ticks.
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER/stat"; }
for path in /api/v1/client/hello "/api/v1/dream?take=30"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Api-Key $KEY" "127.0.0.1:$PORT$path")
  [ "$code" = 200 ] || { echo "GET $path answered $code" >&2; exit 1; }
  # A warm-up second, then the measured runs.
  taskset -c 1 wrk -t1 -c"$CONNS" -d1s -s "$LUA" "http://127.0.0.1:$PORT$path" >/dev/null
  for i in $(seq 1 "$REPEATS"); do
    echo "== GET $path, run $i: $CONNS connections, $USERS user(s), ${SECS}s"
    before=$(server_ticks); pg_before=$(service_ticks postgres)
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$LUA" "http://127.0.0.1:$PORT$path")
    ticks=$(($(server_ticks) - before)); pg_ticks=$(($(service_ticks postgres) - pg_before))
    echo "$out" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors|requests in'
    # The server's own CPU (user + system, from /proc), per request: what a change to
    # the request path moves even when PostgreSQL's share bounds the rate.
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    # PostgreSQL's (all its processes, unpinned) is the other bound.
    awk -v t="$ticks" -v p="$pg_ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" -v s="$SECS" 'BEGIN {
      printf "  server CPU: %.0f %% of a core, %.1f us per request; PostgreSQL: %.0f %% of a core, %.1f us per request\n",
        100 * t / hz / s, 1e6 * t / hz / n, 100 * p / hz / s, 1e6 * p / hz / n }'
  done
done
