#!/usr/bin/env python3
"""gen_orders - searchOrders answers (Orders API v2026-01-01) for the orders benchmark.

usage: gen_orders.py --orders N --seed S --bad PERCENT --out FILE

Writes N merchant-fulfilled orders as answers of 100 orders each, one JSON
value a line, with 1-3 lines each over the SKUs of bench/out/etc/skus.map
(pairs and a bundle), service levels of carriers.map, a few Prime orders,
cancelled lines, addresses with commas and non-ASCII letters; PERCENT of the
orders carry an unknown SKU or an unmapped service level. Standard library
only; owned by bench/.
"""
import argparse
import json
import random

SKUS = ["MUG-BLUE-330", "MUG-RED-330", "TEAPOT-1L-WHITE", "TEAPOT-1L-BLACK", "SET 4 COASTERS",
        "GIFT-SET-MUGS", "TEAPOT-WHITE-1L"]
LEVELS = ["STANDARD", "EXPEDITED", "NEXT_DAY", "SECOND_DAY", "FREE_ECONOMY", "PRIORITY"]
CITIES = ["Leeds", "York", "Zürich", "Saint-Étienne", "London, Soho"]


def order(rnd, n, bad):
    """order - one Order object"""
    day = 1 + n % 28
    t = "2026-11-%02dT%02d:%02d:%02dZ" % (day, n % 24, n % 60, (n * 7) % 60)
    ship = "2026-11-%02dT23:59:59Z" % min(28, day + rnd.choice([0, 1, 2]))
    items = []
    for k in range(rnd.choice([1, 1, 1, 2, 3])):
        it = {"orderItemId": "%014d" % (n * 10 + k), "quantityOrdered": rnd.randint(1, 4),
              "product": {"sellerSku": rnd.choice(SKUS), "asin": "B0%08d" % (n % 10 ** 8),
                          "title": "Product %d" % k},
              "fulfillment": {"quantityFulfilled": 0}}
        it["fulfillment"]["quantityUnfulfilled"] = it["quantityOrdered"]
        if k and rnd.random() < 0.05:
            it["cancellation"] = {"cancellationExecution": {"cancelledBy": "BUYER",
                                                            "cancelReason": "x"}}
        items.append(it)
    level = rnd.choice(LEVELS)
    if bad:
        if rnd.random() < 0.5:
            items[0]["product"]["sellerSku"] = "NO-SUCH-%d" % n
        else:
            level = "Next Day"
    return {"orderId": "%03d-%07d-%07d" % (200 + n // 10 ** 7 % 800, n // 10 ** 7, n % 10 ** 7),
            "createdTime": t, "lastUpdatedTime": t,
            "programs": ["PRIME"] if rnd.random() < 0.2 else [],
            "salesChannel": {"channelName": "AMAZON", "marketplaceId": "A1F83G8C2ARO7P",
                             "marketplaceName": "Amazon.co.uk"},
            "fulfillment": {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT",
                            "fulfillmentServiceLevel": level,
                            "shipByWindow": {"earliestDateTime": t, "latestDateTime": ship},
                            "deliverByWindow": {"earliestDateTime": ship,
                                                "latestDateTime": "2026-12-05T23:59:59Z"}},
            "recipient": {"deliveryAddress": {
                "name": "Recipient %d Müller" % n, "addressLine1": "%d High Street, Flat %d" % (n % 500, n % 9),
                "city": rnd.choice(CITIES), "postalCode": "LS%d %dAA" % (n % 30, n % 9),
                "countryCode": "GB", "phone": "+44 113 %07d" % (n % 10 ** 7),
                "addressType": "RESIDENTIAL"}},
            "orderItems": items}


def main():
    """main - write the answers"""
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--bad", type=float, default=0)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    with open(a.out, "w", encoding="utf-8") as f:
        for p in range(0, a.orders, 100):
            page = [order(rnd, n, rnd.random() * 100 < a.bad)
                    for n in range(p, min(a.orders, p + 100))]
            ans = {"orders": page}
            if p + 100 < a.orders:
                ans["pagination"] = {"nextToken": "page-%d" % (p // 100 + 1)}
            f.write(json.dumps(ans, ensure_ascii=False, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
