#!/bin/sh
# libs_missing.sh - libraries loaded on first use: a command that does not
# need one runs without it, and one that does fails the operation that needs
# it with EX_CONFIG (78) and a sentence naming the package to install, never
# a crash and never a lost file. A preload shim makes dlopen of chosen
# sonames fail, as if the package were not installed. Each module must load
# the SONAME of the library its headers came with.
set -u
. "$WB_ROOT/tests/lib.sh"
B=$WB_BIN
fails=0
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# the shim: dlopen of a soname starting with one of the prefixes in WB_DENY fails
cat >"$WB_TMP/deny.c" <<'SHIM'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

void *dlopen(const char *file, int flags)
{
    static void *(*real)(const char *, int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "dlopen");
    const char *deny = getenv("WB_DENY");
    for (const char *p = deny; file && p && *p;) {
        size_t n = strcspn(p, ",");
        if (n && strncmp(file, p, n) == 0)
            return NULL;
        p += n + (p[n] == ',');
    }
    return real(file, flags);
}
SHIM
${CC:-cc} -shared -fPIC -o "$WB_TMP/deny.so" "$WB_TMP/deny.c" -ldl ||
    { echo "cannot build the preload shim"; exit 77; }
# sanitizer builds want their runtime first; the shim only forwards dlopen
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# denied PREFIXES CMD... - run CMD with those libraries missing; sets OUT and RC
denied() {
    d=$1
    shift
    OUT=$(LD_PRELOAD="$WB_TMP/deny.so" WB_DENY="$d" "$@" 2>&1)
    RC=$?
}

# expect RC PATTERN WHAT - the last denied run's exit code and output
expect() {
    [ "$RC" -eq "$1" ] || { bad "$3: exit $RC, expected $1"; echo "$OUT" | tail -n 5; return; }
    echo "$OUT" | grep -q -- "$2" || { bad "$3: output lacks '$2'"; echo "$OUT" | tail -n 5; return; }
    echo "ok   $3"
}

# none of the five is linked: they load when first used, or never
linked=$(ldd "$B" 2>/dev/null | grep -oE 'lib(xml2|sqlite3|ssh2|crypto|curl)[^ ]*' | tr '\n' ' ')
[ -z "$linked" ] && echo "ok   none of libxml2, libsqlite3, libssh2, libcrypto, libcurl is linked" ||
    bad "linked at start: $linked"

