#!/bin/sh
# accounts.sh - seller accounts end to end against the simulator playing three sellers (the
# default one and two named accounts, --seller): each account's files land in its own lane
# (in/dispatch/, in/acme/dispatch/, in/beta/dispatch/), each feed is recorded by the simulator
# under its own seller's token and MerchantIdentifier, one file with the same order ids in two
# accounts is accepted in both (a business key of one seller never blocks another's), and a
# seller revoked mid-way keeps its files (nothing lost, one "offline" alert naming the
# account) while the others, before and after it in the list, confirm in the same run; once it
# is authorised again a rerun finishes it. `status`, `rejects`, `feeds` and `explain` show the
# account; `requeue`, `hold` and `resolve` find a file or feed of any account; feeds in doubt
# in two accounts are each recovered with their own account's token; the daemon watches every
# account's in/ lane.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
fail() { wb_fail "$@"; }

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 \
    --seller 'Atzr|acme-refresh=A2ACMESELLER' --seller 'Atzr|beta-refresh=A3BETASELLER' || exit 1
W=$WB_TMP/w
wb_make_config "$W" "alert_command = $WB_TMP/alert.sh" \
    "account.acme.merchant_id = A2ACMESELLER" "account.acme.credentials = $W/etc/acme.cred" \
    "account.beta.merchant_id = A3BETASELLER" "account.beta.credentials = $W/etc/beta.cred"
printf '#!/bin/sh\necho "$1 $2" >>%s/alerts.log\n' "$WB_TMP" >"$WB_TMP/alert.sh"
chmod 755 "$WB_TMP/alert.sh"
for a in acme beta; do
    sed "s/^refresh_token = .*/refresh_token = Atzr|$a-refresh/" "$W/etc/credentials" \
        >"$W/etc/$a.cred"
    chmod 600 "$W/etc/$a.cred"
done
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1 || { cat "$WB_TMP/check.out"; fail "check"; }

# lanes: what the accounts' lanes hold, and how many rows wait (status --json, per lane)
lanes() {
    "$B" -c "$WB_CONF" status --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
for lane in sys.argv[1:]:
    f = d["flows"][lane]
    r = f["rows"]
    print("%s in=%d work=%d pending=%d queued=%d confirmed=%d rejected=%d" % (lane, f["in"],
          f["work"], r["pending"], r["queued"], r["confirmed"], r["rejected"]))
' "$@"
}
# settled LANE... - every row of these lanes confirmed or rejected, in/ and work/ empty
settled() {
    lanes "$@" | grep -v " in=0 work=0 pending=0 queued=0 " | grep -q . && return 1
    return 0
}
# run_until ROUNDS LANE... - dispatch + feeds-poll until the lanes are settled
run_until() {
    max=$1; shift
    r=0
    while [ $r -lt "$max" ]; do
        "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
        "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
        settled "$@" && return 0
        r=$((r + 1))
        sleep 1
    done
    return 1
}
# sellers - "tokenSeller/merchant" of each feed the simulator received, sorted, one a line
sellers() {
    wb_sim_ctl /_sim/received | python3 -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    print("%s/%s" % (f["tokenSeller"], f["merchant"]))' | sort | uniq
}

D=$W/spool/in/dispatch
A=$W/spool/in/acme/dispatch
E=$W/spool/in/beta/dispatch
mkdir -p "$D" "$A" "$E"

# 1. a file in each lane, and one file (same order ids) in both named accounts
wb_gen_dispatch "$WB_TMP/d1.csv" 8 31 0
wb_gen_dispatch "$WB_TMP/a1.csv" 8 32 0
wb_gen_dispatch "$WB_TMP/b1.csv" 8 33 0
wb_gen_dispatch "$WB_TMP/same.csv" 6 34 0
wb_drop "$WB_TMP/d1.csv" "$D"
wb_drop "$WB_TMP/a1.csv" "$A"
wb_drop "$WB_TMP/b1.csv" "$E"
wb_drop "$WB_TMP/same.csv" "$A"
wb_drop "$WB_TMP/same.csv" "$E"
run_until 60 dispatch acme/dispatch beta/dispatch || fail "the three lanes did not settle"
lanes dispatch acme/dispatch beta/dispatch >"$WB_TMP/l1"
grep -qx "dispatch in=0 work=0 pending=0 queued=0 confirmed=8 rejected=0" "$WB_TMP/l1" &&
    grep -qx "acme/dispatch in=0 work=0 pending=0 queued=0 confirmed=14 rejected=0" "$WB_TMP/l1" &&
    grep -qx "beta/dispatch in=0 work=0 pending=0 queued=0 confirmed=14 rejected=0" "$WB_TMP/l1" ||
    { cat "$WB_TMP/l1"; fail "rows per account"; }
