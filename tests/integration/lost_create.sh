#!/bin/sh
# lost_create.sh - createFeed whose outcome is unknown (its answer lost, the
# process SIGKILLed right after Amazon made the feed) never sends a feed
# twice, against a simulator as unkind as Amazon:
#   1. getFeeds lags (list_lag_seconds) and the process is killed right after
#      createFeed and started again at once: the feed is not listed yet; it is
#      looked for once the list has had feed_list_delay_seconds, then adopted;
#   2. the local clock is 15 minutes ahead of Amazon's (clock_skew_seconds):
#      the search runs on Amazon's clock (its Date header) and finds the feed;
#   3. another tool's feed is listed while ours still lags: the feed is held
#      (ambiguous, alert, shown by feeds and status), never adopted as the
#      other feed nor resent; resolve --sent releases it, it settles once;
#   4. createFeed never made the feed, the list lags: after the delay the
#      document goes out again and every row is confirmed once;
#   5. a ledger of the release before (no create_at column) with a feed left
#      submitting: the column is added, the feed searched for in all 90 days;
#   6. two createFeed answers lost in a row: the second feed is not sent while
#      the first is in doubt, so each is adopted alone, none held.
# The witness is the simulator's record: each business key accepted at most
# once, and one feed of ours at Amazon.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
command -v setsid >/dev/null 2>&1 || { echo "setsid (util-linux) not found"; exit 77; }
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" feeds --all 2>&1
    grep -E "level=(warn|error)|event=recover" "$WB_LOG" | tail -n 15
    exit 1
}
B=$WB_BIN
export WB_LOG=$WB_TMP/log

