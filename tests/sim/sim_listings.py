"""sim_listings - the merchant listings report for spapi_sim.

Loaded by spapi_sim.py (see load_extensions there). Follows
shared/amazon/docs/reporttype-values.md: GET_MERCHANT_LISTINGS_ALL_DATA is a
tab-delimited flat file of all listings; its columns (item-name ...
seller-sku, price, quantity ...) are those of Amazon's All Listings Report.
The report of a seller (the one whose token asked for it) lists the
quantity the simulator last accepted for each SKU from that seller's
JSON_LISTINGS_FEED messages (accepted or warned), so after a clean publish
Amazon agrees with what was sent, then the overrides below.

Control (JSON bodies):
  POST /_sim/listings/set   {"seller": S, "quantities": {sku: q}}: Amazon's
                            quantity of these SKUs differs from what seller S
                            (its id from --seller, "default" for the default
                            refresh token; the default when left out) published
                            (q null: the override is removed).
  GET  /_sim/listings/list  the overrides.
Owns only sim.ext["listings"] (kept in state.json by spapi_sim). Standard
library only.
"""

COLUMNS = ["item-name", "item-description", "listing-id", "seller-sku",
           "price", "quantity", "open-date", "image-url", "item-is-marketplace",
           "product-id-type", "zshop-shipping-fee", "item-note",
           "item-condition", "zshop-category1", "zshop-browse-path",
           "zshop-storefront-feature", "asin1", "asin2", "asin3",
           "will-ship-internationally", "expedited-shipping",
           "zshop-boldface", "product-id", "bid-for-featured-placement",
           "add-delete", "pending-quantity", "fulfillment-channel",
           "merchant-shipping-group", "status"]


def new_state():
    """new_state - no overrides."""
    return {"override": {}}


STATE = {"listings": new_state}


def published(sim, seller):
    """published - sku -> the quantity last accepted from seller's listings
    feeds, in the order the feeds were created."""
    q = {}
    for fid in sim.feed_order:
        f = sim.feeds[fid]
        if f.get("feedType") != "JSON_LISTINGS_FEED":
            continue
        if seller is not None and f.get("token_seller") != seller:
            continue
        for m in f.get("messages", []):
            if m.get("result") not in ("accepted", "warning"):
                continue
            for sku, qty in m.get("items", []):
                if isinstance(qty, int):
                    q[sku] = qty
    return q


def listings_doc(sim, r):
    """listings_doc - the GET_MERCHANT_LISTINGS_ALL_DATA document of r."""
    q = published(sim, r.get("seller"))
    over = sim.ext["listings"]["override"].get(r.get("seller") or "default", {})
    for sku, v in over.items():
        q[sku] = v
    lines = ["\t".join(COLUMNS)]
    for i, sku in enumerate(sorted(q)):
        row = {"item-name": "Item %s" % sku, "listing-id": "L%08d" % i,
               "seller-sku": sku, "price": "9.99", "quantity": str(q[sku]),
               "open-date": "2026-01-05 10:00:00 GMT", "item-condition": "11",
               "asin1": "B0%08d" % i, "fulfillment-channel": "DEFAULT",
               "status": "Active"}
        lines.append("\t".join(row.get(c, "") for c in COLUMNS))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


REPORTS = {"GET_MERCHANT_LISTINGS_ALL_DATA": listings_doc}


def ctl_set(h, method, d):
    """ctl_set - make Amazon's quantity of SKUs differ."""
    with h.server.sim.lock:
        o = h.server.sim.ext["listings"]["override"].setdefault(
            str((d or {}).get("seller") or "default"), {})
        for sku, v in ((d or {}).get("quantities") or {}).items():
            if v is None:
                o.pop(sku, None)
            else:
                o[str(sku)] = int(v)
        out = dict(h.server.sim.ext["listings"]["override"])
        h.server.sim.save()
    return h.reply(200, {"override": out})


def ctl_list(h, method, d):
    """ctl_list - the overrides."""
    with h.server.sim.lock:
        return h.reply(200, {"override": dict(h.server.sim.ext["listings"]["override"])})


CONTROL = {"/_sim/listings/set": ctl_set, "/_sim/listings/list": ctl_list}
