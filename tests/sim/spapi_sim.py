#!/usr/bin/env python3
"""spapi_sim - a loopback simulator of Amazon's Selling Partner API for wmsbridge.

Purpose: the peer that wmsbridge's integration tests, storm/crash tests and
`make demo` talk to instead of Amazon. It follows the SP-API models in
shared/amazon/models (paths, JSON field names, status codes, error shape
{"errors":[{"code","message","details"}]}) and the facts in
shared/amazon/NOTES.md, rate-limits.md and result-codes.md.

Owns: one HTTP(S) server on 127.0.0.1, its in-memory state (access tokens,
feed documents, feeds, reports), the state in --state-dir (state.json written
atomically by temp, fsync, rename at most every 0.2 s and at exit; document
bodies in docs/, written before the request is answered), the processing
reports it generates, and the record of everything received
(GET /_sim/received).

Must never: listen on anything but 127.0.0.1; contact the network (no DNS, no
outbound sockets; xmllint runs with --nonet); expand XML entities or accept a
DOCTYPE; read files other than those named on its command line and its state
dir; need anything beyond the Python 3 standard library; outlive the process
that started it (it exits when its parent goes away, unless --no-parent-watch).

Usage:
  python3 spapi_sim.py --port 0 --port-file F [--tls-cert C --tls-key K]
      [--state-dir D] [--xsd order-envelope.xsd] [--carrier-codes FILE]
      [--rate-scale X] [--process-seconds S] [--token-seconds N]
      [--client-id ID --client-secret S --refresh-token R]
      [--faults JSON] [--rate429 P ...one flag per fault key...] [--quiet]
The chosen port is written to --port-file (temp + rename) once listening.

Endpoints (SP-API; all need header x-amz-access-token):
  POST   /feeds/2021-06-30/documents            createFeedDocument -> 201
  GET    /feeds/2021-06-30/documents/{id}       getFeedDocument
  POST   /feeds/2021-06-30/feeds                createFeed -> 202
  GET    /feeds/2021-06-30/feeds                getFeeds (feedTypes | nextToken)
  GET    /feeds/2021-06-30/feeds/{id}           getFeed
  DELETE /feeds/2021-06-30/feeds/{id}           cancelFeed (IN_QUEUE only)
  POST   /reports/2021-06-30/reports            createReport -> 202
  GET    /reports/2021-06-30/reports            getReports
  GET    /reports/2021-06-30/reports/{id}       getReport
  DELETE /reports/2021-06-30/reports/{id}       cancelReport
  GET    /reports/2021-06-30/documents/{id}     getReportDocument
  GET    /orders/v0/orders, /orders/v0/orders/{id}, /orders/v0/orders/{id}/orderItems
  POST   /orders/v0/orders/{id}/shipmentConfirmation  confirmShipment -> 204
  POST   /tokens/2021-03-01/restrictedDataToken
Others: POST /auth/o2/token (Login with Amazon), PUT /_upload/{id}?expires&sig
(presigned upload, no token), GET /_download/{id}?expires&sig (presigned
download), and the control API under /_sim/ (faults, reset, received, health).

Rate limits: one token bucket per operation with the documented rate
(rate-limits.md) times --rate-scale and the documented burst. Over quota: 429
QuotaExceeded. SP-API answers carry x-amzn-RateLimit-Limit and x-amzn-RequestId.

Feed life: IN_QUEUE for the first third of --process-seconds, then
IN_PROGRESS, then DONE (or FATAL). Feeds are processed in creation order.

Processing rules for POST_ORDER_FULFILLMENT_DATA (deterministic):
  - a DOCTYPE, malformed XML, an XSD failure (--xsd, via xmllint), or a
    MessageType that does not fit the feed type -> feed FATAL; the result is a
    ProcessingReport with one Result for MessageID 0, code 5000 (schema or
    type error) or 5001 (malformed XML, DOCTYPE).
  - AmazonOrderID not of the 3-7-7 digit shape, or whose last 7 digits start
    with "999" -> Error 18028 (order not found / data invalid). Such a message
    gets no other Result. A MerchantOrderID starting with "999" is unknown too.
  - any Item Quantity > 50 -> Error 18034 (sim-chosen code), one Result per
    offending item, AdditionalInfo carries the AmazonOrderItemCode.
  - CarrierCode not in --carrier-codes (default: any accepted; "Other" is
    always accepted) -> Error 18060 (sim-chosen code); CarrierCode "Other"
    without CarrierName -> Error 18060 as well. A message can thus get two or
    more Results.
  - a message with no error whose every business key (order|item|tracking,
    one per Item; order||tracking without Items) was already accepted
    (earlier feed, or earlier message of the same feed) -> Warning 5001
    "skipped: repeats an earlier feed"; recorded in "duplicates". Another
    item of the same order under the same tracking number is not a repeat.
  - AdditionalInfo (AmazonOrderID) is left out when MessageID % 3 == 0.
  - fault fatal_next: the feed ends FATAL with Error 10001 (sim-chosen,
    internal error, resubmit).
  - fault whole_error_next: the feed ends DONE, but its report holds one
    Error 10001 for MessageID 0 and MessagesProcessed 0: nothing was applied.
  - fault refuse_create: createFeed answers 400 InvalidInput.
  - faults drop_create / lose_create_reply: createFeed hangs without making
    the feed / makes the feed and then hangs (the answer is lost).
  - fault lose_confirm_reply: confirmShipment applies the confirmation and
    then hangs (the 204 is lost).
  - fault list_lag_seconds: getFeeds leaves out feeds younger than that;
    fault clock_skew_seconds: the simulator's clock (Date, createdTime,
    createdSince) runs that far behind the host's.
  Results come only for failed or warned messages; StatusCode is Complete;
  MessagesSuccessful counts messages without errors (warnings included).
Other XML feed types (POST_ORDER_ACKNOWLEDGEMENT_DATA,
POST_PAYMENT_ADJUSTMENT_DATA) get the same FATAL and order-id rules.
JSON_LISTINGS_FEED gets a JSON report (header, issues[], summary):
  operationType not UPDATE/PARTIAL_UPDATE/PATCH/DELETE or no sku -> ERROR
  4000001; no productType on a non-DELETE -> ERROR 90220; SKU starting with
  "UNKNOWN" on PATCH/PARTIAL_UPDATE/DELETE -> ERROR 4000003; a
  fulfillment_availability quantity that is not an integer >= 0 -> ERROR
  99022 (attributeName fulfillment_availability); a SKU starting with
  "WARNSKU" -> WARNING 18001 only (accepted). Codes are sim-chosen.
confirmShipment checks the request against ConfirmShipmentRequest of
ordersV0.json (400 InvalidInput naming the member: marketplaceId and
packageDetail required, packageReferenceId a positive number, carrierCode,
trackingNumber, shipDate (ISO 8601 date-time) and orderItems (orderItemId,
integer quantity >= 1) required, codCollectionMethod only DirectPayment), then
applies the same order, carrier, quantity and repeat rules synchronously:
unknown order -> 404 NotFound; bad carrier or quantity -> 400 InvalidInput
with the reason as its message; a repeat of already accepted keys (by either
path) -> 400 InvalidInput "... has already been confirmed." (also listed in
"duplicates" with "operation": "confirmShipment"); success -> 204 and the keys
count in accepted_keys like feed messages. Its bucket is the documented 2/s,
burst 10: over it, 429 QuotaExceeded. Each call is in "calls" with the seller
whose token made it.
Retired feed types (POST_INVENTORY_AVAILABILITY_DATA, POST_PRODUCT_DATA, ...)
are refused by createFeed with 400 InvalidInput.

GET /_sim/received returns
  {"feeds":[{"feedId","feedType","status","createdTime","inputFeedDocumentId",
             "merchant","seller" (a listings feed's header sellerId),"tokenSeller",
             "messages":[{"message_id","order_id","tracking","carrier",
                          "items":[[code,qty],...],
                          "result":"pending|accepted|error|warning|cancelled",
                          "codes":[...]}]}],
   "calls":[{"operation":"confirmShipment","order_id","tracking","carrier",
             "package","items","seller","result","status"}],
   "accepted_keys":{"order|item|tracking": n},   (accepted or warning-only)
   "received_keys":{"order|item|tracking": n},   (every message received)
   "duplicates":[{"feedId","message_id","key","first_feedId"}]}
For messages without Items the item part of the key is empty. Listings
messages carry items [[sku, quantity]] and no keys.

Login with Amazon: client id, client secret and refresh token must equal
--client-id/--client-secret/--refresh-token (defaults DEFAULT_CLIENT_ID,
DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN below). A wrong client id or
secret -> 401 invalid_client, a wrong refresh token -> 400 invalid_grant (as
LWA answers). Access tokens ("Atza|...") are random and live --token-seconds.
Missing or unknown token -> 403 Unauthorized; expired -> 403 Unauthorized
"The access token you provided has expired." (or 401 with expired_status).

Faults (--faults JSON or one flag per key at start; GET/POST /_sim/faults;
POST /_sim/reset): see FAULT_DEFAULTS. Decisions use one seeded RNG, drawn
four times per SP-API request, so a run with the same requests is repeatable.
Faults apply to SP-API paths; "auth_faults" and "s3_faults" extend the 5xx,
slow and timeout faults to /auth/o2/token and to the presigned URLs.
  POST /_sim/faults {"rate429": 0.2, "seed": 42}  merge keys, answer all keys
  GET  /_sim/faults                               current settings
  POST /_sim/reset {"faults": true, "state": true, "tokens": false,
                    "buckets": true}              (these are the defaults)
       faults -> FAULT_DEFAULTS; state -> no feeds, documents, reports or
       records (tokens kept unless "tokens": true); buckets refilled; hung
       requests released.
  GET  /_sim/received                             see above
  GET  /_sim/stats    {"ops": {operation: {status: n}}, "injected": {kind: n}}
       every request answered since start or the last reset of the state:
       SP-API operations by name, "token" (LWA), "upload", "download"; status
       is the HTTP code or "hang". "injected" counts the faults the simulator
       chose (429, 500, 503, hang, slow, expired_token, fatal_feed,
       stuck_feed, gzip_document); "throttled" counts real quota 429s.
  GET  /_sim/health  {"ok": true, "pid": N, "url": "https://127.0.0.1:P"}
"""

import argparse
import base64
import datetime
import gzip
import hashlib
import hmac
import http.server
import json
import os
import random
import re
import secrets
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import zlib
import xml.etree.ElementTree as ET

# Operation table: method, path pattern, operation, documented rate/s, burst.
OPS = [
    ("GET", r"/feeds/2021-06-30/feeds", "getFeeds", 0.0222, 10),
    ("POST", r"/feeds/2021-06-30/feeds", "createFeed", 0.0083, 15),
    ("DELETE", r"/feeds/2021-06-30/feeds/(?P<id>[^/]+)", "cancelFeed", 2, 15),
    ("GET", r"/feeds/2021-06-30/feeds/(?P<id>[^/]+)", "getFeed", 2, 15),
    ("POST", r"/feeds/2021-06-30/documents", "createFeedDocument", 0.5, 15),
    ("GET", r"/feeds/2021-06-30/documents/(?P<id>[^/]+)", "getFeedDocument",
     0.0222, 10),
    ("GET", r"/reports/2021-06-30/reports", "getReports", 0.0222, 10),
    ("POST", r"/reports/2021-06-30/reports", "createReport", 0.0167, 15),
    ("DELETE", r"/reports/2021-06-30/reports/(?P<id>[^/]+)", "cancelReport",
     0.0222, 10),
    ("GET", r"/reports/2021-06-30/reports/(?P<id>[^/]+)", "getReport", 2, 15),
    ("GET", r"/reports/2021-06-30/documents/(?P<id>[^/]+)",
     "getReportDocument", 0.0167, 15),
    ("GET", r"/orders/v0/orders", "getOrders", 0.0167, 20),
    ("GET", r"/orders/v0/orders/(?P<id>[^/]+)", "getOrder", 0.5, 30),
    ("GET", r"/orders/v0/orders/(?P<id>[^/]+)/orderItems", "getOrderItems",
     0.5, 30),
    ("POST", r"/orders/v0/orders/(?P<id>[^/]+)/shipmentConfirmation",
     "confirmShipment", 2, 10),
    ("POST", r"/tokens/2021-03-01/restrictedDataToken",
     "createRestrictedDataToken", 1, 10),
]

# Operations of further flows live beside this file in sim_*.py modules, one per
# area (orders, reports, listings ...). Each module defines
#   OPS        rows like the ones above, operation names unique
#   HANDLERS   {operation: function(handler, m, q, body) -> (status, body)}
#   STATE      optional {key: factory}: per-module state on sim.ext[key], kept in state.json
#   CONTROL    optional {"/_sim/PATH": function(handler, method, body_json)}
#   REPORTS    optional {reportType: function(sim, report) -> document bytes}
# and reads the Sim through handler.server.sim. Loaded once by main, by file name.
EXT_HANDLERS = {}
EXT_STATE = {}
EXT_CONTROL = {}
EXT_REPORTS = {}