run_dispatch() { "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1; }
feed_of_state() { "$B" -c "$WB_CONF" feeds | awk -v s="$1" '$2 == s {print $1; exit}'; }

# sim_feeds all|ours - feeds at the simulator: all, or ours (orders not starting 402-)
sim_feeds() {
    wb_sim_ctl /_sim/received | $WB_PY -c '
import json, sys
print(sum(1 for f in json.load(sys.stdin)["feeds"]
          if sys.argv[1] == "all" or not f["messages"][0]["order_id"].startswith("402-")))' "$1"
}

# ours - the Amazon id of the one feed at the simulator holding our orders (not 402-...)
ours() {
    wb_sim_ctl /_sim/received | $WB_PY -c '
import json, sys
print([f["feedId"] for f in json.load(sys.stdin)["feeds"]
       if not f["messages"][0]["order_id"].startswith("402-")][0])'
}

# setup NAME FAULTS CONF_LINE... - a fresh simulator with FAULTS, a fresh spool and config
setup() {
    name=$1 faults=$2
    shift 2
    wb_start_sim "$WB_TMP/sim-$name" --process-seconds 1 --rate-scale 50 || exit 1
    wb_sim_ctl /_sim/faults "$faults" >/dev/null || fail "$name: faults not set"
    W=$WB_TMP/w-$name
    wb_make_config "$W" "$@"
    mkdir -p "$W/spool/in/dispatch"
    : >"$WB_LOG"
}

# drop ROWS SEED - a dispatch file into in/ (the name every export of this WMS has)
drop() {
    wb_gen_dispatch "$WB_TMP/dispatch.csv" "$1" "$2" 0
    wb_drop "$WB_TMP/dispatch.csv" "$W/spool/in/dispatch"
}

# killed_after_create - a dispatch run SIGKILLed as soon as Amazon has made its feed (the
# createFeed answer is held back by lose_create_reply), then started again at once
killed_after_create() {
    setsid "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 &
    pid=$!
    i=0
    while [ "$(sim_feeds all)" -lt "${1:-1}" ] && [ $i -lt 200 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    env kill -s KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    [ -n "$(feed_of_state submitting)" ] || fail "the feed is not left submitting after SIGKILL"
    run_dispatch # the restart, at once
}

# settled_once ROWS - every row confirmed, each key accepted once, one feed of ours at Amazon
settled_once() {
    wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"
    conf=$(wb_status_count confirmed)
    [ "$conf" -eq "$1" ] || fail "confirmed $conf of $1"
    sleep 1.5 # let the simulator process any second feed before counting accepted keys
    wb_check_received "$conf" 402- || fail "a key was accepted twice"
    nf=$(sim_feeds ours)
    [ "$nf" -eq 1 ] || fail "$nf feeds of ours at Amazon (want 1)"
}

# ---- 1. killed right after createFeed, restarted at once, the list lags -------------------
setup lag '{"list_lag_seconds": 6, "lose_create_reply": 1, "hang_ms": 60000}' \
    "http_timeout = 30" "feed_list_delay_seconds = 8"
drop 30 51
killed_after_create
[ -n "$(feed_of_state submitting)" ] || fail "the restart decided before the list could show the feed"
settled_once 30
grep -q "event=recover-adopted" "$WB_LOG" || fail "the feed Amazon made was not adopted"
echo "1. killed after createFeed, list lagging 6 s: adopted, 30 rows confirmed once"

# ---- 2. the local clock 15 minutes ahead of Amazon's -------------------------------------
setup skew '{"clock_skew_seconds": 900, "lose_create_reply": 1, "hang_ms": 4000}' \
    "http_timeout = 2" "feed_list_delay_seconds = 2"
drop 25 52
run_dispatch
[ -n "$(feed_of_state submitting)" ] || fail "the lost createFeed answer did not leave the feed submitting"
settled_once 25
grep -q "event=recover-adopted" "$WB_LOG" || fail "the feed Amazon made was not adopted"
echo "2. local clock 900 s ahead: found on Amazon's clock, 25 rows confirmed once"

# ---- 3. another tool's feed listed while ours lags: held, resolved by hand ----------------
setup held '{"list_lag_seconds": 4, "hang_ms": 60000}' \
    "http_timeout = 30" "feed_list_delay_seconds = 6"
wb_foreign_feed 5 5000 || fail "the other tool could not send its feed"
sleep 5 # the other tool's feed is listed from now on
wb_sim_ctl /_sim/faults '{"lose_create_reply": 1}' >/dev/null
drop 30 53
killed_after_create 2
n=""
r=0
while [ -z "$n" ] && [ $r -lt 20 ]; do
    run_dispatch
    n=$(feed_of_state ambiguous)
    [ -n "$n" ] || [ -n "$(feed_of_state submitting)" ] || fail "the feed was neither held nor kept"
    r=$((r + 1))
    [ -n "$n" ] || sleep 1
done
[ -n "$n" ] || fail "two unknown feeds at Amazon did not hold the feed"
grep -q "alert=feed-ambiguous" "$WB_LOG" || fail "no feed-ambiguous alert"
"$B" -c "$WB_CONF" status | grep -q "ambiguous=1" || fail "status does not show the held feed"
"$B" -c "$WB_CONF" feeds | grep -q "^$n  *ambiguous .*held" || fail "feeds does not show why it is held"
run_dispatch
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
[ "$(sim_feeds all)" -eq 2 ] || fail "a feed was sent while ours was held"
id=$(ours)
"$B" -c "$WB_CONF" resolve "$n" --sent "$id" >>"$WB_LOG" 2>&1 || fail "resolve --sent failed"
settled_once 30
"$B" -c "$WB_CONF" feeds --all | grep -q "^$n  *done  *$id " || fail "feed $n did not settle as $id"
echo "3. another tool's feed listed first: held, resolved as $id, 30 rows confirmed once"

# ---- 4. createFeed never made the feed, the list lags: sent again after the delay ---------
setup never '{"list_lag_seconds": 3, "drop_create": 1, "hang_ms": 4000}' \
    "http_timeout = 2" "feed_list_delay_seconds = 4"
drop 20 54
run_dispatch
[ -n "$(feed_of_state submitting)" ] || fail "the lost createFeed did not leave the feed submitting"
settled_once 20
grep -q "event=recover-resubmit" "$WB_LOG" || fail "the feed was not sent again"
echo "4. createFeed never arrived: sent again after the delay, 20 rows confirmed once"

# ---- 5. a ledger of the release before create_at, a feed left submitting in it -----------
setup upgrade '{"lose_create_reply": 1, "hang_ms": 4000}' \
    "http_timeout = 2" "feed_list_delay_seconds = 1"
drop 10 55
run_dispatch
[ -n "$(feed_of_state submitting)" ] || fail "the lost createFeed did not leave the feed submitting"
$WB_PY -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute(
    "ALTER TABLE feeds DROP COLUMN create_at")' "$W/spool/ledger.db" || exit 77
settled_once 10
grep -q "event=recover-adopted" "$WB_LOG" || fail "the feed of the older ledger was not adopted"
echo "5. a feed left submitting by the previous release: searched in all 90 days, adopted"

# ---- 6. two createFeed answers lost in a row: one feed in doubt at a time -------------------
setup two '{"list_lag_seconds": 8, "lose_create_reply": 2, "hang_ms": 4000}' \
    "http_timeout = 2" "feed_list_delay_seconds = 12"
drop 12 56
run_dispatch
[ -n "$(feed_of_state submitting)" ] || fail "the lost createFeed did not leave the feed submitting"
wb_gen_dispatch "$WB_TMP/dispatch-2.csv" 14 57 0
wb_drop "$WB_TMP/dispatch-2.csv" "$W/spool/in/dispatch"
run_dispatch
[ -n "$(feed_of_state submitting)" ] || fail "the first feed was decided before the list could show it"
[ "$(sim_feeds all)" -eq 1 ] || fail "a second feed was sent while the first was in doubt"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"
[ -z "$(feed_of_state ambiguous)" ] || fail "a feed of ours was held: two were in doubt at once"
conf=$(wb_status_count confirmed)
[ "$conf" -eq 26 ] || fail "confirmed $conf of 26"
sleep 1.5
wb_check_received "$conf" || fail "a key was accepted twice"
[ "$(sim_feeds all)" -eq 2 ] || fail "$(sim_feeds all) feeds at Amazon (want 2)"
[ "$(grep -c "event=recover-adopted" "$WB_LOG")" -eq 2 ] || fail "not both feeds adopted"
echo "6. two answers lost in a row: the second feed waited for the first, both adopted"
echo "ok"
