#!/bin/sh
# orders_pii.sh - buyers' names, addresses and phones go only into the WMS file and stay in the
# ledger orders_pii_days: after a run with several orders (one held by the gate, one cancelled
# after it reached the WMS) none of them is in the log, status, status --json, alerts (the
# command's input and `alerts`), reject files, `rejects`, `queue`, metrics or the report page;
# within the retention `rewrite` writes a file the WMS lost again, the same bytes, and no order
# is acknowledged twice; on a clock moved past the retention the orders job purges them: no
# batch keeps its rows, our copy in sent/ is gone, the bytes are in neither the database nor
# its WAL, and `rewrite` says why it cannot.
#
# Environment: WB_BIN, WB_ROOT, WB_TMP. Exit 0 pass, 77 skip, other = fail.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
for t in curl openssl python3; do
    command -v "$t" >/dev/null 2>&1 || { echo "orders_pii: skipped: $t is not installed"; exit 77; }
done
export WB_LOG=$WB_TMP/log
wb_start_sim "$WB_TMP/sim" --rate-scale 1000 --process-seconds 1 || exit 1
W=$WB_TMP/w
J=$WB_TMP/alerts.jsonl
printf '#!/bin/sh\ncat >>%s\n' "$J" >"$WB_TMP/alert.sh"
chmod 755 "$WB_TMP/alert.sh"
: >"$J"
wb_make_config "$W" "orders_pii_days = 2" "alert_command = $WB_TMP/alert.sh"
cp "$WB_ROOT/etc/skus.map" "$W/etc/skus.map"
B=$WB_BIN
C=$WB_CONF
DB=$W/spool/ledger.db
OUT=$W/spool/out/orders
CLOCK=$WB_TMP/clock
T=$(date +%s)
echo "$T" >"$CLOCK"
export WB_FAKE_NOW=$CLOCK
fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
ledger() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }

# every buyer's name, street and phone, one a line
cat >"$WB_TMP/pii" <<'PII'
Zebedee Quartermaine
17 Xylophone Mews
+44 7700 900123
Philippa Wetherspoon
4 Quixote Gardens
+44 7700 900456
Barnaby Oyelaran
88 Vermilion Crescent
+44 7700 900789
Ottoline Grzybowska
2 Juniper Wynd
+44 7700 900321
PII
addr() { printf '"address":{"name":"%s","addressLine1":"%s","phone":"%s"}' \
    "$(sed -n "$1p" "$WB_TMP/pii")" "$(sed -n "$(($1 + 1))p" "$WB_TMP/pii")" \
    "$(sed -n "$(($1 + 2))p" "$WB_TMP/pii")"; }