def load_extensions():
    """load_extensions - import the sim_*.py modules beside this file."""
    import importlib.util
    here = os.path.dirname(os.path.abspath(__file__))
    for fn in sorted(os.listdir(here)):
        if not (fn.startswith("sim_") and fn.endswith(".py")):
            continue
        spec = importlib.util.spec_from_file_location(fn[:-3],
                                                      os.path.join(here, fn))
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        for row in getattr(mod, "OPS", []):
            if any(r[2] == row[2] for r in OPS):
                raise SystemExit("spapi_sim: %s: operation %s twice"
                                 % (fn, row[2]))
            OPS.append(tuple(row))
        EXT_HANDLERS.update(getattr(mod, "HANDLERS", {}))
        EXT_STATE.update(getattr(mod, "STATE", {}))
        EXT_CONTROL.update(getattr(mod, "CONTROL", {}))
        EXT_REPORTS.update(getattr(mod, "REPORTS", {}))

FAULT_DEFAULTS = {
    "rate429": 0.0,         # probability of an injected 429 per SP-API call
    "rate500": 0.0,         # probability of 500 InternalFailure
    "rate503": 0.0,         # probability of 503 ServiceUnavailable
    "slow_ms": 0,           # delay before every answer
    "timeout_prob": 0.0,    # probability of never answering (hang, close)
    "hang_ms": 120000,      # how long a "timeout" request hangs before close
    "expire_tokens": False,  # true: every token issued so far expires now
    "expired_status": 403,  # status for expired tokens: 403 (real) or 401
    "fatal_next": 0,        # next N created feeds end FATAL
    "stuck_next": 0,        # next N created feeds stay IN_PROGRESS forever
    "whole_error_next": 0,  # next N created feeds end DONE with one Error for
                            # the whole document (MessageID 0), none processed
    "refuse_create": 0,     # next N createFeed calls answer 400 InvalidInput
    "drop_create": 0,       # next N createFeed calls hang (hang_ms), no feed made
    "lose_create_reply": 0,  # next N createFeed calls make the feed, then hang:
                            # the caller cannot know that the feed exists
    "lose_confirm_reply": 0,  # next N confirmShipment calls Amazon applies, then
                            # hang: the caller cannot know it was applied
    "gzip": False,          # result/report documents are GZIP-compressed
    "cut_report_next": 0,   # the next N downloads of a report document end
                            # half way (a transfer cut short: a GZIP document
                            # without its end); the document itself is whole
    "seed": 0,              # seed of the fault RNG (setting it reseeds)
    "auth_faults": False,   # 5xx/slow/timeout also on /auth/o2/token
    "s3_faults": False,     # 5xx/slow/timeout also on /_upload, /_download
    "result_body": "",      # non-empty: the text of every XML feed's result
                            # document from now on (hostile-input tests)
    "report_lie": "",       # how the reports of the next report_lie_next XML
                            # feeds lie (the feed itself is processed truly):
                            # empty (an empty ProcessingReport), errors_only
                            # ("0 successful, N with error", no Result),
                            # unknown_ids (Results only for MessageIDs never
                            # sent), overcount ("5000 processed"), json (a
                            # JSON listings report), flat (a flat-file
                            # report), other_feed (another feed's
                            # DocumentTransactionID), whole_error_beside (an
                            # Error without MessageID beside successes),
                            # other_order (message 1 warned under another
                            # AmazonOrderID); stalls: gzip_bomb (a GZIP
                            # result that inflates past 256 MiB), garbage
                            # (not a report), no_result_doc (DONE without
                            # resultFeedDocumentId)
    "report_lie_next": 0,   # how many next XML feed reports lie (report_lie)
    "list_lag_seconds": 0,  # getFeeds lists a feed only this long after its
                            # creation (Amazon's lists are not instantly
                            # consistent); getFeed finds it at once
    "clock_skew_seconds": 0,  # the simulator's clock runs this far behind the
                            # host's (so the client's clock is that far
                            # ahead): the Date header, createdTime and the
                            # createdSince/createdUntil of getFeeds
}

REPORT_LIES = ("empty", "errors_only", "unknown_ids", "overcount", "json",
               "flat", "other_feed", "whole_error_beside", "other_order",
               "gzip_bomb", "garbage", "no_result_doc")

DEFAULT_CLIENT_ID = "amzn1.application-oa2-client.wmsbridgesim"
DEFAULT_CLIENT_SECRET = "wmsbridge-sim-secret"
DEFAULT_REFRESH_TOKEN = "Atzr|wmsbridge-sim-refresh-token"

KNOWN_FEED_TYPES = {
    "POST_ORDER_FULFILLMENT_DATA": "OrderFulfillment",
    "POST_ORDER_ACKNOWLEDGEMENT_DATA": "OrderAcknowledgement",
    "POST_PAYMENT_ADJUSTMENT_DATA": "OrderAdjustment",
    "JSON_LISTINGS_FEED": None,
}
RETIRED_FEED_TYPES = {
    "POST_INVENTORY_AVAILABILITY_DATA", "POST_PRODUCT_DATA",
    "POST_PRODUCT_PRICING_DATA", "POST_PRODUCT_IMAGE_DATA",
    "POST_PRODUCT_RELATIONSHIP_DATA", "POST_PRODUCT_OVERRIDES_DATA",
    "POST_FLAT_FILE_INVLOADER_DATA", "POST_FLAT_FILE_LISTINGS_DATA",
    "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA",
}
REPORT_TYPES = {
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
}
SETTLEMENT_COLUMNS = [
    "settlement-id", "settlement-start-date", "settlement-end-date",
    "deposit-date", "total-amount", "currency", "transaction-type",
    "order-id", "merchant-order-id", "adjustment-id", "shipment-id",
    "marketplace-name", "amount-type", "amount-description", "amount",
    "fulfillment-id", "posted-date", "posted-date-time", "order-item-code",
    "merchant-order-item-id", "merchant-adjustment-item-id", "sku",
    "quantity-purchased"]
ALL_ORDERS_COLUMNS = [
    "amazon-order-id", "merchant-order-id", "purchase-date",
    "last-updated-date", "order-status", "fulfillment-channel",
    "sales-channel", "order-channel", "ship-service-level", "product-name",
    "sku", "asin", "item-status", "quantity", "currency", "item-price",
    "item-tax", "shipping-price", "shipping-tax", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "is-business-order"]
# The deterministic order book: id, status, service level, prime, items
# (sku, quantity, unit price).
SIM_ORDERS = [
    ("026-1000001-1000001", "Unshipped", "Std", False,
     [("SKU-RED-1", 1, "12.99")]),
    ("026-1000002-1000002", "Unshipped", "Expedited", True,
     [("SKU-BLU-2", 2, "8.50"), ("SKU-GRN-3", 1, "19.00")]),
    ("171-2000003-2000003", "PartiallyShipped", "Std", False,
     [("SKU-RED-1", 3, "12.99"), ("SKU-YEL-4", 1, "4.25")]),
    ("302-3000004-3000004", "Shipped", "Std", False,
     [("SKU-GRN-3", 1, "19.00")]),
    ("026-1000005-1000005", "Pending", "NextDay", True,
     [("SKU-BLU-2", 1, "8.50")]),
    ("203-4000006-4000006", "Canceled", "Std", False,
     [("SKU-YEL-4", 5, "4.25")]),
]
MAX_UPLOAD = 64 * 1024 * 1024
MAX_JSON = 1024 * 1024
URL_SECONDS = 300
ORDER_ID_RE = re.compile(r"^\d{3}-\d{7}-\d{7}$")


def iso(t):
    """iso - epoch seconds as an ISO 8601 UTC time with milliseconds."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def iso_s(t):
    """iso_s - epoch seconds as an ISO 8601 UTC time, whole seconds."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    """parse_iso - ISO 8601 date or date-time to epoch seconds, or None."""
    s = s.strip()
    if s.endswith("Z") or s.endswith("z"):
        s = s[:-1] + "+00:00"
    try:
        d = datetime.datetime.fromisoformat(s)
    except ValueError:
        m = re.match(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?"
                     r"([+-]\d{2}:?\d{2})?$", s)
        if not m:
            return None
        try:
            d = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            return None
        tz = m.group(3) or "+00:00"
        sign = -1 if tz[0] == "-" else 1
        hh, mm = int(tz[1:3]), int(tz[-2:])
        d = d.replace(tzinfo=datetime.timezone(
            sign * datetime.timedelta(hours=hh, minutes=mm)))
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.timestamp()


def xesc(s):
    """xesc - escape text for XML, writing apostrophes as &apos; as Amazon does."""
    return (str(s).replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&apos;"))


def errors(code, message, details=None):
    """errors - an SP-API ErrorList body."""
    e = {"code": code, "message": message}
    if details is not None:
        e["details"] = details
    return {"errors": [e]}


def local(tag):
    """local - an element tag without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(el, name):
    """child - first child element with this local name, or None."""
    for c in el:
        if local(c.tag) == name:
            return c
    return None


def text(el, name):
    """text - stripped text of the first child with this name, or None."""
    c = child(el, name) if el is not None else None
    if c is None or c.text is None:
        return None
    return c.text.strip()


def atomic_write(path, data):
    """atomic_write - write bytes to path by temp file, fsync and rename."""
    d = os.path.dirname(path) or "."
    tmp = "%s.%d.%s.tmp" % (path, os.getpid(), threading.get_ident())
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    try:
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass


class Bucket:
    """Bucket - a token bucket: rate tokens per second, at most burst."""

    def __init__(self, rate, burst):
        self.rate, self.burst = rate, float(burst)
        self.tokens, self.t = float(burst), time.monotonic()

    def take(self):
        """take - spend one token; False when the bucket is empty."""
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Reply(Exception):
    """Reply - raised by handlers to answer at once (status, body)."""

    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


