"""sim_orders - the Orders API v2026-01-01 searchOrders for spapi_sim.

Loaded by spapi_sim.py (see load_extensions there). Follows
shared/amazon/models/orders_2026-01-01.json and NOTES.md:
  GET /orders/2026-01-01/orders   searchOrders, 0.0056 requests/s, burst 20
                                   (times --rate-scale, one bucket as every op)
  - exactly one of createdAfter / lastUpdatedAfter (400 InvalidInput
    otherwise); lastUpdatedBefore / createdBefore at least two minutes in the
    past; fulfilledBy, fulfillmentStatuses, marketplaceIds filters;
    maxResultsPerPage 1..100 (default 100); includedData: RECIPIENT, BUYER
    and FULFILLMENT are left out unless asked for.
  - pages in (lastUpdatedTime, orderId) order; nextToken is a cursor on that
    order, evaluated when the next page is asked for, so an order that changes
    while a client pages moves behind the cursor and is met again on a later
    page (the real API's behaviour the client must survive). A token expires
    24 h after it was issued (on the simulator's orders clock): 400
    InvalidInput "The paginationToken has expired".

Control (JSON bodies):
  POST /_sim/orders/add     {"orders": [SPEC...]} or {"generate": N, "skus": [...],
                            "levels": [...], "prime_every": K}: new UNSHIPPED
                            merchant orders updated now. SPEC: {"orderId", "items":
                            [[itemId, sellerSku, qty]], "level", "status", "fulfilledBy",
                            "prime", "noRecipient", "placed": epoch seconds (createdTime;
                            default now), "address": {...} (over the made-up delivery
                            address)}; missing ids are made up.
  POST /_sim/orders/update  {"orderId", "cancel": true | "cancelLine": itemId |
                            "cancelRequest": itemId | "quantity": {itemId: q} |
                            "address": {...} | "status": S | "level": L}: the
                            change, lastUpdatedTime now.
  POST /_sim/orders/churn   {"amend": K, "cancel": K, "seed": S}: K random unshipped
                            orders get a new quantity, K others are cancelled.
  POST /_sim/orders/clock   {"advance": SECONDS}: the orders clock moves on.
  POST /_sim/orders/faults  {"truncate_next": N, "garbage_next": N, "stale_next": N}: the
                            next N searchOrders answers are cut in half / not JSON / carry
                            also the version before the last change of the last changed
                            order (an update that arrives out of order).
  GET  /_sim/orders/list    every order as searchOrders would show it (all data),
                            and the calls received.
Owns only sim.ext["orders"] (kept in state.json by spapi_sim). Standard library only.
"""
import json
import random
import time

TOKEN_SECONDS = 24 * 3600
STATUSES = ("PENDING_AVAILABILITY", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED",
            "SHIPPED", "CANCELLED", "UNFULFILLABLE")

OPS = [
    ("GET", r"/orders/2026-01-01/orders", "searchOrders", 0.0056, 20),
    ("GET", r"/orders/2026-01-01/orders/(?P<id>[^/]+)", "getOrder2026", 0.5, 30),
]


def new_state():
    """new_state - the module's state: orders, tokens, clock offset, faults."""
    return {"orders": {}, "tokens": {}, "advance": 0, "seq": 0, "faults": {},
            "calls": [], "history": {}, "last_changed": None}


STATE = {"orders": new_state}


def iso(t):
    """iso - epoch seconds as ISO 8601 UTC."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def parse_iso(s):
    """parse_iso - ISO 8601 UTC (Z or +00:00) to epoch seconds, None if bad."""
    if not isinstance(s, str):
        return None
    s = s.strip().replace("+00:00", "Z")
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            import calendar
            return calendar.timegm(time.strptime(s, fmt))
        except ValueError:
            pass
    return None


def errors(code, message, details=None):
    """errors - an SP-API ErrorList body."""
    e = {"code": code, "message": message}
    if details is not None:
        e["details"] = details
    return {"errors": [e]}


def state(h):
    """state - this module's state on the simulator."""
    return h.server.sim.ext["orders"]


def now(h):
    """now - the orders clock: the simulator's clock plus the advance."""
    sim = h.server.sim
    return int(sim.amazon_time(time.time())) + state(h)["advance"]


