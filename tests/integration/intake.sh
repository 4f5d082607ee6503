#!/bin/sh
# intake.sh - nothing silently never sent: the files that change after intake,
# the crash windows of a claim, and one bad file that must not block the others.
#
# Owns only its $WB_TMP. Proves, each against the SP-API simulator, that every
# business key is accepted exactly once and nothing is left in in/ or work/:
# (a) a run killed between the claim and the ledger record while an earlier
#     dispatch.csv is done, with the next dispatch.csv already waiting;
# (b) a file written in place, claimed while its writer pauses, that grows
#     afterwards (a cut last line completed, more rows appended);
# (c) two inputs of one feed with one stem (export.csv, export.txt; long names
#     sharing their first 160 bytes): each keeps its own reject file;
# (d) an unreadable file (mode 000) waits with an alert naming path and errno,
#     the others go on, and it is read once its mode is fixed; two unsafe names
#     that are hard links of one file; a 200-byte name twice (done/ and reject/
#     need derived names); a future mtime; a stale "..csv"; a dead pull's temp.
# Must never touch files outside WB_TMP or weaken the checks of other scripts.
set -u
. "$WB_ROOT/tests/lib.sh"
# root reads a file of mode 000: every run here goes without the capabilities that allow it
B=$WB_BIN
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null 2>&1 || { echo "setpriv (util-linux) not found"; exit 77; }
    mkdir -p "$WB_TMP/bin"
    printf '#!/bin/sh\nexec setpriv --bounding-set=-dac_override,-dac_read_search "%s" "$@"\n' \
        "$WB_BIN" >"$WB_TMP/bin/wmsbridge"
    chmod 755 "$WB_TMP/bin/wmsbridge"
    B=$WB_TMP/bin/wmsbridge
fi
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
: >"$WB_LOG"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W"
IN=$W/spool/in/dispatch
WORK=$W/spool/work/dispatch
REJ=$W/spool/reject/dispatch
mkdir -p "$IN" "$WORK"
HDR='amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time'
NOW=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)

