#!/bin/sh
# run.sh - the dispatch conversion benchmark, with its baselines from the same run.
#
# usage: sh bench/run.sh BUILD_DIR        (make bench: sh bench/run.sh build/release)
#
# Generates WB_BENCH_ROWS (default 1,000,000) dispatch rows into bench/out/
# (kept and reused while the parameters match and the ship times are fresh)
# and measures on the same file:
#   ours   wmsbridge convert dispatch (BUILD_DIR/wmsbridge)
#   python bench/baseline_convert.py, the same conversion in plain Python 3
#   floor  bench/parse_floor.c, libcsv reading and counting cells, nothing else
# plus the peak RSS of ours at WB_BENCH_SMALL_ROWS (default 100,000) and at
# the full size, to show memory does not grow with the row count. Feeds go
# to /dev/null. Each measurement is the best of WB_BENCH_REPS (default 3)
# rounds, a round running every program once; the ratios use CPU time
# (user+system), which a busy machine disturbs less than wall time (both are
# printed). Before timing, ours and python convert a small sample with bad
# rows and must agree (messages, rejects, and the feed text). Targets print
# PASS or FAIL; the exit status is 0 unless a program crashed or the outputs
# disagree. Paths must not contain spaces. Owns bench/ except
# bench/inventory.sh (the inventory benchmark, run after this one) and
# bench/api_calls.sh, which runs last when present (WB_BENCH_SKIP_API=1 skips
# it, for quick runs); the measuring helpers are in bench/lib.sh.
set -u
. "$(dirname "$0")/lib.sh"
bench_init bench "${1:?usage: sh bench/run.sh BUILD_DIR}"
ROWS=${WB_BENCH_ROWS:-1000000}
SMALL=${WB_BENCH_SMALL_ROWS:-100000}
bench_floor parse_floor -lcsv

# maps and layout as the tests use them: carriers.map, skus.map with identity
ETC=$OUT/etc
mkdir -p "$ETC"
cp "$ROOT/etc/carriers.map" "$ROOT/etc/amazon-carrier-codes.txt" "$ETC/"
printf '* = identity\n' >"$ETC/skus.map"
LAYOUT=$ROOT/formats/dispatch-utf8.layout
OURS="$BIN convert dispatch --layout $LAYOUT --carriers $ETC/carriers.map --skus $ETC/skus.map"
PYCONV="$PY $ROOT/bench/baseline_convert.py --layout $LAYOUT --carriers $ETC/carriers.map"

# gen ROWS BAD - path of a generated file, made unless a fresh one is there
# (ship times lie in the day before generation; the age limit is 30 days)
gen() { bench_gen "$OUT/dispatch-r$1-s$SEED-b$2.csv" 20 gen_dispatch.py --rows "$1" --bad "$2"; }

# 1. the baseline does the same work: compare on a sample with bad rows
sample=$(gen 20000 3)
$OURS <"$sample" >"$OUT/sample-ours.xml" 2>"$OUT/sample-ours.err"
[ $? -le 65 ] || die "ours crashed on the sample"
$PYCONV <"$sample" >"$OUT/sample-python.xml" 2>"$OUT/sample-python.err" ||
    [ $? -eq 65 ] || die "python baseline failed on the sample"
so=$(tail -n 1 "$OUT/sample-ours.err")
sp=$(tail -n 1 "$OUT/sample-python.err")
echo "sample (20000 rows, 3% bad):"
echo "  ours:   $so"
echo "  python: $sp"
[ "$so" = "$sp" ] || die "ours and the python baseline disagree on the sample counts"
if cmp -s "$OUT/sample-ours.xml" "$OUT/sample-python.xml"; then
    echo "  feeds:  identical"
else
    die "ours and the python baseline write different feeds for the sample"
fi

# 2. timings on the big file, peak RSS at both sizes
big=$(gen "$ROWS" 0)
small=$(gen "$SMALL" 0)
echo "timings: best of $REPS rounds, each round runs every program once (so a busy spell"
echo "         hits them alike); CPU = user+system seconds, the ratios use CPU"
bench_rounds "" "$big" "$ROWS" "$small" "$SMALL"
echo "targets:"
verdict "python / ours (CPU)" "$(ratio "$pc" "$oc")" ">=" 10 x
verdict "ours / floor (CPU)" "$(ratio "$oc" "$fc")" "<=" 2 x
verdict "peak RSS at $SMALL rows" "$(awk -v k="$(field rss_kb "$oursmall")" 'BEGIN{print k/1024}')" \
    "<" 16 " MiB"
verdict "peak RSS at $ROWS rows" "$(awk -v k="$(field rss_kb "$ours")" 'BEGIN{print k/1024}')" \
    "<" 16 " MiB"

if [ -f "$ROOT/bench/inventory.sh" ]; then
    echo "inventory:"
    sh "$ROOT/bench/inventory.sh" "$BUILD" || die "bench/inventory.sh failed"
fi

if [ -z "${WB_BENCH_SKIP_ORDERS:-}" ]; then
    echo "orders:"
    sh "$ROOT/bench/orders.sh" "$BUILD" || die "bench/orders.sh failed"
fi

if [ -f "$ROOT/bench/api_calls.sh" ] && [ -z "${WB_BENCH_SKIP_API:-}" ]; then
    echo "api calls:"
    sh "$ROOT/bench/api_calls.sh" "$BUILD" || die "bench/api_calls.sh failed"
fi
exit 0
