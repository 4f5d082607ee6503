#!/bin/sh
# storm.sh - the dispatch flow under a storm of SP-API faults: thousands of
# rows over several files (about 3% bad), settled with run --once loops while
# the simulator injects 429s, 500s, 503s, slow answers, hung requests (client
# timeouts, also on LWA and the presigned URLs), expired tokens answered 401,
# FATAL feeds and gzip processing reports. Owns only this scenario. Proves:
# every row confirmed or rejected exactly once, each business key accepted by
# Amazon exactly once and as often as the ledger says confirmed, in/ and
# work/ empty, no temp files left. Prints the counts and the faults injected.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
FILES=${WB_STORM_FILES:-8}
ROWS=${WB_STORM_ROWS:-500}
TOGGLER=""

stop_toggler() {
    [ -n "$TOGGLER" ] && kill "$TOGGLER" 2>/dev/null && wait "$TOGGLER" 2>/dev/null
    TOGGLER=""
}
trap 'stop_toggler; wb_cleanup' EXIT
fail() {
    echo "FAIL: $*"
    stop_toggler
    "$B" -c "$WB_CONF" status 2>&1
    wb_sim_ctl /_sim/stats 2>&1
    echo
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 15
    exit 1
}

# quotas 50 times the documented ones on both sides, reports in 1 s
export WB_RATE_SCALE=50
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 \
    --faults '{"seed": 7, "rate429": 0.08, "rate500": 0.05, "rate503": 0.05,
               "slow_ms": 15, "timeout_prob": 0.03, "hang_ms": 2500,
               "expired_status": 401, "fatal_next": 1, "gzip": true,
               "auth_faults": true, "s3_faults": true}' || exit 1
wb_make_config "$W" "http_timeout = 1" "retry_base_ms = 50" "retry_cap_ms = 1500" \
    "batch_max_messages = 300"
IN=$W/spool/in/dispatch
mkdir -p "$IN"

total=0
i=1
while [ "$i" -le "$FILES" ]; do
    wb_gen_dispatch "$WB_TMP/storm-$i.csv" "$ROWS" $((100 + i)) 3 || fail "generator"
    total=$((total + $(wc -l <"$WB_TMP/storm-$i.csv") - 1))
    i=$((i + 1))
done
echo "generated $total rows in $FILES files"

# every 1.5 s every access token in use expires (answered 401 on next use)
(while :; do
    sleep 1.5
    wb_sim_ctl /_sim/faults '{"expire_tokens": true}' >/dev/null 2>&1
done) &
TOGGLER=$!

# first half, then a second FATAL feed and the rest while the first settles
half=$((FILES / 2))
i=1
while [ "$i" -le "$half" ]; do wb_drop "$WB_TMP/storm-$i.csv" "$IN"; i=$((i + 1)); done
for _ in 1 2 3; do
    "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
    "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
done
wb_sim_ctl /_sim/faults '{"fatal_next": 1}' >/dev/null
while [ "$i" -le "$FILES" ]; do wb_drop "$WB_TMP/storm-$i.csv" "$IN"; i=$((i + 1)); done
wb_settle "$B" "$WB_CONF" 80 || fail "did not settle under faults"
stop_toggler

# invariants
st=$("$B" -c "$WB_CONF" status --json)
conf=$(wb_status_of "$st" confirmed)
rej=$(wb_status_of "$st" rejected)
pend=$(wb_status_of "$st" pending)
fatal=$(wb_status_of "$st" fatal)
echo "rows: generated=$total confirmed=$conf rejected=$rej pending=$pend feeds_fatal=$fatal"
[ "$conf" -gt 0 ] || fail "nothing confirmed"
[ $((conf + rej)) -eq "$total" ] || fail "confirmed+rejected=$((conf + rej)), rows generated=$total"
[ "$fatal" -ge 1 ] || fail "no FATAL feed was seen"
rrows=0
for f in "$W"/spool/reject/dispatch/*.csv; do
    [ -f "$f" ] && rrows=$((rrows + $(wc -l <"$f") - 1))
done
[ "$rrows" -eq "$rej" ] || fail "reject files hold $rrows rows, ledger rejected $rej"
[ -z "$(ls -A "$IN")" ] || fail "in/ not empty"
[ -z "$(ls -A "$W/spool/work/dispatch")" ] || fail "work/ not empty"
tmp=$(find "$W/spool" -type f \( -name '*.tmp' -o -name '*.part' -o -name '.*' \) ! -name .lock |
    head -n 3)
[ -z "$tmp" ] || fail "temp files left: $tmp"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
wb_sim_ctl /_sim/stats >"$WB_TMP/stats.json"
python3 - "$WB_TMP/received.json" "$WB_TMP/stats.json" "$conf" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
keys = d["accepted_keys"]
dups = {k: v for k, v in keys.items() if v != 1}
if dups:
    print("FAIL: keys accepted more than once:", list(dups.items())[:5]); sys.exit(1)
if len(keys) != int(sys.argv[3]):
    print("FAIL: Amazon accepted %d keys, ledger confirmed %s" % (len(keys), sys.argv[3]))
    sys.exit(1)
if d["duplicates"]:
    print("FAIL: Amazon saw repeated messages:", d["duplicates"][:3]); sys.exit(1)
st = {}
for f in d["feeds"]:
    st[f["status"]] = st.get(f["status"], 0) + 1
print("amazon accepted %d keys, each once; feeds: %s" % (len(keys), st))
calls = sum(sum(v.values()) for v in s["ops"].values())
for op in sorted(s["ops"]):
    print("  %-20s %s" % (op, " ".join("%s:%d" % kv for kv in sorted(s["ops"][op].items()))))
inj = s["injected"]
n = sum(v for k, v in inj.items() if k not in ("slow", "gzip_document"))
print("requests=%d faults injected=%d (%s), slowed=%d, gzip documents=%d, "
      "quota 429s=%d" % (calls, n, ", ".join("%s=%d" % kv for kv in sorted(inj.items())
                                               if kv[0] not in ("slow", "gzip_document")),
                         inj.get("slow", 0), inj.get("gzip_document", 0), s["throttled"]))
need = ("429", "500", "503", "hang", "expired_token", "fatal_feed", "gzip_document")
miss = [k for k in need if not inj.get(k)]
if miss:
    print("FAIL: the storm never injected:", miss); sys.exit(1)
PY
echo "ok"