[ -z "$(find "$W/spool/reject" -type f)" ] ||
    fail "the file sent by two sellers was rejected in one of them"
got=$(sellers | tr '\n' ' ')
[ "$got" = "A2ACMESELLER/A2ACMESELLER A3BETASELLER/A3BETASELLER default/A2DEMO0SELLER " ] ||
    fail "feeds by seller token/MerchantIdentifier: $got"
# the same order ids accepted once for each of the two sellers
wb_sim_ctl /_sim/received | python3 -c '
import csv, json, sys
same = {r["amazon_order_id"] for r in csv.DictReader(open(sys.argv[1]))}
seen = {}
for f in json.load(sys.stdin)["feeds"]:
    for m in f["messages"]:
        if m["order_id"] in same:
            seen.setdefault(f["tokenSeller"], []).append(m["order_id"])
for s in ("A2ACMESELLER", "A3BETASELLER"):
    got = seen.get(s, [])
    if sorted(got) != sorted(same):
        sys.exit("seller %s: orders %s, want each of %s once" % (s, sorted(got), sorted(same)))
if "default" in seen:
    sys.exit("the default seller got orders of the named accounts")
' "$WB_TMP/same.csv" || fail "the same order ids were not accepted once per seller"
echo "ok   three lanes, each feed under its seller's token and merchant; same orders in two accounts"

# 2. acme (an account in the middle of the list) revoked mid-way: its files wait, alerted for
# acme; the default account and beta (after it) confirm in the same runs
wb_sim_ctl /_sim/revoke '{"seller":"A2ACMESELLER"}' >/dev/null || fail "revoke"
wb_gen_dispatch "$WB_TMP/d2.csv" 5 41 0
wb_gen_dispatch "$WB_TMP/a2.csv" 5 42 0
wb_gen_dispatch "$WB_TMP/b2.csv" 5 43 0
wb_drop "$WB_TMP/d2.csv" "$D"
wb_drop "$WB_TMP/a2.csv" "$A"
wb_drop "$WB_TMP/b2.csv" "$E"
run_until 30 dispatch beta/dispatch || fail "the default and beta lanes did not settle"
lanes dispatch acme/dispatch beta/dispatch >"$WB_TMP/l2"
grep -qx "dispatch in=0 work=0 pending=0 queued=0 confirmed=13 rejected=0" "$WB_TMP/l2" &&
    grep -qx "beta/dispatch in=0 work=0 pending=0 queued=0 confirmed=19 rejected=0" "$WB_TMP/l2" &&
    grep -q "^acme/dispatch in=0 work=1 pending=[05] queued=[05] confirmed=14 rejected=0" \
        "$WB_TMP/l2" || { cat "$WB_TMP/l2"; fail "rows per account while acme is revoked"; }
[ -f "$W/spool/work/acme/dispatch/a2.csv" ] || fail "acme's file is not kept in work/"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
[ $? -eq 78 ] || fail "a run with a refused account did not exit 78"
n=$(grep -c "^offline sp-api/acme$" "$WB_TMP/alerts.log" 2>/dev/null)
[ "$n" = 1 ] || fail "the refused account was alerted $n times, not once"
grep -q "^offline sp-api/beta\|^offline sp-api$" "$WB_TMP/alerts.log" &&
    fail "an account that works was alerted"
"$B" -c "$WB_CONF" status | grep -q "^  offline  *sp-api/acme .*acme" ||
    fail "status does not show acme's alert"
echo "ok   acme revoked: its file waits in work/acme/dispatch/ with one alert; the others confirm"

# 3. acme authorised again: a rerun finishes it, the alert is cleared
wb_sim_ctl /_sim/reset '{"faults":true,"state":false,"buckets":false}' >/dev/null ||
    fail "un-revoke"
