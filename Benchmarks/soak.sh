#!/usr/bin/env bash
# Soak test: SOAK_SECONDS (default 600) of mixed load on hello-server's default mode, sampling
# RSS, descriptors and threads every second; writes Benchmarks/results/soak.{md,csv}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
ulimit -n "$(ulimit -Hn)"
(cd "$root" && swift build -c release --product hello-server 2>&1 | tail -n 1)
export HELLO_SERVER_BIN="$root/.build/release/hello-server"
exec python3 "$here/soak.py"
