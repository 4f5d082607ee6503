#!/bin/sh
# settlement_crash.sh - the settlements job killed (SIGKILL, its whole process group) at
# random moments while reports wait, some of them one settlement delivered twice; then
# clean runs. Every settlement is journalled exactly once, every journal sums to its
# deposit, every report ends in done/, and nothing is left in in/, work/ or as a temp file.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
KILLS=${WB_SETTLEMENT_KILLS:-25}
fail() {
    echo "FAIL: $*"
    ls -R "$W/spool/out" "$W/spool/in" "$W/spool/work" "$W/spool/reject" 2>&1 | head -30
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}
command -v curl >/dev/null 2>&1 || { echo "settlement_crash: skipped: no curl"; exit 77; }
command -v setsid >/dev/null 2>&1 || { echo "settlement_crash: skipped: no setsid"; exit 77; }
wb_start_sim "$WB_TMP/sim" --process-seconds 0 --rate-scale 50 || exit 1
wb_sim_ctl /_sim/faults '{"gzip": true}' >/dev/null || fail "cannot set the gzip fault"
wb_make_config "$W" "gl_map = $W/etc/gl.map"
cp "$WB_ROOT/etc/gl.map" "$W/etc/gl.map"
J=$W/spool/out/journals
# big enough (20,000 extra rows each) that a kill lands inside a download or a journal
for sid in 900000000001 900000000002 900000000001 900000000003 900000000003 900000000004; do
    wb_sim_ctl /_sim/settlement "{\"sid\": \"$sid\", \"pad\": 20000}" >/dev/null ||
        fail "cannot post a report"
done
i=0
while [ $i -lt "$KILLS" ]; do
    i=$((i + 1))
    setsid "$B" -c "$WB_CONF" run --once settlements >>"$WB_LOG" 2>&1 &
    pid=$!
    sleep "$(awk -v s="$i" 'BEGIN { srand(s * 7919); printf "%.3f", 0.05 + rand() * 0.5 }')"
    kill -s KILL -- "-$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
done
"$B" -c "$WB_CONF" run --once settlements >>"$WB_LOG" 2>&1 || fail "the clean run failed"
"$B" -c "$WB_CONF" run --once settlements >>"$WB_LOG" 2>&1 || fail "the second clean run failed"

# seven reports, five settlements (the seeded one and four posted, two of them twice)
[ "$(ls "$W"/spool/done/*/settlements/ 2>/dev/null | wc -l)" = 7 ] ||
    fail "$(ls "$W"/spool/done/*/settlements/ 2>/dev/null | wc -l) of 7 reports in done/"
[ "$(ls "$J"/journal-*.csv | wc -l)" = 5 ] || fail "$(ls "$J"/journal-*.csv | wc -l) journals, want 5"
python3 - "$J" "$W/spool/done" <<'PY' || fail "a journal does not sum to its deposit"
import csv, glob, sys
from decimal import Decimal
deposit = {}
for f in glob.glob(sys.argv[2] + "/*/settlements/*"):
    rows = list(csv.reader(open(f), delimiter="\t"))
    deposit[rows[1][0]] = Decimal(rows[1][4])
for f in glob.glob(sys.argv[1] + "/journal-*.csv"):
    j = list(csv.DictReader(open(f)))
    if sum(Decimal(r["amount"]) for r in j) != deposit[j[0]["settlement_id"]]:
        sys.exit(1)
PY
for d in in/settlements work/settlements reject/settlements; do
    [ -z "$(ls -A "$W/spool/$d")" ] || fail "$d is not empty: $(ls -A "$W/spool/$d" | head -n 3)"
done
tmp=$(find "$W/spool" \( -name '.*.tmp' -o -name '*.tmp' \) | head -n 3)
[ -z "$tmp" ] || fail "temp files left: $tmp"
cut=$(($(grep -c "job=settlements event=start" "$WB_LOG") - $(grep -c "job=settlements event=end" "$WB_LOG")))
echo "settlement_crash: ok ($KILLS kills, $cut of them inside a run; 7 reports, 5 journals)"