set -- $(wb_sim_ctl /_sim/orders/add "{\"orders\":[
    {\"items\":[[null,\"MUG-BLUE-330\",2]],$(addr 1)},
    {\"items\":[[null,\"TEAPOT-1L-WHITE\",1]],\"level\":\"NEXT_DAY\",$(addr 4)},
    {\"items\":[[null,\"NO-SUCH-SKU\",1]],$(addr 7)},
    {\"items\":[[null,\"MUG-RED-330\",1]],$(addr 10)}]}" |
    python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["added"]))')
A=$1 BO=$2 H=$3 X=$4
wb_run_job orders
echo $((T + 60)) >"$CLOCK"
wb_sim_ctl /_sim/orders/update "{\"orderId\":\"$X\",\"cancel\":true}" >/dev/null
wb_settle_jobs 60 orders ack:flush feeds-poll:now || bad "orders and acknowledgements did not settle"
grep -q "Zebedee Quartermaine" "$OUT"/orders-*.csv && grep -q "^cancel,$X," "$OUT"/orders-*.csv &&
    [ -f "$W/spool/reject/orders/$H.json" ] &&
    ok "the WMS file carries the addresses; a held and a cancelled order" ||
    bad "orders: $(cat "$OUT"/orders-*.csv) $(ls "$W/spool/reject/orders")"

# nothing of it anywhere but the WMS file
"$B" -c "$C" status >"$WB_TMP/status.txt" 2>&1
"$B" -c "$C" status --json >"$WB_TMP/status.json" 2>&1
"$B" -c "$C" alerts >"$WB_TMP/alerts.txt" 2>&1
"$B" -c "$C" alerts --json >"$WB_TMP/alerts.json" 2>&1
"$B" -c "$C" rejects >"$WB_TMP/rejects.txt" 2>&1
"$B" -c "$C" rejects --json >"$WB_TMP/rejects.json" 2>&1
"$B" -c "$C" queue >"$WB_TMP/queue.txt" 2>&1
"$B" -c "$C" metrics >"$WB_TMP/metrics.txt" 2>&1
"$B" -c "$C" report --out "$WB_TMP/report.html" >/dev/null 2>&1 || bad "report exit $?"
grep -q "order-held" "$J" && grep -q "$H" "$WB_TMP/alerts.txt" && grep -q "$H" "$WB_TMP/rejects.txt" &&
    [ -s "$WB_TMP/report.html" ] && grep -q "order_id=\|order=$A" "$WB_LOG" ||
    bad "the places searched are not what the test expects"
seen=$(grep -rlF -f "$WB_TMP/pii" "$WB_LOG" "$WB_TMP"/status.* "$WB_TMP"/alerts.* "$J" \
    "$WB_TMP"/rejects.* "$WB_TMP/queue.txt" "$WB_TMP/metrics.txt" "$WB_TMP/report.html" \
    "$W/spool/reject" "$W/spool/in" "$W/spool/done" 2>/dev/null)
[ -z "$seen" ] && ok "no name, street or phone in logs, status, alerts, rejects, queue, metrics, report" ||
    bad "personal data in: $seen"

# within the retention: the rows are kept, and a file the WMS lost is written again
kept=$(ledger "SELECT count(*) FROM order_batches WHERE rows IS NOT NULL")
[ "$kept" -ge 2 ] && ok "within orders_pii_days the ledger keeps the batches' rows ($kept)" ||
    bad "kept batches: $kept"
f=$(grep -l "Zebedee Quartermaine" "$OUT"/orders-*.csv | head -n 1)
name=${f##*/}
cp "$f" "$WB_TMP/lost.csv"
rm -f "$f"
nack=$(ls "$W"/spool/done/*/ack/ 2>/dev/null | wc -l)
"$B" -c "$C" rewrite "$name" >"$WB_TMP/rw.out" 2>&1 || bad "rewrite exit $?: $(cat "$WB_TMP/rw.out")"
cmp -s "$f" "$WB_TMP/lost.csv" && ok "rewrite writes a lost file again, the same bytes" ||
    bad "rewritten file differs: $(diff "$f" "$WB_TMP/lost.csv")"
wb_settle_jobs 30 orders ack:flush feeds-poll:now || bad "did not settle after rewrite"
[ "$(ls "$W"/spool/done/*/ack/ 2>/dev/null | wc -l)" = "$nack" ] && [ -z "$(ls "$W/spool/in/ack")" ] &&
    ok "a rewritten file acknowledges nothing again" || bad "acks after rewrite"
"$B" -c "$C" rewrite no-such.csv >/dev/null 2>&1
[ $? = 66 ] && ok "rewrite of a file no flow wrote: 66" || bad "rewrite of an unknown file"
grep -qF "Zebedee Quartermaine" "$DB" "$DB-wal" && ok "(control) the kept rows are in the ledger's files" ||
    bad "(control) the byte search finds nothing before the purge"

# our copy of a file sftp-push delivered, as sent/ keeps it
mkdir -p "$W/spool/sent/orders"
g=$(grep -l "Ottoline Grzybowska" "$OUT"/orders-*.csv | tail -n 1)
cp "$g" "$W/spool/sent/orders/"

# past the retention: purged from the ledger's files and from sent/, while another process has
# the ledger open (the daemon, a `status`), so no last close empties the WAL
python3 -c 'import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); c.execute("SELECT count(*) FROM orders").fetchall()
open(sys.argv[2], "w").close(); time.sleep(600)' "$DB" "$WB_TMP/reader" &
WB_PIDS="$WB_PIDS $!"
i=0
while [ ! -f "$WB_TMP/reader" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
echo $((T + 2 * 86400 + 120)) >"$CLOCK"
wb_run_job orders || bad "orders run after the retention: exit $?"
kept=$(ledger "SELECT count(*) FROM order_batches WHERE rows IS NOT NULL")
[ "$kept" = 0 ] && ok "past orders_pii_days no batch keeps its rows" || bad "$kept batches keep rows"
[ -z "$(ls "$W/spool/sent/orders")" ] && ok "our copy in sent/ is purged" ||
    bad "sent/ keeps $(ls "$W/spool/sent/orders")"
left=$(grep -alF -f "$WB_TMP/pii" "$DB" "$DB-wal" "$DB-shm" 2>/dev/null)
[ -z "$left" ] && ok "no name, street or phone left in the ledger's bytes (database and WAL)" ||
    bad "personal data still in: $left"
"$B" -c "$C" rewrite "$name" >"$WB_TMP/rw.out" 2>&1
[ $? = 66 ] && grep -q "purged" "$WB_TMP/rw.out" && ok "rewrite after the purge says why not (66)" ||
    bad "rewrite after purge: $(cat "$WB_TMP/rw.out")"
grep -rlF -f "$WB_TMP/pii" "$WB_LOG" >/dev/null && bad "personal data in the log"
exit $fail
