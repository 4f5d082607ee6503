"""sim_reports - settlement reports beyond the one the simulator seeds.

Control endpoint:
  POST /_sim/settlement {"sid": ID (optional: a settlement delivered again),
                         "extra": [[type, amount-type, description, pence], ...],
                         "pad": N (optional: N more Order/ItemPrice/Principal rows),
                         "end": epoch (optional: the period's end, default an hour
                                before the simulator started; it starts 14 days before),
                         "no_book": true (optional: no rows of the order book)}
       an "extra" row may carry an order id and a posted time (epoch) after
       the pence: [type, amount-type, description, pence, order-id, posted];
       with an order id its fulfillment-id is MFN.
       posts one more finished V2 settlement report, as Amazon schedules them;
       answers {"reportId", "sid"}.
Loaded by spapi_sim.py (load_extensions); the documents come from its
settlement_doc.
"""


def ctl_settlement(handler, method, d):
    """ctl_settlement - one more finished settlement report."""
    if method != "POST":
        return handler.reply(405, {"error": "POST only"})
    d = d if isinstance(d, dict) else {}
    sim = handler.server.sim
    with sim.lock:
        sim.seed_settlement()
        rid = sim.report_order[-1]
        r = sim.reports[rid]
        if d.get("sid"):
            r["sid"] = str(d["sid"])
        r["extra"] = [tuple(x) for x in d.get("extra", [])]
        if d.get("end"):
            r["period_end"] = int(d["end"])
        r["no_book"] = bool(d.get("no_book"))
        r["extra"] += [("Order", "ItemPrice", "Principal", 100 + i % 50)
                       for i in range(int(d.get("pad", 0)))]
        sim.save()
    return handler.reply(200, {"reportId": rid,
                               "sid": r.get("sid") or "1" + rid[-10:]})


CONTROL = {"/_sim/settlement": ctl_settlement}
