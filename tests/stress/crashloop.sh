#!/bin/sh
# crashloop.sh - long crash loop for make stress: at least 200 SIGKILLs of
# the daemon and its job processes at random moments while 40 files of
# thousands of rows in all (good and bad) are dropped and sent to the SP-API
# simulator; every row must end confirmed or rejected exactly once
# (tests/crashloop_run.sh asserts it). Then 100 more with every export named
# dispatch.csv, every second file left as a kill right after its claim
# leaves it. Owns nothing but its $WB_TMP; must never lower the kill count
# below 200 or shorten the helper's checks.
kills=${WB_CRASH_KILLS:-200}
[ "$kills" -ge 200 ] || kills=200
sh "$WB_ROOT/tests/crashloop_run.sh" "$kills" 40 150 8 || exit $?
mkdir -p "$WB_TMP/one-name"
WB_TMP=$WB_TMP/one-name WB_CRASH_NAME=dispatch.csv \
    exec sh "$WB_ROOT/tests/crashloop_run.sh" 100 20 150 8
