#!/bin/sh
# sink_paths.sh - the dispatch cases run once by feed (dispatch_via = feed) and once by the
# Orders API (dispatch_via = api, one confirmShipment per order and tracking number), with
# the same ledger outcome line by line:
#   a.csv  good rows (two items under one tracking number; CarrierCode Other with a name),
#          an unknown order, a carrier Amazon does not accept, a quantity too large, and a
#          shipment Amazon already has from another sender (confirmed, with a warning);
#   b.csv  a key of a.csv again (refused at intake, E_ALREADY_SENT) beside a new row;
#   c.csv  40 rows in a 429 storm (injected 429s and some 500s; on the api path also the real
#          2/s burst 10 bucket of confirmShipment, spent by another sender): all confirmed,
#          none rejected;
#   d.csv  the crash window: the process SIGKILLed after Amazon applied the first call (its
#          answer held back), started again: every row confirmed, each key accepted once.
# Then dispatch_via = auto: a batch of two orders goes by calls, one of twenty by feed.
# Amazon's refusals are rejected with Amazon's own code on each path (feed: the report's
# ResultMessageCode, api: the ErrorList code), compared by meaning; every other outcome,
# the reject file format and the local codes must be identical.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
command -v setsid >/dev/null 2>&1 || { echo "setsid (util-linux) not found"; exit 77; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
export WB_RATE_SCALE=50
fail() { wb_fail "$@"; }

ship=$(date -u -d '-2 hours' +%Y-%m-%dT%H:%M:%SZ)
H=amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time
cat >"$WB_TMP/a.csv" <<EOF
$H
026-1000001-1000001,10000000000011,SKU-1,1,RM24,TRKA0001GB,$ship
026-1000001-1000001,10000000000012,SKU-2,2,RM24,TRKA0001GB,$ship
026-1000002-1000002,10000000000021,SKU-3,1,UPS-STD,TRKA0002GB,$ship
026-1000003-9990003,10000000000031,SKU-4,1,RM24,TRKA0003GB,$ship
026-1000004-1000004,10000000000041,SKU-5,1,GLS-BUS,TRKA0004GB,$ship
026-1000005-1000005,10000000000051,SKU-6,60,RM24,TRKA0005GB,$ship
026-1000006-1000006,10000000000061,SKU-7,1,EVRI48,TRKA0006GB,$ship
026-1000007-1000007,10000000000071,SKU-8,1,RM48,TRKA0007GB,$ship
EOF
cat >"$WB_TMP/b.csv" <<EOF
$H
026-1000002-1000002,10000000000021,SKU-3,1,UPS-STD,TRKA0002GB,$ship
026-1000008-1000008,10000000000081,SKU-9,1,RM48,TRKA0008GB,$ship
EOF
wb_gen_dispatch "$WB_TMP/c.csv" 40 61 0
wb_gen_dispatch "$WB_TMP/d.csv" 6 62 0
# Amazon's carrier list without "GLS": the rule Amazon applies, which the local map passes
grep -v '^GLS$' "$WB_ROOT/etc/amazon-carrier-codes.txt" >"$WB_TMP/sim-codes.txt"

# token - an access token of the simulator's seller, as another sender would get one
token() {
    curl -sS --cacert "$SIM_CA" -d grant_type=refresh_token \
        --data-urlencode 'refresh_token=Atzr|wmsbridge-sim-refresh-token' \
        -d client_id=amzn1.application-oa2-client.wmsbridgesim \
        -d client_secret=wmsbridge-sim-secret "$SIM_URL/auth/o2/token" |
        $WB_PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# received EXPR - a Python expression over d, the simulator's record
received() {
    wb_sim_ctl /_sim/received | $WB_PY -c "import json,sys; d=json.load(sys.stdin); print(($1))"
}

# outcome VIA - the ledger, one line per input line: file line state code (Amazon's codes by
# their meaning); the lines confirmed with a warning on stderr (a resend after the crash is
# confirmed by Amazon's repeat answer on the api path, and says so)
outcome() {
    $WB_PY - "$W/spool/ledger.db" "$1" <<'PY'
import sqlite3, sys
meaning = {"feed": {"18028": "amazon:order-not-found", "18060": "amazon:invalid",
                    "18034": "amazon:invalid"},
           "api": {"NotFound": "amazon:order-not-found", "InvalidInput": "amazon:invalid"}}
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
states = {3: "confirmed", 4: "rejected"}
for name, line, st, code, warn in db.execute(
        "SELECT f.name, r.lineno, r.state, r.reject_code, r.warning FROM rows r "
        "JOIN files f ON f.id = r.file_id ORDER BY f.name, r.lineno"):
    code = code or ""
    if st == 4 and not code.startswith("E_"):
        code = meaning[sys.argv[2]].get(code, "amazon:?" + code)
    print(name, line, states.get(st, "open:%d" % st), code)
    if warn:
        sys.stderr.write("%s %s warned: %s\n" % (name, line, warn))
PY
}

# path VIA - every case by one sink; leaves $WB_TMP/outcome-VIA
path() {
    via=$1
    # the simulator at Amazon's documented rates (confirmShipment 2/s, burst 10)
    wb_start_sim "$WB_TMP/sim-$via" --process-seconds 1 --carrier-codes "$WB_TMP/sim-codes.txt" ||
        exit 1
    W=$WB_TMP/w-$via
    wb_make_config "$W" "dispatch_via = $via" "retry_base_ms = 20" "retry_cap_ms = 2000" \
        "http_timeout = 20"
    IN=$W/spool/in/dispatch
    mkdir -p "$IN"
    : >"$WB_LOG"

    # another sender confirmed order 026-1000007-1000007 at Amazon already
    tok=$(token) || fail "$via: no token"
    st=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$SIM_CA" -H "x-amz-access-token: $tok" \
        -H 'Content-Type: application/json' -d "{\"marketplaceId\":\"A1F83G8C2ARO7P\",\"packageDetail\":{\"packageReferenceId\":\"1\",\"carrierCode\":\"Royal Mail\",\"trackingNumber\":\"TRKA0007GB\",\"shipDate\":\"$ship\",\"orderItems\":[{\"orderItemId\":\"10000000000071\",\"quantity\":1}]}}" \
        "$SIM_URL/orders/v0/orders/026-1000007-1000007/shipmentConfirmation")
    [ "$st" = 204 ] || fail "$via: the other sender's confirmation got $st"

    wb_drop "$WB_TMP/a.csv" "$IN"
    wb_settle "$B" "$WB_CONF" 60 || fail "$via: a.csv did not settle"
    wb_drop "$WB_TMP/b.csv" "$IN"
    wb_settle "$B" "$WB_CONF" 60 || fail "$via: b.csv did not settle"

    # another sender spends the burst of confirmShipment (ten requests it gets 400 for)
    i=0
    while [ $i -lt 10 ]; do
        curl -sS -o /dev/null --cacert "$SIM_CA" -H "x-amz-access-token: $tok" \
            -H 'Content-Type: application/json' -d '{}' \
            "$SIM_URL/orders/v0/orders/026-1000009-1000009/shipmentConfirmation"
        i=$((i + 1))
    done
    wb_sim_ctl /_sim/faults '{"rate429": 0.3, "rate500": 0.1, "seed": 7}' >/dev/null
    wb_drop "$WB_TMP/c.csv" "$IN"
    wb_settle "$B" "$WB_CONF" 90 || fail "$via: c.csv did not settle in the 429 storm"
    wb_sim_ctl /_sim/faults '{"rate429": 0, "rate500": 0}' >/dev/null
    storm=$(wb_sim_ctl /_sim/stats | $WB_PY -c 'import json,sys; d=json.load(sys.stdin); print(d["injected"].get("429", 0), d.get("throttled", 0), d["injected"].get("500", 0))')
    echo "$via: 429 storm: injected and quota 429s, injected 500s: $storm"
    storm=${storm% *}
    [ "${storm% *}" -gt 0 ] || fail "$via: no 429 was injected"
    if [ "$via" = api ]; then
        [ "${storm#* }" -gt 0 ] || fail "api: the 2/s burst 10 bucket never answered 429"
    fi

    # the crash window: Amazon applied the first call, its answer never came, the process died
    if [ "$via" = api ]; then
        wb_sim_ctl /_sim/faults '{"lose_confirm_reply": 1, "hang_ms": 60000}' >/dev/null
    else
        wb_sim_ctl /_sim/faults '{"lose_create_reply": 1, "hang_ms": 60000}' >/dev/null
    fi
    k=$(sed -n '2s/^\([^,]*\),\([^,]*\),[^,]*,[^,]*,[^,]*,\([^,]*\),.*/\1|\2|\3/p' "$WB_TMP/d.csv")
    wb_drop "$WB_TMP/d.csv" "$IN"
    setsid "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 &
    pid=$!
    i=0
    while [ "$(received "d['received_keys'].get('$k', 0)")" -lt 1 ] && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    sleep 0.3
    env kill -s KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    wb_sim_ctl /_sim/reset '{"faults": true, "state": false, "buckets": false}' >/dev/null
    [ "$(received "d['accepted_keys'].get('$k', 0)")" = 1 ] ||
        [ "$via" = feed ] || fail "api: Amazon did not apply the call before the crash"
    "$B" -c "$WB_CONF" feeds | grep -Eq 'calling|submitting' ||
        fail "$via: no batch was left in flight by the crash"
    # in flight, so the daemon runs feeds-poll for it (which goes on with it)
    "$B" -c "$WB_CONF" status | grep -q '^feeds:.*(none in flight)' &&
        fail "$via: the batch left by the crash is not counted in flight"
    wb_settle "$B" "$WB_CONF" 60 || fail "$via: d.csv did not settle after the crash"
    if [ "$via" = api ]; then
        grep -q "order=${k%%|*} .*event=repeat-confirmed" "$WB_LOG" ||
            fail "api: the call in doubt was not sent again and confirmed by the repeat answer"
    else
        grep -q "event=recover-adopted" "$WB_LOG" || fail "feed: the feed in doubt was not adopted"
    fi
    sleep 1.5 # let the simulator process any second feed before counting accepted keys
    # the other sender's key is Amazon's already (a feed's repeat of it is counted again)
    wb_check_received "$(($(wb_status_count confirmed) - 1))" 026-1000007-1000007 ||
        fail "$via: a key was accepted twice"

    # each path used its own sink only (the other sender's one call aside)
    n=$(received "len(d['feeds']), len(d['calls']) - 1")
    echo "$via: feeds and calls of ours at Amazon: $n"
    case "$via:$n" in
    "feed:("[1-9]*", 0)" | "api:(0, "[1-9]*")") ;;
    *) fail "$via: not sent by its own sink alone (feeds, calls): $n" ;;
    esac
    outcome "$via" >"$WB_TMP/outcome-$via" 2>"$WB_TMP/warned-$via"
    grep -q '^a.csv 9 warned' "$WB_TMP/warned-$via" ||
        fail "$via: the shipment Amazon had already is not confirmed with a warning"
    head -n 1 "$(ls "$W"/spool/reject/dispatch/a-amazon-*.csv | head -n 1)" >"$WB_TMP/header-$via"
    wb_cleanup
}

