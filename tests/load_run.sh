#!/bin/sh
# load_run.sh - sustained-load run shared by tests/integration/load.sh (short)
# and tests/stress/load.sh (long). Owns only this procedure; everything it
# creates lives under WB_TMP and it signals only the processes it started.
#
#   sh tests/load_run.sh SECONDS SCALE WINDOW PROCESS POLL SAMPLE
#
# The real daemon (`wmsbridge run`, config from wb_make_config) runs against
# the SP-API simulator while a producer drops WB_LOAD_RATE files per second
# (default 2.78, i.e. 10,000 files an hour) of 2 to 6 rows each, about 1% bad,
# for SECONDS. Amazon's time is compressed SCALE times: the simulator's quotas
# and the client's buckets are SCALE times the documented ones and the batch
# window is WINDOW seconds, so feeds per second stay the same fraction of the
# createFeed quota as with a two-minute window at the real rates (SCALE 1 and
# WINDOW 120 are production). Feeds take PROCESS seconds at the simulator,
# the first poll comes POLL seconds after submission.
#
# Every SAMPLE seconds it records files in in/ + work/, rows not settled
# (pending + queued) and the daemon's VmRSS. Once warmed up (one window plus
# processing and polls) the samples are cut in thirds and it asserts:
#   backlog: the last third's peak <= 1.5 x the first third's peak + one
#            window of arrivals (files and rows)
#   memory:  the last RSS sample <= the first steady one + 10% + 4 MiB
# and after the producer stops and the daemon settles and stops on SIGTERM:
# every row confirmed or rejected exactly once, each business key accepted
# once at Amazon, in/ and work/ empty. Prints files/s, rows/s and peak RSS.
set -u
DUR=${1:?seconds} SCALE=${2:?scale} WINDOW=${3:?window} PROC=${4:?process} POLL=${5:?poll}
SAMPLE=${6:?sample}
RATE=${WB_LOAD_RATE:-2.78}
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
IN=$W/spool/in/dispatch
WORK=$W/spool/work/dispatch
DLOG=$WB_TMP/daemon.log
export WB_LOG=$WB_TMP/log
DPID="" PPID_GEN=""

cleanup() {
    [ -n "$PPID_GEN" ] && kill "$PPID_GEN" 2>/dev/null
    [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
    wb_cleanup
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" status 2>&1
    grep -E "level=(warn|error)" "$DLOG" | tail -n 15
    exit 1
}

export WB_RATE_SCALE=$SCALE
wb_start_sim "$WB_TMP/sim" --rate-scale "$SCALE" --process-seconds "$PROC" || exit 1
wb_make_config "$W" "batch_window_seconds = $WINDOW" "feed_poll_seconds = $POLL" \
    "log_level = info"
mkdir -p "$IN"

# Under ASan freed memory sits in a quarantine of up to 256 MB (plus 1 MB per
# thread), which reads as steady growth; a 1 MB one still catches recent
# use-after-free and bounds that growth well inside the RSS margin.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=256" \
    "$B" -c "$WB_CONF" run >"$DLOG" 2>&1 &
DPID=$!
i=0
until grep -q 'event=' "$DLOG" 2>/dev/null || [ $i -gt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 "$DPID" 2>/dev/null || fail "daemon did not start: $(tail -n 5 "$DLOG")"

# the producer: RATE files a second on an absolute schedule, temp name + rename
python3 - "$IN" "$DUR" "$RATE" "$WB_TMP/produced" <<'PY' &
import os, random, sys, time
d, dur, rate, report = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
carriers = ["RM24", "RM48", "DPDLOCAL", "DPD-NEXTDAY", "YODEL-XPECT48", "EVRI48", "UPS-STD"]
rnd = random.Random(11)
t0 = time.time()
files = rows = bad = k = 0
while time.time() - t0 < dur:
    k += 1
    due = t0 + k / rate
    if due > time.time():
        time.sleep(due - time.time())
    ship = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))
    lines = ["amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,"
             "ship_time"]
    n = rnd.randint(2, 6)
    for r in range(n):
        order = k * 3 + r // 3  # up to three items per order
        oid = "%03d-%07d-%07d" % (100 + k % 800, k, 1000000 + order % 8000000)
        item, qty, car = "%014d" % (k * 10 + r), 1 + r % 3, carriers[order % len(carriers)]
        if rnd.random() < 0.01:
            bad += 1
            kind = bad % 4
            if kind == 0:
                oid = "12-BAD-%d" % k
            elif kind == 1:
                qty = 0
            elif kind == 2:
                car = "DPD Local"
            else:
                oid = oid[:12] + "999" + oid[15:]
        lines.append("%s,%s,SKU-%d,%d,%s,TRK%09dGB,%s" % (oid, item, order % 500, qty, car,
                                                          order, ship))
    name = "load-%06d.csv" % k
    tmp = os.path.join(d, "." + name + ".part")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.rename(tmp, os.path.join(d, name))
    files += 1
    rows += n
with open(report + ".tmp", "w") as f:
    f.write("%d %d %d %.3f\n" % (files, rows, bad, time.time() - t0))
os.rename(report + ".tmp", report)
PY
PPID_GEN=$!

