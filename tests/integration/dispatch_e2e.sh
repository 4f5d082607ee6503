#!/bin/sh
# dispatch_e2e.sh - the dispatch flow through the spool against the SP-API
# simulator: offline feed building, submission, Amazon errors mapped back,
# duplicate file, already-sent rows, requeue of a fixed reject file, and the
# invariants: every row confirmed or rejected once, each business key
# accepted by Amazon at most once, no temp files, in/ and work/ empty, every
# feed document valid against Amazon's schema.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() {
    echo "FAIL: $*"
    "$B" -c "$WB_CONF" status 2>&1
    wb_sim_ctl /_sim/received 2>&1 | python3 -c 'import json,sys; d=json.load(sys.stdin); [print("sim feed", f["feedId"], f["status"], len(f["messages"]), "messages") for f in d["feeds"]]'
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"

# 1. offline: the document is built and waits in feeds/
wb_gen_dispatch "$WB_TMP/a.csv" 300 21 6
wb_drop "$WB_TMP/a.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 ||
    fail "offline run failed"
ls "$W/spool/feeds/"*.xml >/dev/null 2>&1 || fail "no feed document in feeds/ after an offline run"
[ -f "$W/spool/work/dispatch/a.csv" ] || fail "original not kept in work/ while unsettled"

# 2. the same content again under another name, then settle everything
cp "$WB_TMP/a.csv" "$WB_TMP/a-again.csv"
wb_drop "$WB_TMP/a-again.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"
[ -f "$W/spool/reject/dispatch/a-again.csv" ] || fail "duplicate file not rejected"
grep -q E_DUPLICATE_FILE "$W/spool/reject/dispatch/a-again.csv.reason" || fail "no duplicate reason"

# 3. a file repeating three sent rows plus one new row
now=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)
{ head -n 4 "$WB_TMP/a.csv"
  echo "305-0000001-0000001,99000000000001,SKU-1,1,RM24,JD0000000001GB,$now"; } >"$WB_TMP/b.csv"
wb_drop "$WB_TMP/b.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "b.csv did not settle"
n=$(grep -c E_ALREADY_SENT "$W"/spool/reject/dispatch/b-rejects-*.csv)
[ "$n" -ge 1 ] || fail "already-sent rows not reported"

# 4. fix the unmapped-carrier rows of a's reject file and requeue it
rf=$(ls "$W"/spool/reject/dispatch/a-rejects-*.csv | head -n 1)
[ -n "$rf" ] || fail "no reject file for a.csv"
fixed=$(grep -c 'DPD Local' "$rf")
requeued_rows=$(($(wc -l <"$rf") - 1))
sed -i 's/,DPD Local,/,DPDLOCAL,/' "$rf"
"$B" -c "$WB_CONF" requeue "$(basename "$rf")" >>"$WB_LOG" 2>&1 || fail "requeue failed"
[ -f "$IN/$(basename "$rf")" ] || fail "requeued file not in in/"
wb_settle "$B" "$WB_CONF" 60 || fail "requeued file did not settle"

# 5. hold b's reject file (its reason goes along), explain it, then requeue it from hold/
bf=$(basename "$(ls "$W"/spool/reject/dispatch/b-rejects-*.csv | head -n 1)")
held_rows=$(($(wc -l <"$W/spool/reject/dispatch/$bf") - 1))
"$B" -c "$WB_CONF" hold "$bf" >>"$WB_LOG" 2>&1 || fail "hold failed"
[ -f "$W/spool/hold/dispatch/$bf" ] && [ -f "$W/spool/hold/dispatch/$bf.reason" ] ||
    fail "held file or its reason not in hold/"
[ ! -e "$W/spool/reject/dispatch/$bf.reason" ] || fail "reason left behind in reject/"
"$B" -c "$WB_CONF" explain a.csv | grep -q 'state done' || fail "explain a.csv"
"$B" -c "$WB_CONF" explain no-such.csv >/dev/null
[ $? -eq 66 ] || fail "explain of an unknown file does not exit 66"
"$B" -c "$WB_CONF" requeue "$bf" >>"$WB_LOG" 2>&1 || fail "requeue from hold failed"
[ ! -e "$W/spool/hold/dispatch/$bf.reason" ] || fail "reason left in hold/ after requeue"
wb_settle "$B" "$WB_CONF" 60 || fail "requeued held file did not settle"

# invariants
st=$("$B" -c "$WB_CONF" status --json)
echo "$st"
# a.csv rows + b.csv (three repeated rows and one new) + the requeued reject rows
# and the held-then-requeued ones, which are read again as rows of new files
total=$(($(wc -l <"$WB_TMP/a.csv") - 1 + 4 + requeued_rows + held_rows))
conf=$(wb_status_of "$st" confirmed)
rej=$(wb_status_of "$st" rejected)
echo "rows: confirmed=$conf rejected=$rej fixed_by_operator=$fixed"
[ "$conf" -gt 0 ] || fail "nothing confirmed"
[ $((conf + rej)) -eq "$total" ] || fail "confirmed+rejected=$((conf + rej)), rows received=$total"
[ -z "$(ls -A "$IN")" ] || fail "in/ not empty"
[ -z "$(ls -A "$W/spool/work/dispatch")" ] || fail "work/ not empty"
tmp=$(find "$W/spool" -name '.*.tmp' -o -name '*.part' | head -n 3)
[ -z "$tmp" ] || fail "temp files left: $tmp"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
python3 - "$WB_TMP/received.json" "$conf" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
keys = d["accepted_keys"]
dups = {k: v for k, v in keys.items() if v > 1}
if dups:
    print("FAIL: keys accepted more than once:", list(dups.items())[:5]); sys.exit(1)
if len(keys) != int(sys.argv[2]):
    print("FAIL: Amazon accepted %d keys, ledger confirmed %s" % (len(keys), sys.argv[2])); sys.exit(1)
print("amazon accepted %d keys, each once, in %d feeds" % (len(keys), len(d["feeds"])))
PY
S=$(wb_shared)
if [ -n "$S" ]; then
    for f in "$W"/spool/feeds/*.xml; do
        xmllint --noout --nonet --schema "$S/amazon/order-envelope.xsd" "$f" 2>/dev/null ||
            fail "feed $f is not valid against the schema"
    done
fi
# the operator listing shows every reject file with a reason
"$B" -c "$WB_CONF" rejects | grep -q 'file(s) waiting' || fail "rejects listing"
echo "ok"
