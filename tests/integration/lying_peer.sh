#!/bin/sh
# lying_peer.sh - a processing report settles only what it proves, and no
# feed stalls in silence.
#
# Owns: its work dir under WB_TMP and one simulator.
# Proves, with the simulator lying in each way of its report_lie fault (the
# feed itself processed truly): a report that does not add up (an empty
# ProcessingReport, "0 successful, N with error" with no Result, Results
# only for MessageIDs never sent, "5000 processed", a JSON or flat-file
# report for an XML feed, another feed's DocumentTransactionID, an Error
# without MessageID beside successes) and a report that stalls the feed (a
# gzip bomb over the size cap, a document that is not a report, DONE without
# resultFeedDocumentId) confirm no row; the report is kept in corrupt/ (when
# one was stored), one alert is raised however often the feed is polled,
# `wmsbridge feeds` shows the last error, and `wmsbridge resolve FEED
# --confirmed | --rejected REASON` settles the feed by hand. A Result naming
# another AmazonOrderID rejects that message with both ids named; an honest
# report still settles every row.
# Must never: touch files outside WB_TMP.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
: >"$WB_LOG"

wb_start_sim "$WB_TMP/sim" --process-seconds 1 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W"
IN=$W/spool/in/dispatch
CORRUPT=$W/spool/corrupt
mkdir -p "$IN"

# held_feed - the number of the one feed held (submitted with a last error), or empty
held_feed() {
    "$B" -c "$WB_CONF" feeds | awk '$2 == "submitted" && NF > 5 { print $1 }'
}

# send NAME SEED - one file of 8 rows through dispatch, then poll until Amazon has answered
send() {
    wb_gen_dispatch "$WB_TMP/$1.csv" 8 "$2" 0
    wb_drop "$WB_TMP/$1.csv" "$IN"
    "$B" -c "$WB_CONF" run --once dispatch --options flush >>"$WB_LOG" 2>&1
    i=0
    while [ $i -lt 20 ]; do
        sleep 1
        "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
        st=$("$B" -c "$WB_CONF" status --json)
        case $st in *'"submitted":0'*) return 0 ;; esac
        [ -n "$(held_feed)" ] && return 0
        i=$((i + 1))
    done
    fail "$1: Amazon's answer was never taken"
}

rows_of() { echo $(($(wc -l <"$WB_TMP/$1.csv") - 1)); }

