#!/bin/sh
# convert_orders.sh - every case of tests/data/orders through `wmsbridge convert orders`:
# exit code, rows of the WMS order file and their record kinds, the codes of the rejects
# (JSON lines), a reason's words, and no buyer's name, street or phone in the rejects or
# on standard error.
set -u
. "$WB_ROOT/tests/lib.sh"
DATA="$WB_ROOT/tests/data/orders"
fail=0
n=0
for c in "$DATA"/*/; do
    c=${c%/}
    name=$(basename "$c")
    exp="$c/expect"
    [ -f "$exp" ] || continue
    n=$((n + 1))
    get() { sed -n "s/^$1=//p" "$exp"; }
    skus="$WB_ROOT/etc/skus.map"
    if [ -f "$c/skus.extra" ]; then
        skus="$WB_TMP/$name.skus.map"
        cat "$WB_ROOT/etc/skus.map" "$c/skus.extra" >"$skus"
    fi
    out="$WB_TMP/$name.csv"
    rej="$WB_TMP/$name.rej"
    "$WB_BIN" convert orders --layout "$WB_ROOT/formats/orders-utf8.layout" --skus "$skus" \
        --carriers "$WB_ROOT/etc/carriers.map" --seller M1 --rejects "$rej" \
        <"$c/in.json" >"$out" 2>"$WB_TMP/$name.err"
    rc=$?
    bad=""
    [ "$rc" = "$(get exit)" ] || bad="$bad exit=$rc(want $(get exit))"
    got=$(python3 - "$out" "$rej" <<'PY'
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
try:
    rej = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8") if l.strip()]
except FileNotFoundError:
    rej = []
print(len(rows))
print(",".join(r["record"] for r in rows))
print(",".join(r["code"] for r in rej))
print(",".join(r["sku"] for r in rows))
print(" ".join(r["reason"] for r in rej))
PY
)
    line() { echo "$got" | sed -n "${1}p"; }
    [ "$(line 1)" = "$(get rows)" ] || bad="$bad rows=$(line 1)(want $(get rows))"
    r=$(get records)
    [ -z "$r" ] || [ "$(line 2)" = "$r" ] || bad="$bad records=$(line 2)(want $r)"
    [ "$(line 3)" = "$(get codes)" ] || bad="$bad codes=$(line 3)(want $(get codes))"
    s=$(get skus)
    [ -z "$s" ] || [ "$(line 4)" = "$s" ] || bad="$bad skus=$(line 4)(want $s)"
    w=$(get reason)
    [ -z "$w" ] || line 5 | grep -qF "$w" || bad="$bad reason lacks '$w'"
    if grep -qE "Ann Buyer|Quiet Road|555000" "$rej" "$WB_TMP/$name.err" 2>/dev/null; then
        bad="$bad personal-data-in-rejects"
    fi
    if [ -n "$bad" ]; then
        echo "FAIL $name:$bad"
        sed 's/^/    /' "$WB_TMP/$name.err" | head -5
        fail=1
    else
        echo "ok   $name"
    fi
done
[ "$n" -gt 0 ] || { echo "FAIL: no cases in $DATA"; exit 1; }

# pages across the reader's 1 MiB chunks, with escapes that a chunk boundary may cut
python3 - "$WB_TMP/big.json" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for p in range(40):
        orders = []
        for i in range(100):
            n = p * 100 + i
            orders.append({"orderId": "026-%07d-%07d" % (p, i), "createdTime": "2026-12-01T09:00:00Z",
                "lastUpdatedTime": "2026-12-01T10:00:00Z", "salesChannel": {"channelName": "AMAZON"},
                "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT",
                                "fulfillmentServiceLevel": "STANDARD"},
                "recipient": {"deliveryAddress": {"name": "Ren\u00e9e \"%d\" Caf\u00e9" % n,
                              "addressLine1": "%d Rue de l\u2019\u00c9glise, Apt \\ %d" % (n, n),
                              "city": "Paris", "countryCode": "FR"}},
                "orderItems": [{"orderItemId": "%014d" % n, "quantityOrdered": 1,
                                "product": {"sellerSku": "MUG-BLUE-330"}}]})
        f.write(json.dumps({"orders": orders}, ensure_ascii=True) + "\n")
PY
"$WB_BIN" convert orders --layout "$WB_ROOT/formats/orders-utf8.layout" --skus "$WB_ROOT/etc/skus.map" \
    --carriers "$WB_ROOT/etc/carriers.map" <"$WB_TMP/big.json" >"$WB_TMP/big.csv" 2>"$WB_TMP/big.err"
rc=$?
got=$(python3 -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1],encoding="utf-8"))); print(len(r), len({x["ship_name"] for x in r}), all("\u00c9glise" in x["ship_address1"] for x in r))' "$WB_TMP/big.csv")
if [ "$rc" = 0 ] && [ "$got" = "4000 4000 True" ]; then
    echo "ok   4000 orders across read chunks, escapes intact"
else
    echo "FAIL big input: exit=$rc got=$got"; head -3 "$WB_TMP/big.err"; fail=1
fi
exit $fail
