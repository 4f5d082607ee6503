#!/bin/sh
# crashloop.sh - short crash loop for make check: the daemon is SIGKILLed
# (with its job processes) 25 times at random moments while dispatch files
# with good and bad rows flow to the SP-API simulator; afterwards every row
# is confirmed or rejected exactly once (tests/crashloop_run.sh asserts it).
# Then the same with every export named dispatch.csv, and half the kills
# landing between the claim rename and the ledger's file record.
# Owns nothing but its $WB_TMP; must never shorten the checks of the helper.
set -u
sh "$WB_ROOT/tests/crashloop_run.sh" "${WB_CRASH_KILLS:-25}" 6 400 8 || exit $?
mkdir -p "$WB_TMP/one-name"
WB_TMP=$WB_TMP/one-name WB_CRASH_NAME=dispatch.csv \
    exec sh "$WB_ROOT/tests/crashloop_run.sh" "${WB_CRASH_KILLS:-25}" 6 400 8
