#!/bin/sh
# docs.sh - the manual pages stay in step with the code.
#
# Checks that docs/wmsbridge.1 and docs/wmsbridge.conf.5 document:
#   - every parameter of the configuration table (as printed by
#     `wmsbridge show`, cross-checked with src/core/conf.c), each as a
#     ".TP/.B key" entry whose first line names its type (and range for
#     integers) and whose second line reads "Default: <the default>." or
#     "Required." - for the top-level table and for remote.NAME.*;
#   - every command of `wmsbridge --help` (a ".SS name" subsection) and every
#     option string of src/main.c and src/cmd_*.c;
#   - every job of the job table (listed by `run --once` of an unknown job);
#   - the table of reject codes (`rejects --codes`, src/flows/rejectcodes.c):
#     every E_* code written in src/ is a row and every row is written; the
#     REJECT CODES section lists exactly its codes; every environment variable read
#     with getenv(); every sysexits code of src/core/wb.h that src/ uses;
#   - every layout key of src/layout/layout.c and logical dispatch field;
#   - the layout setting (FLOW_layout, with its default) of every flow of src/flows/flow.c;
#   - every alert kind raised in src/ (under alert_command, and in
#     docs/operations.md);
# then lints the pages (groff -ww, man --warnings; skipped if not
# installed), checks that `make install` installs every page, that the
# documents README.md names exist, and that relative links in docs/*.md
# resolve. docs/operations.md must list every reject code too.
#
# Environment: WB_BIN, WB_ROOT, WB_TMP. Exit 0 pass, 77 skip (last line says
# why), anything else fail.
set -u
: "${WB_ROOT:?WB_ROOT must name the repository root}"
B=${WB_BIN:-}
TMP=${WB_TMP:-}
[ -n "$TMP" ] || TMP=$(mktemp -d)
skip() { echo "docs: skipped: $*"; exit 77; }
[ -n "$B" ] && [ -x "$B" ] || skip "WB_BIN is not an executable wmsbridge (build it first)"
command -v python3 >/dev/null 2>&1 || skip "python3 not installed"

# A configuration that loads anywhere: maps and layouts of the tree, one remote.
C=$TMP/docs-conf
mkdir -p "$C" || exit 1
cat >"$C/wmsbridge.conf" <<EOF
merchant_id = DOCSCHECK
spool_dir = $TMP/docs-spool
ledger = $TMP/docs-spool/ledger.db
layout_dir = $WB_ROOT/formats
carriers_map = $WB_ROOT/etc/carriers.map
carrier_codes = $WB_ROOT/etc/amazon-carrier-codes.txt
skus_map = $WB_ROOT/etc/skus.map
result_codes = $WB_ROOT/etc/result-codes.map
remote.docs.host = 127.0.0.1
remote.docs.user = nobody
remote.docs.flow = dispatch
remote.docs.fingerprint = SHA256:AAAA
account.docs.merchant_id = DOCSCHECK2
EOF
"$B" -c "$C/wmsbridge.conf" show >"$TMP/show.txt" 2>"$TMP/show.err" || {
    echo "FAIL: wmsbridge show exited $?:"; cat "$TMP/show.err"; exit 1; }
"$B" --help >"$TMP/help.txt" 2>&1 || { echo "FAIL: wmsbridge --help exited $?"; exit 1; }
"$B" -c "$C/wmsbridge.conf" run --once no-such-job-docs >"$TMP/jobs.txt" 2>&1
rc=$?
[ $rc -eq 64 ] || { echo "FAIL: run --once of an unknown job exited $rc, not 64:"; cat "$TMP/jobs.txt"; exit 1; }
"$B" rejects --codes >"$TMP/codes.txt" 2>&1 || { echo "FAIL: rejects --codes exited $?"; cat "$TMP/codes.txt"; exit 1; }
"$B" alerts --types >"$TMP/atypes.txt" 2>&1 || { echo "FAIL: alerts --types exited $?"; cat "$TMP/atypes.txt"; exit 1; }
(cd "$WB_ROOT" && make -n -s install DESTDIR=/docs-destdir PREFIX=/usr 2>&1) >"$TMP/install.txt"

