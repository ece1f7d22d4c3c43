#!/usr/bin/env bash
# Instructions per operation of the HTTP1 parser and response encoder, counted exactly by
# callgrind (user space): each operation runs N and 10*N times, and the difference is divided,
# so process start-up cancels out. Then, unless PARSER_ONLY=1, the whole server against nginx
# (worker_processes 1) in the same run: instructions per request under callgrind (keep-alive on
# 16 connections and on one, and a new connection per request), and syscalls, futex calls and
# context switches per request under wrk -c128 (perf), by load.sh's counting pass
# (COUNT_ONLY=1). Needs valgrind (apt-get install valgrind); load.sh installs the rest.
#
#   Benchmarks/instructions.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }

build=(swift build -c release --package-path "$here/Instructions")
if command -v flock >/dev/null; then build=(flock /tmp/swift-build.lock "${build[@]}"); fi
"${build[@]}" 2>&1 | tail -1

tmp="$(mktemp -d /tmp/hello-instructions.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
# valgrind 3.19 cannot read the DWARF 5 debug information Swift emits: count a stripped copy.
cp "$here/Instructions/.build/release/Instructions" "$tmp/Instructions"
strip --strip-debug "$tmp/Instructions"

collected() {  # OPERATION COUNT -> instructions of the whole run
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$tmp/Instructions" "$1" "$2" 2>&1 \
        | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}

small=1000
large=11000
printf '| operation | instructions per operation |\n|---|---|\n'
for operation in parse-wrk parse-browser parse-pipelined16 encode-response; do
    a="$(collected "$operation" "$small")"
    b="$(collected "$operation" "$large")"
    printf '| %s | %s |\n' "$operation" "$(( (b - a) / (large - small) ))"
done

if [ "${PARSER_ONLY:-0}" != 1 ]; then
    COUNT_ONLY=1 SKIP_FILES=1 SKIP_NIO=1 bash "$here/load.sh"
fi
