#!/usr/bin/env bash
# A throwaway Redis Cluster for tests: 3 masters (RC_REPLICAS replicas each, default 0),
# in a temp dir, on free ports P (and P+10000, the cluster bus). Prints "ready P1 P2 …"
# (masters first) once every node reports cluster_state:ok, then obeys lines on stdin:
#   stop P   kill node P (its dir and nodes.conf stay)  -> "stopped P"
#   start P  restart node P with the same config         -> "started P" (cluster ok again)
# When stdin closes (the test ended, however it ended: our end of the pipe closes with
# the process) every node is killed and the dir removed.
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/rcluster.XXXXXX")
declare -A pid

cleanup() {
  for p in "${pid[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_node() {
  local port=$1
  mkdir -p "$dir/$port"
  (cd "$dir/$port" && exec redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
    --cluster-config-file nodes.conf --cluster-node-timeout 2000 --cluster-replica-validity-factor 0 --save '' --appendonly no \
    --logfile "$dir/$port/log") &
  pid[$port]=$!
  for _ in $(seq 200); do
    [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "${pid[$port]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "node $port did not start: $(tail -n 3 "$dir/$port/log" 2>/dev/null)" >&2
  kill "${pid[$port]}" 2>/dev/null
  unset "pid[$port]"
  return 1
}

# Starts a node on a random free port (P and P+10000), trying again elsewhere when
# another process takes the port first.
start_fresh() {
  local p
  for _ in $(seq 20); do
    p=$((20000 + RANDOM % 10000))
    busy "$p" || busy $((p + 10000)) || [[ " ${ports[*]} " == *" $p "* ]] && continue
    start_node "$p" && { ports+=("$p"); return 0; }
    rm -rf "${dir:?}/$p"
  done
  return 1
}

cluster_ok() {
  local port
  for port in "${!pid[@]}"; do
    redis-cli -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || return 1
  done
}

wait_ok() {
  for _ in $(seq 200); do cluster_ok && return 0; sleep 0.05; done
  echo "cluster not ok" >&2
  return 1
}

ports=()
replicas=${RC_REPLICAS:-0}
for _ in $(seq $((3 * (1 + replicas)))); do start_fresh || exit 1; done
nodes=()
for p in "${ports[@]}"; do nodes+=("127.0.0.1:$p"); done
redis-cli --cluster create "${nodes[@]}" --cluster-replicas "$replicas" --cluster-yes >"$dir/create.log" 2>&1 || { cat "$dir/create.log" >&2; exit 1; }
wait_ok || exit 1
echo "ready ${ports[*]}"

while read -r cmd port; do
  case "$cmd" in
    stop)
      kill "${pid[$port]}" 2>/dev/null
      wait "${pid[$port]}" 2>/dev/null
      unset "pid[$port]"
      echo "stopped $port"
      ;;
    start)
      start_node "$port" && wait_ok && echo "started $port"
      ;;
  esac
done
