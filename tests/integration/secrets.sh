#!/bin/sh
# secrets.sh - secrets stay secret and TLS stays on.
#
# Owns: its work dir under WB_TMP, one simulator and one daemon it starts.
# Proves: (a) a credentials file readable by group or others is refused with
# a sentence naming the mode and the fix (SFTP keys: the same rule, proved
# against a live sshd by test_flows_sftp_live and by test_net_sftp);
# (b) a full dispatch cycle at log_level = debug, through an expired token
# answered 401 and injected 429s, writes neither the client secret, the
# refresh token nor any access token the simulator issued into any log line
# or any file of the spool (ledger included, also as an SQL dump), raw or
# URL-encoded; (c) a CA that did not sign the simulator's certificate makes
# the run fail with a TLS error, and the only setting that turns
# verification off (tls_verify = no) is refused without WB_TEST_INSECURE=1;
# (d) the daemon refuses to run as root unless allow_root = yes.
# Must never: use a network address other than 127.0.0.1.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
: >"$WB_LOG"
DPID=""
cleanup() {
    if [ -n "$DPID" ]; then
        kill "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
    fi
    wb_cleanup
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10
    exit 1
}

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W" "log_level = debug" "retry_base_ms = 50" "retry_cap_ms = 500"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
CRED=$W/etc/credentials

# ---- (a) credentials readable by others ----------------------------------------------------
for m in 0644 0640 0604; do
    chmod "$m" "$CRED"
    out=$("$B" -c "$WB_CONF" check 2>&1)
    rc=$?
    echo "$out" >>"$WB_LOG"
    [ $rc -ne 0 ] || fail "check accepted credentials with mode $m"
    echo "$out" | grep -q "credentials file $CRED has mode $m; it must be 0600 or stricter" ||
        fail "no clear message for credentials mode $m: $(echo "$out" | grep credentials)"
    wb_gen_dispatch "$WB_TMP/m$m.csv" 3 "$m"
    wb_drop "$WB_TMP/m$m.csv" "$IN"
    "$B" -c "$WB_CONF" run --once dispatch --options flush >"$WB_TMP/out" 2>&1
    rc=$?
    cat "$WB_TMP/out" >>"$WB_LOG"
    grep -q "mode $m" "$WB_TMP/out" || fail "run with credentials mode $m does not say why it stopped"
    wb_sim_ctl /_sim/received | grep -q '"feedId"' && fail "a feed was sent with credentials mode $m"
done
chmod 0600 "$CRED"
ln -s "$CRED" "$W/etc/credentials.link"
sed -i "s|^credentials = .*||" "$WB_CONF"
echo "credentials = $W/etc/credentials.link" >>"$WB_CONF"
"$B" -c "$WB_CONF" check 2>&1 | grep -q 'symbolic link' || fail "a symlinked credentials file is not refused"
sed -i "s|^credentials = .*|credentials = $CRED|" "$WB_CONF"
"$B" -c "$WB_CONF" check >>"$WB_LOG" 2>&1 || fail "check with credentials 0600"
echo "(a) credentials readable by others or symlinked are refused with a reason"

# ---- (b) a full cycle through 401 and 429 at log_level = debug -----------------------------
"$B" -c "$WB_CONF" run >>"$WB_LOG" 2>&1 &
DPID=$!
wb_gen_dispatch "$WB_TMP/s1.csv" 40 101 10
wb_drop "$WB_TMP/s1.csv" "$IN"
i=0
while [ $i -lt 60 ]; do
    wb_sim_ctl /_sim/received | grep -q '"feedId"' && break
    sleep 0.5
    i=$((i + 1))
done
[ $i -lt 60 ] || fail "the daemon sent no feed"
# one call in three is throttled; for eight seconds every token issued so far expires
# every 0.3 s and is answered 401 (jobs run in child processes that each fetch a token)
wb_sim_ctl /_sim/faults '{"expired_status": 401, "rate429": 0.3, "seed": 7}' >/dev/null ||
    fail "sim faults"
wb_gen_dispatch "$WB_TMP/s2.csv" 40 102 10
wb_drop "$WB_TMP/s2.csv" "$IN"
i=0
while [ $i -lt 27 ]; do
    wb_sim_ctl /_sim/faults '{"expire_tokens": true}' >/dev/null || fail "sim expire_tokens"
    sleep 0.3
    i=$((i + 1))
done
i=0
settled=0
while [ $i -lt 120 ]; do
    st=$("$B" -c "$WB_CONF" status --json 2>/dev/null)
    if wb_status_zero "$st" pending queued ready submitting submitted in work; then
        settled=1
        break
    fi
    sleep 1
    i=$((i + 1))
done
[ $settled = 1 ] || fail "the daemon did not settle both files: $st"
wb_sim_ctl /_sim/faults '{"rate429": 0}' >/dev/null
kill "$DPID"
wait "$DPID" 2>/dev/null
DPID=""
echo "$st"
grep -q 'event=token_refresh status=401' "$WB_LOG" || fail "the expired token (401) path was not taken"
grep -q 'status=429' "$WB_LOG" || fail "no 429 was answered"
sleep 1.5 # the simulator writes its state debounced
$WB_PY - "$WB_TMP/sim/state/state.json" "$W/spool" "$WB_LOG" "$WB_TMP/secrets.found" <<'PY' ||
import json, os, sqlite3, sys, urllib.parse
state, spool, log, out = sys.argv[1:5]
secrets = {"client secret": "wmsbridge-sim-secret",
           "refresh token": "Atzr|wmsbridge-sim-refresh-token"}
