#!/bin/sh
# permissions.sh - the permission model as operations.md describes it, with real users: a
# service user and an operator in one group. root running `status` before the service's first
# run creates nothing; the service creates directories 2770 and files 0640 of its group
# (under the shipped unit's umask); the operator reads everything with status, rejects, feeds
# and explain and changes nothing doing so; requeue works for the operator; a write the
# operator may not make, and any read by a user outside the group, says "permission denied"
# and names the path. Needs root (useradd, setpriv); skips (77) otherwise.
set -u
. "$WB_ROOT/tests/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "skip: permissions.sh needs root (useradd)"; exit 77; }
for c in useradd groupadd userdel groupdel setpriv; do
    command -v "$c" >/dev/null 2>&1 || { echo "skip: $c not found"; exit 77; }
done
G=wbg$$
SVC=wbs$$
OP=wbo$$
cleanup() {
    wb_cleanup
    userdel "$SVC" 2>/dev/null
    userdel "$OP" 2>/dev/null
    groupdel "$G" 2>/dev/null
}
trap cleanup EXIT
groupadd "$G" && useradd -M -N -g "$G" -s /bin/false "$SVC" &&
    useradd -M -N -G "$G" -s /bin/false "$OP" || { echo "FAIL: cannot create users"; exit 1; }
export WB_LOG=$WB_TMP/log
chmod 711 "$WB_TMP"
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W"
SP=$W/spool
# what an installation has: binary, layouts and configuration readable by the group, the
# credentials the service's own, an empty spool directory 2770 of the service's group
mkdir -p "$W/bin" && cp "$WB_BIN" "$W/bin/wmsbridge" && cp -r "$WB_ROOT/formats" "$W/formats"
sed -i "s|^layout_dir = .*|layout_dir = $W/formats|" "$WB_CONF"
chmod -R go+rX "$W" "$WB_TMP/sim/ca.pem" && chmod 755 "$WB_TMP/sim"
chown "$SVC:$G" "$W/etc/credentials" && chmod 600 "$W/etc/credentials"
rm -rf "$SP" && install -d -o "$SVC" -g "$G" -m 2770 "$SP"
B=$W/bin/wmsbridge
svc() { (umask 0027 && setpriv --reuid="$SVC" --regid="$G" --init-groups "$B" -c "$WB_CONF" "$@"); }
OPG=$(id -g "$OP")
op() { (umask 0022 && setpriv --reuid="$OP" --regid="$OPG" --init-groups "$B" -c "$WB_CONF" "$@"); }
# an operator who is not in the group
outsider() { setpriv --reuid="$OP" --regid=65534 --clear-groups "$B" -c "$WB_CONF" "$@"; }
fail() { echo "FAIL: $*"; tail -n 20 "$WB_LOG"; exit 1; }
snap() { find "$SP" -printf '%p %m %u %g %s %T@\n' | sort; }

# root first, before the service ever ran: nothing may be left behind
"$B" -c "$WB_CONF" status >"$WB_TMP/out" 2>&1 ||
    fail "status before the first run: $(cat "$WB_TMP/out")"
"$B" -c "$WB_CONF" rejects >/dev/null 2>&1
"$B" -c "$WB_CONF" feeds >/dev/null 2>&1
[ -z "$(find "$SP" -mindepth 1)" ] || fail "root's status created: $(find "$SP" -mindepth 1)"
echo "ok   root's status before the first run creates nothing"

# the service's first run creates its spool; the operator (group member) drops a file
svc run --once dispatch --options flush >>"$WB_LOG" 2>&1 || fail "the service's first run failed"
wb_gen_dispatch "$WB_TMP/d.csv" 12 7 25
cp "$WB_TMP/d.csv" "$WB_TMP/day-1.csv" && chmod 644 "$WB_TMP/day-1.csv"
setpriv --reuid="$OP" --regid="$OPG" --init-groups cp "$WB_TMP/day-1.csv" "$SP/in/dispatch/" ||
    fail "the operator cannot drop a file into in/dispatch"
