#!/usr/bin/env python3
"""baseline_convert - the dispatch conversion written the plain Python way,
as the benchmark's baseline for `wmsbridge convert dispatch`.

Reads a dispatch CSV (dispatch-utf8 style layout: comma, double quote,
UTF-8, ISO 8601 times) on stdin and writes the OrderFulfillment feed on
stdout with the same text wmsbridge writes, so the two outputs can be
compared byte for byte. Same essentials: header names from the layout,
order id shape, 14-digit item code, quantity 1..9999, tracking number, ship time
window, carrier service looked up in carriers.map (CarrierCode, or Other
with CarrierName), SKU as its own seller SKU (the `* = identity` map),
duplicate order+item+tracking among recent rows, consecutive rows with the
same order and tracking grouped into one message (at most 64 items), XML
escaping. Rejected rows are counted, not written. Prints the same counts
line as wmsbridge on stderr. Standard library only; owned by bench/.

usage: baseline_convert.py --layout F --carriers F [--merchant ID] < in.csv > feed.xml
"""
import argparse
import csv
import re
import sys
import time
from datetime import datetime, timezone

ORDER_RE = re.compile(r"[0-9]{3}-[0-9]{7}-[0-9]{7}\Z")
ITEM_RE = re.compile(r"[0-9]{14}\Z")
QTY_RE = re.compile(r"[+-]?[0-9]+\Z")
TRACKING_RE = re.compile(r"[A-Za-z0-9 -]{6,50}\Z")
DUP_WINDOW = 65536
GROUP_MAX = 64
FIELDS = ("order_id", "order_item_id", "sku", "quantity", "carrier", "tracking", "ship_time")


def load_layout(path):
    """logical field -> header name (lower case)"""
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split(" # ")[0].strip()
            if line.startswith("field "):
                name, _, header = line[6:].partition("=")
                fields[name.strip()] = header.strip().lower()
    return fields


def load_carriers(path):
    """wms code -> (carrier code, carrier name, shipping method)"""
    out = {}
    section = "dispatch"
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line.strip("[]")
                continue
            parts = [p.strip() for p in line.split("|")]
            if section == "dispatch" and len(parts) == 4:
                out[parts[0]] = (parts[1], parts[2], parts[3])
    return out


def esc(s):
    """XML text escaping as libxml2's writer does it"""
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("\r", "&#13;"))


def check(row, col, carriers, now):
    """a row's message fields, or None when it is rejected"""
    order, item, sku, qty, carrier, tracking, when = (row[c].strip() for c in col)
    if not ORDER_RE.match(order) or not ITEM_RE.match(item) or not QTY_RE.match(qty):
        return None
    q = int(qty)
    if q < 1 or q > 9999:
        return None
    if not TRACKING_RE.match(tracking) or tracking == tracking[0] * len(tracking):
        return None
    try:
        t = datetime.fromisoformat(when)
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    stamp = t.timestamp()
    if stamp > now + 600 or stamp < now - 30 * 86400:
        return None
    entry = carriers.get(carrier)
    if entry is None:
        return None
    if not 1 <= len(sku) <= 40 or any(ord(ch) < 32 for ch in sku):
        return None
    date = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(stamp)))
    return order, item, q, tracking, date, entry


def write_message(w, msg_id, group):
    """one Message element for rows sharing order and tracking"""
    order, _, _, tracking, date, (code, name, method) = group[0]
    parts = ["  <Message>\n    <MessageID>%d</MessageID>\n    <OrderFulfillment>\n"
             "      <AmazonOrderID>%s</AmazonOrderID>\n"
             "      <FulfillmentDate>%s</FulfillmentDate>\n      <FulfillmentData>\n"
             "        <CarrierCode>%s</CarrierCode>\n" % (msg_id, esc(order), date, esc(code))]
    if code == "Other" and name:
        parts.append("        <CarrierName>%s</CarrierName>\n" % esc(name))
    if method:
        parts.append("        <ShippingMethod>%s</ShippingMethod>\n" % esc(method))
    parts.append("        <ShipperTrackingNumber>%s</ShipperTrackingNumber>\n"
                 "      </FulfillmentData>\n" % esc(tracking))
    for rec in group:
        parts.append("      <Item>\n        <AmazonOrderItemCode>%s</AmazonOrderItemCode>\n"
                     "        <Quantity>%d</Quantity>\n      </Item>\n" % (esc(rec[1]), rec[2]))
    parts.append("    </OrderFulfillment>\n  </Message>\n")
    w("".join(parts))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--carriers", required=True)
    ap.add_argument("--merchant", default="MERCHANT")
    a = ap.parse_args()
    fields = load_layout(a.layout)
    carriers = load_carriers(a.carriers)
    now = time.time()
    src = open(sys.stdin.fileno(), encoding="utf-8-sig", errors="replace", newline="")
    out = open(sys.stdout.fileno(), "w", encoding="utf-8", buffering=1 << 16, closefd=False)
    w = out.write
    reader = csv.reader(src, strict=True)
    header = [h.strip().lower() for h in next(reader)]
    col = [header.index(fields[f]) for f in FIELDS]
    ncols = len(header)
    rows = good = rejected = messages = 0
    seen, old = {}, {}
    group = []
    opened = False

    def flush():
        nonlocal opened, messages
        if not group:
            return
        if not opened:
            w('<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope '
              'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
              'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">\n  <Header>\n'
              '    <DocumentVersion>1.01</DocumentVersion>\n'
              '    <MerchantIdentifier>%s</MerchantIdentifier>\n  </Header>\n'
              '  <MessageType>OrderFulfillment</MessageType>\n' % esc(a.merchant))
            opened = True
        messages += 1
        write_message(w, messages, group)
        group.clear()

    for row in reader:
        rows += 1
        rec = check(row, col, carriers, now) if len(row) == ncols else None
        if rec is not None:
            key = "%s|%s|%s" % (rec[0], rec[1], rec[3])
            if key in seen or key in old:
                rec = None
            else:
                if len(seen) >= DUP_WINDOW:
                    old, seen = seen, {}
                seen[key] = reader.line_num
        if rec is None:
            rejected += 1
            continue
        good += 1
        if group and (len(group) >= GROUP_MAX or group[0][0] != rec[0] or
                      group[0][3] != rec[3] or group[0][5][0] != rec[5][0]):
            flush()
        group.append(rec)
    flush()
    if opened:
        w("</AmazonEnvelope>\n")
    out.flush()
    sys.stderr.write("rows=%d converted=%d rejected=%d messages=%d\n"
                     % (rows, good, rejected, messages))
    return 65 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