def new_id(st, kind):
    """new_id - a fresh order id (3-7-7) or 14-digit item id."""
    st["seq"] += 1
    n = st["seq"]
    if kind == "order":
        return "%03d-%07d-%07d" % (200 + n // 10 ** 7 % 800, n // 10 ** 7, n % 10 ** 7)
    return "%014d" % (50000000000000 + n)


def make_order(st, spec, t):
    """make_order - an Order object of the model from a SPEC."""
    oid = spec.get("orderId") or new_id(st, "order")
    items = []
    for it in spec.get("items") or [[None, "MUG-BLUE-330", 1]]:
        iid, sku, q = (list(it) + [None, None, 1])[:3]
        items.append({"orderItemId": iid or new_id(st, "item"),
                      "quantityOrdered": q,
                      "product": {"sellerSku": sku, "asin": "B000000000"},
                      "fulfillment": {"quantityFulfilled": 0,
                                      "quantityUnfulfilled": q}})
    o = {"orderId": oid, "createdTime": iso(int(spec.get("placed") or t)), "lastUpdatedTime": iso(t),
         "programs": ["PRIME"] if spec.get("prime") else [],
         "salesChannel": {"channelName": "AMAZON",
                          "marketplaceId": spec.get("marketplaceId", "A1F83G8C2ARO7P"),
                          "marketplaceName": "Amazon.co.uk"},
         "buyer": {"buyerName": "Buyer %s" % oid[-4:],
                   "buyerEmail": "x%s@marketplace.amazon.co.uk" % oid[-7:]},
         "fulfillment": {"fulfillmentStatus": spec.get("status", "UNSHIPPED"),
                         "fulfilledBy": spec.get("fulfilledBy", "MERCHANT"),
                         "fulfillmentServiceLevel": spec.get("level", "STANDARD"),
                         "shipByWindow": {"earliestDateTime": iso(t),
                                          "latestDateTime": iso(t + spec.get("ship_hours", 48) * 3600)},
                         "deliverByWindow": {"earliestDateTime": iso(t + 72 * 3600),
                                             "latestDateTime": iso(t + 120 * 3600)}},
         "orderItems": items}
    if not spec.get("noRecipient"):
        o["recipient"] = {"deliveryAddress": {
            "name": "Recipient %s" % oid[-4:], "addressLine1": "%s Test Street" % oid[-3:],
            "city": "Leeds", "postalCode": "LS1 1AA", "countryCode": "GB",
            "phone": "+44 113 496 0%s" % oid[-3:], "addressType": "RESIDENTIAL"}}
        if isinstance(spec.get("address"), dict):
            o["recipient"]["deliveryAddress"].update(spec["address"])
    return o


def touch(h, o):
    """touch - the order changed now (never earlier than its last change)."""
    t = max(now(h), (parse_iso(o["lastUpdatedTime"]) or 0) + 1)
    o["lastUpdatedTime"] = iso(t)


def apply_update(h, o, d):
    """apply_update - one change of the update endpoint (the version before is kept)."""
    st = state(h)
    st.setdefault("history", {})[o["orderId"]] = json.loads(json.dumps(o))
    st["last_changed"] = o["orderId"]
    f = o["fulfillment"]
    if d.get("cancel"):
        f["fulfillmentStatus"] = "CANCELLED"
        for it in o["orderItems"]:
            it["cancellation"] = {"cancellationExecution": {"cancelledBy": "BUYER",
                                                            "cancelReason": "BUYER_CANCELED"}}
    if d.get("cancelLine"):
        for it in o["orderItems"]:
            if it["orderItemId"] == d["cancelLine"]:
                it["cancellation"] = {"cancellationExecution": {"cancelledBy": "AMAZON",
                                                                "cancelReason": "OUT_OF_STOCK"}}
    if d.get("cancelRequest"):
        for it in o["orderItems"]:
            if it["orderItemId"] == d["cancelRequest"]:
                it["cancellation"] = {"cancellationRequest": {"requester": "BUYER",
                                                              "cancelReason": "Changed mind"}}
    for iid, q in (d.get("quantity") or {}).items():
        for it in o["orderItems"]:
            if it["orderItemId"] == iid:
                it["quantityOrdered"] = q
                it["fulfillment"]["quantityUnfulfilled"] = q
    if isinstance(d.get("address"), dict) and "recipient" in o:
        o["recipient"]["deliveryAddress"].update(d["address"])
    if d.get("status"):
        f["fulfillmentStatus"] = d["status"]
    if d.get("level"):
        f["fulfillmentServiceLevel"] = d["level"]
    touch(h, o)


def view(o, included):
    """view - the order as an answer shows it for the includedData asked."""
    v = json.loads(json.dumps(o))
    for key, ds in (("recipient", "RECIPIENT"), ("buyer", "BUYER")):
        if ds not in included:
            v.pop(key, None)
    if "FULFILLMENT" not in included:
        v.pop("fulfillment", None)
        for it in v["orderItems"]:
            it.pop("fulfillment", None)
    return v


def bad(msg):
    """bad - a 400 InvalidInput answer."""
    return 400, errors("InvalidInput", msg)


def multi(q, k):
    """multi - a list parameter (repeated or comma separated)."""
    out = []
    for v in q.get(k, []):
        out.extend(x for x in v.split(",") if x)
    return out


def op_search(h, m, q, body):
    """op_search - searchOrders."""
    sim = h.server.sim
    with sim.lock:
        st = state(h)
        t = now(h)
        st["calls"].append({"t": t, "q": {k: v for k, v in q.items()}})
        del st["calls"][:-200]
        tok = (q.get("paginationToken") or [None])[0]
        if tok is not None:
            ent = st["tokens"].get(tok)
            if ent is None:
                return bad("Invalid paginationToken")
            if t - ent["issued"] > TOKEN_SECONDS:
                return bad("The paginationToken has expired")
            query, cursor = ent["query"], ent["cursor"]
        else:
            query, cursor = {k: v for k, v in q.items()}, None
        one = lambda k: (query.get(k) or [None])[0]
        ca, ua = one("createdAfter"), one("lastUpdatedAfter")
        if (ca is None) == (ua is None):
            return bad("Exactly one of createdAfter and lastUpdatedAfter is required")
        if ca is not None and (one("lastUpdatedBefore") or one("lastUpdatedAfter")):
            return bad("createdAfter cannot be combined with lastUpdated parameters")
        after = parse_iso(ca or ua)
        if after is None:
            return bad("createdAfter/lastUpdatedAfter is not ISO 8601")
        before_s = one("createdBefore") if ca else one("lastUpdatedBefore")
        before = parse_iso(before_s) if before_s else None
        if before_s and (before is None or before < after or before > t - 120):
            return bad("The before date must be after the after date and at least two "
                       "minutes before the time of the request")
        try:
            size = int(one("maxResultsPerPage") or 100)
        except ValueError:
            return bad("maxResultsPerPage is not a number")
        if not 1 <= size <= 100:
            return bad("maxResultsPerPage must be between 1 and 100")
        by = multi(query, "fulfilledBy")
        statuses = multi(query, "fulfillmentStatuses")
        if any(s not in STATUSES for s in statuses):
            return bad("Unknown fulfillmentStatuses value")
        markets = multi(query, "marketplaceIds")
        included = set(multi(query, "includedData"))
        key = "createdTime" if ca else "lastUpdatedTime"
        rows = []
        for o in st["orders"].values():
            ot = parse_iso(o[key])
            if ot < after or (before is not None and ot > before):
                continue
            f = o["fulfillment"]
            if by and f["fulfilledBy"] not in by:
                continue
            if statuses and f["fulfillmentStatus"] not in statuses:
                continue
            if markets and o["salesChannel"]["marketplaceId"] not in markets:
                continue
            k = [ot, o["orderId"]]
            if cursor is not None and k <= cursor:
                continue
            rows.append((k, o))
        rows.sort(key=lambda r: r[0])
        page = rows[:size]
        ans = {"orders": [view(o, included) for _, o in page]}
        if len(rows) > size:
            st["seq"] += 1
            nt = "ot%d.%s" % (st["seq"], h.server.sim.key[:8])
            st["tokens"][nt] = {"query": query, "cursor": page[-1][0], "issued": t}
            for old in [k for k, e in st["tokens"].items() if t - e["issued"] > 2 * TOKEN_SECONDS]:
                del st["tokens"][old]
            ans["pagination"] = {"nextToken": nt}
        if before_s:
            ans["lastUpdatedBefore" if ua else "createdBefore"] = before_s
        faults = st["faults"]
        last = st.get("last_changed")
        if faults.get("stale_next", 0) > 0 and last in st.get("history", {}):
            faults["stale_next"] -= 1  # an older version of the last changed order, late
            ans["orders"].append(view(st["history"][last], included))
        if faults.get("truncate_next", 0) > 0:
            faults["truncate_next"] -= 1
            data = json.dumps(ans).encode()
            h.reply(200, data[:len(data) // 2], {"Content-Type": "application/json"})
            return None, None
        if faults.get("garbage_next", 0) > 0:
            faults["garbage_next"] -= 1
            h.reply(200, b"<html>Service Unavailable</html>", {"Content-Type": "text/html"})
            return None, None
    sim.save()
    return 200, ans


def op_get(h, m, q, body):
    """op_get - getOrder of v2026-01-01."""
    with h.server.sim.lock:
        o = state(h)["orders"].get(m.group("id"))
        if o is None:
            return 404, errors("NotFound", "Order not found")
        return 200, {"order": view(o, set(multi(q, "includedData")))}


HANDLERS = {"searchOrders": op_search, "getOrder2026": op_get}


def ctl_add(h, method, d):
    """ctl_add - new orders."""
    sim = h.server.sim
    d = d if isinstance(d, dict) else {}
    with sim.lock:
        st = state(h)
        t = now(h)
        specs = list(d.get("orders") or [])
        skus = d.get("skus") or ["MUG-BLUE-330"]
        levels = d.get("levels") or ["STANDARD"]
        k = int(d.get("prime_every") or 0)
        for i in range(int(d.get("generate") or 0)):
            specs.append({"items": [[None, skus[i % len(skus)], 1 + i % 3]],
                          "level": levels[i % len(levels)], "prime": k and i % k == 0})
        made = []
        for s in specs:
            o = make_order(st, s, t)
            st["orders"][o["orderId"]] = o
            made.append(o["orderId"])
    sim.save()
    return h.reply(200, {"added": made})


def ctl_update(h, method, d):
    """ctl_update - one change of one order."""
    sim = h.server.sim
    with sim.lock:
        o = state(h)["orders"].get((d or {}).get("orderId"))
        if o is None:
            return h.reply(404, {"error": "no such order"})
        apply_update(h, o, d)
        out = {"orderId": o["orderId"], "lastUpdatedTime": o["lastUpdatedTime"]}
    sim.save()
    return h.reply(200, out)


def ctl_churn(h, method, d):
    """ctl_churn - random amendments and cancellations of unshipped orders."""
    sim = h.server.sim
    d = d if isinstance(d, dict) else {}
    rnd = random.Random(d.get("seed", 0))
    with sim.lock:
        st = state(h)
        live = sorted(oid for oid, o in st["orders"].items()
                      if o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED")
        rnd.shuffle(live)
        na, nc = int(d.get("amend") or 0), int(d.get("cancel") or 0)
        amended, cancelled = live[:na], live[na:na + nc]
        for oid in amended:
            o = st["orders"][oid]
            it = o["orderItems"][0]
            apply_update(h, o, {"quantity": {it["orderItemId"]: it["quantityOrdered"] + 1}})
        for oid in cancelled:
            apply_update(h, st["orders"][oid], {"cancel": True})
    sim.save()
    return h.reply(200, {"amended": amended, "cancelled": cancelled})


def ctl_clock(h, method, d):
    """ctl_clock - move the orders clock on."""
    with h.server.sim.lock:
        st = state(h)
        st["advance"] += int((d or {}).get("advance") or 0)
        out = {"now": iso(now(h)), "advance": st["advance"]}
    return h.reply(200, out)


def ctl_faults(h, method, d):
    """ctl_faults - the answer faults of searchOrders."""
    with h.server.sim.lock:
        f = state(h)["faults"]
        for k in ("truncate_next", "garbage_next", "stale_next"):
            if k in (d or {}):
                f[k] = int(d[k])
        out = dict(f)
    return h.reply(200, out)


def ctl_list(h, method, d):
    """ctl_list - every order, and the calls received."""
    with h.server.sim.lock:
        st = state(h)
        out = {"orders": list(st["orders"].values()), "calls": list(st["calls"]),
               "now": iso(now(h))}
    return h.reply(200, json.loads(json.dumps(out)))


CONTROL = {"/_sim/orders/add": ctl_add, "/_sim/orders/update": ctl_update,
           "/_sim/orders/churn": ctl_churn, "/_sim/orders/clock": ctl_clock,
           "/_sim/orders/faults": ctl_faults, "/_sim/orders/list": ctl_list}