for i, tok in enumerate(json.load(open(state)).get("tokens", {})):
    secrets["access token %d" % i] = tok
    secrets["access token %d (body)" % i] = tok.split("|", 1)[-1]
if len(secrets) < 4:
    print("FAIL: the simulator issued no access token"); sys.exit(1)
needles = {}
for name, s in secrets.items():
    needles[(name, "raw")] = s.encode()
    needles[(name, "url-encoded")] = urllib.parse.quote(s, safe="").encode()
    needles[(name, "form-encoded")] = urllib.parse.quote_plus(s).encode()
files = [log]
for d, _, names in os.walk(spool):
    files += [os.path.join(d, n) for n in names]
blobs = []
for f in files:
    try:
        blobs.append((f, open(f, "rb").read()))
    except OSError:
        pass
db = os.path.join(spool, "ledger.db")
if os.path.exists(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    blobs.append(("ledger dump", "\n".join(con.iterdump()).encode()))
    con.close()
hits = []
for f, data in blobs:
    for (name, form), n in needles.items():
        if n in data:
            hits.append("%s (%s) in %s" % (name, form, f))
open(out, "w").write("\n".join(hits))
print("searched %d files and the ledger dump for %d secrets (%d access tokens)"
      % (len(blobs), len(secrets), sum(1 for k in secrets if k.startswith("access token")) // 2))
sys.exit(1 if hits else 0)
PY
    fail "secret found: $(head -n 5 "$WB_TMP/secrets.found")"
echo "(b) no secret or token in $(wc -l <"$WB_LOG") log lines or any spool file"

# ---- (c) TLS verification stays on ---------------------------------------------------------
sh "$WB_ROOT/tests/sim/mkcert.sh" "$WB_TMP/otherca" || fail "mkcert"
cp "$WB_CONF" "$W/etc/conf.ok"
sed -i "s|^ca_file = .*|ca_file = $WB_TMP/otherca/ca.pem|" "$WB_CONF"
wb_gen_dispatch "$WB_TMP/t.csv" 3 103
wb_drop "$WB_TMP/t.csv" "$IN"
"$B" -c "$WB_CONF" run --once dispatch --options flush >"$WB_TMP/out" 2>&1
rc=$?
cat "$WB_TMP/out" >>"$WB_LOG"
[ $rc -ne 0 ] || fail "a run against an untrusted certificate succeeded"
grep -qiE 'certificate|SSL|TLS' "$WB_TMP/out" || fail "no TLS error in: $(tail -n 3 "$WB_TMP/out")"
echo "wrong CA: exit $rc, $(grep -ioE '[^"]*(certificate|SSL)[^"]*' "$WB_TMP/out" | head -n 1)"
sed -i "s|^ca_file = .*|ca_file =|" "$WB_CONF"
"$B" -c "$WB_CONF" run --once dispatch --options flush >"$WB_TMP/out" 2>&1 &&
    fail "a run trusting the system CAs accepted the simulator's private CA"
grep -qiE 'certificate|SSL|TLS' "$WB_TMP/out" || fail "no TLS error with the system CAs"
# the parameter table has exactly one switch for verification, and it needs the test variable
keys=$("$B" -c "$W/etc/conf.ok" show | sed 's/ =.*//' | grep -iE 'verif|insecure|ssl|tls|cert|peer')
[ "$keys" = tls_verify ] || fail "settings that touch TLS verification: $keys"
cp "$W/etc/conf.ok" "$WB_CONF"
echo "tls_verify = no" >>"$WB_CONF"
"$B" -c "$WB_CONF" check >"$WB_TMP/out" 2>&1 && fail "check accepted tls_verify = no without WB_TEST_INSECURE"
grep -q 'tls_verify = no is refused' "$WB_TMP/out" || fail "check: tls_verify = no refused without a reason"
nfeeds=$(wb_sim_ctl /_sim/received | grep -o '"feedId"' | wc -l)
wb_gen_dispatch "$WB_TMP/u.csv" 3 104
wb_drop "$WB_TMP/u.csv" "$IN"
"$B" -c "$WB_CONF" run --once dispatch --options flush >"$WB_TMP/out" 2>&1
cat "$WB_TMP/out" >>"$WB_LOG"
grep -q 'tls_verify = no is refused' "$WB_TMP/out" || fail "run: tls_verify = no refused without a reason"
[ "$(wb_sim_ctl /_sim/received | grep -o '"feedId"' | wc -l)" = "$nfeeds" ] ||
    fail "a feed was sent with tls_verify = no"
WB_TEST_INSECURE=1 "$B" -c "$WB_CONF" check >"$WB_TMP/out" 2>&1 ||
    fail "tls_verify = no with WB_TEST_INSECURE=1 (the test switch) is refused: $(grep tls "$WB_TMP/out")"
cp "$W/etc/conf.ok" "$WB_CONF"
echo "(c) a wrong CA fails with a TLS error; verification cannot be switched off by config alone"

# ---- (d) no daemon as root unless allowed --------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then
    sed -i 's/^allow_root = .*/allow_root = no/' "$WB_CONF"
    timeout 20 "$B" -c "$WB_CONF" run >"$WB_TMP/out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "the daemon ran as root with allow_root = no (exit $rc)"
    grep -q 'refusing to run as root' "$WB_TMP/out" || fail "no reason for refusing root"
    sed -i 's/^allow_root = .*//' "$WB_CONF"
    timeout 20 "$B" -c "$WB_CONF" run >"$WB_TMP/out" 2>&1
    rc=$?
    [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "the daemon ran as root without allow_root (exit $rc)"
    echo "(d) the daemon refuses root without allow_root = yes (exit $rc)"
else
    echo "(d) not root: the root refusal cannot be exercised here"
fi
echo "ok"
