#!/bin/sh
# api_calls.sh - SP-API calls and wall time to settle dispatch rows with
# Amazon's documented quotas, batched versus one feed per file. Owns only
# bench/api_calls.sh, its work directory (a fresh mktemp -d, removed at the
# end unless WB_BENCH_KEEP is set) and bench/out/api_calls.txt (the table).
#
# usage: sh bench/api_calls.sh BUILD_DIR      (BUILD_DIR/wmsbridge, release)
#
# Both policies run the real daemon (`wmsbridge run`) against the simulator at
# --rate-scale 1 (the documented rates and bursts) with a fresh simulator each:
#   batched  WB_BENCH_API_ROWS (10,000) rows in 100 files dropped together,
#            batch_window_seconds = WB_BENCH_WINDOW (30), feeds of up to 5,000
#   naive    batch_window_seconds = 0 and the files dropped one at a time,
#            so every file becomes its own feed. Only WB_BENCH_NAIVE_FILES
#            (10) files are run: createFeed allows a burst of 15 and then one
#            call per 120 s, getFeedDocument a burst of 10 and then one per
#            45 s, so 100 feeds would need almost three hours. Calls are
#            scaled to 10,000 rows; the wall time for 10,000 rows is projected
#            from those two quotas and marked as such.
# Amazon takes minutes to process a feed; the simulator takes
# WB_BENCH_PROCESS_SECONDS (30) so the run ends in a few minutes, and the
# first poll comes feed_poll_seconds = WB_BENCH_POLL (15) after submission
# (the shipped default is 60). Calls are counted by the simulator
# (GET /_sim/stats), every answered request included (429s, token, upload,
# download). Exit status 0 unless a policy did not settle or lost a row.
set -u
BUILD=${1:?usage: sh bench/api_calls.sh BUILD_DIR}
WB_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export WB_ROOT
BIN=$(cd "$BUILD" && pwd)/wmsbridge
. "$WB_ROOT/tests/lib.sh"
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wbapi.XXXXXX") || exit 1
ROWS=${WB_BENCH_API_ROWS:-10000}
FILES=${WB_BENCH_API_FILES:-100}
NAIVE_FILES=${WB_BENCH_NAIVE_FILES:-10}
P=${WB_BENCH_PROCESS_SECONDS:-30}
WINDOW=${WB_BENCH_WINDOW:-30}
POLL=${WB_BENCH_POLL:-15}
LIMIT=${WB_BENCH_SETTLE_LIMIT:-900}
PER=$((ROWS / FILES))
DPID=""

die() {
    echo "api_calls: $*" >&2
    exit 1
}
stop_daemon() {
    if [ -n "$DPID" ]; then
        kill -TERM "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
    fi
    DPID=""
}
trap 'stop_daemon; wb_cleanup; [ -n "${WB_BENCH_KEEP:-}" ] || rm -rf "$OUT"' EXIT
[ -x "$BIN" ] || die "no $BIN (make VARIANT=release all first)"
unset WB_RATE_SCALE
mkdir -p "$OUT/files" "$WB_ROOT/bench/out" || die "cannot create $OUT"

# the input: FILES files of PER rows, 1% bad, each with its own keys
python3 - "$WB_ROOT/bench" "$OUT/files" "$FILES" "$PER" <<'PY' || die "generator failed"
import runpy, sys
bench, out, n, per = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
gen = runpy.run_path(bench + "/gen_dispatch.py")["main"]
for i in range(1, n + 1):
    sys.argv = ["gen_dispatch", "--rows", per, "--seed", str(i), "--bad", "1",
                "--out", "%s/d%d.csv" % (out, i)]
    gen()
PY

# settled - nothing in in/, work/, pending, queued or in flight
settled() {
    st=$("$BIN" -c "$WB_CONF" status --json 2>/dev/null)
    wb_status_zero "$st" in work pending queued ready submitting submitted
}

# run_policy NAME NFILES WINDOW GAP - drop NFILES files GAP seconds apart into
# a running daemon, wait until settled; leaves OUT/NAME/{stats,received}.json
run_policy() {
    name=$1 n=$2 win=$3 gap=$4
    D=$OUT/$name
    mkdir -p "$D"
    wb_start_sim "$D/sim" --process-seconds "$P" --rate-scale 1 || die "simulator"
    wb_make_config "$D/w" "batch_window_seconds = $win" "feed_poll_seconds = $POLL" \
        "batch_max_messages = 5000"
    mkdir -p "$D/w/spool/in/dispatch"
    "$BIN" -c "$WB_CONF" run >"$D/daemon.log" 2>&1 &
    DPID=$!
    sleep 1
    kill -0 "$DPID" 2>/dev/null || die "$name: daemon did not start: $(tail -n 3 "$D/daemon.log")"
    t0=$(date +%s)
    k=1
    while [ "$k" -le "$n" ]; do
        wb_drop "$OUT/files/d$k.csv" "$D/w/spool/in/dispatch"
        [ "$gap" != 0 ] && sleep "$gap"
        k=$((k + 1))
    done
    until settled; do
        [ $(($(date +%s) - t0)) -gt "$LIMIT" ] && die "$name: not settled after $LIMIT s"
        sleep 1
    done
    WALL=$(($(date +%s) - t0))
    stop_daemon
    wb_sim_ctl /_sim/stats >"$D/stats.json"
    wb_sim_ctl /_sim/received >"$D/received.json"
    "$BIN" -c "$WB_CONF" status --json >"$D/status.json"
    wb_cleanup
    echo "$WALL" >"$D/wall"
}

