#!/bin/sh
# orders_e2e.sh - the orders job against the simulator's searchOrders: new orders reach
# out/orders/ once; orders with an unknown SKU or an unmapped service go to reject/orders/
# (no personal data) with an alert while the others go on; an amendment and a cancellation
# become amend and cancel records; after the map is fixed `requeue` releases a held order; a
# truncated answer writes nothing and the next run goes on; `status` tells the sync and when
# it lags; throttling mid-pagination resumes from the saved token on the next run, and an
# expired token starts the window again, every order still written once.
#
# Environment: WB_BIN, WB_ROOT, WB_TMP. Exit 0 pass, 77 skip, other = fail.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "orders_e2e: skipped: $t is not installed"; exit 77; }
done
wb_start_sim "$WB_TMP/sim" --rate-scale 1000 --seller 'Atzr|wmsbridge-sim-refresh-token=A2DEMO0SELLER' \
    --seller 'Atzr|acme-refresh=A2ACMESELLER' || exit 1
W=$WB_TMP/w
wb_make_config "$W" "orders_pii_days = 0"
cp "$WB_ROOT/etc/skus.map" "$W/etc/skus.map"
B="$WB_BIN"
C="$WB_CONF"
OUT=$W/spool/out/orders
REJ=$W/spool/reject/orders
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
run() { "$B" -c "$C" run --once orders >>"$WB_TMP/run.log" 2>&1; }
rows() { # all data rows of out/orders/ as record,order_id,sku,quantity
    python3 - "$OUT" <<'PY'
import csv, glob, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "orders-*.csv")),
                key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0])):
    for r in csv.DictReader(open(f, newline="", encoding="utf-8")):
        print("%s,%s,%s,%s" % (r["record"], r["amazon_order_id"], r["sku"], r["quantity"]))
PY
}
add() { wb_sim_ctl /_sim/orders/add "$1" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["added"]))'; }
set -- $(add '{"orders":[{"items":[[null,"MUG-BLUE-330",2]],"level":"STANDARD"},
    {"items":[[null,"TEAPOT-1L-WHITE",1]],"level":"NEXT_DAY","prime":true},
    {"items":[[null,"NO-SUCH-SKU",1]]},{"items":[[null,"MUG-RED-330",1]],"level":"Next Day"}]}')
A=$1 BO=$2 CO=$3 D=$4
run
r=$(rows)
[ "$(echo "$r" | grep -c '^new,')" = 2 ] && echo "$r" | grep -q "^new,$A,WH-000123,2$" &&
    echo "$r" | grep -q "^new,$BO,WH-000200-BX,1$" && ok "two good orders written once" ||
    { bad "good orders: $r"; tail -5 "$WB_TMP/run.log"; }
[ -f "$REJ/$CO.json" ] && [ -f "$REJ/$D.json" ] && grep -q E_SKU_UNKNOWN "$REJ/$CO.json" &&
    grep -q E_SERVICE_UNMAPPED "$REJ/$D.json" && ok "held orders in reject/orders/ with codes" ||
    bad "held orders: $(ls "$REJ")"
if grep -rqE "Recipient|Test Street|496 0" "$REJ" "$WB_TMP/run.log"; then
    bad "personal data in reject/ or the log"
else ok "no personal data in reject/ or the log"; fi
left=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT count(*) FROM order_batches WHERE rows IS NOT NULL").fetchone()[0])' "$W/spool/ledger.db")
[ "$left" = 0 ] && ok "with orders_pii_days 0 the ledger drops a batch's rows once its file is written" ||
    bad "$left batches keep their rows"
"$B" -c "$C" status >"$WB_TMP/status" 2>&1
grep -q "orders sync (account default): last complete window 20" "$WB_TMP/status" &&
    grep -q "held=2" "$WB_TMP/status" && grep -q "order-held" "$WB_TMP/status" &&
    ok "status: sync, held orders and their alerts" || { bad "status"; cat "$WB_TMP/status"; }
