#!/bin/sh
# daemon.sh - the real `wmsbridge run` daemon end to end against the SP-API
# simulator: config errors (unknown job -> 78 for check and run), the root
# refusal, inotify pickup with the schedule slot far away (latency printed),
# the one-daemon-per-spool lock, status, SIGHUP with a good and a broken
# config, SIGTERM during a job and a restart that finishes the work exactly
# once, the watch following a new spool_dir, and `run --once` stopped by the
# job's timeout. Owns everything under WB_TMP and the processes it starts;
# must never signal a process it did not start or touch files outside WB_TMP.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
LOG=$WB_TMP/daemon.log
export WB_LOG=$WB_TMP/once.log
DPID=""
cleanup() {
    [ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
    wb_cleanup
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" status 2>&1
    tail -n 40 "$LOG"
    exit 1
}
now_ms() { date +%s%3N; }

# wait_log PATTERN COUNT SECONDS - until PATTERN appears COUNT times in the daemon log
wait_log() {
    i=0
    while [ "$(grep -c -- "$1" "$LOG")" -lt "$2" ]; do
        i=$((i + 1))
        [ $i -gt $(($3 * 20)) ] && return 1
        sleep 0.05
    done
    return 0
}

# wait_gone FILE SECONDS - until FILE is gone (claimed); prints milliseconds taken
wait_gone() {
    t0=$(now_ms)
    i=0
    while [ -e "$1" ]; do
        i=$((i + 1))
        [ $i -gt $(($2 * 100)) ] && return 1
        sleep 0.01
    done
    echo $(($(now_ms) - t0))
}

# json_field KEY - a number from `status --json` of the current config
json_field() {
    wb_status_count "$1"
}

# wait_settled SECONDS - nothing in in/, work/, pending, queued or in flight
wait_settled() {
    i=0
    while [ $i -lt $(($1 * 4)) ]; do
        st=$("$B" -c "$WB_CONF" status --json 2>/dev/null)
        wb_status_zero "$st" in work pending queued ready submitting submitted && return 0
        i=$((i + 1))
        sleep 0.25
    done
    return 1
}

start_daemon() {
    n=$(grep -c "event=sched_start" "$LOG")
    "$B" -c "$WB_CONF" run >>"$LOG" 2>&1 &
    DPID=$!
    wait_log "event=sched_start" $((n + 1)) 20 || fail "daemon did not start"
}

# stop_daemon - SIGTERM and the exit status in DRC
stop_daemon() {
    kill -TERM "$DPID"
    wait "$DPID"
    DRC=$?
    DPID=""
}

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W" "rescan_seconds = 3600" "job_grace_seconds = 5"
IN=$W/spool/in/dispatch
: >"$LOG"
# every scheduled slot is half an hour away: only inotify and the poll hook can start jobs
M=$((($(date +%-M) + 30) % 60))
printf '%s * * * * dispatch\n%s * * * * feeds-poll\n0 3 * * * purge\n' "$M" "$M" >"$W/etc/schedule"
slot_s=$(((M * 60 - $(date +%-M) * 60 - $(date +%-S) + 3600) % 3600))

# f. an unknown job name in the schedule is a configuration error for check and run
cp "$W/etc/schedule" "$WB_TMP/schedule.good"
echo "*/5 * * * * dispatchh" >>"$W/etc/schedule"
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1
rc=$?
[ $rc -eq 78 ] || fail "check with an unknown job: exit $rc, expected 78"
grep -q 'unknown job "dispatchh"' "$WB_TMP/check.out" || fail "check does not name the unknown job"
"$B" -c "$WB_CONF" run >"$WB_TMP/run.out" 2>&1
rc=$?
[ $rc -eq 78 ] || fail "run with an unknown job: exit $rc, expected 78"
grep -q 'unknown job' "$WB_TMP/run.out" || fail "run does not name the unknown job"
cp "$WB_TMP/schedule.good" "$W/etc/schedule"
"$B" -c "$WB_CONF" check >/dev/null 2>&1 || fail "check of the good config"
echo "f: unknown job -> check 78, run 78"

# c. no daemon as root unless allow_root = yes
if [ "$(id -u)" = 0 ]; then
    grep -v '^allow_root' "$WB_CONF" >"$W/etc/noroot.conf"
    "$B" -c "$W/etc/noroot.conf" run >"$WB_TMP/root.out" 2>&1
    rc=$?
    [ $rc -eq 78 ] || fail "root without allow_root: exit $rc, expected 78"
    grep -q 'refusing to run as root.*allow_root = yes' "$WB_TMP/root.out" ||
        fail "root refusal message: $(cat "$WB_TMP/root.out")"
    echo "c: root refused without allow_root (exit 78)"
else
    echo "c: not root, refusal not tested"
fi

# a. inotify pickup, far from the dispatch slot
start_daemon
wb_gen_dispatch "$WB_TMP/a.csv" 50 31
cat "$WB_TMP/a.csv" >"$IN/a.csv" # written in place: IN_CLOSE_WRITE
lat_a=$(wait_gone "$IN/a.csv" 30) || fail "a.csv (close-after-write) not picked up in 30 s"
mkdir -p "$W/stage"
wb_gen_dispatch "$W/stage/b.csv" 50 32
mv "$W/stage/b.csv" "$IN/b.csv" # renamed in: IN_MOVED_TO
lat_b=$(wait_gone "$IN/b.csv" 30) || fail "b.csv (moved in) not picked up in 30 s"
echo "a: pickup latency close-after-write=${lat_a}ms moved-in=${lat_b}ms (next dispatch slot in ${slot_s}s, rescan 3600s)"
[ "$lat_a" -lt $((slot_s * 1000)) ] && [ "$lat_b" -lt $((slot_s * 1000)) ] ||
    fail "pickup slower than the schedule slot"
grep -q "job=dispatch event=start .*trigger=file" "$LOG" || fail "no file-triggered dispatch run"
wait_settled 60 || fail "a.csv and b.csv did not settle"

# b. a second daemon on the same spool refuses and names the holder
"$B" -c "$WB_CONF" run >"$WB_TMP/second.out" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "second daemon exit 0"
grep -q "held by pid $DPID" "$WB_TMP/second.out" || fail "holder not named: $(cat "$WB_TMP/second.out")"
echo "b: second daemon refused (exit $rc): $(cat "$WB_TMP/second.out")"

# g. status shows last run, outcome, duration and next run of each job
"$B" -c "$WB_CONF" status >"$WB_TMP/status.out" || fail "status failed"
cat "$WB_TMP/status.out"
for j in dispatch feeds-poll; do
    line=$(grep "^$j " "$WB_TMP/status.out")
    echo "$line" | grep -Eq "^$j +20[0-9-]+T[0-9:]+Z +ok +[0-9]+ +20[0-9-]+T[0-9:]{3}$(printf %02d "$M"):00Z +[0-9]+$" ||
        fail "status line of $j: $line"
done
grep -Eq '^purge +- +- +- +20[0-9-]+T03:00:00Z +0$' "$WB_TMP/status.out" ||
    fail "status line of purge (never ran): $(grep '^purge ' "$WB_TMP/status.out")"
echo "g: status shows last run, outcome, duration, next run"

# e. SIGHUP: a good config (new carrier mapping, new dispatch minute) is applied
mk_rows() { # FILE CARRIER FIRST_ORDER - two rows shipped half an hour ago
    t=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)
    {
        echo "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
        echo "306-$3-0000001,8800000$3,SKU-1,1,$2,AC$3GB,$t"
        echo "306-$3-0000002,8800001$3,SKU-2,1,$2,AC$3HB,$t"
    } >"$1"
}
mk_rows "$W/stage/c1.csv" ACME-EXP 0000101
mv "$W/stage/c1.csv" "$IN/"
wait_gone "$IN/c1.csv" 30 >/dev/null || fail "c1.csv not picked up"
wait_settled 60 || fail "c1.csv did not settle"
grep -q ACME-EXP "$W"/spool/reject/dispatch/c1-rejects-*.csv 2>/dev/null ||
    fail "unmapped carrier not rejected before the reload"