HEADER="api_calls: $ROWS rows in $FILES files (1% bad), simulator at documented quotas\
 (--rate-scale 1), feed processing ${P}s, first poll after ${POLL}s, batch window ${WINDOW}s"
echo "$HEADER"
run_policy batched "$FILES" "$WINDOW" 0
run_policy naive "$NAIVE_FILES" 0 2

python3 - "$OUT" "$PER" "$FILES" "$NAIVE_FILES" "$WINDOW" <<'PY' >"$OUT/table"
import json, os, sys
out, per, files, naive_files, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), sys.argv[5]
ok = True
res = {}
for name, nfiles in (("batched", files), ("naive", naive_files)):
    d = os.path.join(out, name)
    stats = json.load(open(os.path.join(d, "stats.json")))
    rec = json.load(open(os.path.join(d, "received.json")))
    st = json.load(open(os.path.join(d, "status.json")))
    rows = per * nfiles
    r = st["flows"]["dispatch"]["rows"]
    keys = rec["accepted_keys"]
    if r["confirmed"] + r["rejected"] != rows or len(keys) != r["confirmed"] or \
            any(v != 1 for v in keys.values()):
        print("FAIL %s: rows=%d confirmed=%d rejected=%d amazon_keys=%d" % (
            name, rows, r["confirmed"], r["rejected"], len(keys)))
        ok = False
    ops = {op: sum(v.values()) for op, v in stats["ops"].items()}
    res[name] = dict(rows=rows, ops=ops, feeds=len(rec["feeds"]),
                     wall=int(open(os.path.join(d, "wall")).read()),
                     confirmed=r["confirmed"], rejected=r["rejected"],
                     q429=sum(v.get("429", 0) for v in stats["ops"].values()))
order = ["token", "createFeedDocument", "upload", "createFeed", "getFeed",
         "getFeedDocument", "download", "getFeeds"]
allops = order + sorted({o for x in res.values() for o in x["ops"]} - set(order))
scale = {k: 10000.0 / v["rows"] for k, v in res.items()}
print()
print("%-20s %9s %12s %9s %12s" % ("operation", "batched", "per 10k", "naive", "per 10k"))
for op in allops:
    b, n = res["batched"]["ops"].get(op, 0), res["naive"]["ops"].get(op, 0)
    if not b and not n:
        continue
    print("%-20s %9d %12.1f %9d %12.1f" % (op, b, b * scale["batched"], n, n * scale["naive"]))
tb = sum(res["batched"]["ops"].values())
tn = sum(res["naive"]["ops"].values())
print("%-20s %9d %12.1f %9d %12.1f" % ("total", tb, tb * scale["batched"], tn,
                                        tn * scale["naive"]))
print()
for name in ("batched", "naive"):
    x = res[name]
    print("%-8s rows=%d feeds=%d confirmed=%d rejected=%d 429s=%d wall=%ds" % (
        name, x["rows"], x["feeds"], x["confirmed"], x["rejected"], x["q429"], x["wall"]))
# naive at 10,000 rows: feeds scale with files; createFeed (burst 15, then
# 0.0083/s) and getFeedDocument (burst 10, then 0.0222/s) bound the wall time
f10 = res["naive"]["feeds"] * scale["naive"]
bound = max(max(0.0, f10 - 15) / 0.0083, max(0.0, f10 - 10) / 0.0222)
print("wall time for 10,000 rows: batched %ds measured (window %ss); naive %.0f feeds "
      "need >= %.0fs (%.1f h) projected from the createFeed/getFeedDocument quotas"
      % (res["batched"]["wall"] * 10000 // res["batched"]["rows"], window, f10, bound,
         bound / 3600))
if tb:
    print("batching saves %.0f%% of API calls (%.1f vs %.1f per 10k rows)" % (
        100.0 * (1 - tb * scale["batched"] / (tn * scale["naive"])), tb * scale["batched"],
        tn * scale["naive"]))
sys.exit(0 if ok else 1)
PY
rc=$?
cat "$OUT/table"
{ echo "$HEADER"; cat "$OUT/table"; } >"$WB_ROOT/bench/out/api_calls.txt"
exit $rc
