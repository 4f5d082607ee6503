#!/bin/sh
# durability.sh - durability without a power cut: the program's file system
# calls are traced (strace -ff -y) through real runs - intake with rejected
# rows, a feed built and submitted to the simulator, reports fetched and files
# settled into done/, an unsafely named file swept to reject/, requeue and
# hold - and every step under the spool is checked for the order that makes it
# survive a crash at any instant:
#   atomic write: temp created O_EXCL, written, fsync of the temp after its last
#                 write, rename onto the final name, fsync of that directory
#                 before the process renames anything else or exits;
#   move:         renameat2(RENAME_NOREPLACE) or link + unlink (never a plain
#                 rename onto a name that may exist), then fsync of both
#                 directories before the next rename or exit;
#   no file the program trusts is created in place (only temps, the ledger's
#   own files and the lock file).
# Skips (77) only when the system refuses tracing (ptrace); strace comes with
# scripts/deps.sh.
set -u
. "$WB_ROOT/tests/lib.sh"
trap wb_cleanup EXIT
fail() { wb_fail "$@"; }
B=$WB_BIN
export WB_LOG=$WB_TMP/log
command -v strace >/dev/null 2>&1 || { echo "FAIL: strace missing (sh scripts/deps.sh)"; exit 1; }
if ! strace -f -qq -o /dev/null true 2>"$WB_TMP/strace.err"; then
    echo "strace cannot trace here (ptrace refused): $(head -n 1 "$WB_TMP/strace.err")"
    exit 77
fi
# LeakSanitizer does not work under ptrace; leaks are checked by every other test
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

wb_start_sim "$WB_TMP/sim" --process-seconds 0 --rate-scale 50 || exit 1
W=$WB_TMP/w
wb_make_config "$W"
SP=$W/spool
IN=$SP/in/dispatch
mkdir -p "$IN" "$WB_TMP/tr"
N=0

# traced NAME ARGS... - run wmsbridge ARGS under strace, one trace file per process
traced() {
    N=$((N + 1))
    name=$1; shift
    strace -ff -y -qq -s 0 -o "$WB_TMP/tr/$N-$name" \
        -e trace=open,openat,creat,write,pwrite64,writev,pwritev,fsync,fdatasync,rename,renameat,renameat2,link,linkat,unlink,unlinkat,exit_group \
        "$B" -c "$WB_CONF" "$@" >>"$WB_LOG" 2>&1
}

# 1. intake (claim, reject file + reason), a feed built, validated and submitted
wb_gen_dispatch "$WB_TMP/a.csv" 40 7 15
wb_drop "$WB_TMP/a.csv" "$IN"
traced dispatch run --once dispatch --options flush || fail "dispatch run failed"
[ -f "$SP/reject/dispatch/a-rejects-1.csv" ] || fail "no reject file: the test needs rejected rows"

# 2. reports fetched, rows settled, the file moved to done/
r=0
while [ $r -lt 20 ]; do
    traced poll run --once feeds-poll --options now || fail "feeds-poll failed"
    traced dispatch run --once dispatch --options flush || fail "dispatch run failed"
    [ -z "$(ls "$SP/work/dispatch")" ] && break
    r=$((r + 1))
    sleep 0.5
