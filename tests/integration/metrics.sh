#!/bin/sh
# metrics.sh - the Prometheus text exposition: `wmsbridge metrics` and the metrics_file a job
# rewrites when it ends both parse with a real exposition-format parser (the Python client's,
# Debian python3-prometheus-client; skipped when absent), and say what the spool and ledger
# hold: files per account, flow and state with the oldest one's age, rows by state, feeds by
# state, each job's last success, duration, runs and failures in a row, open alerts by type
# and owner, the health figures with their targets (those of flows not configured have
# configured 0 and no value, and so have configured ones that measured nothing yet). The file
# is replaced whole (no temp left) and readable by the collector.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
# the parser: Debian's python3 with python3-prometheus-client (WB_PY may be another python)
PP=
for py in "$WB_PY" /usr/bin/python3; do
    "$py" -c 'import prometheus_client.parser' 2>/dev/null && { PP=$py; break; }
done
[ -n "$PP" ] || { echo "metrics: skipped: python3-prometheus-client not installed"; exit 77; }
export WB_LOG=$WB_TMP/log
B=$WB_BIN
wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
P=$WB_TMP/prom
mkdir -p "$P"
wb_make_config "$W" "metrics_file = $P/wmsbridge.prom" "account.acme.merchant_id = A2ACME"
IN=$W/spool/in/dispatch
mkdir -p "$IN"
fail() { wb_fail "$@"; }
wb_gen_dispatch "$WB_TMP/a.csv" 10 5 30
wb_drop "$WB_TMP/a.csv" "$IN"
WB_OFFLINE=1 "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1 ||
    fail "the offline dispatch run failed"
[ -f "$P/wmsbridge.prom" ] || fail "no metrics_file after the job"
[ "$(stat -c %a "$P/wmsbridge.prom")" = 644 ] || fail "metrics_file is not readable by the collector"
[ "$(ls -a "$P" | wc -l)" -eq 3 ] || { ls -a "$P"; fail "a temp file was left beside metrics_file"; }
"$B" -c "$WB_CONF" metrics >"$WB_TMP/out.prom" 2>>"$WB_LOG" || fail "wmsbridge metrics failed"

for f in "$P/wmsbridge.prom" "$WB_TMP/out.prom"; do
    "$PP" - "$f" <<'PY' || fail "$f: not what the ledger and spool hold"
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
v = {}
for fam in text_string_to_metric_families(text):  # raises on anything malformed
    for s in fam.samples:
        v[(s.name, tuple(sorted(s.labels.items())))] = s.value
def get(name, **labels):
    k = (name, tuple(sorted(labels.items())))
    if k not in v:
        sys.exit("%s: no sample %s %s" % (sys.argv[1], name, labels))
    return v[k]
assert get("wmsbridge_files", account="default", flow="dispatch", state="reject") == 1
assert get("wmsbridge_files", account="acme", flow="dispatch", state="in") == 0
assert get("wmsbridge_rows", account="default", flow="dispatch", state="rejected") == 1, "rejected rows"
assert get("wmsbridge_rows", account="default", flow="dispatch", state="queued") == 9, "queued rows"
assert get("wmsbridge_rows", account="acme", flow="dispatch", state="queued") == 0
assert get("wmsbridge_feeds", state="ready") == 1
assert get("wmsbridge_job_runs_total", job="dispatch") == 1
assert get("wmsbridge_job_last_success_timestamp_seconds", job="dispatch") > 0
assert get("wmsbridge_job_failed_runs_in_row", job="dispatch") == 0
assert get("wmsbridge_alerts_open", type="rows-rejected", owner="warehouse",
           severity="warning") == 1
lb = dict(account="default", figure="exception_backlog", unit="files")
assert get("wmsbridge_health_value", **lb) == 1
assert get("wmsbridge_health_target", **lb) == 10
# refund latency: configured (the settlements flow is), nothing measured yet: no value
assert get("wmsbridge_health_configured", account="default", figure="refund_latency",
           unit="hours") == 1
assert get("wmsbridge_health_target", account="default", figure="refund_latency",
           unit="hours") == 48
assert ("wmsbridge_health_value", tuple(sorted(dict(account="default", figure="refund_latency",
        unit="hours").items()))) not in v, "a figure measured nothing has a value"
# every figure not configured: no value
for (name, labels), val in list(v.items()):
    if name == "wmsbridge_health_configured" and val == 0:
        assert ("wmsbridge_health_value", labels) not in v, "a figure not configured has a value"
assert get("wmsbridge_exception_backlog_files", account="default", owner="wms") == 1
assert get("wmsbridge_queue_oldest_age_seconds", account="default", flow="dispatch",
           state="reject") >= 0
PY
done
echo "ok   metrics_file and wmsbridge metrics parse and hold the spool's and ledger's figures"

# a failing job: its streak shows, its last success stays
chmod 644 "$W/etc/credentials"
"$B" -c "$WB_CONF" run --once dispatch >>"$WB_LOG" 2>&1
grep -q '^wmsbridge_job_failed_runs_in_row{job="dispatch"} 1$' "$P/wmsbridge.prom" ||
    fail "the failed run is not counted in metrics_file"
echo "ok   a failed run counted"

# SP-API calls per operation, summed over the jobs' SP-API clients
chmod 600 "$W/etc/credentials"
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1 || fail "feeds-poll failed"
"$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
grep -q '^wmsbridge_api_calls_total{operation="createFeed"} 1$' "$P/wmsbridge.prom" ||
    { grep api_ "$P/wmsbridge.prom"; fail "createFeed is not counted once"; }
grep -q '^wmsbridge_api_throttles_total{operation="createFeed"} 0$' "$P/wmsbridge.prom" ||
    fail "no throttles count for createFeed"
echo ok
