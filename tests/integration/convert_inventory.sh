#!/bin/sh
# convert_inventory.sh - `wmsbridge convert inventory` end to end with the shipped maps and
# both shipped layouts: exit codes, reject codes of the hostile rows, quantities, and every
# document validated with a JSON Schema validator against Amazon's listings feed schema and
# message schema (../shared/amazon/json/). Skipped (77) when the shared files are absent.
set -u
. "$WB_ROOT/tests/lib.sh"
S=$(wb_shared)
[ -n "$S" ] && [ -f "$S/amazon/json/listings-feed-schema-v2.json" ] ||
    { echo "skipped: the shared Amazon schemas are not beside this tree"; exit 77; }
python3 -c 'import jsonschema' 2>/dev/null ||
    { echo "FAIL: python3-jsonschema is missing (scripts/deps.sh installs it)"; exit 1; }
J=$S/amazon/json
ETC=$WB_ROOT/etc
fail=0

# conv NAME LAYOUT [options] - convert $WB_TMP/NAME.csv; sets rc, output in NAME.json
conv() {
    n=$1 l=$2
    shift 2
    "$WB_BIN" convert inventory --layout "$WB_ROOT/formats/$l.layout" \
        --states "$ETC/stock-states.map" --skus "$ETC/skus.map" --buffers "$ETC/buffers.map" \
        --seller A2SELLER --rejects "$WB_TMP/$n.rej" "$@" \
        <"$WB_TMP/$n.csv" >"$WB_TMP/$n.json" 2>"$WB_TMP/$n.err"
    rc=$?
}

# check NAME 'SKU=QTY ...' DOCS - every document valid, exactly these quantities
check() {
    python3 - "$J" "$WB_TMP/$1.json" "$2" "$3" <<'PY' || { echo "FAIL: $1"; fail=1; }
import json, sys
import jsonschema
jdir, path, want, ndocs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
feed = json.load(open(jdir + "/listings-feed-schema-v2.json"))
msg = json.load(open(jdir + "/listings-feed-message-schema-v2.json"))
text = open(path).read()
dec, pos, docs = json.JSONDecoder(), 0, []
while text[pos:].strip():
    while text[pos] in " \n":
        pos += 1
    d, pos = dec.raw_decode(text, pos)
    docs.append(d)
bad = 0
if len(docs) != ndocs:
    print("  %d documents, want %d" % (len(docs), ndocs)); bad = 1
got = {}
for d in docs:
    for e in jsonschema.Draft7Validator(feed).iter_errors(d):
        print("  feed schema:", e.message[:200]); bad = 1
    ids = [m["messageId"] for m in d["messages"]]
    if ids != list(range(1, len(ids) + 1)):
        print("  messageIds not 1..n"); bad = 1
    for m in d["messages"]:
        for e in jsonschema.Draft7Validator(msg).iter_errors(m):
            print("  message schema:", e.message[:200]); bad = 1
        got[m["sku"]] = m["patches"][0]["value"][0]["quantity"]
if want != "*":
    exp = dict((kv.split("=")[0], int(kv.split("=")[1])) for kv in want.split())
    if got != exp:
        print("  quantities %s, want %s" % (got, exp)); bad = 1
sys.exit(bad)
PY
}

# rejected NAME CODE... - each code in the reject file
rejected() {
    n=$1
    shift
    for c in "$@"; do
        grep -q ",$c," "$WB_TMP/$n.rej" || { echo "FAIL: $n: no $c in the rejects"; fail=1; }
    done
}

