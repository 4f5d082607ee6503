#!/bin/sh
# crashloop.sh - long crash loop for make stress: at least 200 SIGKILLs of
# the daemon and its job processes at random moments while 40 files of
# thousands of rows in all (good and bad) are dropped and sent to the SP-API
# simulator; every row must end confirmed or rejected exactly once
# (tests/crashloop_run.sh asserts it). Owns nothing but its $WB_TMP; must
# never lower the kill count below 200 or shorten the helper's checks.
kills=${WB_CRASH_KILLS:-200}
[ "$kills" -ge 200 ] || kills=200
exec sh "$WB_ROOT/tests/crashloop_run.sh" "$kills" 40 150 8
