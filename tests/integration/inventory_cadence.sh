#!/bin/sh
# inventory_cadence.sh - the inventory cadence against the simulator on a controlled clock
# (WB_FAKE_NOW): a fast SKU's rise (listed in inventory_fast_skus) goes at once, a slow SKU's
# rise waits until its last publication is inventory_slow_minutes old and a slow SKU's fall
# never waits; `status` counts the change held back; a run with no new snapshot, once the
# change is due, publishes it; the inventory freshness figure in `status --json` (the fast and
# slow classes' ages, against their targets); inventory-stale raised through the alert command
# when no snapshot came for longer than the target, and resolved by the next snapshot; a bad
# line of the fast SKU list stops `check`.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
export WB_LOG=$WB_TMP/log
B=$WB_BIN
fail() { wb_fail "$@"; }

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
J=$WB_TMP/alerts.jsonl
: >"$J"
printf '#!/bin/sh\ncat >>%s\n' "$J" >"$WB_TMP/alert.sh"
chmod 755 "$WB_TMP/alert.sh"
mkdir -p "$W/etc"
printf '# fast movers\nSKU-F\n' >"$W/etc/fast.list"
wb_make_config "$W" "stock_states_map = $WB_ROOT/etc/stock-states.map" \
    "inventory_slow_minutes = 60" "inventory_fast_skus = $W/etc/fast.list" \
    "target_inventory_freshness_minutes = 30" "alert_command = $WB_TMP/alert.sh"
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1 || { cat "$WB_TMP/check.out"; fail "check"; }
D=$W/spool/in/inventory
mkdir -p "$D"

# the controlled clock starts ten minutes ahead of the real one (files dropped now are never
# dated in its future)
T=$(($(date +%s) + 600))
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# settle_at NOW - inventory + feeds-poll at NOW until no row is queued and no file waits in in/
settle_at() {
    r=0
    while [ $r -lt 60 ]; do
        WB_FAKE_NOW=$1 "$B" -c "$WB_CONF" run --once inventory --options flush >>"$WB_LOG" 2>&1
        WB_FAKE_NOW=$1 "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
        WB_FAKE_NOW=$1 "$B" -c "$WB_CONF" status --json | $WB_PY -c '
import json, sys
f = json.load(sys.stdin)["flows"]["inventory"]
sys.exit(1 if f["in"] or f["rows"]["queued"] else 0)' && return 0
        r=$((r + 1))
        sleep 1
    done
    return 1
}
# sent - "SKU=QTY" of each listings feed the simulator received, one feed a line, sorted
sent() {
    wb_sim_ctl /_sim/received | $WB_PY -c '
import json, sys
for f in json.load(sys.stdin)["feeds"]:
    if f.get("feedType") == "JSON_LISTINGS_FEED":
        print(" ".join(sorted("%s=%s" % tuple(m["items"][0]) for m in f.get("messages", []))))
'
}
# snapshot NAME TIME F S D - a snapshot of the three SKUs at TIME
snapshot() {
    t=$(iso "$2")
    printf 'sku,stock_state,location,quantity,snapshot_time\nSKU-F,AVAILABLE,A1,%s,%s\nSKU-S,AVAILABLE,B1,%s,%s\nSKU-D,AVAILABLE,C1,%s,%s\n' \
        "$3" "$t" "$4" "$t" "$5" "$t" >"$WB_TMP/$1"
    wb_drop "$WB_TMP/$1" "$D"
}
# alerts TYPE STATE - how many alert objects of that type and state the command received
alerts() {
    $WB_PY - "$J" "$1" "$2" <<'EOF'
import json, sys
print(sum(1 for l in open(sys.argv[1]) if l.strip() and json.loads(l)["type"] == sys.argv[2]
          and json.loads(l)["state"] == sys.argv[3]))
EOF
}
# fresh NOW - the inventory freshness figure of the default account: "have value target"
fresh() {
    WB_FAKE_NOW=$1 "$B" -c "$WB_CONF" status --json | $WB_PY -c '
import json, sys
f = json.load(sys.stdin)["health"]["default"]["inventory_freshness"]
print(f.get("configured"), f.get("value"), f.get("target"), f.get("detail"))'
}

