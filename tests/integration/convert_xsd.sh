#!/bin/sh
# convert_xsd.sh - `convert --xsd-dir`: a feed that fails the schema names each refused row
# by its input line and MessageID, with the schema's words, and writes nothing. The schema is
# made stricter than the row checks (tracking numbers of at most 12 characters) so that a
# row passes the checks and its message fails the schema.
set -u
. "$WB_ROOT/tests/lib.sh"
S=$(wb_shared)
[ -n "$S" ] || { echo "skipped: the shared Amazon schemas are not beside this tree"; exit 77; }
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
now=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
cat >"$WB_TMP/in.csv" <<CSV
amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time
026-1234567-1234567,12345678901234,SKU-1,1,RM24,JD0146000038,$now
026-1234567-1234567,12345678901235,SKU-1,1,RM24,JD0146000038,$now
171-7654321-7654321,22345678901234,SKU-1,1,RM24,JD014600003828395,$now
CSV
"$WB_BIN" convert dispatch --layout "$WB_ROOT/formats/dispatch-utf8.layout" \
    --carriers "$WB_ROOT/etc/carriers.map" --merchant M1 --xsd-dir "$X" \
    <"$WB_TMP/in.csv" >"$WB_TMP/out.xml" 2>"$WB_TMP/err"
rc=$?
sed 's/^/    /' "$WB_TMP/err"
fail=0
[ "$rc" = 70 ] || { echo "FAIL: exit $rc, want 70"; fail=1; }
[ -s "$WB_TMP/out.xml" ] && { echo "FAIL: a feed was written"; fail=1; }
grep -q '^line 4 (MessageID 2): .*ShipperTrackingNumber' "$WB_TMP/err" ||
    { echo "FAIL: the refused row (line 4, MessageID 2) is not named"; fail=1; }
grep -q '^line 2 ' "$WB_TMP/err" && { echo "FAIL: a valid message is named"; fail=1; }
[ "$fail" = 0 ] && echo "ok"
exit "$fail"
