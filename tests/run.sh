#!/bin/sh
# run.sh - the wmsbridge test runner: unit binaries, integration scripts,
# fuzz smoke runs and source checks; prints one summary line at the end.
#
#   sh tests/run.sh BUILD_DIR [stress]
#
# Integration scripts (tests/integration/*.sh) exit 0 = pass, 77 = skipped,
# anything else = fail. They get WB_BIN, WB_BUILD, WB_ROOT, WB_SHARED (empty
# when ../shared is absent) and a fresh WB_TMP. Logs of failures are shown.
set -u
B=${1:?usage: run.sh BUILD_DIR}
MODE=${2:-check}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "$B" && pwd)
SHARED=""
for d in "$ROOT/../shared" "${WB_SHARED_DIR:-/nonexistent}"; do
    [ -f "$d/amazon/order-envelope.xsd" ] && SHARED=$(cd "$d" && pwd)
done
export WB_BIN="$B/wmsbridge" WB_BUILD="$B" WB_ROOT="$ROOT" WB_SHARED="$SHARED"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
OUT="$ROOT/tests/out"
rm -rf "$OUT"; mkdir -p "$OUT"
pass=0; fail=0; skip=0; failed=""

run_one() { # name, command...
    name=$1; shift
    log="$OUT/$(echo "$name" | tr '/ ' '__').log"
    start=$(date +%s)
    WB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wbtest.XXXXXX"); export WB_TMP
    "$@" >"$log" 2>&1 </dev/null
    rc=$?
    rm -rf "$WB_TMP"
    dur=$(( $(date +%s) - start ))
    case $rc in
    0) pass=$((pass + 1)); echo "PASS  $name (${dur}s)" ;;
    77) skip=$((skip + 1)); echo "SKIP  $name: $(tail -n 1 "$log")" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc, ${dur}s)"
       tail -n 40 "$log" | sed 's/^/    | /' ;;
    esac
}

if [ "$MODE" = stress ]; then
    for t in "$ROOT"/tests/stress/*.sh; do
        [ -f "$t" ] && run_one "stress/$(basename "$t" .sh)" sh "$t"
    done
else
    for t in "$B"/tests/test_*; do
        case $t in *.o|*.d) continue ;; esac
        [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
    done
    for t in "$ROOT"/tests/integration/*.sh; do
        [ -f "$t" ] || continue
        run_one "integration/$(basename "$t" .sh)" sh "$t"
    done
    if [ -z "${WB_SKIP_SLOW:-}" ]; then
        for f in "${WB_FUZZ_DIR:-$ROOT/build/fuzz/fuzz}"/fuzz_*; do
            [ -x "$f" ] || continue
            n=$(basename "$f")
            run_one "fuzz/$n" sh "$ROOT/tests/fuzz/smoke.sh" "$f" "${WB_FUZZ_SMOKE_SECONDS:-10}"
        done
    fi
    run_one "source/checksrc" sh "$ROOT/scripts/checksrc.sh"
fi

echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
