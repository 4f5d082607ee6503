#!/bin/sh
# settlement_e2e.sh - the settlements job against the SP-API simulator: the
# seeded V2 report found with getReports, downloaded (gzip), journalled to
# out/journals/ summing to its deposit, the original kept in done/; run again:
# nothing fetched or written twice; the same settlement delivered under a
# second report: journalled once; a settlement with a combination gl.map lacks:
# reject/settlements/ with every unmapped combination in the reason and no
# journal; gl.map fixed + requeue: journalled; a refused file dropped in in/; a second
# seller account in its own lanes; an account in another currency.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
fail() {
    echo "FAIL: $*"
    ls -R "$W/spool" 2>&1 | head -40
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}
command -v curl >/dev/null 2>&1 || { echo "settlement_e2e: skipped: no curl"; exit 77; }
wb_start_sim "$WB_TMP/sim" --process-seconds 0 --rate-scale 50 || exit 1
wb_sim_ctl /_sim/faults '{"gzip": true}' >/dev/null || fail "cannot set the gzip fault"
wb_make_config "$W" "gl_map = $W/etc/gl.map"
cp "$WB_ROOT/etc/gl.map" "$W/etc/gl.map"
J=$W/spool/out/journals
run() { "$B" -c "$WB_CONF" run --once settlements >>"$WB_LOG" 2>&1; }

# journal_ok FILE - the journal's amounts sum to the deposit of the settlement it names
journal_ok() {
    python3 - "$1" "$W/spool/done" <<'PY'
import csv, glob, sys
from decimal import Decimal
j = list(csv.DictReader(open(sys.argv[1])))
sid = j[0]["settlement_id"]
for f in glob.glob(sys.argv[2] + "/*/settlements/*"):
    rows = list(csv.reader(open(f), delimiter="\t"))
    if rows[1][0] == sid:
        want = Decimal(rows[1][4])
        got = sum(Decimal(r["amount"]) for r in j)
        sys.exit(0 if want == got else 1)
sys.exit(2)
PY
}

# 1. the seeded settlement
run || fail "first run failed"
n=$(ls "$J"/journal-*.csv 2>/dev/null | wc -l)
first=$(ls "$J"/journal-*.csv 2>/dev/null | head -n 1)
[ "$n" = 1 ] || fail "$n journals after the first run, want 1"
journal_ok "$first" || fail "journal does not sum to the deposit of its settlement"
ls "$W"/spool/done/*/settlements/settlement-report-*.tsv >/dev/null 2>&1 ||
    fail "the original report is not kept in done/"

# reconciliation: every merchant-fulfilled order the settlement pays and no dispatch confirms
sid=$(sed -n '2s/,.*//p' "$first")
R=$J/reconcile-$sid.csv
[ -f "$R" ] || fail "no reconciliation file for settlement $sid"
paid=$(awk -F'\t' 'NR > 2 && $7 == "Order" && $16 == "MFN" {print $8}' \
    "$W"/spool/done/*/settlements/*.tsv | sort -u)
[ -n "$paid" ] || fail "the simulator's settlement pays no merchant-fulfilled order"
[ "$(tail -n +2 "$R" | cut -d, -f2 | sort -u)" = "$paid" ] ||
    fail "the reconciliation does not list exactly the paid orders without a dispatch"
grep -q ',"paid, no dispatch received from the WMS"$' "$R" || fail "no finding text"
tail -n +2 "$R" | cut -d, -f2 | sort -c || fail "the reconciliation is not in order id order"

# 2. again: nothing new
cp "$first" "$WB_TMP/first.csv"
run || fail "second run failed"
[ "$(ls "$J"/journal-* | wc -l)" = 1 ] || fail "a second run wrote another journal"
cmp -s "$first" "$WB_TMP/first.csv" || fail "the journal changed"
[ "$(ls "$W"/spool/done/*/settlements/ | wc -l)" = 1 ] || fail "the report was downloaded again"

# 3. the same settlement id under a second report: journalled once
sid=$(sed -n '2s/,.*//p' "$first")
wb_sim_ctl /_sim/settlement "{\"sid\": \"$sid\"}" >/dev/null || fail "cannot post a report"
run || fail "run after the duplicate failed"
[ "$(ls "$J"/journal-* | wc -l)" = 1 ] || fail "a settlement delivered twice was journalled twice"
[ "$(ls "$W"/spool/done/*/settlements/ | wc -l)" = 2 ] || fail "the duplicate is not in done/"
[ -f "$J/reconcile-$sid.csv" ] && [ "$(ls "$J"/reconcile-* | wc -l)" = 1 ] ||
    fail "a duplicate settlement was reconciled again"
grep -q "event=duplicate" "$WB_LOG" || fail "the duplicate is not logged"

# 3b. one paid order's dispatch confirmed by Amazon (a dispatch row of the ledger): the next
# settlement's reconciliation leaves it out
o1=$(echo "$paid" | head -n 1)
python3 - "$W/spool/ledger.db" "$o1" <<'PY' || fail "cannot add a dispatch row"
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
now = int(time.time())
fid = db.execute("SELECT min(id) FROM files").fetchone()[0]
db.execute("INSERT INTO rows(file_id, flow, key, lineno, state, created, updated)"
           " VALUES (?, 'dispatch', ?, 2, 3, ?, ?)", (fid, sys.argv[2] + "|1|T1", now, now))
