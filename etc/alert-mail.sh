#!/bin/sh
# alert-mail.sh - an example alert_command for wmsbridge: reads the alert's JSON object on
# standard input and mails it to its owner's address with sendmail(8), or, when
# WMSBRIDGE_WEBHOOK is set in this file, posts the JSON to that URL with curl(1).
# Arguments (TYPE KEY TEXT) are there too; this script uses the JSON. Standard tools only:
# sed, sendmail, curl. Install as /usr/local/bin/wmsbridge-alert, mode 0755, and set
# `alert_command = /usr/local/bin/wmsbridge-alert`. wmsbridge runs it with PATH=/usr/bin:/bin.
set -u
# the address of each owner (ops, warehouse, finance, it)
OPS=wms-ops@example.com
WAREHOUSE=warehouse-lead@example.com
FINANCE=finance@example.com
IT=it-oncall@example.com
WMSBRIDGE_WEBHOOK=""    # e.g. https://chat.example.com/hooks/XXXX
SENDMAIL=/usr/sbin/sendmail

json=$(cat)
field() { printf '%s' "$json" | sed -n "s/.*\"$1\":\"\\(\\([^\"\\\\]\\|\\\\.\\)*\\)\".*/\\1/p"; }
type=$(field type); key=$(field key); owner=$(field owner); state=$(field state)
severity=$(field severity); text=$(field text); todo=$(field what_to_do)
account=$(field account); flow=$(field flow); since=$(field first_seen)
case $owner in
warehouse) to=$WAREHOUSE ;;
finance) to=$FINANCE ;;
it) to=$IT ;;
*) to=$OPS ;;
esac
if [ -n "$WMSBRIDGE_WEBHOOK" ]; then
    printf '%s' "$json" | curl -sS -m 20 -H 'Content-Type: application/json' --data-binary @- \
        "$WMSBRIDGE_WEBHOOK" >/dev/null
    exit $?
fi
subject="[wmsbridge] $state $severity: $type $key"
[ "$state" = resolved ] && subject="[wmsbridge] resolved: $type $key"
{
    printf 'To: %s\nSubject: %s\n\n' "$to" "$subject"
    printf 'What:        %s\nKey:         %s\nAccount:     %s\nFlow:        %s\n' \
        "$type" "$key" "$account" "$flow"
    printf 'Owner:       %s\nSeverity:    %s\nFirst seen:  %s\nState:       %s\n\n' \
        "$owner" "$severity" "$since" "$state"
    printf '%s\n\nWhat to do: %s\n' "$text" "$todo"
} | "$SENDMAIL" -t
