#!/usr/bin/env bash
# The load comparison: hello-server --mode epoll|pool|blocking against nginx
# (worker_processes 1 and auto) and SwiftNIO (Benchmarks/NIOPeer on 1 and 2 event loops),
# interleaved round by round, on 127.0.0.1 only.
#
#   Benchmarks/load.sh            full run: 3 rounds (about 15 minutes on 2 cores)
#   QUICK=1 Benchmarks/load.sh    1 short round (about 2 minutes)
#
# Writes Benchmarks/results/latest.{md,png,json}. Options by environment: ROUNDS, DURATION
# (seconds per wrk run), SLEEP_MS, BASE_PORT (default 18081; uses the next 32 ports),
# SKIP_COUNTING=1 (no perf/callgrind pass), SKIP_FILES=1 (no large-file rows), SKIP_NIO=1 (no
# SwiftNIO peer: nothing of NIO is built), COUNT_ONLY=1 (only the counting pass, epoll mode and
# nginx w1, printed; Benchmarks/instructions.sh uses it), BASELINE_DIR (a checkout of an earlier
# revision, e.g. from `git worktree add /tmp/base REV`: its epoll mode is measured in the same
# rounds, as "epoll REV", for before and after), SERVER_DIR (the hello-server checkout to build,
# default: this repository), RESULTS_DIR.
#
# It installs what is missing (wrk, apache2-utils, nginx, valgrind, linux-perf, matplotlib),
# builds hello-server and the NIO peer in release mode, and stops every process it started,
# however it ends.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
server_dir="${SERVER_DIR:-$(cd "$here/.." && pwd)}"

install_missing() {
    local packages=()
    command -v wrk >/dev/null || packages+=(wrk)
    command -v ab >/dev/null || packages+=(apache2-utils)
    command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || packages+=(nginx-light)
    command -v valgrind >/dev/null || packages+=(valgrind)
    command -v perf >/dev/null || packages+=(linux-perf)
    command -v strip >/dev/null || packages+=(binutils)
    if [ ${#packages[@]} -gt 0 ]; then
        echo "installing ${packages[*]}"
        apt-get update -qq
        # policy-rc.d keeps Debian's nginx service from starting on port 80.
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
    if ! python3 -c 'import matplotlib' 2>/dev/null; then
        python3 -m pip install --quiet matplotlib 2>/dev/null \
            || { apt-get install -y -qq python3-matplotlib >/dev/null && echo "matplotlib from apt"; } \
            || echo "warning: no matplotlib: the chart will be missing"
    fi
}

install_missing
export PATH="$PATH:/usr/sbin"

# One Swift build at a time on this machine (other builds take the same lock).
release_build() {
    local build=(swift build -c release "$@")
    if command -v flock >/dev/null; then build=(flock /tmp/swift-build.lock "${build[@]}"); fi
    "${build[@]}" 2>&1 | tail -1
}
# Builds hello-server in release mode in the checkout $1; prints the binary's path.
build_hello_server() {
    echo "building hello-server (release) in $1" >&2
    release_build --product hello-server --package-path "$1" >&2
    [ -x "$1/.build/release/hello-server" ] && echo "$1/.build/release/hello-server"
}
binary="$(build_hello_server "$server_dir")"
revision="${HELLO_SERVER_REVISION:-$(git -C "$server_dir" describe --always --dirty 2>/dev/null || echo unknown)}"

baseline_binary=""
baseline_revision=""
if [ -n "${BASELINE_DIR:-}" ]; then
    baseline_binary="$(build_hello_server "$BASELINE_DIR")"
    baseline_revision="$(git -C "$BASELINE_DIR" describe --always --dirty 2>/dev/null || echo baseline)"
fi

# The SwiftNIO peer: a package of its own (Benchmarks/NIOPeer), so hello-server never depends on NIO.
nio_binary=""
if [ "${SKIP_NIO:-0}" != 1 ]; then
    echo "building the SwiftNIO peer (release) in $here/NIOPeer"
    release_build --product nio-hello --package-path "$here/NIOPeer"
    nio_binary="$here/NIOPeer/.build/release/nio-hello"
    [ -x "$nio_binary" ]
fi

# wrk at 1024 connections and the 10,000 idle connections need descriptors.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
    echo "warning: open-file limit $(ulimit -n): the idle-scale test will fall short of 10,000"
fi

tmp="$(mktemp -d /tmp/hello-load.XXXXXX)"
pidfile="$tmp/pids"
touch "$pidfile"
python_pid=""
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ -n "$python_pid" ]; then kill -TERM "$python_pid" 2>/dev/null || true; wait "$python_pid" 2>/dev/null || true; fi
    # Whatever the driver started and did not stop (it records every pid).
    while read -r pid; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
    done < "$pidfile"
    sleep 0.5
    while read -r pid; do
        [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    done < "$pidfile"
    rm -rf "$tmp"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run is bounded: the driver is stopped after 40 minutes whatever happens.
HELLO_SERVER_BIN="$binary" HELLO_SERVER_REVISION="$revision" NIO_PEER_BIN="$nio_binary" \
    BASELINE_BIN="$baseline_binary" BASELINE_REVISION="$baseline_revision" \
    LOAD_TMP="$tmp" LOAD_PIDFILE="$pidfile" timeout --signal=TERM 2400 python3 "$here/load.py" &
python_pid=$!
wait "$python_pid"
python_pid=""

# Large files against nginx with sendfile on (Benchmarks/files.sh), appended to the results.
if [ "${SKIP_FILES:-0}" != 1 ]; then
    results="${RESULTS_DIR:-$here/results}/latest.md"
    { printf '\n## Large files (Benchmarks/files.sh)\n\n'; bash "$here/files.sh" | grep '^|'; } | tee -a "$results"
fi
