#!/bin/sh
# status_golden.sh - `status` and `status --json` on a spool with known content, at a fixed
# clock (WB_FAKE_NOW), against the golden files of tests/data/status/: two seller accounts, a
# dispatch file with three good rows and one bad one (a feed built offline, a reject file ten
# minutes old), a file refused whole; the health figures per account with their targets (feed
# success rate measured from the ledger, exception backlog by owner, the figures of flows not
# configured saying so), the open alerts with their owners. Plain `status` lists only lanes with
# something in them and folds the accounts whose figures are all on target; `status --all`
# lists every lane and account. WB_UPDATE_GOLDEN=1 rewrites them.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
W=$WB_TMP/w
G=$WB_ROOT/tests/data/status
export WB_FAKE_NOW=1893456000 # 2030-01-01T00:00:00Z
wb_make_config "$W" "account.acme.merchant_id = A2ACME" "target_exception_backlog = 1"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
fail() { wb_fail "$@"; }
cat >"$WB_TMP/d.csv" <<CSV
amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time
101-0000001-0000001,00100000000010,SKU-1,1,RM48,TRK01000000001GB,2029-12-31T22:00:00Z
101-0000002-0000002,00100000000020,SKU-2,2,RM48,TRK01000000002GB,2029-12-31T22:00:00Z
101-0000003-0000003,00100000000030,SKU-3,3,DPDLOCAL,TRK01000000003GB,2029-12-31T22:00:00Z
12-BAD-0,00100000000040,SKU-4,1,RM48,TRK01000000004GB,2029-12-31T22:00:00Z
CSV
wb_drop "$WB_TMP/d.csv" "$IN"
printf 'no,such,header\n1,2,3\n' >"$WB_TMP/r.csv"
wb_drop "$WB_TMP/r.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 ||
    fail "the offline dispatch run failed"
# the files the run wrote are dated by the real clock: ten minutes old at the fixed one, and a
# second run looks at the conditions again (the backlog is within its SLA then)
for f in "$W"/spool/reject/dispatch/* "$W"/spool/work/dispatch/*; do
    touch -d "@$((WB_FAKE_NOW - 600))" "$f"
done
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 ||
    fail "the second offline dispatch run failed"
"$B" -c "$WB_CONF" status >"$WB_TMP/status.txt" 2>&1 || fail "status failed"
"$B" -c "$WB_CONF" status --all >"$WB_TMP/status-all.txt" 2>&1 || fail "status --all failed"
"$B" -c "$WB_CONF" status --json >"$WB_TMP/status.json" 2>&1 || fail "status --json failed"
$WB_PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$WB_TMP/status.json" ||
    fail "status --json is not JSON"
if [ "${WB_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$WB_TMP/status.txt" "$G/status.txt"
    cp "$WB_TMP/status-all.txt" "$G/status-all.txt"
    cp "$WB_TMP/status.json" "$G/status.json"
fi
diff -u "$G/status.txt" "$WB_TMP/status.txt" || fail "status differs from $G/status.txt"
diff -u "$G/status-all.txt" "$WB_TMP/status-all.txt" ||
    fail "status --all differs from $G/status-all.txt"
diff -u "$G/status.json" "$WB_TMP/status.json" || fail "status --json differs from $G/status.json"
echo ok
