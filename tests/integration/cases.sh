#!/bin/sh
# cases.sh - the data-driven spool cases: every directory of tests/cases/ run against a
# simulator of its own, then its normalised end state (ledger rows, files, spool listing,
# status, what Amazon accepted, reject files, feed documents ...) compared with the case's
# expect/. One line per case, a summary, and on a difference the unified diff of expected
# against actual. WB_CASE="NAME ..." runs only the cases named, WB_CASES_DIR another directory
# of cases. The case format is in tests/cases/README.md.
#
# WB_CASE_UPDATE=1 rewrites the expect/ of the cases run from what they produced (for writing
# a new case; read the diff before committing it). The test itself never sets it.
# Owns only its WB_TMP; never changes tests/cases/ unless WB_CASE_UPDATE=1.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
CASES=${WB_CASES_DIR:-$WB_ROOT/tests/cases}
KEYS=" flow describe config run sim jobs sim_get "
DEFAULT_EXPECT="ledger.txt files.txt spool.txt status.txt amazon.txt amazon-feeds.txt
commands.txt sim reject feeds out"

# conf_all KEY - every value of KEY in the case's case.conf, one a line
conf_all() {
    sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$C/case.conf" | sed 's/[[:space:]]*$//'
}
# conf_get KEY DEFAULT - the last value of KEY, or DEFAULT
conf_get() {
    v=$(conf_all "$1" | tail -n 1)
    echo "${v:-$2}"
}

# conf_check - every line of case.conf is a comment, blank, or a known KEY = VALUE
conf_check() {
    bad=$(grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$C/case.conf" |
        while IFS= read -r l; do
            k=$(echo "$l" | sed -n 's/^[[:space:]]*\([a-z_]*\)[[:space:]]*=.*/\1/p')
            case $KEYS in *" $k "*) [ -n "$k" ] && continue ;; esac
            echo "$l"
        done)
    [ -z "$bad" ] || { echo "case.conf: not a known 'key = value' line: $bad"; return 1; }
    [ -n "$(conf_get flow "")" ] || { echo "case.conf: no 'flow ='"; return 1; }
}

# sim_posts - sim.json as lines "STEP<TAB>PATH<TAB>JSON": STEP 0 for "start", N for
# "before": {"N": ...}; the key "faults" stands for /_sim/faults
sim_posts() {
    [ -f "$C/sim.json" ] || return 0
    $WB_PY - "$C/sim.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = set(d) - {"start", "before", "comment"}
if bad:
    sys.exit("sim.json: unknown key(s) %s (start, before, comment)" % sorted(bad))
def posts(step, m):
    for path, body in m.items():
        path = "/_sim/faults" if path == "faults" else path
        if not path.startswith("/_sim/"):
            sys.exit("sim.json: %r is not a control path (/_sim/...) or faults" % path)
        print("%s\t%s\t%s" % (step, path, json.dumps(body)))
posts(0, d.get("start", {}))
for n, m in d.get("before", {}).items():
    posts(int(n), m)
PY
}

# sim_step N - the simulator posts of step N (0: at start)
sim_step() {
    awk -F '\t' -v n="$1" '$1 == n' "$A/posts" | while IFS="$(printf '\t')" read -r _ p j; do
        wb_sim_post "$p" "$j" || exit 1
    done
}