done
[ -z "$(ls "$SP/work/dispatch")" ] || fail "a.csv did not settle"
ls "$SP"/done/*/dispatch/a.csv >/dev/null 2>&1 || fail "a.csv not in done/"

# 3. a file whose name cannot be handled is swept to reject/; requeue and hold move files back
printf 'x\n' >"$IN/-odd.csv"
touch -d '-1 hour' "$IN/-odd.csv"
traced sweep run --once dispatch --options flush || fail "dispatch run (sweep) failed"
ls "$SP/reject/dispatch/"unsafe-name-*.csv >/dev/null 2>&1 || fail "odd file not swept"
traced requeue requeue a-rejects-1.csv --flow dispatch || fail "requeue failed"
[ -f "$IN/a-rejects-1.csv" ] || fail "requeue did not move the file to in/"
traced hold hold a-rejects-1.csv --flow dispatch || fail "hold failed"

python3 - "$WB_TMP/tr" "$W" <<'PY' || fail "file system call order"
import os, re, sys

trdir, root = sys.argv[1], os.path.realpath(sys.argv[2])
call = re.compile(r'^(\w+)\((.*)\)\s+= (-?\d+|\?)')
fdpath = re.compile(r'(?:-?\d+|AT_FDCWD)<([^>]*)>')
strarg = re.compile(r'"((?:[^"\\]|\\.)*)"')
tmpname = re.compile(r'^\..+\.\d+\.\d+\.tmp$')
errors, stats = [], {"atomic": 0, "move": 0, "files": 0}

def ours(p):
    """a path under the test's tree that the program must write durably"""
    if not p.startswith(root + "/"):
        return False
    b = os.path.basename(p)
    return not (b.startswith("ledger.db") or b == ".lock" or p.endswith(".log"))

def join(dirp, name):
    return name if name.startswith("/") else os.path.join(dirp, name)

for fn in sorted(os.listdir(trdir)):
    stats["files"] += 1
    where = fn
    temps = {}      # temp path -> {"write": idx, "fsync": idx}
    pending = []    # (dir, why): directories that must be fsynced before the next step
    def settle_point(i, what):
        for d, why in pending:
            errors.append("%s: #%d %s before the directory %s was fsynced (after %s)"
                          % (where, i, what, d, why))
        pending.clear()
    for i, line in enumerate(open(os.path.join(trdir, fn), errors="replace")):
        m = call.match(line)
        if not m:
            continue
        name, args, ret = m.group(1), m.group(2), m.group(3)
        if name == "exit_group":
            settle_point(i, "exit")
            continue
        if ret == "?" or int(ret) < 0:
            continue
        fds = fdpath.findall(args)
        strs = [bytes(s, "utf-8").decode("unicode_escape") for s in strarg.findall(args)]
        if name in ("open", "openat", "creat"):
            res = fdpath.search(line[m.end(2):])
            path = res.group(1) if res else ""
            if ("O_CREAT" in args or name == "creat") and ours(path):
                if tmpname.match(os.path.basename(path)):
                    if "O_EXCL" not in args:
                        errors.append("%s: #%d temp %s created without O_EXCL" % (where, i, path))
                    temps[path] = {"write": None, "fsync": None}
                elif not os.path.isdir(path):
                    errors.append("%s: #%d %s created in place, not through a temp"
                                  % (where, i, path))
        elif name in ("write", "pwrite64", "writev", "pwritev"):
            p = fds[0] if fds else ""
            if p in temps:
                temps[p]["write"] = i
                if temps[p]["fsync"] is not None:
                    errors.append("%s: #%d %s written after its fsync" % (where, i, p))
        elif name in ("fsync", "fdatasync"):
            p = fds[0] if fds else ""
            if p in temps:
                temps[p]["fsync"] = i
            pending[:] = [(d, w) for d, w in pending if d != p]
        elif name in ("rename", "renameat", "renameat2"):
            if name == "rename":
                src, dst = strs[0], strs[1]
            else:
                src, dst = join(fds[0], strs[0]), join(fds[1], strs[1])
            if not (ours(src) or ours(dst)):
                continue
            settle_point(i, "rename %s" % os.path.basename(src))
            if src in temps:
                t = temps.pop(src)
                if t["fsync"] is None:
                    errors.append("%s: #%d temp %s renamed without an fsync of its own"
                                  % (where, i, src))
                stats["atomic"] += 1
                pending.append((os.path.dirname(dst), "atomic write of " + dst))
            else:
                if "RENAME_NOREPLACE" not in args:
                    errors.append("%s: #%d move %s -> %s may replace an existing file (%s)"
                                  % (where, i, src, dst, name))
                stats["move"] += 1
                pending.append((os.path.dirname(dst), "move to " + dst))
                if os.path.dirname(src) != os.path.dirname(dst):
                    pending.append((os.path.dirname(src), "move from " + src))
        elif name in ("link", "linkat"):
            src = strs[0] if name == "link" else join(fds[0], strs[0])
            dst = strs[1] if name == "link" else join(fds[1], strs[1])
            if ours(dst):
                settle_point(i, "link %s" % os.path.basename(src))
                stats["move"] += 1
                pending.append((os.path.dirname(dst), "link to " + dst))
                if os.path.dirname(src) != os.path.dirname(dst):
                    pending.append((os.path.dirname(src), "move from " + src))
    for p, t in temps.items():
        pass  # a temp left behind was aborted (and unlinked) or its process died: not ours here

for e in errors[:40]:
    print("FAIL:", e)
print("traced %(files)d processes: %(atomic)d atomic writes, %(move)d moves" % stats)
if stats["atomic"] < 5 or stats["move"] < 4:
    print("FAIL: too few writes or moves traced: the runs did not do what the test needs")
    sys.exit(1)
sys.exit(1 if errors else 0)
PY
echo "every atomic write and move under the spool followed write, fsync, rename, fsync of the directory"
