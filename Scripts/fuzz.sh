#!/usr/bin/env bash
# Fuzz every parser with libFuzzer + AddressSanitizer.
#   Scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]      (default 20 s each, all targets)
# Builds heft-fuzz in .build-fuzz, runs each target over a copy of Tests/Fuzz/corpus/<target> plus
# Tests/Fuzz/regressions/<target>, and fails on any crash, hang (> 10 s per input) or allocation over 2 GB.
# Findings land in .build-fuzz/findings/<target>/; minimize one with
#   HEFT_FUZZ_TARGET=<target> .build-fuzz/release/heft-fuzz -minimize_crash=1 -runs=10000 FILE
# and check it in under Tests/Fuzz/regressions/<target>/ (the tests replay every file there).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(safetensors index gguf config json dequant requests packed)
swift build -c release --product heft-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DHEFT_FUZZING 2>&1 | grep -v "Cannot export local symbol" | tail -1
binary=.build-fuzz/release/heft-fuzz
export SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0
status=0
for target in "${targets[@]}"; do
    work=$(mktemp -d)
    cp Tests/Fuzz/corpus/"$target"/* "$work"/ 2>/dev/null || true
    cp Tests/Fuzz/regressions/"$target"/* "$work"/ 2>/dev/null || true
    mkdir -p .build-fuzz/findings/"$target"
    log=.build-fuzz/findings/"$target".log
    if HEFT_FUZZ_TARGET="$target" "$binary" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix=.build-fuzz/findings/"$target"/ >"$log" 2>&1; then
        runs=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$" || echo "?")
        cov=$(grep -o "cov: [0-9]*" "$log" | tail -1 | grep -o "[0-9]*" || echo "?")
        corpus=$(ls "$work" | wc -l)
        echo "fuzz $target: $runs executions, coverage $cov edges, corpus $corpus inputs, no findings"
    else
        echo "fuzz $target: FINDING — see $log and .build-fuzz/findings/$target/"
        grep -E "ERROR|Fatal|SUMMARY|deadly|timeout|out-of-memory" "$log" | head -5
        status=1
    fi
    rm -rf "$work"
done
exit $status
