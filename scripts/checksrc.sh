#!/bin/sh
# checksrc.sh - banned functions and formatting, in the spirit of curl's checksrc.
# Fails (exit 1) on sprintf, strcpy, strcat, strtok, atoi, gets or system( in src/.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
bad=$(grep -nE '(^|[^_a-z])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets|system)[[:space:]]*\(' \
    $(find src -name '*.[ch]') | grep -vE '(snprintf|vsnprintf)\(' | grep -v '^\s*\*')
if [ -n "$bad" ]; then
    echo "banned functions:"; echo "$bad"; exit 1
fi
# object files go into one archive by base name: two modules may not share one
dups=$(find src -name '*.c' -printf '%f\n' | sort | uniq -d)
if [ -n "$dups" ]; then
    echo "source files with the same name in two modules (the archive would drop one):"; echo "$dups"; exit 1
fi
if command -v clang-format >/dev/null 2>&1; then
    out=$(for f in $(find src tests/unit tests/fuzz bench -name '*.[ch]' 2>/dev/null); do
        clang-format --dry-run "$f" 2>&1 | grep -m1 'warning' >/dev/null && echo "$f"
    done)
    if [ -n "$out" ]; then
        echo "not formatted per .clang-format (run 'make format'):"; echo "$out"; exit 1
    fi
fi
echo "checksrc: ok"