# Page lint, when the tools are there.
: >"$TMP/lint.txt"
lint=""
for page in "$WB_ROOT"/docs/*.[1-8]; do
    [ -f "$page" ] || continue
    if command -v groff >/dev/null 2>&1; then
        lint="$lint groff"
        groff -man -ww -z "$page" 2>&1 | sed "s|^|$(basename "$page"): groff: |" >>"$TMP/lint.txt"
    fi
    if command -v man >/dev/null 2>&1; then
        lint="$lint man"
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null |
            sed "s|^|$(basename "$page"): man: |" >>"$TMP/lint.txt"
    fi
done
[ -n "$lint" ] || echo "note: neither groff nor man installed: pages not linted"

python3 - "$WB_ROOT" "$TMP" <<'PYEOF'
import os, re, sys

root, tmp = sys.argv[1], sys.argv[2]
fails = []


def fail(msg):
    fails.append(msg)


def read(p):
    with open(p, encoding="utf-8") as f:
        return f.read()


def unroff(s):
    """roff source -> comparable text: escapes and font changes removed."""
    s = re.sub(r"\\f[BIRP]", "", s)
    s = s.replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
    s = s.replace("\\(aq", "'").replace("\\(dq", '"').replace("\\(mu", "x").replace("\\(ha", "^")
    return s


man1_src = read(os.path.join(root, "docs/wmsbridge.1"))
man5_src = read(os.path.join(root, "docs/wmsbridge.conf.5"))
man1 = unroff(man1_src)
man5 = unroff(man5_src)


def section(text, name):
    """lines of a .SH section (up to the next .SH)"""
    m = re.search(r'^\.SH "?%s"?\s*$(.*?)(?=^\.SH |\Z)' % re.escape(name), text, re.M | re.S)
    return m.group(1) if m else ""


def entries(text):
    """.TP / .B key entries: key -> (first line, second line) of the paragraph"""
    out = {}
    lines = text.split("\n")
    for i in range(len(lines) - 1):
        if lines[i].startswith(".TP"):
            m = re.match(r"^\.B (\S+)$", lines[i + 1])
            if m:
                out[m.group(1)] = (lines[i + 2] if i + 2 < len(lines) else "",
                                   lines[i + 3] if i + 3 < len(lines) else "")
    return out


# ---- configuration parameters ----
show_top, show_remote, show_account, show_layouts = [], [], [], []
for line in read(os.path.join(tmp, "show.txt")).splitlines():
    k = line.split(" = ", 1)[0]
    m = re.match(r"^remote\.docs\.(\w+)$", k)
    a = re.match(r"^account\.docs\.(\w+)$", k)
    if re.match(r"^\w+_layout$", k):
        show_layouts.append(k)
    elif m:
        show_remote.append(m.group(1))
    elif a:
        show_account.append(a.group(1))
    elif re.match(r"^\w+$", k):
        show_top.append(k)
    else:
        fail("show printed an unexpected line: %r" % line)

conf_c = read(os.path.join(root, "src/core/conf.c"))
flat = re.sub(r'"\s*\n\s*"', "", conf_c)  # join C string continuations
flat = re.sub(r"\s+", " ", flat)


def table(name):
    m = re.search(r"static const struct conf_param %s\[\] = \{(.*?)\};" % name, flat)
    if not m:
        fail("cannot find the %s table in src/core/conf.c" % name)
        return []
    rows = re.findall(r'\{"(\w+)", CONF_(\w+), (NULL|"[^"]*"), [RA]?OFF\(\w+\), (-?\d+), (-?\d+),',
                      m.group(1))
    return [(n, t, None if d == "NULL" else d[1:-1], int(lo), int(hi)) for n, t, d, lo, hi in rows]


top, remote, account = table("params"), table("remote_params"), table("account_params")
if [r[0] for r in account] != show_account:
    fail("src/core/conf.c account_params %s differ from `show` %s"
         % ([r[0] for r in account], show_account))
if [r[0] for r in top] != show_top:
    fail("src/core/conf.c params %s differ from `show` %s" % ([r[0] for r in top], show_top))
if [r[0] for r in remote] != show_remote:
    fail("src/core/conf.c remote_params %s differ from `show` %s"
         % ([r[0] for r in remote], show_remote))

TYPE_WORD = {"STR": "Text", "INT": "Integer", "BOOL": "Boolean", "FILE": "File",
             "DIR": "Directory", "PATH": "Path", "URL": "URL"}


def check_params(rows, where, sect):
    ent = entries(sect)
    for name, typ, default, lo, hi in rows:
        label = where + name
        if name not in ent:
            fail("wmsbridge.conf.5: %s is not documented (.TP/.B %s)" % (label, name))
            continue
        first, second = ent[name]
        want = TYPE_WORD[typ] + (", %d to %d." % (lo, hi) if typ == "INT" else ".")
        if first.strip() != want:
            fail("wmsbridge.conf.5: %s: type line %r, expected %r" % (label, first, want))
        second = second.strip()
        if default is None:
            if second != "Required.":
                fail("wmsbridge.conf.5: %s has no default: expected 'Required.', got %r"
                     % (label, second))
            continue
        m = re.match(r"^Default: (.*?)(?: \(.*\))?\.$", second)
        got = m.group(1) if m else None
        exp = default if default != "" else "empty"
        if got != exp:
            fail("wmsbridge.conf.5: %s: default line %r, the code says %r" % (label, second, exp))


check_params(top, "", section(man5, "PARAMETERS"))
flow_c = re.sub(r"\s+", " ", read(os.path.join(root, "src/flows/flow.c")))
flow_rows = re.findall(r'\.name = "(\w+)", .*?\.layout_default = "([^"]+)"', flow_c)
if not flow_rows:
    fail("cannot find the flow table in src/flows/flow.c")
check_params([(f + "_layout", "STR", d, 0, 0) for f, d in flow_rows], "",
             section(man5, "PARAMETERS"))
if sorted(f + "_layout" for f, _ in flow_rows) != sorted(show_layouts):
    fail("src/flows/flow.c flows %s differ from the layouts `show` prints %s"
         % ([f for f, _ in flow_rows], show_layouts))
check_params(remote, "remote.NAME.", section(man5, "REMOTES"))
check_params(account, "account.NAME.", section(man5, "ACCOUNTS"))

# ---- commands and options ----
cmds = re.findall(r"^  ([a-z][a-z-]*) ", read(os.path.join(tmp, "help.txt")), re.M)
if not cmds:
    fail("no commands found in `wmsbridge --help`")
for c in cmds:
    if not re.search(r"^\.SS \"?%s\b" % re.escape(c), man1, re.M):
        fail("wmsbridge.1: command %s has no .SS subsection" % c)
opts = set()
srcs = ["src/main.c"] + sorted("src/" + f for f in os.listdir(os.path.join(root, "src"))
                               if f.startswith("cmd_") and f.endswith(".c"))
for f in srcs:
    for o in re.findall(r'"(--?[a-z][a-z-]*)"', read(os.path.join(root, f))):
        opts.add(o)
for o in sorted(opts):
    if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(o), man1):
        fail("wmsbridge.1: option %s (in src/main.c or src/cmd_*.c) is not documented" % o)

# ---- jobs ----
m = re.search(r"\(jobs:([^)]*)\)", read(os.path.join(tmp, "jobs.txt")))
jobs = m.group(1).split() if m else []
if not jobs:
    fail("no job list in the answer of `run --once` for an unknown job")
jsec = section(man1, "JOBS")
sched = section(man5, "SCHEDULE FILE")
for j in jobs:
    if not re.search(r"^\.B %s$" % re.escape(j), jsec, re.M):
        fail("wmsbridge.1: job %s is not in JOBS" % j)
    if not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(j), sched):
        fail("wmsbridge.conf.5: job %s is not named in SCHEDULE FILE" % j)

# ---- reject codes, environment, exit codes ----
codes, envs = set(), set()
for d, _, files in os.walk(os.path.join(root, "src")):
    for f in files:
        if f.endswith((".c", ".h")):
            s = read(os.path.join(d, f))
            codes.update(re.findall(r'"(E_[A-Z_]+)"', s))
            envs.update(re.findall(r'getenv\("(\w+)"\)', s))
# The table of reject codes (`rejects --codes`) is the source: every code src/ writes is a
# row of it, every row is written somewhere, and the manual and operations.md follow it.
table = {}
for line in read(os.path.join(tmp, "codes.txt")).splitlines():
    f = line.split("\t")
    if len(f) != 4 or not re.fullmatch(r"E_[A-Z_]+", f[0]) or not all(f[1:]):
        fail("rejects --codes: not code<TAB>owner<TAB>meaning<TAB>action: %r" % line)
    elif f[0] in table:
        fail("rejects --codes: %s twice" % f[0])
    else:
        table[f[0]] = f
used = set()
for d, _, files in os.walk(os.path.join(root, "src")):
    for f in files:
        if f.endswith((".c", ".h")) and f not in ("rejectcodes.c", "rejectcodes.h"):
            used.update(re.findall(r'"(E_[A-Z_]+)"', read(os.path.join(d, f))))
for c in sorted(used - set(table)):
    fail("src/: reject code %s is not in the table (src/flows/rejectcodes.c)" % c)
for c in sorted(set(table) - used):
    fail("src/flows/rejectcodes.c: reject code %s is written nowhere in src/" % c)
codes |= set(table)
rsec = section(man1, "REJECT CODES")
ops_path = os.path.join(root, "docs/operations.md")
ops = read(ops_path) if os.path.exists(ops_path) else ""
for c in sorted(codes):
    if not re.search(r"\b%s\b" % c, rsec):
        fail("wmsbridge.1: reject code %s is not in REJECT CODES" % c)
    if not re.search(r"\b%s\b" % c, ops):
        fail("docs/operations.md: reject code %s is not explained" % c)
for c in sorted(set(re.findall(r"\b(E_[A-Z_]+)\b", rsec)) - set(table)):
    fail("wmsbridge.1: REJECT CODES lists %s, which is not in the table" % c)
envsec = section(man1, "ENVIRONMENT") + section(man1, "TESTING")
for e in sorted(envs):
    if not re.search(r"\b%s\b" % e, envsec):
        fail("wmsbridge.1: environment variable %s is not in ENVIRONMENT (or TESTING)" % e)
exsec = section(man1, "EXIT STATUS")
used = set()
for d, _, files in os.walk(os.path.join(root, "src")):
    for f in files:
        if f.endswith(".c"):
            used.update(re.findall(r"\b(WB_EX_\w+)\b", read(os.path.join(d, f))))
for n, v in re.findall(r"#define (WB_EX_\w+) (\d+)", read(os.path.join(root, "src/core/wb.h"))):
    if n in used and not re.search(r"^\.B %s$" % v, exsec, re.M):
        fail("wmsbridge.1: exit code %s (%s) is not in EXIT STATUS" % (v, n))

# ---- alert kinds ----
kinds = set()
for d, _, files in os.walk(os.path.join(root, "src")):
    for f in files:
        if f.endswith(".c"):
            text = read(os.path.join(d, f))
            kinds.update(re.findall(r'(?:alert_raise|alert_raise_in|feed_alert)\(\w+, "([a-z-]+)"',
                                    text))
            # kinds chosen into a variable first: const char *kind = c ? "a-b" : "c-d";
            for m in re.findall(r'const char \*kind = ([^;]*);', text):
                kinds.update(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', m))
if not kinds:
    fail("no alert kinds found in src/ (alert_raise or feed_alert calls)")
# the table of alert types (`alerts --types`, src/flows/alert.c): every kind raised is a row;
# the runbook of docs/operations.md has each row with the same owner, severity, meaning and
# what to do
atypes = {}
for line in read(os.path.join(tmp, "atypes.txt")).splitlines():
    f = line.split("\t")
    if len(f) != 5 or not all(f) or f[1] not in ("ops", "warehouse", "finance", "it") or \
            f[2] not in ("critical", "warning"):
        fail("alerts --types: not type<TAB>owner<TAB>severity<TAB>meaning<TAB>action: %r" % line)
    atypes[f[0]] = f
for k in sorted(kinds - set(atypes)):
    fail("src/: alert kind %s is not in the table of alert types (src/flows/alert.c)" % k)
alert_text = re.search(r"^\.B alert_command$(.*?)^\.TP", man5, re.M | re.S)
for k in sorted(kinds | set(atypes)):
    if not alert_text or k not in alert_text.group(1):
        fail("wmsbridge.conf.5: alert kind %s is not listed under alert_command" % k)
    if "`%s`" % k not in ops:
        fail("docs/operations.md: alert kind %s is not in the alerts table" % k)
for k, f in sorted(atypes.items()):
    row = "| `%s` | %s |" % (k, " | ".join(x.replace("|", "\\|") for x in f[1:]))
    if row not in ops:
        fail("docs/operations.md: the runbook row of %s is not the table's: %s" % (k, row))

# ---- layout keys and fields ----
lay = read(os.path.join(root, "src/layout/layout.c"))
lsec = section(man5, "LAYOUT FILES")
for k in sorted(set(re.findall(r'strcmp\(key, "(\w+)"\)', lay)) | {"field"}):
    if not re.search(r"^\.BI? %s\b" % k, lsec, re.M):
        fail("wmsbridge.conf.5: layout key %s is not in LAYOUT FILES" % k)
disp = read(os.path.join(root, "src/flows/dispatch.c"))
for arr in re.findall(r"const char \*const dispatch_\w+\[\] = \{(.*?)\};", disp, re.S):
    for fld in re.findall(r'"(\w+)"', arr):
        if not re.search(r"\b%s\b" % fld, lsec):
            fail("wmsbridge.conf.5: dispatch layout field %s is not in LAYOUT FILES" % fld)

# ---- install target ----
inst = read(os.path.join(tmp, "install.txt"))
for page in sorted(os.listdir(os.path.join(root, "docs"))):
    m = re.match(r"^.*\.([1-8])$", page)
    if m and not re.search(r"install .*docs/%s .*/share/man/man%s/" % (re.escape(page), m.group(1)),
                           inst):
        fail("Makefile: `make install` does not install docs/%s into man%s" % (page, m.group(1)))

