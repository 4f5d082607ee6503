#!/bin/sh
# batching.sh - how rows become messages and feeds: one order shipped under
# one tracking number with 130 items becomes three messages (64 + 64 + 2)
# with distinct MessageIDs, and a feed limit of batch_max_messages rows
# never cuts the items of one order and tracking number across two feeds.
# Every feed is checked against Amazon's schema and every row confirmed once.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
now=$(date -u -d '-2 hour' +%Y-%m-%dT%H:%M:%SZ)

# 130 items of one order under one tracking number, then 12 orders of 3 items each
{
    echo "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
    i=0
    while [ $i -lt 130 ]; do
        printf '205-1000001-2000001,%014d,SKU-%d,1,RM24,JD0000000777GB,%s\n' $((50000000000000 + i)) $i "$now"
        i=$((i + 1))
    done
} >"$WB_TMP/big.csv"
wb_drop "$WB_TMP/big.csv" "$IN"
wb_settle "$B" "$WB_CONF" 90 || fail "big.csv did not settle"

# then feeds of at most 10 rows
echo "batch_max_messages = 10" >>"$WB_CONF"
{
    echo "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
    o=0
    while [ $o -lt 12 ]; do
        k=0
        while [ $k -lt 3 ]; do
            printf '205-2000%03d-3000001,%014d,SKU-%d,1,DPDLOCAL,TRK000000%03dGB,%s\n' $o $((60000000000000 + o * 10 + k)) $k $o "$now"
            k=$((k + 1))
        done
        o=$((o + 1))
    done
} >"$WB_TMP/small.csv"
rows=$(($(wc -l <"$WB_TMP/big.csv") - 1 + $(wc -l <"$WB_TMP/small.csv") - 1))
wb_drop "$WB_TMP/small.csv" "$IN"
wb_settle "$B" "$WB_CONF" 90 || fail "small.csv did not settle"

conf=$(wb_status_count confirmed)
echo "rows=$rows confirmed=$conf"
[ "$conf" -eq "$rows" ] || fail "confirmed $conf of $rows rows"

python3 - "$W/spool/feeds" <<'PY' || exit 1
import glob, os, sys
import xml.etree.ElementTree as ET
msgs_of = {}
feeds = sorted(glob.glob(os.path.join(sys.argv[1], "*.xml")))
big = []
for f in feeds:
    root = ET.parse(f).getroot()
    ids = [m.findtext("MessageID") for m in root.findall("Message")]
    if len(ids) != len(set(ids)):
        print("FAIL: %s repeats a MessageID: %s" % (f, ids)); sys.exit(1)
    rows = 0
    orders = set()
    for m in root.findall("Message"):
        of = m.find("OrderFulfillment")
        key = (of.findtext("AmazonOrderID"), of.findtext("FulfillmentData/ShipperTrackingNumber"))
        n = len(of.findall("Item"))
        rows += n
        orders.add(key[0])
        if n > 64:
            print("FAIL: a message holds %d items" % n); sys.exit(1)
        msgs_of.setdefault(key, set()).add(os.path.basename(f))
        if key[0] == "205-1000001-2000001":
            big.append(n)
    if rows > 10 and "205-1000001-2000001" not in orders:
        print("FAIL: %s holds %d rows, over batch_max_messages" % (f, rows)); sys.exit(1)
split = {k: v for k, v in msgs_of.items() if len(v) > 1 and k[0] != "205-1000001-2000001"}
if split:
    print("FAIL: items of one order and tracking number in two feeds:", split); sys.exit(1)
if sorted(big, reverse=True) != [64, 64, 2]:
    print("FAIL: the 130-item order went out as messages of", big); sys.exit(1)
print("feeds=%d; 130 items as messages of %s; no order/tracking split across feeds" % (len(feeds), big))
PY
S=$(wb_shared)
if [ -n "$S" ]; then
    for f in "$W"/spool/feeds/*.xml; do
        xmllint --noout --nonet --schema "$S/amazon/order-envelope.xsd" "$f" 2>/dev/null ||
            fail "feed $f is not valid against the schema"
    done
fi
wb_check_received "$conf" || exit 1
echo "ok"
