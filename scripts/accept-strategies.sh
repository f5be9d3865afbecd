#!/usr/bin/env bash
# ServerContext accept strategies side by side (acceptor + round robin vs SO_REUSEPORT per worker).
# A new connection per request (Connection: close) makes accepting the cost being compared.
# Interleaved rounds; server pinned to CPU 0, wrk to CPU 1; prints req/s and the server's CPU
# microseconds per connection (from /proc/<pid>/stat, as hardware counters may be unavailable).
# Usage: scripts/accept-strategies.sh [rounds] [backend]
set -uo pipefail
cd "$(dirname "$0")/.."
source bin/lib/env.sh
rounds=${1:-5}
backend=${2:-auto}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
"$MVN" -B -q -ntp -DskipTests install >&2 || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CP="ringnet-cli/target/ringnet-cli.jar:ringnet-cli/target/lib/*"
for round in $(seq 1 "$rounds"); do
  for mode in acceptor reuseport; do
    taskset -c 0 "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CP" dev.ringnet.cli.Main http --port 8090 \
        --host 127.0.0.1 --workers 2 --accept $mode --backend "$backend" > "$tmp/srv.out" 2>/dev/null &
    pid=$!
    for i in $(seq 1 100); do grep -q listening "$tmp/srv.out" 2>/dev/null && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c64 -d2s -H "Connection: close" http://127.0.0.1:8090/plaintext > /dev/null 2>&1  # warm-up
    t0=$(awk '{print $14+$15}' /proc/$pid/stat)
    out=$(taskset -c 1 wrk -t1 -c64 -d5s -H "Connection: close" http://127.0.0.1:8090/plaintext 2>&1)
    t1=$(awk '{print $14+$15}' /proc/$pid/stat)
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    errors=$(echo "$out" | grep -E "Socket errors|Non-2xx" || true)
    ticks=$((t1 - t0)) # clock ticks of 10 ms
    echo "round $round $mode: $rps req/s, $(echo "scale=1; $ticks*10000/$reqs" | bc) CPU-us per connection ${errors:+($errors)}"
    kill -TERM $pid; wait $pid 2>/dev/null
  done
done
