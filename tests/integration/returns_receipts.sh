#!/bin/sh
# returns_receipts.sh - the WMS's returns receipts against the expected returns of the returns
# report (simulator): a receipts file dropped in in/returns/ is matched line by line; a matched
# sellable line and a matched damaged line are recorded in the ledger, an unknown RMA
# (E_RETURNS_RMA), a quantity over the expected one (E_RETURNS_OVER) and an unknown disposition
# (E_RETURNS_DISPOSITION) go to reject/returns/ with their reasons; a stock snapshot older than
# the receipt publishes the sellable units on top of its quantity, the damaged ones not, and a
# newer snapshot that holds them sends nothing more; the same file dropped again records nothing
# twice; the fixed reject file requeued is matched; a returns report of another marketplace than
# the account's is refused whole (E_RETURNS_REFUSED); a second seller account's receipts match
# only its own expected returns.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
fail() { wb_fail "$@"; }
command -v curl >/dev/null 2>&1 || { echo "returns_receipts: skipped: no curl"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "returns_receipts: skipped: no sqlite3"; exit 77; }
wb_start_sim "$WB_TMP/sim" --process-seconds 0 --rate-scale 50 || exit 1
wb_make_config "$W" "stock_states_map = $WB_ROOT/etc/stock-states.map"
grep -v '^\* *= *identity' "$WB_ROOT/etc/skus.map" >"$W/etc/skus.map"
R=$W/spool/in/returns
mkdir -p "$R" "$W/spool/in/inventory"
db() { sqlite3 "$W/spool/ledger.db" "$1"; }
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
T1=$(iso '-3 hours')  # the first snapshot
T2=$(iso '-2 hours')  # the receipts
T3=$(iso '-1 hours')  # the snapshot that holds them
# sent - "SKU=QTY" of every listings message the simulator received, in feed order
sent() {
    wb_sim_ctl /_sim/received | python3 -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    if f.get("feedType") == "JSON_LISTINGS_FEED":
        print(" ".join("%s=%s" % tuple(m["items"][0]) for m in f.get("messages", [])))'
}

# 1. the returns report gives the expected returns (a bundle as its components)
wb_sim_ctl /_sim/returns '{"returns": [
  {"order": "202-1111111-1111111", "rma": "Rk1", "sku": "MUG-BLUE-330", "qty": 2},
  {"order": "202-2222222-2222222", "rma": "Rk2", "sku": "MUG-PAIR-BLUE-RED", "qty": 1},
  {"order": "202-3333333-3333333", "rma": "Rk3", "sku": "TEAPOT-1L-WHITE", "qty": 1}]}' \
    >/dev/null || fail "cannot add returns"
wb_run_job rma || fail "the rma job failed"
[ "$(db "select count(*) from expected_returns")" = 4 ] || fail "expected returns not kept"

# 2. the receipts: two matched (sellable, damaged), three refused with their reasons
cat >"$WB_TMP/receipts-1.csv" <<CSV
rma_id,order_id,sku,quantity,disposition,received_time
Rk1,202-1111111-1111111,WH-000123,2,sellable,$T2
Rk2,,WH-000124,1,damaged,$T2
Rk9,,WH-000123,1,sellable,$T2
Rk3,,WH-000200-BX,5,sellable,$T2
Rk2,,WH-000123,1,resell,$T2
CSV
wb_drop "$WB_TMP/receipts-1.csv" "$R"
wb_run_job receipts || fail "the receipts job failed"
[ "$(db "select rma||':'||wms_sku||':'||sku||':'||qty||':'||disposition||':'||sellable
         from return_receipts order by lineno" | tr '\n' ' ')" = \
    "Rk1:WH-000123:MUG-BLUE-330:2:sellable:1 Rk2:WH-000124:MUG-RED-330:1:damaged:0 " ] ||
    fail "receipts recorded: $(db 'select * from return_receipts')"
rej=$(ls "$W"/spool/reject/returns/receipts-1-rejects-*.csv 2>/dev/null)
[ -n "$rej" ] || fail "no reject file in reject/returns/"
grep -q '^Rk9,.*E_RETURNS_RMA,.*Rk9 is no expected return' "$rej" || fail "unknown RMA: $(cat "$rej")"
grep -q '^Rk3,.*E_RETURNS_OVER,.*expects 1 unit(s) of WH-000200-BX, received 0 before and 5 now' \
    "$rej" || fail "over quantity: $(cat "$rej")"
grep -q '^Rk2,.*E_RETURNS_DISPOSITION,.*resell' "$rej" || fail "disposition: $(cat "$rej")"
[ "$(grep -c '^Rk' "$rej")" = 3 ] || fail "rejected lines: $(cat "$rej")"
[ -n "$(find "$W/spool/done" -name 'receipts-1.csv')" ] || fail "the receipts file is not in done/"

