# lib.sh - shell helpers shared by the integration tests, stress runs and the
# demo: start the SP-API simulator on loopback with a throw-away CA, write a
# spool configuration pointing at it, and generate WMS dispatch files.
# Sourced, not run. Everything it starts is stopped by wb_cleanup (trap it).

WB_ROOT=${WB_ROOT:-$(cd "$(dirname "$0")/../.." 2>/dev/null && pwd)}
WB_PY=${WB_PY:-python3}
WB_PIDS=""

# wb_cleanup - stop everything started here
wb_cleanup() {
    for p in $WB_PIDS; do kill "$p" 2>/dev/null; done
    for p in $WB_PIDS; do wait "$p" 2>/dev/null; done
    WB_PIDS=""
}

# wb_shared - the shared reference dir (Amazon XSDs) or empty
wb_shared() {
    if [ -n "${WB_SHARED:-}" ] && [ -f "$WB_SHARED/amazon/order-envelope.xsd" ]; then
        echo "$WB_SHARED"
    elif [ -f "$WB_ROOT/../shared/amazon/order-envelope.xsd" ]; then
        (cd "$WB_ROOT/../shared" && pwd)
    fi
}

# wb_start_sim DIR [sim args...] - HTTPS simulator; sets SIM_PORT SIM_PID SIM_URL SIM_CA
wb_start_sim() {
    d=$1; shift
    mkdir -p "$d"
    [ -f "$d/ca.pem" ] || sh "$WB_ROOT/tests/sim/mkcert.sh" "$d" || return 1
    sh_xsd=""
    s=$(wb_shared)
    [ -n "$s" ] && sh_xsd="--xsd $s/amazon/order-envelope.xsd"
    rm -f "$d/port"
    # shellcheck disable=SC2086
    $WB_PY "$WB_ROOT/tests/sim/spapi_sim.py" --port 0 --port-file "$d/port" \
        --tls-cert "$d/server.pem" --tls-key "$d/server.key" --state-dir "$d/state" \
        --carrier-codes "$WB_ROOT/etc/amazon-carrier-codes.txt" $sh_xsd --quiet "$@" \
        >"$d/sim.log" 2>&1 &
    SIM_PID=$!
    WB_PIDS="$WB_PIDS $SIM_PID"
    i=0
    while [ ! -s "$d/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    [ -s "$d/port" ] || { echo "simulator did not start:"; cat "$d/sim.log"; return 1; }
    SIM_PORT=$(cat "$d/port")
    SIM_URL="https://127.0.0.1:$SIM_PORT"
    SIM_CA="$d/ca.pem"
}

# wb_sim_ctl PATH [JSON] - GET (no JSON) or POST to the simulator's control API
wb_sim_ctl() {
    if [ $# -gt 1 ]; then
        curl -sS --cacert "$SIM_CA" -X POST -H 'Content-Type: application/json' \
            --data "$2" "$SIM_URL$1"
    else
        curl -sS --cacert "$SIM_CA" "$SIM_URL$1"
    fi
}

# wb_make_config DIR [extra conf lines...] - spool, maps, layouts and sim endpoints under DIR
wb_make_config() {
    d=$1; shift
    mkdir -p "$d/etc" "$d/spool"
    cp "$WB_ROOT/etc/carriers.map" "$WB_ROOT/etc/amazon-carrier-codes.txt" \
        "$WB_ROOT/etc/result-codes.map" "$d/etc/"
    printf '* = identity\n' >"$d/etc/skus.map"
    umask 077
    cat >"$d/etc/credentials" <<CRED
client_id = amzn1.application-oa2-client.wmsbridgesim
client_secret = wmsbridge-sim-secret
refresh_token = Atzr|wmsbridge-sim-refresh-token
CRED
    umask 022
    s=$(wb_shared)
    cat >"$d/etc/wmsbridge.conf" <<CONF
merchant_id = A2DEMO0SELLER
spool_dir = $d/spool
ledger = $d/spool/ledger.db
layout_dir = $WB_ROOT/formats
xsd_dir = ${s:+$s/amazon}
sp_api_endpoint = ${SIM_URL:-https://127.0.0.1:9}
lwa_endpoint = ${SIM_URL:-https://127.0.0.1:9}/auth/o2/token
ca_file = ${SIM_CA:-}
settle_seconds = 0
batch_window_seconds = 0
feed_poll_seconds = 1
feed_list_delay_seconds = 2
allow_root = yes
schedule = $d/etc/schedule
CONF
    for line in "$@"; do echo "$line" >>"$d/etc/wmsbridge.conf"; done
    cat >"$d/etc/schedule" <<SCHED
@every 2s dispatch
@every 1s feeds-poll
0 3 * * * purge
SCHED
    WB_CONF="$d/etc/wmsbridge.conf"
}

# wb_gen_dispatch FILE ROWS [SEED] [BAD_PERCENT] - a UTF-8 dispatch file with shipped-recently times
wb_gen_dispatch() {
    $WB_PY "$WB_ROOT/bench/gen_dispatch.py" --rows "$2" --seed "${3:-1}" --bad "${4:-0}" \
        --out "$1"
}

# wb_drop FILE FLOWDIR - drop a file the way a WMS should: temp name, then rename
wb_drop() {
    base=$(basename "$1")
    cp "$1" "$2/.$base.part" && mv "$2/.$base.part" "$2/$base"
}

# wb_settle BIN CONF [MAX_ROUNDS] - run dispatch + feeds-poll until nothing is in flight
wb_settle() {
    bin=$1; conf=$2; max=${3:-120}
    r=0
    while [ $r -lt "$max" ]; do
        "$bin" -c "$conf" run --once dispatch --options flush >>"${WB_LOG:-/dev/null}" 2>&1
        "$bin" -c "$conf" run --once feeds-poll --options now >>"${WB_LOG:-/dev/null}" 2>&1
        wb_quiet "$bin" "$conf" && return 0
        r=$((r + 1))
        sleep 1
    done
    return 1
}

# wb_fail MESSAGE - a test's failure: the message, `status`, the last warnings; exit 1
wb_fail() {
    echo "FAIL: $*"
    "$WB_BIN" -c "$WB_CONF" status 2>&1
    grep -E "level=(warn|error)" "${WB_LOG:-/dev/null}" | tail -n 15
    exit 1
}

# wb_status_of JSON KEY - one number of a `status --json` document: a feed state (done, fatal
# ...) or a row state or directory count (confirmed, rejected, pending, in ...) summed over the
# flows
wb_status_of() {
    echo "$1" | $WB_PY -c '
import json, sys
k, d = sys.argv[1], json.load(sys.stdin)
if k in d.get("feeds", {}):
    print(d["feeds"][k])
else:
    print(sum(f.get("rows", {}).get(k, f.get(k, 0)) for f in d["flows"].values()))' "$2"
}

# wb_status_zero JSON KEY... - true when every named count of the document (as wb_status_of
# reads it, summed over the flows) is 0: `wb_status_zero "$st" in work pending queued ready
# submitting submitted` is "nothing waits anywhere"
wb_status_zero() {
    j=$1
    shift
    echo "$j" | $WB_PY -c '
import json, sys
d = json.load(sys.stdin)
def of(k):
    if k in d.get("feeds", {}):
        return d["feeds"][k]
    return sum(f.get("rows", {}).get(k, f.get(k, 0)) for f in d["flows"].values())
sys.exit(0 if all(of(k) == 0 for k in sys.argv[1:]) else 1)' "$@" 2>/dev/null
}

# wb_status_count KEY - wb_status_of the current `status --json`
wb_status_count() {
    wb_status_of "$("$WB_BIN" -c "$WB_CONF" status --json)" "$1"
}

# wb_check_received CONFIRMED [OTHERS_PREFIX] - the simulator accepted each business key
# at most once, and as many keys as the ledger confirmed; keys starting with OTHERS_PREFIX
# belong to another sender and are left out. Prints a summary; non-zero on failure.
wb_check_received() {
    wb_sim_ctl /_sim/received >"$WB_TMP/received.json" || return 1
    $WB_PY - "$WB_TMP/received.json" "$1" "${2:-}" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
other = sys.argv[3]
keys = {k: v for k, v in d["accepted_keys"].items() if not (other and k.startswith(other))}
dups = [k for k, v in keys.items() if v > 1]
if dups:
    print("FAIL: keys accepted more than once:", dups[:5]); sys.exit(1)
if len(keys) != int(sys.argv[2]):
    print("FAIL: Amazon accepted %d keys, the ledger confirmed %s" % (len(keys), sys.argv[2]))
    sys.exit(1)
print("amazon accepted %d keys, each once, in %d feed(s)" % (len(keys), len(d["feeds"])))
PY
}

# wb_foreign_feed N BASE - another tool sends a fulfilment feed of N rows straight to the
# simulator (orders 402-..., numbered from BASE): the feeds at Amazon the ledger does not know
wb_foreign_feed() {
    ship=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
    {
        echo "amazon_order_id,order_item_id,sku,quantity,carrier_service,tracking_number,ship_time"
        i=1
        while [ "$i" -le "$1" ]; do
            printf '402-%07d-1000001,%014d,SKU-1,1,RM24,JD09%08dGB,%s\n' "$(($2 + i))" \
                "$((90000000000000 + $2 + i))" "$(($2 + i))" "$ship"
            i=$((i + 1))
        done
    } >"$WB_TMP/foreign.csv"
    "$WB_BIN" convert dispatch --layout "$WB_ROOT/formats/dispatch-utf8.layout" \
        --carriers "$WB_ROOT/etc/carriers.map" --merchant A2DEMO0SELLER \
        <"$WB_TMP/foreign.csv" >"$WB_TMP/foreign.xml" || return 1
    tok=$(curl -sS --cacert "$SIM_CA" -d grant_type=refresh_token \
        --data-urlencode 'refresh_token=Atzr|wmsbridge-sim-refresh-token' \
        -d client_id=amzn1.application-oa2-client.wmsbridgesim \
        -d client_secret=wmsbridge-sim-secret "$SIM_URL/auth/o2/token" |
        $WB_PY -c 'import json,sys; print(json.load(sys.stdin)["access_token"])') || return 1
    doc=$(curl -sS --cacert "$SIM_CA" -H "x-amz-access-token: $tok" \
        -H 'Content-Type: application/json' -d '{"contentType":"text/xml; charset=UTF-8"}' \
        "$SIM_URL/feeds/2021-06-30/documents") || return 1
    did=$(echo "$doc" | $WB_PY -c 'import json,sys; print(json.load(sys.stdin)["feedDocumentId"])')
    url=$(echo "$doc" | $WB_PY -c 'import json,sys; print(json.load(sys.stdin)["url"])')
    curl -sS --cacert "$SIM_CA" -X PUT -H 'Content-Type: text/xml; charset=UTF-8' \
        --data-binary @"$WB_TMP/foreign.xml" "$url" >/dev/null || return 1
    curl -sS --cacert "$SIM_CA" -H "x-amz-access-token: $tok" -H 'Content-Type: application/json' \
        -d "{\"feedType\":\"POST_ORDER_FULFILLMENT_DATA\",\"marketplaceIds\":[\"A1F83G8C2ARO7P\"],\"inputFeedDocumentId\":\"$did\"}" \
        "$SIM_URL/feeds/2021-06-30/feeds" | grep -q feedId
}

# wb_sim_post PATH JSON - POST to a control endpoint of the simulator (/_sim/faults: merge fault
# keys); non-zero, with the simulator's answer, when it refuses (an unknown fault key, a bad
# value: HTTP status other than 2xx)
wb_sim_post() {
    a=$(curl -sS --cacert "$SIM_CA" -X POST -H 'Content-Type: application/json' \
        --data "$2" -w '\n%{http_code}' "$SIM_URL$1") || return 1
    case $(echo "$a" | tail -n 1) in
    2??) return 0 ;;
    *) echo "simulator refused $1 $2: $(echo "$a" | sed '$d')"; return 1 ;;
    esac
}

# wb_sim_spool DIR [extra conf lines...] - the usual start of a spool test: the simulator under
# DIR/sim (feeds processed in 1 s, quotas x50; WB_SIM_ARGS replaces these), a config under
# DIR/w (wb_make_config) and WB_LOG=DIR/log
wb_sim_spool() {
    wb_ss=$1; shift
    # shellcheck disable=SC2086
    wb_start_sim "$wb_ss/sim" ${WB_SIM_ARGS:---process-seconds 1 --rate-scale 50} || return 1
    wb_make_config "$wb_ss/w" "$@"
    WB_LOG=$wb_ss/log
    export WB_LOG
    : >>"$WB_LOG"
}

# wb_run_job JOB [OPTIONS] - one run of a job (run --once JOB [--options OPTIONS]), logged to
# WB_LOG; its exit code
wb_run_job() {
    if [ $# -gt 1 ] && [ -n "$2" ]; then
        "$WB_BIN" -c "$WB_CONF" run --once "$1" --options "$2" >>"${WB_LOG:-/dev/null}" 2>&1
    else
        "$WB_BIN" -c "$WB_CONF" run --once "$1" >>"${WB_LOG:-/dev/null}" 2>&1
    fi
}

# wb_quiet [BIN CONF] - 0 when settled by `status --json`: no lane (flow of a seller account)
# holds a file in in/ or work/ or a row pending or queued, and no feed is ready or in flight
wb_quiet() {
    "${1:-$WB_BIN}" -c "${2:-$WB_CONF}" status --json 2>/dev/null | $WB_PY -c '
import json, sys
d = json.load(sys.stdin)
busy = [f for f in d["flows"].values()  # a lane from Amazon to the WMS has no rows
        if f["in"] or f["work"] or f.get("rows", {}).get("pending") or f.get("rows", {}).get("queued")]
wait = ("ready", "submitting", "submitted", "calling")
sys.exit(1 if busy or any(d["feeds"].get(s) for s in wait) else 0)
' 2>/dev/null
}

# wb_run_jobs JOB[:OPTIONS]... - run each job once, in turn
wb_run_jobs() {
    for j in "$@"; do
        case $j in
        *:*) wb_run_job "${j%%:*}" "${j#*:}" ;;
        *) wb_run_job "$j" ;;
        esac
    done
}

# wb_settle_jobs MAX JOB[:OPTIONS]... - run the jobs in turn, one round a second, until wb_quiet
# (at most MAX rounds; non-zero if never). Any flow: name its jobs.
wb_settle_jobs() {
    max=$1; shift
    r=0
    while [ $r -lt "$max" ]; do
        wb_run_jobs "$@"
        wb_quiet && return 0
        r=$((r + 1))
        sleep 1
    done
    return 1
}

# wb_settle_flow FLOW MAX JOB[:OPTIONS]... - like wb_settle_jobs, but only FLOW's lanes (of
# every seller account) must be quiet: no file in in/ or work/, no pending or queued row
wb_settle_flow() {
    flow=$1 max=$2
    shift 2
    r=0
    while [ $r -lt "$max" ]; do
        wb_run_jobs "$@"
        "$WB_BIN" -c "$WB_CONF" status --json 2>/dev/null | $WB_PY -c '
import json, sys
d = json.load(sys.stdin)
busy = [k for k, f in d["flows"].items() if (k == sys.argv[1] or k.endswith("/" + sys.argv[1]))
        and (f["in"] or f["work"] or f.get("rows", {}).get("pending") or f.get("rows", {}).get("queued"))]
sys.exit(1 if busy else 0)' "$flow" 2>/dev/null && return 0
        r=$((r + 1))
        sleep 1
    done
    return 1
}

# wb_drop_tree DIR SPOOL - drop every file under DIR into SPOOL/in/ at the same relative path
# (in/dispatch/x.csv, in/acme/dispatch/y.csv), each the way a WMS should (wb_drop), in name order;
# @NOW@ and @LEGACY@ in a file become WB_NOW and WB_LEGACY (wb_case_times)
wb_drop_tree() {
    (cd "$1" && find . -type f | sort) | while IFS= read -r f; do
        f=${f#./}
        mkdir -p "$2/in/$(dirname "$f")" "$WB_TMP/drop/$(dirname "$f")"
        LC_ALL=C sed "s|@NOW@|$WB_NOW|g; s|@LEGACY@|$WB_LEGACY|g" "$1/$f" >"$WB_TMP/drop/$f" &&
            wb_drop "$WB_TMP/drop/$f" "$2/in/$(dirname "$f")" || return 1
    done
}

# wb_case_times - WB_NOW (an hour ago, UTC, as dispatch files write it) and WB_LEGACY (the same
# in the legacy layout's local time), the values of @NOW@ and @LEGACY@ in case files
wb_case_times() {
    WB_NOW=$(date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ)
    WB_LEGACY=$(TZ=Europe/London date -d '-1 hour' +'%d/%m/%Y %H:%M')
}