class Sim:
    """Sim - the simulator's state; every method takes self.lock."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.flush_lock = threading.Lock()
        self.dirty = False
        self.hang_release = threading.Event()
        self.base_url = ""
        self.carriers = None
        if args.carrier_codes:
            with open(args.carrier_codes, encoding="utf-8",
                      errors="replace") as f:
                self.carriers = {ln.strip() for ln in f
                                 if ln.strip() and not ln.lstrip()
                                 .startswith("#")}
        self.t0 = int(time.time()) // 60 * 60
        self.start_faults = dict(FAULT_DEFAULTS)
        if args.faults:
            self.start_faults.update(self.check_faults(json.loads(args.faults)))
        for k in FAULT_DEFAULTS:
            v = getattr(args, "f_" + k)
            if v is not None:
                self.start_faults.update(self.check_faults({k: v}))
        self.faults = {}
        self.rng = random.Random(0)
        self.set_faults(dict(self.start_faults), initial=True)
        self.buckets = {}
        # sellers: one refresh token each (--seller TOKEN=SELLER_ID); the
        # --refresh-token one is seller "default". A revoked refresh token
        # gets invalid_grant, and the access tokens it gave are refused.
        # getFeeds lists only the feeds of the calling token's seller.
        self.sellers = {args.refresh_token: "default"}
        for sv in args.seller:
            rt, _, sid = sv.partition("=")
            if not rt or not sid:
                raise SystemExit("spapi_sim: --seller wants TOKEN=SELLER_ID")
            self.sellers[rt] = sid
        self.revoked = set()
        self.token_seller = {}
        self.clear_state()
        self.load()

    # ----- state ---------------------------------------------------------
    def clear_state(self):
        """clear_state - forget tokens, documents, feeds and reports."""
        self.tokens = {}
        self.docs = {}
        self.bodies = {}
        self.feeds = {}
        self.feed_order = []
        self.reports = {}
        self.report_order = []
        self.accepted_keys = {}
        self.received_keys = {}
        self.duplicates = []
        self.confirmed = {}
        self.calls = []
        self.stats = {"ops": {}, "injected": {}, "throttled": 0}
        self.next_id = int(time.time()) * 10
        self.key = secrets.token_hex(16)
        self.ext = {k: f() for k, f in EXT_STATE.items()}
        self.seed_settlement()

    def new_id(self):
        """new_id - next numeric feed or report id."""
        self.next_id += 1
        return str(self.next_id)

    def state_path(self):
        """state_path - the state file, or None without --state-dir."""
        if not self.args.state_dir:
            return None
        return os.path.join(self.args.state_dir, "state.json")

    def load(self):
        """load - read the state file and document bodies, if any."""
        p = self.state_path()
        if not p or not os.path.exists(p):
            return
        with open(p, "rb") as f:
            st = json.loads(f.read().decode("utf-8"))
        for k in ("tokens", "docs", "feeds", "feed_order", "reports",
                  "report_order", "accepted_keys", "received_keys",
                  "duplicates", "confirmed", "calls", "next_id", "key",
                  "token_seller", "ext"):
            if k in st:
                setattr(self, k, st[k])
        for did in self.docs:
            bp = os.path.join(self.args.state_dir, "docs", did)
            if os.path.exists(bp):
                with open(bp, "rb") as f:
                    self.bodies[did] = f.read()

    def save(self, doc_id=None):
        """save - write one document body now; mark the state file dirty."""
        p = self.state_path()
        if not p:
            return
        with self.lock:
            self.dirty = True
            if doc_id is not None and doc_id in self.bodies:
                d = os.path.join(self.args.state_dir, "docs")
                os.makedirs(d, exist_ok=True)
                atomic_write(os.path.join(d, doc_id), self.bodies[doc_id])

    def flush(self):
        """flush - write the state file atomically if it changed."""
        p = self.state_path()
        if not p:
            return
        with self.lock:
            if not getattr(self, "dirty", False):
                return
            self.dirty = False
            st = json.dumps({k: getattr(self, k) for k in (
                "tokens", "docs", "feeds", "feed_order", "reports",
                "report_order", "accepted_keys", "received_keys",
                "duplicates", "confirmed", "calls", "next_id", "key",
                "token_seller", "ext")},
                sort_keys=True).encode("utf-8")
        with self.flush_lock:
            atomic_write(p, st)

    # ----- faults --------------------------------------------------------
    @staticmethod
    def check_faults(d):
        """check_faults - validate and coerce a fault dict; ValueError if bad."""
        if not isinstance(d, dict):
            raise ValueError("faults must be a JSON object")
        out = {}
        for k, v in d.items():
            if k not in FAULT_DEFAULTS:
                raise ValueError("unknown fault key %r (known: %s)" % (
                    k, ", ".join(sorted(FAULT_DEFAULTS))))
            dv = FAULT_DEFAULTS[k]
            if isinstance(dv, str):
                if not isinstance(v, str):
                    raise ValueError("%s must be a string" % k)
                out[k] = v
            elif isinstance(dv, bool):
                if isinstance(v, str):
                    v = v.lower() in ("1", "true", "yes", "on")
                out[k] = bool(v)
            elif isinstance(dv, int):
                out[k] = int(v)
                if out[k] < 0:
                    raise ValueError("%s must be >= 0" % k)
            else:
                out[k] = float(v)
                if not 0.0 <= out[k] <= 1.0:
                    raise ValueError("%s must be a probability 0..1" % k)
        if out.get("report_lie") and out["report_lie"] not in REPORT_LIES:
            raise ValueError("report_lie must be one of %s"
                             % ", ".join(REPORT_LIES))
        if "expired_status" in out and out["expired_status"] not in (401, 403):
            raise ValueError("expired_status must be 401 or 403")
        return out

    def set_faults(self, d, initial=False):
        """set_faults - merge validated faults; expire_tokens acts at once."""
        with self.lock:
            d = self.check_faults(d)
            self.faults.update(d)
            if "seed" in d or initial:
                self.rng = random.Random(self.faults["seed"])
            if self.faults.get("expire_tokens"):
                self.faults["expire_tokens"] = False
                if not initial:
                    self.expire_all_tokens()
                else:
                    self.expire_at_load = True
            return dict(self.faults)

    def expire_all_tokens(self):
        """expire_all_tokens - every token issued so far is now expired."""
        now = time.time()
        for t in self.tokens:
            self.tokens[t] = min(self.tokens[t], now - 1)
        self.save()

    def count(self, kind):
        """count - one injected fault of this kind, for GET /_sim/stats."""
        with self.lock:
            inj = self.stats["injected"]
            inj[kind] = inj.get(kind, 0) + 1

    def take_fault(self, name, kind):
        """take_fault - use up one armed fault `name` (counted as `kind`);
        False when none is armed."""
        with self.lock:
            if self.faults[name] <= 0:
                return False
            self.faults[name] -= 1
            self.count(kind)
            return True

    def count_call(self, op, status):
        """count_call - one answered request of an operation, by status."""
        with self.lock:
            byst = self.stats["ops"].setdefault(op, {})
            byst[str(status)] = byst.get(str(status), 0) + 1

    def decide(self):
        """decide - draw this request's fault: hang, 500, 503, 429 or None."""
        with self.lock:
            f = self.faults
            u = [self.rng.random() for _ in range(4)]
            if u[0] < f["timeout_prob"]:
                return "hang"
            if u[1] < f["rate500"]:
                return 500
            if u[2] < f["rate503"]:
                return 503
            if u[3] < f["rate429"]:
                return 429
            return None

    def bucket(self, op, rate, burst):
        """bucket - the token bucket of one operation."""
        with self.lock:
            b = self.buckets.get(op)
            if b is None:
                b = self.buckets[op] = Bucket(rate * self.args.rate_scale,
                                              burst)
            return b.take()

    # ----- tokens --------------------------------------------------------
    def issue_token(self, prefix="Atza|", seconds=None, seller=None):
        """issue_token - a new random access token remembered with its expiry
        (and the seller whose refresh token it came from)."""
        with self.lock:
            tok = prefix + secrets.token_urlsafe(48)
            secs = self.args.token_seconds if seconds is None else seconds
            self.tokens[tok] = time.time() + secs
            if seller is not None:
                self.token_seller[tok] = seller
            now = time.time()
            for t in [t for t, e in self.tokens.items() if e < now - 86400]:
                del self.tokens[t]
            self.save()
            return tok, secs

    def token_state(self, tok):
        """token_state - None when valid, else missing/invalid/expired."""
        with self.lock:
            if not tok:
                return "missing"
            e = self.tokens.get(tok)
            if e is None or self.token_seller.get(tok) in self.revoked:
                return "invalid"
            if time.time() >= e:
                return "expired"
            return None

    # ----- presigned URLs ------------------------------------------------
    def sign(self, kind, did, exp):
        """sign - the signature of a presigned URL."""
        msg = ("%s:%s:%d" % (kind, did, exp)).encode()
        return hmac.new(self.key.encode(), msg, hashlib.sha256).hexdigest()

    def url(self, kind, did):
        """url - a presigned upload or download URL valid for URL_SECONDS."""
        exp = int(time.time()) + URL_SECONDS
        return "%s/_%s/%s?X-Amz-Expires=%d&expires=%d&sig=%s" % (
            self.base_url, kind, urllib.parse.quote(did, safe=""),
            URL_SECONDS, exp, self.sign(kind, did, exp))

    def check_url(self, kind, did, q):
        """check_url - raise an S3-style 403 unless the URL is valid."""
        try:
            exp = int(q.get("expires", ["0"])[0])
        except ValueError:
            exp = 0
        sig = q.get("sig", [""])[0]
        if not hmac.compare_digest(sig, self.sign(kind, did, exp)):
            raise Reply(403, s3_error("SignatureDoesNotMatch",
                                      "The request signature we calculated "
                                      "does not match the signature you "
                                      "provided."))
        if time.time() > exp:
            raise Reply(403, s3_error("AccessDenied", "Request has expired"))

    # ----- documents -----------------------------------------------------
    def create_doc(self, kind, content_type, body=None, compress=False):
        """create_doc - a feed input, feed result or report document."""
        with self.lock:
            prefix = ("amzn1.spdoc.1.4.na." if kind == "report"
                      else "amzn1.tortuga.4.na.")
            did = "%s%s.T%s" % (prefix, uuid.uuid4(), "".join(
                random.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                for _ in range(13)))
            doc = {"id": did, "kind": kind, "contentType": content_type,
                   "uploaded": body is not None, "created": time.time(),
                   "compression": "GZIP" if compress else None}
            if body is not None:
                if compress:
                    body = gzip.compress(body)
                    self.count("gzip_document")
                self.bodies[did] = body
                doc["size"] = len(body)
            self.docs[did] = doc
            self.save(did if body is not None else None)
            return did

    def upload(self, did, q, ctype, body):
        """upload - PUT of a feed document to its presigned URL."""
        self.check_url("upload", did, q)
        with self.lock:
            doc = self.docs.get(did)
            if doc is None or doc["kind"] != "feed-input":
                raise Reply(404, s3_error("NoSuchKey",
                                          "The specified key does not exist."))
            if (ctype or "") != doc["contentType"]:
                raise Reply(403, s3_error(
                    "SignatureDoesNotMatch",
                    "The request signature we calculated does not match the "
                    "signature you provided. Content-Type %r was signed as "
                    "%r." % (ctype, doc["contentType"])))
            self.bodies[did] = body
            doc["uploaded"] = True
            doc["size"] = len(body)
            doc["etag"] = hashlib.md5(body).hexdigest()
            self.save(did)
            return doc["etag"]

    def download(self, did, q):
        """download - GET of a document from its presigned URL."""
        self.check_url("download", did, q)
        with self.lock:
            doc = self.docs.get(did)
            if doc is None or did not in self.bodies:
                raise Reply(404, s3_error("NoSuchKey",
                                          "The specified key does not exist."))
            ctype = ("application/octet-stream" if doc.get("compression")
                     else doc["contentType"])
            body = self.bodies[did]
        if doc["kind"] == "report" and self.take_fault("cut_report_next",
                                                       "cut_report"):
            body = body[:len(body) // 2]
        return body, ctype

    # ----- feeds ---------------------------------------------------------
    def feed_status(self, f, now):
        """feed_status - the feed's status now; None when due for processing."""
        if f.get("final"):
            return f["final"]
        age = now - f["created"]
        if age < f["ps"] / 3.0:
            return "IN_QUEUE"
        if f["fate"] == "stuck" or age < f["ps"]:
            return "IN_PROGRESS"
        return None

    def advance(self):
        """advance - process every feed and report whose time has come."""
        with self.lock:
            now = time.time()
            changed = False
            for fid in self.feed_order:
                f = self.feeds[fid]
                if self.feed_status(f, now) is None:
                    self.process_feed(f)
                    changed = True
            for rid in self.report_order:
                r = self.reports[rid]
                if self.feed_status(r, now) is None:
                    self.process_report(r)
                    changed = True
            if changed:
                self.save()

    def amazon_time(self, t):
        """amazon_time - a host time on the simulator's clock (clock_skew)."""
        return t - self.faults["clock_skew_seconds"]

    def feed_json(self, f, now):
        """feed_json - the Feed object of the model."""
        st = self.feed_status(f, now) or "IN_PROGRESS"
        o = {"feedId": f["feedId"], "feedType": f["feedType"],
             "marketplaceIds": f["marketplaceIds"],
             "createdTime": iso(self.amazon_time(f["created"])),
             "processingStatus": st}
        if st != "IN_QUEUE" and not (st == "CANCELLED"):
            o["processingStartTime"] = iso(
                self.amazon_time(f["created"] + f["ps"] / 3.0))
        if f.get("end"):
            o["processingEndTime"] = iso(self.amazon_time(f["end"]))
        if f.get("resultFeedDocumentId"):
            o["resultFeedDocumentId"] = f["resultFeedDocumentId"]
        return o

    def create_feed(self, spec, analysis):
        """create_feed - record a feed (already analysed) and return its id."""
        with self.lock:
            fate = ("fatal" if self.take_fault("fatal_next", "fatal_feed") else
                    "whole_error"
                    if self.take_fault("whole_error_next", "whole_error_feed")
                    else "stuck" if self.take_fault("stuck_next", "stuck_feed")
                    else "normal")
            fid = self.new_id()
            f = {"feedId": fid, "feedType": spec["feedType"],
                 "marketplaceIds": spec["marketplaceIds"],
                 "inputFeedDocumentId": spec["inputFeedDocumentId"],
                 "feedOptions": spec.get("feedOptions"),
                 "created": time.time(), "ps": self.args.process_seconds,
                 "fate": fate, "final": None,
                 "fatal": analysis["fatal"],
                 "merchant": analysis.get("merchant"),
                 "seller": analysis.get("seller"),
                 "token_seller": analysis.get("token_seller"),
                 "messages": analysis["messages"]}
            for m in f["messages"]:
                for k in m.get("keys", []):
                    self.received_keys[k] = self.received_keys.get(k, 0) + 1
            self.feeds[fid] = f
            self.feed_order.append(fid)
            self.save()
            return fid

    def cancel_feed(self, fid):
        """cancel_feed - cancel an IN_QUEUE feed."""
        with self.lock:
            self.advance()
            f = self.feeds.get(fid)
            if f is None:
                raise Reply(404, errors("NotFound", "Resource not found",
                                        "Feed %s not found" % fid))
            st = self.feed_status(f, time.time())
            if st != "IN_QUEUE":
                raise Reply(400, errors(
                    "InvalidInput", "Invalid input",
                    "Feed %s cannot be cancelled: its processingStatus is %s"
                    % (fid, st)))
            f["final"] = "CANCELLED"
            f["end"] = time.time()
            for m in f["messages"]:
                m["result"] = "cancelled"
            self.save()

    def process_feed(self, f):
        """process_feed - apply the rules and write the result document."""
        f["end"] = time.time()
        if f["fate"] == "fatal" and not f["fatal"]:
            f["fatal"] = {"code": "10001", "text":
                          "We're sorry, an internal error occurred and the "
                          "feed couldn't be processed. Please resubmit the "
                          "feed."}
        if f["fate"] == "whole_error" and not f["fatal"]:
            f["final"] = "DONE"
            for m in f["messages"]:
                m["result"] = "error"
            body = xml_report(f, 0, 0, 0, 0, [
                (0, "Error", "10001", "We're sorry, an internal error occurred "
                 "and the feed couldn't be processed. Please resubmit the "
                 "feed.", None)])
            f["resultFeedDocumentId"] = self.create_doc(
                "feed-result", "text/xml", body, self.faults["gzip"])
            return
        if f["fatal"]:
            f["final"] = "FATAL"
            for m in f["messages"]:
                m["result"] = "error"
            if f["feedType"] == "JSON_LISTINGS_FEED":
                body = json.dumps(listings_report(
                    f, [{"code": f["fatal"]["code"], "severity": "ERROR",
                         "message": f["fatal"]["text"]}], 0, 0),
                    indent=2).encode()
                ctype = "application/json"
            else:
                body = xml_report(f, 0, 0, 1, 0, [
                    (0, "Error", f["fatal"]["code"], f["fatal"]["text"],
                     None)])
                ctype = "text/xml"
            f["resultFeedDocumentId"] = self.create_doc(
                "feed-result", ctype, body, self.faults["gzip"])
            return
        f["final"] = "DONE"
        if f["feedType"] == "JSON_LISTINGS_FEED":
            self.finish_listings(f)
        else:
            self.finish_xml(f)

    def finish_xml(self, f):
        """finish_xml - the ProcessingReport of an order feed."""
        results = []
        n_err = n_warn = 0
        for m in f["messages"]:
            res = list(m.get("problems", []))
            if not res and f["feedType"] == "POST_ORDER_FULFILLMENT_DATA":
                keys = m.get("keys") or []
                firsts = [self.confirmed.get(k) for k in keys]
                first = firsts[0] if keys and all(firsts) else None
                dk = keys[0] if len(keys) == 1 else "%s|%s" % (
                    m["order_id"], m.get("tracking") or "")
                if first is not None:
                    where = ("an earlier message of this feed"
                             if first == f["feedId"]
                             else "feed %s" % first)
                    res.append(["Warning", "5001",
                                "This update was skipped: it repeats the "
                                "shipment confirmation for order %s with "
                                "tracking number '%s' already processed in "
                                "%s." % (m["order_id"], m.get("tracking")
                                         or "", where), "order"])
                    self.duplicates.append({
                        "feedId": f["feedId"], "message_id": m["message_id"],
                        "key": dk, "first_feedId": first})
                else:
                    for k in keys:
                        self.confirmed.setdefault(k, f["feedId"])
            errs = [r for r in res if r[0] == "Error"]
            m["codes"] = [r[1] for r in res]
            if errs:
                m["result"] = "error"
                n_err += 1
            elif res:
                m["result"] = "warning"
                n_warn += 1
            else:
                m["result"] = "accepted"
            if not errs:
                for k in m.get("keys", []):
                    self.accepted_keys[k] = self.accepted_keys.get(k, 0) + 1
            for r in res:
                info = None
                mid = m["message_id"]
                if not (isinstance(mid, int) and mid % 3 == 0):
                    info = {"order": m["order_id"]}
                    if len(r) > 4 and r[3] == "item":
                        info["item"] = r[4]
                elif len(r) > 4 and r[3] == "item":
                    info = {"item": r[4]}
                results.append((mid, r[0], r[1], r[2], info))
        n = len(f["messages"])
        body = xml_report(f, n, n - n_err, n_err, n_warn, results)
        if self.faults["result_body"]:
            body = self.faults["result_body"].encode("utf-8")
        lie = (self.faults["report_lie"]
               if self.take_fault("report_lie_next", "report_lie") else "")
        if lie:
            self.lying_report(f, lie, n)
            return
        f["resultFeedDocumentId"] = self.create_doc(
            "feed-result", "text/xml", body, self.faults["gzip"])

    def lying_report(self, f, lie, n):
        """lying_report - the result of an XML feed that lies in one way
        (report_lie); the feed's messages were processed truly before."""
        f["lie"] = lie
        ctype = "text/xml"
        mid = f["messages"][0]["message_id"] if f["messages"] else 1
        if lie == "no_result_doc":
            return
        if lie == "empty":
            body = xml_report(f, 0, 0, 0, 0, [])
            body = re.sub(rb"<ProcessingReport>.*</ProcessingReport>",
                          b"<ProcessingReport/>", body, flags=re.S)
        elif lie == "errors_only":
            body = xml_report(f, n, 0, n, 0, [])
        elif lie == "unknown_ids":
            body = xml_report(f, n, n - 1, 1, 0, [
                (n + 1000, "Error", "18028", "The data you submitted is "
                 "incomplete or invalid.", None)])
        elif lie == "overcount":
            body = xml_report(f, 5000, 5000, 0, 0, [])
        elif lie == "json":
            body = json.dumps(listings_report(f, [], n, n)).encode()
            ctype = "application/json"
        elif lie == "flat":
            body = ("Feed Processing Summary:\n"
                    "\tNumber of records processed\t\t%d\n"
                    "\tNumber of records successful\t\t%d\n\n"
                    "original-record-number\tsku\terror-code\terror-type\t"
                    "error-message\n" % (n, n)).encode()
            ctype = "text/tab-separated-values"
        elif lie == "other_feed":
            g = dict(f, feedId=str(int(f["feedId"]) + 7))
            body = xml_report(g, n, n, 0, 0, [])
        elif lie == "whole_error_beside":
            body = xml_report(f, n, n, 0, 0, [
                (0, "Error", "25", "We are unable to process the XML feed "
                 "because of one or more errors.", None)])
        elif lie == "other_order":
            body = xml_report(f, n, n, 0, 1, [
                (mid, "Warning", "5001", "This update was skipped: it "
                 "repeats an earlier shipment confirmation.",
                 {"order": "999-9999999-9999999"})])
        elif lie == "garbage":
            body = b"\x1f\x00 this is not a processing report \xff\xfe"
        else:  # gzip_bomb: a small GZIP document that inflates past 256 MiB
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            chunk = b"\0" * (1 << 20)
            body = b"".join(z.compress(chunk) for _ in range(260)) + z.flush()
        did = self.create_doc("feed-result", ctype, body, False)
        if lie == "gzip_bomb":
            with self.lock:
                self.docs[did]["compression"] = "GZIP"
                self.count("gzip_document")
            self.save()
        f["resultFeedDocumentId"] = did

    def finish_listings(self, f):
        """finish_listings - the JSON processing report of a listings feed."""
        issues = []
        accepted = 0
        for m in f["messages"]:
            iss = m.get("issues", [])
            issues.extend(iss)
            m["codes"] = [i["code"] for i in iss]
            if any(i["severity"] == "ERROR" for i in iss):
                m["result"] = "error"
            else:
                accepted += 1
                m["result"] = "warning" if iss else "accepted"
        rep = listings_report(f, issues, len(f["messages"]), accepted)
        f["resultFeedDocumentId"] = self.create_doc(
            "feed-result", "application/json",
            json.dumps(rep, indent=2).encode(), self.faults["gzip"])

    # ----- reports -------------------------------------------------------
    def seed_settlement(self):
        """seed_settlement - one finished settlement report, as Amazon posts."""
        rid = self.new_id()
        self.reports[rid] = {
            "reportId": rid,
            "reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
            "marketplaceIds": ["A1F83G8C2ARO7P"],
            "dataStartTime": iso_s(self.t0 - 14 * 86400),
            "dataEndTime": iso_s(self.t0 - 3600), "created": self.t0 - 1800,
            "ps": 0, "fate": "normal", "final": None}
        self.report_order.append(rid)

    def process_report(self, r):
        """process_report - generate the report document."""
        r["end"] = time.time()
        if r["fate"] == "fatal":
            r["final"] = "FATAL"
            return
        r["final"] = "DONE"
        if r["reportType"] in EXT_REPORTS:
            body = EXT_REPORTS[r["reportType"]](self, r)
        elif r["reportType"] == "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2":
            body = settlement_doc(r, self.t0)
        else:
            body = all_orders_doc(r, self.t0)
        r["reportDocumentId"] = self.create_doc(
            "report", "text/tab-separated-values; charset=UTF-8", body,
            self.faults["gzip"])

    def report_json(self, r, now):
        """report_json - the Report object of the model."""
        st = self.feed_status(r, now) or "IN_PROGRESS"
        o = {"reportId": r["reportId"], "reportType": r["reportType"],
             "marketplaceIds": r["marketplaceIds"],
             "createdTime": iso(r["created"]), "processingStatus": st}
        for k in ("dataStartTime", "dataEndTime"):
            if r.get(k):
                o[k] = r[k]
        if st != "IN_QUEUE" and st != "CANCELLED":
            o["processingStartTime"] = iso(r["created"] + r["ps"] / 3.0)
        if r.get("end"):
            o["processingEndTime"] = iso(r["end"])
        if r.get("reportDocumentId"):
            o["reportDocumentId"] = r["reportDocumentId"]
        return o

    def received(self):
        """received - everything received, for GET /_sim/received."""
        with self.lock:
            self.advance()
            now = time.time()
            feeds = []
            for fid in self.feed_order:
                f = self.feeds[fid]
                feeds.append({
                    "feedId": fid, "feedType": f["feedType"],
                    "status": self.feed_status(f, now) or "IN_PROGRESS",
                    "createdTime": iso(f["created"]),
                    "inputFeedDocumentId": f["inputFeedDocumentId"],
                    "merchant": f.get("merchant"),
                    "seller": f.get("seller"),
                    "tokenSeller": f.get("token_seller"),
                    "messages": [{k: m.get(k) for k in (
                        "message_id", "order_id", "tracking", "carrier",
                        "items", "result", "codes", "status_code",
                        "cancel_reasons")} for m in f["messages"]]})
            return {"feeds": feeds, "calls": self.calls,
                    "accepted_keys": self.accepted_keys,
                    "received_keys": self.received_keys,
                    "duplicates": self.duplicates}

    def confirm_shipment(self, oid, pkg, carriers, seller=None):
        """confirm_shipment - the confirmShipment rules for one package of one
        order (request already valid by the model); raises Reply on error.
        Records every call with the seller whose token made it."""
        items = [[str(i.get("orderItemId")), i.get("quantity")]
                 for i in pkg["orderItems"]]
        trk = pkg["trackingNumber"]
        keys = ["%s|%s|%s" % (oid, c, trk) for c, _ in items]
        call = {"operation": "confirmShipment", "order_id": oid,
                "tracking": trk, "carrier": pkg["carrierCode"],
                "package": pkg["packageReferenceId"], "items": items,
                "seller": seller, "result": "error", "status": 400}
        with self.lock:
            self.calls.append(call)
            for k in keys:
                self.received_keys[k] = self.received_keys.get(k, 0) + 1
            self.save()
            if not ORDER_ID_RE.match(oid) or \
                    oid.split("-")[2].startswith("999"):
                call["status"] = 404
                raise Reply(404, errors("NotFound", "The specified resource "
                                        "does not exist.", "Order %s was "
                                        "not found." % oid))
            bad = None
            cc = pkg["carrierCode"]
            if cc == "Other" and not pkg.get("carrierName"):
                bad = "carrierName is required when carrierCode is Other."
            elif carriers is not None and cc != "Other" and cc not in carriers:
                bad = "carrierCode %s is not a valid carrier code." % cc
            for code, q in items:
                if q > 50:
                    bad = ("quantity %d of orderItemId %s is greater than "
                           "the quantity ordered." % (q, code))
            if bad:
                raise Reply(400, errors("InvalidInput", bad, ""))
            firsts = [self.confirmed.get(k) for k in keys]
            if keys and all(firsts):
                # Amazon applies a shipment once: a repeat is refused, and
                # says so (the answer a resend after a lost 204 gets)
                self.duplicates.append({
                    "feedId": None, "operation": "confirmShipment",
                    "message_id": None, "key": keys[0],
                    "first_feedId": firsts[0], "seller": seller})
                call["result"] = "warning"
                raise Reply(400, errors(
                    "InvalidInput", "The shipment of order %s with tracking "
                    "number %s has already been confirmed." % (oid, trk), ""))
            for k in keys:
                self.confirmed.setdefault(k, "confirmShipment")
                self.accepted_keys[k] = self.accepted_keys.get(k, 0) + 1
            call["result"], call["status"] = "accepted", 204


def confirm_request_problem(d):
    """confirm_request_problem - what makes a body not a ConfirmShipmentRequest
    of ordersV0.json (required members, types, enums, PackageReferenceId
    positive numeric, shipDate ISO 8601, orderItems with orderItemId and an
    integer quantity of at least 1), in Amazon's words where known; None."""
    def text(o, k, required):
        v = o.get(k)
        if v is None:
            return "%s is required." % k if required else None
        if not isinstance(v, str) or (required and not v):
            return "%s: is invalid, must be a non-empty string." % k
        return None
    for k in ("marketplaceId",):
        bad = text(d, k, True)
        if bad:
            return bad
    if "codCollectionMethod" in d and d["codCollectionMethod"] != \
            "DirectPayment":
        return "codCollectionMethod: is invalid, must be DirectPayment."
    pkg = d.get("packageDetail")
    if not isinstance(pkg, dict):
        return "packageDetail is required."
    for k, req in (("packageReferenceId", True), ("carrierCode", True),
                   ("trackingNumber", True), ("shipDate", True),
                   ("carrierName", False), ("shippingMethod", False),
                   ("shipFromSupplySourceId", False)):
        bad = text(pkg, k, req)
        if bad:
            return bad
    ref = pkg["packageReferenceId"]
    if not ref.isdigit() or int(ref) < 1:
        return "PackageReferenceId: is invalid, must be a positive numeric " \
            "value."
    if parse_iso(pkg["shipDate"]) is None or "T" not in pkg["shipDate"]:
        return "shipDate: is invalid, must be an ISO 8601 date-time."
    its = pkg.get("orderItems")
    if not isinstance(its, list) or not its:
        return "orderItems is required."
    for i in its:
        if not isinstance(i, dict) or text(i, "orderItemId", True):
            return "orderItems: orderItemId is required."
        q = i.get("quantity")
        if not isinstance(q, int) or isinstance(q, bool) or q < 1:
            return "orderItems: quantity of orderItemId %s must be a " \
                "positive integer." % i["orderItemId"]
        tc = i.get("transparencyCodes")
        if tc is not None and not (isinstance(tc, list) and all(
                isinstance(c, str) for c in tc)):
            return "orderItems: transparencyCodes must be a list of strings."
    return None


def s3_error(code, message):
    """s3_error - an S3-style XML error body (the presigned URLs are S3's)."""
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code>"
            "<Message>%s</Message><RequestId>%s</RequestId></Error>" % (
                code, xesc(message), uuid.uuid4().hex[:16].upper())).encode()


