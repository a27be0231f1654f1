#!/usr/bin/env bash
# A 10 KB static asset: verge (the edge's assets step, one isolate thread) against nginx
# (Debian package, `sendfile on`, one worker process) serving the same file. Server pinned to
# CPU 0, wrk to CPU 1, 32 connections, runs interleaved; requests/s and server CPU time per
# request (from /proc/PID/stat). Measurement only.
#
#   bench/assets.sh [VERGE_BIN]          default target/release/verge
# Env: ROUNDS (default 3), SECONDS_PER_RUN (default 5), PORT (default 8912), WRANGLER (a
# `wrangler` executable from npm: `wrangler dev` on the same project joins each round; its
# CPU column counts only wrangler's own process, not the workerd it starts).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/verge}"
rounds="${ROUNDS:-3}"; secs="${SECONDS_PER_RUN:-5}"; port="${PORT:-8912}"
command -v wrk >/dev/null || { echo "wrk not found (bench/run.sh installs it)" >&2; exit 1; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "nginx not found (apt-get install nginx-light)" >&2; exit 1; }
[ -x "$bin" ] || { echo "verge binary $bin not found" >&2; exit 1; }
hz=$(getconf CLK_TCK)
scratch=$(mktemp -d)
pid=""
stop() { kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }
cleanup() { [ -n "$pid" ] && stop; rm -rf "$scratch"; }
trap cleanup EXIT
cp -r bench/assets "$scratch/project"
root="$scratch/project/public"
# The 10 KB file is the assets test fixture's stylesheet (one copy in the repository).
mkdir -p "$root"
cp tests/fixtures/assets/public/style.css "$root/10k.css"
mkdir -p "$scratch/nginx"
cat >"$scratch/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
error_log $scratch/nginx/error.log;
pid $scratch/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $scratch/nginx;
  proxy_temp_path $scratch/nginx;
  fastcgi_temp_path $scratch/nginx;
  uwsgi_temp_path $scratch/nginx;
  scgi_temp_path $scratch/nginx;
  server { listen 127.0.0.1:$port; root $root; }
}
CONF
url="http://127.0.0.1:$port/10k.css"
measure() { # name
  for _ in $(seq 1200); do curl -s -o /dev/null "$url" && break; sleep 0.05; done
  size=$(curl -s "$url" | wc -c)
  [ "$size" = 10240 ] || { echo "$1 served $size bytes, expected 10240" >&2; exit 1; }
  taskset -c 1 wrk -t1 -c32 -d2s "$url" >/dev/null
  t0=$(awk '{print $14+$15}' "/proc/$pid/stat")
  out=$(taskset -c 1 wrk -t1 -c32 "-d${secs}s" "$url")
  t1=$(awk '{print $14+$15}' "/proc/$pid/stat")
  stop
  n=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  us=$(awk -v a="$t0" -v b="$t1" -v n="$n" -v hz="$hz" 'BEGIN {printf "%.1f", (b - a) / hz * 1e6 / n}')
  # wrangler dev serves from workerd child processes, which its own process's CPU leaves out.
  [ "$1" = "wrangler dev" ] && us="n/a"
  echo "round $round  $1  $rps req/s  $us µs CPU/request"
}
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
for round in $(seq 1 "$rounds"); do
  taskset -c 0 "$bin" dev "$scratch/project" --port "$port" --no-reload --threads 1 --persist-to "$scratch/state" >"$scratch/verge.log" 2>&1 &
  pid=$!
  measure verge
  taskset -c 0 "$nginx_bin" -c "$scratch/nginx/nginx.conf" >"$scratch/nginx.log" 2>&1 &
  pid=$!
  measure nginx
  if [ -n "${WRANGLER:-}" ]; then
    (cd "$scratch/project" && CI=1 WRANGLER_SEND_METRICS=false exec setsid taskset -c 0 "$WRANGLER" dev --ip 127.0.0.1 --port "$port" >"$scratch/wrangler.log" 2>&1) &
    pid=$!
    measure "wrangler dev"
  fi
done
