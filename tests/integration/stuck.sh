#!/bin/sh
# stuck.sh - the stuck-feed rule, with the program clock moved past
# feed_stuck_minutes (WB_FAKE_NOW): a feed still IN_PROGRESS raises one
# feed-stuck alert and is left to finish (cancelling could race with
# Amazon's processing); a feed still IN_QUEUE is also cancelled, and once
# Amazon reports it CANCELLED its rows go out in a new feed, without any
# message having been applied twice.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
later=$(($(date +%s) + 3 * 3600))
poll_later() { WB_FAKE_NOW=$later "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1; }

# 1. IN_PROGRESS for ever: alert once, not cancelled
wb_start_sim "$WB_TMP/sim1" --process-seconds 1 --rate-scale 50 || exit 1
wb_sim_ctl /_sim/faults '{"stuck_next": 1}' >/dev/null
W=$WB_TMP/w1
wb_make_config "$W" "feed_stuck_minutes = 60"
mkdir -p "$W/spool/in/dispatch"
wb_gen_dispatch "$WB_TMP/a.csv" 12 61 0
wb_drop "$WB_TMP/a.csv" "$W/spool/in/dispatch"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
sleep 2
poll_later
poll_later
[ "$(grep -c 'alert=feed-stuck' "$WB_LOG")" -eq 1 ] || fail "expected one feed-stuck alert"
grep -q 'event=stuck-cancelled' "$WB_LOG" && fail "an IN_PROGRESS feed was cancelled"
[ "$(wb_status_count submitted)" -eq 1 ] || fail "the stuck feed is no longer polled"
echo "1. in progress past feed_stuck_minutes: one alert, not cancelled, still polled"

# 2. IN_QUEUE for long (processing takes 90 s, the first third in the queue): cancelled, resent
wb_start_sim "$WB_TMP/sim2" --process-seconds 90 --rate-scale 50 || exit 1
W=$WB_TMP/w2
: >"$WB_LOG"
wb_make_config "$W" "feed_stuck_minutes = 60"
mkdir -p "$W/spool/in/dispatch"
wb_gen_dispatch "$WB_TMP/b.csv" 12 62 0
wb_drop "$WB_TMP/b.csv" "$W/spool/in/dispatch"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
poll_later
grep -q 'alert=feed-stuck' "$WB_LOG" || fail "no feed-stuck alert for a queued feed"
grep -q 'event=stuck-cancelled' "$WB_LOG" || fail "the queued feed was not cancelled"
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
grep -q 'event=feed-cancelled' "$WB_LOG" || fail "the cancelled feed's rows were not released"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
[ "$(grep -c 'event=submitted' "$WB_LOG")" -eq 2 ] || fail "the rows did not go out in a new feed"
wb_sim_ctl /_sim/received >"$WB_TMP/r.json"
python3 - "$WB_TMP/r.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
st = [f["status"] for f in d["feeds"]]
if st[0] != "CANCELLED" or len(st) != 2:
    print("FAIL: feeds at Amazon:", st); sys.exit(1)
if d["accepted_keys"]:
    print("FAIL: keys applied from a cancelled feed"); sys.exit(1)
print("2. queued past feed_stuck_minutes: cancelled (%s), rows sent again in a new feed (%s)" % (st[0], st[1]))
PY
echo "ok"
