#!/bin/sh
# valgrind.sh - `make valgrind`: every unit test binary of a debug build, then
# `wmsbridge convert` over the convert and settlement corpora (and an inventory snapshot)
# and `wmsbridge check` on a
# sample configuration, then whole integration scripts against the SP-API
# simulator with every wmsbridge process (job children included) under
# valgrind, each with full leak checking. A
# definite or indirect leak or any memory error fails the run; prints one
# line per program and a summary. Owns only a temporary directory; must
# never touch the network beyond 127.0.0.1 or the tree it runs from.
set -u
B=${1:?usage: valgrind.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
command -v valgrind >/dev/null 2>&1 || { echo "valgrind not installed (make deps)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/wbvalgrind.XXXXXX")
trap 'rm -rf "$T"' EXIT
# forked children leave through _exit without freeing their parent's memory: only the
# process started is judged; glibc's loader has a known false positive (valgrind.supp)
export WB_VALGRIND=1
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=1 --child-silent-after-fork=yes
    --suppressions=$ROOT/tests/valgrind.supp"
pass=0 failed=""

# vg NAME CMD... - run CMD under valgrind (stdin from $VG_IN, stdout to $VG_OUT); its own
# exit code is not judged, only valgrind's findings
vg() {
    name=$1
    shift
    # shellcheck disable=SC2086
    $VG --log-file="$T/vg.$pass.log" "$@" <"${VG_IN:-/dev/null}" >"${VG_OUT:-$T/out}" 2>"$T/err"
    rc=$?
    if grep -q '^==[0-9]*== [A-Z]' "$T/vg.$pass.log" ||
        grep -qE 'are (definitely|indirectly) lost' "$T/vg.$pass.log"; then
        echo "FAIL $name (exit $rc)"
        sed -n '1,60p' "$T/vg.$pass.log"
        failed="$failed $name"
    else
        echo "ok   $name (exit $rc)"
    fi
    pass=$((pass + 1))
}

for t in "$B"/tests/test_*; do
    [ -x "$t" ] || continue
    case $t in *.o | *.d) continue ;; esac
    vg "unit/$(basename "$t")" "$t"
done

now=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
for c in "$ROOT"/tests/data/convert/*/; do
    [ -f "$c/in.csv" ] || continue
    name=$(basename "$c")
    layout=$(sed -n 's/^layout=//p' "$c/expect" 2>/dev/null)
    sed "s|@NOW@|$now|g; s|@LEGACY@|$(date -u -d '-1 hour' '+%d/%m/%Y %H:%M')|g" "$c/in.csv" \
        >"$T/in.csv"
    VG_IN=$T/in.csv VG_OUT=$T/out.xml vg "convert/$name" "$B/wmsbridge" convert dispatch \
        --layout "$ROOT/formats/${layout:-dispatch-utf8}.layout" \
        --carriers "$ROOT/etc/carriers.map" --rejects "$T/rej.csv" --merchant M1
done

for c in "$ROOT"/tests/data/settlement/*/; do
    [ -f "$c/in.tsv" ] || continue
    VG_IN=$c/in.tsv VG_OUT=$T/journal.csv vg "convert-settlement/$(basename "$c")" \
        "$B/wmsbridge" convert settlement --gl "$ROOT/etc/gl.map" \
        --layout "$ROOT/formats/journal-csv.layout"
done

# convert inventory: a snapshot with hostile rows, the shipped maps with bundles and buffers
printf 'sku,stock_state,location,quantity\nWH-000123,AVAILABLE,A,5\nWH-000124,AVAILABLE,B,2\nWH-000124,HOLD,C,1\nWH-9,AVAILABLE,D,1.5\nWH-000123,AVAILABLE,A,5\nWH-000200-BX,PICKFACE,E,"7\n' \
    >"$T/inv.csv"
VG_IN=$T/inv.csv VG_OUT=$T/out.json vg "convert/inventory" "$B/wmsbridge" convert inventory \
    --layout "$ROOT/formats/inventory-utf8.layout" --states "$ROOT/etc/stock-states.map" \
    --skus "$ROOT/etc/skus.map" --buffers "$ROOT/etc/buffers.map" --rejects "$T/rej.csv"

# check: a sample configuration of the spool and maps (no peer is contacted)
mkdir -p "$T/etc" "$T/spool"
cp "$ROOT/etc/carriers.map" "$ROOT/etc/amazon-carrier-codes.txt" "$ROOT/etc/result-codes.map" "$T/etc/"
printf '* = identity\n' >"$T/etc/skus.map"
printf 'client_id = a\nclient_secret = b\nrefresh_token = c\n' >"$T/etc/credentials"
chmod 600 "$T/etc/credentials"
printf '@every 2s dispatch\n0 3 * * * purge\n' >"$T/etc/schedule"
cat >"$T/etc/wmsbridge.conf" <<CONF
merchant_id = A2DEMO0SELLER
spool_dir = $T/spool
ledger = $T/spool/ledger.db
layout_dir = $ROOT/formats
sp_api_endpoint = https://127.0.0.1:9
lwa_endpoint = https://127.0.0.1:9/auth/o2/token
schedule = $T/etc/schedule
CONF
vg "check" "$B/wmsbridge" -c "$T/etc/wmsbridge.conf" check
vg "show" "$B/wmsbridge" -c "$T/etc/wmsbridge.conf" show -n
vg "status" "$B/wmsbridge" -c "$T/etc/wmsbridge.conf" status --json

# whole runs against the SP-API simulator: every wmsbridge process an integration script
# starts (forked job children included) runs under valgrind; any memory error or definite
# leak in any of them fails
mkdir -p "$T/logs"
cat >"$T/wmsbridge" <<WRAP
#!/bin/sh
exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \\
    --errors-for-leak-kinds=definite,indirect --child-silent-after-fork=no \\
    --suppressions="$ROOT/tests/valgrind.supp" --log-file="$T/logs/vg.%p.log" "$B/wmsbridge" "\$@"
WRAP
chmod +x "$T/wmsbridge"
SHARED=""
[ -f "$ROOT/../shared/amazon/order-envelope.xsd" ] && SHARED=$(cd "$ROOT/../shared" && pwd)
# cases: the two that were the feed_outcomes script (WB_CASE picks others)
WB_CASE=${WB_CASE-dispatch_whole_error dispatch_create_refused}
export WB_CASE
for s in ${WB_VALGRIND_SCRIPTS:-dispatch_e2e cases config settlement_e2e}; do
    rm -f "$T"/logs/*
    mkdir -p "$T/run"
    WB_BIN="$T/wmsbridge" WB_BUILD="$B" WB_ROOT="$ROOT" WB_SHARED="$SHARED" WB_TMP="$T/run" \
        sh "$ROOT/tests/integration/$s.sh" >"$T/script.log" 2>&1
    rc=$?
    rm -rf "$T/run"
    bad=$(grep -lE '^==[0-9]+== [A-Z]|are (definitely|indirectly) lost' "$T"/logs/* 2>/dev/null)
    n=$(ls "$T"/logs | wc -l)
    if [ -n "$bad" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; }; then
        echo "FAIL integration/$s under valgrind (exit $rc, $n processes)"
        tail -n 20 "$T/script.log"
        for f in $bad; do sed -n '1,40p' "$f"; done
        failed="$failed integration/$s"
    else
        echo "ok   integration/$s under valgrind ($n processes, exit $rc)"
    fi
    pass=$((pass + 1))
done

echo "valgrind: $pass programs, $(echo "$failed" | wc -w) failed${failed:+:$failed}"
[ -z "$failed" ]
