# Shared set-up of the bench scripts (sourced, not run): a fresh database per run, the
# clean-up of every process a script started, and waiting for a server's health check.
#
#   bench_db <name>          create database <name>, export DATABASE_URL, clean up on exit
#   wait_healthy <port> [n]  poll /api/v1/health every 0.1 s, at most n times (100)
#   create_users <port> <n> <keys-file>   n users with API keys, keys written one per line
#
# The clean-up kills $SERVER, $SERVER2, $FLOOR and $GEN when set, then drops the database.

bench_cleanup() {
  kill "${GEN:-}" "${SERVER:-}" "${SERVER2:-}" "${FLOOR:-}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $BENCH_DB WITH (FORCE)" || true
}

bench_db() {
  BENCH_DB=$1
  psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $BENCH_DB"
  trap bench_cleanup EXIT
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$BENCH_DB
}

wait_healthy() {
  for _ in $(seq 1 "${2:-100}"); do
    curl -fs "127.0.0.1:$1/api/v1/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "server on port $1 did not come up" >&2
  return 1
}

create_users() {
  taskset -c 1 "$BIN/infinidream-loadgen" --target "127.0.0.1:$1" --create-users "$2" --keys-file "$3" \
    --devices 0 >/dev/null
}

# CPU clock ticks (user + system) of every process whose command name is one of the
# arguments, summed: `service_ticks postgres redis-server` around a run gives the share
# of the databases (both run unpinned, on the generator's and the server's cores).
service_ticks() {
  local total=0 p rest
  for p in /proc/[0-9]*; do
    rest=$(cat "$p/stat" 2>/dev/null) || continue
    local comm=${rest#*(}; comm=${comm%%)*}
    case " $* " in *" $comm "*) ;; *) continue ;; esac
    read -ra f <<<"${rest##*) }"
    total=$((total + f[11] + f[12]))
  done
  echo "$total"
}
