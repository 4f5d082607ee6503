#!/usr/bin/env python3
"""gen_dispatch - generate a WMS dispatch CSV (dispatch-utf8 layout) for tests,
the demo and benchmarks. Deterministic for a seed; ship times lie in the last
day so they pass the age window. --bad N puts about N percent of rows in
error (bad order id, zero quantity, unmapped carrier, orders Amazon does not
know, quantities Amazon refuses), one kind after another. Standard library only.
"""
import argparse
import random
import sys
import time

CARRIERS = ["RM24", "RM48", "DPDLOCAL", "DPD-NEXTDAY", "YODEL-XPECT48", "EVRI48", "UPS-STD",
            "PF24"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bad", type=float, default=0.0)
    ap.add_argument("--out", default="-")
    ap.add_argument("--prefix", type=int, default=0, help="order id block, keeps files apart")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    now = int(time.time())
    out = sys.stdout if a.out == "-" else open(a.out, "w", newline="")
    w = out.write
    w("amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n")
    i = 0
    order = 0
    kinds = 0
    base = (a.seed * 7919 + a.prefix * 1000003) % 9000000
    while i < a.rows:
        order += 1
        oid = "%03d-%07d-%07d" % (100 + (a.seed % 800), (base + order) % 10000000,
                                  (order * 7) % 9000000 + 100000)
        carrier = CARRIERS[order % len(CARRIERS)]
        tracking = "TRK%02d%09d%s" % (a.seed % 100, order, "GB")
        t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 3600 - (order % 20000)))
        items = 1 + (order % 3)
        for k in range(items):
            if i >= a.rows:
                break
            item = "%014d" % ((order * 10 + k + a.seed * 100000000000) % 10 ** 14)
            qty = 1 + (i % 3)
            o, c, q = oid, carrier, qty
            if a.bad and rnd.random() * 100 < a.bad:
                kind = kinds % 5
                kinds += 1
                if kind == 0:
                    o = "12-BAD-%d" % i
                elif kind == 1:
                    q = 0
                elif kind == 2:
                    c = "DPD Local"
                elif kind == 3:
                    o = oid[:12] + "999" + oid[15:]
                else:
                    q = 60
            w("%s,%s,SKU-%d,%d,%s,%s,%s\n" % (o, item, order % 500, q, c, tracking, t))
            i += 1
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
