#!/bin/sh
# config.sh - `wmsbridge check` on good and broken set-ups: the whole
# configuration is validated at once, each problem names its file and line,
# and any problem exits 78 (EX_CONFIG) before anything runs.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
wb_make_config "$W"
C=$WB_CONF
cp "$C" "$WB_TMP/good.conf"
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect_check RC PATTERN WHAT - run check, compare exit code and output
expect_check() {
    out=$("$B" -c "$C" check 2>&1)
    rc=$?
    [ "$rc" -eq "$1" ] || { bad "$3: exit $rc, expected $1"; echo "$out" | tail -n 5; return; }
    echo "$out" | grep -q -- "$2" || { bad "$3: output lacks '$2'"; echo "$out" | tail -n 5; return; }
    echo "ok   $3"
}
reset() { cp "$WB_TMP/good.conf" "$C"; }

expect_check 0 "carriers" "a good configuration"
"$B" --config="$C" check >/dev/null 2>&1 && echo "ok   --config=FILE" || bad "--config=FILE refused"
v=$("$B" --version) && echo "$v" | grep -q '^wmsbridge [^ ]' && echo "ok   --version: $v" ||
    bad "--version: '$v'"

reset; echo "colour = blue" >>"$C"
line=$(wc -l <"$C")
expect_check 78 "wmsbridge.conf:$line: unknown parameter 'colour'" "unknown key with file and line"

reset; echo "settle_seconds = -5" >>"$C"
line=$(wc -l <"$C")
expect_check 78 "wmsbridge.conf:$line: " "bad value with file and line"

reset; { echo "colour = blue"; echo "settle_seconds = soon"; } >>"$C"
out=$("$B" -c "$C" check 2>&1)
n=$(echo "$out" | grep -c 'wmsbridge.conf:[0-9]*:')
[ "$n" -ge 2 ] && echo "ok   every problem reported in one pass ($n)" || bad "only $n problem(s) reported"

reset; echo "carriers_map = $W/etc/nope.map" >>"$C"
expect_check 78 "nope.map" "missing map file named"

reset; echo "time_zone = Mars/Olympus_Mons" >>"$C"
expect_check 78 "time_zone" "unknown time zone"

reset; { echo "max_ship_age_days = 30"; echo "retention_days = 20"; } >>"$C"
expect_check 78 "retention_days" "retention shorter than the ship-age window"

reset; printf 'BADCARRIER | NotAnAmazonCode |  | Standard\n' >>"$W/etc/carriers.map"
expect_check 78 "carriers.map:[0-9]*:" "bad carrier map line with file and line"
cp "$WB_ROOT/etc/carriers.map" "$W/etc/carriers.map"