run_until 40 dispatch acme/dispatch beta/dispatch || fail "acme did not settle once authorised"
lanes acme/dispatch | grep -qx "acme/dispatch in=0 work=0 pending=0 queued=0 confirmed=19 rejected=0" ||
    fail "acme's rows after the rerun: $(lanes acme/dispatch)"
"$B" -c "$WB_CONF" status | grep -q "^open alerts: none" || fail "acme's alert stayed open"
wb_sim_ctl /_sim/received | python3 -c '
import json, sys
n = {}
for f in json.load(sys.stdin)["feeds"]:
    if f["tokenSeller"] != {"A2DEMO0SELLER": "default"}.get(f["merchant"], f["merchant"]):
        sys.exit("feed %s: token of %s, merchant %s" % (f["feedId"], f["tokenSeller"], f["merchant"]))
    for m in f["messages"]:
        k = (f["tokenSeller"], m["order_id"], str(m["items"]))
        n[k] = n.get(k, 0) + 1
dup = [k for k, v in n.items() if v > 1]
if dup:
    sys.exit("sent twice: %s" % dup[:3])
' || fail "a feed under another seller's token, or a message sent twice"
echo "ok   acme authorised again: the rerun confirms its rows, alert cleared, nothing sent twice"

# 4. the commands show the account
cp "$WB_TMP/b1.csv" "$WB_TMP/b1-again.csv"
wb_drop "$WB_TMP/b1-again.csv" "$E"
run_until 10 beta/dispatch || fail "the duplicate did not settle"
[ -f "$W/spool/reject/beta/dispatch/b1-again.csv" ] || fail "beta's duplicate file not rejected"
"$B" -c "$WB_CONF" rejects | grep -q "^beta  *dispatch  *b1-again.csv " ||
    fail "rejects does not show the account: $("$B" -c "$WB_CONF" rejects)"
"$B" -c "$WB_CONF" rejects --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [(r["account"], r["flow"], r["file"]) for r in d] == [("beta", "dispatch", "b1-again.csv")], d
' || fail "rejects --json does not carry the account"
"$B" -c "$WB_CONF" status | grep -q "^beta  *dispatch  *0  *0  *0  *1 " ||
    fail "status does not show the account"
"$B" -c "$WB_CONF" feeds --all | grep -q "^acme  *[0-9]" || fail "feeds does not show the account"
"$B" -c "$WB_CONF" explain b1.csv | grep -q "^seller account beta" || fail "explain: no account"
"$B" -c "$WB_CONF" requeue b1-again.csv >/dev/null || fail "requeue did not find beta's file"
[ -f "$E/b1-again.csv" ] || fail "requeue did not move the file back to in/beta/dispatch/"
# one name in two accounts' reject/: requeue asks which, LANE/NAME picks one
for a in acme beta; do printf 'x\n' >"$W/spool/reject/$a/dispatch/x.csv"; done
out=$("$B" -c "$WB_CONF" requeue x.csv 2>&1)
[ $? -eq 64 ] && echo "$out" | grep -q "acme/dispatch/ and beta/dispatch/" ||
    fail "requeue of a name in two accounts: $out"
"$B" -c "$WB_CONF" requeue acme/dispatch/x.csv >/dev/null || fail "requeue acme/dispatch/x.csv"
rm "$A/x.csv" || fail "requeue acme/dispatch/x.csv did not move acme's file to in/acme/dispatch/"
"$B" -c "$WB_CONF" hold x.csv >/dev/null || fail "hold x.csv (in beta's reject/ only)"
"$B" -c "$WB_CONF" requeue x.csv >/dev/null || fail "requeue x.csv (in beta's hold/ only)"
rm "$E/x.csv" || fail "hold and requeue x.csv did not find beta's file"
echo "ok   status, rejects, feeds, explain show the account; requeue and hold find the lane"

# 5. a feed of beta held (its report does not add up), alerted for beta, settled by hand in
# beta's lane
wb_sim_ctl /_sim/faults '{"report_lie": "empty", "report_lie_next": 1}' >/dev/null ||
    fail "sim: report_lie"
wb_gen_dispatch "$WB_TMP/b3.csv" 4 51 0
wb_drop "$WB_TMP/b3.csv" "$E"
i=0
fid=""
while [ $i -lt 20 ] && [ -z "$fid" ]; do
    "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
    sleep 1
    "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
    fid=$(sed -n 's/^feed-report-unproven beta\/feed-\([0-9]*\)$/\1/p' "$WB_TMP/alerts.log")
    i=$((i + 1))
