#!/bin/sh
# mutants_apply.sh - every planted bug of tests/mutants/ still applies to the code as it is
# (tests/mutate.py --check: parses and matches exactly one place, no build). A mutant whose
# lines the code has left behind plants nothing, and `make mutate` would report it only when
# someone runs it; here it fails the day it goes stale. Owns nothing; changes nothing.
set -u
python3 "$WB_ROOT/tests/mutate.py" --check
