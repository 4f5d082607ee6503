#!/usr/bin/env python3
"""gen_settlement - generate an Amazon V2 settlement flat file
(GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2: tab separated, the first data row
the summary) for benchmarks, the simulator and tests. Deterministic for a
seed. Orders (price, tax, shipping, commission, FBA fees, promotions), refunds,
service fees, reserves held and released; amounts in the marketplace's number
format (--eu: 1.234,56 and EU dates; else 1,234.56 and ISO dates); the summary's
total is the exact sum of the rows. Standard library only; owned by bench/.

usage: gen_settlement.py --rows N [--seed S] [--eu] [--id ID] [--currency C] [--out F]
"""
import argparse
import random
import sys

HEADER = ("settlement-id settlement-start-date settlement-end-date deposit-date total-amount "
          "currency transaction-type order-id merchant-order-id adjustment-id shipment-id "
          "marketplace-name amount-type amount-description amount fulfillment-id posted-date "
          "posted-date-time order-item-code merchant-order-item-id merchant-adjustment-item-id "
          "sku quantity-purchased").split()


def money(v, eu):
    """minor units as the marketplace writes them"""
    s = "-" if v < 0 else ""
    v = abs(v)
    whole = f"{v // 100:,}"
    if eu:
        return f"{s}{whole.replace(',', '.')},{v % 100:02d}"
    return f"{s}{whole}.{v % 100:02d}"


def rows_of(n, rnd, eu, sid, market):
    """n transaction rows: (cells, amount) pairs"""
    k = 0
    order = 0
    while k < n:
        order += 1
        oid = "%03d-%07d-%07d" % (rnd.randrange(100, 999), order % 10000000, rnd.randrange(10**7))
        sku = "SKU-%05d" % rnd.randrange(5000)
        kind = rnd.random()
        price = rnd.randrange(199, 250000)
        if kind < 0.85:
            ttype, parts = "Order", [("ItemPrice", "Principal", price),
                                     ("ItemPrice", "Tax", price // 5),
                                     ("ItemPrice", "Shipping", 499),
                                     ("ItemFees", "Commission", -(price * 15 // 100)),
                                     ("ItemFees", "FBAPerUnitFulfillmentFee", -310),
                                     ("Promotion", "Shipping", -499)]
        elif kind < 0.95:
            ttype, parts = "Refund", [("ItemPrice", "Principal", -price),
                                      ("ItemPrice", "Tax", -(price // 5)),
                                      ("ItemFees", "Commission", price * 15 // 100),
                                      ("ItemFees", "RefundCommission", -(price * 3 // 100))]
        elif kind < 0.98:
            ttype, oid, sku, parts = "ServiceFee", "", "", [
                ("Cost of Advertising", "TransactionTotalAmount", -rnd.randrange(100, 5000))]
        else:
            held = rnd.randrange(1000, 90000)
            ttype, oid, sku, parts = "other-transaction", "", "", [
                ("other-transaction", "Previous Reserve Amount Balance", held),
                ("other-transaction", "Current Reserve Amount", -held - rnd.randrange(0, 500))]
        adj = "%014d" % order if ttype == "Refund" else ""
        # the rows of one transaction share its posting time; days run through the period
        day = 1 + min(13, k * 14 // max(n, 1))
        sec = rnd.randrange(86400)
        posted = "11/%02d/26" % day
        ptime = "2026-11-%02d %02d:%02d:%02d UTC" % (day, sec // 3600, sec // 60 % 60, sec % 60)
        for atype, desc, amt in parts:
            if k == n:
                return
            k += 1
            yield ([sid, "", "", "", "", "", ttype, oid, "", adj, "", market, atype, desc,
                    money(amt, eu), "AFN" if oid else "", posted, ptime,
                    "%014d" % k if oid else "", "", "", sku, "1" if oid else ""], amt)


def generate(out, n, seed=1, eu=False, sid="11223344556", currency=None):
    """write a settlement file of n transaction rows to the text stream out; returns the total"""
    rnd = random.Random(seed)
    market = "Amazon.de" if eu else "Amazon.com"
    currency = currency or ("EUR" if eu else "USD")
    # the rows are made twice (same seed): once for the total, once to write
    total = sum(a for _, a in rows_of(n, random.Random(seed), eu, sid, market))
    if eu:
        dates = ("01.11.2026 00:00:00 UTC", "15.11.2026 00:00:00 UTC", "17.11.2026 00:00:00 UTC")
    else:
        dates = ("2026-11-01T00:00:00+00:00", "2026-11-15T00:00:00+00:00",
                 "2026-11-17T00:00:00+00:00")
    w = out.write
    w("\t".join(HEADER) + "\n")
    w("\t".join([sid, *dates, money(total, eu), currency] + [""] * 17) + "\n")
    buf = []
    for cells, _ in rows_of(n, rnd, eu, sid, market):
        buf.append("\t".join(cells))
        if len(buf) == 4096:
            w("\n".join(buf) + "\n")
            buf = []
    if buf:
        w("\n".join(buf) + "\n")
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--eu", action="store_true")
    ap.add_argument("--id", default="11223344556")
    ap.add_argument("--currency")
    ap.add_argument("--out", default="-")
    a = ap.parse_args()
    out = sys.stdout if a.out == "-" else open(a.out, "w", encoding="utf-8")
    generate(out, a.rows, a.seed, a.eu, a.id, a.currency)
    out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
