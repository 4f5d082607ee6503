#!/bin/sh
# crashloop_run.sh - the crash loop shared by tests/integration/crashloop.sh
# (short) and tests/stress/crashloop.sh (long): drop dispatch files, run the
# real daemon against the SP-API simulator, SIGKILL its whole process group
# at random moments, restart it, drop more files between kills, let it
# settle, then prove that every row was confirmed or rejected exactly once.
# Owns only what it creates under $WB_TMP; must never touch the repository
# tree, kill a process it did not start, or weaken what it asserts.
#
#   sh tests/crashloop_run.sh KILLS FILES ROWS_PER_FILE [BAD_PERCENT] [SEED]
#
# With WB_CRASH_NAME=dispatch.csv every export has that one name, as many WMS
# write it: the next is dropped once in/ no longer holds the last, and at every
# other kill the stopped daemon is left with what a SIGKILL right after the
# claim rename leaves (the file in work/ under the name the claim gives it, no
# ledger record yet), while earlier files of that name are done.
#
# Needs WB_BIN, WB_ROOT, WB_TMP (set by tests/run.sh). Exit 0 pass, else fail.
set -u
KILLS=${1:?usage: crashloop_run.sh KILLS FILES ROWS [BAD] [SEED]}
FILES=${2:?files}
ROWS=${3:?rows per file}
BAD=${4:-8}
SEED=${5:-${WB_CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}}
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
W=$WB_TMP/w
export WB_LOG=$WB_TMP/log
DPID=""

