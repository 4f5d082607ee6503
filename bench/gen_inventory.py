#!/usr/bin/env python3
"""gen_inventory - a synthetic WMS stock snapshot for the inventory benchmark.

Writes ROWS rows of SKUS SKUs in the inventory-utf8 layout (sku, stock_state,
location, quantity, snapshot_time), in location order as a WMS exports them,
so the rows of one SKU lie far apart. States: mostly AVAILABLE, some
PICKFACE, DAMAGED and QUARANTINE; quantities 0..500. With --bad PCT about
that share of rows is hostile (unknown state, fractional or negative
quantity, a repeated row, an unknown SKU character). Deterministic for a
seed. Standard library only; owned by bench/.

usage: gen_inventory.py --rows N --skus N --seed S [--bad PCT] --out FILE
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--skus", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--bad", type=float, default=0.0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    states = ["AVAILABLE"] * 16 + ["PICKFACE"] * 2 + ["DAMAGED", "QUARANTINE"]
    # each SKU's rows in distinct locations: the row number makes the location
    step = 7919 if a.skus % 7919 else 7907
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.write("sku,stock_state,location,quantity,snapshot_time\n")
        last = None
        for i in range(a.rows):
            sku = "SKU-%07d" % ((i * step) % a.skus)
            state = rnd.choice(states)
            loc = "A%03d-%02d-%d" % (i // 1000 % 1000, i // 10 % 100, i % 10)
            qty = str(rnd.randint(0, 500))
            if a.bad and rnd.random() * 100 < a.bad:
                k = rnd.randrange(5)
                if k == 0:
                    state = "HOLD"
                elif k == 1:
                    qty = "%d.5" % rnd.randint(0, 9)
                elif k == 2:
                    qty = "-" + qty
                elif k == 3 and last:
                    f.write(last)
                    continue
                else:
                    sku = sku + "\x01"
            row = "%s,%s,%s,%s,2026-12-03T06:00:00Z\n" % (sku, state, loc, qty)
            f.write(row)
            last = row


if __name__ == "__main__":
    main()