run
[ "$(rows | wc -l)" = 2 ] && ok "a second run writes nothing again" || bad "second run: $(rows)"
item=$(wb_sim_ctl /_sim/orders/list | python3 -c "import json,sys; d=json.load(sys.stdin); print([o for o in d['orders'] if o['orderId']=='$A'][0]['orderItems'][0]['orderItemId'])")
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$A\",\"quantity\":{\"$item\":3}}" >/dev/null
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$BO\",\"cancel\":true}" >/dev/null
run
r=$(rows)
echo "$r" | grep -q "^amend,$A,WH-000123,3$" && echo "$r" | grep -q "^cancel,$BO," &&
    ok "an amendment and a cancellation as records" || bad "amend/cancel: $r"
printf 'WH-777\tNO-SUCH-SKU\n' >>"$W/etc/skus.map"
"$B" -c "$C" requeue "$CO.json" --flow orders >/dev/null 2>&1 || bad "requeue exit $?"
run
rows | grep -q "^new,$CO,WH-777,1$" && [ ! -f "$REJ/$CO.json" ] &&
    ok "after the map fix requeue releases the held order" || bad "requeue: $(rows)"
n=$(rows | wc -l)
wb_sim_ctl /_sim/orders/faults '{"truncate_next":1}' >/dev/null
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$A\",\"quantity\":{\"$item\":4}}" >/dev/null
run
[ "$(rows | wc -l)" = "$n" ] && ok "a truncated answer writes nothing" || bad "truncated: $(rows)"
run
rows | grep -q "^amend,$A,WH-000123,4$" && ok "the next run takes the change" || bad "after truncation"
# an update that arrives out of order never undoes the newer state: the version of A before its
# last change (quantity 3) comes with the next answer, after quantity 4 was taken
n=$(rows | wc -l)
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$A\",\"address\":{\"city\":\"York\"}}" >/dev/null
wb_sim_ctl /_sim/orders/faults '{"stale_next":1}' >/dev/null
run
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$A\",\"quantity\":{\"$item\":5}}" >/dev/null
wb_sim_ctl /_sim/orders/faults '{"stale_next":1}' >/dev/null
run
r=$(rows | sed -n "$((n + 1)),\$p")
[ "$(echo "$r" | wc -l)" = 2 ] && echo "$r" | sed -n 1p | grep -q "^amend,$A,WH-000123,4$" &&
    echo "$r" | sed -n 2p | grep -q "^amend,$A,WH-000123,5$" &&
    ok "an older update that arrives late changes nothing" || bad "out-of-order update: $r"
WB_FAKE_NOW=$(($(date +%s) + 7200)) "$B" -c "$C" status 2>&1 | grep -q "LAGGING" &&
    ok "status says when the sync lags" || bad "no LAGGING in status"
