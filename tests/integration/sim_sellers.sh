#!/bin/sh
# sim_sellers.sh - the simulator serves several sellers of one application:
# each seller's refresh token (--seller TOKEN=SELLER_ID) gets its own access
# tokens, every feed is recorded with the seller whose token created it and
# the MerchantIdentifier of its envelope, and a revoked seller (POST
# /_sim/revoke) gets invalid_grant and 403 while the other sellers go on.
#
# Environment: WB_ROOT, WB_TMP, optional WB_PYTHON. Exit 0 pass, 77 skip,
# other = fail.
set -u
ROOT=${WB_ROOT:?WB_ROOT must name the repository root}
TMP=${WB_TMP:-}
[ -n "$TMP" ] || TMP=$(mktemp -d)
SIMPID=""
skip() { echo "sim_sellers: skipped: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    [ -f "$TMP/sim.log" ] && tail -n 20 "$TMP/sim.log"
    exit 1
}
cleanup() {
    [ -n "$SIMPID" ] && kill "$SIMPID" 2>/dev/null && wait "$SIMPID" 2>/dev/null
    SIMPID=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done
PY=${WB_PYTHON:-$(command -v python3)}
sh "$ROOT/tests/sim/mkcert.sh" "$TMP/certs" || fail "mkcert.sh failed"
"$PY" "$ROOT/tests/sim/spapi_sim.py" --port 0 --port-file "$TMP/port" \
    --tls-cert "$TMP/certs/server.pem" --tls-key "$TMP/certs/server.key" \
    --seller 'Atzr|acme-refresh=A2ACMESELLER' --seller 'Atzr|beta-refresh=A3BETASELLER' \
    --rate-scale 100 --process-seconds 1 2>"$TMP/sim.log" &
SIMPID=$!
i=0
while [ ! -s "$TMP/port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "simulator did not write its port file"
    kill -0 "$SIMPID" 2>/dev/null || fail "simulator exited at start"
    sleep 0.1
done
BASE="https://127.0.0.1:$(cat "$TMP/port")"

req() { # METHOD PATH [curl args]: body to $TMP/body, prints the status
    m=$1; p=$2; shift 2
    curl -sS --cacert "$TMP/certs/ca.pem" --max-time 20 -X "$m" -o "$TMP/body" \
        -w '%{http_code}' "$@" "$BASE$p"
}
jget() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
    "$TMP/body" "$1"; }
expect() { [ "$1" = "$2" ] || fail "$3: got $1, want $2 ($(head -c 300 "$TMP/body"))"; }
token() { # REFRESH: the status in ST; TOKEN set on 200
    ST=$(req POST /auth/o2/token -d grant_type=refresh_token --data-urlencode "refresh_token=$1" \
        -d client_id=amzn1.application-oa2-client.wmsbridgesim -d client_secret=wmsbridge-sim-secret)
    TOKEN=""
    [ "$ST" = 200 ] && TOKEN=$(jget 'd["access_token"]')
    return 0
}
submit() { # TOKEN MERCHANT: a one-message feed under that token; sets FEED or returns the status
    cat >"$TMP/feed.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<AmazonEnvelope><Header><DocumentVersion>1.01</DocumentVersion><MerchantIdentifier>$2</MerchantIdentifier></Header><MessageType>OrderFulfillment</MessageType><Message><MessageID>1</MessageID><OrderFulfillment><AmazonOrderID>111-0000000-000000$3</AmazonOrderID><FulfillmentDate>2026-11-20T10:00:00Z</FulfillmentDate><FulfillmentData><CarrierCode>UPS</CarrierCode><ShipperTrackingNumber>TRK$3</ShipperTrackingNumber></FulfillmentData><Item><AmazonOrderItemCode>1$3</AmazonOrderItemCode><Quantity>1</Quantity></Item></OrderFulfillment></Message></AmazonEnvelope>
XML
    st=$(req POST /feeds/2021-06-30/documents -H "x-amz-access-token: $1" \
        -H 'Content-Type: application/json' -d '{"contentType":"text/xml; charset=UTF-8"}')
    [ "$st" = 201 ] || return 1
    doc=$(jget 'd["feedDocumentId"]')
    url=$(jget 'd["url"]')
    st=$(curl -sS --cacert "$TMP/certs/ca.pem" --max-time 20 -o /dev/null -w '%{http_code}' \
        -T "$TMP/feed.xml" -H 'Content-Type: text/xml; charset=UTF-8' "$url")
    expect "$st" 200 "upload"
    st=$(req POST /feeds/2021-06-30/feeds -H "x-amz-access-token: $1" \
        -H 'Content-Type: application/json' \
        -d "{\"feedType\":\"POST_ORDER_FULFILLMENT_DATA\",\"marketplaceIds\":[\"A1F83G8C2ARO7P\"],\"inputFeedDocumentId\":\"$doc\"}")
    expect "$st" 202 "createFeed"
}

token 'Atzr|acme-refresh'; expect "$ST" 200 "acme's refresh token"
ACME=$TOKEN
token 'Atzr|beta-refresh'; expect "$ST" 200 "beta's refresh token"
BETA=$TOKEN
token 'Atzr|wmsbridge-sim-refresh-token'; expect "$ST" 200 "the default seller's refresh token"
token 'Atzr|unknown'; expect "$ST" 400 "an unknown refresh token"
submit "$ACME" A2ACMESELLER 1 || fail "acme's feed"
submit "$BETA" A3BETASELLER 2 || fail "beta's feed"
echo "ok   two sellers, each under its own token"
st=$(req POST /_sim/revoke -H 'Content-Type: application/json' -d '{"seller":"A3BETASELLER"}')
expect "$st" 200 "revoke"
token 'Atzr|beta-refresh'; expect "$ST" 400 "a revoked seller's refresh token"
jget 'd["error"]' | grep -qx invalid_grant || fail "revoked: not invalid_grant"
st=$(req POST /feeds/2021-06-30/documents -H "x-amz-access-token: $BETA" \
    -H 'Content-Type: application/json' -d '{"contentType":"text/xml; charset=UTF-8"}')
expect "$st" 403 "a revoked seller's access token"
submit "$ACME" A2ACMESELLER 3 || fail "acme's feed after beta was revoked"
echo "ok   a revoked seller is refused, the other goes on"
st=$(req GET /_sim/received)
expect "$st" 200 "received"
got=$(jget '" ".join("%s/%s" % (f["tokenSeller"], f["merchant"]) for f in d["feeds"])')
expect "$got" "A2ACMESELLER/A2ACMESELLER A3BETASELLER/A3BETASELLER A2ACMESELLER/A2ACMESELLER" \
    "feeds recorded by seller and MerchantIdentifier"
echo "ok   each feed recorded with its seller's token and MerchantIdentifier"
echo "sim_sellers: ok"
