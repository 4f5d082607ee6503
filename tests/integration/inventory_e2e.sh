#!/bin/sh
# inventory_e2e.sh - the inventory flow's spool path against the simulator: a snapshot dropped in
# in/inventory/ publishes every SKU as a JSON_LISTINGS_FEED; a second snapshot publishes only
# the SKUs whose quantity changed; a SKU Amazon refuses lands in reject/inventory/ with Amazon's
# code and is published again by the next snapshot, a SKU Amazon only warns about is confirmed;
# a bad row is rejected with convert's code;
# an unchanged snapshot sends nothing, but after a `full` run the next one sends every SKU; an older snapshot is refused whole; a much smaller one is
# held in hold/inventory/ with an alert until an operator requeues it; a complete snapshot (its
# layout says so) publishes 0 for a SKU it leaves out, a partial one does not; of two snapshots
# taken in one run only the newer quantity of a SKU is sent; units of orders written to the WMS
# after a snapshot's time come off its quantities; a second seller
# account gets its own feed with its own seller id.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
fail() { wb_fail "$@"; }

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 \
    --seller 'Atzr|acme-refresh=A2ACMESELLER' || exit 1
W=$WB_TMP/w
wb_make_config "$W" "stock_states_map = $WB_ROOT/etc/stock-states.map" \
    "account.acme.merchant_id = A2ACMESELLER" "account.acme.credentials = $W/etc/acme.cred"
sed "s/^refresh_token = .*/refresh_token = Atzr|acme-refresh/" "$W/etc/credentials" \
    >"$W/etc/acme.cred"
chmod 600 "$W/etc/acme.cred"
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1 || { cat "$WB_TMP/check.out"; fail "check"; }

D=$W/spool/in/inventory
A=$W/spool/in/acme/inventory
mkdir -p "$D" "$A"

# settle_inv - inventory + feeds-poll until no inventory lane holds a file or an open row
settle_inv() { wb_settle_flow inventory 60 inventory:flush feeds-poll:now; }
# sent SELLER - "SKU=QTY" of every listings message the simulator received from SELLER, in
# feed order, one feed a line
sent() {
    wb_sim_ctl /_sim/received | python3 -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    if f.get("feedType") != "JSON_LISTINGS_FEED" or f.get("seller") != sys.argv[1]:
        continue
    print(" ".join("%s=%s" % tuple(m["items"][0]) for m in f.get("messages", [])))
' "$1"
}

# 1. the first snapshot publishes every SKU (rows summed over sellable states)
cat >"$WB_TMP/s1.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
SKU-A,AVAILABLE,A1,5,2026-12-01T08:00:00Z
SKU-A,PICKFACE,A2,2,2026-12-01T08:00:00Z
SKU-A,QUARANTINE,Q1,9,2026-12-01T08:00:00Z
SKU-B,AVAILABLE,B1,3,2026-12-01T08:00:00Z
SKU-C,AVAILABLE,C1,0,2026-12-01T08:00:00Z
UNKNOWN-1,AVAILABLE,U1,4,2026-12-01T08:00:00Z
SKU-D,NOSUCHSTATE,D1,1,2026-12-01T08:00:00Z
WARNSKU-1,AVAILABLE,W1,2,2026-12-01T08:00:00Z
CSV
wb_drop "$WB_TMP/s1.csv" "$D"
settle_inv || fail "the first snapshot did not settle"
got=$(sent A2DEMO0SELLER | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "SKU-A=7 SKU-B=3 SKU-C=0 UNKNOWN-1=4 WARNSKU-1=2 " ] ||
    fail "first snapshot sent: '$got'"
# a warning never rejects: WARNSKU-1 is confirmed, with Amazon's words kept
grep -rq WARNSKU "$W"/spool/reject/inventory/ && fail "a SKU with a warning was rejected"
c=$("$B" -c "$WB_CONF" status --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["flows"]["inventory"]["rows"]["confirmed"])')
[ "$c" = 4 ] || fail "confirmed $c rows, not 4 (the warning's among them)"
ls "$W"/spool/reject/inventory/ >"$WB_TMP/rej1" 2>/dev/null
grep -q 'E_STOCK_STATE' "$W"/spool/reject/inventory/s1-rejects-*.csv ||
    fail "the row of an unknown state is not in reject/inventory/ with its code"
grep -q '4000003' "$W"/spool/reject/inventory/*.csv 2>/dev/null ||
    { grep -rl UNKNOWN-1 "$W"/spool/reject/inventory/ ; fail "the SKU Amazon refused is not in reject/inventory/ with Amazon's code"; }
grep -l '4000003' "$W"/spool/reject/inventory/*.csv | xargs grep -q 'UNKNOWN-1' ||
    fail "the reject row does not name the refused SKU"
ls "$W"/spool/done/*/inventory/s1.csv >/dev/null 2>&1 || fail "s1.csv did not reach done/"

