#!/bin/sh
# ack_e2e.sh - order acknowledgements and WMS cancellations against the simulator: orders
# written to the WMS are acknowledged (Success) once, and a rerun sends nothing; a WMS
# cancellation file becomes a Failure acknowledgement with Amazon's CancelReason; an unknown
# order is refused by Amazon into reject/cancel/ with its code; an unknown reason is rejected
# locally (E_CANCEL_REASON); every acknowledgement is accepted by Amazon at most once.
#
# Environment: WB_BIN, WB_ROOT, WB_TMP. Exit 0 pass, 77 skip, other = fail.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "ack_e2e: skipped: $t is not installed"; exit 77; }
done
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --rate-scale 1000 --process-seconds 1 || exit 1
W=$WB_TMP/w
wb_make_config "$W"
cp "$WB_ROOT/etc/skus.map" "$W/etc/skus.map"
B=$WB_BIN
settle() { wb_settle_jobs 60 orders ack:flush cancel:flush feeds-poll:now; }
# acks ACK_OR_CANCEL - the messages of that kind Amazon received: "order status result reasons"
acks() {
    wb_sim_ctl /_sim/received | python3 -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    if f["feedType"] != "POST_ORDER_ACKNOWLEDGEMENT_DATA":
        continue
    for m in f["messages"]:
        if m["status_code"] == sys.argv[1]:
            print(m["order_id"], m["result"], ",".join(r or "-" for r in m["cancel_reasons"] or []) or "-")
' "$1"
}
ledger() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$W/spool/ledger.db" "$1"; }

set -- $(wb_sim_ctl /_sim/orders/add '{"orders":[{"items":[[null,"MUG-BLUE-330",2]],"level":"STANDARD"},
    {"items":[[null,"TEAPOT-1L-WHITE",1]],"level":"NEXT_DAY"}]}' |
    python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["added"]))')
A=$1 BO=$2
settle || wb_fail "orders and acknowledgements did not settle"
s=$(acks Success | sort)
[ "$(echo "$s" | grep -c ' accepted ')" = 2 ] && echo "$s" | grep -q "^$A accepted" &&
    echo "$s" | grep -q "^$BO accepted" || wb_fail "Success acknowledgements: $s"
echo "ok   orders written to the WMS are acknowledged"
nfeeds() { wb_sim_ctl /_sim/received | python3 -c 'import json,sys; print(sum(f["feedType"]=="POST_ORDER_ACKNOWLEDGEMENT_DATA" for f in json.load(sys.stdin)["feeds"]))'; }
n=$(nfeeds)
settle
"$B" -c "$WB_CONF" run --once orders --options "" >>"$WB_LOG" 2>&1
settle
[ "$(nfeeds)" = "$n" ] && [ "$(acks Success | wc -l)" = 2 ] || wb_fail "a rerun sent again"
echo "ok   a rerun sends nothing"
# a crash after the batch's files were written but before the ledger said so: the redo writes
# the WMS file again, but not the ack file the ack job already took
first=$(ls "$W"/spool/*/orders/orders-*.csv | head -n 1)
python3 - "$W/spool/ledger.db" "$first" <<'PY'
import csv, sqlite3, sys, time
rows = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))[1:]
enc = "".join("\t".join(c.replace("\\", "\\\\") for c in r) + "\n" for r in rows)
db = sqlite3.connect(sys.argv[1])
db.execute("INSERT INTO order_batches(account,name,state,rows,created) VALUES('',?,1,?,?)",
           (sys.argv[2].rsplit("/", 1)[1], enc, int(time.time())))
db.commit()
PY
settle || wb_fail "the redo did not settle"
[ "$(nfeeds)" = "$n" ] && [ -z "$(ls "$W/spool/reject/ack")" ] && [ -z "$(ls "$W/spool/in/ack")" ] ||
    wb_fail "a redo wrote the ack file again: $(ls "$W/spool/reject/ack" "$W/spool/in/ack")"
echo "ok   a redo of a written batch does not write its ack file again"
oi=$(wb_sim_ctl /_sim/orders/list | python3 -c "import json,sys; d=json.load(sys.stdin); print([o for o in d['orders'] if o['orderId']=='$BO'][0]['orderItems'][0]['orderItemId'])")
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$BO\",\"quantity\":{\"$oi\":2}}" >/dev/null
settle || wb_fail "the amendment did not settle"
grep -qh "^amend,$BO," "$W"/spool/*/orders/orders-*.csv || wb_fail "no amend record of $BO"
[ "$(nfeeds)" = "$n" ] && [ "$(acks Success | wc -l)" = 2 ] && [ -z "$(ls "$W/spool/reject/ack")" ] ||
    wb_fail "an amendment was acknowledged again: $(ls "$W/spool/reject/ack")"
echo "ok   an amended order is not acknowledged again"

item=$(python3 - "$W/spool" "$A" <<'PY'
import csv, glob, os, sys
for f in glob.glob(os.path.join(sys.argv[1], "*", "orders", "orders-*.csv")):
    for r in csv.DictReader(open(f, newline="", encoding="utf-8")):
        if r["amazon_order_id"] == sys.argv[2]:
            print(r["order_item_id"]); sys.exit(0)
PY
)
[ -n "$item" ] || wb_fail "no item of $A in the WMS order file"
mkdir -p "$W/spool/in/cancel"
printf 'amazon_order_id,order_item_id,reason\n%s,%s,out of stock\n026-1234567-9990001,,NoInventory\n%s,,lost in space\n' \
    "$A" "$item" "$BO" >"$WB_TMP/c.csv"
wb_drop "$WB_TMP/c.csv" "$W/spool/in/cancel"
settle || wb_fail "the cancellation file did not settle"
f=$(acks Failure | sort)
echo "$f" | grep -q "^$A accepted NoInventory$" || wb_fail "Failure acknowledgement of $A: $f"
echo "ok   a WMS cancellation becomes a Failure acknowledgement with NoInventory"
echo "$f" | grep -q "^026-1234567-9990001 error" && grep -q 18028 "$W"/spool/reject/cancel/c-*.csv ||
    wb_fail "unknown order not refused into reject/cancel/: $(cat "$W"/spool/reject/cancel/c-*.csv)"
echo "ok   an unknown order is refused by Amazon into reject/cancel/ with its code"
echo "$f" | grep -q "^$BO " && wb_fail "an unknown reason was sent"
grep -q "E_CANCEL_REASON" "$W"/spool/reject/cancel/c-rejects-*.csv ||
    wb_fail "unknown reason not rejected locally"
echo "ok   an unknown reason is rejected locally with E_CANCEL_REASON"
[ -f "$W/spool/done/"*/cancel/c.csv ] || wb_fail "c.csv not settled to done/"
wb_check_received 3 || wb_fail "acknowledgements: 2 Success and 1 Failure, each accepted once"
exit 0
