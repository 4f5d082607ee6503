#!/bin/sh
# fulldisk.sh - the spool and its ledger on a small tmpfs that fills up:
# dispatch runs with less and less room left hit ENOSPC while the ledger, a
# reject file, a feed document or a processing report is written. Each such
# run must exit non-zero with "no space" in its log, leave no partial file
# under a final name, keep the original in in/ or work/ and the ledger
# intact; once space is freed everything settles with every row confirmed
# or rejected exactly once. Owns its mount point under $WB_TMP (unmounted in
# the trap); must never mount anything elsewhere or fill another file system.
# Exits 77 when a tmpfs cannot be mounted (not root, no CAP_SYS_ADMIN).
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
SP=$W/spool
export WB_LOG=$WB_TMP/log
MOUNTED=""
cleanup() {
    wb_cleanup
    if [ -n "$MOUNTED" ]; then
        umount "$SP" 2>/dev/null || umount -l "$SP" 2>/dev/null
        MOUNTED=""
    fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "FAIL: $*"
    df -k "$SP" 2>/dev/null | tail -n 1
    "$B" -c "$WB_CONF" status 2>&1
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}

mkdir -p "$SP"
if ! mount -t tmpfs -o size=4m,mode=0755 tmpfs "$SP" 2>"$WB_TMP/mount.err"; then
    echo "cannot mount a 4 MB tmpfs for the spool ($(cat "$WB_TMP/mount.err")): needs root or CAP_SYS_ADMIN"
    exit 77
fi
MOUNTED=1

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W" "batch_window_seconds = 3600"
IN=$SP/in/dispatch
mkdir -p "$IN"
wb_gen_dispatch "$WB_TMP/big.csv" 400 11 8
wb_gen_dispatch "$WB_TMP/bad.csv" 300 12 100
ROWS=$(($(wc -l <"$WB_TMP/big.csv") + $(wc -l <"$WB_TMP/bad.csv") - 2))
FILLER=$SP/filler
# the ledger exists before the disk fills (a ledger cannot be created on a full disk)
"$B" -c "$WB_CONF" status >/dev/null 2>&1 || fail "status on an empty spool"

# avail - free bytes on the spool file system
avail() { df -B1 --output=avail "$SP" | tail -n 1 | tr -d ' '; }
# leave_free N - grow or shrink the filler so that about N bytes stay free
leave_free() {
    rm -f "$FILLER"
    a=$(avail)
    if [ "$a" -gt "$1" ]; then
        head -c $((a - $1)) /dev/zero >"$FILLER" 2>/dev/null
    fi
    return 0
}

