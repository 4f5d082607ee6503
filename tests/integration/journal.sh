#!/bin/sh
# journal.sh - under systemd (standard error is the stream JOURNAL_STREAM names by device and
# inode) every log line starts with journald's "<N>" syslog priority and no time stamp, so
# `journalctl -p warning` shows the warnings and errors; with JOURNAL_STREAM naming another
# stream, or unset, lines keep their time stamp and no prefix.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
B=$WB_BIN
W=$WB_TMP/w
wb_make_config "$W"
mkdir -p "$W/spool/in/dispatch"
fail() { echo "FAIL: $*"; exit 1; }
wb_gen_dispatch "$WB_TMP/a.csv" 10 3 30
wb_drop "$WB_TMP/a.csv" "$W/spool/in/dispatch"
chmod 644 "$W/etc/credentials" # offline: an error line and warnings besides the info lines
L=$WB_TMP/journal.log
: >"$L"
JOURNAL_STREAM=$(stat -c '%d:%i' "$L") "$B" -c "$WB_CONF" run --once dispatch 2>>"$L" >/dev/null
grep -q '^<6>level=info ' "$L" || { cat "$L"; fail "no info line with <6>"; }
grep -q '^<4>level=warn ' "$L" || { cat "$L"; fail "no warning line with <4>"; }
grep -q '^<3>level=error .*event=offline' "$L" || { cat "$L"; fail "no error line with <3>"; }
bad=$(grep -cv '^<[3467]>level=\(debug\|info\|warn\|error\) ' "$L")
[ "$bad" = 0 ] || { cat "$L"; fail "$bad line(s) without their priority prefix"; }
echo "ok   journal stream: every line has its <N> priority"

: >"$WB_TMP/plain.log"
JOURNAL_STREAM=1:1 "$B" -c "$WB_CONF" run --once dispatch 2>>"$WB_TMP/plain.log" >/dev/null
grep -q '^<' "$WB_TMP/plain.log" && fail "a priority prefix on a stream that is not the journal"
grep -q '^20[0-9-]*T[0-9:]*Z level=' "$WB_TMP/plain.log" || fail "lines lost their time stamp"
echo ok