# 3. a snapshot older than the receipt: the sellable units come on top, the damaged ones not
cat >"$WB_TMP/s1.csv" <<CSV
sku,stock_state,location,quantity,snapshot_time
WH-000123,AVAILABLE,A1,5,$T1
WH-000124,AVAILABLE,A2,4,$T1
CSV
wb_drop "$WB_TMP/s1.csv" "$W/spool/in/inventory"
wb_settle_jobs 60 inventory:flush feeds-poll:now || fail "the snapshot did not settle"
got=$(sent | tr ' ' '\n' | sort | tr '\n' ' ')
[ "$got" = "MUG-BLUE-330=7 MUG-PAIR-BLUE-RED=4 MUG-RED-330=4 " ] || fail "snapshot sent: '$got'"
# a newer snapshot holds the returned units: nothing changes, nothing is sent
sed "s/,5,$T1/,7,$T3/; s/,4,$T1/,4,$T3/" "$WB_TMP/s1.csv" >"$WB_TMP/s2.csv"
wb_drop "$WB_TMP/s2.csv" "$W/spool/in/inventory"
wb_settle_jobs 60 inventory:flush feeds-poll:now || fail "the second snapshot did not settle"
[ "$(sent | wc -l)" = 1 ] || fail "a snapshot holding the returns sent again: $(sent)"

# 4. the same receipts file again: refused as a duplicate, nothing recorded twice
cp "$WB_TMP/receipts-1.csv" "$WB_TMP/receipts-again.csv"
wb_drop "$WB_TMP/receipts-again.csv" "$R"
wb_run_job receipts || fail "the receipts job failed on a duplicate"
[ "$(db "select count(*) from return_receipts")" = 2 ] || fail "a duplicate file recorded again"
grep -q E_DUPLICATE_FILE "$W"/spool/reject/returns/receipts-again.csv.reason 2>/dev/null ||
    grep -rq E_DUPLICATE_FILE "$W"/spool/reject/returns/*.reason || fail "no E_DUPLICATE_FILE"

# 5. the operator fixes the over-quantity line and requeues: matched now, the rest refused again
sed -i 's/^Rk3,\(.*\),WH-000200-BX,5,/Rk3,\1,WH-000200-BX,1,/' "$rej"
"$B" -c "$WB_CONF" requeue "$(basename "$rej")" --flow receipts >>"$WB_LOG" 2>&1 ||
    fail "requeue failed"
wb_run_job receipts || fail "the receipts job failed after the requeue"
[ "$(db "select count(*) from return_receipts where rma='Rk3' and qty=1")" = 1 ] ||
    fail "the fixed line was not matched: $(db 'select * from return_receipts')"
[ "$(db "select count(*) from return_receipts")" = 3 ] || fail "receipts after the requeue"
# the same fixed line once more in a new file: over the expected quantity now
printf 'rma_id,sku,quantity,disposition,received_time\nRk3,WH-000200-BX,1,scrap,%s\n' "$T2" \
    >"$WB_TMP/receipts-2.csv"
wb_drop "$WB_TMP/receipts-2.csv" "$R"
wb_run_job receipts || fail "the receipts job failed on a second receipt"
grep -q 'E_RETURNS_OVER,.*received 1 before and 1 now' "$W"/spool/reject/returns/receipts-2-rejects-*.csv ||
    fail "a second receipt of a received RMA line was not refused"
[ "$(db "select count(*) from return_receipts")" = 3 ] || fail "an over receipt was recorded"

# 6. a returns report of another marketplace: refused whole with the reason, nothing written
wb_sim_ctl /_sim/returns '{"marketplace": "A1PA6795UKMFR9", "returns": [
  {"order": "202-5555555-5555555", "rma": "Rk5", "sku": "MUG-RED-330", "qty": 1}]}' \
    >/dev/null || fail "cannot switch the marketplace"
wb_run_job rma
grep -l 'E_RETURNS_REFUSED' "$W"/spool/reject/rma/*.reason >/dev/null 2>&1 ||
    fail "a report of another marketplace was not refused"
grep -q 'marketplace A1PA6795UKMFR9' "$W"/spool/reject/rma/*.reason || fail "the reason lacks it"
cat "$W"/spool/out/returns/returns-*.csv | grep -q Rk5 && fail "a foreign report was written"
[ "$(db "select count(*) from expected_returns where rma='Rk5'")" = 0 ] ||
    fail "a foreign report's returns are expected"
# 7. a second seller account: the first one's RMA is none of its returns
printf 'account.acme.merchant_id = ACME1\naccount.acme.credentials = %s\n' \
    "$W/etc/credentials" >>"$WB_CONF"
mkdir -p "$W/spool/in/acme/returns"
printf 'rma_id,sku,quantity,disposition,received_time\nRk1,WH-000123,1,sellable,%s\n' "$T2" \
    >"$WB_TMP/receipts-acme.csv"
wb_drop "$WB_TMP/receipts-acme.csv" "$W/spool/in/acme/returns"
wb_run_job receipts || fail "the receipts job failed for a second account"
grep -q 'E_RETURNS_RMA,RMA Rk1 is no expected return of this seller account' \
    "$W"/spool/reject/acme/returns/receipts-acme-rejects-*.csv ||
    fail "another account's RMA was matched"
[ "$(db "select count(*) from return_receipts")" = 3 ] || fail "another account's receipt recorded"
[ -z "$(find "$W/spool" -name '.*.tmp')" ] || fail "temp files left"
echo "returns_receipts: ok"