# 2. the second snapshot: only SKU-B changed; the refused SKU is tried again
cat >"$WB_TMP/s2.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
SKU-A,AVAILABLE,A1,5,2026-12-01T09:00:00Z
SKU-A,PICKFACE,A2,2,2026-12-01T09:00:00Z
SKU-B,AVAILABLE,B1,1,2026-12-01T09:00:00Z
SKU-C,AVAILABLE,C1,0,2026-12-01T09:00:00Z
UNKNOWN-1,AVAILABLE,U1,4,2026-12-01T09:00:00Z
CSV
wb_drop "$WB_TMP/s2.csv" "$D"
settle_inv || fail "the second snapshot did not settle"
got=$(sent A2DEMO0SELLER | tail -n 1 | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "SKU-B=1 UNKNOWN-1=4 " ] || fail "second snapshot sent: '$got' (only changes expected)"

# 3. a snapshot with nothing changed sends no feed and still settles
n1=$(sent A2DEMO0SELLER | wc -l)
sed 's/09:00/10:00/' "$WB_TMP/s2.csv" | grep -v UNKNOWN >"$WB_TMP/s3.csv"
wb_drop "$WB_TMP/s3.csv" "$D"
settle_inv || fail "the third snapshot did not settle"
[ "$(sent A2DEMO0SELLER | wc -l)" = "$n1" ] || fail "an unchanged snapshot sent a feed"
ls "$W"/spool/done/*/inventory/s3.csv >/dev/null 2>&1 || fail "s3.csv did not reach done/"

# 3b. a full refresh (job option `full`, e.g. nightly): the next snapshot publishes every SKU,
# changed or not, so a quantity that drifted on Amazon heals; the one after is a delta again
"$B" -c "$WB_CONF" run --once inventory --options full >>"$WB_LOG" 2>&1 || fail "inventory full"
sed 's/10:00/10:30/' "$WB_TMP/s3.csv" >"$WB_TMP/s3full.csv"
wb_drop "$WB_TMP/s3full.csv" "$D"
settle_inv || fail "the snapshot after a full refresh request did not settle"
got=$(sent A2DEMO0SELLER | tail -n +$((n1 + 1)) | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "SKU-A=7 SKU-B=1 SKU-C=0 " ] || fail "full refresh sent: '$got' (every SKU expected)"
n1=$(sent A2DEMO0SELLER | wc -l)
sed 's/10:00/10:45/' "$WB_TMP/s3.csv" >"$WB_TMP/s3after.csv"
wb_drop "$WB_TMP/s3after.csv" "$D"
settle_inv || fail "the snapshot after a full refresh did not settle"
[ "$(sent A2DEMO0SELLER | wc -l)" = "$n1" ] || fail "the full refresh was served twice"

# 4. an older snapshot never replaces a newer one: refused whole, nothing sent
sed 's/09:00/07:00/' "$WB_TMP/s2.csv" | sed 's/,1,2026/,9,2026/' >"$WB_TMP/old.csv"
wb_drop "$WB_TMP/old.csv" "$D"
settle_inv || fail "the older snapshot did not settle"
[ "$(sent A2DEMO0SELLER | wc -l)" = "$n1" ] || fail "an older snapshot sent a feed"
grep -q E_SNAPSHOT_OLDER "$W/spool/reject/inventory/old.csv.reason" 2>/dev/null ||
    fail "the older snapshot is not in reject/inventory/ with E_SNAPSHOT_OLDER"

# 5. a much smaller snapshot (SKU-A 7 -> 1 unit, under 50 %) is held with an alert; an
# operator's requeue of that very file publishes it
cat >"$WB_TMP/s4.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
SKU-A,AVAILABLE,A1,1,2026-12-01T11:00:00Z
CSV
wb_drop "$WB_TMP/s4.csv" "$D"
settle_inv || fail "the shrunk snapshot did not settle"
[ -f "$W/spool/hold/inventory/s4.csv" ] || fail "the shrunk snapshot is not in hold/inventory/"
[ "$(sent A2DEMO0SELLER | wc -l)" = "$n1" ] || fail "a shrunk snapshot sent a feed"
"$B" -c "$WB_CONF" status --json | grep -q '"snapshot-held"' || fail "no snapshot-held alert"
"$B" -c "$WB_CONF" requeue s4.csv >>"$WB_LOG" 2>&1 || fail "requeue of the held snapshot"
settle_inv || fail "the requeued snapshot did not settle"
[ "$(sent A2DEMO0SELLER | tail -n 1)" = "SKU-A=1" ] || fail "requeued: '$(sent A2DEMO0SELLER | tail -n 1)'"
"$B" -c "$WB_CONF" status --json | grep -q '"snapshot-held"' && fail "the alert stayed open"

# 6. a partial snapshot leaves SKU-B alone; a complete one (layout complete = yes) zeroes it
n1=$(sent A2DEMO0SELLER | wc -l)
printf 'sku,stock_state,location,quantity,snapshot_time\nSKU-A,AVAILABLE,A1,1,2026-12-01T12:00:00Z\nSKU-C,AVAILABLE,C1,1,2026-12-01T12:00:00Z\n' >"$WB_TMP/s5.csv"
wb_drop "$WB_TMP/s5.csv" "$D"
settle_inv || fail "the partial snapshot did not settle"
[ "$(sent A2DEMO0SELLER | tail -n 1)" = "SKU-C=1" ] || fail "partial: '$(sent A2DEMO0SELLER | tail -n 1)'"
mkdir -p "$WB_TMP/formats"
cp "$WB_ROOT"/formats/*.layout "$WB_TMP/formats/"
sed -e 's/^name = inventory-utf8/name = inventory-full/' "$WB_ROOT/formats/inventory-utf8.layout" \
    >"$WB_TMP/formats/inventory-full.layout"
echo "complete = yes" >>"$WB_TMP/formats/inventory-full.layout"
sed -i "s|^layout_dir = .*|layout_dir = $WB_TMP/formats|" "$WB_CONF"
echo "inventory_layout = inventory-full" >>"$WB_CONF"
sed 's/12:00/13:00/' "$WB_TMP/s5.csv" >"$WB_TMP/s6.csv"
wb_drop "$WB_TMP/s6.csv" "$D"
settle_inv || fail "the complete snapshot did not settle"
[ "$(sent A2DEMO0SELLER | tail -n 1)" = "SKU-B=0 WARNSKU-1=0" ] || fail "complete: '$(sent A2DEMO0SELLER | tail -n 1)'"

# 7. two snapshots taken in one run: the first one's unsent quantity of SKU-A is replaced by
# the second's, so Amazon gets one quantity per SKU, the newest
n1=$(sent A2DEMO0SELLER | wc -l)
printf 'sku,stock_state,location,quantity,snapshot_time\nSKU-A,AVAILABLE,A1,5,2026-12-01T14:00:00Z\nSKU-C,AVAILABLE,C1,5,2026-12-01T14:00:00Z\n' >"$WB_TMP/s7.csv"
sed -e 's/14:00/15:00/' -e 's/A1,5/A1,6/' "$WB_TMP/s7.csv" >"$WB_TMP/s8.csv"
wb_drop "$WB_TMP/s7.csv" "$D"
wb_drop "$WB_TMP/s8.csv" "$D"
settle_inv || fail "two snapshots did not settle"
got=$(sent A2DEMO0SELLER | tail -n +$((n1 + 1)) | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "SKU-A=6 SKU-C=5 " ] || fail "two snapshots in one run sent: '$got'"

# 9. open orders: units of an order written to the WMS after the snapshot's time (and not
# cancelled) are still on hand in the snapshot but sold: they come off what Amazon is told
o=$(wb_sim_ctl /_sim/orders/add '{"orders":[{"items":[[null,"SKU-C",2]],"level":"STANDARD"}]}')
"$B" -c "$WB_CONF" run --once orders >>"$WB_LOG" 2>&1 || fail "orders job: $o"
ls "$W"/spool/out/orders/orders-*.csv >/dev/null 2>&1 || fail "the order was not written: $o"
n1=$(sent A2DEMO0SELLER | wc -l)
sed -e 's/14:00/16:00/' -e 's/A1,5/A1,6/' "$WB_TMP/s7.csv" >"$WB_TMP/s9.csv"
wb_drop "$WB_TMP/s9.csv" "$D"
settle_inv || fail "the snapshot after an order did not settle"
got=$(sent A2DEMO0SELLER | tail -n +$((n1 + 1)) | tr '\n' ' ')
[ "$got" = "SKU-C=3 " ] || fail "open order: sent '$got'"

# 8. a second seller account: its own feed, its own seller id, its own last quantities
wb_drop "$WB_TMP/s1.csv" "$A"
settle_inv || fail "the acme snapshot did not settle"
got=$(sent A2ACMESELLER | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "SKU-A=7 SKU-B=3 SKU-C=0 UNKNOWN-1=4 WARNSKU-1=2 " ] || fail "acme sent: '$got'"
wb_sim_ctl /_sim/received | python3 -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    if f.get("feedType") == "JSON_LISTINGS_FEED" and f.get("seller") == "A2ACMESELLER":
        assert f.get("tokenSeller") == "A2ACMESELLER", f.get("tokenSeller")' ||
    fail "the acme feed was not sent with acme's token"
echo "inventory_e2e: ok"
