#!/bin/sh
# sim_selftest.sh - self-test of the SP-API simulator (tests/sim/spapi_sim.py)
# over HTTPS with curl: LWA token, createFeedDocument, upload, createFeed,
# getFeed until DONE, getFeedDocument, download, processing report checks,
# duplicate warning with a GZIP result, confirmShipment, getFeeds, 429 and
# expired-token faults, FATAL on a schema error, the getFeedDocument token
# bucket, then the simulator is stopped.
#
# Environment: WB_ROOT (repo root), WB_SHARED (shared dir or empty), WB_TMP
# (scratch dir), optional WB_PYTHON (interpreter). Exit 0 pass, 77 skip (last
# line says why), other = fail.
set -u
ROOT=${WB_ROOT:?WB_ROOT must name the repository root}
SHARED=${WB_SHARED:-}
TMP=${WB_TMP:-}
[ -n "$TMP" ] || TMP=$(mktemp -d)
SIMPID=""

skip() { echo "sim_selftest: skipped: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    [ -f "$TMP/sim.log" ] && tail -n 30 "$TMP/sim.log"
    exit 1
}
cleanup() {
    if [ -n "$SIMPID" ]; then
        kill "$SIMPID" 2>/dev/null
        wait "$SIMPID" 2>/dev/null
        SIMPID=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
PY=${WB_PYTHON:-$(command -v python3)}
XSD=""
if [ -n "$SHARED" ] && [ -f "$SHARED/amazon/order-envelope.xsd" ] &&
    command -v xmllint >/dev/null 2>&1; then
    XSD="$SHARED/amazon/order-envelope.xsd"
fi

sh "$ROOT/tests/sim/mkcert.sh" "$TMP/certs" || fail "mkcert.sh failed"
printf 'UPS\nRoyal Mail\nDPD\n# comment\n' >"$TMP/carriers.txt"

"$PY" "$ROOT/tests/sim/spapi_sim.py" --port 0 --port-file "$TMP/port" \
    --tls-cert "$TMP/certs/server.pem" --tls-key "$TMP/certs/server.key" \
    --state-dir "$TMP/state" ${XSD:+--xsd "$XSD"} \
    --carrier-codes "$TMP/carriers.txt" \
    --rate-scale 100 --process-seconds 1 --seed 42 2>"$TMP/sim.log" &
SIMPID=$!
i=0
while [ ! -s "$TMP/port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "simulator did not write its port file"
    kill -0 "$SIMPID" 2>/dev/null || fail "simulator exited at start"
    sleep 0.1
done
PORT=$(cat "$TMP/port")
BASE="https://127.0.0.1:$PORT"
echo "simulator pid $SIMPID at $BASE"

# req METHOD PATH [curl args...]: body to $TMP/body, headers to $TMP/hdr,
# prints the status code.
req() {
    m=$1; p=$2; shift 2
    curl -sS --cacert "$TMP/certs/ca.pem" --max-time 20 -X "$m" \
        -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@" "$BASE$p"
}
api() { # METHOD PATH [curl args]: an SP-API call with the access token
    m=$1; p=$2; shift 2
    req "$m" "$p" -H "x-amz-access-token: $TOKEN" "$@"
}
jget() { # EXPR: evaluate a Python expression over d = JSON of $TMP/body
    "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$TMP/body" "$1"
}
expect() { # GOT WANT WHAT
    [ "$1" = "$2" ] || fail "$3: got $1, want $2 ($(head -c 400 "$TMP/body"))"
}
token() {
    st=$(req POST /auth/o2/token -d grant_type=refresh_token \
        --data-urlencode 'refresh_token=Atzr|wmsbridge-sim-refresh-token' \
        -d client_id=amzn1.application-oa2-client.wmsbridgesim \
        -d client_secret=wmsbridge-sim-secret)
    expect "$st" 200 "token"
    TOKEN=$(jget 'd["access_token"]')
}
# submit FILE: createFeedDocument, upload, createFeed; sets FEED
submit() {
    st=$(api POST /feeds/2021-06-30/documents -H 'Content-Type: application/json' \
        -d '{"contentType":"text/xml; charset=UTF-8"}')
    expect "$st" 201 "createFeedDocument"
    DOC=$(jget 'd["feedDocumentId"]')
    URL=$(jget 'd["url"]')
    st=$(curl -sS --cacert "$TMP/certs/ca.pem" --max-time 20 -o /dev/null \
        -w '%{http_code}' -T "$1" -H 'Content-Type: text/xml; charset=UTF-8' "$URL")
    expect "$st" 200 "upload"
    st=$(api POST /feeds/2021-06-30/feeds -H 'Content-Type: application/json' \
        -d "{\"feedType\":\"POST_ORDER_FULFILLMENT_DATA\",\"marketplaceIds\":[\"A1F83G8C2ARO7P\"],\"inputFeedDocumentId\":\"$DOC\"}")
    expect "$st" 202 "createFeed"
    FEED=$(jget 'd["feedId"]')
}
# wait_feed: poll getFeed until a final status; sets STATUS and RESULT
wait_feed() {
    n=0
    while :; do
        st=$(api GET "/feeds/2021-06-30/feeds/$FEED")
        expect "$st" 200 "getFeed"
        STATUS=$(jget 'd["processingStatus"]')
        case $STATUS in DONE | FATAL | CANCELLED) break ;; esac
        n=$((n + 1))
        [ $n -gt 100 ] && fail "feed $FEED stuck in $STATUS"
        sleep 0.2
    done
    RESULT=$(jget 'd.get("resultFeedDocumentId","")')
}
# fetch_result: getFeedDocument + download (+gunzip) into $TMP/report.xml
fetch_result() {
    st=$(api GET "/feeds/2021-06-30/documents/$RESULT")
    expect "$st" 200 "getFeedDocument"
    URL=$(jget 'd["url"]')
    COMP=$(jget 'd.get("compressionAlgorithm","")')
    st=$(curl -sS --cacert "$TMP/certs/ca.pem" --max-time 20 \
        -o "$TMP/report.raw" -w '%{http_code}' "$URL")
    expect "$st" 200 "download"
    if [ "$COMP" = GZIP ]; then
        gzip -dc <"$TMP/report.raw" >"$TMP/report.xml" || fail "gunzip"
    else
        cp "$TMP/report.raw" "$TMP/report.xml"
    fi
    if [ -n "$XSD" ]; then
        xmllint --noout --nonet --schema "$XSD" "$TMP/report.xml" 2>"$TMP/xsd.err" ||
            fail "report does not validate: $(cat "$TMP/xsd.err")"
    fi
}
# report EXPR: evaluate over r = parsed report (summary dict s, results list)
report() {
    "$PY" - "$TMP/report.xml" "$1" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
pr = root.find("Message/ProcessingReport")
s = {c.tag: int(c.text) for c in pr.find("ProcessingSummary")}
results = [{c.tag: (c.text or "").strip() for c in r} for r in pr.findall("Result")]
print(eval(sys.argv[2]))
PYEOF
}

feed_xml() { # FILE MSGS...: an OrderFulfillment envelope, one message per
    # argument "id:order:carrier:tracking:itemcode:qty"
    f=$1; shift
    {
        echo '<?xml version="1.0" encoding="UTF-8"?>'
        echo '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">'
        echo '<Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>M_TEST</MerchantIdentifier></Header>'
        echo '<MessageType>OrderFulfillment</MessageType>'
        for m in "$@"; do
            IFS=: read -r id ord car trk item qty <<EOM
$m
EOM
            echo "<Message><MessageID>$id</MessageID><OrderFulfillment>"
            echo "<AmazonOrderID>$ord</AmazonOrderID><FulfillmentDate>2026-11-23T09:00:00Z</FulfillmentDate>"
            echo "<FulfillmentData><CarrierCode>$car</CarrierCode>"
            [ "$car" = Other ] && echo "<CarrierName>Local Courier</CarrierName>"
            echo "<ShipperTrackingNumber>$trk</ShipperTrackingNumber></FulfillmentData>"
            echo "<Item><AmazonOrderItemCode>$item</AmazonOrderItemCode><Quantity>$qty</Quantity></Item>"
            echo "</OrderFulfillment></Message>"
        done
        echo '</AmazonEnvelope>'
    } >"$f"
}

# --- authentication ----------------------------------------------------------
st=$(req POST /auth/o2/token -d grant_type=refresh_token -d refresh_token=x \
    -d client_id=amzn1.application-oa2-client.wmsbridgesim -d client_secret=wrong)
expect "$st" 401 "token with a wrong client secret"
expect "$(jget 'd["error"]')" invalid_client "LWA error"
st=$(req GET /feeds/2021-06-30/feeds/1)
expect "$st" 403 "call without a token"
expect "$(jget 'd["errors"][0]["code"]')" Unauthorized "403 error code"
token
grep -qi '^x-amzn-RequestId:' "$TMP/hdr" || fail "no x-amzn-RequestId header"

# --- full lifecycle: one bad order (MessageID 2) -----------------------------
feed_xml "$TMP/feed1.xml" \
    "1:026-1234567-1234567:UPS:1Z999AA10123456784:12345678901234:1" \
    "2:026-1234567-9990001:UPS:1Z999AA10123456785:12345678901235:1" \
    "3:171-7654321-7654321:Other:LC-1001:12345678901236:2"
[ -z "$XSD" ] || xmllint --noout --nonet --schema "$XSD" "$TMP/feed1.xml" 2>/dev/null ||
    fail "test feed does not validate"
st=$(api POST /feeds/2021-06-30/documents -H 'Content-Type: application/json' \
    -d '{"contentType":"text/xml; charset=UTF-8"}')
expect "$st" 201 "createFeedDocument"
grep -qi '^x-amzn-RateLimit-Limit: 50' "$TMP/hdr" || fail "rate limit header (0.5 x 100)"
URL=$(jget 'd["url"]')
st=$(curl -sS --cacert "$TMP/certs/ca.pem" -o /dev/null -w '%{http_code}' \
    -T "$TMP/feed1.xml" -H 'Content-Type: application/xml' "$URL")
expect "$st" 403 "upload with a different Content-Type"
submit "$TMP/feed1.xml"
FEED1=$FEED
wait_feed
expect "$STATUS" DONE "feed 1 status"
[ -n "$RESULT" ] || fail "no resultFeedDocumentId"
fetch_result
expect "$(report 's["MessagesProcessed"], s["MessagesSuccessful"], s["MessagesWithError"], s["MessagesWithWarning"]')" \
    "(3, 2, 1, 0)" "ProcessingSummary"
expect "$(report '[(r["MessageID"], r["ResultCode"], r["ResultMessageCode"]) for r in results]')" \
    "[('2', 'Error', '18028')]" "exactly one Error Result, for MessageID 2"

# --- duplicate of message 1 in a second feed, GZIP result ----------------------
st=$(req POST /_sim/faults -d '{"gzip": true}')
expect "$st" 200 "set gzip fault"
feed_xml "$TMP/feed2.xml" \
    "1:026-1234567-1234567:UPS:1Z999AA10123456784:12345678901234:1" \
    "2:026-7777777-7777777:FedEx:F1:12345678901237:1" \
    "3:026-7777777-7777778:DPD:D1:12345678901238:60" \
    "4:026-1234567-1234567:UPS:1Z999AA10123456784:12345678901299:1"
submit "$TMP/feed2.xml"
wait_feed
expect "$STATUS" DONE "feed 2 status"
fetch_result
expect "$COMP" GZIP "compressionAlgorithm"
expect "$(report '[(r["MessageID"], r["ResultCode"], r["ResultMessageCode"]) for r in results]')" \
    "[('1', 'Warning', '5001'), ('2', 'Error', '18060'), ('3', 'Error', '18034')]" \
    "duplicate warning, carrier and quantity errors"
expect "$(report 's["MessagesProcessed"], s["MessagesSuccessful"], s["MessagesWithError"], s["MessagesWithWarning"]')" \
    "(4, 2, 2, 1)" "ProcessingSummary of feed 2 (another item, same tracking: accepted)"
req POST /_sim/faults -d '{"gzip": false}' >/dev/null

st=$(req GET /_sim/received)
expect "$st" 200 "received"
expect "$(jget 'len(d["feeds"]), [m["result"] for m in d["feeds"][0]["messages"]]')" \
    "(2, ['accepted', 'error', 'accepted'])" "received feeds"
expect "$(jget 'd["accepted_keys"]["026-1234567-1234567|12345678901234|1Z999AA10123456784"]')" \
    2 "accepted_keys counts the resend"
expect "$(jget '[(x["feedId"], x["message_id"], x["first_feedId"]) for x in d["duplicates"]]')" \
    "[('$FEED', 1, '$FEED1')]" "duplicates"

# --- confirmShipment: 204, repeat 400, unknown order 404 ----------------------
CS='{"marketplaceId":"A1F83G8C2ARO7P","packageDetail":{"packageReferenceId":"1","carrierCode":"UPS","trackingNumber":"1ZCS1","shipDate":"2026-11-23T09:00:00Z","orderItems":[{"orderItemId":"12345678900000","quantity":1}]}}'
st=$(api POST /orders/v0/orders/026-1000001-1000001/shipmentConfirmation \
    -H 'Content-Type: application/json' -d "$CS")
expect "$st" 204 "confirmShipment"
st=$(api POST /orders/v0/orders/026-1000001-1000001/shipmentConfirmation \
    -H 'Content-Type: application/json' -d "$CS")
expect "$st" 400 "confirmShipment repeated"
st=$(api POST /orders/v0/orders/026-1000001-9990001/shipmentConfirmation \
    -H 'Content-Type: application/json' -d "$CS")
expect "$st" 404 "confirmShipment of an unknown order"
req GET /_sim/received >/dev/null
expect "$(jget '[(c["result"], c["status"]) for c in d["calls"]], d["accepted_keys"]["026-1000001-1000001|12345678900000|1ZCS1"]')" \
    "([('accepted', 204), ('warning', 400), ('error', 404)], 1)" "confirmShipment calls"
# the request as ConfirmShipmentRequest has it (ordersV0.json): refused whole, nothing recorded;
# each case is sed's FROM/TO and a word of the refusal
for bad in 'packageReferenceId":"1"/packageReferenceId":"A1"/PackageReferenceId' \
    'packageReferenceId":"1"/packageReferenceId":"0"/PackageReferenceId' \
    '"shipDate":"2026-11-23T09:00:00Z",//shipDate is required' \
    '"shipDate":"2026-11-23T09:00:00Z"/"shipDate":"11\/23\/2026"/shipDate: is invalid' \
    '"quantity":1/"quantity":"1"/quantity' '"quantity":1/"quantity":0/quantity' \
    '"carrierCode":"UPS",//carrierCode is required' \
    '"marketplaceId":"A1F83G8C2ARO7P",//marketplaceId is required' \
    '"marketplaceId"/"codCollectionMethod":"Cash","marketplaceId"/codCollectionMethod'; do
    word=${bad##*/}
    st=$(api POST /orders/v0/orders/026-1000001-1000002/shipmentConfirmation \
        -H 'Content-Type: application/json' -d "$(echo "$CS" | sed "s/${bad%/*}/")")
    expect "$st:$(jget 'd["errors"][0]["code"]')" 400:InvalidInput "confirmShipment ($bad)"
    case "$(jget 'd["errors"][0]["message"]')" in
    *"$word"*) ;;
    *) fail "confirmShipment ($bad): the refusal does not name $word: $(head -c 300 "$TMP/body")" ;;
    esac
done
req GET /_sim/received >/dev/null
expect "$(jget 'len(d["calls"]), d["calls"][0]["seller"]')" "(3, 'default')" "confirmShipment seller"

# --- getFeeds (recovery lookup) ------------------------------------------------
st=$(api GET "/feeds/2021-06-30/feeds?feedTypes=POST_ORDER_FULFILLMENT_DATA&pageSize=1&processingStatuses=DONE,IN_QUEUE")
expect "$st" 200 "getFeeds"
expect "$(jget 'd["feeds"][0]["feedId"], "nextToken" in d')" "('$FEED', True)" "getFeeds page 1"
NT=$("$PY" -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(open(sys.argv[1]))["nextToken"]))' "$TMP/body")
st=$(api GET "/feeds/2021-06-30/feeds?nextToken=$NT")
expect "$st" 200 "getFeeds page 2"
expect "$(jget 'd["feeds"][0]["feedId"]')" "$FEED1" "getFeeds page 2 feed"
st=$(api GET "/feeds/2021-06-30/feeds?nextToken=$NT&pageSize=5")
expect "$st" 400 "nextToken with other parameters"

# --- schema error -> FATAL -----------------------------------------------------
if [ -n "$XSD" ]; then
    sed 's/<FulfillmentDate>[^<]*<\/FulfillmentDate>//' "$TMP/feed1.xml" >"$TMP/bad.xml"
    submit "$TMP/bad.xml"
    wait_feed
    expect "$STATUS" FATAL "schema-invalid feed"
    fetch_result
    expect "$(report '[(r["MessageID"], r["ResultMessageCode"]) for r in results]')" \
        "[('0', '5000')]" "FATAL report"
fi

# --- faults: 429, expired token -------------------------------------------------
st=$(req POST /_sim/faults -d '{"rate429": 1.0}')
expect "$st" 200 "set rate429"
st=$(api GET "/feeds/2021-06-30/feeds/$FEED")
expect "$st" 429 "injected throttling"
expect "$(jget 'd["errors"][0]["code"]')" QuotaExceeded "429 code"
grep -qi '^x-amzn-RateLimit-Limit: 200' "$TMP/hdr" || fail "429 without x-amzn-RateLimit-Limit"
st=$(req POST /_sim/faults -d '{"rate429": 0, "expire_tokens": true, "expired_status": 401}')
expect "$st" 200 "set expire_tokens"
st=$(api GET "/feeds/2021-06-30/feeds/$FEED")
expect "$st" 401 "expired token (401 mode)"
expect "$(jget 'd["errors"][0]["details"]')" "The access token you provided has expired." "expired details"
token
st=$(api GET "/feeds/2021-06-30/feeds/$FEED")
expect "$st" 200 "call with a refreshed token"
st=$(req POST /_sim/faults -d '{"bogus": 1}')
expect "$st" 400 "unknown fault key"

# --- real token bucket: getFeedDocument burst 10 at 0.0222 x 100 = 2.22/s --------
# One curl, one connection, 30 requests back to back: the burst is spent faster
# than it refills even on a loaded machine (no process start between requests).
req POST /_sim/reset -d '{"state": false}' >/dev/null
set --
k=0
while [ $k -lt 30 ]; do
    set -- "$@" -o /dev/null "$BASE/feeds/2021-06-30/documents/$RESULT"
    k=$((k + 1))
done
codes=$(curl -sS --cacert "$TMP/certs/ca.pem" --max-time 60 \
    -H "x-amz-access-token: $TOKEN" -w '%{http_code}\n' "$@")
n429=$(echo "$codes" | grep -c '^429$')
[ "$n429" -ge 1 ] || fail "no 429 after exceeding the getFeedDocument burst: $(echo $codes)"

# --- stop ---------------------------------------------------------------------
kill "$SIMPID" || fail "kill"
wait "$SIMPID" 2>/dev/null
kill -0 "$SIMPID" 2>/dev/null && fail "simulator still running"
SIMPID=""
[ -f "$TMP/state/state.json" ] || fail "no state file"
echo "sim_selftest: all checks passed"
exit 0