done
[ -n "$fid" ] || fail "beta's feed was not held with an alert naming beta"
"$B" -c "$WB_CONF" resolve "$fid" --rejected "checked in Seller Central: not shipped" \
    >>"$WB_LOG" 2>&1 || fail "resolve of beta's held feed failed"
ls "$W/spool/reject/beta/dispatch/b3-operator-$fid"-*.csv >/dev/null 2>&1 ||
    fail "the rows of beta's held feed are not in reject/beta/dispatch/"
lanes beta/dispatch | grep -q " pending=0 queued=0 confirmed=19 rejected=4$" ||
    fail "beta's rows after resolve: $(lanes beta/dispatch)"
echo "ok   a held feed of beta alerted as beta/feed-$fid, resolved into reject/beta/dispatch/"

# 6. the createFeed answers of acme and beta both lost: each account's recovery asks Amazon
# with its own token (a seller sees only its feeds) and adopts its own feed, none is sent twice
wb_sim_ctl /_sim/faults '{"lose_create_reply": 2, "hang_ms": 6000}' >/dev/null ||
    fail "sim: lose_create_reply"
echo "http_timeout = 2" >>"$WB_CONF"
wb_gen_dispatch "$WB_TMP/a4.csv" 3 61 0
wb_gen_dispatch "$WB_TMP/b4.csv" 3 62 0
wb_drop "$WB_TMP/a4.csv" "$A"
wb_drop "$WB_TMP/b4.csv" "$E"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
n=$("$B" -c "$WB_CONF" feeds | grep -c "^\(acme\|beta\) .* submitting ")
[ "$n" = 2 ] || fail "the two lost createFeed answers did not leave two feeds submitting"
run_until 30 acme/dispatch beta/dispatch || fail "the two feeds in doubt did not settle"
[ "$(grep -c "event=recover-adopted" "$WB_LOG")" = 2 ] ||
    fail "each account did not adopt its own feed"
lanes acme/dispatch beta/dispatch >"$WB_TMP/l6"
grep -qx "acme/dispatch in=0 work=0 pending=0 queued=0 confirmed=22 rejected=0" "$WB_TMP/l6" &&
    grep -qx "beta/dispatch in=0 work=0 pending=0 queued=0 confirmed=22 rejected=4" "$WB_TMP/l6" ||
    { cat "$WB_TMP/l6"; fail "rows after the recovery"; }
wb_sim_ctl /_sim/received | python3 -c '
import json, sys
n = {}
for f in json.load(sys.stdin)["feeds"]:
    for m in f["messages"]:
        k = (f["tokenSeller"], m["order_id"], str(m["items"]))
        n[k] = n.get(k, 0) + 1
dup = [k for k, v in n.items() if v > 1]
if dup:
    sys.exit("sent twice: %s" % dup[:3])
' || fail "a feed in doubt was sent twice"
echo "ok   two feeds in doubt in two accounts: each adopted by its own account, none sent twice"

# 7. the daemon watches every account's in/ lane: a file dropped into in/beta/dispatch/ is taken
# at once (the schedule has no dispatch line)
printf '0 3 * * * purge\n' >"$W/etc/schedule"
"$B" -c "$WB_CONF" run >>"$WB_TMP/daemon.log" 2>&1 &
DPID=$!
WB_PIDS="$WB_PIDS $DPID"
i=0
until grep -q "event=start" "$WB_TMP/daemon.log" 2>/dev/null || [ $i -ge 50 ]; do
    sleep 0.2
    i=$((i + 1))
done
wb_gen_dispatch "$WB_TMP/b5.csv" 2 71 0
wb_drop "$WB_TMP/b5.csv" "$E"
i=0
while [ -f "$E/b5.csv" ] && [ $i -lt 50 ]; do
    sleep 0.2
    i=$((i + 1))
done
kill -TERM "$DPID"
wait "$DPID"
[ ! -f "$E/b5.csv" ] || fail "the daemon did not take a file dropped into in/beta/dispatch/"
echo "ok   the daemon watches in/beta/dispatch/"
echo ok
