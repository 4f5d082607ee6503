#!/bin/sh
# demo.sh - `make demo`: the dispatch job end to end against the bundled SP-API
# simulator (HTTPS on 127.0.0.1, a throw-away CA) and a local spool in demo/.
# Two sellers: the default account and a named one ("eu", its own refresh token,
# merchant id and spool lane in/eu/dispatch/). Drops WMS dispatch files with good
# and bad rows, runs the job until every row is settled, and tells what happened
# (per account) and where the files are.
set -u
B=${1:-build/release}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$B/wmsbridge"
[ -x "$BIN" ] || BIN="$B/wmsbridge"
WB_ROOT=$ROOT
. "$ROOT/tests/lib.sh"
DEMO="$ROOT/demo"
rm -rf "$DEMO"
mkdir -p "$DEMO"
trap wb_cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Starting the SP-API simulator (HTTPS, loopback only)"
wb_start_sim "$DEMO/sim" --process-seconds 2 --rate-scale 20 \
    --seller 'Atzr|demo-eu-refresh=A2EUDEMOSELLER' || exit 1
echo "simulator at $SIM_URL (CA $SIM_CA), Amazon's documented quotas x20 to keep the demo short"

wb_make_config "$DEMO" "batch_window_seconds = 0" "account.eu.merchant_id = A2EUDEMOSELLER" \
    "account.eu.credentials = $DEMO/etc/eu.credentials"
sed 's/^refresh_token = .*/refresh_token = Atzr|demo-eu-refresh/' "$DEMO/etc/credentials" \
    >"$DEMO/etc/eu.credentials"
chmod 600 "$DEMO/etc/eu.credentials"
IN="$DEMO/spool/in/dispatch"
EU="$DEMO/spool/in/eu/dispatch"
mkdir -p "$IN" "$EU"

say "The WMS drops three dispatch exports into $IN"
wb_gen_dispatch "$DEMO/wms-dispatch-0600.csv" 400 11 0
wb_gen_dispatch "$DEMO/wms-dispatch-0615.csv" 250 12 8
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cat >"$DEMO/wms-dispatch-0630.csv" <<CSV
amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time
202-5550001-0000001,70000000000001,SKU-7,1,RM24,JD0146000055501GB,$now
202-5550001-0000001,70000000000002,SKU-8,2,RM24,JD0146000055501GB,$now
202-5550002-0000002,70000000000003,SKU-9,1,DPD Local,15505550002,$now
202-5550003-0000003,70000000000004,SKU-9,1,EVRI48,,$now
202-5550004-9990004,70000000000005,SKU-1,1,DPDLOCAL,15505550004,$now
202-5550005-0000005,70000000000006,SKU-1,75,YODEL-XPECT48,JD0001112223,$now
CSV
for f in "$DEMO"/wms-dispatch-*.csv; do
    wb_drop "$f" "$IN"
    echo "  $(basename "$f"): $(($(wc -l <"$f") - 1)) rows"
done
say "The second seller (account eu) drops its export into $EU"
wb_gen_dispatch "$DEMO/eu-dispatch-0600.csv" 150 13 4
wb_drop "$DEMO/eu-dispatch-0600.csv" "$EU"
echo "  eu-dispatch-0600.csv: $(($(wc -l <"$DEMO/eu-dispatch-0600.csv") - 1)) rows"
say "The same 06:00 file arrives a second time (a WMS retry)"
cp "$DEMO/wms-dispatch-0600.csv" "$DEMO/wms-dispatch-0600-resent.csv"
wb_drop "$DEMO/wms-dispatch-0600-resent.csv" "$IN"

say "Running the dispatch job until Amazon has answered for every row"
WB_LOG="$DEMO/wmsbridge.log" wb_settle "$BIN" "$WB_CONF" 90 || {
    echo "not settled in time; log: $DEMO/wmsbridge.log"; exit 1; }
grep -E 'event=(claim|file-rejected|built|submitted|settled)' "$DEMO/wmsbridge.log" |
    sed 's/^[^ ]* level=[a-z]* /  /'

say "What happened"
"$BIN" -c "$WB_CONF" status
feeds=$(wb_sim_ctl /_sim/received | $WB_PY -c '
import json, sys
d = json.load(sys.stdin)
keys = d.get("accepted_keys", {})
print("%d feed(s) received by Amazon (simulated), %d shipment line(s) accepted, most times one line was accepted: %d" % (
    len(d.get("feeds", [])), len(keys), max(keys.values()) if keys else 0))
per = {}
for f in d.get("feeds", []):
    p = per.setdefault((f.get("tokenSeller"), f.get("merchant")), [0, 0])
    p[0] += 1
    p[1] += len(f.get("messages", []))
for (seller, merchant), (n, m) in sorted(per.items(), key=str):
    print("  seller %s (MerchantIdentifier %s): %d feed(s), %d message(s)" % (seller, merchant, n, m))')
echo "$feeds"
say "Rows per seller account"
"$BIN" -c "$WB_CONF" status --json | $WB_PY -c '
import json, sys
for lane, f in json.load(sys.stdin)["flows"].items():
    r = f.get("rows")
    if r is None:  # a lane from Amazon to the WMS has no rows
        continue
    print("  account %-8s flow %-9s confirmed=%d rejected=%d pending=%d files in reject/=%d" % (
        f.get("account", "default"), f.get("flow", lane), r["confirmed"], r["rejected"],
        r["pending"], f["reject"]))'

say "Rejected rows wait in reject/ with a reason an operator can act on"
"$BIN" -c "$WB_CONF" rejects
for f in "$DEMO"/spool/reject/dispatch/*-amazon-*.csv "$DEMO"/spool/reject/dispatch/*-rejects-*.csv \
    "$DEMO"/spool/reject/eu/dispatch/*-rejects-*.csv; do
    [ -f "$f" ] || continue
    echo "--- $(basename "$f") (first rows)"
    head -n 4 "$f" | cut -c1-220
done

say "Where the files are"
echo "  feeds sent:         $DEMO/spool/feeds/"
ls "$DEMO/spool/feeds" | sed 's/^/      /'
echo "  Amazon's reports:   $DEMO/spool/reports/"
echo "  settled originals:  $(find "$DEMO/spool/done" -type f | sed "s|$DEMO/||" | tr '\n' ' ')"
echo "  rejects:            $DEMO/spool/reject/dispatch/ and $DEMO/spool/reject/eu/dispatch/"
echo "  log:                $DEMO/wmsbridge.log"
echo
echo "Fix a reject file and run: $BIN -c $WB_CONF requeue NAME"