def xml_report(f, processed, ok, n_err, n_warn, results):
    """xml_report - an AmazonEnvelope ProcessingReport as Amazon writes it."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<AmazonEnvelope xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
           ' xsi:noNamespaceSchemaLocation="amzn-envelope.xsd">',
           "\t<Header>", "\t\t<DocumentVersion>1.02</DocumentVersion>",
           "\t\t<MerchantIdentifier>%s</MerchantIdentifier>" % xesc(
               f.get("merchant") or "M_SIM_EXAMPLE_1234"),
           "\t</Header>", "\t<MessageType>ProcessingReport</MessageType>",
           "\t<Message>", "\t\t<MessageID>1</MessageID>",
           "\t\t<ProcessingReport>",
           "\t\t\t<DocumentTransactionID>%s</DocumentTransactionID>"
           % f["feedId"],
           "\t\t\t<StatusCode>Complete</StatusCode>",
           "\t\t\t<ProcessingSummary>",
           "\t\t\t\t<MessagesProcessed>%d</MessagesProcessed>" % processed,
           "\t\t\t\t<MessagesSuccessful>%d</MessagesSuccessful>" % ok,
           "\t\t\t\t<MessagesWithError>%d</MessagesWithError>" % n_err,
           "\t\t\t\t<MessagesWithWarning>%d</MessagesWithWarning>" % n_warn,
           "\t\t\t</ProcessingSummary>"]
    for mid, code, rcode, desc, info in results:
        out += ["\t\t\t<Result>", "\t\t\t\t<MessageID>%s</MessageID>" % mid,
                "\t\t\t\t<ResultCode>%s</ResultCode>" % code,
                "\t\t\t\t<ResultMessageCode>%s</ResultMessageCode>" % rcode,
                "\t\t\t\t<ResultDescription>%s</ResultDescription>"
                % xesc(desc)]
        if info:
            out.append("\t\t\t\t<AdditionalInfo>")
            if info.get("order") and ORDER_ID_RE.match(info["order"]):
                out.append("\t\t\t\t\t<AmazonOrderID>%s</AmazonOrderID>"
                           % xesc(info["order"]))
            if info.get("item") and re.match(r"^\d{14}$", info["item"]):
                out.append("\t\t\t\t\t<AmazonOrderItemCode>%s"
                           "</AmazonOrderItemCode>" % xesc(info["item"]))
            out.append("\t\t\t\t</AdditionalInfo>")
            if out[-2] == "\t\t\t\t<AdditionalInfo>":
                del out[-2:]
        out.append("\t\t\t</Result>")
    out += ["\t\t</ProcessingReport>", "\t</Message>", "</AmazonEnvelope>", ""]
    return "\n".join(out).encode("utf-8")


def listings_report(f, issues, processed, accepted):
    """listings_report - a JSON_LISTINGS_FEED processing report (schema v2)."""
    errs = sum(1 for i in issues if i["severity"] == "ERROR")
    warns = sum(1 for i in issues if i["severity"] == "WARNING")
    return {"header": {"sellerId": f.get("seller") or "A2SIMSELLER0001",
                       "version": "2.0", "feedId": f["feedId"]},
            "issues": issues,
            "summary": {"errors": errs, "warnings": warns,
                        "messagesProcessed": processed,
                        "messagesAccepted": accepted,
                        "messagesInvalid": processed - accepted}}


def analyse_xml(feed_type, body, xsd, carriers, log):
    """analyse_xml - parse and validate an order feed; per-message problems."""
    res = {"fatal": None, "messages": [], "merchant": None}
    if re.search(rb"<!DOCTYPE|<!ENTITY", body[:65536], re.I):
        res["fatal"] = {"code": "5001", "text":
                        "XML Parsing Fatal Error at Line 1, Column 1: "
                        "DOCTYPE is disallowed."}
        return res
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        line, col = getattr(e, "position", (1, 1))
        res["fatal"] = {"code": "5001", "text":
                        "XML Parsing Fatal Error at Line %d, Column %d: %s"
                        % (line, col, str(e).split(":")[0])}
        return res
    if xsd:
        err = xsd_errors(body, xsd, log)
        if err:
            res["fatal"] = {"code": "5000", "text": err}
    res["merchant"] = text(child(root, "Header"), "MerchantIdentifier")
    want = KNOWN_FEED_TYPES.get(feed_type)
    mtype = text(root, "MessageType")
    if not res["fatal"] and (local(root.tag) != "AmazonEnvelope"
                             or mtype != want):
        res["fatal"] = {"code": "5000", "text":
                        "The feed type %s requires an AmazonEnvelope with "
                        "MessageType %s, but the document has %s."
                        % (feed_type, want, mtype or "none")}
    for msg in root:
        if local(msg.tag) != "Message":
            continue
        mid_s = text(msg, "MessageID") or "0"
        mid = int(mid_s) if mid_s.isdigit() else mid_s
        body_el = child(msg, want) if want else None
        if body_el is None:
            for c in msg:
                if local(c.tag) not in ("MessageID", "OperationType"):
                    body_el = c
                    break
        m = {"message_id": mid, "order_id": None, "tracking": None,
             "carrier": None, "items": [], "result": "pending", "codes": [],
             "keys": [], "problems": []}
        res["messages"].append(m)
        if body_el is None:
            m["problems"].append(["Error", "5000", "The message has no %s "
                                  "element." % want, "order"])
            continue
        oid = text(body_el, "AmazonOrderID")
        moid = text(body_el, "MerchantOrderID")
        m["order_id"] = oid or moid
        fd = child(body_el, "FulfillmentData")
        m["tracking"] = text(fd, "ShipperTrackingNumber")
        m["carrier"] = text(fd, "CarrierCode")
        cname = text(fd, "CarrierName")
        for it in body_el:
            if local(it.tag) != "Item":
                continue
            code = (text(it, "AmazonOrderItemCode")
                    or text(it, "MerchantOrderItemID") or "")
            q = text(it, "Quantity")
            qty = int(q) if q is not None and q.isdigit() else q
            m["items"].append([code, qty])
        if feed_type == "POST_ORDER_ACKNOWLEDGEMENT_DATA":
            # keys ack|ORDER|STATUS|ITEM: accepted_keys counts each acknowledgement
            m["status_code"] = text(body_el, "StatusCode")
            m["cancel_reasons"] = [text(it, "CancelReason") for it in body_el
                                   if local(it.tag) == "Item"]
            m["keys"] = ["ack|%s|%s|%s" % (oid, m["status_code"], c)
                         for c in ([c for c, _ in m["items"]] or [""])]
        if feed_type == "POST_ORDER_FULFILLMENT_DATA":
            codes = [c for c, _ in m["items"]] or [""]
            m["keys"] = ["%s|%s|%s" % (m["order_id"], c, m["tracking"] or "")
                         for c in codes]
        known = (oid is not None and ORDER_ID_RE.match(oid)
                 and not oid.split("-")[2].startswith("999")) or (
                     oid is None and moid and not moid.startswith("999"))
        if not known:
            m["problems"].append(["Error", "18028",
                                  "We couldn't find order ID %s, or the order "
                                  "data you submitted is incomplete or "
                                  "invalid. Check the order ID and resubmit."
                                  % (m["order_id"] or "(none)"), "order"])
            continue
        if feed_type != "POST_ORDER_FULFILLMENT_DATA":
            continue
        if m["carrier"] == "Other" and not cname:
            m["problems"].append(["Error", "18060",
                                  "CarrierName is required when CarrierCode "
                                  "is 'Other'.", "order"])
        elif (m["carrier"] is not None and carriers is not None
              and m["carrier"] != "Other" and m["carrier"] not in carriers):
            m["problems"].append(["Error", "18060",
                                  "The value '%s' isn't a valid CarrierCode. "
                                  "Use a carrier code from Amazon's list, or "
                                  "CarrierCode 'Other' with a CarrierName."
                                  % m["carrier"], "order"])
        for code, qty in m["items"]:
            if isinstance(qty, int) and qty > 50:
                m["problems"].append([
                    "Error", "18034",
                    "The quantity shipped (%d) for order item %s is greater "
                    "than the quantity ordered for order %s." % (
                        qty, code, m["order_id"]), "item", code])
    return res


def xsd_errors(body, xsd, log):
    """xsd_errors - xmllint's first schema error as Amazon-style text, or None."""
    try:
        p = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd,
                            "-"], input=body, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
    except FileNotFoundError:
        log("xmllint not found: schema validation skipped")
        return None
    except subprocess.TimeoutExpired:
        return "XML Parsing Error: validation timed out"
    if p.returncode == 0:
        return None
    if p.returncode == 5:
        log("xmllint cannot compile %s: schema validation skipped" % xsd)
        return None
    for ln in p.stderr.decode("utf-8", "replace").splitlines():
        m = re.match(r"^-:(\d+): (.*)$", ln)
        if m:
            msg = re.sub(r"^.*?Schemas validity error : ", "", m.group(2))
            return "XML Parsing Error at Line %s, Column 0: %s" % (
                m.group(1), msg.strip())
    return "XML Parsing Error: the document does not match the schema."


