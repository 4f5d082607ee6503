#!/bin/sh
# schema_isolation.sh - one row that passes wmsbridge's own checks but not
# the feed schema must not take the good rows of its batch down with it.
# The schema in xsd_dir is made stricter than the checks (tracking numbers of
# at most 12 characters); a batch from two files holds one longer tracking
# number: that row is rejected with E_SCHEMA and the schema's words, every
# other row goes out in the next feed and is confirmed exactly once.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
S=$(wb_shared)
[ -n "$S" ] || { echo "skipped: the shared Amazon schemas are not beside this tree"; exit 77; }
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
X=$WB_TMP/xsd
mkdir -p "$X"
cp -r "$S/amazon/order-envelope.xsd" "$S/amazon/order-fulfillment-2021.xsd" "$S/amazon/xsd" "$X/"
python3 - "$X/order-fulfillment-2021.xsd" <<'PY' || exit 1
import sys
p = sys.argv[1]
s = open(p).read()
old = '<xsd:element name="ShipperTrackingNumber" type="String" minOccurs="0"/>'
new = ('<xsd:element name="ShipperTrackingNumber" minOccurs="0"><xsd:simpleType>'
       '<xsd:restriction base="xsd:string"><xsd:maxLength value="12"/></xsd:restriction>'
       '</xsd:simpleType></xsd:element>')
if old not in s:
    print("FAIL: ShipperTrackingNumber declaration not found"); sys.exit(1)
open(p, "w").write(s.replace(old, new))
PY

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W" "xsd_dir = $X" "batch_window_seconds = 3600"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
now=$(date -u -d '-2 hour' +%Y-%m-%dT%H:%M:%SZ)
hdr="amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
{
    echo "$hdr"
    for i in 1 2 3 4 5; do
        printf '206-000000%d-1000001,%014d,SKU-1,1,RM24,JD00000%03d,%s\n' "$i" "$((70000000000000 + i))" "$i" "$now"
    done
} >"$WB_TMP/one.csv"
{
    echo "$hdr"
    for i in 6 7 8; do
        printf '206-000000%d-1000001,%014d,SKU-1,1,RM24,JD00000%03d,%s\n' "$i" "$((70000000000000 + i))" "$i" "$now"
    done
    # passes the checks, too long for the stricter schema
    printf '206-0000009-1000001,%014d,SKU-1,1,RM24,JD0000000000099GB,%s\n' 70000000000009 "$now"
} >"$WB_TMP/two.csv"
wb_drop "$WB_TMP/one.csv" "$IN"
wb_drop "$WB_TMP/two.csv" "$IN"
# both files are taken into one batch (flush only once both are in the ledger)
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"

conf=$(wb_status_count confirmed)
rej=$(wb_status_count rejected)
echo "rows=9 confirmed=$conf rejected=$rej"
[ "$conf" -eq 8 ] && [ "$rej" -eq 1 ] || fail "expected 8 confirmed and 1 rejected"
grep -q 'event=feed-invalid-isolated' "$WB_LOG" || fail "the invalid feed was not split"
rf=$(ls "$W"/spool/reject/dispatch/two-invalid-*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "no reject file for two.csv"
[ "$(($(wc -l <"$rf") - 1))" -eq 1 ] || fail "reject file holds more than the bad row"
grep -q 'E_SCHEMA' "$rf" && grep -q 'ShipperTrackingNumber' "$rf" ||
    fail "reject reason lacks the code or the schema's words: $(tail -n 1 "$rf")"
ls "$W"/spool/reject/dispatch/one-* >/dev/null 2>&1 && fail "good file one.csv has rejects"
wb_check_received "$conf" || exit 1
echo "ok"
