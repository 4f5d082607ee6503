#!/bin/sh
# load.sh - short sustained load for make check: about 45 s of dispatch files
# arriving at 10,000 files an hour (2.78/s, 2-6 rows, 1% bad) into the real
# daemon against the SP-API simulator, Amazon's time compressed 40 times
# (quotas x40, batch window 3 s for the usual 120 s). Backlog and daemon RSS
# must stay flat and every row must be settled exactly once; the procedure
# and its bounds are in tests/load_run.sh. Owns nothing but its WB_TMP.
exec sh "$WB_ROOT/tests/load_run.sh" "${WB_LOAD_SECONDS:-45}" 40 3 1 1 2
