#!/usr/bin/env bash
# A/B of two (or more) verge binaries on one workload: requests/s and the server's CPU time
# per request (from /proc/PID/stat, so a busy neighbour on the machine skews it far less than
# it skews requests/s). Server pinned to CPU 0, wrk to CPU 1, one isolate thread, runs
# interleaved. Measurement only.
#
#   bench/ab.sh WORKLOAD PATH BIN [BIN ...]      e.g. bench/ab.sh hello / ./old-verge target/release/verge
# Env: ROUNDS (default 3), SECONDS_PER_RUN (default 4), PORT (default 8911).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 3 ] || { sed -n '2,9p' "$0"; exit 2; }
workload="$1"; path="$2"; shift 2
rounds="${ROUNDS:-3}"; secs="${SECONDS_PER_RUN:-4}"; port="${PORT:-8911}"
[ -d "bench/workloads/$workload" ] || { echo "no workload bench/workloads/$workload" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk not found (bench/run.sh installs it)" >&2; exit 1; }
hz=$(getconf CLK_TCK)
scratch=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$scratch"; }
trap cleanup EXIT
for round in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    rm -rf "$scratch/w" && cp -r "bench/workloads/$workload" "$scratch/w"
    taskset -c 0 "$bin" dev "$scratch/w" --port "$port" --no-reload --threads 1 >"$scratch/log" 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port$path" && break; sleep 0.05; done
    taskset -c 1 wrk -t1 -c32 -d2s "http://127.0.0.1:$port$path" >/dev/null
    t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
    out=$(taskset -c 1 wrk -t1 -c32 "-d${secs}s" "http://127.0.0.1:$port$path")
    t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    n=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    us=$(awk -v a="$t0" -v b="$t1" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / n}')
    echo "round $round  $workload  $bin  $rps req/s  $us µs CPU/request"
  done
done
