#!/bin/sh
# spapi_client.sh - the SP-API client (src/net) against the simulator over
# HTTPS with a throw-away CA: runs the cmocka driver test_net_spapi_live
# (token, 10-feed lifecycle, 429 storm, 500/503 retries, expired tokens on 401
# and 403, GZIP result, terminal errors, timeout, report, TLS failure without
# the CA). Builds nothing: the driver must already be in $WB_BUILD/tests.
#
# Environment: WB_ROOT, WB_BUILD, WB_TMP (WB_SHARED unused).
# Exit 0 pass, 77 skip (last line says why), other = fail.
set -u
ROOT=${WB_ROOT:?WB_ROOT must name the repository root}
BUILD=${WB_BUILD:?WB_BUILD must name the build directory}
TMP=${WB_TMP:-}
[ -n "$TMP" ] || TMP=$(mktemp -d)
SIMPID=""

skip() { echo "spapi_client: skipped: $*"; exit 77; }
fail() {
    echo "FAIL: $*"
    [ -f "$TMP/sim.log" ] && tail -n 30 "$TMP/sim.log"
    exit 1
}
cleanup() {
    if [ -n "$SIMPID" ]; then
        kill "$SIMPID" 2>/dev/null
        wait "$SIMPID" 2>/dev/null
        SIMPID=""
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

DRIVER="$BUILD/tests/test_net_spapi_live"
[ -x "$DRIVER" ] || skip "$DRIVER is not built"
[ -f "$ROOT/tests/sim/spapi_sim.py" ] || skip "tests/sim/spapi_sim.py is missing"
for t in openssl python3; do
    command -v "$t" >/dev/null 2>&1 || skip "$t is not installed"
done

sh "$ROOT/tests/sim/mkcert.sh" "$TMP/certs" || fail "mkcert.sh failed"
python3 "$ROOT/tests/sim/spapi_sim.py" --port 0 --port-file "$TMP/port" \
    --tls-cert "$TMP/certs/server.pem" --tls-key "$TMP/certs/server.key" \
    --state-dir "$TMP/state" --rate-scale 100 --process-seconds 1 --seed 42 \
    --quiet 2>"$TMP/sim.log" &
SIMPID=$!
i=0
while [ ! -s "$TMP/port" ]; do
    i=$((i + 1))
    [ $i -gt 100 ] && fail "simulator did not write its port file"
    kill -0 "$SIMPID" 2>/dev/null || fail "simulator exited at start"
    sleep 0.1
done
PORT=$(cat "$TMP/port")
mkdir -p "$TMP/work" || fail "cannot make $TMP/work"

WB_SIM_URL="https://127.0.0.1:$PORT" WB_SIM_CA="$TMP/certs/ca.pem" \
    WB_SIM_WORK="$TMP/work" WB_RATE_SCALE=100 "$DRIVER"
rc=$?
[ $rc -eq 0 ] || fail "test_net_spapi_live failed (exit $rc)"
echo "spapi_client: ok"
