#!/bin/sh
# load.sh - long sustained load for make stress: WB_LOAD_SECONDS (default
# 420) of dispatch files arriving at 10,000 files an hour (2.78/s, 2-6 rows,
# 1% bad) into the real daemon against the SP-API simulator, Amazon's time
# compressed 4 times (quotas x4, batch window 30 s for the usual 120 s, feeds
# processed in 15 s). Backlog and daemon RSS must stay flat and every row
# must be settled exactly once; the procedure and its bounds are in
# tests/load_run.sh. Owns nothing but its WB_TMP.
if [ -z "${WB_STRESS:-}" ]; then
    echo "long load run: set WB_STRESS=1 (make stress)"
    exit 77
fi
exec sh "$WB_ROOT/tests/load_run.sh" "${WB_LOAD_SECONDS:-420}" 4 30 15 5 5
