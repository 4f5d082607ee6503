#!/bin/sh
# sftp.sh - SFTP pull/push against a real OpenSSH sshd on loopback.
#
# Starts /usr/sbin/sshd as the current user (generated ed25519 host and user
# keys, config, authorized_keys and pid file all under WB_TMP, listening on
# 127.0.0.1 only) and runs the cmocka live test
# $WB_BUILD/tests/test_flows_sftp_live against it. The test drives the server
# through the control script written here (stop = kill -9 the daemon and its
# sessions, start, rekey = new host key, restore = original host key).
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
fi
exit $rc
