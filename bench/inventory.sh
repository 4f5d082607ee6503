#!/bin/sh
# inventory.sh - the inventory conversion benchmark, with its baselines from the same run.
#
# usage: sh bench/inventory.sh BUILD_DIR      (run by bench/run.sh, so by make bench)
#
# Generates a snapshot of WB_BENCH_INV_ROWS (default 1,000,000) rows of
# WB_BENCH_INV_SKUS (default 200,000) SKUs into bench/out/ (kept and reused
# while the parameters match), the rows of one SKU far apart as a WMS exports
# them by location, and measures on the same file:
#   ours   wmsbridge convert inventory (BUILD_DIR/wmsbridge)
#   python bench/baseline_inventory.py, the same conversion in plain Python 3
#   floor  bench/parse_floor.c, libcsv reading and counting cells, nothing else
# plus the peak RSS of ours at a tenth of the size, to show how memory follows
# the SKUs. Documents go to /dev/null. Each measurement is the best of
# WB_BENCH_REPS (default 3) rounds, every program once a round; ratios use CPU
# time (user+system). Before timing, ours and python convert a sample with
# hostile rows and must agree (counts and the documents, byte for byte).
# Targets print PASS or FAIL; the exit status is 0 unless a program crashed
# or the outputs disagree. Paths must not contain spaces. Owns
# bench/inventory.sh, gen_inventory.py and baseline_inventory.py.
set -u
. "$(dirname "$0")/lib.sh"
bench_init "bench inventory" "${1:?usage: sh bench/inventory.sh BUILD_DIR}"
ROWS=${WB_BENCH_INV_ROWS:-1000000}
SKUS=${WB_BENCH_INV_SKUS:-200000}
bench_floor parse_floor -lcsv

# the shipped stock states, and buffers by SKU, by class and by default
ETC=$OUT/etc-inventory
mkdir -p "$ETC"
cp "$ROOT/etc/stock-states.map" "$ETC/"
printf 'default 1\nprefix SKU-00001 3\nsku SKU-0000007 0\n' >"$ETC/buffers.map"
LAYOUT=$ROOT/formats/inventory-utf8.layout
OURS="$BIN convert inventory --layout $LAYOUT --states $ETC/stock-states.map \
--buffers $ETC/buffers.map --seller A1BENCH"
PYCONV="$PY $ROOT/bench/baseline_inventory.py --layout $LAYOUT --states $ETC/stock-states.map \
--buffers $ETC/buffers.map --seller A1BENCH"

# gen ROWS SKUS BAD - path of a generated snapshot, made unless one is there
gen() {
    bench_gen "$OUT/inventory-r$1-k$2-s$SEED-b$3.csv" 0 gen_inventory.py --rows "$1" \
        --skus "$2" --bad "$3"
}

# 1. the baseline does the same work: compare on a sample with hostile rows
sample=$(gen 20000 4000 3)
$OURS <"$sample" >"$OUT/inv-sample-ours.json" 2>"$OUT/inv-sample-ours.err"
[ $? -le 65 ] || die "ours crashed on the sample"
$PYCONV <"$sample" >"$OUT/inv-sample-python.json" 2>"$OUT/inv-sample-python.err" ||
    [ $? -eq 65 ] || die "python baseline failed on the sample"
so=$(head -n 1 "$OUT/inv-sample-ours.err")
sp=$(head -n 1 "$OUT/inv-sample-python.err")
echo "sample (20000 rows of 4000 SKUs, 3% hostile):"
echo "  ours:   $so"
echo "  python: $sp"
[ "$so" = "$sp" ] || die "ours and the python baseline disagree on the sample counts"
cmp -s "$OUT/inv-sample-ours.json" "$OUT/inv-sample-python.json" ||
    die "ours and the python baseline write different documents for the sample"
echo "  documents: identical"

# 2. timings on the big snapshot, peak RSS at both sizes
big=$(gen "$ROWS" "$SKUS" 0)
small=$(gen $((ROWS / 10)) $((SKUS / 10)) 0)
bench_rounds inv- "$big" "$ROWS" "$small" "$((ROWS / 10))"
echo "targets:"
verdict "python / ours (CPU)" "$(ratio "$pc" "$oc")" ">=" 10 x
verdict "ours / floor (CPU)" "$(ratio "$oc" "$fc")" "<=" 3 x
verdict "peak RSS at $ROWS rows" "$(awk -v k="$(field rss_kb "$ours")" 'BEGIN{print k/1024}')" \
    "<" 64 " MiB"
exit 0
