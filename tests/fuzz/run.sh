#!/bin/sh
# run.sh - `make fuzz`: every fuzz target for SECONDS each; prints executions.
set -u
secs=${1:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
rc=0
for f in "${WB_FUZZ_DIR:-$ROOT/build/fuzz/fuzz}"/fuzz_*; do
    [ -x "$f" ] || continue
    echo "== $(basename "$f") for ${secs}s"
    sh "$ROOT/tests/fuzz/smoke.sh" "$f" "$secs" || rc=1
done
exit $rc