# snapshot DIR - the normalised state of the spool into DIR (tests/case_state.py); the event
# names to count come from the same place under expect/
snapshot() {
    rel=${1#"$A/actual"}
    "$WB_BIN" -c "$WB_CONF" status --json >"$A/status.json" 2>>"$WB_LOG"
    wb_sim_ctl /_sim/received >"$A/received.json" 2>>"$WB_LOG"
    wb_sim_ctl /_sim/stats >"$A/stats.json" 2>>"$WB_LOG"
    rm -rf "$A/sim_get"
    mkdir -p "$A/sim_get"
    for p in $(conf_all sim_get); do
        wb_sim_ctl "$p" >"$A/sim_get/$(echo "${p#/_sim/}" | tr '/' '_').json" 2>>"$WB_LOG"
    done
    $WB_PY "$WB_ROOT/tests/case_state.py" --spool "$A/w/spool" --ledger "$A/w/spool/ledger.db" \
        --status "$A/status.json" --received "$A/received.json" --stats "$A/stats.json" \
        --sim-get "$A/sim_get" --commands "$A/commands" --log "$WB_LOG" \
        --events "$C/expect$rel/events.txt" --now "$WB_NOW" --legacy "$WB_LEGACY" \
        --started "$STARTED" "$1"
}

# step N TEXT - one step of the case; non-zero (with a message) when it cannot be done
step() {
    n=$1; shift
    text=$1
    set -f
    # shellcheck disable=SC2086
    set -- $1
    set +f
    sim_step "$n" || return 1
    case $1 in
    settle)
        shift
        max=60
        case ${1:-} in [0-9]*) max=$1; shift ;; esac
        # shellcheck disable=SC2046
        [ $# -gt 0 ] || set -- $(conf_get jobs "dispatch:flush feeds-poll:now")
        wb_settle_jobs "$max" "$@" || { echo "step $n: did not settle in $max rounds"; return 1; }
        ;;
    offline) shift; WB_OFFLINE=1 wb_run_job "$1" "${2:-}" ;;
    later) shift; WB_FAKE_NOW=$(($(date +%s) + $1)) wb_run_job "$2" "${3:-}" ;;
    sleep) sleep "$2" ;;
    drop)
        [ -d "$C/$2" ] || { echo "step $n: no directory $2 in the case"; return 1; }
        wb_drop_tree "$C/$2" "$A/w/spool" ;;
    cmd)
        shift
        echo "\$ wmsbridge $*" >>"$A/commands"
        "$WB_BIN" -c "$WB_CONF" "$@" >>"$A/commands" 2>&1 </dev/null
        echo "[exit $?]" >>"$A/commands" ;;
    snapshot) snapshot "$A/actual/$2" ;;
    sh)
        # what no step says: a shell file of the case, run in a subshell with the helpers of
        # lib.sh, WB_CONF, SIM_URL, SPOOL and WB_TMP at hand
        f=$2
        [ -f "$C/$f" ] || { echo "step $n: no file $f in the case"; return 1; }
        (SPOOL=$A/w/spool && shift 2 && . "$C/$f") || { echo "step $n: $f failed"; return 1; } ;;
    fix)
        # the operator edits a spool file: sed EXPR (the rest of the line) on spool PATH
        expr=${text#*fix*"$2"}
        f="$A/w/spool/$2"
        [ -f "$f" ] || { echo "step $n: no spool file $2"; return 1; }
        LC_ALL=C sed -i "${expr# }" "$f" ;;
    *) wb_run_job "$1" "${2:-}" ;;
    esac
    return 0
}

# compare EXP ACT - diff every entry of EXP against ACT (a snapshot directory inside: only its
# entries that EXP holds); the diffs into $A/diff; non-zero on a difference
compare() {
    r=0
    for e in $(ls -A "$1"); do
        if [ -f "$2/$e/spool.txt" ] && [ -d "$1/$e" ]; then
            (compare "$1/$e" "$2/$e") || r=1 # a subshell: its r is its own
            continue
        fi
        [ -d "$1/$e" ] && mkdir -p "$2/$e"
        diff -ruN "$1/$e" "$2/$e" >>"$A/diff" || r=1
    done
    return $r
}

# update EXP ACT - rewrite the entries of EXP from ACT; when EXP holds none of the default set
# (a new case), the default set and every snapshot are written as well
update() {
    mkdir -p "$1"
    names=$(ls -A "$1")
    fresh=1
    for e in $DEFAULT_EXPECT; do [ -e "$1/$e" ] && fresh=0; done
    if [ $fresh = 1 ]; then
        names="$names $DEFAULT_EXPECT"
        for e in $(ls -A "$2"); do [ -f "$2/$e/spool.txt" ] && names="$names $e"; done
    fi
    for e in $(echo "$names" | tr ' ' '\n' | sort -u); do
        if [ -f "$2/$e/spool.txt" ]; then
            (update "$1/$e" "$2/$e")
            continue
        fi
        rm -rf "${1:?}/$e"
        [ -e "$2/$e" ] && cp -R "$2/$e" "$1/$e"
    done
    return 0
}

