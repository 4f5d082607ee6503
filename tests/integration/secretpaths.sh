#!/bin/sh
# secretpaths.sh - the credentials go only where they should.
#
# Owns: its work dir under WB_TMP and one plain TCP listener on 127.0.0.1.
# Proves: (a) a plain http:// endpoint is a configuration error for check
# and run (exit 78, naming the setting), even to a loopback address, and no
# byte reaches the listener behind it; check never says "peers verified" for
# it; (b) the tests' switch (WB_TEST_INSECURE=1) lets plain http reach a
# loopback peer only, and check then says INSECURE out loud; a non-loopback
# http endpoint stays refused; (c) a config file, its directory or ca_file
# that group or others can write is refused by check and run with the mode
# and the fix named.
# Must never: use a network address other than 127.0.0.1.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
trap wb_cleanup EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}

# a listener that records every connection: nothing may ever reach it
$WB_PY - "$WB_TMP/lport" "$WB_TMP/contacts" <<'PY' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    with open(sys.argv[2], "a") as f:
        f.write("contacted\n")
    c.close()
PY
WB_PIDS="$WB_PIDS $!"
i=0
while [ ! -s "$WB_TMP/lport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
LPORT=$(cat "$WB_TMP/lport") || fail "listener did not start"
PLAIN=http://127.0.0.1:$LPORT

wb_make_config "$W" "sp_api_endpoint = $PLAIN" "lwa_endpoint = $PLAIN/auth/o2/token"
GOOD=$W/etc/good.conf
sed "/^sp_api_endpoint = http:/d; /^lwa_endpoint = http:/d" "$WB_CONF" >"$GOOD"
mkdir -p "$W/spool/in/dispatch"
wb_gen_dispatch "$WB_TMP/a.csv" 3 1
wb_drop "$WB_TMP/a.csv" "$W/spool/in/dispatch"

# ---- (a) plain http is refused, to loopback too ---------------------------------------------
unset WB_TEST_INSECURE
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1
rc=$?
[ $rc -eq 78 ] || fail "check with a plain http endpoint: exit $rc, expected 78"
grep -q "peers verified" "$WB_TMP/check.out" && fail "check says peers verified for plain http"
grep -q "sp_api_endpoint: '$PLAIN' refused: only https://" "$WB_TMP/check.out" ||
    fail "check does not name the plain http setting: $(cat "$WB_TMP/check.out")"
grep -q "lwa_endpoint: '$PLAIN/auth/o2/token' refused" "$WB_TMP/check.out" ||
    fail "check does not name lwa_endpoint"
for job in dispatch feeds-poll; do
    "$B" -c "$WB_CONF" run --once $job --options flush >"$WB_TMP/run.out" 2>&1
    rc=$?
    [ $rc -eq 78 ] || fail "run --once $job with a plain http endpoint: exit $rc, expected 78"
    grep -q "refused: only https://" "$WB_TMP/run.out" || fail "run does not say why"
done
[ -e "$WB_TMP/contacts" ] && fail "a request went to the plain http endpoint"
echo "(a) plain http endpoints are refused by check and run; nothing was sent"

# ---- (b) the tests' switch: loopback only, and said out loud --------------------------------
WB_TEST_INSECURE=1 "$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1
grep -q "peers verified" "$WB_TMP/check.out" && fail "check says peers verified under the switch"
grep -q "^tls *INSECURE: plain http" "$WB_TMP/check.out" ||
    fail "check does not say INSECURE under the switch: $(cat "$WB_TMP/check.out")"
sed "s|^sp_api_endpoint = $PLAIN\$|sp_api_endpoint = http://sellingpartnerapi.invalid|" \
    "$WB_CONF" >"$WB_TMP/far.conf"
WB_TEST_INSECURE=1 "$B" -c "$WB_TMP/far.conf" check >"$WB_TMP/check.out" 2>&1
rc=$?
[ $rc -eq 78 ] || fail "a non-loopback http endpoint under the switch: exit $rc, expected 78"
echo "tls_verify = no" >>"$GOOD"
WB_TEST_INSECURE=1 "$B" -c "$GOOD" check >"$WB_TMP/check.out" 2>&1
grep -q "^tls *INSECURE: peers not verified" "$WB_TMP/check.out" ||
    fail "check does not say INSECURE for tls_verify = no: $(cat "$WB_TMP/check.out")"
sed -i '$d' "$GOOD"
"$B" -c "$GOOD" check >"$WB_TMP/check.out" 2>&1 || fail "check of the https config: $(cat "$WB_TMP/check.out")"
grep -q "^tls *peers verified" "$WB_TMP/check.out" || fail "https config not verified"
[ -e "$WB_TMP/contacts" ] && fail "check contacted the endpoint"
echo "(b) WB_TEST_INSECURE=1 allows plain http to loopback only, and check says INSECURE"

# ---- (c) files that decide where the credentials go ----------------------------------------
# expect_refused WHAT PATH MODE - check and run refuse the config naming WHAT, PATH, MODE
expect_refused() {
    for cmd in check "run --once purge"; do
        # shellcheck disable=SC2086 # cmd holds a command and its options
        "$B" -c "$GOOD" $cmd >"$WB_TMP/out" 2>&1
        rc=$?
        [ $rc -eq 78 ] || fail "$cmd with $1 mode $3: exit $rc, expected 78"
        grep -q "$1 $2 has mode $3; group or others can change it" "$WB_TMP/out" ||
            fail "$cmd does not say why $1 mode $3 is refused: $(cat "$WB_TMP/out")"
    done
}
"$B" -c "$GOOD" check >/dev/null 2>&1 || fail "the good config is refused"
chmod 0666 "$GOOD"
expect_refused "config file" "$GOOD" 0666
chmod 0620 "$GOOD"
expect_refused "config file" "$GOOD" 0620
chmod 0644 "$GOOD"
chmod 0777 "$W/etc"
expect_refused "config directory" "$W/etc" 0777
chmod 0775 "$W/etc"
expect_refused "config directory" "$W/etc" 0775
chmod 0755 "$W/etc"
cp "$WB_ROOT/tests/sim/mkcert.sh" "$W/etc/ca.pem" # any readable file: check does not connect
echo "ca_file = $W/etc/ca.pem" >>"$GOOD"
chmod 0646 "$W/etc/ca.pem"
expect_refused "ca_file" "$W/etc/ca.pem" 0646
chmod 0644 "$W/etc/ca.pem"
"$B" -c "$GOOD" check >"$WB_TMP/out" 2>&1 || fail "check after the fixes: $(cat "$WB_TMP/out")"
echo "(c) a config, config directory or ca_file others can write is refused, the fix named"
exit 0
