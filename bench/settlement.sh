#!/bin/sh
# settlement.sh - the settlement conversion benchmark, with its baselines from the same run.
#
# usage: sh bench/settlement.sh BUILD_DIR   (make bench runs it after bench/run.sh)
#
# Generates a WB_BENCH_ROWS (default 1,000,000) row V2 settlement file in the EU number
# format (1.234,56) into bench/out/ (kept and reused while the parameters match) and
# measures on the same file:
#   ours   wmsbridge convert settlement (BUILD_DIR/wmsbridge) with etc/gl.map
#   python bench/baseline_settlement.py, the same conversion in plain Python 3
#   floor  bench/parse_floor.c with a TAB delimiter: libcsv reading and counting cells
# plus the peak RSS of ours at WB_BENCH_SMALL_ROWS (default 100,000) and at the full size,
# to show memory does not grow with the row count. Journals go to /dev/null. Each
# measurement is the best of WB_BENCH_REPS (default 3) rounds; the ratios use CPU time.
# Before timing, ours and python convert a sample and must write the same journal bytes.
# Targets print PASS or FAIL; the exit status is 0 unless a program failed or the outputs
# disagree. Paths must not contain spaces. Owned by bench/.
set -u
. "$(dirname "$0")/lib.sh"
bench_init bench "${1:?usage: sh bench/settlement.sh BUILD_DIR}"
ROWS=${WB_BENCH_ROWS:-1000000}
SMALL=${WB_BENCH_SMALL_ROWS:-100000}
BENCH_RCS=0 # a journal written: every row mapped
bench_floor parse_floor -lcsv
GL=$ROOT/etc/gl.map
OURS="$BIN convert settlement --gl $GL --layout $ROOT/formats/journal-csv.layout"
PYCONV="$PY $ROOT/bench/baseline_settlement.py --gl $GL"

# gen ROWS - path of a generated file (EU number formats), made unless one is there
gen() { bench_gen "$OUT/settlement-r$1-s$SEED-eu.tsv" 0 gen_settlement.py --rows "$1" --eu; }

# 1. the baseline does the same work: the same journal bytes on a sample
sample=$(gen 20000)
$OURS <"$sample" >"$OUT/settlement-ours.csv" 2>"$OUT/settlement-ours.err" ||
    die "ours failed on the sample: $(head -3 "$OUT/settlement-ours.err")"
$PYCONV <"$sample" >"$OUT/settlement-python.csv" 2>"$OUT/settlement-python.err" ||
    die "python baseline failed on the sample"
cmp -s "$OUT/settlement-ours.csv" "$OUT/settlement-python.csv" ||
    die "ours and the python baseline write different journals for the sample"
echo "settlement sample (20000 rows): journals identical ($(($(wc -l <"$OUT/settlement-ours.csv") - 1)) accounts)"

# 2. timings on the big file, peak RSS at both sizes
big=$(gen "$ROWS")
small=$(gen "$SMALL")
echo "timings: best of $REPS rounds; CPU = user+system seconds, the ratios use CPU"
bench_rounds settlement- "$big" "$ROWS" "$small" "$SMALL" tab

ks=$(field rss_kb "$oursmall") kb=$(field rss_kb "$ours")
echo "targets:"
verdict "python / ours (CPU)" "$(ratio "$pc" "$oc")" ">=" 10 x
verdict "peak RSS at $ROWS rows" "$(awk -v k="$kb" 'BEGIN{print k/1024}')" "<" 32 " MiB"
verdict "RSS growth $SMALL -> $ROWS" "$(awk -v a="$ks" -v b="$kb" 'BEGIN{print (b-a)/1024}')" \
    "<" 1 " MiB"
echo "  (ours / floor (CPU): $(awk -v a="$oc" -v b="$fc" 'BEGIN{printf "%.2f", (b>0)?a/b:0}')x)"
exit 0
