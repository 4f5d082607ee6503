#!/usr/bin/env python3
"""case_state - the state of one spool after a case of tests/cases ran, normalised.

Used by tests/integration/cases.sh (see tests/cases/README.md for the case format). Writes into
OUT (which it creates):
  ledger.txt        one line per ledger row: LANE FILE:LINE KEY STATE [REJECT_CODE], sorted
  files.txt         one line per ledger file record: LANE NAME STATE, in ledger order
  spool.txt         every file under the spool (ledger and lock files left out), sorted
  status.txt        `wmsbridge status --json` flattened: counts of every flow the case touched
                    (a flow whose counts are all 0 is left out) and of every feed state,
                    one line per open alert (kind, item)
  amazon.txt        what the simulator accepted: "accepted KEY N" per business key, sorted, and
                    "duplicates N" (messages Amazon saw twice)
  amazon-feeds.txt  the feeds at the simulator in creation order: type, status, messages by result
  injected.txt      the kinds of fault the simulator injected (429, 500, hang ...), one a line
  sim/NAME.json     each answer of a simulator control path the case names (sim_get), its
                    JSON pretty-printed with sorted keys
  commands.txt      the transcript of the case's `cmd` steps (when there was one)
  events.txt        for each log token listed in --events (event=NAME, alert=NAME ...):
                    "TOKEN COUNT", the number of log lines carrying it
  SPOOLDIR/...      a copy of every other spool file (reject/, feeds/, done/, out/ ...)
Normalised: the case's @NOW@ and @LEGACY@ times back to their placeholders, other UTC times to
@TIME@, today's date to @DATE@, Amazon's ids (amzn1....) to @AMZN_ID@, request ids to @UUID@, epoch seconds of the
run to @EPOCH@, the simulator's ids (epoch seconds and a count) to @SIM_ID@, in text and
in names.
Reads only what its arguments name; writes only under OUT; never changes the spool or the
ledger (which it opens read only).
"""
import argparse
import json
import os
import re
import sqlite3
import sys
import time

# ledger.h: enum ledger_row_state and enum ledger_file_state (the operator's words)
ROW_STATES = {1: "pending", 2: "queued", 3: "confirmed", 4: "rejected"}
FILE_STATES = {1: "claimed", 2: "parsed", 3: "done", 4: "rejected", 5: "duplicate", 6: "grew"}
LEDGER_FILES = re.compile(r"^(ledger\.db.*|\.lock)$")


class Norm:
    """Norm - the text substitutions of one run."""

    def __init__(self, now, legacy, started):
        self.fixed = [(v, k) for k, v in (("@NOW@", now), ("@LEGACY@", legacy)) if v]
        t = time.time()
        self.lo, self.hi = int(started) - 86400, int(t) + 86400
        self.dates = {time.strftime("%Y-%m-%d", time.gmtime(x)) for x in (started, t)}
        self.dates |= {time.strftime("%Y-%m-%d", time.localtime(x)) for x in (started, t)}

    def epoch(self, m):
        if not self.lo <= int(m.group(1)) <= self.hi:
            return m.group(0)
        return "@SIM_ID@" if m.group(2) else "@EPOCH@"

    def text(self, s):
        for v, k in self.fixed:
            s = s.replace(v, k)
        s = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "@TIME@", s)
        for d in self.dates:
            s = s.replace(d, "@DATE@")
        s = re.sub(r"amzn1\.[A-Za-z0-9._-]+", "@AMZN_ID@", s)
        s = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "@UUID@", s)
        # epoch seconds of the run; alone, or leading an id the simulator counts up from them
        return re.sub(r"(?<![0-9])(1[0-9]{9})([0-9]*)(?![0-9])", self.epoch, s)