# 1. plain UTF-8 with the hostile rows of each kind
cat >"$WB_TMP/utf8.csv" <<'CSV'
sku,stock_state,location,quantity,snapshot_time
WH-000123,AVAILABLE,A-01-01,5,2026-12-03T06:00:00Z
WH-000123,PICKFACE,P-07,3,2026-12-03T06:00:00Z
WH-000123,QUARANTINE,Q-01,40,2026-12-03T06:00:00Z
WH-000124,AVAILABLE,A-01-02,9,2026-12-03T06:00:00Z
WH-000200-BX,AVAILABLE,A-02-01,1,2026-12-03T06:00:00Z
WH-000201-BX,AVAILABLE,A-02-02,4,2026-12-03T06:00:00Z
WH-000201-BX,Available,A-02-03,4,2026-12-03T06:00:00Z
WH-000300,AVAILABLE,A-03-01,2.5,2026-12-03T06:00:00Z
WH-000300,AVAILABLE,A-03-02,-2,2026-12-03T06:00:00Z
WH-777,AVAILABLE,A-04-01,1,2026-12-03T06:00:00Z
WH-000124,AVAILABLE,A-01-02,9,2026-12-03T06:00:00Z
CSV
conv utf8 inventory-utf8
[ "$rc" = 65 ] || { echo "FAIL: utf8: exit $rc, want 65"; sed 's/^/    /' "$WB_TMP/utf8.err"; fail=1; }
# MUG-BLUE-330 (WH-000123): 5 + 3 sellable, buffer 1; TEAPOT-1L-WHITE: 1 less its class buffer
# 2 -> 0; WH-000124 repeats a row: held, and with it the bundle MUG-PAIR-BLUE-RED
check utf8 "MUG-BLUE-330=7 TEAPOT-1L-WHITE=0" 1
rejected utf8 E_STOCK_STATE E_STOCK_QUANTITY E_SKU_UNKNOWN E_STOCK_DUPLICATE
grep -q "did you mean 'AVAILABLE'" "$WB_TMP/utf8.rej" || { echo "FAIL: no state hint"; fail=1; }
grep -q '^rows=11 converted=6 rejected=5 messages=2$' "$WB_TMP/utf8.err" ||
    { echo "FAIL: utf8 summary"; sed 's/^/    /' "$WB_TMP/utf8.err"; fail=1; }

# 2. the legacy layout: windows-1252, semicolons, CRLF; the bundle published
printf 'Item Code;Loc Type;Location;Qty On Hand;Stock Date\r\nWH-000123;AVAILABLE;B\351-1;6;03/12/2026 06:00\r\nWH-000124;RESERVE;R-1;2;03/12/2026 06:00\r\nWH-000124;DAMAGED;R-1;5;03/12/2026 06:00\r\n' \
    >"$WB_TMP/legacy.csv"
conv legacy inventory-legacy
[ "$rc" = 0 ] || { echo "FAIL: legacy: exit $rc, want 0"; sed 's/^/    /' "$WB_TMP/legacy.err"; fail=1; }
check legacy "MUG-BLUE-330=5 MUG-RED-330=2 MUG-PAIR-BLUE-RED=2" 1

# 3. a snapshot in the wrong layout: refused whole, nothing written
cp "$WB_TMP/utf8.csv" "$WB_TMP/wrong.csv"
conv wrong inventory-legacy
[ "$rc" = 65 ] || { echo "FAIL: wrong layout: exit $rc, want 65"; fail=1; }
[ -s "$WB_TMP/wrong.json" ] && { echo "FAIL: wrong layout: a document was written"; fail=1; }
grep -q "missing column" "$WB_TMP/wrong.err" || { echo "FAIL: wrong layout: no reason"; fail=1; }

# 4. a truncated export: the cut row rejected, its SKU held (and the bundle it is part of),
# the others published
printf 'sku,stock_state,location,quantity\nWH-000124,AVAILABLE,A,3\nWH-000123,AVAILABLE,"B' \
    >"$WB_TMP/cut.csv"
conv cut inventory-utf8
[ "$rc" = 65 ] || { echo "FAIL: truncated: exit $rc, want 65"; fail=1; }
check cut "MUG-RED-330=3" 1
rejected cut E_TRUNCATED

# 5. 30,000 SKUs: two documents of at most 25,000 messages, each valid
awk 'BEGIN { print "sku,stock_state,location,quantity";
    for (i = 0; i < 30000; i++) printf "SKU-%05d,AVAILABLE,L%d,%d\n", i, i % 7, i % 50 }' \
    >"$WB_TMP/big.csv"