# ship-by protection on a moved clock (the simulator's orders must ship 48 h after they were
# placed): A has no dispatch from the WMS; C has one the ledger holds unconfirmed
sql() { python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()' \
    "$W/spool/ledger.db" "$1"; }
now=$(date +%s)
sql "INSERT INTO files(id,flow,name,digest,state,created,updated) VALUES(9001,'dispatch','d.csv','x',2,$now,$now);
     INSERT INTO rows(file_id,flow,key,lineno,state,created,updated) VALUES(9001,'dispatch','$CO|12345678901234|TRK1',2,1,$now,$now);"
WB_FAKE_NOW=$((now + 47 * 3600)) "$B" -c "$C" run --once orders >>"$WB_TMP/run.log" 2>&1
"$B" -c "$C" status >"$WB_TMP/status" 2>&1
grep "ship-by" "$WB_TMP/status" | grep -q "$A" && ! grep "ship-by" "$WB_TMP/status" | grep -q "$CO" &&
    grep "dispatch-unconfirmed" "$WB_TMP/status" | grep -q "$CO" &&
    ok "ship-by alerts: no dispatch (the warehouse's), a dispatch not confirmed (ours)" ||
    { bad "ship-by alerts"; grep -E "ship-by|unconfirmed" "$WB_TMP/status"; }
sql "UPDATE rows SET state=3 WHERE file_id=9001"
WB_FAKE_NOW=$((now + 47 * 3600)) "$B" -c "$C" run --once orders >>"$WB_TMP/run.log" 2>&1
"$B" -c "$C" status 2>&1 | grep -q "dispatch-unconfirmed" && bad "confirmed dispatch still alerted" ||
    ok "a confirmed dispatch clears its alert"

# a second seller account: its own SP-API client (its refresh token), its own lane out/acme/orders/
# and its own ledger records; the default account's files are not touched. The simulator
# shows every seller the same orders: acme takes A (amended) and C as new, B is cancelled,
# D is held in reject/acme/orders/
umask 077
cat >"$W/etc/acme.cred" <<CRED
client_id = amzn1.application-oa2-client.wmsbridgesim
client_secret = wmsbridge-sim-secret
refresh_token = Atzr|acme-refresh
CRED
umask 022
printf 'account.acme.merchant_id = A2ACMESELLER\naccount.acme.credentials = %s\n' \
    "$W/etc/acme.cred" >>"$C"
before=$(rows | wc -l)
run
acme=$(cat "$W"/spool/out/acme/orders/orders-*.csv 2>/dev/null | grep -c "^new,")
[ "$acme" = 2 ] && [ -f "$W/spool/reject/acme/orders/$D.json" ] && [ "$(rows | wc -l)" = "$before" ] &&
    ok "a second account syncs into its own lane ($acme new rows in out/acme/orders/)" ||
    { bad "second account: acme=$acme default $(rows | wc -l) (was $before)"; tail -5 "$WB_TMP/run.log"; }

# throttling mid-pagination, on a simulator at Amazon's default quota (0.0056/s, burst 20):
# a run takes 20 pages (the burst), the next one meets 429 at once (retry_max 0 here), and
# each goes on from the saved token; the token then expires and the window starts again;
# every order is written once
wb_cleanup
wb_start_sim "$WB_TMP/sim2" --rate-scale 1 || exit 1
W=$WB_TMP/w2
wb_make_config "$W" "retry_max = 0"
cp "$WB_ROOT/etc/skus.map" "$W/etc/skus.map"
C="$WB_CONF"
OUT=$W/spool/out/orders
add '{"generate":2550,"skus":["MUG-BLUE-330"]}' >/dev/null
run
first=$(rows | wc -l)
[ "$first" = 2000 ] && ok "the burst spent: 20 pages in the first run" || bad "first run: $first rows"
run
[ "$(rows | wc -l)" = 2000 ] && grep -q "sync-failed status=tempfail" "$WB_TMP/run.log" &&
    ok "429 mid-window: nothing lost, the token kept" || bad "429 run: $(rows | wc -l) rows"
wb_sim_ctl /_sim/reset '{"state":false,"buckets":true}' >/dev/null
wb_sim_ctl /_sim/orders/clock '{"advance":90000}' >/dev/null
i=0
while [ $i -lt 6 ]; do
    run
    wb_sim_ctl /_sim/reset '{"state":false,"buckets":true}' >/dev/null
    i=$((i + 1))
done
grep -q "token-refused" "$WB_TMP/run.log" && ok "the expired token is refused and the window starts again" ||
    bad "no token-refused log line"
new=$(rows | grep -c '^new,')
dups=$(rows | grep '^new,' | sort | uniq -d | wc -l)
[ "$dups" = 0 ] && [ "$new" = 2550 ] && ok "every order once ($new new rows, no repeats)" ||
    bad "after the expired token: new=$new dups=$dups"
"$B" -c "$C" status 2>&1 | grep -q "last complete window 20" && ok "the window completed" ||
    bad "window not complete"
exit $fail
