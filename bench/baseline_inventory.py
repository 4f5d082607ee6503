#!/usr/bin/env python3
"""baseline_inventory - the inventory conversion written the plain Python way,
as the benchmark's baseline for `wmsbridge convert inventory`.

Reads a stock snapshot (inventory-utf8 style layout: comma, double quote,
UTF-8) on stdin and writes the JSON_LISTINGS_FEED documents on stdout with
the same text wmsbridge writes, so the two outputs can be compared byte for
byte. Same essentials: header names from the layout, SKU as its own seller
SKU (1..40 characters, no control characters), state looked up in
stock-states.map (unknown: rejected), quantity a whole number 0..1000000,
every repeated SKU+location+state rejected, a SKU with a rejected row left
out, the sum over sellable states less the buffers.map buffer (never below
0), 25,000 messages a document. Rejected rows are counted, not written.
Prints the same counts line as wmsbridge on stderr. Standard library only;
owned by bench/.

usage: baseline_inventory.py --layout F --states F [--buffers F] [--seller ID] < in.csv > feed.json
"""
import argparse
import csv
import json
import sys

QTY_MAX = 1000000
PER_DOC = 25000
FIELDS = ("sku", "state", "location", "quantity")


def meaningful(path):
    """the lines of a map file that are not blank or comments"""
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line


def load_layout(path):
    """logical field -> header name (lower case)"""
    fields = {}
    for line in meaningful(path):
        line = line.split(" # ")[0].strip()
        if line.startswith("field "):
            k, v = line[6:].split("=", 1)
            fields[k.strip()] = v.strip().lower()
    return fields


def load_states(path):
    """state -> sellable (bool)"""
    states = {}
    for line in meaningful(path):
        name, cls = line.rsplit(None, 1)
        states[name.strip()] = cls == "sellable"
    return states


def load_buffers(path):
    """(exact, prefixes longest first, default)"""
    exact, prefixes, default = {}, [], 0
    if path:
        for line in meaningful(path):
            head, units = line.rsplit(None, 1)
            kind, _, text = head.partition(" ")
            text = text.strip()
            if kind == "default":
                default = int(units)
            elif kind == "sku":
                exact[text] = int(units)
            else:
                prefixes.append((text, int(units)))
    prefixes.sort(key=lambda p: -len(p[0]))
    return exact, prefixes, default


def sku_ok(s):
    """a seller SKU Amazon takes"""
    return 0 < len(s) <= 40 and not any(ord(c) < 32 or ord(c) == 127 for c in s)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--layout", required=True)
    ap.add_argument("--states", required=True)
    ap.add_argument("--buffers")
    ap.add_argument("--seller", default="MERCHANT")
    a = ap.parse_args()
    layout = load_layout(a.layout)
    states = load_states(a.states)
    exact, prefixes, default = load_buffers(a.buffers)
    rd = csv.reader(sys.stdin)
    header = [h.strip().lower() for h in next(rd)]
    col = [header.index(layout[f]) for f in FIELDS]
    ncols = len(header)
    total = {}  # SKU -> sellable units, in first-seen order
    held = set()
    seen = set()
    rows = good = rejected = 0
    for row in rd:
        rows += 1
        if len(row) != ncols:
            rejected += 1
            continue
        sku, state, loc, qty = (row[c].strip() for c in col)
        if not sku_ok(sku):
            rejected += 1
            continue
        total.setdefault(sku, 0)
        sellable = states.get(state)
        key = (sku, loc, state)
        if (sellable is None or not qty.isdigit() or not qty.isascii() or len(qty.lstrip("0")) > 7
                or int(qty) > QTY_MAX or key in seen):
            rejected += 1
            held.add(sku)
            continue
        seen.add(key)
        good += 1
        if sellable:
            total[sku] += int(qty)
    head = json.dumps({"sellerId": a.seller, "version": "2.0", "issueLocale": "en_US"},
                      separators=(",", ":"), ensure_ascii=False)
    out = sys.stdout
    n = 0
    for sku, units in total.items():
        if sku in held:
            continue
        buf = exact.get(sku)
        if buf is None:
            buf = next((u for p, u in prefixes if sku.startswith(p)), default)
        q = max(0, units - buf)
        if n % PER_DOC == 0:
            if n:
                out.write("\n]}\n")
            out.write('{"header":%s,"messages":[\n' % head)
        else:
            out.write(",\n")
        n += 1
        out.write('{"messageId":%d,"sku":%s,"operationType":"PATCH","productType":"PRODUCT",'
                  '"patches":[{"op":"merge","path":"/attributes/fulfillment_availability",'
                  '"value":[{"fulfillment_channel_code":"DEFAULT","quantity":%d}]}]}'
                  % ((n - 1) % PER_DOC + 1, json.dumps(sku, ensure_ascii=False), q))
    if n:
        out.write("\n]}\n")
    sys.stderr.write("rows=%d converted=%d rejected=%d messages=%d\n" % (rows, good, rejected, n))
    return 65 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
