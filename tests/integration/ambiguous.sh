#!/bin/sh
# ambiguous.sh - a createFeed whose answer is lost, while another tool also
# sends fulfilment feeds: recovery cannot tell which feed at Amazon is ours,
# so it holds the feed (never sends it again blindly) and raises
# feed-ambiguous; `feeds` shows it and `resolve` settles it either way:
#   1. the feed was made (the answer was lost): resolve --sent ID, the report
#      settles the rows, nothing is sent twice;
#   2. the feed was never made (the call hung): resolve --not-sent, the
#      document goes out again and every row is confirmed once.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" feeds --all 2>&1
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 15
    exit 1
}
B=$WB_BIN
export WB_LOG=$WB_TMP/log

# foreign_feed N - another tool sends a fulfilment feed of N rows straight to the simulator
foreign_feed() {
    wb_foreign_feed "$1" "$RANDOM_BASE" || return 1
    RANDOM_BASE=$((RANDOM_BASE + 100))
}
RANDOM_BASE=1000

# feed_of_state STATE - ledger feed number of the first feed listed in that state
feed_of_state() { "$B" -c "$WB_CONF" feeds | awk -v s="$1" '$2 == s {print $1; exit}'; }

run_dispatch() { "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1; }

# interrupted NAME FAULT ROWS SEED - a fresh simulator with FAULT on the next createFeed, a fresh
# spool, a file of ROWS rows dispatched: the feed must be left submitting
interrupted() {
    wb_start_sim "$WB_TMP/sim-$1" --process-seconds 1 --rate-scale 50 || exit 1
    wb_sim_ctl /_sim/faults "{\"$2\": 1, \"hang_ms\": 4000}" >/dev/null
    W=$WB_TMP/w-$1
    wb_make_config "$W" "http_timeout = 2" "feed_list_delay_seconds = 1"
    mkdir -p "$W/spool/in/dispatch"
    wb_gen_dispatch "$WB_TMP/$1.csv" "$3" "$4" 0
    wb_drop "$WB_TMP/$1.csv" "$W/spool/in/dispatch"
    run_dispatch
    [ -n "$(feed_of_state submitting)" ] || fail "$2: the feed is not left submitting"
}

# ---- 1. the feed was made, its answer lost ---------------------------------------------------
interrupted a lose_create_reply 30 41
foreign_feed 5 || fail "the other tool could not send its feed"
run_dispatch
n=$(feed_of_state ambiguous)
[ -n "$n" ] || fail "two unknown feeds at Amazon did not make the feed ambiguous"
grep -q "alert=feed-ambiguous" "$WB_LOG" || fail "no feed-ambiguous alert"
# nothing is sent again while ambiguous
run_dispatch
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
nf=$(wb_sim_ctl /_sim/received | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["feeds"]))')
[ "$nf" -eq 2 ] || fail "$nf feeds at Amazon while ours was ambiguous (want 2: ours and the other tool's)"
"$B" -c "$WB_CONF" resolve "$n" --not-ambiguous >/dev/null 2>&1
[ $? -eq 64 ] || fail "resolve with a bad option is not a usage error"
# the operator looks in Seller Central: ours is the feed holding our orders
ours=$(wb_sim_ctl /_sim/received | python3 -c '
import json, sys
d = json.load(sys.stdin)
print([f["feedId"] for f in d["feeds"] if not f["messages"][0]["order_id"].startswith("402-")][0])')
"$B" -c "$WB_CONF" resolve "$n" --sent "$ours" >>"$WB_LOG" 2>&1 || fail "resolve --sent failed"
"$B" -c "$WB_CONF" resolve "$n" --sent "$ours" >/dev/null 2>&1
[ $? -eq 65 ] || fail "resolving a feed that is no longer ambiguous is not refused"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle after resolve --sent"
conf=$(wb_status_count confirmed)
echo "1. answer lost: feed $n resolved as Amazon feed $ours; confirmed=$conf of 30"
[ "$conf" -eq 30 ] || fail "confirmed $conf of 30"
wb_check_received "$conf" 402- || exit 1
nf=$(wb_sim_ctl /_sim/received | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["feeds"]))')
[ "$nf" -eq 2 ] || fail "the feed was sent again after resolve --sent ($nf feeds)"

# ---- 2. the feed was never made ---------------------------------------------------------------
interrupted b drop_create 20 42
foreign_feed 3 || fail "the other tool could not send its first feed"
foreign_feed 4 || fail "the other tool could not send its second feed"
run_dispatch
n=$(feed_of_state ambiguous)
[ -n "$n" ] || fail "unknown feeds at Amazon did not make the feed ambiguous"
"$B" -c "$WB_CONF" resolve "$n" --not-sent >>"$WB_LOG" 2>&1 || fail "resolve --not-sent failed"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle after resolve --not-sent"
conf=$(wb_status_count confirmed)
echo "2. never made: feed $n resolved as not sent and sent again; confirmed=$conf of 20"
[ "$conf" -eq 20 ] || fail "confirmed $conf of 20"
wb_check_received "$conf" 402- || exit 1
grep -q "event=resolved outcome=not-sent" "$WB_LOG" || fail "the resolution is not logged"
"$B" -c "$WB_CONF" feeds --all | grep -q "^$n  *done " || fail "feeds --all does not list the settled feed"
echo "ok"