i=0
while [ $i -lt 30 ]; do
    svc run --once dispatch --options flush >>"$WB_LOG" 2>&1
    svc run --once feeds-poll --options now >>"$WB_LOG" 2>&1
    st=$(svc status --json 2>/dev/null)
    wb_status_zero "$st" pending queued ready submitting submitted && break
    i=$((i + 1))
    sleep 1
done
rej=$(ls "$SP/reject/dispatch" | grep -v '\.reason$' | head -n 1)
[ -n "$rej" ] || fail "no reject file to read"

# what the service made: directories 2770, its files 0640, all of the service's group
bad=$(find "$SP" -type d ! -perm 2770 -printf '%p %m\n' | head -n 3)
[ -z "$bad" ] || fail "directories not 2770: $bad"
bad=$(find "$SP" -user "$SVC" -type f \( -perm /0137 -o ! -perm -0040 \) \
    -printf '%p %m\n' | head -n 3)
[ -z "$bad" ] || fail "service files not 0640: $bad"
bad=$(find "$SP" ! -group "$G" -printf '%p %g\n' | head -n 3)
[ -z "$bad" ] || fail "not of the group $G: $bad"
[ -f "$SP/ledger.db-wal" ] && [ -f "$SP/ledger.db-shm" ] ||
    fail "the ledger's WAL files went with the service's last connection"
echo "ok   service: directories 2770, files 0640, group $G, WAL files kept"

# the operator reads everything and changes nothing
snap >"$WB_TMP/before"
op status >"$WB_TMP/out" 2>&1 || fail "operator status: $(cat "$WB_TMP/out")"
grep -q "confirmed" "$WB_TMP/out" || fail "operator status shows no rows: $(cat "$WB_TMP/out")"
op status --json >"$WB_TMP/out" 2>&1 || fail "operator status --json: $(cat "$WB_TMP/out")"
op rejects >"$WB_TMP/out" 2>&1 || fail "operator rejects: $(cat "$WB_TMP/out")"
grep -q "$rej" "$WB_TMP/out" || fail "operator rejects does not list $rej"
op feeds --all >"$WB_TMP/out" 2>&1 || fail "operator feeds: $(cat "$WB_TMP/out")"
op explain day-1.csv >"$WB_TMP/out" 2>&1 || fail "operator explain: $(cat "$WB_TMP/out")"
setpriv --reuid="$OP" --regid="$OPG" --init-groups cat "$SP/reject/dispatch/$rej" \
    "$SP/reject/dispatch/$rej.reason" >/dev/null || fail "the operator cannot read $rej"
snap >"$WB_TMP/after"
cmp -s "$WB_TMP/before" "$WB_TMP/after" ||
    fail "the operator's reads changed the spool: $(diff "$WB_TMP/before" "$WB_TMP/after")"
echo "ok   operator: status, rejects, feeds, explain read and change nothing"

# what the operator may not do, and a user outside the group: "permission denied" and the path
op run --once dispatch >"$WB_TMP/out" 2>&1
rc=$?
[ "$rc" -eq 77 ] && grep -q "$SP.*permission denied" "$WB_TMP/out" ||
    fail "operator run: exit $rc: $(cat "$WB_TMP/out")"
outsider status >"$WB_TMP/out" 2>&1
rc=$?
[ "$rc" -eq 77 ] && grep -q "ledger $SP/ledger.db: .*permission denied" "$WB_TMP/out" ||
    fail "status outside the group: exit $rc: $(cat "$WB_TMP/out")"
echo "ok   refused: 'permission denied' with the path"

# the operator sends the reject file back; the service takes it again
op requeue "$rej" >"$WB_TMP/out" 2>&1 || fail "operator requeue: $(cat "$WB_TMP/out")"
svc run --once dispatch --options flush >>"$WB_LOG" 2>&1 || fail "service run after requeue"
[ -z "$(ls "$SP/in/dispatch")" ] || fail "the requeued file was not taken: $(ls "$SP/in/dispatch")"
echo "ok   operator requeue, the service takes the file"
exit 0