# 1. nothing taken in yet: the figure is configured, with no value
got=$(fresh "$T")
case "$got" in "True None 30.0 no stock snapshot taken in yet") ;; *) fail "before any snapshot: $got" ;; esac

# 2. the first snapshot publishes every SKU (none was ever published)
snapshot s1.csv $((T - 60)) 5 5 10
settle_at "$T" || fail "the first snapshot did not settle"
[ "$(sent)" = "SKU-D=10 SKU-F=5 SKU-S=5" ] || fail "first snapshot sent: $(sent)"

# 3. two minutes later: the fast SKU's rise and the slow SKU's fall go at once, the slow SKU's
# rise waits (its last publication is two minutes old)
snapshot s2.csv $((T + 60)) 8 8 2
settle_at $((T + 120)) || fail "the second snapshot did not settle"
[ "$(sent | tail -n 1)" = "SKU-D=2 SKU-F=8" ] || fail "second snapshot sent: $(sent | tail -n 1)"
WB_FAKE_NOW=$((T + 120)) "$B" -c "$WB_CONF" status >"$WB_TMP/status.txt" 2>&1
grep -q "inventory cadence (account default): fast 0 change(s) waiting, slow 1 waiting (1 held back until due)" \
    "$WB_TMP/status.txt" || { cat "$WB_TMP/status.txt"; fail "status does not count the held back change"; }
# freshness: the slow class is that of s2 (its rise waits), 1 min old, target 30 + 60
got=$(fresh $((T + 120)))
case "$got" in "True 1.0 "*"slow 1 min (target 90), 1 waiting, 1 held back") ;;
*) fail "freshness after s2: $got" ;; esac

# 4. half an hour on, a run with no snapshot sends nothing: the rise is not due
n=$(sent | wc -l)
settle_at $((T + 1800)) || fail "the run at +30 min did not settle"
[ "$(sent | wc -l)" = "$n" ] || fail "a held back change went before it was due: $(sent | tail -n 1)"
got=$(fresh $((T + 1800)))
case "$got" in "True 29.0 30.0 fast 29 min (target 30), 0 waiting; slow 29 min (target 90), 1 waiting, 1 held back") ;;
*) fail "freshness at +30 min: $got" ;; esac
[ "$(alerts inventory-stale firing)" = 0 ] || fail "inventory-stale raised within its target"

# 5. an hour after its last publication, a run with no snapshot (the schedule's, without
# flush) sends it
WB_FAKE_NOW=$((T + 3700)) "$B" -c "$WB_CONF" run --once inventory >>"$WB_LOG" 2>&1
settle_at $((T + 3700)) || fail "the run at +1 h did not settle"
[ "$(sent | tail -n 1)" = "SKU-S=8" ] || fail "the held back rise was not sent once due: $(sent)"
# no snapshot for an hour (target 30 min): inventory-stale, once, naming the cause
[ "$(alerts inventory-stale firing)" = 1 ] || { cat "$J"; fail "inventory-stale not raised once"; }
grep -q "no stock snapshot newer than $(iso $((T + 60)))" "$J" ||
    { cat "$J"; fail "inventory-stale does not name the cause and the newest snapshot"; }
got=$(fresh $((T + 3700)))
case "$got" in "True 60.0 30.0 fast 60 min"*) ;; *) fail "freshness at +1 h: $got" ;; esac

# 6. a new snapshot: resolved
snapshot s3.csv $((T + 3700)) 8 8 2
settle_at $((T + 3720)) || fail "the third snapshot did not settle"
[ "$(alerts inventory-stale resolved)" = 1 ] || { cat "$J"; fail "inventory-stale not resolved"; }
got=$(fresh $((T + 3720)))
case "$got" in "True 0.0 30.0 "*) ;; *) fail "freshness after s3: $got" ;; esac

# 7. a fast SKU list with a line that is no seller SKU: `check` names it, and the job does not run
printf 'SKU-F\nSKU G\n' >"$W/etc/fast.list"
"$B" -c "$WB_CONF" check >"$WB_TMP/check.out" 2>&1 && fail "check took a broken fast SKU list"
grep -q "fast.list:2:" "$WB_TMP/check.out" || { cat "$WB_TMP/check.out"; fail "check does not name the bad line"; }
echo "inventory_cadence: ok"
