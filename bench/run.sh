#!/usr/bin/env bash
# verge vs workerd benchmark suite. See bench/README.md.
#
#   bench/run.sh [--quick] [--no-build] [--only verge|workerd] [--workloads a,b,...] [harness options]
#
# Installs wrk (Debian) and workerd/miniflare (npm, into bench/node_modules) if
# missing, builds verge and the hyper ceiling in release mode, then runs
# bench/harness.py, which writes bench/results/<timestamp>.md and prints it.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH")"

build=1
only=""
verge_bin="$ROOT/target/release/verge"
pass=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --no-build) build=0 ;;
    --only) only="$2"; pass+=("$1" "$2"); shift ;;
    --only=*) only="${1#--only=}"; pass+=("$1") ;;
    --verge-bin) verge_bin="$2"; build=0; pass+=("$1" "$2"); shift ;;
    -h|--help) pass+=("$1") ;;
    *) pass+=("$1") ;;
  esac
  shift
done

say() { printf '[bench] %s\n' "$*"; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# ---- load generator and pinning
if ! command -v wrk >/dev/null 2>&1; then
  say "installing wrk (Debian)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null 2>&1 || {
    as_root apt-get update >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >/dev/null
  }
fi
if ! command -v taskset >/dev/null 2>&1; then
  say "installing util-linux (taskset)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y util-linux >/dev/null
fi
for tool in node npm python3 cargo; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: $tool is required" >&2; exit 1; }
done

# ---- workerd + miniflare from npm (exact versions pinned in package.json; miniflare pins its own dependencies exactly)
if [[ "$only" != "verge" ]]; then
  stamp="$BENCH/node_modules/.verge-bench-installed"
  if [[ ! -x "$BENCH/node_modules/.bin/workerd" || ! -f "$stamp" \
        || "$BENCH/package.json" -nt "$stamp" ]]; then
    say "installing workerd + miniflare into bench/node_modules"
    (cd "$BENCH" && npm install --no-package-lock --no-audit --no-fund --engine-strict=false --loglevel=error)
    touch "$stamp"
  fi
  "$BENCH/node_modules/.bin/workerd" --version >/dev/null
fi

# ---- builds
if [[ "$only" != "workerd" ]]; then
  if [[ $build -eq 1 ]]; then
    say "building verge (cargo build --release --locked)"
    if ! (cd "$ROOT" && cargo build --release --locked); then
      echo "verge binary not found; build failed (cargo build --release --locked; bench/run.sh --only workerd measures the baselines alone)" >&2
      exit 1
    fi
  fi
  if [[ ! -x "$verge_bin" ]]; then
    echo "verge binary not found; build failed (bench/run.sh --only workerd measures the baselines alone)" >&2
    exit 1
  fi
fi
say "building the hyper ceiling (bench/ceiling)"
(cd "$BENCH/ceiling" && cargo build --release --locked --quiet)

exec python3 "$BENCH/harness.py" "${pass[@]}"
