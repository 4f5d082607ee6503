#!/bin/sh
# alerts.sh - alerts with owners through a fake alert_command that keeps each JSON object it
# reads on standard input: every condition an operator must act on is raised once with its
# type, key, account, flow, severity, owner (the table's, or alert_owners'), text, first_seen
# and what_to_do; it is not repeated before alert_renotify_minutes, sent again after it, and
# resolved (state "resolved") once its condition has passed. Types covered here: rows-rejected,
# file-refused, backlog-sla, file-mtime-future, not-a-file, stale-temp, job-failing, offline,
# sftp-down (the feed-* types are raised and resolved in the feed tests' runs).
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
J=$WB_TMP/alerts.jsonl
printf '#!/bin/sh\ncat >>%s\n' "$J" >"$WB_TMP/alert.sh"
chmod 755 "$WB_TMP/alert.sh"
wb_make_config "$W" "alert_command = $WB_TMP/alert.sh" "alert_owners = stale-temp=it" \
    "remote.down.host = 127.0.0.1" "remote.down.port = 9" "remote.down.user = nobody" \
    "remote.down.flow = dispatch" "remote.down.fingerprint = SHA256:AAAA" "remote.down.timeout = 2"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
: >"$J"
fail() { wb_fail "$@"; }
# count TYPE STATE - JSON lines of that type and state
count() {
    $WB_PY - "$J" "$1" "$2" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("type", "key", "account", "flow", "severity", "owner", "text", "first_seen",
              "what_to_do", "state"):
        if k not in o:
            sys.exit("no %s in %s" % (k, line))
    if not o["what_to_do"] or o["owner"] not in ("ops", "warehouse", "finance", "it"):
        sys.exit("no owner or what to do in %s" % line)
    n += o["type"] == sys.argv[2] and o["state"] == sys.argv[3]
print(n)
EOF
}
# expect TYPE STATE N
expect() {
    n=$(count "$1" "$2") || fail "alert JSON malformed: $n"
    [ "$n" = "$3" ] || { cat "$J"; fail "$1 $2 sent $n time(s), not $3"; }
}
run() { "$B" -c "$WB_CONF" run --once "$@" >>"$WB_LOG" 2>&1; }

# the conditions: a file with rejected rows, a file refused whole, a file dated ahead, a fifo, a
# writer's temp name left for two hours, a remote that cannot be reached, credentials others can
# read (offline: the dispatch job fails, three times in a row)
wb_gen_dispatch "$WB_TMP/bad.csv" 10 3 30
wb_drop "$WB_TMP/bad.csv" "$IN"
printf 'no,such,header\n1,2,3\n' >"$WB_TMP/refused.csv"
wb_drop "$WB_TMP/refused.csv" "$IN"
chmod 644 "$W/etc/credentials"
for i in 1 2 3; do run dispatch --options flush; done
wb_gen_dispatch "$WB_TMP/late.csv" 5 4 0
cp "$WB_TMP/late.csv" "$IN/late.csv"
touch -d '+2 days' "$IN/late.csv"
mkfifo "$IN/pipe.csv"
touch -d '-2 hours' "$IN/.half.csv.part"
run dispatch --options flush
run sftp-pull
for t in rows-rejected file-refused file-mtime-future not-a-file job-failing offline sftp-down; do
    expect "$t" firing 1
done
grep -q '"type":"rows-rejected","key":"dispatch","account":"default","flow":"dispatch","severity":"warning","owner":"warehouse"' "$J" ||
    fail "rows-rejected does not say its lane, account, flow, severity and owner"
"$B" -c "$WB_CONF" status | grep -q "rows-rejected" || fail "status does not list the open alert"
echo "ok   raised: one JSON object each, with owner and what to do"

# de-duplicated: the same conditions again send nothing
run dispatch --options flush
run sftp-pull
for t in rows-rejected file-refused not-a-file job-failing offline sftp-down; do
    expect "$t" firing 1
done
echo "ok   de-duplicated while open"

# re-notified after alert_renotify_minutes (240): five hours later they are sent again; the
# files have now waited past backlog_sla_minutes, and the temp name past an hour
now=$(date +%s)
WB_FAKE_NOW=$((now + 5 * 3600)) run dispatch --options flush
expect rows-rejected firing 2
expect backlog-sla firing 1
expect stale-temp firing 1
grep -q '"type":"stale-temp".*"owner":"it"' "$J" || fail "alert_owners did not set stale-temp's owner"
WB_FAKE_NOW=$((now + 5 * 3600)) run dispatch --options flush
expect rows-rejected firing 2
echo "ok   re-notified after the interval, once"

# resolved: the operator fixes each condition; one resolution each
rm -f "$W"/spool/reject/dispatch/* "$IN/pipe.csv" "$IN/.half.csv.part"
chmod 600 "$W/etc/credentials"
sed -i '/^remote\.down\./d' "$WB_CONF"
run dispatch --options flush || fail "the fixed dispatch run failed"
for t in rows-rejected file-refused backlog-sla file-mtime-future not-a-file stale-temp \
    job-failing offline sftp-down; do
    expect "$t" resolved 1
done
"$B" -c "$WB_CONF" status | grep -q "^open alerts: none" || fail "alerts stayed open"
run dispatch --options flush
expect rows-rejected resolved 1
echo "ok   resolved once each when the condition passed"

# a misspelt type in alert_owners is a configuration error with a near miss
echo "alert_owners = rows-rejectd=ops" >>"$WB_CONF"
out=$("$B" -c "$WB_CONF" check 2>&1)
echo "$out" | grep -q "no alert type 'rows-rejectd' (did you mean 'rows-rejected'?)" ||
    { echo "$out"; fail "a misspelt alert type is not reported"; }
echo ok
