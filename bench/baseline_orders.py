#!/usr/bin/env python3
"""baseline_orders - `wmsbridge convert orders` in plain Python 3, for the benchmark.

usage: baseline_orders.py --layout F --skus F --carriers F [--rejects F] < pages.json > orders.csv

The same work as the C program: every searchOrders answer of standard input
(JSON values one after the other, or a JSON array of them), each order read
and checked the same way, the gate through skus.map (pairs, bundles, renamed
SKUs, identity) and [ship-service] of carriers.map, cancelled lines left out,
an order met again written as amend or cancel when what the file shows
changed, and the WMS order file written in the layout's columns with the same
quoting; held orders and notes as JSON lines to --rejects. Prints the same
summary line on stderr and exits 0, 65 or 66 as the C program does. Standard
library only; owned by bench/.
"""
import argparse
import calendar
import json
import re
import sys
import time

ORDER_ID = re.compile(r"\d{3}-\d{7}-\d{7}\Z")
ITEM_ID = re.compile(r"\d{14}\Z")


class Held(Exception):
    """Held - a verdict: code, reason, item"""

    def __init__(self, code, reason, item=None):
        super().__init__(reason)
        self.code, self.reason, self.item = code, reason, item


def load_layout(path):
    """load_layout - [(logical, header)] of the layout's field lines"""
    fields = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\s*field\s+(\S+)\s*=\s*(.*?)\s*$", line)
        if m:
            fields.append((m.group(1), m.group(2)))
    return fields


def load_skus(path):
    """load_skus - pairs (seller -> wms), bundles, renamed, identity"""
    rev, fwd, bundles, renamed, identity = {}, set(), {}, {}, False
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        f = [x.strip(" ") for x in (line.split("\t") if "\t" in line else line.split())]
        f = [x for x in f if x]
        if f[0] == "*":
            identity = True
        elif f[0] == "bundle":
            parts = []
            for c in f[2:]:
                name, _, q = c.rpartition(":")
                parts.append((name, int(q)))
            bundles[f[1]] = parts
        elif f[0] == "renamed":
            renamed[f[1]] = f[2]
        else:
            rev[f[1]] = f[0]
            fwd.add(f[0])
    return rev, fwd, bundles, renamed, identity


def load_services(path):
    """load_services - [ship-service] level -> WMS code"""
    out, sec = {}, "dispatch"
    for line in open(path, encoding="utf-8"):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("["):
            sec = s
            continue
        if sec == "[ship-service]":
            a, b = [x.strip() for x in s.split("|")]
            out[a] = b
    return out


