#!/bin/sh
# smoke.sh - run one libFuzzer target over its seed corpus and for SECONDS more.
# Corpus: tests/fuzz/corpus/<target without fuzz_>/ ; crashes land in tests/out/.
set -eu
bin=$1; secs=${2:-10}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
name=$(basename "$bin"); name=${name#fuzz_}
seeds="$ROOT/tests/fuzz/corpus/$name"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
[ -d "$seeds" ] && cp -r "$seeds"/. "$work"/ 2>/dev/null || true
mkdir -p "$ROOT/tests/out"
ASAN_OPTIONS=detect_leaks=1 "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 \
    -rss_limit_mb=1024 -artifact_prefix="$ROOT/tests/out/$name-" "$work" 2>&1 | tail -n 5
