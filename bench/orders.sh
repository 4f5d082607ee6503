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
BUILD=${1:?usage: sh bench/orders.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
BIN=$BUILD/wmsbridge
OUT=$ROOT/bench/out
N=${WB_BENCH_ORDERS:-100000}
REPS=${WB_BENCH_REPS:-3}
SEED=42
PY=${PYTHON:-python3}
MEASURE="$PY $ROOT/bench/measure.py"
die() { echo "bench orders: $*" >&2; exit 1; }
[ -x "$BIN" ] || die "no $BIN (make VARIANT=release all first)"
mkdir -p "$OUT" "$BUILD/bench" || die "cannot create $OUT"
FLOOR=$BUILD/bench/parse_floor_orders
if [ ! -x "$FLOOR" ] || [ "$ROOT/bench/parse_floor_orders.c" -nt "$FLOOR" ]; then
    ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$FLOOR" "$ROOT/bench/parse_floor_orders.c" \
        -ljansson || die "cannot build parse_floor_orders"
fi
ETC=$OUT/etc-orders # the shipped maps and a gift-set bundle the generator sells
mkdir -p "$ETC"
cp "$ROOT/etc/carriers.map" "$ROOT/etc/amazon-carrier-codes.txt" "$ETC/"
{ cat "$ROOT/etc/skus.map"; echo "bundle GIFT-SET-MUGS WH-000123:2 WH-000300:1"; } >"$ETC/skus.map"
LAYOUT=$ROOT/formats/orders-utf8.layout
MAPS="--layout $LAYOUT --skus $ETC/skus.map --carriers $ETC/carriers.map"
OURS="$BIN convert orders $MAPS"
PYCONV="$PY $ROOT/bench/baseline_orders.py $MAPS"

gen() {
    f=$OUT/orders-n$1-s$SEED-b$2.json
    stamp="orders=$1 seed=$SEED bad=$2 gen=$(cksum <"$ROOT/bench/gen_orders.py")"
    if [ -f "$f" ] && [ "$(cat "$f.params" 2>/dev/null)" = "$stamp" ]; then
        echo "$f"
        return
    fi
    echo "bench orders: generating $1 orders into $f" >&2
    "$PY" "$ROOT/bench/gen_orders.py" --orders "$1" --seed "$SEED" --bad "$2" --out "$f.tmp" &&
        mv "$f.tmp" "$f" && echo "$stamp" >"$f.params" || die "generator failed"
    echo "$f"
}
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
measure() {
    label=$1 input=$2
    shift 2
    M=$($MEASURE 1 "$input" /dev/null -- "$@" 2>"$OUT/$label.err") || die "$label: measuring failed"
    case $(field rc "$M") in
    0 | 65) ;;
    *) cat "$OUT/$label.err" >&2; die "$label: exit status $(field rc "$M")" ;;
    esac
}
best() {
    [ -z "$1" ] && { echo "$2"; return; }
    awk -v a="$1" -v b="$2" 'function get(line, k,   n, i, f, kv) {
            n = split(line, f, " ")
            for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == k) return kv[2] }
            return "" }
        BEGIN {
            c = get(a, "cpu") + 0; d = get(b, "cpu") + 0
            w = get(a, "wall") + 0; x = get(b, "wall") + 0
            r = get(a, "rss_kb") + 0; q = get(b, "rss_kb") + 0
            printf "wall=%.3f cpu=%.3f rss_kb=%d rc=%s\n", (x < w ? x : w), (d < c ? d : c),
                (q > r ? q : r), get(b, "rc") }'
}

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