# each module loads first the soname of the library its headers came with (the -dev
# package's link): a newer major would otherwise fail only when first used
for entry in libxml-2.0:libxml2.so:src/amazon/xmllib.c sqlite3:libsqlite3.so:src/spool/ledger.c \
    libssh2:libssh2.so:src/net/sftp.c libcrypto:libcrypto.so:src/core/fsutil.c \
    libcurl:libcurl.so:src/net/http.c; do
    pc=${entry%%:*}
    rest=${entry#*:}
    link=${rest%%:*}
    src=${rest#*:}
    dir=$(pkg-config --variable=libdir "$pc" 2>/dev/null)
    have=$(objdump -p "$dir/$link" 2>/dev/null | awk '/SONAME/ {print $2}')
    want=$(grep -o 'sonames\[\] = {"[^"]*"' "$WB_ROOT/$src" | sed 's/.*{"//; s/"$//')
    if [ -z "$have" ]; then
        echo "skip $pc: no $dir/$link to read a SONAME from"
    elif [ "$have" = "$want" ]; then
        echo "ok   $src loads $want, the SONAME of the $pc it is built with"
    else
        bad "$src loads $want first, but the $pc it is built with is $have"
    fi
done

# the shim works: denied, the library is reported missing by name
denied libsqlite3 "$B" -c /nonexistent status
echo "$OUT" | grep -q "Segmentation\|AddressSanitizer" && bad "status crashed: $OUT"

wb_make_config "$WB_TMP/w" \
    "remote.wms.host = 127.0.0.1" "remote.wms.port = 1" "remote.wms.user = nobody" \
    "remote.wms.password_file = $WB_TMP/w/etc/password" "remote.wms.fingerprint = SHA256:x" \
    "remote.wms.remote_dir = /export" "remote.wms.flow = dispatch" "remote.wms.direction = pull" \
    "retry_max = 0" "http_timeout = 2"
printf 'secret\n' >"$WB_TMP/w/etc/password"
chmod 600 "$WB_TMP/w/etc/password"
C=$WB_CONF
wb_gen_dispatch "$WB_TMP/in.csv" 40 5 0

# convert needs none of them: the same feed with all five missing
A="convert dispatch --layout $WB_ROOT/formats/dispatch-utf8.layout --carriers $WB_ROOT/etc/carriers.map --skus $WB_TMP/w/etc/skus.map"
# shellcheck disable=SC2086
"$B" $A <"$WB_TMP/in.csv" >"$WB_TMP/feed.xml" 2>/dev/null
rc=$?
LD_PRELOAD="$WB_TMP/deny.so" WB_DENY=libxml2,libsqlite3,libssh2,libcrypto,libcurl \
    "$B" $A <"$WB_TMP/in.csv" >"$WB_TMP/feed-denied.xml" 2>"$WB_TMP/denied.err"
rc2=$?
if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ] && cmp -s "$WB_TMP/feed.xml" "$WB_TMP/feed-denied.xml" &&
    grep -q "<MessageID>20</MessageID>" "$WB_TMP/feed.xml"; then
    echo "ok   convert writes the same feed without libxml2, libsqlite3, libssh2, libcrypto, libcurl"
else
    bad "convert without the libraries: exit $rc2 (normally $rc), feeds differ or are short"
    tail -n 3 "$WB_TMP/denied.err"
fi

# a value that needs escaping needs libxml2
# shellcheck disable=SC2086
denied libxml2 "$B" $A --merchant 'M&<X>' <"$WB_TMP/in.csv"
expect 78 "libxml2 cannot be loaded.*install libxml2" "escaping without libxml2: EX_CONFIG, the package named"
S=$(wb_shared)
if [ -n "$S" ]; then
    # shellcheck disable=SC2086
    denied libxml2 "$B" $A --xsd-dir "$S/amazon" <"$WB_TMP/in.csv"
    expect 78 "libxml2 cannot be loaded.*install libxml2" "schema check without libxml2"
fi

# the ledger needs libsqlite3
denied libsqlite3 "$B" -c "$C" status
expect 78 "libsqlite3 cannot be loaded.*install libsqlite3-0" "status without libsqlite3"

# an SFTP remote needs libssh2: check says so for the remote, nothing crashes
denied libssh2 "$B" -c "$C" check
[ "$RC" -ne 0 ] && echo "$OUT" | grep -q "libssh2 cannot be loaded.*install libssh2-1" &&
    echo "ok   check names the missing libssh2 for the remote" ||
    { bad "check without libssh2: exit $RC"; echo "$OUT" | tail -n 5; }

# intake digests files with libcrypto: without it the run fails and the file stays
mkdir -p "$WB_TMP/w/spool/in/dispatch"
wb_drop "$WB_TMP/in.csv" "$WB_TMP/w/spool/in/dispatch"
denied libcrypto "$B" -c "$C" run --once dispatch
kept=$(find "$WB_TMP/w/spool/in" "$WB_TMP/w/spool/work" -name 'in.csv*' 2>/dev/null | wc -l)
if [ "$RC" -eq 78 ] && [ "$kept" -ge 1 ] && echo "$OUT" | grep -q "libcrypto cannot be loaded"; then
    echo "ok   intake without libcrypto: EX_CONFIG, the file kept for the next run"
else
    bad "intake without libcrypto: exit $RC, $kept copies kept"
    echo "$OUT" | tail -n 5
fi
# and with it back, the same file is taken in: its 40 rows reach the ledger (nothing sent:
# there is no Amazon here)
"$B" -c "$C" run --once dispatch >/dev/null 2>&1
st=$("$B" -c "$C" status --json 2>/dev/null)
left=$(find "$WB_TMP/w/spool/in" -name 'in.csv*' | wc -l)
rows=$(echo "$st" | grep -o '"rows":{[^}]*}' | grep -o '[0-9][0-9]*' | awk '{n += $1} END {print n + 0}')
if [ "$left" -eq 0 ] && [ "$rows" -eq 40 ]; then
    echo "ok   the kept file is taken in once libcrypto is back (40 rows in the ledger)"
else
    bad "with libcrypto back: $left left in in/, $rows rows in the ledger: $st"
fi

[ "$fails" -eq 0 ] || exit 1
echo "libs_missing: all checks passed"
