#!/usr/bin/env python3
"""baseline_settlement - `convert settlement` written the plain Python way, as
the benchmark's baseline.

Reads a V2 settlement flat file (tab separated, first data row the summary)
on stdin with the csv module, checks the V2 header, reads each amount in the
marketplace's number format into integer minor units (one decimal mark per
file) and each posted-date and posted-date-time as a date, looks each distinct (transaction-type, amount-type,
amount-description) up once in gl.map (fnmatch patterns, first match wins),
checks that the rows add up to the total, and writes the journal (a line per
account in account order, the journal-csv layout's columns) with the same
bytes wmsbridge writes. Exit 0 written, 65 unmapped, 66 refused. Standard
library only; owned by bench/.

usage: baseline_settlement.py --gl F < settlement.tsv > journal.csv
"""
import argparse
import csv
import fnmatch
import re
import sys
from datetime import datetime, timezone

V2 = ("settlement-id settlement-start-date settlement-end-date deposit-date total-amount "
      "currency transaction-type order-id merchant-order-id adjustment-id shipment-id "
      "marketplace-name amount-type amount-description amount fulfillment-id posted-date "
      "posted-date-time order-item-code merchant-order-item-id merchant-adjustment-item-id "
      "sku quantity-purchased").split()
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%dT%H:%M:%S+00:00", "%Y-%m-%dT%H:%M:%SZ",
                "%d.%m.%Y %H:%M:%S UTC", "%m/%d/%y", "%d.%m.%Y", "%Y-%m-%d")
AMOUNT = re.compile(r"(-?)([0-9]{1,3}(?:([.,])[0-9]{3})*|[0-9]+)(?:([.,])([0-9]{2}))?\Z")


class Refused(Exception):
    pass


def load_gl(path):
    rules = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = re.split(r"\s#\s", line)[0].rstrip()
        pats, _, account = line.rpartition("=")
        rules.append(([p.strip() for p in pats.split("|")], account.strip()))
    return rules


def lookup(rules, key):
    for pats, account in rules:
        if all(fnmatch.fnmatchcase(v, p) for v, p in zip(key, pats)):
            return account
    return None


def amount(text, state):
    m = AMOUNT.match(text)
    if not m:
        raise Refused("amount %r" % text)
    neg, whole, group, dec, frac = m.groups()
    if dec:
        if state.get("mark", dec) != dec or group == dec:
            raise Refused("amount %r: another decimal mark" % text)
        state["mark"] = dec
    elif group and group == state.get("mark"):
        raise Refused("amount %r: the decimal mark as a separator" % text)
    v = int(whole.replace(".", "").replace(",", "")) * 100 + int(frac or 0)
    return -v if neg else v


def date(text):
    for f in DATE_FORMATS:
        try:
            return datetime.strptime(text, f).replace(tzinfo=timezone.utc)
        except ValueError:
            pass
    raise Refused("date %r" % text)


def fmt(v):
    return "%s%d.%02d" % ("-" if v < 0 else "", abs(v) // 100, abs(v) % 100)


def convert(inp, out, rules):
    rd = csv.reader(inp, delimiter="\t", quoting=csv.QUOTE_NONE)
    head = next(rd, None)
    if not head or head[:len(V2)] != V2:
        raise Refused("not a V2 settlement file")
    summary = next(rd, None)
    if not summary or len(summary) != len(head) or summary[12]:
        raise Refused("no summary row")
    sid, cur = summary[0], summary[5]
    start, end, dep = (date(summary[i]) for i in (1, 2, 3))
    state = {}
    total = amount(summary[4], state)
    combos = {}
    s = 0
    for row in rd:
        if len(row) != len(head):
            raise Refused("a row of %d cells" % len(row))
        if row[0] != sid or row[4] or not row[12] or not row[13]:
            raise Refused("a bad row")
        for i in (16, 17):  # posted-date, posted-date-time
            if row[i]:
                date(row[i])
        a = amount(row[14], state)
        s += a
        key = (row[6], row[12], row[13])
        c = combos.get(key)
        if c is None:
            c = combos[key] = [0, 0]
        c[0] += a
        c[1] += 1
    if s != total:
        raise Refused("rows add up to %s, total %s" % (fmt(s), fmt(total)))
    lines = {}
    unmapped = []
    for key, (v, n) in combos.items():
        acc = lookup(rules, key)
        if acc is None:
            unmapped.append(key)
            continue
        l = lines.setdefault(acc, [0, 0])
        l[0] += v
        l[1] += n
    if unmapped:
        for k in unmapped:
            sys.stderr.write(" | ".join(k) + "\n")
        return 65
    iso = "%Y-%m-%dT%H:%M:%SZ"
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["settlement_id", "deposit_date", "account", "amount", "currency", "rows",
                "period_start", "period_end"])
    for acc in sorted(lines, key=lambda a: a.encode()):
        v, n = lines[acc]
        w.writerow([sid, dep.strftime("%Y-%m-%d"), acc, fmt(v), cur, n, start.strftime(iso),
                    end.strftime(iso)])
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gl", required=True)
    a = ap.parse_args()
    inp = open(sys.stdin.fileno(), encoding="utf-8", newline="")
    try:
        return convert(inp, sys.stdout, load_gl(a.gl))
    except Refused as e:
        sys.stderr.write("refused: %s\n" % e)
        return 66


if __name__ == "__main__":
    sys.exit(main())