def iso_time(s):
    """iso_time - epoch seconds of an ISO 8601 UTC text, None when it is not one"""
    if not isinstance(s, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return calendar.timegm(time.strptime(s, fmt))
        except ValueError:
            pass
    return None


def text(obj, where, k):
    """text - a member as plain text, "" when absent"""
    v = obj.get(k) if isinstance(obj, dict) else None
    if v is None:
        return ""
    if not isinstance(v, str):
        raise Held("E_ORDER_DATA", "%s%s is not a string" % (where, k))
    if any(ord(c) < 0x20 for c in v) or len(v) > 200:
        raise Held("E_ORDER_DATA", "%s%s is not plain text" % (where, k))
    return v


class Conv:
    """Conv - one conversion run"""

    def __init__(self, a):
        self.fields = load_layout(a.layout)
        self.rev, self.fwd, self.bundles, self.renamed, self.identity = load_skus(a.skus)
        self.services = load_services(a.carriers)
        self.memo = {}
        self.rej = open(a.rejects, "w", encoding="utf-8") if a.rejects else None
        self.rows = self.good = self.rejected = self.messages = 0
        self.lines = []

    def note(self, oid, code, reason, held, item=None):
        """note - one JSON line of the rejects"""
        if held:
            self.rejected += 1
        if self.rej:
            d = {"order_id": oid or ""}
            if item:
                d["order_item_id"] = item
            d.update(code=code, reason=reason, held=held)
            self.rej.write(json.dumps(d, ensure_ascii=False, separators=(",", ":")) + "\n")

    def explode(self, sku):
        """explode - [(wms, qty)] for one unit, None unknown, str the missing component"""
        sku = self.renamed.get(sku, sku)
        if sku in self.bundles:
            for w, _ in self.bundles[sku]:
                if not self.identity and w not in self.fwd:
                    return w
            return self.bundles[sku]
        if sku in self.rev:
            return [(self.rev[sku], 1)]
        if self.identity and 0 < len(sku) <= 40 and sku not in self.fwd:
            return [(sku, 1)]
        return None

    def read(self, o):
        """read - the order as a dict of what the file needs"""
        if not isinstance(o, dict):
            raise Held("E_ORDER_DATA", "an element of orders is not an object")
        oid = text(o, "", "orderId")
        if not ORDER_ID.match(oid):
            raise Held("E_ORDER_DATA", "orderId is missing or not an Amazon order id (3-7-7 digits)")
        r = {"id": oid}
        r["upd_text"] = text(o, "", "lastUpdatedTime")
        r["upd"] = iso_time(r["upd_text"])
        r["created"] = iso_time(text(o, "", "createdTime"))
        if r["upd"] is None or r["created"] is None:
            raise Held("E_ORDER_DATA", "a time is missing or not ISO 8601")
        f = o.get("fulfillment")
        if not isinstance(f, dict):
            raise Held("E_ORDER_DATA", "fulfillment is missing (the request must include FULFILLMENT)")
        r["status"] = text(f, "fulfillment.", "fulfillmentStatus")
        r["by"] = text(f, "fulfillment.", "fulfilledBy")
        r["level"] = text(f, "fulfillment.", "fulfillmentServiceLevel")
        r["ship_text"] = text(f.get("shipByWindow") or {}, "", "latestDateTime")
        r["ship"] = iso_time(r["ship_text"]) if r["ship_text"] else 0
        r["deliver_text"] = text(f.get("deliverByWindow") or {}, "", "latestDateTime")
        r["market"] = text(o.get("salesChannel") or {}, "", "marketplaceId")
        r["prime"] = any(p in ("PRIME", "PREMIUM") for p in o.get("programs") or [])
        addr = (o.get("recipient") or {}).get("deliveryAddress") or {}
        for k in ("name", "companyName", "addressLine1", "addressLine2", "addressLine3", "city",
                  "districtOrCounty", "stateOrRegion", "postalCode", "countryCode", "phone"):
            r[k] = text(addr, "", k)
        items = o.get("orderItems")
        if not isinstance(items, list):
            raise Held("E_ORDER_DATA", "orderItems is missing or not an array")
        r["lines"] = []
        for it in items:
            iid = text(it, "", "orderItemId")
            if not ITEM_ID.match(iid):
                raise Held("E_ORDER_DATA", "orderItemId is not a 14-digit order item id")
            q = it.get("quantityOrdered")
            if not isinstance(q, int) or isinstance(q, bool) or q < 0 or q > 999900:
                raise Held("E_ORDER_QUANTITY", "quantityOrdered is not a whole number", iid)
            left = (it.get("fulfillment") or {}).get("quantityUnfulfilled")
            qty = left if isinstance(left, int) and 0 <= left < q else q
            c = it.get("cancellation")
            cancelled = isinstance(c, dict) and isinstance(c.get("cancellationExecution"), dict)
            req = (not cancelled and isinstance(c, dict)
                   and isinstance(c.get("cancellationRequest"), dict))
            if not cancelled and qty == 0 and isinstance(left, int) and q > 0:
                cancelled = True
            r["lines"].append({"id": iid, "sku": text(it.get("product") or {}, "", "sellerSku"),
                               "qty": qty, "cancelled": cancelled, "req": req})
        return r

    def state(self, r):
        """state - shippable, cancelled or not ours"""
        if r["by"] != "MERCHANT":
            return "not_ours"
        if r["status"] == "CANCELLED":
            return "cancelled"
        if r["status"] not in ("UNSHIPPED", "PARTIALLY_SHIPPED"):
            return "not_ours"
        live = [l for l in r["lines"] if not l["cancelled"]]
        return "cancelled" if r["lines"] and not live else "shippable"

    def gate(self, r):
        """gate - raise Held for the first failure"""
        oid = r["id"]
        if not r["lines"]:
            raise Held("E_ORDER_NO_ITEMS", "order %s has no items" % oid)
        for l in r["lines"]:
            if l["cancelled"]:
                continue
            if l["req"]:
                raise Held("E_CANCEL_REQUESTED", "order %s line %s: the buyer asked to cancel it"
                           % (oid, l["id"]), l["id"])
            if not 1 <= l["qty"] <= 9999:
                raise Held("E_ORDER_QUANTITY", "order %s line %s: quantity %d is not a whole "
                           "number from 1 to 9999" % (oid, l["id"], l["qty"]), l["id"])
            e = self.explode(l["sku"])
            if e is None:
                raise Held("E_SKU_UNKNOWN", "order %s line %s: seller SKU '%s' is not in skus.map"
                           % (oid, l["id"], l["sku"]), l["id"])
            if isinstance(e, str):
                raise Held("E_BUNDLE_COMPONENT", "order %s line %s: bundle '%s' has the component "
                           "'%s', which is no WMS SKU of skus.map" % (oid, l["id"], l["sku"], e),
                           l["id"])
        if not r["level"]:
            raise Held("E_SERVICE_UNMAPPED", "order %s has no fulfillmentServiceLevel" % oid)
        if r["level"].strip() not in self.services:
            raise Held("E_SERVICE_UNMAPPED", "order %s: service level '%s' is not in [ship-service] "
                       "of carriers.map" % (oid, r["level"]))
        lacks = "name" if not r["name"] else "addressLine1" if not r["addressLine1"] else None
        if not lacks and len(r["countryCode"]) != 2:
            lacks = "countryCode"
        if lacks:
            raise Held("E_ORDER_DATA", "order %s: the delivery address lacks %s" % (oid, lacks))

    def priority(self, r):
        """priority - 1 Prime, 2 fast or due within a day, 3 otherwise"""
        if r["prime"]:
            return "1"
        if r["level"] in ("SAME_DAY", "NEXT_DAY", "PRIORITY", "EXPEDITED") or (
                r["ship"] and r["ship"] - r["created"] <= 86400):
            return "2"
        return "3"

    def rows_of(self, r, rec):
        """rows_of - the order's rows as dicts of logical fields"""
        iso = lambda t: (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(iso_time(t)))
                         if t and iso_time(t) is not None else "")
        base = {"record": rec, "order_id": r["id"],
                "service": self.services.get(r["level"].strip(), ""),
                "ship_by": iso(r["ship_text"]), "deliver_by": iso(r["deliver_text"]),
                "priority": self.priority(r), "name": r["name"], "address1": r["addressLine1"],
                "city": r["city"], "postal_code": r["postalCode"], "country": r["countryCode"],
                "updated": iso(r["upd_text"]), "company": r["companyName"],
                "address2": r["addressLine2"], "address3": r["addressLine3"],
                "county": r["districtOrCounty"], "state": r["stateOrRegion"], "phone": r["phone"],
                "marketplace": r["market"]}
        out = []
        for l in r["lines"]:
            if l["cancelled"] and rec != "cancel":
                continue
            e = self.explode(l["sku"])
            if e is None or isinstance(e, str):
                e = [("", 1)]
            for w, k in e:
                d = dict(base, order_item_id=l["id"], seller_sku=l["sku"], sku=w,
                         quantity=str(l["qty"] * k))
                out.append(d)
        return out

    def write(self, rows):
        """write - rows in the layout's columns"""
        for d in rows:
            self.lines.append(",".join(cell(d.get(k, "")) for k, _ in self.fields) + "\n")
            self.messages += 1
        if len(self.lines) > 4096:
            sys.stdout.write("".join(self.lines))
            self.lines = []

    def order(self, o):
        """order - one order through the gate and the memo"""
        self.rows += 1
        try:
            r = self.read(o)
        except Held as h:
            oid = o.get("orderId") if isinstance(o, dict) else ""
            self.note(oid if isinstance(oid, str) and ORDER_ID.match(oid) else "", h.code,
                      h.reason, True, h.item)
            return
        oid, prev = r["id"], self.memo.get(r["id"])
        if prev and r["upd"] < prev["upd"]:
            self.note(oid, "E_ORDER_STALE", "order %s: an update older than one already taken; "
                      "it changes nothing" % oid, False)
            return
        st, digest = self.state(r), None
        if st == "shippable" and (not prev or r["upd"] > prev["upd"]):
            try:
                self.gate(r)
            except Held as h:
                self.memo.setdefault(oid, {"upd": 0, "digest": None, "written": False,
                                           "cancelled": False})["upd"] = r["upd"]
                self.note(oid, h.code, h.reason, True, h.item)
                return
            digest = [tuple(sorted((k, v) for k, v in d.items() if k != "record"))
                      for d in self.rows_of(r, "new")]
        act = self.decide(prev, r["upd"], st, digest)
        s = self.memo.setdefault(oid, {"upd": 0, "digest": None, "written": False,
                                       "cancelled": False})
        s["upd"] = r["upd"]
        if act in ("new", "amend"):
            s.update(digest=digest, written=True, cancelled=False)
        elif act == "cancel" or (act == "skip" and st == "cancelled"):
            s.update(written=False, cancelled=True)
        if act in ("same", "stale"):
            return
        if act == "skip":
            c = st == "cancelled"
            self.note(oid, "E_ORDER_CANCELLED" if c else "E_ORDER_NOT_OURS", "order %s: %s; not "
                      "for the WMS" % (oid, "cancelled before it reached the WMS" if c
                                       else "not an unshipped merchant-fulfilled order"), False)
            return
        self.good += 1
        self.write(self.rows_of(r, act))
        if act != "cancel":
            for l in r["lines"]:
                if l["cancelled"]:
                    self.note(oid, "E_LINE_CANCELLED", "order %s line %s: cancelled (or nothing "
                              "left to ship); left out of the file" % (oid, l["id"]), False,
                              l["id"])

    @staticmethod
    def decide(prev, upd, st, digest):
        """decide - which update wins"""
        if prev is None:
            return "new" if st == "shippable" else "skip"
        if upd < prev["upd"]:
            return "stale"
        if upd == prev["upd"]:
            return "same"
        if st == "cancelled":
            return "cancel" if prev["written"] else "skip"
        if st != "shippable":
            return "skip"
        if not prev["written"]:
            return "skip" if prev["cancelled"] else "new"
        return "same" if digest == prev["digest"] else "amend"

    def page(self, p):
        """page - a searchOrders answer"""
        orders = p.get("orders") if isinstance(p, dict) else None
        if not isinstance(orders, list):
            self.rejected += 1
            self.note("", "E_ORDER_JSON", "not a searchOrders answer", False)
            return
        for o in orders:
            self.order(o)


