#!/bin/sh
# sftp.sh - SFTP pull/push against a real OpenSSH sshd on loopback.
#
# Starts /usr/sbin/sshd as the current user (generated ed25519 host and user
# keys, config, authorized_keys and pid file all under WB_TMP, listening on
# 127.0.0.1 only) and runs the cmocka live test
# $WB_BUILD/tests/test_flows_sftp_live against it. The test drives the server
# through the control script written here (stop = kill -9 the daemon and its
# sessions, start, rekey = new host key, restore = original host key). Then
# the same through the command line: `check`, `run --once sftp-pull` and
# `run --once sftp-push` with remote.NAME.* settings, a remote of a seller account pulling
# into its lane (in/ACCOUNT/FLOW/), and a changed host key.
# Exit 0 pass, 77 skip (last line says why), anything else fail. Every
# process started here is killed on exit.
set -u
: "${WB_TMP:?WB_TMP must be set}" "${WB_BUILD:?WB_BUILD must be set}"
T="$WB_BUILD/tests/test_flows_sftp_live"
skip() { echo "skip: $*"; exit 77; }
[ -x "$T" ] || skip "$T is not built (make unit-flows)"
[ -x /usr/sbin/sshd ] || skip "/usr/sbin/sshd not installed (package openssh-server)"
command -v ssh-keygen >/dev/null 2>&1 || skip "ssh-keygen not installed"
command -v ps >/dev/null 2>&1 || skip "ps not installed"

D="$WB_TMP/sftp"
mkdir -p "$D/remote" "$D/work" || exit 1
chmod 700 "$D"

ssh-keygen -q -t ed25519 -N '' -C wbtest-host -f "$D/hostkey" || exit 1
cp "$D/hostkey" "$D/hostkey.orig" && cp "$D/hostkey.pub" "$D/hostkey.orig.pub"
ssh-keygen -q -t ed25519 -N '' -C wbtest-user -f "$D/userkey" || exit 1
cp "$D/userkey.pub" "$D/authorized_keys"
chmod 600 "$D/userkey" "$D/authorized_keys"

free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    else
        echo $(( 20000 + $$ % 20000 ))
    fi
}
PORT=$(free_port)

if [ "$(id -u)" -eq 0 ]; then
    ROOTLOGIN="PermitRootLogin prohibit-password"
    # sshd run by root needs its privilege separation directory
    [ -d /run/sshd ] || mkdir -p -m 0755 /run/sshd || skip "cannot create /run/sshd"
else
    ROOTLOGIN=""
fi

cat >"$D/sshd_config" <<CONF
ListenAddress 127.0.0.1
Port $PORT
HostKey $D/hostkey
AuthorizedKeysFile $D/authorized_keys
PidFile $D/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
$ROOTLOGIN
Subsystem sftp internal-sftp
MaxStartups 100:30:200
MaxSessions 50
LogLevel VERBOSE
CONF

cat >"$D/ctl.sh" <<'CTL'
#!/bin/sh
# ctl.sh start|stop|rekey|restore - control the test sshd (by pid only)
set -u
D=$(cd "$(dirname "$0")" && pwd)
tree() { # pid and all its descendants
    ps -eo pid=,ppid= | awk -v root="$1" '
        { parent[$1] = $2; pids[NR] = $1 }
        END {
            keep[root] = 1; changed = 1
            while (changed) {
                changed = 0
                for (i = 1; i <= NR; i++) {
                    p = pids[i]
                    if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; changed = 1 }
                }
            }
            for (p in keep) print p
        }'
}
stop() {
    [ -f "$D/sshd.pid" ] || return 0
    pid=$(cat "$D/sshd.pid")
    [ -n "$pid" ] && kill -9 $(tree "$pid") 2>/dev/null
    rm -f "$D/sshd.pid"
    i=0
    while [ $i -lt 50 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
    return 0
}
start() {
    rm -f "$D/sshd.pid"
    /usr/sbin/sshd -f "$D/sshd_config" -E "$D/sshd.log" || return 1
    i=0
    while [ $i -lt 100 ]; do
        [ -s "$D/sshd.pid" ] && kill -0 "$(cat "$D/sshd.pid")" 2>/dev/null && return 0
        sleep 0.05; i=$((i + 1))
    done
    echo "sshd did not start:"; tail -n 5 "$D/sshd.log"; return 1
}
case ${1:-} in
start) start ;;
stop) stop ;;
rekey) stop; rm -f "$D/hostkey" "$D/hostkey.pub"
       ssh-keygen -q -t ed25519 -N '' -C wbtest-host2 -f "$D/hostkey" && start ;;
