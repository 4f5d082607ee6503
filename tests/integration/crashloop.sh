#!/bin/sh
# crashloop.sh - short crash loop for make check: the daemon is SIGKILLed
# (with its job processes) 25 times at random moments while dispatch files
# with good and bad rows flow to the SP-API simulator; afterwards every row
# is confirmed or rejected exactly once (tests/crashloop_run.sh asserts it).
# Owns nothing but its $WB_TMP; must never shorten the checks of the helper.
exec sh "$WB_ROOT/tests/crashloop_run.sh" "${WB_CRASH_KILLS:-25}" 6 400 8
