#!/bin/sh
# queue.sh - the queue view and bulk actions: `queue` lists in/ work/ hold/ reject/ per account
# and flow with age, size and reject code (text and --json) and filters by flow, account, code
# and age; `requeue`, `hold` and `drop` take a name, ALL or a filter; drop needs a reason;
# every action is kept with the Unix user, the time and the reason, shown by `explain` at once
# (a note in the spool's actions/) and moved into the ledger by the service's next job.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
W=$WB_TMP/w
wb_make_config "$W" "account.acme.merchant_id = A2ACME"
S=$W/spool
IN=$S/in/dispatch
mkdir -p "$IN" "$S/reject/acme/dispatch"
fail() { wb_fail "$@"; }
me=$(id -un)
wb_gen_dispatch "$WB_TMP/bad.csv" 10 3 30
wb_drop "$WB_TMP/bad.csv" "$IN"
printf 'no,such,header\n1,2,3\n' >"$WB_TMP/refused.csv"
wb_drop "$WB_TMP/refused.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 ||
    fail "the offline run failed"
# a reject of the second account, two hours old
printf 'x\n' >"$S/reject/acme/dispatch/old.csv"
printf 'file: old.csv\nflow: dispatch\ncode: E_FILE\nwhen: x\nreason: empty\n' \
    >"$S/reject/acme/dispatch/old.csv.reason"
touch -d '-2 hours' "$S/reject/acme/dispatch/old.csv"
rf=$(ls "$S/reject/dispatch" | grep -- '-rejects-' | grep -v '\.reason$')
[ -n "$rf" ] || fail "no reject file of rows"

out=$("$B" -c "$WB_CONF" queue) || fail "queue failed"
echo "$out" | grep -q "^reject  default    dispatch .* E_FILE  *refused.csv$" ||
    { echo "$out"; fail "queue does not list the refused file with its account and code"; }
echo "$out" | grep -q "^reject  acme       dispatch .* 2h00m  E_FILE  *old.csv$" ||
    { echo "$out"; fail "queue does not list the other account's reject with its age"; }
echo "$out" | grep -q "^work    default    dispatch " || fail "queue does not list work/"
echo "$out" | grep -q "^-- 4 file(s)" || { echo "$out"; fail "queue does not count 4 files"; }
n=$("$B" -c "$WB_CONF" queue --code E_FILE --account default | grep -c '^reject')
[ "$n" = 1 ] || fail "queue --code E_FILE --account default listed $n files, not 1"
"$B" -c "$WB_CONF" queue --json --older-than 1h | $WB_PY -c '
import json, sys
v = json.load(sys.stdin)
assert [(x["state"], x["account"], x["name"], x["code"]) for x in v] == \
    [("reject", "acme", "old.csv", "E_FILE")], v' || fail "queue --json --older-than 1h"
echo "ok   queue lists per account and flow, filters by code, account and age"

# drop needs a reason, and a target
"$B" -c "$WB_CONF" drop ALL >/dev/null 2>&1
[ $? -eq 64 ] || fail "drop without --reason did not exit 64"
"$B" -c "$WB_CONF" requeue >/dev/null 2>&1
[ $? -eq 64 ] || fail "requeue without NAME, ALL or filter did not exit 64"
# bulk: hold every E_FILE reject of the default account; drop what is older than an hour
"$B" -c "$WB_CONF" hold ALL --code E_FILE --account default >>"$WB_LOG" 2>&1 || fail "bulk hold"
[ -f "$S/hold/dispatch/refused.csv" ] && [ -f "$S/hold/dispatch/refused.csv.reason" ] ||
    fail "hold --code E_FILE did not park the refused file with its reason"
[ -f "$S/reject/dispatch/$rf" ] || fail "hold --code E_FILE moved a file of another code"
"$B" -c "$WB_CONF" drop ALL --older-than 1h --reason "empty test export, ticket 42" \
    >>"$WB_LOG" 2>&1 || fail "bulk drop"
[ ! -e "$S/reject/acme/dispatch/old.csv" ] && [ ! -e "$S/reject/acme/dispatch/old.csv.reason" ] ||
    fail "drop --older-than 1h left the old file"
[ -f "$S/reject/dispatch/$rf" ] || fail "drop --older-than 1h removed a new file"
"$B" -c "$WB_CONF" requeue "dispatch/$rf" >>"$WB_LOG" 2>&1 || fail "requeue FLOW/NAME"
[ -f "$IN/$rf" ] || fail "requeue did not move the reject file to in/"
"$B" -c "$WB_CONF" requeue ALL --flow dispatch --code E_FILE >>"$WB_LOG" 2>&1 ||
    fail "requeue ALL from hold/"
[ -f "$IN/refused.csv" ] || fail "requeue ALL --code E_FILE did not take the held file back"
echo "ok   bulk hold, drop and requeue by name, ALL and filters"

# the audit trail: at once from the notes, then from the ledger after the service's next job
out=$("$B" -c "$WB_CONF" explain old.csv) || fail "explain of a dropped file failed"
echo "$out" | grep -q "drop by $me (acme/dispatch): empty test export, ticket 42" ||
    { echo "$out"; fail "explain does not show who dropped the file and why"; }
out=$("$B" -c "$WB_CONF" explain refused.csv)
echo "$out" | grep -q "hold by $me (default/dispatch)" &&
    echo "$out" | grep -q "requeue by $me (default/dispatch)" ||
    { echo "$out"; fail "explain does not show the hold and the requeue"; }
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
[ -z "$(ls "$S/actions")" ] || fail "the service left the action notes in actions/"
n=$(sqlite3 "$S/ledger.db" "SELECT count(*) FROM actions WHERE user='$me'")
[ "$n" = 4 ] || fail "the ledger holds $n actions, not 4"
"$B" -c "$WB_CONF" explain old.csv | grep -q "drop by $me (acme/dispatch): empty test export" ||
    fail "explain does not show the drop from the ledger"
echo ok