restore) stop; cp "$D/hostkey.orig" "$D/hostkey" && cp "$D/hostkey.orig.pub" "$D/hostkey.pub" && start ;;
*) echo "usage: ctl.sh start|stop|rekey|restore"; exit 64 ;;
esac
CTL

trap 'sh "$D/ctl.sh" stop' EXIT
trap 'exit 1' INT TERM HUP

sh "$D/ctl.sh" start || skip "sshd would not start on 127.0.0.1:$PORT (see above)"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$D/hostkey.pub")" >"$D/known_hosts"

export WB_SFTP_HOST=127.0.0.1 WB_SFTP_PORT="$PORT" WB_SFTP_USER="$(id -un)" \
    WB_SFTP_KEY="$D/userkey" WB_SFTP_KNOWN_HOSTS="$D/known_hosts" \
    WB_SFTP_DIR="$D/remote" WB_SFTP_CTL="$D/ctl.sh" WB_SFTP_WORK="$D/work"
"$T"
rc=$?
if [ $rc -ne 0 ]; then
    echo "--- sshd log (last 30 lines)"; tail -n 30 "$D/sshd.log"
    exit $rc
fi

# ---- the same through the command line: check, sftp-pull into in/, sftp-push from out/ ----
[ -x "${WB_BIN:-}" ] || skip "WB_BIN not set: command-line part not run"
. "$WB_ROOT/tests/lib.sh"
bad() {
    echo "FAIL: $*"
    tail -n 20 "$D/wb.log"
    echo "--- sshd log (last 20 lines)"; tail -n 20 "$D/sshd.log"
    exit 1
}
W=$D/wb
mkdir -p "$D/export" "$D/export/archive" "$D/import" "$D/export-acme" "$D/import-orders"
wb_make_config "$W" \
    "remote.wms.host = 127.0.0.1" "remote.wms.port = $PORT" "remote.wms.user = $(id -un)" \
    "remote.wms.identity = $D/userkey" "remote.wms.known_hosts = $D/known_hosts" \
    "remote.wms.remote_dir = $D/export" "remote.wms.pattern = *.csv" \
    "remote.wms.flow = dispatch" "remote.wms.direction = pull" \
    "remote.wms.archive_dir = $D/export/archive" "remote.wms.min_age = 0" \
    "remote.wmsout.host = 127.0.0.1" "remote.wmsout.port = $PORT" \
    "remote.wmsout.user = $(id -un)" "remote.wmsout.identity = $D/userkey" \
    "remote.wmsout.known_hosts = $D/known_hosts" "remote.wmsout.remote_dir = $D/import" \
    "remote.wmsout.flow = dispatch" "remote.wmsout.direction = push" \
    "remote.wmsorders.host = 127.0.0.1" "remote.wmsorders.port = $PORT" \
    "remote.wmsorders.user = $(id -un)" "remote.wmsorders.identity = $D/userkey" \
    "remote.wmsorders.known_hosts = $D/known_hosts" "remote.wmsorders.remote_dir = $D/import-orders" \
    "remote.wmsorders.flow = orders" "remote.wmsorders.direction = push" \
    "account.acme.merchant_id = A2ACMESELLER" \
    "remote.acme.host = 127.0.0.1" "remote.acme.port = $PORT" "remote.acme.user = $(id -un)" \
    "remote.acme.identity = $D/userkey" "remote.acme.known_hosts = $D/known_hosts" \
    "remote.acme.remote_dir = $D/export-acme" "remote.acme.flow = dispatch" \
    "remote.acme.account = acme" "remote.acme.min_age = 0"
"$WB_BIN" -c "$WB_CONF" check >"$D/check.out" 2>&1 || bad "check failed: $(cat "$D/check.out")"
grep -q "wms" "$D/check.out" || bad "check does not report the remote: $(cat "$D/check.out")"
for i in 1 2 3; do
    wb_gen_dispatch "$D/export/.tmp-$i" 5 $((50 + i)) 0
    mv "$D/export/.tmp-$i" "$D/export/wms-$i.csv"
