#!/bin/sh
# sim_orders.sh - the simulator's searchOrders (tests/sim/sim_orders.py): the query rules,
# includedData, pages through nextToken in (lastUpdatedTime, orderId) order, an order that
# changes while a client pages is met again behind the cursor, a token expires after 24 h of
# the orders clock, the quota (burst 20, then 429 QuotaExceeded), changes and cancellations
# driven by the control endpoints, and the truncated-answer fault.
#
# Environment: WB_ROOT, WB_TMP. Exit 0 pass, 77 skip, other = fail.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "sim_orders: skipped: $t is not installed"; exit 77; }
done
wb_start_sim "$WB_TMP/sim" --rate-scale 1 || exit 1
"$WB_PY" - "$SIM_URL" "$SIM_CA" <<'PY'
import json, ssl, sys, urllib.parse, urllib.request, urllib.error
base, ca = sys.argv[1], sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
fails = []
def call(method, path, data=None, token=None, form=False):
    h = {}
    body = None
    if data is not None:
        if form:
            body = urllib.parse.urlencode(data).encode()
            h["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            body = json.dumps(data).encode()
            h["Content-Type"] = "application/json"
    if token:
        h["x-amz-access-token"] = token
    r = urllib.request.Request(base + path, data=body, method=method, headers=h)
    try:
        with urllib.request.urlopen(r, context=ctx, timeout=20) as f:
            return f.status, f.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        fails.append(what)
st, b = call("POST", "/auth/o2/token", {"grant_type": "refresh_token",
             "refresh_token": "Atzr|wmsbridge-sim-refresh-token",
             "client_id": "amzn1.application-oa2-client.wmsbridgesim",
             "client_secret": "wmsbridge-sim-secret"}, form=True)
tok = json.loads(b)["access_token"]
def search(**q):
    qs = urllib.parse.urlencode(q, doseq=True)
    st, b = call("GET", "/orders/2026-01-01/orders?" + qs, token=tok)
    try:
        return st, json.loads(b)
    except ValueError:
        return st, b
added = json.loads(call("POST", "/_sim/orders/add", {"generate": 5, "skus": ["MUG-BLUE-330"]})[1])["added"]
call("POST", "/_sim/orders/add", {"orders": [{"items": [[None, "MUG-RED-330", 1]], "fulfilledBy": "AMAZON"}]})
check(len(added) == 5, "five orders generated")
st, b = search(lastUpdatedAfter="2000-01-01T00:00:00Z", createdAfter="2000-01-01T00:00:00Z")
check(st == 400 and b["errors"][0]["code"] == "InvalidInput", "both createdAfter and lastUpdatedAfter: 400")
st, b = search(fulfilledBy="MERCHANT")
check(st == 400, "neither createdAfter nor lastUpdatedAfter: 400")
st, b = search(lastUpdatedAfter="2000-01-01T00:00:00Z", maxResultsPerPage=101)
check(st == 400, "maxResultsPerPage 101: 400")
q = dict(lastUpdatedAfter="2000-01-01T00:00:00Z", fulfilledBy="MERCHANT", maxResultsPerPage=2,
         fulfillmentStatuses="UNSHIPPED,PARTIALLY_SHIPPED,CANCELLED", includedData=["RECIPIENT", "FULFILLMENT"])
st, p1 = search(**q)
check(st == 200 and len(p1["orders"]) == 2 and "nextToken" in p1.get("pagination", {}), "page 1 of 2 orders with a nextToken")
check("recipient" in p1["orders"][0] and "buyer" not in p1["orders"][0], "includedData: recipient in, buyer out")
first = p1["orders"][0]["orderId"]
# the first order changes while the client pages: it is met again behind the cursor
call("POST", "/_sim/orders/update", {"orderId": first, "quantity": {p1["orders"][0]["orderItems"][0]["orderItemId"]: 7}})
seen = [o["orderId"] for o in p1["orders"]]
tokn = p1["pagination"]["nextToken"]
while tokn:
    st, p = search(paginationToken=tokn)
    check(st == 200, "next page")
    seen += [o["orderId"] for o in p["orders"]]
    tokn = p.get("pagination", {}).get("nextToken")
check(sorted(set(seen)) == sorted(added), "every merchant order, none fulfilled by Amazon")
check(seen.count(first) == 2 and seen[-1] == first, "the changed order again, on the last page")
st, p = search(**dict(q, includedData="FULFILLMENT"))
check(st == 200 and "recipient" not in p["orders"][0], "no RECIPIENT asked: no address")
# cancellation over time
call("POST", "/_sim/orders/update", {"orderId": added[1], "cancel": True})
st, p = search(lastUpdatedAfter="2000-01-01T00:00:00Z", fulfillmentStatuses="CANCELLED", includedData="FULFILLMENT")
check(st == 200 and [o["orderId"] for o in p["orders"]] == [added[1]], "cancelled order found by status")
ch = json.loads(call("POST", "/_sim/orders/churn", {"amend": 1, "cancel": 1, "seed": 3})[1])
check(len(ch["amended"]) == 1 and len(ch["cancelled"]) == 1, "churn amends and cancels")
# a token expires after 24 h of the orders clock
st, p = search(**q)
t = p["pagination"]["nextToken"]
call("POST", "/_sim/orders/clock", {"advance": 24 * 3600 + 60})
st, b = search(paginationToken=t)
check(st == 400 and "expired" in b["errors"][0]["message"], "token expired after 24 h: 400")
st, b = search(lastUpdatedAfter="2000-01-01T00:00:00Z", lastUpdatedBefore="2999-01-01T00:00:00Z")
check(st == 400, "lastUpdatedBefore in the future: 400")
# truncated answer
call("POST", "/_sim/orders/faults", {"truncate_next": 1})
st, b = search(lastUpdatedAfter="2000-01-01T00:00:00Z")
check(st == 200 and isinstance(b, bytes), "truncated answer is not JSON")
# quota: burst 20 at the default rate, then 429 QuotaExceeded
n = 0
for i in range(30):
    st, b = search(lastUpdatedAfter="2000-01-01T00:00:00Z")
    if st == 429:
        check(b["errors"][0]["code"] == "QuotaExceeded", "429 QuotaExceeded")
        break
    n += 1
check(n < 30, "throttled after the burst (%d calls answered)" % n)
sys.exit(1 if fails else 0)
PY
