#!/usr/bin/env bash
# Isolate figures for issue 6 that the HTTP harness cannot measure:
#   1. time to create a new isolate for an unseen worker (p50/p99 over 200 creations), and
#      where that time goes (Rust installs vs each Web-platform JS file; source vs bytecode);
#   2. memory per idle isolate with N = 1, 100, 1000 distinct workers loaded (RSS delta and
#      QuickJS's own heap), as a ratio to workerd's ≈1.5 MiB per isolate.
# Both are harness=false bench targets of verge-web, built in release (bench profile).
#
# Usage: bench/isolates.sh [--samples N] [--ns 1,100,1000] [--cpu N|none]
# Env: CARGO_TARGET_DIR is honoured. Output: markdown on stdout, also written to
# bench/results/isolates-<timestamp>.md.
set -euo pipefail

cd "$(dirname "$0")/.."
samples=200
ns="1,100,1000"
cpu="${BENCH_SERVER_CPU:-0}"
while [ $# -gt 0 ]; do
  case "$1" in
    --samples) samples="$2"; shift 2 ;;
    --ns) ns="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

command -v cargo >/dev/null || { echo "cargo not found" >&2; exit 1; }
pin=()
if [ "$cpu" != "none" ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin=(taskset -c "$cpu")
fi

echo "building the isolate benches (release)…" >&2
cargo bench -p verge-web --bench isolate_create --bench isolate_memory --no-run >&2

mkdir -p bench/results
out="bench/results/isolates-$(date +%Y%m%d-%H%M%S).md"
{
  echo "# verge isolates — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "Machine: $(nproc) cores, $(uname -srm); pinned: ${pin[*]:-no}. $(git rev-parse --short HEAD 2>/dev/null || true)"
  ISOLATE_CREATE_SAMPLES="$samples" "${pin[@]}" cargo bench -q -p verge-web --bench isolate_create 2>/dev/null
  ISOLATE_MEMORY_NS="$ns" "${pin[@]}" cargo bench -q -p verge-web --bench isolate_memory 2>/dev/null
} | tee "$out"
echo "written: $out" >&2
