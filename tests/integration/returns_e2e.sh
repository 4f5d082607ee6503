#!/bin/sh
# returns_e2e.sh - the returns job against the SP-API simulator: returns added
# to the simulator are requested with createReport, downloaded (gzip) and
# written once to out/returns/ as WMS SKUs (a bundle as its components); a
# rerun writes nothing new; a return of an unknown SKU goes to reject/rma/
# (the rma flow's lane) with E_RETURNS_SKU while the others are written, and is
# written once skus.map is fixed and the file requeued; a report with a German
# header is refused whole with E_RETURNS_REFUSED; a second seller account gets
# its own file in out/acme/returns/.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
fail() {
    echo "FAIL: $*"
    ls -R "$W/spool" 2>&1 | head -40
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}
command -v curl >/dev/null 2>&1 || { echo "returns_e2e: skipped: no curl"; exit 77; }
wb_start_sim "$WB_TMP/sim" --process-seconds 0 --rate-scale 50 || exit 1
wb_sim_ctl /_sim/faults '{"gzip": true}' >/dev/null || fail "cannot set the gzip fault"
wb_make_config "$W"
grep -v '^\* *= *identity' "$WB_ROOT/etc/skus.map" >"$W/etc/skus.map" # no identity: unknown SKUs
O=$W/spool/out/returns
run() { "$B" -c "$WB_CONF" run --once rma >>"$WB_LOG" 2>&1; }
lines() { cat "$@" 2>/dev/null | grep -v '^order_id,' | sort; }

# 1. two returns, one of a bundle: written once, as WMS SKUs
wb_sim_ctl /_sim/returns '{"returns": [
  {"order": "202-1111111-1111111", "rma": "DkR1", "sku": "MUG-BLUE-330", "qty": 2},
  {"order": "202-2222222-2222222", "rma": "DkR2", "sku": "MUG-PAIR-BLUE-RED", "qty": 1,
   "reason": "CR-DEFECTIVE"}]}' >/dev/null || fail "cannot add returns"
run || fail "first run failed"
got=$(lines "$O"/returns-*.csv | cut -d, -f1-4)
want=$(printf '%s\n' 202-1111111-1111111,DkR1,WH-000123,2 202-2222222-2222222,DkR2,WH-000123,1 \
    202-2222222-2222222,DkR2,WH-000124,1 | sort)
[ "$got" = "$want" ] || fail "expected returns: got [$got] want [$want]"
head -n 1 "$(ls "$O"/returns-*.csv | head -n 1)" |
    grep -qx 'order_id,rma_id,sku,quantity,reason,return_date' || fail "not the layout's header"
grep -q ',CR-DEFECTIVE,20' "$O"/returns-*.csv || fail "no reason or return date"

# 2. again: the report holds the same returns, nothing new is written
run || fail "second run failed"
[ "$(lines "$O"/returns-*.csv | wc -l)" = 3 ] || fail "a rerun wrote returns again"

# 3. an unknown SKU beside a known one: the known one written, the unknown rejected
wb_sim_ctl /_sim/returns '{"returns": [
  {"order": "202-3333333-3333333", "rma": "DkR3", "sku": "NO-SUCH-SKU", "qty": 1},
  {"order": "202-4444444-4444444", "rma": "DkR4", "sku": "TEAPOT-WHITE-1L", "qty": 1}]}' \
    >/dev/null || fail "cannot add returns"
run || fail "run with an unknown SKU failed"
lines "$O"/returns-*.csv | grep -q '^202-4444444-4444444,DkR4,WH-000200-BX,1,' ||
    fail "the renamed SKU's return was not written"
lines "$O"/returns-*.csv | grep -q DkR3 && fail "the unknown SKU's return was written"
[ "$(lines "$O"/returns-*.csv | wc -l)" = 4 ] || fail "returns written twice"
grep -l E_RETURNS_SKU "$W"/spool/reject/rma/*.reason >/dev/null 2>&1 ||
    fail "no E_RETURNS_SKU reason in reject/rma/"
grep -q NO-SUCH-SKU "$W"/spool/reject/rma/*.reason || fail "the reason does not name the SKU"
grep -q DkR3 "$W"/spool/reject/rma/*-unknown.tsv || fail "the rejected line is not kept"
run || fail "run after the reject failed"
[ "$(ls "$W"/spool/reject/rma/*-unknown.tsv | wc -l)" = 1 ] || fail "rejected twice"
# skus.map fixed, the held lines requeued: written now, once
echo "WH-000999 NO-SUCH-SKU" >>"$W/etc/skus.map"
"$B" -c "$WB_CONF" requeue "$(basename "$W"/spool/reject/rma/*-unknown.tsv)" --flow rma \
    >>"$WB_LOG" 2>&1 || fail "requeue failed"
run || fail "run after the requeue failed"
lines "$O"/returns-*.csv | grep -q '^202-3333333-3333333,DkR3,WH-000999,1,' ||
    fail "the requeued return was not written"
[ "$(lines "$O"/returns-*.csv | wc -l)" = 5 ] || fail "returns written twice after the requeue"

# 4. a second seller account: its own file in out/acme/returns/
printf 'account.acme.merchant_id = ACME1\naccount.acme.credentials = %s\n' \
    "$W/etc/credentials" >>"$WB_CONF"
run || fail "run with a second account failed"
[ "$(lines "$W"/spool/out/acme/returns/returns-*.csv | wc -l)" = 5 ] ||
    fail "the second account's returns are not in out/acme/returns/"
[ "$(lines "$O"/returns-*.csv | wc -l)" = 5 ] || fail "the default account's returns changed"

# 5. a report in another language: refused whole with the reason, nothing written
wb_sim_ctl /_sim/returns '{"language": "de", "returns": [
  {"order": "202-5555555-5555555", "rma": "DkR5", "sku": "MUG-RED-330", "qty": 1}]}' \
    >/dev/null || fail "cannot switch the language"
run
grep -l E_RETURNS_REFUSED "$W"/spool/reject/rma/*.reason >/dev/null 2>&1 ||
    fail "a German report was not refused with E_RETURNS_REFUSED"
lines "$O"/returns-*.csv | grep -q DkR5 && fail "a return of a refused report was written"
[ -z "$(find "$W/spool" -name '.*.tmp')" ] || fail "temp files left"
[ -z "$(ls "$W/spool/work/rma")" ] || fail "work/rma is not empty"
echo "returns_e2e: ok"
