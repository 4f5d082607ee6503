#!/bin/sh
# feed_outcomes.sh - feeds Amazon does not apply: a DONE feed whose report
# holds only a feed-level error (MessageID 0, nothing processed) never
# confirms its rows, they are sent again and confirmed once; a createFeed
# Amazon keeps refusing rejects the rows after three attempts instead of
# building a new feed forever.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1

# 1. the first feed ends DONE with one error for the whole document
W=$WB_TMP/w1
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
wb_sim_ctl /_sim/faults '{"whole_error_next": 1}' >/dev/null
wb_gen_dispatch "$WB_TMP/a.csv" 40 31 0
wb_drop "$WB_TMP/a.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "a.csv did not settle"
conf=$(wb_status_count confirmed)
rej=$(wb_status_count rejected)
rows=$(($(wc -l <"$WB_TMP/a.csv") - 1))
echo "whole-document error: rows=$rows confirmed=$conf rejected=$rej"
[ "$conf" -eq "$rows" ] && [ "$rej" -eq 0 ] || fail "rows were not all confirmed after the resend"
grep -q 'event=feed-fatal' "$WB_LOG" || fail "the feed-level error was not treated as a failed feed"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
python3 - "$WB_TMP/received.json" "$conf" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
keys = d["accepted_keys"]
if any(v > 1 for v in keys.values()):
    print("FAIL: a key was accepted twice"); sys.exit(1)
if len(keys) != int(sys.argv[2]):
    print("FAIL: Amazon accepted %d keys, ledger confirmed %s" % (len(keys), sys.argv[2])); sys.exit(1)
first = d["feeds"][0]
if any(m["result"] != "error" for m in first["messages"]):
    print("FAIL: the simulator applied messages of the failed feed"); sys.exit(1)
print("feeds=%d; the failed feed applied nothing; %d keys accepted once" % (len(d["feeds"]), len(keys)))
PY

# 2. createFeed is refused every time: three attempts, then the rows are rejected
W=$WB_TMP/w2
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
wb_sim_ctl /_sim/faults '{"refuse_create": 1000}' >/dev/null
wb_gen_dispatch "$WB_TMP/b.csv" 12 32 0
wb_drop "$WB_TMP/b.csv" "$IN"
wb_settle "$B" "$WB_CONF" 30 || fail "b.csv did not settle while createFeed is refused"
wb_sim_ctl /_sim/faults '{"refuse_create": 0}' >/dev/null
conf=$(wb_status_count confirmed)
rej=$(wb_status_count rejected)
rows=$(($(wc -l <"$WB_TMP/b.csv") - 1))
refused=$(grep -c 'event=submit-refused' "$WB_LOG")
echo "refused createFeed: rows=$rows confirmed=$conf rejected=$rej refusals=$refused"
[ "$rej" -eq "$rows" ] && [ "$conf" -eq 0 ] || fail "rows not rejected after repeated refusals"
[ "$refused" -eq 3 ] || fail "expected 3 createFeed attempts, saw $refused"
rf=$(ls "$W"/spool/reject/dispatch/b-*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "no reject file for b.csv"
grep -q E_FEED_FATAL "$rf" || fail "reject file does not say E_FEED_FATAL"
grep -q 'not authorised' "$rf" || fail "reject file does not carry Amazon's words"
echo "ok"