# stop_daemon - SIGKILL the daemon's process group (it and its job children)
stop_daemon() {
    if [ -n "$DPID" ]; then
        env kill -s KILL -- "-$DPID" 2>/dev/null || kill -KILL "$DPID" 2>/dev/null
        wait "$DPID" 2>/dev/null
        # the job processes of the group are gone (or zombies) before a restart
        g=0
        while ps -o stat= -g "$DPID" 2>/dev/null | grep -qv '^Z' && [ $g -lt 100 ]; do
            sleep 0.05
            g=$((g + 1))
        done
        DPID=""
    fi
}
cleanup() {
    stop_daemon
    wb_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM
fail() {
    echo "FAIL: $*"
    echo "seed=$SEED kills=$kills"
    "$B" -c "$WB_CONF" status 2>&1
    grep -E "level=(warn|error)" "$WB_LOG" | grep -v 'event=lost_run' | tail -n 15
    exit 1
}

# start_daemon - the daemon in its own process group (setsid), output to the log
start_daemon() {
    setsid "$B" -c "$WB_CONF" run >>"$WB_LOG" 2>&1 &
    DPID=$!
}

# rnd_sleep K - the K-th pause of this seed, 0.05 .. 1.5 s
rnd_sleep() {
    awk -v s="$SEED" -v k="$1" 'BEGIN { srand(s * 1000 + k); printf "%.2f\n", 0.05 + rand() * 1.45 }'
}

command -v setsid >/dev/null 2>&1 || { echo "setsid (util-linux) not found"; exit 77; }
t0=$(date +%s)
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
wb_make_config "$W"
IN=$W/spool/in/dispatch
mkdir -p "$IN" "$WB_TMP/gen"

# the files: distinct seeds keep their business keys apart
total=0
i=1
while [ $i -le "$FILES" ]; do
    wb_gen_dispatch "$WB_TMP/gen/d$i.csv" "$ROWS" $((SEED % 400 + i * 7)) "$BAD" || exit 1
    total=$((total + $(wc -l <"$WB_TMP/gen/d$i.csv") - 1))
    i=$((i + 1))
done
echo "crashloop: seed=$SEED kills=$KILLS files=$FILES rows=$total bad_percent=$BAD"

# half the files before the first start, the rest one by one between kills
FIXED=${WB_CRASH_NAME:-}
dropped=0
claimed_by_kill=0
drop_next() {
    if [ "$dropped" -lt "$FILES" ]; then
        if [ -n "$FIXED" ]; then
            [ -e "$IN/$FIXED" ] && return 1 # the WMS writes the next once the last is taken
            cp "$WB_TMP/gen/d$((dropped + 1)).csv" "$IN/.$FIXED.part" &&
                mv "$IN/.$FIXED.part" "$IN/$FIXED" || return 1
        else
            wb_drop "$WB_TMP/gen/d$((dropped + 1)).csv" "$IN"
        fi
        dropped=$((dropped + 1))
    fi
}
# kill_after_claim - the daemon (stopped) as a SIGKILL between the claim rename and the
# ledger's file record leaves it: in/NAME moved to the free name the claim picks in work/
kill_after_claim() {
    [ -n "$FIXED" ] && [ -e "$IN/$FIXED" ] || return 0
    WD=$W/spool/work/dispatch
    mkdir -p "$WD"
    c=$FIXED
    k=1
    while [ -e "$WD/$c" ]; do c=$FIXED.$k; k=$((k + 1)); done
    mv "$IN/$FIXED" "$WD/$c"
    claimed_by_kill=$((claimed_by_kill + 1))
}
if [ -n "$FIXED" ]; then
    drop_next
else
    while [ "$dropped" -lt $(((FILES + 1) / 2)) ]; do drop_next; done
fi
every=$((KILLS / (FILES - dropped + 1)))
[ "$every" -ge 1 ] || every=1

kills=0
midjob=0
while [ "$kills" -lt "$KILLS" ]; do
    start_daemon
    sleep "$(rnd_sleep "$kills")"
    kill -0 "$DPID" 2>/dev/null || { wait "$DPID"; fail "daemon exited by itself (exit $?)"; }
    # a job process besides the daemon: this kill cuts a job short
    [ "$(ps -o stat= -g "$DPID" 2>/dev/null | grep -cv '^Z')" -gt 1 ] && midjob=$((midjob + 1))
    stop_daemon
    kills=$((kills + 1))
    if [ $((kills % every)) -eq 0 ] && drop_next && [ $((dropped % 2)) -eq 0 ]; then
        kill_after_claim
    fi
done
[ -n "$FIXED" ] || while [ "$dropped" -lt "$FILES" ]; do drop_next; done
t_kills=$(date +%s)

# settle: the daemon alone first, then the one-shot jobs for whatever is left
start_daemon
n=0
while [ $n -lt 240 ]; do
    drop_next # one fixed name: the rest, each once the last is taken
    st=$("$B" -c "$WB_CONF" status --json 2>/dev/null)
    if wb_status_zero "$st" in work pending queued building ready submitting submitted; then
        [ "$dropped" -eq "$FILES" ] && break
    fi
    sleep 0.5
    n=$((n + 1))
done
kill -TERM "$DPID" 2>/dev/null
w=0
while kill -0 "$DPID" 2>/dev/null && [ $w -lt 60 ]; do sleep 0.5; w=$((w + 1)); done
stop_daemon
[ "$dropped" -eq "$FILES" ] || fail "only $dropped of $FILES files of one name taken in"
wb_settle "$B" "$WB_CONF" 60 || fail "did not settle after $kills kills"
t_end=$(date +%s)

# invariants
st=$("$B" -c "$WB_CONF" status --json)
echo "$st"
num() { wb_status_of "$st" "$1"; } # summed over every lane
conf=$(num confirmed)
rej=$(num rejected)
for s in building ready submitting submitted ambiguous; do
    [ "$(num "$s")" = 0 ] || fail "$(num "$s") feed(s) left $s"
done
[ $((conf + rej)) -eq "$total" ] ||
    fail "ledger: confirmed $conf + rejected $rej = $((conf + rej)), rows dropped $total"
[ -z "$(ls -A "$IN")" ] || fail "in/ not empty: $(ls -A "$IN" | head -n 3)"
[ -z "$(ls -A "$W/spool/work/dispatch")" ] || fail "work/ not empty: $(ls -A "$W/spool/work/dispatch")"
tmp=$(find "$W/spool" \( -name '.*.tmp' -o -name '*.tmp' -o -name '*.part' \) | head -n 3)
[ -z "$tmp" ] || fail "temp files left: $tmp"
if [ -n "$FIXED" ]; then
    ndone=$(find "$W/spool/done" -type f -name "$FIXED*" | wc -l)
else
    ndone=$(find "$W/spool/done" -type f -name 'd*.csv' | wc -l)
fi
[ "$ndone" -eq "$FILES" ] || fail "$ndone of $FILES originals in done/"
ncorrupt=$(find "$W/spool/corrupt" -type f | wc -l)
[ "$ncorrupt" -eq 0 ] || fail "files in corrupt/: $(ls "$W/spool/corrupt" | head -n 3)"
# every rejected row sits in exactly one reject file; no whole file was rejected
whole=$(ls "$W/spool/reject/dispatch" | grep -v '\.reason$' |
    grep -Ev -- '-(rejects-[0-9]+|(amazon|invalid|fatal)-[0-9]+-[0-9]+)\.csv$' | head -n 3)
[ -z "$whole" ] || fail "whole files rejected: $whole"
wb_sim_ctl /_sim/received >"$WB_TMP/received.json" || fail "simulator did not answer"
python3 - "$W/spool/reject/dispatch" "$WB_TMP/received.json" "$conf" "$rej" "$total" <<'PY' || fail "cross-check"
import csv, glob, json, os, sys
rdir, recv, conf, rej, total = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rows = 0
seen = {}
dup_rows = 0
for f in sorted(glob.glob(os.path.join(rdir, "*.csv"))):
    with open(f, newline="", encoding="utf-8") as fh:
        r = list(csv.reader(fh))
    for row in r[1:]:
        k = tuple(row[:6])
        if k in seen:
            dup_rows += 1
        seen[k] = f
    rows += len(r) - 1
if rows != rej:
    print("FAIL: %d rows in reject files, ledger rejected %d" % (rows, rej)); sys.exit(1)
if rows + conf != total:
    print("FAIL: reject-file rows %d + confirmed %d != dropped %d" % (rows, conf, total)); sys.exit(1)
d = json.load(open(recv))
keys = d["accepted_keys"]
dups = {k: v for k, v in keys.items() if v != 1}
if dups:
    print("FAIL: keys accepted more than once:", list(dups.items())[:5]); sys.exit(1)
if len(keys) != conf:
    print("FAIL: Amazon accepted %d keys, ledger confirmed %d" % (len(keys), conf)); sys.exit(1)
lost = total - conf - rows
print("amazon accepted %d keys, each once, in %d feeds; reject files hold %d rows"
      " (%d repeated lines); duplicates 0, lost %d" % (len(keys), len(d["feeds"]), rows,
                                                      dup_rows, lost))
PY
lost_runs=$(grep -c 'event=lost_run' "$WB_LOG")
echo "crashloop: kills=$kills rows=$total confirmed=$conf rejected=$rej duplicates=0 lost=0" \
    "name=${FIXED:-per-file} killed_after_claim=$claimed_by_kill kills_during_a_job=$midjob runs_recorded_lost=$lost_runs kill_phase_s=$((t_kills - t0)) total_s=$((t_end - t0)) seed=$SEED"
echo "ok"