conf0=$(json_field confirmed)
sed -i 's/^\[ship-service\]/ACME-EXP | Royal Mail | | Tracked 24\n\n[ship-service]/' "$W/etc/carriers.map"
M2=$(((M + 7) % 60))
sed -i "s/^$M \* \* \* \* dispatch/$M2 * * * * dispatch/" "$W/etc/schedule"
kill -HUP "$DPID"
wait_log "event=reloaded" 1 20 || fail "good config not reloaded"
mk_rows "$W/stage/c2.csv" ACME-EXP 0000102
mv "$W/stage/c2.csv" "$IN/"
wait_gone "$IN/c2.csv" 30 >/dev/null || fail "c2.csv not picked up after the reload"
wait_settled 60 || fail "c2.csv did not settle"
ls "$W"/spool/reject/dispatch/c2-rejects-*.csv >/dev/null 2>&1 && fail "newly mapped carrier still rejected"
[ "$(json_field confirmed)" -eq $((conf0 + 2)) ] || fail "c2.csv rows not confirmed"
"$B" -c "$WB_CONF" status | grep -Eq "^dispatch .* 20[0-9-]+T[0-9:]{3}$(printf %02d "$M2"):00Z +[0-9]+$" ||
    fail "reloaded schedule not in status"
echo "e: SIGHUP applied the new carrier map and schedule"

