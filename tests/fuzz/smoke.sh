#!/bin/sh
# smoke.sh - run one libFuzzer target over its seed corpus and for SECONDS more.
# Corpus: tests/fuzz/corpus/<target without fuzz_>/ ; crashes land in tests/out/.
# Exits with the fuzzer's status (a crash, leak, timeout or OOM fails) and
# shows its report; otherwise prints the last lines of the run.
set -eu
bin=$1; secs=${2:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
name=$(basename "$bin"); name=${name#fuzz_}
seeds="$ROOT/tests/fuzz/corpus/$name"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
corpus="$work/corpus"
mkdir -p "$corpus" "$ROOT/tests/out"
[ -d "$seeds" ] && cp -r "$seeds"/. "$corpus"/ 2>/dev/null || true
log="$work/fuzz.log"
rc=0
ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -rss_limit_mb=1024 -artifact_prefix="$ROOT/tests/out/$name-" "$corpus" >"$log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
    # a crash, leak, timeout or OOM: the report and the input that caused it
    grep -E -A40 '^==[0-9]+==|ERROR: libFuzzer|SUMMARY|deadly signal|Test unit written' "$log" |
        head -n 80
    exit "$rc"
fi
tail -n 5 "$log"