# row N - one dispatch row whose business key is made of N (N < 10000000); N >= 9990000 is an
# order Amazon refuses (Error 18028)
row() { printf '305-%07d-%07d,%014d,SKU-1,1,RM24,JD%010dGB,%s\n' "$1" "$1" "$1" "$1" "$NOW"; }
# rows FROM TO - rows FROM..TO
rows() {
    k=$1
    while [ "$k" -le "$2" ]; do row "$k"; k=$((k + 1)); done
}
run() { "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1; }
settle() { wb_settle "$B" "$WB_CONF" 40 || fail "$1: did not settle"; }
# accepted N... - every key N was accepted by Amazon exactly once, and no other key more than once
accepted() {
    wb_sim_ctl /_sim/received >"$WB_TMP/received.json" || fail "simulator did not answer"
    $WB_PY - "$WB_TMP/received.json" "$@" <<'PY'
import json, sys
keys = json.load(open(sys.argv[1]))["accepted_keys"]
twice = {k: v for k, v in keys.items() if v != 1}
if twice:
    sys.exit("keys accepted more than once: %s" % list(twice.items())[:5])
got = {k.split("|")[0] for k in keys}
miss = [n for n in sys.argv[2:] if "305-%07d-%07d" % (int(n), int(n)) not in got]
if miss:
    sys.exit("keys never accepted: %s" % miss[:10])
PY
}
empty() {
    [ -z "$(ls -A "$IN")" ] || fail "$1: in/ not empty: $(ls -A "$IN" | head -n 3)"
    [ -z "$(ls -A "$WORK")" ] || fail "$1: work/ not empty: $(ls -A "$WORK" | head -n 3)"
}

# ---- (a) killed between the claim and the ledger record, every export named dispatch.csv -----
{ echo "$HDR"; rows 1 3; } >"$WB_TMP/d1.csv"
{ echo "$HDR"; rows 11 13; } >"$WB_TMP/d2.csv"
{ echo "$HDR"; rows 21 23; } >"$WB_TMP/d3.csv"
wb_drop "$WB_TMP/d1.csv" "$IN" && mv "$IN/d1.csv" "$IN/dispatch.csv"
settle "a: first dispatch.csv"
# what a SIGKILL right after the claim rename leaves: the file in work/, no ledger record
cp "$WB_TMP/d2.csv" "$WORK/dispatch.csv"
cp "$WB_TMP/d3.csv" "$IN/.dispatch.csv.part" && mv "$IN/.dispatch.csv.part" "$IN/dispatch.csv"
settle "a: dispatch.csv killed after its claim"
accepted 1 2 3 11 12 13 21 22 23 || fail "a: keys"
empty a
[ "$(find "$W/spool/done" -type f | wc -l)" -eq 3 ] || fail "a: not 3 files in done/"
echo "(a) a file claimed by a killed run under a done file's name is recognised and sent"

# ---- (b) a file written in place that grows after its claim -----------------------------------
{
    echo "$HDR"
    rows 31 33
    row 34 | cut -c1-30 | tr -d '\n'
} >"$IN/grow.csv"
exec 3>>"$IN/grow.csv"
run # claimed and parsed while the writer pauses
[ -f "$WORK/grow.csv" ] || fail "b: grow.csv not claimed"
row 34 | cut -c31- >&3
rows 35 36 >&3
exec 3>&-
settle "b: grown file"
accepted 31 32 33 34 35 36 || fail "b: keys"
grep -q 'event=file-grew' "$WB_LOG" || fail "b: no line tells the file grew"
empty b
echo "(b) rows written after the claim are taken in, the others not twice"

# ---- (c) inputs of one feed sharing a stem each keep their reject file ------------------------
LONG=$(printf 'L%.0s' $(seq 1 170))
{ echo "$HDR"; row 41; row 9990041; } >"$IN/export.csv"
{ echo "$HDR"; row 42; row 9990042; } >"$IN/export.txt"
{ echo "$HDR"; row 43; row 9990043; } >"$IN/${LONG}a.csv"
{ echo "$HDR"; row 44; row 9990044; } >"$IN/${LONG}b.csv"
settle "c: same stems"
accepted 41 42 43 44 || fail "c: keys"
for k in 9990041 9990042 9990043 9990044; do
    n=$(cat "$REJ"/*.csv | grep -c "^305-$k-$k,")
    [ "$n" -eq 1 ] || fail "c: refused row $k is in $n reject files (want 1)"
done
echo "(c) two inputs with one stem in one feed: each refused row in its own reject file"

# ---- (d) one bad file never blocks the others ------------------------------------------------
# d1. unreadable (mode 000, as a WMS under another uid may leave it)
{ echo "$HDR"; rows 51 52; } >"$IN/locked.csv"
chmod 000 "$IN/locked.csv"
# d2. two unsafe names that are hard links of one file
{ echo "$HDR"; row 53; } >"$IN/-linked.csv"
ln "$IN/-linked.csv" "$IN/-linked2.csv"
# d3. a 200-byte name, twice: the second needs derived names in done/; a third is refused whole
N200=$(printf 'N%.0s' $(seq 1 196)).csv
{ echo "$HDR"; row 54; } >"$WB_TMP/n1.csv"
{ echo "$HDR"; row 55; } >"$WB_TMP/n2.csv"
printf 'no,header,here\n1,2,3\n' >"$WB_TMP/n3.csv"
cp "$WB_TMP/n1.csv" "$IN/$N200"
# d4. a future mtime; d5. a stale "..csv"; d6. the temp of a pull killed long ago
{ echo "$HDR"; row 56; } >"$IN/future.csv"
touch -d '+1 day' "$IN/future.csv"
echo x >"$IN/..csv"
echo x >"$IN/.pulled.csv.4194000.0.tmp"
{ echo "$HDR"; rows 57 58; } >"$IN/good.csv"
run
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 75 ] || fail "d: dispatch exit $rc"
grep 'alert=file-unreadable' "$WB_LOG" | grep -q 'in/dispatch/locked.csv.*Permission denied (errno 13)' ||
    fail "d1: no alert naming the unreadable file and its errno"
[ -e "$WORK/good.csv" ] || [ -n "$(find "$W/spool/done" -name good.csv)" ] ||
    fail "d: good.csv was not taken beside the bad files"
[ -e "$IN/.pulled.csv.4194000.0.tmp" ] && fail "d6: a dead pull's temp was left in in/"
grep -q 'alert=file-mtime-future item=in/dispatch/future.csv' "$WB_LOG" ||
    fail "d4: a future mtime passed in silence"
cp "$WB_TMP/n2.csv" "$IN/$N200"
WB_OFFLINE=1 WB_FAKE_NOW=$(($(date +%s) + 7200)) "$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
grep -q 'alert=stale-temp item=in/dispatch/\.\.csv' "$WB_LOG" || fail "d5: '..csv' ignored in silence"
rm -f "$IN/..csv"
[ -e "$IN/locked.csv" ] || fail "d1: the unreadable file did not wait in in/"
chmod 644 "$IN/locked.csv"
settle "d: second 200-byte name, mode fixed"
cp "$WB_TMP/n3.csv" "$IN/$N200"
settle "d: a 200-byte name refused whole"
accepted 51 52 54 55 56 57 58 || fail "d: keys"
n=$(ls "$REJ" | grep '^unsafe-name-' | grep -vc '\.reason$')
[ "$n" -eq 2 ] || fail "d2: $n of 2 hard-linked unsafe names set aside in reject/"
[ "$(find "$W/spool/done" -name 'NNNN*' | wc -l)" -eq 2 ] || fail "d3: not both 200-byte names in done/"
ls "$REJ" | grep -q "^NNNN.*\.reason$" || fail "d3: the refused 200-byte name has no .reason"
empty d
echo "(d) unreadable, hard-linked, long, future and stale names: reported, none blocks the others"
echo "ok"