def write(path, lines):
    """write - lines to path (a trailing newline after each)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def ledger(db, norm, out):
    """ledger - ledger.txt and files.txt from the ledger, opened read only."""
    if not os.path.exists(db):
        write(os.path.join(out, "ledger.txt"), [])
        write(os.path.join(out, "files.txt"), [])
        return
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    con.row_factory = sqlite3.Row
    fcols = {r[1] for r in con.execute("PRAGMA table_info(files)")}
    rcols = {r[1] for r in con.execute("PRAGMA table_info(rows)")}

    def lane(r, cols):
        acct = r["account"] if "account" in cols else ""
        return "%s/%s" % (acct, r["flow"]) if acct else r["flow"]

    rows = []
    for r in con.execute("SELECT r.*, f.name AS fname FROM rows r JOIN files f"
                         " ON f.id = r.file_id"):
        line = "%s %s:%s %s %s" % (lane(r, rcols), r["fname"], r["lineno"], r["key"],
                                   ROW_STATES.get(r["state"], "?%s" % r["state"]))
        if r["reject_code"]:
            line += " " + r["reject_code"]
        rows.append(norm.text(line))
    write(os.path.join(out, "ledger.txt"), sorted(rows))
    files = ["%s %s %s" % (lane(r, fcols), r["name"], FILE_STATES.get(r["state"], "?"))
             for r in con.execute("SELECT * FROM files ORDER BY id")]
    write(os.path.join(out, "files.txt"), [norm.text(x) for x in files])
    con.close()


def spool(root, norm, out):
    """spool - spool.txt and a normalised copy of every spool file but the ledger's."""
    names = []
    for d, dirs, files in os.walk(root):
        dirs.sort()
        for fn in sorted(files):
            rel = os.path.relpath(os.path.join(d, fn), root)
            if LEDGER_FILES.match(rel):
                continue
            nrel = norm.text(rel)
            names.append(nrel)
            dst = os.path.join(out, nrel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(os.path.join(d, fn), "rb") as f:
                data = f.read()
            try:
                data = norm.text(data.decode("utf-8")).encode("utf-8")
            except UnicodeDecodeError:
                pass  # bytes as they are
            with open(dst, "wb") as f:
                f.write(data)
    write(os.path.join(out, "spool.txt"), sorted(names))


def status(path, out):
    """status - status.txt from `status --json`: counts of flows and feeds, open alerts."""
    with open(path, encoding="utf-8") as f:
        st = json.load(f)
    lines = []
    for flow, c in sorted(st.get("flows", {}).items()):
        counts = [n for v in c.values() for n in (v.values() if isinstance(v, dict) else [v])
                  if isinstance(n, int)]
        if not any(counts):  # a flow the case never touched: nothing to say, whatever flows exist
            continue
        for k, v in sorted(c.items()):
            if isinstance(v, dict):
                lines += ["%s.%s.%s %s" % (flow, k, s, n) for s, n in sorted(v.items())]
            else:
                lines.append("%s.%s %s" % (flow, k, v))
    lines += ["feeds.%s %s" % kv for kv in sorted(st.get("feeds", {}).items())]
    lines += sorted("alert %s %s" % (a["kind"], a["item"]) for a in st.get("alerts", []))
    write(os.path.join(out, "status.txt"), lines)


def amazon(path, norm, out):
    """amazon - amazon.txt and amazon-feeds.txt from the simulator's /_sim/received."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    lines = ["accepted %s %d" % kv for kv in sorted(d.get("accepted_keys", {}).items())]
    lines.append("duplicates %d" % len(d.get("duplicates", [])))
    write(os.path.join(out, "amazon.txt"), lines)
    feeds = []
    for f in d.get("feeds", []):
        by = {}
        for m in f.get("messages", []):
            by[m["result"]] = by.get(m["result"], 0) + 1
        feeds.append("%s %s %s" % (f["feedType"], f["status"],
                                   " ".join("%s=%d" % kv for kv in sorted(by.items()))))
    feeds += ["call %s %s" % (c.get("operation"), c.get("result")) for c in d.get("calls", [])]
    write(os.path.join(out, "amazon-feeds.txt"), [norm.text(x) for x in feeds])


def injected(path, out):
    """injected - injected.txt: the kinds of fault the simulator injected, one a line."""
    with open(path, encoding="utf-8") as f:
        inj = json.load(f).get("injected", {})
    write(os.path.join(out, "injected.txt"), sorted(k for k, n in inj.items() if n))


def events(log, names, out):
    """events - events.txt: how many log lines carry each token (event=NAME ...)."""
    text = ""
    if log and os.path.exists(log):
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
    lines = []
    for n in names:
        pat = re.compile(r"(^|\s)%s(\s|$)" % re.escape(n))
        lines.append("%s %d" % (n, sum(1 for x in text.splitlines() if pat.search(x))))
    write(os.path.join(out, "events.txt"), lines)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--spool", required=True)
    p.add_argument("--ledger", required=True)
    p.add_argument("--status", required=True, help="file holding `status --json`")
    p.add_argument("--received", help="file holding the simulator's /_sim/received")
    p.add_argument("--stats", help="file holding the simulator's /_sim/stats")
    p.add_argument("--sim-get", help="directory of simulator answers (NAME.json)")
    p.add_argument("--commands", help="the transcript of the cmd steps")
    p.add_argument("--log", help="the log of the run")
    p.add_argument("--events", default="", help="file listing log tokens (event=NAME), one a line")
    p.add_argument("--now", default="")
    p.add_argument("--legacy", default="")
    p.add_argument("--started", type=float, default=time.time())
    p.add_argument("out")
    a = p.parse_args()
    norm = Norm(a.now, a.legacy, a.started)
    os.makedirs(a.out, exist_ok=True)
    spool(a.spool, norm, a.out)
    ledger(a.ledger, norm, a.out)
    status(a.status, a.out)
    if a.received and os.path.exists(a.received):
        amazon(a.received, norm, a.out)
    if a.stats and os.path.exists(a.stats):
        injected(a.stats, a.out)
    if a.sim_get and os.path.isdir(a.sim_get):
        for fn in sorted(os.listdir(a.sim_get)):
            with open(os.path.join(a.sim_get, fn), encoding="utf-8") as f:
                text = json.dumps(json.load(f), indent=1, sort_keys=True)
            write(os.path.join(a.out, "sim", fn), [norm.text(text)])
    if a.commands and os.path.exists(a.commands):
        with open(a.commands, encoding="utf-8", errors="replace") as f:
            write(os.path.join(a.out, "commands.txt"), [norm.text(f.read().rstrip("\n"))])
    if a.events and os.path.exists(a.events):
        with open(a.events, encoding="utf-8") as f:
            names = [x.split()[0] for x in f if x.strip() and not x.startswith("#")]
        events(a.log, names, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
