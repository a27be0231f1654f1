#!/usr/bin/env bash
# A subrequest-cache hit on verge (a worker's fetch with cf.cacheEverything) against nginx's
# proxy_cache (the Debian package) serving the same file from the same origin: requests/s,
# server pinned to CPU 0, wrk to CPU 1, runs interleaved. Measurement only.
#
#   bench/subrequest_cache.sh [VERGE_BIN]     (default target/release/verge)
# Env: ROUNDS (default 3), SECONDS_PER_RUN (default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/verge}"
rounds="${ROUNDS:-3}"; secs="${SECONDS_PER_RUN:-5}"
for tool in nginx wrk taskset; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install nginx wrk util-linux)" >&2; exit 1; }
done
[ -x "$bin" ] || { echo "verge binary $bin not found (cargo build --release)" >&2; exit 1; }
scratch=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$scratch"; }
trap cleanup EXIT
origin_port=8931; nginx_port=8932; verge_port=8933
mkdir -p "$scratch/www" "$scratch/cache" "$scratch/logs"
# nginx's workers run as another user when started as root: let them read and cache.
chmod 755 "$scratch" "$scratch/www"; chmod 777 "$scratch/cache"
python3 -c 'import json; print(json.dumps({"items": [{"id": i, "name": "item %d" % i} for i in range(20)]}))' > "$scratch/www/file.json"
cat > "$scratch/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log $scratch/logs/error.log warn;
pid $scratch/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  proxy_cache_path $scratch/cache keys_zone=edge:10m;
  # The origin.
  server {
    listen 127.0.0.1:$origin_port;
    root $scratch/www;
    location / { add_header Cache-Control "max-age=3600"; }
  }
  # The cache in front of it.
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://127.0.0.1:$origin_port;
      proxy_cache edge;
      proxy_cache_valid 200 1h;
      add_header X-Cache \$upstream_cache_status;
    }
  }
}
CONF
taskset -c 0 nginx -c "$scratch/nginx.conf" -p "$scratch" &
pids+=($!)
mkdir -p "$scratch/w"
cp bench/subrequest-cache/worker.js "$scratch/w/"
cat > "$scratch/w/wrangler.toml" <<TOML
name = "bench-subrequest-cache"
main = "worker.js"
compatibility_date = "2025-09-01"
[vars]
ORIGIN = "http://127.0.0.1:$origin_port"
TOML
taskset -c 0 "$bin" dev "$scratch/w" --port "$verge_port" --no-reload --threads 1 >"$scratch/logs/verge.log" 2>&1 &
pids+=($!)
for port in $nginx_port $verge_port; do
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
done
echo "nginx:  $(curl -s -D - -o /dev/null "http://127.0.0.1:$nginx_port/file.json" | tr -d '\r' | grep -i '^x-cache') then $(curl -s -D - -o /dev/null "http://127.0.0.1:$nginx_port/file.json" | tr -d '\r' | grep -i '^x-cache')"
echo "verge:  $(curl -s -D - -o /dev/null "http://127.0.0.1:$verge_port/" | tr -d '\r' | grep -i '^cf-cache-status') then $(curl -s -D - -o /dev/null "http://127.0.0.1:$verge_port/" | tr -d '\r' | grep -i '^cf-cache-status')"
for round in $(seq 1 "$rounds"); do
  for side in nginx verge; do
    if [ "$side" = nginx ]; then url="http://127.0.0.1:$nginx_port/file.json"; else url="http://127.0.0.1:$verge_port/"; fi
    taskset -c 1 wrk -t1 -c32 -d1s "$url" >/dev/null
    rps=$(taskset -c 1 wrk -t1 -c32 "-d${secs}s" "$url" | awk '/Requests\/sec/ {print $2}')
    echo "round $round  $side  $rps req/s"
  done
done