path feed
path api
echo "--- outcome (feed path)"
grep -v ' confirmed $' "$WB_TMP/outcome-feed" | head -n 20
diff "$WB_TMP/outcome-feed" "$WB_TMP/outcome-api" || fail "the two paths disagree (feed < > api)"
diff "$WB_TMP/header-feed" "$WB_TMP/header-api" || fail "reject files differ in format"
grep -q 'a.csv 5 rejected amazon:order-not-found' "$WB_TMP/outcome-api" || fail "unknown order"
grep -q 'a.csv 6 rejected amazon:invalid' "$WB_TMP/outcome-api" || fail "bad carrier"
grep -q 'a.csv 7 rejected amazon:invalid' "$WB_TMP/outcome-api" || fail "quantity too large"
grep -q 'a.csv 9 confirmed' "$WB_TMP/outcome-api" || fail "repeat not confirmed"
grep -q 'b.csv 2 rejected E_ALREADY_SENT' "$WB_TMP/outcome-api" || fail "repeated key not refused"
[ "$(grep -c ' confirmed $' "$WB_TMP/outcome-api")" -eq $((5 + 1 + 40 + 6)) ] ||
    fail "not every good row confirmed"
echo "ok: $(wc -l <"$WB_TMP/outcome-api") lines, the same outcome by feed and by the Orders API"

# auto: a batch of at most dispatch_api_max orders by calls, a larger one by feed
wb_start_sim "$WB_TMP/sim-auto" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w-auto
wb_make_config "$W" "dispatch_via = auto" "dispatch_api_max = 2"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
: >"$WB_LOG"
head -n 4 "$WB_TMP/a.csv" >"$WB_TMP/small.csv" # three rows of two orders: orders count
wb_drop "$WB_TMP/small.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "auto: small.csv did not settle"
wb_drop "$WB_TMP/c.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "auto: c.csv did not settle"
n=$(received "len(d['feeds']), len(d['calls']), sorted(set(c['order_id'][:3] for c in d['calls']))")
echo "auto: feeds and calls at Amazon: $n"
[ "$n" = "(1, 2, ['026'])" ] || fail "auto: small.csv not by calls or c.csv not by one feed: $n"
[ "$(wb_status_count confirmed)" -eq 43 ] || fail "auto: not every row confirmed"
grep -q 'event=sink-chosen sink=api orders=2 ' "$WB_LOG" || fail "auto: the choice is not logged"
echo "ok: auto sends 2 orders by calls and 20 by feed"
