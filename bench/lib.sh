# lib.sh - the measuring helpers of the benchmarks (sourced by bench/run.sh and
# bench/inventory.sh): one run measured, the best of several, a target verdict.
# Needs MEASURE (the measure.py command line), OUT (where a run's stderr goes)
# and die(); sets M. Owned by bench/.

# field KEY LINE - value of KEY= in a measure.py line
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# measure LABEL INPUT CMD... - one run, its exit status checked; sets M
measure() {
    label=$1 input=$2
    shift 2
    M=$($MEASURE 1 "$input" /dev/null -- "$@" 2>"$OUT/$label.err") ||
        die "$label: measuring failed"
    rc=$(field rc "$M")
    case $rc in
    0 | 65) ;;
    *) cat "$OUT/$label.err" >&2; die "$label: exit status $rc" ;;
    esac
}

# best OLD NEW - the better of two measure lines: least CPU and wall, largest peak RSS
best() {
    [ -z "$1" ] && { echo "$2"; return; }
    awk -v a="$1" -v b="$2" 'function get(line, k,   n, i, f, kv) {
            n = split(line, f, " ")
            for (i = 1; i <= n; i++) { split(f[i], kv, "="); if (kv[1] == k) return kv[2] }
            return "" }
        BEGIN {
            c = get(a, "cpu") + 0; d = get(b, "cpu") + 0
            w = get(a, "wall") + 0; x = get(b, "wall") + 0
            r = get(a, "rss_kb") + 0; q = get(b, "rss_kb") + 0
            printf "wall=%.3f cpu=%.3f rss_kb=%d rc=%s%s\n", (x < w ? x : w), (d < c ? d : c),
                (q > r ? q : r), get(b, "rc"), get(b, "approx") != "" ? " approx=1" : "" }'
}

# verdict LABEL VALUE OP LIMIT - one target line
verdict() {
    awk -v l="$1" -v v="$2" -v op="$3" -v lim="$4" -v unit="$5" 'BEGIN {
        ok = (op == ">=") ? v >= lim : (op == "<=") ? v <= lim : v < lim
        printf "  %-28s %10.2f%s  target %s %s%s  %s\n", l, v, unit, op, lim, unit,
            ok ? "PASS" : "FAIL" }'
}