done
printf 'half a file' >"$D/export/still-writing.csv.part"
"$WB_BIN" -c "$WB_CONF" run --once sftp-pull >>"$D/wb.log" 2>&1 || bad "sftp-pull failed"
n=$(ls "$W/spool/in/dispatch" | grep -c '^wms-.*\.csv$')
[ "$n" -eq 3 ] || bad "$n of 3 files pulled into in/dispatch"
[ -z "$(ls "$D/export" | grep '^wms-')" ] || bad "pulled files still in the remote directory"
[ "$(ls "$D/export/archive" | grep -c '^wms-')" -eq 3 ] || bad "pulled files not in the remote archive"
[ -f "$D/export/still-writing.csv.part" ] || bad "a temp-named remote file was taken"
cmp -s "$D/export/archive/wms-1.csv" "$W/spool/in/dispatch/wms-1.csv" || bad "pulled copy differs"
# the same remote file appearing again is not taken twice
cp "$D/export/archive/wms-2.csv" "$D/export/wms-2.csv"
touch -r "$D/export/archive/wms-2.csv" "$D/export/wms-2.csv"
"$WB_BIN" -c "$WB_CONF" run --once sftp-pull >>"$D/wb.log" 2>&1 || bad "second sftp-pull failed"
n=$(ls "$W/spool/in/dispatch" | grep -c '^wms-')
[ "$n" -eq 3 ] || bad "a file seen before was taken again: $(ls "$W/spool/in/dispatch")"
echo "after the repeat: in/=$(ls "$W/spool/in/dispatch" | tr '\n' ' ') remote=$(ls "$D/export" | tr '\n' ' ')"
# push: a file the flows put in out/dispatch goes to the WMS and then to sent/
mkdir -p "$W/spool/out/dispatch"
printf 'order,status\n026-1234567-1234567,confirmed\n' >"$W/spool/out/dispatch/.ack.tmp"
mv "$W/spool/out/dispatch/.ack.tmp" "$W/spool/out/dispatch/ack-1.csv"
"$WB_BIN" -c "$WB_CONF" run --once sftp-push >>"$D/wb.log" 2>&1 || bad "sftp-push failed"
[ -f "$D/import/ack-1.csv" ] || bad "pushed file not on the server"
[ -z "$(ls -A "$W/spool/out/dispatch")" ] || bad "pushed file still in out/"
find "$W/spool/sent" -name ack-1.csv | grep -q . || bad "pushed file not moved to sent/"
ls -a "$D/import" | grep -q '^\.' && [ -n "$(ls -A "$D/import" | grep -v '^ack-1.csv$')" ] &&
    bad "temp file left on the server: $(ls -A "$D/import")"
# an order file the orders job wrote to out/orders/ reaches the WMS whole, then sent/
mkdir -p "$W/spool/out/orders"
printf 'record,order_id\nnew,026-1234567-1234567\n' >"$W/spool/out/orders/.orders.tmp"
mv "$W/spool/out/orders/.orders.tmp" "$W/spool/out/orders/orders-1.csv"
cp "$W/spool/out/orders/orders-1.csv" "$D/orders-1.expect"
"$WB_BIN" -c "$WB_CONF" run --once sftp-push >>"$D/wb.log" 2>&1 || bad "sftp-push of orders failed"
cmp -s "$D/import-orders/orders-1.csv" "$D/orders-1.expect" || bad "order file not on the server whole"
[ -z "$(ls -A "$W/spool/out/orders")" ] || bad "pushed order file still in out/orders/"
find "$W/spool/sent" -name orders-1.csv | grep -q . || bad "pushed order file not moved to sent/"
# a remote of seller account acme pulls into acme's lane, in/acme/dispatch/
wb_gen_dispatch "$D/export-acme/.tmp-a" 5 61 0
mv "$D/export-acme/.tmp-a" "$D/export-acme/acme-1.csv"
"$WB_BIN" -c "$WB_CONF" run --once sftp-pull --options acme >>"$D/wb.log" 2>&1 ||
    bad "sftp-pull of acme's remote failed"
[ -f "$W/spool/in/acme/dispatch/acme-1.csv" ] || bad "acme's file is not in in/acme/dispatch/"
[ -z "$(ls "$W/spool/in/dispatch" | grep '^acme-')" ] || bad "acme's file landed in in/dispatch/"
# a changed host key is refused by check, in one line
sh "$D/ctl.sh" rekey || bad "rekey failed"
"$WB_BIN" -c "$WB_CONF" check >"$D/check2.out" 2>&1 && bad "check passed with a changed host key"
grep -i "host key" "$D/check2.out" | head -n 2
grep -qi "host key" "$D/check2.out" || bad "check does not name the host key: $(cat "$D/check2.out")"
sh "$D/ctl.sh" restore || bad "restore failed"
echo "command line: check, 3 files pulled and archived, temp name left, push to the WMS and sent/," \
    "a seller account's remote pulls into its lane"
exit 0
