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
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" status 2>&1
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 15
    exit 1
}
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

st=$("$B" -c "$WB_CONF" status --json)
conf=$(echo "$st" | sed 's/.*"confirmed":\([0-9]*\).*/\1/')
rej=$(echo "$st" | sed 's/.*"rejected":\([0-9]*\).*/\1/')
echo "rows=9 confirmed=$conf rejected=$rej"
[ "$conf" -eq 8 ] && [ "$rej" -eq 1 ] || fail "expected 8 confirmed and 1 rejected"
grep -q 'event=feed-invalid-isolated' "$WB_LOG" || fail "the invalid feed was not split"
rf=$(ls "$W"/spool/reject/dispatch/two-invalid-*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "no reject file for two.csv"
[ "$(($(wc -l <"$rf") - 1))" -eq 1 ] || fail "reject file holds more than the bad row"
grep -q 'E_SCHEMA' "$rf" && grep -q 'ShipperTrackingNumber' "$rf" ||
    fail "reject reason lacks the code or the schema's words: $(tail -n 1 "$rf")"
ls "$W"/spool/reject/dispatch/one-* >/dev/null 2>&1 && fail "good file one.csv has rejects"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
python3 - "$WB_TMP/received.json" "$conf" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
keys = d["accepted_keys"]
if any(v > 1 for v in keys.values()) or len(keys) != int(sys.argv[2]):
    print("FAIL: accepted keys %d (want %s)" % (len(keys), sys.argv[2])); sys.exit(1)
print("amazon accepted %d keys, each once, in %d feed(s)" % (len(keys), len(d["feeds"])))
PY
echo "ok"