def analyse_listings(body):
    """analyse_listings - parse a JSON_LISTINGS_FEED; per-message issues."""
    res = {"fatal": None, "messages": [], "seller": None}
    try:
        doc = json.loads(body.decode("utf-8"))
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"),
                                                       list):
            raise ValueError("the document needs a header and a messages "
                             "array")
    except (ValueError, UnicodeDecodeError) as e:
        res["fatal"] = {"code": "4000001", "text":
                        "The feed document isn't valid JSON for the JSON "
                        "listings feed schema: %s" % e}
        return res
    hdr = doc.get("header") if isinstance(doc.get("header"), dict) else {}
    res["seller"] = hdr.get("sellerId")
    for i, msg in enumerate(doc["messages"]):
        if not isinstance(msg, dict):
            msg = {}
        mid = msg.get("messageId", i + 1)
        sku = msg.get("sku")
        op = msg.get("operationType")
        qtys = []
        if isinstance(msg.get("patches"), list):
            for p in msg["patches"]:
                if (isinstance(p, dict) and p.get("path")
                        == "/attributes/fulfillment_availability"
                        and isinstance(p.get("value"), list)):
                    qtys += [v.get("quantity") for v in p["value"]
                             if isinstance(v, dict)]
        attrs = msg.get("attributes")
        if isinstance(attrs, dict) and isinstance(
                attrs.get("fulfillment_availability"), list):
            qtys += [v.get("quantity") for v in attrs["fulfillment_availability"]
                     if isinstance(v, dict)]
        m = {"message_id": mid, "order_id": None, "tracking": None,
             "carrier": None, "sku": sku,
             "items": [[sku, q] for q in qtys] or [[sku, None]],
             "result": "pending", "codes": [], "issues": []}
        res["messages"].append(m)

        def issue(code, message, attr=None):
            it = {"messageId": mid, "code": code, "severity": "ERROR",
                  "message": message}
            if sku:
                it["sku"] = sku
            if attr:
                it["attributeName"] = attr
            m["issues"].append(it)
        if not sku or op not in ("UPDATE", "PARTIAL_UPDATE", "PATCH",
                                 "DELETE"):
            issue("4000001", "The message is invalid: it needs a sku and an "
                  "operationType of UPDATE, PARTIAL_UPDATE, PATCH or DELETE.")
            continue
        if op != "DELETE" and not msg.get("productType"):
            issue("90220", "'[productType]' is required but not supplied.")
        if str(sku).startswith("WARNSKU"):
            # a warning only: the message is accepted, the issue reported
            m["issues"].append({"messageId": mid, "code": "18001",
                                "severity": "WARNING", "sku": sku,
                                "message": "The listing is applied; its "
                                "fulfillment latency is unusually long."})
        if op != "UPDATE" and str(sku).startswith("UNKNOWN"):
            issue("4000003", "The SKU '%s' doesn't match any listing in "
                  "your catalogue." % sku)
        for q in qtys:
            if not isinstance(q, int) or isinstance(q, bool) or q < 0:
                issue("99022", "The value '%s' for the attribute "
                      "'fulfillment_availability.quantity' is invalid: it "
                      "must be an integer of at least 0." % (q,),
                      "fulfillment_availability")
    return res