# ---- documents and links ----
readme = read(os.path.join(root, "README.md"))
for d in ["docs/design.md", "docs/operations.md", "docs/reliability.md"]:
    if not os.path.exists(os.path.join(root, d)):
        fail("%s is missing" % d)
for p in sorted(set(re.findall(r"\b(docs/[\w./-]*\w)", readme))):
    if not os.path.exists(os.path.join(root, p)):
        fail("README.md names %s, which does not exist" % p)
for f in sorted(os.listdir(os.path.join(root, "docs"))):
    if f.endswith(".md"):
        for link in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", read(os.path.join(root, "docs", f))):
            if not re.match(r"^[a-z]+:", link) and \
                    not os.path.exists(os.path.join(root, "docs", link)):
                fail("docs/%s links to %s, which does not exist" % (f, link))

# ---- lint ----
for line in read(os.path.join(tmp, "lint.txt")).splitlines():
    if line.strip():
        fail("lint: " + line)

for f in fails:
    print("FAIL:", f)
print("docs: %d parameters, %d remote keys, %d commands, %d options, %d jobs, %d reject codes, "
      "%d alert kinds, %d environment variables checked; %d problem(s)"
      % (len(top), len(remote), len(cmds), len(opts), len(jobs), len(codes), len(kinds), len(envs),
         len(fails)))
sys.exit(1 if fails else 0)
PYEOF
