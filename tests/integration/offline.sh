#!/bin/sh
# offline.sh - a run that cannot reach Amazon for a configuration reason is never quiet:
# with a credentials file others can read, `run --once dispatch` still takes the file in
# (local work goes on) but exits 78, raises one "offline" alert that `status` shows (text and
# JSON), and raises it once however often it runs; once the file is fixed the next run
# submits, exits 0 and clears the alert; a later failure raises it again. `check --online`
# obtains a real access token, so a wrong client secret is found before the night run.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W" "alert_command = $WB_TMP/alert.sh"
# the command logs kind, item and the state its JSON input gives (firing or resolved)
printf '#!/bin/sh\ns=$(sed -n "s/.*\\"state\\":\\"\\([a-z]*\\)\\".*/\\1/p")\necho "$1 $2 $s" >>%s/alerts.log\n' \
    "$WB_TMP" >"$WB_TMP/alert.sh"
chmod 755 "$WB_TMP/alert.sh"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
fail() { wb_fail "$@"; }

chmod 644 "$W/etc/credentials"
wb_gen_dispatch "$WB_TMP/a.csv" 20 11 0
wb_drop "$WB_TMP/a.csv" "$IN"
"$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
rc=$?
[ "$rc" -eq 78 ] || fail "a run without usable credentials exited $rc, not 78"
[ "$(wb_status_count pending)" -eq 0 ] && [ "$(wb_status_count queued)" -eq 20 ] ||
    fail "the file's rows were not taken in while offline"
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
rc=$?
[ "$rc" -eq 78 ] || fail "feeds-poll without usable credentials exited $rc, not 78"
"$B" -c "$WB_CONF" status | grep -q "^  offline  *sp-api .*credentials" ||
    fail "status does not show the offline alert"
"$B" -c "$WB_CONF" status --json | grep -q '"alerts":\[{"kind":"offline","item":"sp-api"' ||
    fail "status --json does not show the offline alert"
n=$(grep -c "^offline sp-api firing" "$WB_TMP/alerts.log" 2>/dev/null)
[ "$n" -eq 1 ] || fail "alert_command ran $n times for one offline condition, not once"
grep -q 'event=offline' "$WB_LOG" || fail "no event=offline log line"
echo "ok   offline: exit 78, rows kept, one alert shown in status"

chmod 600 "$W/etc/credentials"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle once the credentials were fixed"
[ "$(wb_status_count confirmed)" -eq 20 ] || fail "rows not confirmed after the fix"
"$B" -c "$WB_CONF" status | grep -q "^open alerts: none" || fail "the offline alert stayed open"
"$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1 || fail "an online run did not exit 0"
n=$(grep -c "^offline sp-api resolved" "$WB_TMP/alerts.log")
[ "$n" -eq 1 ] || fail "the cleared offline alert sent $n resolutions, not 1"
wb_check_received 20 || exit 1
echo "ok   fixed: submitted, alert cleared"

chmod 640 "$W/etc/credentials"
"$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
[ $? -eq 78 ] || fail "a second offline episode did not exit 78"
n=$(grep -c "^offline sp-api firing" "$WB_TMP/alerts.log")
[ "$n" -eq 2 ] || fail "a second offline episode raised $n alerts in all, not 2"
echo "ok   offline again: alerted again"

chmod 600 "$W/etc/credentials"
out=$("$B" -c "$WB_CONF" check --online 2>&1) ||
    { echo "$out"; fail "check --online with good credentials failed"; }
echo "$out" | grep -q "^amazon     access token obtained from $SIM_URL/auth/o2/token" ||
    { echo "$out"; fail "check --online did not get a token"; }
sed -i 's/^client_secret = .*/client_secret = not-the-secret/' "$W/etc/credentials"
"$B" -c "$WB_CONF" check >/dev/null 2>&1 || fail "plain check needs no network, yet failed"
out=$("$B" -c "$WB_CONF" check --online 2>&1)
rc=$?
[ "$rc" -eq 78 ] || fail "check --online with a wrong client secret exited $rc, not 78"
echo "$out" | grep -q "^amazon     no access token .*LWA refused the credentials: HTTP 401" ||
    { echo "$out"; fail "check --online does not say the credentials were refused"; }
echo "$out" | grep -q "not-the-secret" && fail "check --online printed the secret"
"$B" -c "$WB_CONF" check --onlin >/dev/null 2>&1
[ $? -eq 64 ] || fail "check with a misspelt option did not exit 64"
echo "ok   check --online: a token with the right secret, 78 naming the refusal with a wrong one"
echo ok