# LP_LIES: run only these lies (to see one fail alone)
n=0
for lie in ${LP_LIES:-empty errors_only unknown_ids overcount json flat other_feed \
    whole_error_beside gzip_bomb garbage no_result_doc}; do
    n=$((n + 1))
    wb_sim_ctl /_sim/faults "{\"report_lie\": \"$lie\", \"report_lie_next\": 1}" >/dev/null ||
        fail "sim: report_lie $lie"
    c0=$(wb_status_count confirmed)
    r0=$(wb_status_count rejected)
    k0=$(ls "$CORRUPT" 2>/dev/null | wc -l)
    send "$lie" "$((40 + n))"
    fid=$(held_feed)
    [ -n "$fid" ] || fail "$lie: the feed is not held"
    [ "$(wb_status_count confirmed)" = "$c0" ] || fail "$lie: rows were confirmed"
    [ "$(wb_status_count rejected)" = "$r0" ] || fail "$lie: rows were rejected"
    err=$("$B" -c "$WB_CONF" feeds | awk -v f="$fid" '$1 == f')
    case $lie in
    gzip_bomb | garbage) want="cannot be read" kind=feed-report-unreadable ;;
    no_result_doc) want="no processing report" kind=feed-no-report ;;
    *) want="does not add up" kind=feed-report-unproven ;;
    esac
    echo "$err" | grep -q "$want" || fail "$lie: wmsbridge feeds does not show the last error: $err"
    # polled again: still nothing settled, no second alert, corrupt/ does not grow
    "$B" -c "$WB_CONF" run --once feeds-poll --options now >>"$WB_LOG" 2>&1
    [ "$(wb_status_count confirmed)" = "$c0" ] || fail "$lie: rows confirmed on a second poll"
    a=$(grep -c "alert=$kind item=feed-$fid " "$WB_LOG")
    [ "$a" -eq 1 ] || fail "$lie: alert $kind raised $a times, not once"
    k1=$(ls "$CORRUPT" 2>/dev/null | wc -l)
    case $lie in
    gzip_bomb | no_result_doc) [ "$k1" -eq "$k0" ] || fail "$lie: corrupt/ changed" ;;
    *)
        [ "$k1" -eq $((k0 + 1)) ] || fail "$lie: the report is not kept in corrupt/ once ($k0 -> $k1)"
        ls "$CORRUPT" | grep -q "^0*$fid-" || fail "$lie: corrupt/ holds no report of feed $fid"
        ;;
    esac
    # settled by hand: confirmed, or rejected with the operator's reason
    rows=$(rows_of "$lie")
    if [ $((n % 2)) -eq 1 ]; then
        "$B" -c "$WB_CONF" resolve "$fid" --confirmed >>"$WB_LOG" 2>&1 ||
            fail "$lie: resolve --confirmed failed"
        [ "$(wb_status_count confirmed)" -eq $((c0 + rows)) ] ||
            fail "$lie: resolve --confirmed did not confirm the $rows rows"
    else
        "$B" -c "$WB_CONF" resolve "$fid" --rejected "checked in Seller Central: not shipped" \
            >>"$WB_LOG" 2>&1 || fail "$lie: resolve --rejected failed"
        [ "$(wb_status_count rejected)" -eq $((r0 + rows)) ] ||
            fail "$lie: resolve --rejected did not reject the $rows rows"
        cat "$W/spool/reject/dispatch/$lie-operator-$fid"-*.csv.reason 2>/dev/null |
            grep -q "E_OPERATOR" ||
            fail "$lie: no reject file with E_OPERATOR"
    fi
    [ -z "$(held_feed)" ] || fail "$lie: the feed is still held after resolve"
    "$B" -c "$WB_CONF" resolve "$fid" --confirmed >>"$WB_LOG" 2>&1
    [ $? -eq 65 ] || fail "$lie: a settled feed was settled by hand again"
    echo "$lie: nothing settled, $kind raised once, last error shown, settled by hand"
done

[ -n "${LP_LIES:-}" ] && { echo "ok (only $LP_LIES)"; exit 0; }

# a Result naming another order: that message rejected naming both ids, the others confirmed
wb_sim_ctl /_sim/faults '{"report_lie": "other_order", "report_lie_next": 1}' >/dev/null
c0=$(wb_status_count confirmed)
r0=$(wb_status_count rejected)
send other_order 61
[ -z "$(held_feed)" ] || fail "other_order: the feed is held"
rf=$(ls "$W"/spool/reject/dispatch/other_order-amazon-*.csv.reason 2>/dev/null | head -n 1)
[ -n "$rf" ] || fail "other_order: no reject file"
grep -q "E_REPORT_ORDER" "$rf" && grep -q "999-9999999-9999999" "$rf" ||
    fail "other_order: the reason does not name the report's order: $(cat "$rf")"
rej=$(($(wb_status_count rejected) - r0))
conf=$(($(wb_status_count confirmed) - c0))
[ "$rej" -ge 1 ] && [ $((rej + conf)) -eq "$(rows_of other_order)" ] ||
    fail "other_order: $rej rejected, $conf confirmed of $(rows_of other_order)"
echo "other_order: $rej row(s) rejected naming both orders, $conf confirmed"

# an honest report still settles every row
c0=$(wb_status_count confirmed)
send honest 71
[ -z "$(held_feed)" ] || fail "honest: the feed is held"
[ "$(wb_status_count confirmed)" -eq $((c0 + $(rows_of honest))) ] || fail "honest: not every row confirmed"
echo "ok"
