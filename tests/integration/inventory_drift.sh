#!/bin/sh
# inventory_drift.sh - the inventory job's drift option against the simulator: after a clean
# publish the drift report of each seller account (out/LANE/inventory-drift-DATE.csv) shows
# every SKU with drift 0; once Amazon's quantity of a SKU differs, the report lists that SKU
# first with its drift, and status shows the account's drift count.
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
D=$W/spool/in/inventory
A=$W/spool/in/acme/inventory
mkdir -p "$D" "$A"

settle_inv() { wb_settle_flow inventory 60 inventory:flush feeds-poll:now; }

cat >"$WB_TMP/s1.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
SKU-A,AVAILABLE,A1,5,2026-12-01T08:00:00Z
SKU-B,AVAILABLE,B1,3,2026-12-01T08:00:00Z
SKU-C,AVAILABLE,C1,8,2026-12-01T08:00:00Z
CSV
cat >"$WB_TMP/a1.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
SKU-X,AVAILABLE,X1,4,2026-12-01T08:00:00Z
CSV
wb_drop "$WB_TMP/s1.csv" "$D"
wb_drop "$WB_TMP/a1.csv" "$A"
settle_inv || fail "the snapshots did not settle"

day=$(date -u +%Y-%m-%d)
R=$W/spool/out/inventory/inventory-drift-$day.csv
RA=$W/spool/out/acme/inventory/inventory-drift-$day.csv
"$B" -c "$WB_CONF" run --once inventory --options drift >>"$WB_LOG" 2>&1 ||
    { tail -20 "$WB_LOG"; fail "the drift job failed"; }
[ -f "$R" ] || fail "no drift report $R"
[ -f "$RA" ] || fail "no drift report for account acme"
exp='seller_sku,wms_quantity,last_published,amazon_quantity,drift
SKU-A,5,5,5,0
SKU-B,3,3,3,0
SKU-C,8,8,8,0'
[ "$(cat "$R")" = "$exp" ] || { cat "$R"; fail "after a clean publish the report is not all 0"; }
[ "$(cat "$RA")" = 'seller_sku,wms_quantity,last_published,amazon_quantity,drift
SKU-X,4,4,4,0' ] || { cat "$RA"; fail "account acme's report is not its own SKUs at 0"; }
"$B" -c "$WB_CONF" status | grep -q 'inventory drift (account default): 0 SKU(s)' ||
    fail "status does not show drift 0"

# Amazon's quantity of SKU-B and SKU-C differ (SKU-C by more), a SKU Amazon has and the WMS not
wb_sim_ctl /_sim/listings/set '{"quantities": {"SKU-B": 2, "SKU-C": 1, "SKU-Z": 1}}' >/dev/null
"$B" -c "$WB_CONF" run --once inventory --options drift >>"$WB_LOG" 2>&1 ||
    { tail -5 "$WB_LOG"; fail "the second drift job failed"; }
exp='seller_sku,wms_quantity,last_published,amazon_quantity,drift
SKU-C,8,8,1,-7
SKU-B,3,3,2,-1
SKU-Z,,,1,1
SKU-A,5,5,5,0'
[ "$(cat "$R")" = "$exp" ] || { cat "$R"; fail "the report does not list the worst drift first"; }
"$B" -c "$WB_CONF" status >"$WB_TMP/status"
grep -q 'inventory drift (account default): 3 SKU(s) differ' "$WB_TMP/status" ||
    { cat "$WB_TMP/status"; fail "status does not show the drift count 3"; }
grep -q 'inventory drift (account acme): 0 SKU(s) differ' "$WB_TMP/status" ||
    fail "account acme's count is not its own"
n=$("$B" -c "$WB_CONF" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)["flow_status"]["inventory"]["drift"]
print(d["default"], d["acme"])')
[ "$n" = "3 0" ] || fail "status --json drift counts: '$n', not '3 0'"
exit 0
