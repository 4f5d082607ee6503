#!/bin/sh
# cli.sh - a strict, conventional command line: every unknown option, misspelt --options word
# or extra argument is refused with exit 64 naming it (and a near miss); --options words are
# checked in the schedule too; rejects --json; status says whether a writer runs and uses one
# set of row state names; hold of a missing file exits 66 as the man page says.
set -u
. "$WB_ROOT/tests/lib.sh"
trap 'kill "$DPID" 2>/dev/null; wb_cleanup' EXIT
DPID=""
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
wb_make_config "$W"
C=$WB_CONF
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect RC PATTERN WHAT -- ARGS... : exit code and a line of stderr/stdout
expect() {
    want=$1; pat=$2; what=$3; shift 4
    out=$("$B" -c "$C" "$@" 2>&1)
    rc=$?
    [ "$rc" -eq "$want" ] || { bad "$what: exit $rc, expected $want"; echo "$out" | tail -n 3; return; }
    echo "$out" | grep -q -- "$pat" || { bad "$what: output lacks '$pat'"; echo "$out" | tail -n 3; return; }
    echo "ok   $what"
}

expect 64 "unknown option '--jsn' (did you mean '--json'?)" "status --jsn" -- status --jsn
expect 64 "unknown option '--al' (did you mean '--all'?)" "feeds --al" -- feeds --al
expect 64 "unexpected argument 'b'" "explain a b" -- explain a b
expect 64 "NAME is missing" "requeue without NAME" -- requeue
expect 64 "unknown option '--flwo'" "hold --flwo" -- hold x.csv --flwo dispatch
expect 64 "job dispatch does not take the option 'flsuh' (did you mean 'flush'?)" \
    "--options flsuh" -- run --once dispatch --options flsuh
expect 64 "--options goes with --once" "--options without --once" -- run --options flush
expect 64 "option given twice" "--once twice" -- run --once dispatch --once purge
expect 64 "unknown option '--layuot' (did you mean '--layout'?)" "convert --layuot" -- \
    convert dispatch --layuot x
expect 64 "exactly one of" "resolve with two answers" -- resolve 3 --sent 12 --not-sent
expect 66 "not in in/ or reject/" "hold of a missing file" -- hold nothing.csv
expect 64 "unknown option '--verbose'" "check --verbose" -- check --verbose

# --options=VALUE and --flow=FLOW forms are the same options
WB_OFFLINE=1 "$B" -c "$C" run --once=dispatch --options=flush >>"$WB_LOG" 2>&1 &&
    echo "ok   --once=JOB --options=WORD" || bad "--once=JOB --options=WORD refused"

# the schedule's option words are checked like the command line's
cp "$W/etc/schedule" "$WB_TMP/schedule.good"
echo "@every 5s feeds-poll nwo" >>"$W/etc/schedule"
n=$(wc -l <"$W/etc/schedule")
expect 78 "schedule:$n: job feeds-poll does not take the option 'nwo' (did you mean 'now'?)" \
    "a misspelt option word in the schedule" -- check
cp "$WB_TMP/schedule.good" "$W/etc/schedule"

# rejects --json: one JSON array of the files waiting
mkdir -p "$W/spool/reject/dispatch"
printf 'a,b\n' >"$W/spool/reject/dispatch/x-rejects-1.csv"
printf 'file: x.csv\ncode: E_TEST\nreason: a "quoted" reason\n' >"$W/spool/reject/dispatch/x-rejects-1.csv.reason"
"$B" -c "$C" rejects --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert isinstance(d, list) and len(d) == 1, d
assert d[0]["flow"] == "dispatch" and d[0]["file"] == "x-rejects-1.csv", d
assert d[0]["reason"] == "[E_TEST] a \"quoted\" reason", d
' && echo "ok   rejects --json" || bad "rejects --json is not the expected JSON"

# status: one set of state names; whether a writer runs; open rejects apart from the total
out=$("$B" -c "$C" status)
echo "$out" | grep -q "^-  *dispatch  *0  *0  *0  *1  *pending=0 queued=0 confirmed=0 rejected=0$" ||
    bad "status row names: $(echo "$out" | grep rows)"
echo "$out" | grep -q "waiting-for-amazon" && bad "status still says waiting-for-amazon"
echo "$out" | grep -q "^writer: none running" || bad "status does not say no writer runs"
echo "$out" | grep -q "^open rejects: 1 file(s) in reject/dispatch/" || bad "open rejects not shown"
WB_OFFLINE=1 "$B" -c "$C" run >>"$WB_LOG" 2>&1 &
DPID=$!
i=0
while [ $i -lt 50 ]; do
    "$B" -c "$C" status | grep -q "^writer: held by pid $DPID " && break
    sleep 0.2; i=$((i + 1))
done
[ $i -lt 50 ] && echo "ok   status names the running daemon" ||
    bad "status does not name the daemon (pid $DPID): $("$B" -c "$C" status | grep writer)"
"$B" -c "$C" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["writer"]["running"] is True and "pid" in d["writer"]["holder"], d["writer"]
assert set(d["flows"]["dispatch"]["rows"]) == {"pending", "queued", "confirmed", "rejected"}
' && echo "ok   status --json: writer running, row states" || bad "status --json writer/rows"
kill "$DPID"; wait "$DPID" 2>/dev/null; DPID=""

[ $fails -eq 0 ] || exit 1
echo ok
