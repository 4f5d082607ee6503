#!/bin/sh
# tokens.sh - the daemon's job processes share one access token: many job
# runs against the simulator fetch a token once, not once per run; when
# Amazon expires it (401), one job fetches a new one and the others use
# that; the token never reaches a file or a log line.
set -u
. "$WB_ROOT/tests/lib.sh"
trap 'kill "$DPID" 2>/dev/null; wb_cleanup' EXIT
fail() { wb_fail "$@"; }
DPID=""
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_sim_ctl /_sim/faults '{"expired_status": 401}' >/dev/null
W=$WB_TMP/w
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
"$WB_BIN" -c "$WB_CONF" run >>"$WB_LOG" 2>&1 &
DPID=$!
tokens() {
    wb_sim_ctl /_sim/stats | python3 -c 'import json,sys; print(sum(json.load(sys.stdin)["ops"].get("token", {}).values()))'
}
settled() { # all rows dropped so far settled: nothing pending, queued or in in/
    st=$("$WB_BIN" -c "$WB_CONF" status --json 2>/dev/null)
    wb_status_zero "$st" in work pending queued
}
wait_settled() {
    i=0
    while [ $i -lt 60 ]; do settled && return 0; sleep 1; i=$((i + 1)); done
    return 1
}
rows=0
for k in 1 2 3; do
    wb_gen_dispatch "$WB_TMP/f$k.csv" 10 $((70 + k)) 0
    wb_drop "$WB_TMP/f$k.csv" "$IN"
    rows=$((rows + 10))
    sleep 2
done
wait_settled || fail "three files did not settle"
t1=$(tokens)
runs=$("$WB_BIN" -c "$WB_CONF" status --json | python3 -c 'import json,sys; print(sum(j["runs"] for j in json.load(sys.stdin)["jobs"] if j["name"] in ("dispatch", "feeds-poll")))')
echo "before expiry: $runs dispatch/feeds-poll runs, $t1 token request(s)"
[ "$runs" -ge 5 ] || fail "only $runs job runs: the test proves nothing"
[ "$t1" -le 2 ] || fail "$t1 token requests for $runs job runs: the token is not shared"

# Amazon expires every token: the next job gets a 401, fetches one, the later ones use it
wb_sim_ctl /_sim/faults '{"expire_tokens": true}' >/dev/null
wb_gen_dispatch "$WB_TMP/f4.csv" 10 74 0
wb_drop "$WB_TMP/f4.csv" "$IN"
rows=$((rows + 10))
sleep 3
wb_gen_dispatch "$WB_TMP/f5.csv" 10 75 0
wb_drop "$WB_TMP/f5.csv" "$IN"
rows=$((rows + 10))
wait_settled || fail "files after the expiry did not settle"
t2=$(tokens)
echo "after expiry: $((t2 - t1)) more token request(s)"
[ $((t2 - t1)) -ge 1 ] && [ $((t2 - t1)) -le 2 ] || fail "$((t2 - t1)) token requests after one expiry"
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=""
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
conf=$(wb_status_count confirmed)
[ "$conf" -eq "$rows" ] || fail "confirmed $conf of $rows"
wb_check_received "$conf" || exit 1
echo "ok"