reset; mkdir -p "$WB_TMP/formats"; cp "$WB_ROOT"/formats/*.layout "$WB_TMP/formats/"
echo "frobnicate = yes" >>"$WB_TMP/formats/dispatch-utf8.layout"
echo "layout_dir = $WB_TMP/formats" >>"$C"
expect_check 78 "dispatch-utf8.layout" "broken layout named"

reset; echo "merchant_id =" >>"$C"
expect_check 78 "merchant_id" "empty required value"

reset; echo "setle_seconds = 5" >>"$C"
expect_check 78 "unknown parameter 'setle_seconds' (did you mean 'settle_seconds'?)" \
    "a misspelt key gets a hint"

# one comment rule: a carrier appended to the shipped map, with a trailing comment, is a
# carrier whose shipping method leaves the comment out
reset; printf 'NEW-24 | Royal Mail |  | Tracked 24   # added by ops\n' >>"$W/etc/carriers.map"
expect_check 0 "carriers" "a carrier line appended to the shipped map, with a comment"
cp "$WB_ROOT/etc/carriers.map" "$W/etc/carriers.map"

reset; mkdir -p "$WB_TMP/formats2"; cp "$WB_ROOT"/formats/*.layout "$WB_TMP/formats2/"
sed -i 's|^datetime_format = .*|datetime_format = %d/%m %H:%M|' "$WB_TMP/formats2/dispatch-utf8.layout"
echo "layout_dir = $WB_TMP/formats2" >>"$C"
expect_check 78 "datetime_format reads no year" "a datetime_format without a year"

# the schema directory's problem and its reason are two lines, the reason on its own
reset; mkdir -p "$WB_TMP/noxsd"; echo "xsd_dir = $WB_TMP/noxsd" >>"$C"
out=$("$B" -c "$C" check 2>&1)
echo "$out" | grep -q "^$WB_TMP/noxsd: amzn-base.xsd not found" &&
    echo "$out" | grep -q "xsd_dir: cannot compile the feed schemas in $WB_TMP/noxsd\$" &&
    echo "ok   xsd_dir problem and reason on separate lines" ||
    { bad "xsd_dir messages"; echo "$out" | grep xsd; }

reset
"$B" -c "$C" run --once dispatch --options flush >/dev/null 2>&1 || true
echo "colour = blue" >>"$C"
"$B" -c "$C" run --once dispatch >/dev/null 2>&1
rc=$?
[ "$rc" -eq 78 ] && echo "ok   run refuses a broken configuration (78)" || bad "run with a broken config: exit $rc"

# -v on the command line wins over log_level in the configuration
reset; echo "log_level = warn" >>"$C"
n=$(WB_OFFLINE=1 "$B" -v -c "$C" run --once dispatch 2>&1 | grep -c 'level=debug')
m=$(WB_OFFLINE=1 "$B" -c "$C" run --once dispatch 2>&1 | grep -c 'level=\(debug\|info\)')
[ "$n" -ge 1 ] && [ "$m" -eq 0 ] && echo "ok   -v shows debug lines over log_level = warn" ||
    bad "-v: $n debug line(s) with -v, $m info/debug line(s) without"

# flows and accounts are rows: a layout setting for a flow that does not exist is refused with
# its line; a second seller account is checked with its own credentials file
reset; echo "returns_layout = returns-utf8" >>"$C"
line=$(wc -l <"$C")
expect_check 78 "wmsbridge.conf:$line: returns_layout: there is no flow 'returns'" \
    "a layout setting of no flow"
reset; echo "dispatch_layout = dispatch-legacy" >>"$C"
expect_check 0 "layout     dispatch-legacy (windows-1252, 7 fields) for flow dispatch" \
    "dispatch_layout picks the flow's layout"
reset; cp "$W/etc/credentials" "$W/etc/acme.cred"; chmod 600 "$W/etc/acme.cred"
{ echo "account.acme.merchant_id = ACME1"; echo "account.acme.credentials = acme.cred"; } >>"$C"
expect_check 0 "account    acme (seller ACME1, .*): credentials $W/etc/acme.cred: ok" \
    "a second seller account with its own credentials"
echo "account.beta.merchant_id = ACME1" >>"$C"
expect_check 78 "account.beta.merchant_id: seller ACME1 is already account acme" \
    "one seller in two accounts"
reset; { echo "account.acme.merchant_id = ACME1"; echo "account.acme.credentials = none.cred"; } >>"$C"
expect_check 78 "account    acme (seller ACME1, .*): credentials $W/etc/none.cred: " \
    "an account whose credentials file is missing"

# a remote names a directory the flows use: a typo would move files where nothing reads them
remote() { # NAME FLOW: a complete remote block on loopback port 9 (nothing listens)
    for kv in "host = 127.0.0.1" "port = 9" "user = wb" "known_hosts = $W/etc/credentials" \
        "remote_dir = /x" "direction = push" "timeout = 2" "flow = $2"; do
        echo "remote.$1.$kv"
    done >>"$C"
}
reset; remote wms dispach
expect_check 78 "remote.wms.flow: 'dispach' is no flow's directory (dispatch, " \
    "a remote whose flow is a typo"
reset; remote fin journals
out=$("$B" -c "$C" check 2>&1)
if echo "$out" | grep -q "no flow's directory" || ! echo "$out" | grep -q "^remote *fin"; then
    bad "journals as a remote's flow: $(echo "$out" | tail -n 4)"
else
    echo "ok   a remote pushing the settlements' journals"
fi

[ $fails -eq 0 ] || exit 1
echo "ok"
