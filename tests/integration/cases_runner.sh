#!/bin/sh
# cases_runner.sh - the case runner fails on a wrong expectation: a copy of the good-file case
# (with a snapshot, whose comparison must not hide an earlier difference) expecting every key
# accepted twice makes tests/integration/cases.sh fail and print the difference.
# Owns only its WB_TMP; never changes tests/cases/.
set -u
D=$WB_TMP/cases
mkdir -p "$D"
cp -R "$WB_ROOT/tests/cases/dispatch_good_file" "$D/wrong"
echo "run = snapshot end" >>"$D/wrong/case.conf"
mkdir -p "$D/wrong/expect/end"
cp "$D/wrong/expect/status.txt" "$D/wrong/expect/end/"
sed -i 's/ 1$/ 2/' "$D/wrong/expect/amazon.txt"
WB_CASES_DIR=$D WB_TMP=$WB_TMP/run sh "$WB_ROOT/tests/integration/cases.sh" >"$WB_TMP/out" 2>&1
rc=$?
cat "$WB_TMP/out"
[ "$rc" -ne 0 ] || { echo "FAIL: the runner passed a case whose expect/ is wrong"; exit 1; }
grep -q '^    -accepted 026-1000001-1000001|10000000000011|JD0000000011GB 2$' "$WB_TMP/out" &&
    grep -q '^    +accepted 026-1000001-1000001|10000000000011|JD0000000011GB 1$' "$WB_TMP/out" ||
    { echo "FAIL: the runner did not show the difference"; exit 1; }
echo "ok"