# e. SIGHUP with a broken config: reported, the old one kept, the daemon keeps working
cp "$WB_CONF" "$WB_TMP/good.conf"
echo "settle_seconds = banana" >>"$WB_CONF"
kill -HUP "$DPID"
wait_log "event=reload-failed kept=old-config" 1 20 || fail "broken config not reported"
grep "event=reload-failed" "$LOG" | grep -q "settle_seconds" || fail "reload error does not name the setting"
cp "$WB_TMP/good.conf" "$WB_CONF"
mk_rows "$W/stage/c3.csv" ACME-EXP 0000103
mv "$W/stage/c3.csv" "$IN/"
wait_gone "$IN/c3.csv" 30 >/dev/null || fail "c3.csv not picked up after a failed reload"
wait_settled 60 || fail "c3.csv did not settle"
[ "$(json_field confirmed)" -eq $((conf0 + 4)) ] || fail "c3.csv not confirmed under the kept config"
kill -0 "$DPID" || fail "daemon died"
echo "e: broken config reported, old config kept, daemon still working"

# d. SIGTERM during a job: the file being read is finished, no new file is started
for s in 41 42 43 44; do wb_gen_dispatch "$W/stage/big$s.csv" 1500 "$s"; done
n0=$(grep -c "event=claim" "$LOG")
mv "$W"/stage/big4*.csv "$IN/"
wait_log "event=claim" $((n0 + 1)) 30 || fail "big files not claimed"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exit $DRC after SIGTERM, expected 0"
grep -q "event=stop signal=15" "$LOG" || fail "no stop logged"
left=$(find "$IN" -name 'big4*.csv' | wc -l)
claimed=$(($(grep -c "event=claim" "$LOG") - n0))
echo "d: SIGTERM during intake: $claimed of 4 files claimed, $left left in in/"
[ "$left" -ge 1 ] || fail "the stopping job went on to claim every file"
[ $((claimed + left)) -eq 4 ] || fail "claimed $claimed + left $left != 4"
tmp=$(find "$W/spool" -name '.*.tmp' -o -name '*.part' | head -n 3)
[ -z "$tmp" ] || fail "temp files after SIGTERM: $tmp"
for f in "$W"/spool/work/dispatch/*; do
    [ -e "$f" ] && command -v sqlite3 >/dev/null || continue
    n=$(sqlite3 "$W/spool/ledger.db" "select count(*) from files where name='$(basename "$f")'")
    [ "$n" -eq 1 ] || fail "$(basename "$f") in work/ but not in the ledger"
done
"$B" -c "$WB_CONF" status | grep -q "^dispatch .* running " && fail "status says running after stop"
start_daemon
wait_settled 60 || fail "work did not finish after the restart"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
conf=$(json_field confirmed)
python3 - "$WB_TMP/received.json" "$conf" <<'PY' || fail "exactly once"
import json, sys
d = json.load(open(sys.argv[1]))
keys = d["accepted_keys"]
dups = {k: v for k, v in keys.items() if v != 1}
if dups:
    print("FAIL: keys accepted more than once:", list(dups.items())[:5]); sys.exit(1)
if len(keys) != int(sys.argv[2]):
    print("FAIL: Amazon accepted %d keys, ledger confirmed %s" % (len(keys), sys.argv[2])); sys.exit(1)
print("d: after the restart Amazon accepted %d keys, each once, ledger confirmed %s" % (len(keys), sys.argv[2]))
PY

# e. SIGHUP with a new spool_dir: lock, ledger and watch follow
sed -i "s#^spool_dir = .*#spool_dir = $W/spool2#; s#^ledger = .*#ledger = $W/spool2/ledger.db#" "$WB_CONF"
kill -HUP "$DPID"
wait_log "event=spool-moved" 1 20 || fail "spool move not applied"
wb_gen_dispatch "$W/stage/s2.csv" 20 51
mv "$W/stage/s2.csv" "$W/spool2/in/dispatch/"
wait_gone "$W/spool2/in/dispatch/s2.csv" 30 >/dev/null || fail "file in the new spool not picked up"
"$B" -c "$WB_CONF" run >"$WB_TMP/second2.out" 2>&1 && fail "second daemon on the new spool started"
grep -q "held by pid $DPID" "$WB_TMP/second2.out" || fail "new spool not locked by the daemon"
echo "e: SIGHUP moved watch, lock and ledger to the new spool_dir"
stop_daemon
[ "$DRC" -eq 0 ] || fail "daemon exit $DRC at the end"

# run --once is stopped by the job's timeout: an endpoint that accepts and never answers
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); __import__("os").rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$WB_TMP/hole.port" &
WB_PIDS="$WB_PIDS $!"
i=0
while [ ! -s "$WB_TMP/hole.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
HP=$(cat "$WB_TMP/hole.port")
H=$WB_TMP/h
# shellcheck disable=SC2034 # read by wb_make_config
SIM_URL=https://127.0.0.1:$HP
wb_make_config "$H" "job_timeout = 2" "job_grace_seconds = 1" "http_timeout = 60"
wb_gen_dispatch "$WB_TMP/h.csv" 10 61
cp "$WB_TMP/h.csv" "$H/spool/in/dispatch/" 2>/dev/null ||
    { mkdir -p "$H/spool/in/dispatch" && cp "$WB_TMP/h.csv" "$H/spool/in/dispatch/"; }
t0=$(now_ms)
"$B" -c "$WB_CONF" run --once dispatch --options flush >"$WB_TMP/hung.out" 2>&1
rc=$?
el=$(($(now_ms) - t0))
echo "run --once against a silent endpoint: exit $rc after ${el}ms (job_timeout 2 s, grace 1 s)"
[ $rc -eq 75 ] || fail "hung run --once exit $rc, expected 75: $(tail -n 5 "$WB_TMP/hung.out")"
[ $el -lt 15000 ] || fail "hung run --once took ${el}ms"
grep -q "job=dispatch event=timeout" "$WB_TMP/hung.out" || fail "timeout not logged"
"$B" -c "$WB_CONF" status | grep -Eq "^dispatch .* timeout " || fail "status does not show the timeout"
echo "ok"
