#!/bin/sh
# convert_corpus.sh - every case of tests/data/convert through
# `wmsbridge convert dispatch`: exit code, messages, reject codes, formula
# neutralisation, and XSD validation of every feed written.
set -u
. "$WB_ROOT/tests/lib.sh"
DATA="$WB_ROOT/tests/data/convert"
S=$(wb_shared)
now=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
legacy=$(TZ=Europe/London date -d '-1 hour' +'%d/%m/%Y %H:%M')
fail=0
n=0
for c in "$DATA"/*/; do
    c=${c%/}
    name=$(basename "$c")
    exp="$c/expect"
    [ -f "$exp" ] || continue
    n=$((n + 1))
    get() { sed -n "s/^$1=//p" "$exp"; }
    layout=$(get layout)
    layout=${layout:-dispatch-utf8}
    in="$WB_TMP/$name.csv"
    case $(get generate) in
    huge_field)
        { head -n 1 "$DATA/good/in.csv"
          printf '026-1234567-1234567,12345678901234,'
          head -c 1048576 /dev/zero | tr '\0' 'x'
          printf ',1,RM24,JD014600003828394,@NOW@\n026-1234567-1234568,12345678901234,SKU-1,1,RM24,JD014600003828395,@NOW@\n'
        } | sed "s|@NOW@|$now|g" >"$in" ;;
    *) sed "s|@NOW@|$now|g; s|@LEGACY@|$legacy|g" "$c/in.csv" >"$in" ;;
    esac
    out="$WB_TMP/$name.xml"
    rej="$WB_TMP/$name.rej.csv"
    "$WB_BIN" convert dispatch --layout "$WB_ROOT/formats/$layout.layout" \
        --carriers "$WB_ROOT/etc/carriers.map" --rejects "$rej" --merchant M1 \
        <"$in" >"$out" 2>"$WB_TMP/$name.err"
    rc=$?
    bad=""
    [ "$rc" = "$(get exit)" ] || bad="$bad exit=$rc(want $(get exit))"
    fe=$(get file_error)
    if [ -n "$fe" ]; then
        grep -qi "$fe" "$WB_TMP/$name.err" || bad="$bad stderr lacks '$fe'"
        [ -s "$out" ] && bad="$bad feed-written"
    fi
    m=$(get messages)
    if [ -n "$m" ]; then
        got=$(grep -o '<MessageID>' "$out" | wc -l)
        [ "$got" = "$m" ] || bad="$bad messages=$got(want $m)"
    fi
    if grep -q '^codes=' "$exp"; then
        want=$(get codes)
        got=$(python3 - "$rej" <<'PY'
import csv, sys
try:
    rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8", errors="replace")))
except FileNotFoundError:
    rows = []
col = rows[0].index("reject_code") if rows and "reject_code" in rows[0] else -3
print(",".join(r[col] for r in rows[1:]))
PY
)
        [ "$got" = "$want" ] || bad="$bad codes=[$got](want [$want])"
    fi
    # exact bytes: the feed and the reject file as the case holds them (@NOW@ as in in.csv)
    for pair in feed.xml:"$out" rejects.csv:"$rej"; do
        want=$c/${pair%%:*}
        [ -f "$want" ] || continue
        sed "s|@NOW@|$now|g" "$want" >"$WB_TMP/$name.want"
        cmp -s "$WB_TMP/$name.want" "${pair#*:}" || bad="$bad ${pair%%:*}-differs:
$(diff "$WB_TMP/$name.want" "${pair#*:}" | head -6)"
    done
    if [ "$(get no_formula)" = 1 ]; then
        cut -d, -f1-7 "$rej" | grep -qE '(^|,)[=+@-]' && bad="$bad formula-cell-in-rejects"
    fi
    if [ -s "$out" ] && [ -n "$S" ]; then
        xmllint --noout --nonet --schema "$S/amazon/order-envelope.xsd" "$out" \
            >"$WB_TMP/$name.xsd" 2>&1 || bad="$bad xsd-invalid: $(tail -n 2 "$WB_TMP/$name.xsd")"
    fi
    if [ -n "$bad" ]; then
        echo "FAIL $name:$bad"
        sed 's/^/    /' "$WB_TMP/$name.err" | head -5
        fail=$((fail + 1))
    else
        echo "ok   $name"
    fi
done
# every carrier of the shipped map, in turns and twice over (more carriers than convert keeps
# at hand, so remembered ones are replaced and looked up again): each message carries exactly
# its row's mapping
n=$((n + 1))
python3 - "$WB_ROOT" "$now" "$WB_TMP/carriers.csv" "$WB_TMP/carriers.want" <<'PY'
import sys
root, now, out, want = sys.argv[1:]
sys.path.insert(0, root + '/bench')
from baseline_convert import load_carriers  # the plain reading of carriers.map [dispatch]
rows = [(code,) + v for code, v in load_carriers(root + '/etc/carriers.map').items()]
with open(out, 'w') as o, open(want, 'w') as w:
    o.write("amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time\n")
    k = 0
    for rep in range(2):
        for code, amazon, name, method in rows:
            k += 1
            o.write("026-%07d-1234567,%014d,SKU-1,1,%s,TRK%08dGB,%s\n" % (k, k, code, k, now))
            w.write("%s|%s|%s\n" % (amazon, name if amazon == 'Other' else '', method))
PY
"$WB_BIN" convert dispatch --layout "$WB_ROOT/formats/dispatch-utf8.layout" \
    --carriers "$WB_ROOT/etc/carriers.map" <"$WB_TMP/carriers.csv" >"$WB_TMP/carriers.xml" \
    2>"$WB_TMP/carriers.err"
rc=$?
python3 - "$WB_TMP/carriers.xml" <<'PY' >"$WB_TMP/carriers.got"
import sys, xml.etree.ElementTree as ET
for m in ET.parse(sys.argv[1]).getroot().iter('FulfillmentData'):
    t = lambda k: (m.findtext(k) or '')
    print("%s|%s|%s" % (t('CarrierCode'), t('CarrierName'), t('ShippingMethod')))
PY
if [ "$rc" = 0 ] && cmp -s "$WB_TMP/carriers.want" "$WB_TMP/carriers.got"; then
    echo "ok   carriers ($(wc -l <"$WB_TMP/carriers.want") messages, every map entry twice)"
else
    echo "FAIL carriers: exit $rc, messages differ from the map:"
    diff "$WB_TMP/carriers.want" "$WB_TMP/carriers.got" | head -5 | sed 's/^/    /'
    fail=$((fail + 1))
fi
[ -z "$S" ] && echo "note: shared Amazon schemas not found; feeds were not XSD-validated"
echo "$n cases, $fail failed"
[ "$n" -gt 0 ] && [ "$fail" -eq 0 ]
