#!/bin/sh
# reject_roundtrip.sh - the operator's reject file round trip against the
# SP-API simulator: rows refused at intake (an unknown carrier, bad quoting,
# an over-long cell) go to one reject file with reject_code, reject_reason and
# raw_line; the operator fixes some rows in place (sed, as a spreadsheet would:
# cells typed from raw_line), requeues, and a second round with rows still bad
# neither stacks the reject columns nor grows the name; a row left as it was is
# refused again with its own reason and raw_line; `explain` takes the names
# `rejects` prints. Every row ends confirmed once or rejected.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() {
    echo "FAIL: $*"
    ls -la "$W/spool/reject/dispatch" 2>&1
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}
B=$WB_BIN
W=$WB_TMP/w
R=$W/spool/reject/dispatch
export WB_LOG=$WB_TMP/log
HDR=amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
now=$(date -u -d '-30 min' +%Y-%m-%dT%H:%M:%SZ)
long=$($WB_PY -c 'print("L" * 70000)')
quote1="305-3000001-0000003,30000000000003,\"SKU-3\"x,1,RM24,JD3000000003GB,$now"
quote2="305-3000001-0000005,30000000000005,SKU \"5\",1,RM24,JD3000000005GB,$now"
longrow="305-3000001-0000004,30000000000004,$long,1,RM24,JD3000000004GB,$now"
{
    echo "$HDR"
    echo "305-3000001-0000001,30000000000001,SKU-1,1,RM24,JD3000000001GB,$now"
    echo "305-3000001-0000002,30000000000002,SKU-2,1,DPD Local,JD3000000002GB,$now"
    echo "$quote1"
    echo "$longrow"
    echo "$quote2"
    echo "305-3000001-0000006,30000000000006,SKU-6,1,NOPE,JD3000000006GB,$now"
} >"$WB_TMP/r.csv"

# 1. first round: one reject file with the three columns, raw_line for the rows that cannot be
#    written back cell by cell
wb_drop "$WB_TMP/r.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "r.csv did not settle"
rf1=$(ls "$R"/r-rejects-*.csv 2>/dev/null)
[ "$(echo "$rf1" | wc -w)" = 1 ] || fail "want one reject file for r.csv, have: $rf1"
[ "$(head -n 1 "$rf1")" = "$HDR,reject_code,reject_reason,raw_line" ] ||
    fail "reject header: $(head -n 1 "$rf1")"
$WB_PY - "$rf1" "$quote1" "$quote2" "$longrow" <<'PY' || fail "raw_line of $rf1"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
by_raw = {r[-1]: r for r in rows[1:] if r[-1]}
for want in sys.argv[2:]:
    r = by_raw.get(want)
    assert r, "no row with raw_line %r..." % want[:60]
    assert r[:7] == [""] * 7, "cells of a raw_line row not empty: %r" % r[:7]
    assert r[7] in ("E_QUOTE", "E_FIELD_TOO_LONG"), r[7]
plain = [r for r in rows[1:] if not r[-1]]
assert sorted(r[4] for r in plain) == ["DPD Local", "NOPE"], plain
PY
rows1=$(($(wc -l <"$rf1") - 1))
[ "$rows1" = 5 ] || fail "want 5 rejected rows in round 1, have $rows1"

# 2. explain takes the reject file's name (plain and flow/name) and shows its input and rows
b1=$(basename "$rf1")
"$B" -c "$WB_CONF" explain "$b1" >"$WB_TMP/ex1" 2>&1 || fail "explain $b1: $(cat "$WB_TMP/ex1")"
grep -q '^file r.csv ' "$WB_TMP/ex1" || fail "explain $b1 does not name r.csv: $(cat "$WB_TMP/ex1")"
grep -q 'E_QUOTE' "$WB_TMP/ex1" || fail "explain $b1 does not list the rejected rows"
"$B" -c "$WB_CONF" explain "dispatch/$b1" >/dev/null 2>&1 || fail "explain dispatch/$b1"
"$B" -c "$WB_CONF" explain r-rejects-999999.csv >/dev/null 2>&1
[ $? -eq 66 ] || fail "explain of an unknown reject name does not exit 66"

# 3. the operator fixes in place: the carrier, and the first bad-quoting row and the over-long
#    row typed into their cells from raw_line (raw_line left as it was); the second bad-quoting
#    row and NOPE are left for later
sed -i -e 's/,DPD Local,/,DPDLOCAL,/' \
    -e "/^,,,,,,,E_QUOTE,.*SKU-3/s/^,,,,,,,/305-3000001-0000003,30000000000003,SKU-3,1,RM24,JD3000000003GB,$now,/" \
    -e "/^,,,,,,,E_FIELD_TOO_LONG,/s/^,,,,,,,/305-3000001-0000004,30000000000004,SKU-4,1,RM24,JD3000000004GB,$now,/" \
    "$rf1"
