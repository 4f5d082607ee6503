#!/bin/sh
# feed_refusal.sh - a row the feed writer refuses at render time takes only its own message
# down. A queued row whose payload predates a rule (here: a ShippingMethod of 51 characters,
# written into the ledger the way an older version let it through) is refused by the feed
# writer when its feed is built: that message's rows are rejected with E_FEED_VALUE and the
# writer's reason in reject/dispatch/two-refused-FEED.csv, every other row of the batch (good
# rows of another file included) goes out and is confirmed exactly once. A ship_method cell
# with a tab, in a third file, is refused when read (E_SHIP_METHOD), alone as well.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
command -v sqlite3 >/dev/null || { echo "skipped: no sqlite3 command"; exit 77; }
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W" "batch_window_seconds = 3600"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
now=$(date -u -d '-2 hour' +%Y-%m-%dT%H:%M:%SZ)
hdr="amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
row() { printf '206-%07d-1000001,%014d,SKU-1,1,RM24,JD00000%03d,%s\n' "$1" "$((70000000000000 + $1))" "$1" "$now"; }
{ echo "$hdr"; for i in 1 2 3 4 5; do row $i; done; } >"$WB_TMP/one.csv"
{ echo "$hdr"; for i in 6 7 8 9; do row $i; done; } >"$WB_TMP/two.csv"
{
    echo "$hdr,ship_method"
    for i in 10 11; do echo "$(row $i),Next Day"; done
    printf '%s,"Next\tDay"\n' "$(row 12)"
} >"$WB_TMP/three.csv"
wb_drop "$WB_TMP/one.csv" "$IN"
wb_drop "$WB_TMP/two.csv" "$IN"
wb_drop "$WB_TMP/three.csv" "$IN"
# intake only: the batch window holds the rows pending
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
[ "$(wb_status_count pending)" -eq 11 ] || fail "expected 11 pending rows after intake"
t=$(ls "$W"/spool/reject/dispatch/three-rejects-*.csv 2>/dev/null | head -n 1)
[ -n "$t" ] && [ "$(($(wc -l <"$t") - 1))" -eq 1 ] ||
    fail "three.csv: want one row rejected when read"
grep -q '^206-0000012-1000001,.*E_SHIP_METHOD,.*holds a tab' "$t" ||
    fail "three.csv: the reject lacks E_SHIP_METHOD and its reason: $(tail -n 1 "$t")"
long=$(printf '%051d' 0)
sqlite3 "$W/spool/ledger.db" "UPDATE rows SET payload = replace(payload, 'Tracked 24', '$long')
    WHERE key LIKE '206-0000009-1000001|%';" || fail "could not age the row's payload"
sqlite3 "$W/spool/ledger.db" "SELECT count(*) FROM rows WHERE payload LIKE '%$long%'" | grep -qx 1 ||
    fail "the payload of the row was not changed (carriers.map RM24 no longer 'Tracked 24'?)"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"

conf=$(wb_status_count confirmed)
rej=$(wb_status_count rejected)
echo "rows=12 confirmed=$conf rejected=$rej"
[ "$conf" -eq 10 ] && [ "$rej" -eq 2 ] || fail "expected 10 confirmed and 2 rejected"
grep -q 'event=message-refused' "$WB_LOG" || fail "the refusal was not logged"
rf=$(ls "$W"/spool/reject/dispatch/two-refused-*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "no reject file for two.csv"
[ "$(($(wc -l <"$rf") - 1))" -eq 1 ] || fail "reject file holds more than the refused row"
grep -q '206-0000009-1000001.*E_FEED_VALUE.*ShippingMethod: is longer than 50 characters' "$rf" ||
    fail "reject row lacks the code or the writer's reason: $(tail -n 1 "$rf")"
ls "$W"/spool/reject/dispatch/one-* >/dev/null 2>&1 && fail "good file one.csv has rejects"
[ -f "$rf.reason" ] || fail "no .reason beside the reject file"
wb_check_received "$conf" || exit 1

# a feed whose every message is refused is never sent: its rows are rejected, nothing else
{ echo "$hdr"; row 13; } >"$WB_TMP/four.csv"
wb_drop "$WB_TMP/four.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
sqlite3 "$W/spool/ledger.db" "UPDATE rows SET payload = replace(payload, 'Tracked 24', '$long')
    WHERE key LIKE '206-0000013-1000001|%';" || fail "could not age the row's payload"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle the feed of four.csv"
[ "$(wb_status_count confirmed)" -eq 10 ] && [ "$(wb_status_count rejected)" -eq 3 ] ||
    fail "four.csv: want its one row rejected and nothing more confirmed"
grep -q '206-0000013-1000001.*E_FEED_VALUE' "$W"/spool/reject/dispatch/four-refused-*.csv ||
    fail "four.csv: no E_FEED_VALUE reject"
wb_check_received 10 || exit 1
echo "ok"