# run_case DIR - one case; prints its result line (and the diff); non-zero on failure
run_case() {
    C=$1
    name=$(basename "$C")
    A=$WB_TMP/cases/$name
    rm -rf "$A"
    mkdir -p "$A/sim" "$A/actual"
    t0=$(date +%s)
    if ! err=$(conf_check) || ! sim_posts >"$A/posts" 2>"$A/err"; then
        echo "FAIL $name: ${err:-$(cat "$A/err")}"
        return 1
    fi
    flow=$(conf_get flow "")
    wb_case_times
    STARTED=$t0
    cp "$WB_TMP/certs/"* "$A/sim/"
    WB_SIM_ARGS=$(conf_get sim "--process-seconds 1 --rate-scale 50")
    conf_all config >"$A/config"
    # shellcheck disable=SC2046
    IFS='
' && set -- $(cat "$A/config") && unset IFS
    : >"$A/steps.log"
    ok=1
    wb_sim_spool "$A" "$@" >>"$A/steps.log" 2>&1 || ok=0
    # etc/: files beside wmsbridge.conf (an account's credentials), readable by the owner only
    [ $ok = 1 ] && [ -d "$C/etc" ] && { (umask 077 && cp "$C"/etc/* "$A/w/etc/") || ok=0; }
    [ $ok = 1 ] && { sim_step 0 >>"$A/steps.log" 2>&1 || ok=0; }
    [ $ok = 1 ] && [ -d "$C/in" ] && { wb_drop_tree "$C/in" "$A/w/spool" || ok=0; }
    conf_all run >"$A/steps"
    [ -s "$A/steps" ] || echo settle >"$A/steps"
    late=$(awk -F '\t' -v n="$(wc -l <"$A/steps")" '$1 > n { print $1 }' "$A/posts" | head -n 1)
    if [ -n "$late" ]; then
        echo "sim.json: before step $late, but the case has fewer steps" >>"$A/steps.log"
        ok=0
    fi
    n=0
    while [ $ok = 1 ] && IFS= read -r s <&3; do
        n=$((n + 1))
        step "$n" "$s" >>"$A/steps.log" 2>&1 </dev/null || ok=0
    done 3<"$A/steps"
    [ $ok = 1 ] && { snapshot "$A/actual" >>"$A/steps.log" 2>&1 || ok=0; }
    wb_cleanup
    dur=$(($(date +%s) - t0))
    if [ $ok = 0 ]; then
        echo "FAIL $name ($flow, ${dur}s): the case did not run:"
        tail -n 15 "$A/steps.log" | sed 's/^/    | /'
        grep -E "level=(warn|error)" "$WB_LOG" | tail -n 10 | sed 's/^/    | /'
        return 1
    fi
    if [ -n "${WB_CASE_UPDATE:-}" ]; then
        update "$C/expect" "$A/actual"
        echo "updated $name ($flow, ${dur}s): $(ls "$C/expect" | tr '\n' ' ')"
        return 0
    fi
    [ -d "$C/expect" ] || { echo "FAIL $name: no expect/ (WB_CASE_UPDATE=1 writes it)"; return 1; }
    : >"$A/diff"
    if compare "$C/expect" "$A/actual"; then
        echo "ok   $name ($flow, ${dur}s)"
        return 0
    fi
    echo "FAIL $name ($flow, ${dur}s): expected (---) and actual (+++) differ:"
    sed "s|$C/||; s|$A/||; s/^\(---\|+++\) \([^\t]*\)\t.*/\1 \2/; s/^/    /" "$A/diff" |
        head -n "${WB_CASE_DIFF_LINES:-80}"
    grep -E "level=(warn|error)" "$WB_LOG" | tail -n 5 | sed 's/^/    | /'
    return 1
}

mkdir -p "$WB_TMP/certs"
sh "$WB_ROOT/tests/sim/mkcert.sh" "$WB_TMP/certs" >/dev/null || exit 1
total=0
failed=0
for c in "$CASES"/*/; do
    c=${c%/}
    [ -f "$c/case.conf" ] || continue
    [ -n "${WB_CASE:-}" ] && case " $WB_CASE " in *" $(basename "$c") "*) ;; *) continue ;; esac
    total=$((total + 1))
    run_case "$c" || failed=$((failed + 1))
done
[ "$total" -gt 0 ] || { echo "no case ${WB_CASE:+named $WB_CASE }in $CASES"; exit 1; }
echo "$total cases, $failed failed"
[ "$failed" -eq 0 ]
