#!/bin/sh
# flow_names.sh - no flow is named outside src/flows/: the flow table
# (src/flows/flow.c) is the one place that knows which flows exist, so the
# core, the layout engine and the commands (src/cmd_*.c, src/main.c) must not
# spell a flow's name, in code or in comments. Adding a flow is a file in
# src/flows/ and a row; this check keeps it so.
#
# Environment: WB_ROOT. Exit 0 pass, 77 skip, anything else fail.
set -u
: "${WB_ROOT:?WB_ROOT must name the repository root}"
T=$WB_ROOT/src/flows/flow.c
[ -f "$T" ] || { echo "flow_names: no $T"; exit 1; }
names=$(sed -n 's/^ *\.name = "\([A-Za-z0-9_-]*\)",.*/\1/p' "$T")
[ -n "$names" ] || { echo "flow_names: no .name rows in $T"; exit 1; }
bad=0
for n in $names; do
    hits=$(grep -n -w -i -- "$n" "$WB_ROOT"/src/core/*.[ch] "$WB_ROOT"/src/layout/*.[ch] \
        "$WB_ROOT"/src/cmd_*.c "$WB_ROOT"/src/cmd.h "$WB_ROOT"/src/main.c 2>/dev/null)
    if [ -n "$hits" ]; then
        echo "flow_names: flow '$n' is named outside src/flows/:"
        echo "$hits"
        bad=1
    fi
done
[ $bad -eq 0 ] && echo "flow_names: ok ($(echo $names | wc -w) flow(s), none named outside src/flows/)"
exit $bad
