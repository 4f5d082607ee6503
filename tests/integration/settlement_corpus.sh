#!/bin/sh
# settlement_corpus.sh - every case of tests/data/settlement through
# `wmsbridge convert settlement` with the shipped gl.map and journal layout:
# exit code, reasons on stderr, exact journal, nothing written when refused
# or unmapped, and every journal summing to its file's total-amount (checked
# here by a separate reading of the file).
set -u
. "$WB_ROOT/tests/lib.sh"
DATA="$WB_ROOT/tests/data/settlement"
command -v python3 >/dev/null 2>&1 || { echo "settlement_corpus: skipped: no python3"; exit 77; }
fail=0
n=0
for c in "$DATA"/*/; do
    c=${c%/}
    name=$(basename "$c")
    exp="$c/expect"
    [ -f "$exp" ] || continue
    n=$((n + 1))
    out="$WB_TMP/$name.csv"
    err="$WB_TMP/$name.err"
    # shellcheck disable=SC2046
    "$WB_BIN" convert settlement --gl "$WB_ROOT/etc/gl.map" \
        --layout "$WB_ROOT/formats/journal-csv.layout" $(sed -n 's/^args=//p' "$exp") \
        <"$c/in.tsv" >"$out" 2>"$err"
    rc=$?
    bad=""
    want=$(sed -n 's/^exit=//p' "$exp")
    [ "$rc" = "$want" ] || bad="$bad exit=$rc(want $want)"
    while IFS= read -r line; do
        case $line in
        stderr=*) grep -qF -- "${line#stderr=}" "$err" || bad="$bad stderr-lacks:'${line#stderr=}'" ;;
        esac
    done <"$exp"
    if [ "$want" != 0 ]; then
        [ -s "$out" ] && bad="$bad journal-written"
    else
        [ -f "$c/journal.csv" ] && ! cmp -s "$c/journal.csv" "$out" &&
            bad="$bad journal-differs: $(diff "$c/journal.csv" "$out" | head -4)"
        sums=$(python3 - "$c/in.tsv" "$out" <<'PY'
import csv, re, sys
from decimal import Decimal
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8"), delimiter="\t"))
total = rows[1][4]
m = re.search(r"[.,](\d\d)$", total) if rows[1][5] != "JPY" else None
whole = re.sub(r"[.,]", "", total[:m.start()] if m else total)
total = whole + ("." + m.group(1) if m else "")
j = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
print(Decimal(total) == sum(Decimal(r["amount"]) for r in j))
PY
)
        [ "$sums" = True ] || bad="$bad journal-does-not-sum-to-total"
    fi
    if [ -n "$bad" ]; then
        echo "FAIL $name:$bad"
        sed 's/^/    /' "$err" | head -5
        fail=$((fail + 1))
    else
        echo "ok   $name"
    fi
done
# a map that lacks rules is not a data error but its combinations are: the same file with
# the missing rule added converts
n=$((n + 1))
{ cat "$WB_ROOT/etc/gl.map"; echo "NewFancyType | * | * = 4000-sales"
  echo "other-transaction | Mystery | * = 6900-other"; } >"$WB_TMP/gl-fixed.map"
"$WB_BIN" convert settlement --gl "$WB_TMP/gl-fixed.map" \
    --layout "$WB_ROOT/formats/journal-csv.layout" <"$DATA/unmapped_type/in.tsv" \
    >"$WB_TMP/fixed.csv" 2>"$WB_TMP/fixed.err"
rc=$?
if [ $rc = 0 ] && grep -q '^67890123456,2026-11-17,6900-other,-0.50,USD,1,' "$WB_TMP/fixed.csv"; then
    echo "ok   unmapped_type with the rules added"
else
    echo "FAIL unmapped_type with the rules added: exit $rc"; head -3 "$WB_TMP/fixed.err"
    fail=$((fail + 1))
fi
echo "$n cases, $fail failed"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
