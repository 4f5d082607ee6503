#!/bin/sh
# coverage.sh - lines and branches of src/ covered, per module (src/<group>; cmd = the files
# directly in src/) and in total, from the .gcda files a coverage build's runs left.
#
#   sh scripts/coverage.sh BUILD_DIR        (make coverage runs it after the suite)
#
# Reads BUILD_DIR/obj; writes BUILD_DIR/coverage.json (gcovr's summary per file) and
# BUILD_DIR/coverage.txt (per file, with the uncovered lines). Never changes anything else.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:?usage: coverage.sh BUILD_DIR}" && pwd)
command -v gcovr >/dev/null 2>&1 || { echo "coverage: gcovr missing (sh scripts/deps.sh)" >&2; exit 1; }
ls "$B"/obj/*/*.gcda >/dev/null 2>&1 || { echo "coverage: no .gcda files under $B/obj" >&2; exit 1; }
cd "$ROOT"
# the search path is this build's objects only (gcovr would otherwise read every build under ROOT)
gcovr -r "$ROOT" --object-directory "$B/obj" --filter "$ROOT/src/" -j 2 \
    --json-summary "$B/coverage.json" --txt "$B/coverage.txt" --branches "$B/obj" 2>"$B/gcovr.log" ||
    { cat "$B/gcovr.log" >&2; exit 1; }
python3 - "$B/coverage.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
mods = {}
for f in d["files"]:
    parts = f["filename"].split("/")
    mod = parts[1] if len(parts) > 2 else "cmd"
    m = mods.setdefault(mod, [0, 0, 0, 0])
    m[0] += f["line_covered"]; m[1] += f["line_total"]
    m[2] += f["branch_covered"]; m[3] += f["branch_total"]
pct = lambda a, b: 100.0 * a / b if b else 100.0
print("%-8s %18s %18s" % ("module", "lines", "branches"))
tot = [0, 0, 0, 0]
for mod in sorted(mods):
    m = mods[mod]
    tot = [a + b for a, b in zip(tot, m)]
    print("%-8s %6.1f%% %5d/%-5d %6.1f%% %5d/%-5d" % (mod, pct(m[0], m[1]), m[0], m[1],
                                                      pct(m[2], m[3]), m[2], m[3]))
print("%-8s %6.1f%% %5d/%-5d %6.1f%% %5d/%-5d" % ("total", pct(tot[0], tot[1]), tot[0], tot[1],
                                                  pct(tot[2], tot[3]), tot[2], tot[3]))
PY
echo "coverage: per file in $B/coverage.txt"
