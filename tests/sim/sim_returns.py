"""sim_returns - the merchant-fulfilled returns report of the simulator.

createReport accepts GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE; its document is
Amazon's tab-separated flat file (English header, the columns of Amazon's
returns report attributes) with every return added so far.

Control endpoint:
  POST /_sim/returns {"returns": [{"order": ID, "rma": RMA, "sku": SKU,
                                   "qty": N, "reason": TEXT (optional)}, ...],
                      "language": "de" (optional: later reports carry a
                                    German header, as a marketplace may),
                      "marketplace": ID (optional: later reports are of
                                    that marketplace, whatever was asked;
                                    "" back to the one asked)}
       adds returns; answers {"returns": count so far}.
Loaded by spapi_sim.py (load_extensions).
"""
import datetime
import time

REPORT_TYPE = "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE"
COLUMNS = [
    "Order ID", "Order date", "Return request date", "Return request status",
    "Amazon RMA ID", "Merchant RMA ID", "Label type", "Label cost",
    "Currency code", "Return carrier", "Tracking ID", "Label to be paid by",
    "A-to-Z Claim", "Is prime", "ASIN", "Merchant SKU", "Item Name",
    "Return quantity", "Return Reason", "In policy", "Return type",
    "Resolution", "Invoice number", "Return delivery date", "Order Amount",
    "Order quantity", "SafeT Action reason", "SafeT claim id",
    "SafeT claim state", "SafeT claim creation time",
    "SafeT claim reimbursement amount", "Refunded Amount"]
GERMAN = {"Order ID": "Bestellnummer", "Amazon RMA ID": "Amazon-RMA-ID",
          "Merchant SKU": "Händler-SKU", "Return quantity": "Rücksendemenge",
          "Return Reason": "Rücksendegrund",
          "Return request date": "Datum der Rücksendeanfrage"}


def state():
    """state - the returns added, the report language."""
    return {"returns": [], "language": "en", "marketplace": ""}


def returns_doc(sim, r):
    """returns_doc - the flat file of every return added so far."""
    st = sim.ext["returns"]
    if st.get("marketplace"):  # a report of another marketplace than asked
        r["marketplaceIds"] = [st["marketplace"]]
    cols = [GERMAN.get(c, c) if st.get("language") == "de" else c
            for c in COLUMNS]
    lines = ["\t".join(cols)]
    for x in st["returns"]:
        day = datetime.datetime.fromtimestamp(
            x["at"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        row = dict.fromkeys(COLUMNS, "")
        row.update({"Order ID": x["order"], "Order date": day,
                    "Return request date": day,
                    "Return request status": "Approved",
                    "Amazon RMA ID": x["rma"], "Label type": "AmazonUnPaidLabel",
                    "Currency code": "GBP", "A-to-Z Claim": "N",
                    "Is prime": "N", "ASIN": "B0SIM00001",
                    "Merchant SKU": x["sku"], "Item Name": "Sim product",
                    "Return quantity": str(x["qty"]),
                    "Return Reason": x.get("reason") or "CR-UNWANTED_ITEM",
                    "In policy": "Y", "Return type": "C-Returns",
                    "Resolution": "StandardRefund", "Order quantity": "1"})
        lines.append("\t".join(row[c] for c in COLUMNS))
    return ("\n".join(lines) + "\n").encode("utf-8")


def ctl_returns(handler, method, d):
    """ctl_returns - add returns (or switch the report's language or
    marketplace)."""
    if method != "POST":
        return handler.reply(405, {"error": "POST only"})
    d = d if isinstance(d, dict) else {}
    sim = handler.server.sim
    with sim.lock:
        st = sim.ext["returns"]
        for x in d.get("returns", []):
            st["returns"].append({"order": str(x["order"]), "rma": str(x["rma"]),
                                  "sku": str(x["sku"]), "qty": int(x.get("qty", 1)),
                                  "reason": x.get("reason"), "at": time.time()})
        if d.get("language"):
            st["language"] = str(d["language"])
        if "marketplace" in d:
            st["marketplace"] = str(d["marketplace"] or "")
        sim.save()
        n = len(st["returns"])
    return handler.reply(200, {"returns": n})


STATE = {"returns": state}
CONTROL = {"/_sim/returns": ctl_returns}
REPORTS = {REPORT_TYPE: returns_doc}