def settlement_doc(r, t0):
    """settlement_doc - a V2 settlement flat file for the sim's order book, in
    Amazon's shape: the settlement id on every row, the summary first, amounts
    in the marketplace's format, posted-date MM/DD/YY and posted-date-time
    YYYY-MM-DD HH:MM:SS UTC. r["sid"] names the settlement (Amazon may deliver
    one settlement twice), r["extra"] adds (type, amount-type, description,
    pence[, order-id[, posted epoch]]) rows, r["period_end"] moves the period's end,
    r["no_book"] leaves the order book out (see sim_reports.py)."""
    sid = r.get("sid") or "1" + r["reportId"][-10:]
    end = r.get("period_end") or t0 - 3600
    start = end - 14 * 86400

    def d(t):
        return datetime.datetime.fromtimestamp(
            t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")

    def money(p):
        return "%s%d.%02d" % ("-" if p < 0 else "", abs(p) // 100, abs(p) % 100)
    rows = []
    total = 0
    for i, (oid, status, _lvl, _p, items) in enumerate(SIM_ORDERS):
        if status in ("Pending", "Canceled") or r.get("no_book"):
            continue
        posted = start + (i + 1) * 86400
        for j, (sku, qty, price) in enumerate(items):
            code = "%014d" % (12345678900000 + i * 10 + j)
            cents = int(round(float(price) * 100)) * qty
            fee = -(cents * 15 // 100)
            for atype, adesc, amt in (("ItemPrice", "Principal", cents),
                                      ("ItemFees", "Commission", fee)):
                total += amt
                rows.append([sid, "", "", "", "", "", "Order", oid, "", "",
                             "SIMSHP%05d" % i, "Amazon.co.uk", atype, adesc,
                             money(amt), "MFN",
                             datetime.datetime.fromtimestamp(
                                 posted, datetime.timezone.utc).strftime(
                                     "%m/%d/%y"),
                             d(posted), code, "", "", sku, str(qty)])
    for x in r.get("extra", []):
        ttype, atype, adesc, amt = x[:4]
        oid = x[4] if len(x) > 4 else ""
        at = x[5] if len(x) > 5 else end
        total += amt
        rows.append([sid, "", "", "", "", "", ttype, oid, "", "", "",
                     "Amazon.co.uk", atype, adesc, money(amt),
                     "MFN" if oid else "",
                     datetime.datetime.fromtimestamp(
                         at, datetime.timezone.utc).strftime("%m/%d/%y"),
                     d(at), "", "", "", "", ""])
    head = [sid, d(start), d(end), d(end + 3 * 86400), money(total),
            "GBP"] + [""] * (len(SETTLEMENT_COLUMNS) - 6)
    lines = ["\t".join(SETTLEMENT_COLUMNS), "\t".join(head)]
    lines += ["\t".join(x) for x in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def all_orders_doc(r, t0):
    """all_orders_doc - the flat-file all-orders report of the order book."""
    lines = ["\t".join(ALL_ORDERS_COLUMNS)]
    for i, (oid, status, lvl, _p, items) in enumerate(SIM_ORDERS):
        pd = t0 - (len(SIM_ORDERS) - i) * 3600
        for sku, qty, price in items:
            lines.append("\t".join([
                oid, "", iso_s(pd).replace("Z", "+00:00"),
                iso_s(pd + 600).replace("Z", "+00:00"), status, "Merchant",
                "Amazon.co.uk", "", lvl, "Sim product %s" % sku, sku,
                "B0SIM%05d" % sum(map(ord, sku)),
                "Shipped" if status == "Shipped" else "Unshipped",
                str(qty), "GBP",
                "%.2f" % (float(price) * qty), "0.00", "0.00", "0.00",
                "LONDON", "", "SW1A 1AA", "GB", "false"]))
    return ("\n".join(lines) + "\n").encode("utf-8")


def order_json(i, t0, marketplace):
    """order_json - one Order object of the order book (ordersV0 model)."""
    oid, status, lvl, prime, items = SIM_ORDERS[i]
    pd = t0 - (len(SIM_ORDERS) - i) * 3600
    total = sum(float(p) * q for _s, q, p in items)
    shipped = sum(q for _s, q, _p in items) if status == "Shipped" else 0
    o = {"AmazonOrderId": oid, "PurchaseDate": iso_s(pd),
         "LastUpdateDate": iso_s(pd + 600), "OrderStatus": status,
         "FulfillmentChannel": "MFN", "SalesChannel": "Amazon.co.uk",
         "ShipServiceLevel": lvl,
         "NumberOfItemsShipped": shipped,
         "NumberOfItemsUnshipped": sum(q for _s, q, _p in items) - shipped,
         "PaymentMethod": "Other", "MarketplaceId": marketplace,
         "ShipmentServiceLevelCategory": {"Std": "Standard",
                                          "Expedited": "Expedited",
                                          "NextDay": "NextDay"}[lvl],
         "OrderType": "StandardOrder",
         "EarliestShipDate": iso_s(pd + 3600),
         "LatestShipDate": iso_s(pd + 2 * 86400),
         "IsBusinessOrder": False, "IsPrime": prime,
         "IsPremiumOrder": False, "IsGlobalExpressEnabled": False,
         "IsReplacementOrder": False, "IsSoldByAB": False, "IsISPU": False,
         "IsAccessPointOrder": False}
    if status != "Pending":
        o["OrderTotal"] = {"CurrencyCode": "GBP", "Amount": "%.2f" % total}
    return o


def order_items_json(i):
    """order_items_json - the OrderItem objects of one order."""
    items = []
    for j, (sku, qty, price) in enumerate(SIM_ORDERS[i][4]):
        items.append({
            "ASIN": "B0SIM%05d" % sum(map(ord, sku)), "SellerSKU": sku,
            "OrderItemId": "%014d" % (12345678900000 + i * 10 + j),
            "Title": "Sim product %s" % sku, "QuantityOrdered": qty,
            "QuantityShipped": qty if SIM_ORDERS[i][1] == "Shipped" else 0,
            "ItemPrice": {"CurrencyCode": "GBP",
                          "Amount": "%.2f" % (float(price) * qty)},
            "ItemTax": {"CurrencyCode": "GBP", "Amount": "0.00"},
            "IsGift": "false", "ConditionId": "New",
            "ConditionSubtypeId": "New", "IsTransparency": False,
            "SerialNumberRequired": False})
    return items


def qlist(q, name):
    """qlist - a query array parameter (comma separated or repeated)."""
    out = []
    for v in q.get(name, []):
        out += [x for x in v.split(",") if x]
    return out


def page_token(data):
    """page_token - an opaque nextToken carrying the listing position."""
    return base64.b64encode(json.dumps(data).encode()).decode()


def from_page_token(tok):
    """from_page_token - decode a nextToken, or raise 400."""
    try:
        return json.loads(base64.b64decode(tok.encode(), validate=True))
    except (ValueError, TypeError):
        raise Reply(400, errors("InvalidInput", "Invalid input",
                                "nextToken is invalid or expired"))


def list_filtered(objs, q, type_param, type_key, to_json, now, skew=0):
    """list_filtered - getFeeds/getReports filtering, newest first, paged;
    createdSince/createdUntil are read on a clock running skew s behind."""
    tok = q.get("nextToken", [None])[0]
    if tok is not None:
        if len(q) != 1:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "nextToken must be the only parameter"))
        st = from_page_token(tok)
        q = {k: v for k, v in st["q"].items()}
        off = int(st["off"])
    else:
        off = 0
    types = qlist(q, type_param)
    if not types and type_param == "feedTypes":
        raise Reply(400, errors("InvalidInput", "Invalid input",
                                "Either feedTypes or nextToken is required"))
    if len(types) > 10:
        raise Reply(400, errors("InvalidInput", "Invalid input",
                                "%s accepts at most 10 values" % type_param))
    stats = qlist(q, "processingStatuses")
    for s in stats:
        if s not in ("CANCELLED", "DONE", "FATAL", "IN_PROGRESS", "IN_QUEUE"):
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "Invalid processingStatuses value %s" % s))
    mkts = qlist(q, "marketplaceIds")
    try:
        size = int(q.get("pageSize", ["10"])[0])
    except ValueError:
        size = 0
    if not 1 <= size <= 100:
        raise Reply(400, errors("InvalidInput", "Invalid input",
                                "pageSize must be between 1 and 100"))
    since = now - 90 * 86400
    until = now
    for name in ("createdSince", "createdUntil"):
        if name in q:
            t = parse_iso(q[name][0])
            if t is None:
                raise Reply(400, errors("InvalidInput", "Invalid input",
                                        "%s is not an ISO 8601 date-time"
                                        % name))
            if name == "createdSince":
                since = t + skew
            else:
                until = t + skew
    sel = []
    for o in objs:
        j = to_json(o, now)
        if types and j[type_key] not in types:
            continue
        if stats and j["processingStatus"] not in stats:
            continue
        if mkts and not set(mkts) & set(j.get("marketplaceIds", [])):
            continue
        if not since <= o["created"] <= until:
            continue
        sel.append(j)
    sel.sort(key=lambda j: j["createdTime"], reverse=True)
    out = sel[off:off + size]
    nxt = None
    if off + size < len(sel):
        nxt = page_token({"q": q, "off": off + size})
    return out, nxt