"$B" -c "$WB_CONF" requeue "$b1" >>"$WB_LOG" 2>&1 || fail "requeue $b1"
wb_settle "$B" "$WB_CONF" 60 || fail "requeued $b1 did not settle"

# 4. second round: one new reject file named from the original stem, the columns once, the
#    unfixed raw_line row refused again with its own reason and text, not garbled
rf2=$(ls "$R"/*.csv 2>/dev/null)
[ "$(echo "$rf2" | wc -w)" = 1 ] || fail "want one reject file after round 2, have: $rf2"
case $(basename "$rf2") in
r-rejects-[0-9]*.csv) ;;
*) fail "round-2 reject file not named from the original stem: $rf2" ;;
esac
echo "$(basename "$rf2")" | grep -q -- '-rejects-.*-rejects-' && fail "name grew: $rf2"
[ "$(head -n 1 "$rf2")" = "$HDR,reject_code,reject_reason,raw_line" ] ||
    fail "round-2 header stacked: $(head -n 1 "$rf2")"
$WB_PY - "$rf2" "$quote2" <<'PY' || fail "round-2 rows of $rf2"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len(rows) == 3, [r[7:9] for r in rows]
q = [r for r in rows[1:] if r[-1]]
assert len(q) == 1 and q[0][-1] == sys.argv[2], q
assert q[0][:7] == [""] * 7 and q[0][7] == "E_QUOTE", q[0]
assert "quote" in q[0][8].lower() or '"' in q[0][8], q[0][8]
n = [r for r in rows[1:] if not r[-1]]
assert len(n) == 1 and n[0][4] == "NOPE", n
PY
b2=$(basename "$rf2")
"$B" -c "$WB_CONF" explain "$b2" >"$WB_TMP/ex2" 2>&1 || fail "explain $b2"
grep -q "^file $b1 " "$WB_TMP/ex2" || fail "explain $b2 does not name $b1: $(cat "$WB_TMP/ex2")"

# 5. third round: the rest fixed, requeued, nothing left in reject/
sed -i -e 's/,NOPE,/,RM24,/' \
    -e "/^,,,,,,,E_QUOTE,/s/^,,,,,,,/305-3000001-0000005,30000000000005,SKU-5,1,RM24,JD3000000005GB,$now,/" \
    "$rf2"
"$B" -c "$WB_CONF" requeue "$b2" >>"$WB_LOG" 2>&1 || fail "requeue $b2"
wb_settle "$B" "$WB_CONF" 60 || fail "requeued $b2 did not settle"
left=$(ls "$R" 2>/dev/null)
[ -z "$left" ] || fail "reject/ not empty after every row was fixed: $left"

# 6. a windows-1252 layout with CRLF line ends: raw_line holds the row's text (its accented
#    letter converted, the line end left out) and the reject file is written in the layout's
#    encoding
W2=$WB_TMP/w2
wb_make_config "$W2" "dispatch_layout = dispatch-legacy"
mkdir -p "$W2/spool/in/dispatch"
d=$(date -u -d '-30 min' +%d/%m/%Y\ %H:%M)
printf 'Order Ref;Line Ref;Item Code;Qty Shipped;Carrier Service;Consignment No;Despatch Date\r\n305-3000002-0000001;30000000000011;"Caf\351"x;1;RM24;JD3000000011GB;%s\r\n' \
    "$d" >"$WB_TMP/legacy.csv"
wb_drop "$WB_TMP/legacy.csv" "$W2/spool/in/dispatch"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
lf=$(ls "$W2"/spool/reject/dispatch/legacy-rejects-*.csv 2>/dev/null)
[ -n "$lf" ] || fail "no reject file for legacy.csv"
$WB_PY - "$lf" "$d" <<'PY' || fail "raw_line of $lf"
import csv, sys
data = open(sys.argv[1], "rb").read()
rows = list(csv.reader(data.decode("cp1252").splitlines(), delimiter=";"))
assert rows[0][-3:] == ["reject_code", "reject_reason", "raw_line"], rows[0]
want = '305-3000002-0000001;30000000000011;"Caf\u00e9"x;1;RM24;JD3000000011GB;' + sys.argv[2]
assert rows[1][-1] == want, (rows[1][-1], want)
assert rows[1][7] == "E_QUOTE", rows[1]
PY

# invariants: each of the six orders accepted by Amazon exactly once
wb_sim_ctl /_sim/received >"$WB_TMP/received.json"
$WB_PY - "$WB_TMP/received.json" <<'PY' || fail "Amazon's view"
import json, sys
keys = json.load(open(sys.argv[1]))["accepted_keys"]
dups = {k: v for k, v in keys.items() if v > 1}
assert not dups, dups
assert len(keys) == 6, sorted(keys)
PY
echo "ok"