# check_intact ROUND - nothing partial under a final name, original kept, ledger sound
check_intact() {
    for o in big bad; do
        [ -f "$IN/$o.csv" ] || [ -f "$SP/work/dispatch/$o.csv" ] || [ ! -f "$WB_TMP/dropped.$o" ] ||
            find "$SP/done" -name "$o.csv" 2>/dev/null | grep -q . ||
            fail "round $1: $o.csv is in neither in/, work/ nor done/"
        orig=$(find "$IN" "$SP/work/dispatch" "$SP/done" -name "$o.csv" 2>/dev/null | head -n 1)
        [ -z "$orig" ] || cmp -s "$orig" "$WB_TMP/$o.csv" || fail "round $1: the original $orig changed"
    done
    for f in "$SP"/feeds/*.xml; do
        [ -e "$f" ] || continue
        xmllint --noout --nonet "$f" 2>/dev/null || fail "round $1: partial feed document $f"
        tail -c 200 "$f" | grep -q '</AmazonEnvelope>' || fail "round $1: truncated feed document $f"
    done
    for f in "$SP"/reject/dispatch/*.csv; do
        [ -e "$f" ] || continue
        python3 - "$f" <<'PY' || fail "round $1: truncated reject file $f"
import csv, sys
data = open(sys.argv[1], "rb").read()
if not data.endswith(b"\n"):
    sys.exit("no final newline")
rows = list(csv.reader(data.decode("utf-8").splitlines()))
w = len(rows[0])
if w < 4 or rows[0][-3:] != ["reject_code", "reject_reason", "raw_line"]:
    sys.exit("bad header")
bad = [i for i, r in enumerate(rows) if len(r) != w]
if bad:
    sys.exit("rows of the wrong width: %s" % bad[:3])
PY
    done
    for f in "$SP"/reports/*; do
        [ -e "$f" ] || continue
        xmllint --noout --nonet "$f" 2>/dev/null || fail "round $1: partial report $f"
    done
    tmp=$(find "$SP" \( -name '.*.tmp' -o -name '*.part' \) | head -n 3)
    [ -z "$tmp" ] || fail "round $1: temp files left: $tmp"
    # the ledger as it lies on the full disk, checked from a copy (SQLite cannot even
    # create its shared-memory file there); status must work or say the disk is full
    rm -rf "$WB_TMP/ic"
    mkdir -p "$WB_TMP/ic"
    for x in ledger.db ledger.db-wal; do
        [ -f "$SP/$x" ] && cp "$SP/$x" "$WB_TMP/ic/"
    done
    if command -v sqlite3 >/dev/null 2>&1; then
        ic=$(sqlite3 "$WB_TMP/ic/ledger.db" 'PRAGMA integrity_check' 2>&1)
        [ "$ic" = ok ] || fail "round $1: ledger integrity_check: $ic"
    fi
    if ! "$B" -c "$WB_CONF" status --json >"$WB_TMP/st.json" 2>&1; then
        grep -qi nospace "$WB_TMP/st.json" || fail "round $1: status failed: $(cat "$WB_TMP/st.json")"
    fi
}

# run_round JOB OPTIONS - one run with what is left free; checks after it
run_round() {
    round=$((round + 1))
    : >"$WB_TMP/round.log"
    t=$(date +%s)
    WB_LOG=$WB_TMP/round.log timeout 120 "$B" -c "$WB_CONF" run --once "$1" --options "$2" \
        >>"$WB_TMP/round.log" 2>&1
    rc=$?
    cat "$WB_TMP/round.log" >>"$WB_TMP/log"
    [ "$rc" -eq 124 ] && fail "round $round: $1 hung on a full disk"
    full=0
    grep -qE '(status|result|outcome)=nospace' "$WB_TMP/round.log" && full=1
    sz() { [ -f "$1" ] && echo $(($(wc -c <"$1") / 1024))K || echo -; }
    echo "round $round ($stage): $1 free=$((free / 1024))K exit=$rc out_of_space=$full" \
        "ledger=$(sz "$SP/ledger.db") wal=$(sz "$SP/ledger.db-wal") filler=$(sz "$FILLER")" \
        "feeds=$(ls "$SP/feeds" | wc -l) reports=$(ls "$SP/reports" | wc -l) ($(($(date +%s) - t))s)"
    grep -m 1 -E 'event=[a-z]*-failed status=nospace|result=nospace' "$WB_TMP/round.log" |
        sed 's/.*level=[a-z]* /    first: /' | cut -c1-110
    if [ "$full" = 1 ]; then
        nospace=$((nospace + 1))
        # the job itself ran out (not only the scheduler's bookkeeping): it must fail
        if grep -q "job=$1 event=end.*outcome=nospace\|cannot open: nospace" "$WB_TMP/round.log"; then
            [ "$rc" -ne 0 ] || fail "round $round: $1 ran out of space but exited 0"
        fi
    fi
    if [ "$rc" -ne 0 ] && [ "$full" = 0 ]; then
        grep -E "level=(warn|error)" "$WB_TMP/round.log" | tail -n 5
        fail "round $round: $1 exited $rc without saying the disk is full"
    fi
    check_intact "$round"
}

# squeeze STAGE JOB OPTIONS TEST - runs with more and more room until TEST holds;
# the first writes to run out are those of STAGE, and every failed run leaves all intact
squeeze() {
    stage=$1
    for free in 4096 32768 65536 131072 196608 262144 327680 524288 786432; do
        leave_free "$free"
        run_round "$2" "$3"
        eval "$4" && return 0
        sleep 1
    done
    fail "stage $stage never got through"
}
pending() { [ "$(wb_status_of "$("$B" -c "$WB_CONF" status --json 2>/dev/null)" pending)" -ge 300 ]; }
rejected() { "$B" -c "$WB_CONF" status --json 2>/dev/null | grep -q '"rejected":[1-9]'; }
has_feed() { ls "$SP"/feeds/*.xml >/dev/null 2>&1; }
has_report() { ls "$SP"/reports/* >/dev/null 2>&1; }
nospace=0
round=0

# 1. a file of bad rows only: the reject file is the big write
wb_drop "$WB_TMP/bad.csv" "$IN" && : >"$WB_TMP/dropped.bad"
squeeze reject-file dispatch "" rejected
# 2. a larger file: the ledger transaction is the big write (no feed yet: batch window)
rm -f "$FILLER"
wb_drop "$WB_TMP/big.csv" "$IN" && : >"$WB_TMP/dropped.big"
squeeze ledger dispatch "" pending
# 3. the feed document (offline, so it waits in feeds/)
export WB_OFFLINE=1
squeeze feed-document dispatch flush has_feed
unset WB_OFFLINE
# 4. submitted with room, then the processing report arrives on a full disk
rm -f "$FILLER"
run_round dispatch flush
sleep 2
squeeze report feeds-poll now has_report
[ "$nospace" -ge 4 ] || fail "only $nospace runs ran out of space"

# room again: everything settles, every row exactly once
rm -f "$FILLER"
"$B" -c "$WB_CONF" status >/dev/null 2>&1 || fail "status does not work once space is back"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle after space was freed"
check_intact final
st=$("$B" -c "$WB_CONF" status --json)
echo "$st"
conf=$(wb_status_of "$st" confirmed)
rej=$(wb_status_of "$st" rejected)
[ $((conf + rej)) -eq "$ROWS" ] || fail "confirmed $conf + rejected $rej != rows dropped $ROWS"
[ -z "$(ls -A "$IN")" ] || fail "in/ not empty"
[ -z "$(ls -A "$SP/work/dispatch")" ] || fail "work/ not empty"
[ "$(find "$SP/done" -name '*.csv' | wc -l)" -eq 2 ] || fail "originals not in done/"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
python3 - "$SP/reject/dispatch" "$WB_TMP/received.json" "$conf" "$rej" "$ROWS" <<'PY' || fail "cross-check"
import csv, glob, json, os, sys
rdir, recv, conf, rej, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = 0
for f in sorted(glob.glob(os.path.join(rdir, "*.csv"))):
    with open(f, newline="", encoding="utf-8") as fh:
        rows += len(list(csv.reader(fh))) - 1
if rows != rej or rows + conf != total:
    print("FAIL: reject files hold %d rows, ledger rejected %d, confirmed %d, dropped %d"
          % (rows, rej, conf, total)); sys.exit(1)
keys = json.load(open(recv))["accepted_keys"]
dups = {k: v for k, v in keys.items() if v != 1}
if dups:
    print("FAIL: keys accepted more than once:", list(dups.items())[:5]); sys.exit(1)
if len(keys) != conf:
    print("FAIL: Amazon accepted %d keys, ledger confirmed %d" % (len(keys), conf)); sys.exit(1)
print("amazon accepted %d keys, each once; reject files hold %d rows" % (len(keys), rows))
PY
echo "fulldisk: rows=$ROWS confirmed=$conf rejected=$rej runs_out_of_space=$nospace of $round duplicates=0 lost=0"
echo "ok"