class Handler(http.server.BaseHTTPRequestHandler):
    """Handler - one HTTP request: route, faults, auth, quota, operation."""

    protocol_version = "HTTP/1.1"
    server_version = "Server"
    sys_version = ""
    timeout = 120

    def setup(self):
        """setup - stream setup plus TCP_NODELAY on the connection."""
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                       1)
        except OSError:
            pass

    def log_message(self, fmt, *a):
        """log_message - silence the base class; dispatch logs itself."""

    def do_GET(self):
        """do_GET - dispatch a GET."""
        self.dispatch("GET")

    def do_POST(self):
        """do_POST - dispatch a POST."""
        self.dispatch("POST")

    def do_PUT(self):
        """do_PUT - dispatch a PUT."""
        self.dispatch("PUT")

    def do_DELETE(self):
        """do_DELETE - dispatch a DELETE."""
        self.dispatch("DELETE")

    def do_PATCH(self):
        """do_PATCH - dispatch a PATCH."""
        self.dispatch("PATCH")

    def read_body(self, limit):
        """read_body - the request body (Content-Length or chunked), capped."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                size += n
                if size > limit:
                    raise OverflowError
                parts.append(self.rfile.read(n))
                self.rfile.readline(16)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0:
            raise ValueError
        if n > limit:
            raise OverflowError
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, headers=None):
        """reply - send status, headers and a JSON or bytes body."""
        headers = dict(headers or {})
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif body is None:
            data = b""
        else:
            data = body
            headers.setdefault("Content-Type", "application/xml"
                               if data.startswith(b"<?xml")
                               else "application/octet-stream")
        self.status = status
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("x-amzn-RequestId", self.rid)
        if self.op is not None:
            self.send_header("x-amzn-RateLimit-Limit", self.rate_header)
        self.send_header("Content-Length", str(len(data)))
        # headers and body in one write: no Nagle/delayed-ACK stall
        self._headers_buffer.append(b"\r\n")
        if data and self.command != "HEAD":
            self._headers_buffer.append(data)
        self.flush_headers()

    def date_time_string(self, timestamp=None):
        """date_time_string - the Date header, on the simulator's clock."""
        if timestamp is None:
            timestamp = self.server.sim.amazon_time(time.time())
        return super().date_time_string(timestamp)

    def hang(self):
        """hang - accept, say nothing for hang_ms, then close the connection."""
        sim = self.server.sim
        self.status = "hang"
        sim.hang_release.wait(sim.faults["hang_ms"] / 1000.0)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def inject(self, kind):
        """inject - apply slow, hang, 5xx and 429 faults; True if answered."""
        sim = self.server.sim
        d = sim.decide()
        if sim.faults["slow_ms"]:
            sim.count("slow")
            time.sleep(sim.faults["slow_ms"] / 1000.0)
        if d is not None and (d != 429 or kind == "spapi"):
            sim.count(str(d))
        if d == "hang":
            self.hang()
            return True
        if d == 500:
            self.reply(500, errors("InternalFailure", "We encountered an "
                                   "internal error. Please try again."))
            return True
        if d == 503:
            self.reply(503, errors("ServiceUnavailable", "Service "
                                   "temporarily unavailable. Please try "
                                   "again later."))
            return True
        if d == 429 and kind == "spapi":
            self.quota()
            return True
        return False

    def quota(self):
        """quota - the 429 QuotaExceeded answer."""
        self.reply(429, errors("QuotaExceeded", "You exceeded your quota for "
                               "the requested resource."))

    def dispatch(self, method):
        """dispatch - read the body, route the request, log one line."""
        sim = self.server.sim
        self.rid = str(uuid.uuid4())
        self.op = None
        self.status = None
        u = urllib.parse.urlsplit(self.path)
        path = u.path
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        try:
            try:
                body = self.read_body(MAX_UPLOAD if path.startswith(
                    "/_upload/") else MAX_JSON)
            except OverflowError:
                self.close_connection = True
                raise Reply(413, errors("RequestEntityTooLarge",
                                        "The request is too large."))
            except ValueError:
                self.close_connection = True
                raise Reply(400, errors("InvalidInput", "Invalid input",
                                        "Bad request body framing"))
            if not path.startswith("/_sim/"):
                sim.advance()
            self.route(method, path, q, body)
        except Reply as r:
            self.reply(r.status, r.body, r.headers)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True
        except Exception:  # a sim bug must not kill the server
            traceback.print_exc()
            if self.status is None:
                self.reply(500, errors("InternalFailure", "We encountered an "
                                       "internal error. Please try again."))
        if not path.startswith("/_sim/"):
            op = self.op
            if op is None:
                op = {"/auth/o2/token": "token"}.get(path) or (
                    "upload" if path.startswith("/_upload/") else
                    "download" if path.startswith("/_download/") else "other")
            sim.count_call(op, self.status)
        if not sim.args.quiet:
            sys.stderr.write("spapi_sim: %s %s %s %s\n" % (
                time.strftime("%H:%M:%S"), method, path, self.status))
            sys.stderr.flush()

    def route(self, method, path, q, body):
        """route - control API, LWA, presigned URLs or an SP-API operation."""
        sim = self.server.sim
        if path.startswith("/_sim/"):
            return self.control(method, path, body)
        if path == "/auth/o2/token":
            if method != "POST":
                raise Reply(405, {"error": "invalid_request",
                                  "error_description": "POST required"})
            if sim.faults["auth_faults"] and self.inject("auth"):
                return
            return self.lwa(body)
        if path.startswith("/_upload/") or path.startswith("/_download/"):
            if sim.faults["s3_faults"] and self.inject("s3"):
                return
            did = urllib.parse.unquote(path.split("/", 2)[2])
            if path.startswith("/_upload/") and method == "PUT":
                etag = sim.upload(did, q, self.headers.get("Content-Type"),
                                  body)
                return self.reply(200, None, {"ETag": '"%s"' % etag})
            if path.startswith("/_download/") and method == "GET":
                data, ctype = sim.download(did, q)
                return self.reply(200, data, {"Content-Type": ctype})
            raise Reply(405, s3_error("MethodNotAllowed", "The specified "
                                      "method is not allowed against this "
                                      "resource."))
        for meth, pat, op, rate, burst in OPS:
            m = re.fullmatch(pat, path)
            if m and meth == method:
                break
        else:
            raise Reply(404, errors("NotFound", "Resource not found",
                                    "%s %s" % (method, path)))
        self.op = op
        self.rate_header = "%g" % (rate * sim.args.rate_scale)
        if self.inject("spapi"):
            return
        ts = sim.token_state(self.headers.get("x-amz-access-token"))
        if ts is not None:
            details = {"missing": "Access token is missing in the request "
                       "header.",
                       "invalid": "The access token you provided is revoked, "
                       "malformed or invalid.",
                       "expired": "The access token you provided has "
                       "expired."}[ts]
            st = sim.faults["expired_status"] if ts == "expired" else 403
            if ts == "expired":
                sim.count("expired_token")
            raise Reply(st, errors("Unauthorized", "Access to requested "
                                   "resource is denied.", details))
        if not sim.bucket(op, rate, burst):
            with sim.lock:
                sim.stats["throttled"] += 1
            return self.quota()
        if op in EXT_HANDLERS:
            st, obj = EXT_HANDLERS[op](self, m, q, body)
        else:
            st, obj = getattr(self, "op_" + op)(m, q, body)
        if st is not None:  # None: the handler hung up without an answer
            self.reply(st, obj)

    def json_body(self, body):
        """json_body - the request's JSON object, or 400/415."""
        ct = (self.headers.get("Content-Type") or "").lower()
        if not ct.startswith("application/json"):
            raise Reply(415, errors("Unsupported Media Type", "The request's "
                                    "Content-Type header is invalid.",
                                    "Content-Type must be application/json"))
        try:
            d = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "The request body is not valid JSON"))
        if not isinstance(d, dict):
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "The request body must be an object"))
        return d

    # ----- Login with Amazon ---------------------------------------------
    def lwa(self, body):
        """lwa - POST /auth/o2/token, grant_type=refresh_token."""
        a = self.server.sim.args
        ct = (self.headers.get("Content-Type") or "").lower()
        if ct.startswith("application/json"):
            try:
                f = {k: str(v) for k, v in json.loads(body.decode()).items()}
            except (ValueError, AttributeError, UnicodeDecodeError):
                f = {}
        else:
            f = {k: v[0] for k, v in urllib.parse.parse_qs(
                body.decode("utf-8", "replace")).items()}
        hdr = {"Content-Type": "application/json;charset=UTF-8"}
        if f.get("grant_type") != "refresh_token":
            raise Reply(400, {"error": "unsupported_grant_type",
                              "error_description": "The authorization grant "
                              "type is not supported by the authorization "
                              "server"}, hdr)
        for k in ("refresh_token", "client_id", "client_secret"):
            if not f.get(k):
                raise Reply(400, {"error": "invalid_request",
                                  "error_description": "The request is "
                                  "missing a required parameter : %s" % k},
                            hdr)
        if f["client_id"] != a.client_id or f["client_secret"] != \
                a.client_secret:
            raise Reply(401, {"error": "invalid_client",
                              "error_description": "Client authentication "
                              "failed"}, hdr)
        seller = self.server.sim.sellers.get(f["refresh_token"])
        if seller is None or seller in self.server.sim.revoked:
            raise Reply(400, {"error": "invalid_grant",
                              "error_description": "The request has an "
                              "invalid grant parameter : refresh_token"}, hdr)
        tok, secs = self.server.sim.issue_token(seller=seller)
        self.reply(200, {"access_token": tok, "refresh_token":
                         f["refresh_token"], "token_type": "bearer",
                         "expires_in": int(secs)}, hdr)

    # ----- feeds ---------------------------------------------------------
    def op_createFeedDocument(self, m, q, body):
        """op_createFeedDocument - a document id and a presigned upload URL."""
        sim = self.server.sim
        d = self.json_body(body)
        ct = d.get("contentType")
        if not isinstance(ct, str) or not ct.strip():
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "contentType is required"))
        did = sim.create_doc("feed-input", ct)
        return 201, {"feedDocumentId": did, "url": sim.url("upload", did)}

    def op_createFeed(self, m, q, body):
        """op_createFeed - check the spec and document, analyse, record."""
        sim = self.server.sim
        d = self.json_body(body)
        for k in ("feedType", "marketplaceIds", "inputFeedDocumentId"):
            if k not in d:
                raise Reply(400, errors("InvalidInput", "Invalid input",
                                        "%s is required" % k))
        ft, mk, did = d["feedType"], d["marketplaceIds"], \
            d["inputFeedDocumentId"]
        if (not isinstance(mk, list) or not 1 <= len(mk) <= 25
                or not all(isinstance(x, str) and x for x in mk)):
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "marketplaceIds must list 1 to 25 "
                                    "marketplace ids"))
        if ft in RETIRED_FEED_TYPES:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "Feed type %s is no longer supported; "
                                    "use JSON_LISTINGS_FEED" % ft))
        if ft not in KNOWN_FEED_TYPES:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "Invalid feed type %s" % ft))
        if sim.take_fault("drop_create", "dropped_create"):
            self.hang()
            return None, None
        if sim.take_fault("refuse_create", "refused_create"):
            raise Reply(400, errors(
                "InvalidInput", "Invalid input",
                "The seller is not authorised for marketplace %s"
                % (mk[0] if mk else "")))
        with sim.lock:
            doc = sim.docs.get(did) if isinstance(did, str) else None
            if doc is None or doc["kind"] != "feed-input" \
                    or not doc["uploaded"]:
                raise Reply(400, errors(
                    "InvalidInput", "Invalid input",
                    "inputFeedDocumentId %s does not exist or has no uploaded "
                    "content" % did))
            data = sim.bodies.get(did, b"")
        if ft == "JSON_LISTINGS_FEED":
            an = analyse_listings(data)
        else:
            an = analyse_xml(ft, data, sim.args.xsd, sim.carriers, sim.log)
        an["token_seller"] = sim.token_seller.get(
            self.headers.get("x-amz-access-token"))
        fid = sim.create_feed({"feedType": ft, "marketplaceIds": mk,
                               "inputFeedDocumentId": did,
                               "feedOptions": d.get("feedOptions")}, an)
        if sim.take_fault("lose_create_reply", "lost_create_reply"):
            self.hang()
            return None, None
        return 202, {"feedId": fid}

    def op_getFeed(self, m, q, body):
        """op_getFeed - the Feed object."""
        sim = self.server.sim
        with sim.lock:
            f = sim.feeds.get(m.group("id"))
            if f is None:
                raise Reply(404, errors("NotFound", "Resource not found",
                                        "Feed %s not found" % m.group("id")))
            return 200, sim.feed_json(f, time.time())

    def op_getFeeds(self, m, q, body):
        """op_getFeeds - feeds filtered by type, status, marketplace, time;
        like Amazon, only the calling seller's (the seller of the access
        token that created them)."""
        sim = self.server.sim
        with sim.lock:
            now = time.time()
            lag = sim.faults["list_lag_seconds"]
            me = sim.token_seller.get(self.headers.get("x-amz-access-token"))
            objs = [sim.feeds[i] for i in sim.feed_order
                    if now - sim.feeds[i]["created"] >= lag
                    and sim.feeds[i].get("token_seller") == me]
            out, nxt = list_filtered(objs, q, "feedTypes", "feedType",
                                     sim.feed_json, now,
                                     sim.faults["clock_skew_seconds"])
        r = {"feeds": out}
        if nxt:
            r["nextToken"] = nxt
        return 200, r

    def op_cancelFeed(self, m, q, body):
        """op_cancelFeed - cancel a feed still IN_QUEUE."""
        self.server.sim.cancel_feed(m.group("id"))
        return 200, None

    def op_getFeedDocument(self, m, q, body):
        """op_getFeedDocument - document id, download URL, compression."""
        sim = self.server.sim
        did = m.group("id")
        with sim.lock:
            doc = sim.docs.get(did)
            if doc is None or doc["kind"] == "report":
                raise Reply(404, errors("NotFound", "Resource not found",
                                        "Feed document %s not found" % did))
            if did not in sim.bodies:
                raise Reply(400, errors("InvalidInput", "Invalid input",
                                        "Feed document %s has no content"
                                        % did))
            r = {"feedDocumentId": did, "url": sim.url("download", did)}
            if doc.get("compression"):
                r["compressionAlgorithm"] = doc["compression"]
            return 200, r

    # ----- reports -------------------------------------------------------
    def op_createReport(self, m, q, body):
        """op_createReport - request a report of a supported type."""
        sim = self.server.sim
        d = self.json_body(body)
        rt, mk = d.get("reportType"), d.get("marketplaceIds")
        if not isinstance(rt, str) or not isinstance(mk, list) or not mk:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "reportType and marketplaceIds are "
                                    "required"))
        if rt not in REPORT_TYPES and rt not in EXT_REPORTS:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "Report type %s is not supported by the "
                                    "simulator" % rt))
        with sim.lock:
            rid = sim.new_id()
            r = {"reportId": rid, "reportType": rt, "marketplaceIds": mk,
                 "created": time.time(), "ps": sim.args.process_seconds,
                 "fate": "normal", "final": None,
                 "seller": sim.token_seller.get(
                     self.headers.get("x-amz-access-token"))}
            for k in ("dataStartTime", "dataEndTime"):
                if isinstance(d.get(k), str):
                    if parse_iso(d[k]) is None:
                        raise Reply(400, errors("InvalidInput",
                                                "Invalid input",
                                                "%s is not ISO 8601" % k))
                    r[k] = d[k]
            sim.reports[rid] = r
            sim.report_order.append(rid)
            sim.save()
        return 202, {"reportId": rid}

    def op_getReport(self, m, q, body):
        """op_getReport - the Report object."""
        sim = self.server.sim
        with sim.lock:
            r = sim.reports.get(m.group("id"))
            if r is None:
                raise Reply(404, errors("NotFound", "Resource not found",
                                        "Report %s not found" % m.group("id")))
            return 200, sim.report_json(r, time.time())

    def op_getReports(self, m, q, body):
        """op_getReports - reports filtered like getFeeds."""
        sim = self.server.sim
        if "nextToken" not in q and not qlist(q, "reportTypes"):
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "Either reportTypes or nextToken is "
                                    "required"))
        with sim.lock:
            objs = [sim.reports[i] for i in sim.report_order]
            out, nxt = list_filtered(objs, q, "reportTypes", "reportType",
                                     sim.report_json, time.time())
        r = {"reports": out}
        if nxt:
            r["nextToken"] = nxt
        return 200, r

    def op_cancelReport(self, m, q, body):
        """op_cancelReport - cancel a report still IN_QUEUE."""
        sim = self.server.sim
        with sim.lock:
            r = sim.reports.get(m.group("id"))
            if r is None:
                raise Reply(404, errors("NotFound", "Resource not found"))
            if sim.feed_status(r, time.time()) != "IN_QUEUE":
                raise Reply(400, errors("InvalidInput", "Invalid input",
                                        "Only IN_QUEUE reports can be "
                                        "cancelled"))
            r["final"], r["end"] = "CANCELLED", time.time()
            sim.save()
        return 200, None

    def op_getReportDocument(self, m, q, body):
        """op_getReportDocument - document id, download URL, compression."""
        sim = self.server.sim
        did = m.group("id")
        with sim.lock:
            doc = sim.docs.get(did)
            if doc is None or doc["kind"] != "report":
                raise Reply(404, errors("NotFound", "Resource not found",
                                        "Report document %s not found" % did))
            r = {"reportDocumentId": did, "url": sim.url("download", did)}
            if doc.get("compression"):
                r["compressionAlgorithm"] = doc["compression"]
            return 200, r

    # ----- orders --------------------------------------------------------
    def op_getOrders(self, m, q, body):
        """op_getOrders - the order book, filtered and paged (payload shape)."""
        sim = self.server.sim
        now = time.time()
        tok = q.get("NextToken", [None])[0]
        if tok is not None:
            st = from_page_token(tok)
            q, off = st["q"], int(st["off"])
        else:
            off = 0
        mk = qlist(q, "MarketplaceIds")
        if not mk:
            raise Reply(400, errors("InvalidInput", "Invalid Input",
                                    "MarketplaceIds is required"))
        ids = qlist(q, "AmazonOrderIds")
        after = q.get("CreatedAfter", [None])[0]
        uafter = q.get("LastUpdatedAfter", [None])[0]
        if not ids and (after is None) == (uafter is None):
            raise Reply(400, errors("InvalidInput", "Invalid Input",
                                    "Exactly one of CreatedAfter and "
                                    "LastUpdatedAfter is required"))
        lo, hi, field = None, now - 120, "PurchaseDate"
        for name in ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter",
                     "LastUpdatedBefore"):
            if name in q:
                t = parse_iso(q[name][0])
                if t is None:
                    raise Reply(400, errors("InvalidInput", "Invalid Input",
                                            "%s is not ISO 8601" % name))
                if name.endswith("Before"):
                    if t > now - 120:
                        raise Reply(400, errors(
                            "InvalidInput", "Invalid Input",
                            "%s must be at least two minutes before the "
                            "time of the request" % name))
                    hi = t
                else:
                    lo = t
                if name.startswith("LastUpdated"):
                    field = "LastUpdateDate"
        stats = qlist(q, "OrderStatuses")
        try:
            size = int(q.get("MaxResultsPerPage", ["100"])[0])
        except ValueError:
            size = 0
        if not 1 <= size <= 100:
            raise Reply(400, errors("InvalidInput", "Invalid Input",
                                    "MaxResultsPerPage must be 1..100"))
        sel = []
        for i in range(len(SIM_ORDERS)):
            o = order_json(i, sim.t0, mk[0])
            t = parse_iso(o[field])
            if ids and o["AmazonOrderId"] not in ids:
                continue
            if not ids and not (lo is None or t >= lo) or t > hi:
                continue
            if stats and o["OrderStatus"] not in stats:
                continue
            sel.append(o)
        pl = {"Orders": sel[off:off + size]}
        if off + size < len(sel):
            pl["NextToken"] = page_token({"q": q, "off": off + size})
        pl["LastUpdatedBefore" if field == "LastUpdateDate"
           else "CreatedBefore"] = iso_s(hi)
        return 200, {"payload": pl}

    def order_index(self, oid):
        """order_index - position of an order in the book, or 404."""
        for i, o in enumerate(SIM_ORDERS):
            if o[0] == oid:
                return i
        raise Reply(404, errors("InvalidInput", "Invalid Input",
                                "Invalid AmazonOrderId: %s" % oid))

    def op_getOrder(self, m, q, body):
        """op_getOrder - one order."""
        i = self.order_index(m.group("id"))
        return 200, {"payload": order_json(i, self.server.sim.t0,
                                           "A1F83G8C2ARO7P")}

    def op_getOrderItems(self, m, q, body):
        """op_getOrderItems - the items of one order."""
        i = self.order_index(m.group("id"))
        return 200, {"payload": {"AmazonOrderId": m.group("id"),
                                 "OrderItems": order_items_json(i)}}

    def op_confirmShipment(self, m, q, body):
        """op_confirmShipment - confirm one package of one order (204), the
        request checked against ConfirmShipmentRequest (ordersV0.json)."""
        d = self.json_body(body)
        bad = confirm_request_problem(d)
        if bad:
            raise Reply(400, errors("InvalidInput", bad, ""))
        sim = self.server.sim
        seller = sim.token_seller.get(self.headers.get("x-amz-access-token"))
        sim.confirm_shipment(m.group("id"), d["packageDetail"], sim.carriers,
                             seller or "default")
        if sim.take_fault("lose_confirm_reply", "lost_confirm_reply"):
            self.hang()
            return None, None
        return 204, None

    def op_createRestrictedDataToken(self, m, q, body):
        """op_createRestrictedDataToken - an RDT usable as an access token."""
        sim = self.server.sim
        d = self.json_body(body)
        if not isinstance(d.get("restrictedResources"), list) or \
                not d["restrictedResources"]:
            raise Reply(400, errors("InvalidInput", "Invalid input",
                                    "restrictedResources is required"))
        tok, secs = sim.issue_token("Atz.sprdt|", 3600)
        return 200, {"restrictedDataToken": tok, "expiresIn": int(secs)}

    # ----- control API ---------------------------------------------------
    def control(self, method, path, body):
        """control - /_sim/faults, reset, received, stats, health."""
        sim = self.server.sim
        try:
            d = json.loads(body.decode("utf-8")) if body.strip() else {}
        except (ValueError, UnicodeDecodeError):
            raise Reply(400, {"error": "body is not JSON"})
        if path == "/_sim/faults" and method == "GET":
            return self.reply(200, dict(sim.faults))
        if path == "/_sim/faults" and method == "POST":
            try:
                return self.reply(200, sim.set_faults(d))
            except (ValueError, TypeError) as e:
                raise Reply(400, {"error": str(e)})
        if path == "/_sim/reset" and method == "POST":
            with sim.lock:
                if not isinstance(d, dict):
                    raise Reply(400, {"error": "body must be an object"})
                if d.get("faults", True):
                    sim.revoked = set()
                    sim.faults = {}
                    sim.set_faults(dict(FAULT_DEFAULTS), initial=True)
                if d.get("state", True):
                    keep = dict(sim.tokens) if not d.get("tokens") else {}
                    sim.clear_state()
                    sim.tokens = keep
                    sim.save()
                if d.get("tokens"):
                    sim.tokens = {}
                    sim.save()
                if d.get("buckets", True):
                    sim.buckets = {}
                sim.hang_release.set()
                sim.hang_release = threading.Event()
            return self.reply(200, {"reset": True})
        if path == "/_sim/revoke" and method == "POST":
            # {"seller": ID}: its refresh token and access tokens stop working
            sid = d.get("seller") if isinstance(d, dict) else None
            if sid not in sim.sellers.values():
                raise Reply(400, {"error": "unknown seller %r" % (sid,)})
            with sim.lock:
                sim.revoked.add(sid)
            return self.reply(200, {"revoked": sid})
        if path == "/_sim/received" and method == "GET":
            return self.reply(200, sim.received())
        if path == "/_sim/stats" and method == "GET":
            with sim.lock:
                return self.reply(200, json.loads(json.dumps(sim.stats)))
        if path in EXT_CONTROL:
            return EXT_CONTROL[path](self, method, d)
        if path == "/_sim/health" and method == "GET":
            return self.reply(200, {"ok": True, "pid": os.getpid(),
                                    "url": sim.base_url})
        raise Reply(404, {"error": "unknown control endpoint %s %s"
                          % (method, path)})


