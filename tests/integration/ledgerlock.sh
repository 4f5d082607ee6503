#!/bin/sh
# ledgerlock.sh - one writer per ledger: two configs whose `ledger` names one
# file (a copied config with its own spool). While the first daemon runs, a
# second daemon and a `run --once` job of the other config are refused (exit
# 75, naming the ledger and the holder's pid); status, feeds and rejects of
# both keep working; once the first stops, the second config's files go out;
# Amazon accepts every key once. SIGHUP moving a daemon to another ledger in
# the same spool moves its ledger lock (the spool lock it keeps). Owns everything under WB_TMP and the
# processes it starts; must never signal a process it did not start.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
A=$WB_TMP/a
C=$WB_TMP/c
LOG=$WB_TMP/a.log
export WB_LOG="$WB_TMP/once.log"
APID=""
CPID=""
cleanup() {
    [ -n "$APID" ] && kill -KILL "$APID" 2>/dev/null
    [ -n "$CPID" ] && kill -KILL "$CPID" 2>/dev/null
    wb_cleanup
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    tail -n 20 "$LOG"
    exit 1
}

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$A"
CONF_A=$WB_CONF
LEDGER=$A/spool/ledger.db
wb_make_config "$C" "ledger = $LEDGER"
CONF_C=$WB_CONF
mkdir -p "$A/spool/in/dispatch" "$C/spool/in/dispatch" "$WB_TMP/stage"
wb_gen_dispatch "$WB_TMP/stage/a.csv" 30 11
wb_gen_dispatch "$WB_TMP/stage/c.csv" 30 12
wb_drop "$WB_TMP/stage/a.csv" "$A/spool/in/dispatch"
wb_drop "$WB_TMP/stage/c.csv" "$C/spool/in/dispatch"

: >"$LOG"
"$B" -c "$CONF_A" run >>"$LOG" 2>&1 &
APID=$!
i=0
until grep -q "event=sched_start" "$LOG"; do
    i=$((i + 1))
    [ $i -gt 200 ] && fail "first daemon did not start"
    sleep 0.05
done

# a second daemon on the same ledger: refused at once, never left running
"$B" -c "$CONF_C" run >"$WB_TMP/c.out" 2>&1 &
CPID=$!
i=0
while kill -0 "$CPID" 2>/dev/null; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "a second daemon on ledger $LEDGER is running"
    sleep 0.1
done
wait "$CPID"
rc=$?
CPID=""
[ $rc -eq 75 ] || fail "second daemon exit $rc, expected 75: $(cat "$WB_TMP/c.out")"
grep -q "ledger $LEDGER is in use: held by pid $APID" "$WB_TMP/c.out" ||
    fail "the refusal does not name the ledger and the holder: $(cat "$WB_TMP/c.out")"
echo "a: second daemon refused: $(head -n 1 "$WB_TMP/c.out")"

# a job of the other config: refused the same way, nothing of its spool taken
"$B" -c "$CONF_C" run --once dispatch --options flush >"$WB_TMP/once.out" 2>&1
rc=$?
[ $rc -eq 75 ] || fail "run --once on the shared ledger exit $rc, expected 75"
grep -q "ledger $LEDGER is in use: held by pid $APID" "$WB_TMP/once.out" ||
    fail "run --once refusal does not name the ledger and the holder: $(cat "$WB_TMP/once.out")"
[ -f "$C/spool/in/dispatch/c.csv" ] || fail "the refused job took c.csv"
echo "b: run --once refused"

# the read-only commands keep working beside the daemon
for conf in "$CONF_A" "$CONF_C"; do
    for cmd in "status" "status --json" "feeds" "rejects"; do
        # shellcheck disable=SC2086 # cmd holds a command and its options
        "$B" -c "$conf" $cmd >"$WB_TMP/ro.out" 2>&1 ||
            fail "$cmd while the daemon runs: $(cat "$WB_TMP/ro.out")"
    done
done
echo "c: status, feeds and rejects work while the daemon runs"

# the first daemon finishes its spool and stops; its lock goes with it
i=0
until [ ! -e "$A/spool/in/dispatch/a.csv" ] &&
    wb_status_zero "$("$B" -c "$CONF_A" status --json)" pending queued; do
    i=$((i + 1))
    [ $i -gt 240 ] && fail "the first daemon did not settle a.csv"
    sleep 0.25
done
kill -TERM "$APID"
wait "$APID"
rc=$?
APID=""
[ $rc -eq 0 ] || fail "first daemon exit $rc"
wb_settle "$B" "$CONF_C" 60 || fail "c.csv did not settle after the first daemon stopped"
WB_CONF=$CONF_C
conf=$(wb_status_count confirmed)
[ "$conf" -eq 60 ] || fail "ledger confirmed $conf rows of 60"
wb_check_received "$conf" || fail "a key was sent twice"
echo "d: after the first daemon stopped the second config's files went out; each key once"

# SIGHUP to another ledger, same spool: the spool lock stays, the ledger lock moves
LOG=$WB_TMP/c.log
: >"$LOG"
"$B" -c "$CONF_C" run >>"$LOG" 2>&1 &
CPID=$!
i=0
until grep -q "event=sched_start" "$LOG"; do
    i=$((i + 1))
    [ $i -gt 200 ] && fail "second daemon did not start alone"
    sleep 0.05
done
"$B" -c "$CONF_A" run --once purge >"$WB_TMP/once.out" 2>&1
rc=$?
[ $rc -eq 75 ] || fail "run --once beside the second daemon exit $rc, expected 75"
sed -i "s#^ledger = $LEDGER\$#ledger = $C/spool/ledger2.db#" "$CONF_C"
kill -HUP "$CPID"
i=0
until grep -q "event=spool-moved" "$LOG"; do
    i=$((i + 1))
    [ $i -gt 200 ] && fail "SIGHUP to another ledger in the same spool not applied"
    sleep 0.05
done
"$B" -c "$CONF_A" run --once purge >"$WB_TMP/once.out" 2>&1 ||
    fail "the old ledger is still locked after the move: $(cat "$WB_TMP/once.out")"
"$B" -c "$CONF_C" run --once purge >"$WB_TMP/once.out" 2>&1
rc=$?
[ $rc -eq 75 ] || fail "run --once on the moved daemon's spool exit $rc, expected 75"
grep -q "held by pid $CPID" "$WB_TMP/once.out" || fail "the moved daemon does not hold its locks"
kill -TERM "$CPID"
wait "$CPID"
rc=$?
CPID=""
[ $rc -eq 0 ] || fail "second daemon exit $rc"
echo "e: SIGHUP to another ledger in the same spool moved the ledger lock"
exit 0
