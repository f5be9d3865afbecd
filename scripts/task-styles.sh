#!/usr/bin/env bash
# Echo as callbacks vs loop-affine virtual-thread tasks vs default-scheduler tasks, side by side:
# interleaved rounds, server (one loop) pinned to CPU 0, the ringnet-bench load generator (64
# connections, 64-byte ping-pong) on CPU 1; prints round trips/s, the server's CPU microseconds and
# context switches per round trip (from /proc). Usage: scripts/task-styles.sh [rounds] [backend]
set -uo pipefail
cd "$(dirname "$0")/.."
source bin/lib/env.sh
rounds=${1:-3}
backend=${2:-io_uring}
"$MVN" -B -q -ntp -DskipTests install >&2 || exit 1
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
CORE=$(ls ringnet-core/target/ringnet-core-*.jar | head -1)
BENCH="ringnet-bench/target/ringnet-bench.jar:ringnet-bench/target/lib/*"
for round in $(seq 1 "$rounds"); do
  for style in callback affine default; do
    taskset -c 0 "$JAVA" --enable-native-access=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED -cp "$CORE" \
        scripts/TaskStylesEchoServer.java $style 9300 "$backend" > "$tmp/srv.out" 2>/dev/null &
    pid=$!
    for i in $(seq 1 100); do grep -q listening "$tmp/srv.out" 2>/dev/null && break; sleep 0.1; done
    t0=0; t1=0; cs0=0; cs1=0; res=""
    while read -r line; do
      case "$line" in
        measure-start) t0=$(awk '{print $14+$15}' /proc/$pid/stat)
                       cs0=$(awk '/ctxt_switches/ {s+=$2} END {print s}' /proc/$pid/task/*/status);;
        measure-end) t1=$(awk '{print $14+$15}' /proc/$pid/stat)
                     cs1=$(awk '/ctxt_switches/ {s+=$2} END {print s}' /proc/$pid/task/*/status);;
        result*) res="$line";;
      esac
    done < <(taskset -c 1 "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$BENCH" dev.ringnet.bench.EchoLoadMain \
        --port 9300 --connections 64 --warmup 2 --measure 4 --backend io_uring 2>/dev/null)
    rt=$(echo "$res" | tr ' ' '\n' | grep '^round_trips=' | cut -d= -f2)
    rps=$(echo "$res" | tr ' ' '\n' | grep '^round_trips_per_s=' | cut -d= -f2)
    echo "round $round $(head -1 "$tmp/srv.out"): $rps round trips/s," \
         "$(echo "scale=2; ($t1-$t0)*10000/$rt" | bc) CPU-us and $(echo "scale=3; ($cs1-$cs0)/$rt" | bc) context switches per round trip"
    kill $pid; wait $pid 2>/dev/null
  done
done