"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/inventory-utf8.layout" \
    --states "$ETC/stock-states.map" --seller A2SELLER <"$WB_TMP/big.csv" >"$WB_TMP/big.json" \
    2>"$WB_TMP/big.err"
rc=$?
[ "$rc" = 0 ] || { echo "FAIL: big: exit $rc"; fail=1; }
check big "*" 2

# 6. usage and configuration errors
"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/inventory-utf8.layout" \
    </dev/null >/dev/null 2>"$WB_TMP/nostates.err"
rc=$?
[ "$rc" = 78 ] || { echo "FAIL: no --states: exit $rc, want 78"; fail=1; }
grep -q "stock states map" "$WB_TMP/nostates.err" || { echo "FAIL: no --states: no reason"; fail=1; }
"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/dispatch-utf8.layout" \
    --states "$ETC/stock-states.map" </dev/null >/dev/null 2>&1
rc=$?
[ "$rc" = 78 ] || { echo "FAIL: dispatch layout: exit $rc, want 78"; fail=1; }
"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/inventory-utf8.layout" \
    --states "$ETC/stock-states.map" --xsd-dir "$S/amazon" <"$WB_TMP/big.csv" >/dev/null \
    2>"$WB_TMP/xsd.err"
rc=$?
[ "$rc" = 78 ] && grep -q "writes JSON" "$WB_TMP/xsd.err" ||
    { echo "FAIL: --xsd-dir on a JSON flow: exit $rc, want 78 with a reason"; fail=1; }
"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/inventory-utf8.layout" \
    --states "$ETC/stock-states.map" <&- >/dev/null 2>&1
rc=$?
[ "$rc" = 66 ] || { echo "FAIL: closed standard input: exit $rc, want 66"; fail=1; }

"$WB_BIN" convert inventory --layout "$WB_ROOT/formats/inventory-utf8.layout" \
    --states "$ETC/stock-states.map" --seller "$(printf 'A\001B')" <"$WB_TMP/big.csv" \
    >"$WB_TMP/seller.json" 2>"$WB_TMP/seller.err"
rc=$?
[ "$rc" = 78 ] && [ ! -s "$WB_TMP/seller.json" ] ||
    { echo "FAIL: a seller id with a control character: exit $rc, want 78, nothing written"; fail=1; }

# 7. a layout_dir without inventory layouts still loads: the flow is off until stock_states_map
# is set, so its layout is loaded only when it is on or the configuration names one
wb_make_config "$WB_TMP/w"
mkdir -p "$WB_TMP/oldformats"
for l in "$WB_ROOT"/formats/*.layout; do
    case $l in */inventory-*) ;; *) cp "$l" "$WB_TMP/oldformats/" ;; esac
done
echo "layout_dir = $WB_TMP/oldformats" >>"$WB_CONF"
"$WB_BIN" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1 ||
    { echo "FAIL: check refuses a layout_dir without inventory layouts"; tail -n 5 "$WB_TMP/check.out"; fail=1; }
echo "inventory_layout = inventory-legacy" >>"$WB_CONF"
"$WB_BIN" -c "$WB_CONF" check >"$WB_TMP/check2.out" 2>&1 &&
    { echo "FAIL: check takes an inventory_layout that is not there"; fail=1; }
grep -q "inventory-legacy" "$WB_TMP/check2.out" ||
    { echo "FAIL: check does not name the missing inventory layout"; fail=1; }
# once the flow is on (stock_states_map), its default layout must be there
sed -i '/^inventory_layout = /d' "$WB_CONF"
echo "stock_states_map = $WB_ROOT/etc/stock-states.map" >>"$WB_CONF"
"$WB_BIN" -c "$WB_CONF" check >"$WB_TMP/check3.out" 2>&1 &&
    { echo "FAIL: check takes an inventory flow that is on without its layout"; fail=1; }
grep -q "inventory-utf8" "$WB_TMP/check3.out" ||
    { echo "FAIL: check does not name the missing inventory layout of the flow that is on"; fail=1; }

[ "$fail" = 0 ] && echo "convert_inventory: ok"
exit "$fail"
