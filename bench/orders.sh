#!/bin/sh
# orders.sh - the orders benchmark, with its baselines from the same run.
#
# usage: sh bench/orders.sh BUILD_DIR      (bench/run.sh runs it; WB_BENCH_SKIP_ORDERS=1 skips)
#
# Generates WB_BENCH_ORDERS (default 100,000) orders as searchOrders answers into bench/out/
# (kept and reused while the parameters match) and measures on the same file:
#   ours   wmsbridge convert orders (BUILD_DIR/wmsbridge)
#   python bench/baseline_orders.py, the same conversion in plain Python 3
#   floor  bench/parse_floor_orders.c, jansson parsing the answers and counting orders
# each the best of WB_BENCH_REPS (default 3) rounds, ratios by CPU time. Before timing, ours
# and python convert a sample with bad orders and must agree (counts, reject codes, and the
# file byte for byte). Then, unless WB_BENCH_SKIP_API=1, the orders job against the
# simulator: orders per hour without quotas (measured) and at Amazon's default quota for
# searchOrders (0.0056 requests/s, burst 20, 100 orders a page: computed from the quota).
# The exit status is 0 unless a program crashed or the outputs disagree. Owned by bench/.
set -u
. "$(dirname "$0")/lib.sh"
bench_init "bench orders" "${1:?usage: sh bench/orders.sh BUILD_DIR}"
N=${WB_BENCH_ORDERS:-100000}
bench_floor parse_floor_orders -ljansson
ETC=$OUT/etc-orders # the shipped maps and a gift-set bundle the generator sells
mkdir -p "$ETC"
cp "$ROOT/etc/carriers.map" "$ROOT/etc/amazon-carrier-codes.txt" "$ETC/"
{ cat "$ROOT/etc/skus.map"; echo "bundle GIFT-SET-MUGS WH-000123:2 WH-000300:1"; } >"$ETC/skus.map"
LAYOUT=$ROOT/formats/orders-utf8.layout
MAPS="--layout $LAYOUT --skus $ETC/skus.map --carriers $ETC/carriers.map"
OURS="$BIN convert orders $MAPS"
PYCONV="$PY $ROOT/bench/baseline_orders.py $MAPS"

gen() { bench_gen "$OUT/orders-n$1-s$SEED-b$2.json" 0 gen_orders.py --orders "$1" --bad "$2"; }

# 1. the baseline does the same work
sample=$(gen 20000 3)
$OURS --rejects "$OUT/osample-ours.rej" <"$sample" >"$OUT/osample-ours.csv" 2>"$OUT/osample-ours.err"
[ $? -le 65 ] || die "ours crashed on the sample"
$PYCONV --rejects "$OUT/osample-python.rej" <"$sample" >"$OUT/osample-python.csv" \
    2>"$OUT/osample-python.err" || [ $? -eq 65 ] || die "python baseline failed on the sample"
so=$(tail -n 1 "$OUT/osample-ours.err") sp=$(tail -n 1 "$OUT/osample-python.err")
echo "orders sample (20000 orders, 3% bad):"
echo "  ours:   $so"
echo "  python: $sp"
[ "$so" = "$sp" ] || die "ours and the python baseline disagree on the sample counts"
cmp -s "$OUT/osample-ours.csv" "$OUT/osample-python.csv" ||
    die "ours and the python baseline write different order files for the sample"
codes() { sed 's/.*"code":"\([A-Z_]*\)".*/\1/' "$1" | tr '\n' ' '; }
[ "$(codes "$OUT/osample-ours.rej")" = "$(codes "$OUT/osample-python.rej")" ] ||
    die "ours and the python baseline hold different orders"
echo "  files:  identical; reject codes identical"

# 2. timings
big=$(gen "$N" 0)
echo "timings on $N orders ($(($(wc -c <"$big") / 1048576)) MiB of answers): best of $REPS rounds, CPU = user+system"
ours="" python="" floor=""
i=0
while [ "$i" -lt "$REPS" ]; do
    i=$((i + 1))
    measure ours "$big" $OURS
    ours=$(best "$ours" "$M")
    measure python "$big" $PYCONV
    python=$(best "$python" "$M")
    measure floor "$big" "$FLOOR"
    floor=$(best "$floor" "$M")
done
oc=$(field cpu "$ours") pc=$(field cpu "$python") fc=$(field cpu "$floor")
for l in ours python floor; do
    eval m=\$$l
    printf '  %-8s cpu %7.3f s  wall %7.3f s  peak RSS %7d KiB  %9.0f orders/s\n' "$l" \
        "$(field cpu "$m")" "$(field wall "$m")" "$(field rss_kb "$m")" \
        "$(awk -v n="$N" -v c="$(field cpu "$m")" 'BEGIN{print (c > 0) ? n / c : 0}')"
done
echo "  python / ours (CPU): $(awk -v a="$pc" -v b="$oc" 'BEGIN{printf("%.1f", (b > 0) ? a / b : 0)}') x;" \
    "ours / floor (CPU): $(awk -v a="$oc" -v b="$fc" 'BEGIN{printf("%.2f", (b > 0) ? a / b : 0)}') x"

# 3. the orders job against the simulator
[ -n "${WB_BENCH_SKIP_API:-}" ] && exit 0
WB_ROOT=$ROOT
. "$ROOT/tests/lib.sh"
trap wb_cleanup EXIT
T=$(mktemp -d)
WB_TMP=$T
wb_start_sim "$T/sim" --rate-scale 100000 || die "simulator did not start"
wb_make_config "$T/w"
cp "$ETC/skus.map" "$T/w/etc/skus.map"
API_N=${WB_BENCH_API_ORDERS:-5000}
wb_sim_ctl /_sim/orders/add "{\"generate\":$API_N,\"skus\":[\"MUG-BLUE-330\",\"GIFT-SET-MUGS\"],\"levels\":[\"STANDARD\",\"NEXT_DAY\"]}" >/dev/null
t0=$(date +%s.%N)
"$BIN" -c "$WB_CONF" run --once orders >"$T/run.log" 2>&1 || die "orders job failed: $(tail -3 "$T/run.log")"
t1=$(date +%s.%N)
got=$(cat "$T"/w/spool/out/orders/*.csv | grep -c '^new,')
echo "orders job against the simulator ($API_N orders, $got rows written):"
awk -v n="$API_N" -v a="$t0" -v b="$t1" 'BEGIN{printf "  without quotas: %.1f s, %.0f orders/hour\n", b-a, n/(b-a)*3600}'
awk 'BEGIN{r=0.0056; burst=20; per=100
    printf "  at the default quota (0.0056 req/s, burst 20, 100 orders a page): first hour %d orders" \
        " (burst %d + refill %d), then %d orders/hour; one page every %.0f s\n",
        (burst + r*3600)*per, burst*per, r*3600*per, r*3600*per, 1/r }'
rm -rf "$T"
exit 0
