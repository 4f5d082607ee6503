#!/bin/sh
# orders_health.sh - the orders' two health figures in `status --json`, from orders placed at
# known times in the simulator and a clock the test moves: order sync latency is the 95th
# percentile of the minutes from placed to the WMS file in place (19 orders 10 min, one 120 min,
# two 5 min: 10, the longest 120 in the detail); acknowledgements on time counts the orders
# whose acknowledgement Amazon accepted within ack_within_minutes of the file, over those
# acknowledged or past that deadline (20 on time, then two past it unacknowledged: 20 of 22,
# and still 20 of 22 once they are acknowledged late).
#
# Environment: WB_BIN, WB_ROOT, WB_TMP. Exit 0 pass, 77 skip, other = fail.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "orders_health: skipped: $t is not installed"; exit 77; }
done
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --rate-scale 1000 --process-seconds 1 || exit 1
W=$WB_TMP/w
wb_make_config "$W" "ack_within_minutes = 60" "target_order_sync_minutes = 15" \
    "target_ack_on_time_pct = 95"
cp "$WB_ROOT/etc/skus.map" "$W/etc/skus.map"
B=$WB_BIN
CLOCK=$WB_TMP/clock
T=$(date +%s)
echo "$T" >"$CLOCK"
export WB_FAKE_NOW=$CLOCK
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
# fig NAME - "value ok detail" of the default account's figure NAME in status --json
fig() {
    "$B" -c "$WB_CONF" status --json | python3 -c '
import json, sys
f = json.load(sys.stdin)["health"]["default"][sys.argv[1]]
print(f.get("value"), f.get("ok"), f.get("target"), f.get("detail", f.get("text")))' "$1"
}
# add PLACED N - N orders placed at epoch PLACED
add() {
    python3 -c 'import json, sys
print(json.dumps({"orders": [{"items": [[None, "MUG-BLUE-330", 1]], "placed": int(sys.argv[1])}] * int(sys.argv[2])}))' "$1" "$2" >"$WB_TMP/spec"
    wb_sim_ctl /_sim/orders/add "$(cat "$WB_TMP/spec")" >/dev/null
}

echo "latency: $(fig order_sync_latency); acks: $(fig ack_on_time_rate)" >"$WB_TMP/before"
grep -q "latency: None None 15.0 no order reached the WMS" "$WB_TMP/before" &&
    grep -q "acks: None None 95.0 no acknowledgement due" "$WB_TMP/before" &&
    ok "no orders yet: both figures configured, nothing measured" || bad "before: $(cat "$WB_TMP/before")"

add $((T - 600)) 19
add $((T - 7200)) 1
wb_run_job orders || bad "orders run: exit $?"
echo $((T + 1800)) >"$CLOCK"
wb_settle_jobs 60 ack:flush feeds-poll:now || bad "the acknowledgements did not settle"
add $((T + 1500)) 2
wb_run_job orders || bad "second orders run: exit $?"
r=$(fig order_sync_latency)
case "$r" in
"10.0 True 15.0 95th percentile of 22 order(s) in 14 days; longest 120 min") ok "order sync latency: $r" ;;
*) bad "order sync latency: $r" ;;
esac
r=$(fig ack_on_time_rate)
case "$r" in
"100.0 True 95.0 20 of 20 order(s) acknowledged within 60 min in 14 days") ok "acks before the deadline: $r" ;;
*) bad "acks, two not yet due: $r" ;;
esac
echo $((T + 1800 + 3660)) >"$CLOCK"
r=$(fig ack_on_time_rate)
case "$r" in
"90.9091 False 95.0 20 of 22 order(s) acknowledged within 60 min in 14 days") ok "acks past the deadline: $r" ;;
*) bad "acks, two past their deadline: $r" ;;
esac
wb_settle_jobs 60 ack:flush feeds-poll:now || bad "the late acknowledgements did not settle"
r=$(fig ack_on_time_rate)
case "$r" in
"90.9091 False 95.0 20 of 22 order(s) acknowledged within 60 min in 14 days") ok "acknowledged late: $r" ;;
*) bad "acks, two acknowledged late: $r" ;;
esac
"$B" -c "$WB_CONF" status | grep -E "order sync latency|acknowledgements on time" >"$WB_TMP/lines"
grep -q "order sync latency.*10 minutes.*<= 15.*ok" "$WB_TMP/lines" &&
    grep -q "acknowledgements on time.*90.91 percent.*>= 95.*MISS" "$WB_TMP/lines" &&
    ok "status prints both figures against their targets" || bad "status: $(cat "$WB_TMP/lines")"
exit $fail