db.commit()
PY
r=$(wb_sim_ctl /_sim/settlement '{}') || fail "cannot post a report"
sid3=$(echo "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sid"])')
run || fail "run after the third report failed"
[ -f "$J/reconcile-$sid3.csv" ] || fail "no reconciliation for settlement $sid3"
grep -q ",$o1," "$J/reconcile-$sid3.csv" && fail "a confirmed dispatch is reported unpaid-for"
[ "$(($(wc -l <"$J/reconcile-$sid3.csv") - 1))" = "$(($(echo "$paid" | wc -l) - 1))" ] ||
    fail "the reconciliation does not list the other paid orders"

# 4. a settlement with combinations gl.map lacks: rejected whole, every one listed
r=$(wb_sim_ctl /_sim/settlement '{"extra": [["NewFeeType", "Surcharge", "Shiny Fee", -123], ["other-transaction", "Mystery", "Odd", 45]]}') ||
    fail "cannot post a report"
sid2=$(echo "$r" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sid"])')
run
[ -f "$J/journal-$sid2.csv" ] && fail "a journal was written for an unmapped settlement"
rej=$(ls "$W"/spool/reject/settlements/*.tsv 2>/dev/null | head -n 1)
[ -n "$rej" ] || fail "the unmapped settlement is not in reject/settlements/"
for want in E_SETTLEMENT_UNMAPPED "NewFeeType | Surcharge | Shiny Fee" "other-transaction | Mystery | Odd"; do
    grep -qF "$want" "$rej.reason" || fail "the reason lacks '$want'"
done

# 5. the map fixed, requeue: journalled, summing to its deposit
printf 'NewFeeType | * | * = 6100-amazon-selling-fees\nother-transaction | Mystery | * = 6900-other\n' \
    >>"$W/etc/gl.map"
"$B" -c "$WB_CONF" requeue "$(basename "$rej")" --flow settlements >>"$WB_LOG" 2>&1 ||
    fail "requeue failed"
run || fail "run after requeue failed"
[ -f "$J/journal-$sid2.csv" ] || fail "no journal after the map was fixed"
journal_ok "$J/journal-$sid2.csv" || fail "the requeued journal does not sum to its deposit"
grep -q '6900-other,0.45,GBP' "$J/journal-$sid2.csv" || fail "the new rule's line is missing"

# 6. a truncated file dropped by hand: refused with the reason, nothing written
head -c 700 "$(ls "$W"/spool/done/*/settlements/* | head -n 1)" >"$W/spool/in/settlements/cut.tsv"
run
[ -f "$W/spool/reject/settlements/cut.tsv" ] || fail "a truncated file was not refused"
grep -q E_SETTLEMENT_REFUSED "$W/spool/reject/settlements/cut.tsv.reason" ||
    fail "no E_SETTLEMENT_REFUSED reason"
[ "$(ls "$J"/journal-* | wc -l)" = 3 ] || fail "a journal was written for the truncated file"

# 7. a second seller account: its own lanes (in/acme/settlements/, out/acme/journals/), its
# own record of the reports it took; the default account's journals are left alone
printf 'account.acme.merchant_id = ACME1\naccount.acme.credentials = %s\n' \
    "$W/etc/credentials" >>"$WB_CONF"
run || fail "run with a second account failed"
[ -f "$W/spool/out/acme/journals/journal-$sid.csv" ] && [ -f "$W/spool/out/acme/journals/journal-$sid2.csv" ] ||
    fail "the second account's journals are not in out/acme/journals/"
[ "$(ls "$J"/journal-* | wc -l)" = 3 ] || fail "the default account's journals changed"
cmp -s "$J/journal-$sid.csv" "$W/spool/out/acme/journals/journal-$sid.csv" ||
    fail "the same settlement journals differently in the second lane"

# 8. an account in another currency: its settlements (GBP) are refused with the reason; a
# currency that is no code is a configuration error
printf 'account.eur.merchant_id = EUR1\naccount.eur.credentials = %s\naccount.eur.currency = EUR\n' \
    "$W/etc/credentials" >>"$WB_CONF"
run
n=$(grep -l "is in GBP, the account's currency is EUR" "$W"/spool/reject/eur/settlements/*.reason 2>/dev/null | wc -l)
[ "$n" -ge 1 ] || fail "a settlement in another currency was not refused with the reason"
[ -z "$(ls "$W/spool/out/eur/journals" 2>/dev/null)" ] || fail "journals written in another currency"
cp "$WB_CONF" "$W/etc/bad.conf"
echo "account.eur.currency = eur" >>"$W/etc/bad.conf"
"$B" -c "$W/etc/bad.conf" check >"$WB_TMP/check.out" 2>&1 && fail "check accepts currency 'eur'"
grep -q "account.eur.currency: 'eur' is not a currency code" "$WB_TMP/check.out" ||
    fail "check does not name the bad currency"
[ -z "$(find "$W/spool" -name '.*.tmp')" ] || fail "temp files left"
[ -z "$(ls "$W/spool/work/settlements")" ] || fail "work/settlements is not empty"
echo "settlement_e2e: ok"