def cell(v):
    """cell - one CSV cell quoted as the C writer quotes it"""
    if v and (any(c in v for c in ',"\r\n') or v[0] in " \t" or v[-1] in " \t"):
        return '"' + v.replace('"', '""') + '"'
    return v


def main():
    """main - convert standard input"""
    ap = argparse.ArgumentParser()
    for o in ("--layout", "--skus", "--carriers"):
        ap.add_argument(o, required=True)
    ap.add_argument("--rejects")
    a = ap.parse_args()
    c = Conv(a)
    sys.stdout.write(",".join(cell(h) for _, h in c.fields) + "\n")
    data = sys.stdin.buffer.read().decode("utf-8")
    dec, pos, rc = json.JSONDecoder(), 0, 0
    while True:
        while pos < len(data) and data[pos] in " \t\r\n":
            pos += 1
        if pos >= len(data):
            break
        try:
            v, pos = dec.raw_decode(data, pos)
        except ValueError as e:
            c.note("", "E_ORDER_JSON", "malformed or truncated JSON: %s" % e, False)
            rc = 66
            break
        for p in (v if isinstance(v, list) else [v]):
            c.page(p)
    sys.stdout.write("".join(c.lines))
    sys.stdout.flush()
    sys.stderr.write("rows=%d converted=%d rejected=%d messages=%d\n"
                     % (c.rows, c.good, c.rejected, c.messages))
    sys.exit(rc or (65 if c.rejected else 0))


if __name__ == "__main__":
    main()
