#!/bin/sh
# run.sh - the wmsbridge test runner: unit binaries, integration scripts,
# fuzz smoke runs and source checks; prints one summary line at the end.
#
#   sh tests/run.sh BUILD_DIR [stress]
#
# Integration scripts (tests/integration/*.sh) exit 0 = pass, 77 = skipped,
# anything else = fail. They get WB_BIN, WB_BUILD, WB_ROOT, WB_SHARED (empty
# when ../shared is absent) and a fresh WB_TMP. Logs of failures are shown.
# Unit tests run one after the other; the slower scripts and fuzz runs run
# WB_TEST_JOBS at a time (default: cores + 1; each uses loopback ports of its own and
# a private WB_TMP), longest first. Never changes anything outside tests/out
# and the WB_TMP directories it removes.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/tests/out"

# run_one NAME COMMAND... - one test: log in tests/out, result line, rc in NAME.rc
run_one() {
    name=$1; shift
    base=$(echo "$name" | tr '/ ' '__')
    log="$OUT/$base.log"
    start=$(date +%s)
    WB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/wbtest.XXXXXX"); export WB_TMP
    "$@" >"$log" 2>&1 </dev/null
    rc=$?
    rm -rf "$WB_TMP"
    dur=$(( $(date +%s) - start ))
    case $rc in
    0) line="PASS  $name (${dur}s)" ;;
    77) line="SKIP  $name: $(tail -n 1 "$log")" ;;
    *) line="FAIL  $name (exit $rc, ${dur}s)
$(tail -n 40 "$log" | sed 's/^/    | /')" ;;
    esac
    echo "$line"
    echo "$rc" >"$OUT/$base.rc"
}

# --one KIND NAME: one queued test (the worker side of the parallel part)
if [ "${1:-}" = --one ]; then
    case $2 in
    integration) run_one "integration/$3" sh "$ROOT/tests/integration/$3.sh" ;;
    stress) run_one "stress/$3" sh "$ROOT/tests/stress/$3.sh" ;;
    fuzz) run_one "fuzz/$3" sh "$ROOT/tests/fuzz/smoke.sh" "$WB_FUZZ_DIR/$3" \
        "${WB_FUZZ_SMOKE_SECONDS:-5}" ;;
    source) run_one "source/$3" sh "$ROOT/scripts/checksrc.sh" ;;
    esac
    exit 0
fi

B=${1:?usage: run.sh BUILD_DIR [stress]}
MODE=${2:-check}
B=$(cd "$B" && pwd)
SHARED=""
for d in "$ROOT/../shared" "${WB_SHARED_DIR:-/nonexistent}"; do
    [ -f "$d/amazon/order-envelope.xsd" ] && SHARED=$(cd "$d" && pwd)
done
export WB_BIN="$B/wmsbridge" WB_BUILD="$B" WB_ROOT="$ROOT" WB_SHARED="$SHARED"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
rm -rf "$OUT"; mkdir -p "$OUT"
# one more worker than cores: most scripts wait on peers, clocks and lags half of their time
JOBS=${WB_TEST_JOBS:-$(($(nproc 2>/dev/null || echo 2) + 1))}
QUEUE="$OUT/.queue"
: >"$QUEUE"

# queue KIND NAME - one line per test of the parallel part (names are plain words)
queue() { echo "$1 $2" >>"$QUEUE"; }

if [ "$MODE" = stress ]; then
    for t in "$ROOT"/tests/stress/*.sh; do
        [ -f "$t" ] && queue stress "$(basename "$t" .sh)"
    done
    JOBS=1 # the long runs measure themselves: one at a time
else
    for t in "$B"/tests/test_*; do
        case $t in *.o|*.d) continue ;; esac
        [ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
    done
    # the slowest first, so the two workers finish together
    slow="cases sftp load fulldisk lying_peer hostile storm crashloop ambiguous daemon tokens secrets sim_selftest dispatch_e2e lost_create accounts sink_paths convert_inventory orders_e2e inventory_e2e settlement_crash settlement_e2e settlement_recon"
    for s in $slow; do
        [ -f "$ROOT/tests/integration/$s.sh" ] && queue integration "$s"
    done
    for t in "$ROOT"/tests/integration/*.sh; do
        [ -f "$t" ] || continue
        n=$(basename "$t" .sh)
        case " $slow " in *" $n "*) continue ;; esac
        queue integration "$n"
    done
    if [ -z "${WB_SKIP_SLOW:-}" ]; then
        WB_FUZZ_DIR=$(cd "${WB_FUZZ_DIR:-$ROOT/build/fuzz/fuzz}" 2>/dev/null && pwd)
        export WB_FUZZ_DIR
        for f in "$WB_FUZZ_DIR"/fuzz_*; do
            [ -n "$WB_FUZZ_DIR" ] && [ -x "$f" ] || continue
            queue fuzz "$(basename "$f")"
        done
    fi
    queue source checksrc
fi

xargs -P "$JOBS" -L 1 sh "$ROOT/tests/run.sh" --one <"$QUEUE"

pass=0; fail=0; skip=0; failed=""
for r in "$OUT"/*.rc; do
    [ -f "$r" ] || continue
    n=$(basename "$r" .rc)
    case $(cat "$r") in
    0) pass=$((pass + 1)) ;;
    77) skip=$((skip + 1)) ;;
    *) fail=$((fail + 1)); failed="$failed $n" ;;
    esac
done
echo
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
