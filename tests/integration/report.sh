#!/bin/sh
# report.sh - the daily report page: `report --out FILE` writes one self-contained HTML file (no
# script, no external asset: nothing with src=, <link, url( or http) showing the health figures
# of each account against their targets with inline SVG charts, the exception queue by owner,
# the feeds of the day, the open alerts and the checks with links to the files. It renders in
# headless Chromium (Debian's chromium; skipped when absent) with no console error; the
# screenshots at 1280 and 390 px are kept as artefacts in the test's directory; at both widths
# the page does not overflow sideways and no text is set below 12 px.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
CH=
for c in chromium chromium-browser google-chrome; do
    command -v "$c" >/dev/null 2>&1 && { CH=$c; break; }
done
[ -n "$CH" ] || { echo "report: skipped: chromium not installed"; exit 77; }
export WB_LOG=$WB_TMP/log
B=$WB_BIN
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W" "account.acme.merchant_id = A2ACME"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
fail() { wb_fail "$@"; }
wb_gen_dispatch "$WB_TMP/a.csv" 40 3 20
wb_drop "$WB_TMP/a.csv" "$IN"
printf 'no,such,header\n1,2,3\n' >"$WB_TMP/r<&>.csv"
wb_drop "$WB_TMP/r<&>.csv" "$IN"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle"
R=$WB_TMP/report.html
"$B" -c "$WB_CONF" report --out "$R" >>"$WB_LOG" 2>&1 || fail "report --out failed"
"$B" -c "$WB_CONF" report | cmp -s - "$R" || true # stdout gives the same page (time may differ)
grep -qi '<script\|src=\|<link\|url(\|https\?:' "$R" && fail "the page loads or runs something"
grep -q 'r&lt;&amp;&gt;.csv' "$R" || fail "a file name is not escaped"
for s in 'id="figures"' 'feed success rate' 'not configured' '<svg' 'id="exceptions"' \
    'id="feeds"' 'id="alerts"' 'id="checks"' 'By-SKU inventory comparison' 'Reconciliation' \
    'Seller account acme' 'file://'; do
    grep -q "$s" "$R" || fail "the page lacks $s"
done
echo "ok   one self-contained page with figures, charts, exceptions, feeds, alerts, checks"

# render: screenshots kept, console errors, width and text size at 1280 and 390 px
cat >"$WB_TMP/probe.html" <<'HTML'
<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="report.html" style="border:0;height:900px"></iframe><pre id="out"></pre>
<script>
const f = document.getElementById("f");
f.style.width = location.hash.slice(1) + "px";
f.onload = () => {
  const d = f.contentDocument, w = d.documentElement.scrollWidth;
  let small = 0;
  for (const e of d.querySelectorAll("body *")) {
    if (e.closest("svg")) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (own && parseFloat(getComputedStyle(e).fontSize) < 12) small++;
  }
  document.getElementById("out").textContent = "RESULT width=" + w + " small=" + small;
};
</script></body></html>
HTML
H=$WB_TMP/chromium-home
mkdir -p "$H"
for w in 1280 390; do
    HOME=$H timeout 120 "$CH" --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --user-data-dir="$H/profile" --enable-logging=stderr --v=0 \
        --window-size="$w,1800" --screenshot="$WB_TMP/report-$w.png" "file://$R" \
        >"$WB_TMP/shot-$w.out" 2>"$WB_TMP/shot-$w.err"
    [ -s "$WB_TMP/report-$w.png" ] || { tail "$WB_TMP/shot-$w.err"; fail "no screenshot at $w px"; }
    grep -i 'CONSOLE' "$WB_TMP/shot-$w.err" && fail "console messages at $w px"
    out=$(HOME=$H timeout 120 "$CH" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$H/profile" --allow-file-access-from-files --virtual-time-budget=5000 \
        --dump-dom "file://$WB_TMP/probe.html#$w" 2>>"$WB_TMP/probe.err")
    res=$(echo "$out" | sed -n 's/.*RESULT width=\([0-9]*\) small=\([0-9]*\).*/\1 \2/p')
    [ -n "$res" ] || { tail "$WB_TMP/probe.err"; fail "the probe did not measure the page at $w px"; }
    set -- $res
    [ "$1" -le "$w" ] || fail "the page is $1 px wide in a $w px window (overflows sideways)"
    [ "$2" = 0 ] || fail "$2 element(s) with text below 12 px at $w px"
done
echo "ok   renders in $CH without console errors; readable at 1280 and 390 px;" \
    "screenshots kept: $WB_TMP/report-1280.png $WB_TMP/report-390.png"
echo ok