# sampler: seconds files rows rss_kb, one line per sample while producing
t0=$(date +%s)
: >"$WB_TMP/samples"
while kill -0 "$PPID_GEN" 2>/dev/null; do
    kill -0 "$DPID" 2>/dev/null || fail "daemon died: $(tail -n 5 "$DLOG")"
    nf=$(($(ls "$IN" | wc -l) + $(ls "$WORK" 2>/dev/null | wc -l)))
    st=$("$B" -c "$WB_CONF" status --json 2>/dev/null)
    p="$(wb_status_of "$st" pending) $(wb_status_of "$st" queued)"
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$DPID/status")
    set -- $p
    echo "$(($(date +%s) - t0)) $nf $((${1:-0} + ${2:-0})) $rss" >>"$WB_TMP/samples"
    sleep "$SAMPLE"
done
wait "$PPID_GEN" || fail "producer failed"
PPID_GEN=""
read -r files rows bad secs <"$WB_TMP/produced"

# settle: nothing in in/, work/, pending, queued or in flight
limit=$((WINDOW * 3 + PROC * 3 + POLL * 8 + 60))
i=0
until wb_status_zero "$("$B" -c "$WB_CONF" status --json 2>/dev/null)" in work pending queued \
    ready submitting submitted; do
    i=$((i + 1))
    [ $i -gt "$limit" ] && fail "not settled $limit s after the producer stopped"
    sleep 1
done
tail_s=$(($(date +%s) - $(stat -c %Y "$WB_TMP/produced")))
kill -TERM "$DPID"
wait "$DPID"
drc=$?
DPID=""
[ "$drc" -eq 0 ] || fail "daemon exit status $drc after SIGTERM"

st=$("$B" -c "$WB_CONF" status --json)
conf=$(wb_status_of "$st" confirmed)
rej=$(wb_status_of "$st" rejected)
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
wb_sim_ctl /_sim/stats >"$WB_TMP/stats.json"
warm=$((WINDOW + PROC + 2 * POLL + 4))
python3 - "$WB_TMP" "$files" "$rows" "$bad" "$secs" "$conf" "$rej" "$warm" "$WINDOW" \
    "$RATE" "$tail_s" <<'PY'
import json, sys
tmp = sys.argv[1]
files, rows, bad = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
secs, conf, rej, warm = float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
window, rate, tail_s = float(sys.argv[9]), float(sys.argv[10]), sys.argv[11]
ok = True
def fail(msg):
    global ok
    print("FAIL: " + msg)
    ok = False
rec = json.load(open(tmp + "/received.json"))
stats = json.load(open(tmp + "/stats.json"))
keys = rec["accepted_keys"]
print("produced %d files, %d rows (%d bad) in %.0f s: %.2f files/s, %.1f rows/s; settled %s s "
      "after the last file" % (files, rows, bad, secs, files / secs, rows / secs, tail_s))
print("rows: confirmed=%d rejected=%d; amazon accepted %d keys in %d feeds" % (
    conf, rej, len(keys), len(rec["feeds"])))
if conf + rej != rows:
    fail("confirmed+rejected=%d, rows produced=%d" % (conf + rej, rows))
if any(v != 1 for v in keys.values()):
    fail("keys accepted more than once: %s" % [k for k, v in keys.items() if v != 1][:5])
if len(keys) != conf:
    fail("Amazon accepted %d keys, ledger confirmed %d" % (len(keys), conf))
ops = stats["ops"]
print("api calls: " + ", ".join("%s=%d" % (o, sum(v.values())) for o, v in sorted(ops.items()))
      + "; 429s=%d" % sum(v.get("429", 0) for v in ops.values()))
s = [tuple(int(x) for x in ln.split()) for ln in open(tmp + "/samples") if ln.strip()]
peak = max(x[3] for x in s)
steady = [x for x in s if x[0] >= warm]
print("samples=%d (steady %d): files in+work max=%d, rows unsettled max=%d, "
      "daemon RSS first=%d kB peak=%d kB last=%d kB" % (
          len(s), len(steady), max(x[1] for x in s), max(x[2] for x in s), s[0][3], peak,
          s[-1][3]))
if len(steady) < 6:
    fail("only %d steady samples: run longer" % len(steady))
else:
    n = len(steady) // 3
    first, last = steady[:n], steady[-n:]
    slack_f = rate * window + 2
    slack_r = slack_f * 6
    for col, what, slack in ((1, "files in in/+work/", slack_f), (2, "rows unsettled", slack_r)):
        a, b = max(x[col] for x in first), max(x[col] for x in last)
        bound = 1.5 * a + slack
        print("backlog %s: first third peak %d, last third peak %d, bound %.0f" % (
            what, a, b, bound))
        if b > bound:
            fail("backlog of %s grows: %d > %.0f" % (what, b, bound))
    r0 = steady[n - 1][3]
    rb = r0 * 1.10 + 4096
    print("rss: first steady %d kB, last %d kB, bound %.0f kB" % (r0, s[-1][3], rb))
    if s[-1][3] > rb:
        fail("daemon RSS grows: %d kB > %.0f kB" % (s[-1][3], rb))
sys.exit(0 if ok else 1)
PY
[ $? -eq 0 ] || fail "load invariants"
[ -z "$(ls -A "$IN")" ] || fail "in/ not empty"
[ -z "$(ls -A "$WORK")" ] || fail "work/ not empty"
echo "ok"