class Server(http.server.ThreadingHTTPServer):
    """Server - threaded HTTP(S) server bound to 127.0.0.1 only."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        """handle_error - one line instead of a traceback (TLS failures)."""
        if not self.sim.args.quiet:
            e = sys.exc_info()[1]
            sys.stderr.write("spapi_sim: connection error: %s\n" % (e,))


def ticker(sim, stop):
    """ticker - process due feeds and reports in the background."""
    while not stop.wait(0.2):
        try:
            sim.advance()
            sim.flush()
        except Exception:
            traceback.print_exc()


def parent_watch(ppid, stop):
    """parent_watch - end the simulator when the starting process is gone."""
    while not stop.wait(0.5):
        if os.getppid() != ppid:
            os.kill(os.getpid(), signal.SIGTERM)
            return


def main(argv=None):
    """main - parse options, bind 127.0.0.1, write the port file, serve."""
    load_extensions()
    ap = argparse.ArgumentParser(description="Loopback SP-API simulator "
                                 "for wmsbridge tests.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--state-dir")
    ap.add_argument("--xsd", help="order-envelope.xsd for xmllint")
    ap.add_argument("--carrier-codes", help="accepted CarrierCode values")
    ap.add_argument("--rate-scale", type=float, default=1.0)
    ap.add_argument("--process-seconds", type=float, default=2.0)
    ap.add_argument("--token-seconds", type=float, default=3600)
    ap.add_argument("--client-id", default=DEFAULT_CLIENT_ID)
    ap.add_argument("--client-secret", default=DEFAULT_CLIENT_SECRET)
    ap.add_argument("--refresh-token", default=DEFAULT_REFRESH_TOKEN)
    ap.add_argument("--seller", action="append", default=[],
                    metavar="REFRESH_TOKEN=SELLER_ID",
                    help="another seller's refresh token (repeatable)")
    ap.add_argument("--faults", help="JSON object of fault settings")
    for k, v in FAULT_DEFAULTS.items():
        extra = {"nargs": "?", "const": "true"} if isinstance(v, bool) else {}
        ap.add_argument("--" + k.replace("_", "-"), dest="f_" + k,
                        default=None, help="fault %s (default %s)" % (k, v),
                        metavar="V", **extra)
    ap.add_argument("--no-parent-watch", action="store_true")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    if args.rate_scale <= 0 or args.process_seconds < 0:
        ap.error("--rate-scale must be > 0, --process-seconds >= 0")
    for name in ("xsd", "carrier_codes", "tls_cert", "tls_key"):
        v = getattr(args, name)
        if v and not os.path.isfile(v):
            ap.error("--%s %s: no such file" % (name.replace("_", "-"), v))
    if args.state_dir:
        os.makedirs(args.state_dir, exist_ok=True)
    try:
        sim = Sim(args)
    except (ValueError, OSError) as e:
        ap.error(str(e))

    def log(msg):
        if not args.quiet:
            sys.stderr.write("spapi_sim: %s\n" % msg)
    sim.log = log
    if getattr(sim, "expire_at_load", False):
        sim.expire_all_tokens()

    srv = Server(("127.0.0.1", args.port), Handler, bind_and_activate=False)
    srv.sim = sim
    try:
        srv.server_bind()
        srv.server_activate()
    except OSError as e:
        srv.server_close()
        sys.stderr.write("spapi_sim: cannot listen on 127.0.0.1:%d: %s\n"
                         % (args.port, e))
        return 1
    scheme = "http"
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
        scheme = "https"
    port = srv.server_address[1]
    sim.base_url = "%s://127.0.0.1:%d" % (scheme, port)

    stop = threading.Event()

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    threading.Thread(target=ticker, args=(sim, stop), daemon=True).start()
    if not args.no_parent_watch:
        threading.Thread(target=parent_watch, args=(os.getppid(), stop),
                         daemon=True).start()
    if args.port_file:
        atomic_write(args.port_file, ("%d\n" % port).encode())
    log("listening on %s (pid %d)" % (sim.base_url, os.getpid()))
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        sim.hang_release.set()
        srv.server_close()
        sim.save()
        sim.flush()
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
