#!/usr/bin/env bash
# Builds the two libFuzzer targets (parser, connection) with -sanitize=fuzzer,address and runs
# each for SECONDS (default 60) on a scratch copy of its seed corpus.
#
#   Fuzz/run.sh [SECONDS]
#
# Exits non-zero when a target crashes, trips ASan or breaks a property; the reproducer is kept
# under .build-fuzz/artifacts/TARGET/ and its path printed. Replay one with
#   .build-fuzz/fuzz-TARGET .build-fuzz/artifacts/TARGET/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "usage: Fuzz/run.sh [seconds]" >&2
    exit 64
fi
build=.build-fuzz
targets=(parser connection)
declare -A max_len=([parser]=2048 [connection]=12288)  # connection: past the 8192-byte framing budget

mkdir -p "$build"
linker=()
if command -v ld.lld > /dev/null || [ -x "$(dirname "$(command -v swiftc)")/ld.lld" ]; then linker=(-use-ld=lld); fi
for target in "${targets[@]}"; do
    echo "== build fuzz-$target"
    flock /tmp/swift-build.lock swiftc -sanitize=fuzzer,address -parse-as-library -O -g "${linker[@]}" \
        -module-name "Fuzz_$target" Sources/HTTP1/*.swift Fuzz/Support/*.swift "Fuzz/$target"/*.swift \
        -o "$build/fuzz-$target"
done

work="$(mktemp -d "${TMPDIR:-/tmp}/hello-fuzz.XXXXXX")"
fuzzer_pid=""
cleanup() {
    if [ -n "$fuzzer_pid" ]; then kill "$fuzzer_pid" 2> /dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
for target in "${targets[@]}"; do
    corpus="$work/corpus-$target"
    artifacts="$build/artifacts/$target"
    mkdir -p "$corpus" "$artifacts"
    cp Fuzz/corpus/"$target"/* "$corpus"/
    echo "== fuzz $target for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
    status=0
    # No Swift backtracer on abort: libFuzzer reports, and ASan objects to the backtracer's reads.
    SWIFT_BACKTRACE=enable=no "$build/fuzz-$target" "$corpus" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
        -max_len="${max_len[$target]}" -dict=Fuzz/http.dict -artifact_prefix="$artifacts/" -print_final_stats=1 \
        > "$work/$target.log" 2>&1 &
    fuzzer_pid=$!
    wait "$fuzzer_pid" || status=$?
    fuzzer_pid=""
    runs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$target.log" | grep -Eo '[0-9]+$' || true)"
    cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$work/$target.log" | tail -1 || true)"
    if [ "$status" -eq 0 ]; then
        echo "$target: ok, ${runs:-?} executions in ${seconds}s; $cov"
    else
        failed=1
        echo "$target: FAILED (exit $status) after ${runs:-?} executions" >&2
        grep -E -A30 'PROPERTY VIOLATION|ERROR: (AddressSanitizer|libFuzzer)|Fatal error' "$work/$target.log" | head -60 >&2 || tail -40 "$work/$target.log" >&2
        reproducer="$(grep -Eo "Test unit written to .*" "$work/$target.log" | sed 's/Test unit written to //' | tail -1)"
        echo "reproducer: ${reproducer:-none written (see the log above)}" >&2
        [ -n "$reproducer" ] && echo "replay: $build/fuzz-$target $reproducer" >&2
    fi
done
exit "$failed"
