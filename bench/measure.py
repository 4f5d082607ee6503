#!/usr/bin/env python3
"""measure - run one benchmark command several times and report its best run.

usage: measure.py REPS INPUT OUTPUT -- COMMAND [ARGS...]

Runs COMMAND REPS times with standard input from INPUT and standard output to
OUTPUT (stderr of the last run is passed through). Each run is waited for
with wait4, so its CPU time and peak resident set size are its own and not
mixed with other children. Prints one line of key=value pairs:
  wall=   best wall-clock seconds
  cpu=    best user+system CPU seconds
  rss_kb= largest peak RSS of any run, in KiB
The peak RSS comes from /usr/bin/time when it is there: the rusage of a
child forked from this interpreter counts the interpreter's own pages before
exec, which would hide a program smaller than Python. Without it, rss_kb is
that upper bound and approx=1 is added to the line.
  rc=     exit status of the last run (128+N for signal N)
Standard library only; owned by bench/.
"""
import os
import subprocess
import sys
import tempfile
import time

GNU_TIME = "/usr/bin/time"


def run_once(cmd, inp, outp, rss_file):
    """wall seconds, cpu seconds, peak RSS KiB and exit status of one run"""
    if rss_file:
        cmd = [GNU_TIME, "-q", "-f", "%M", "-o", rss_file] + cmd
    with open(inp, "rb") as fi, open(outp, "wb") as fo:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdin=fi, stdout=fo)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        p.returncode = 0  # reaped here; keep Popen from waiting again
    rc = os.waitstatus_to_exitcode(status)
    if rc < 0:
        rc = 128 - rc
    kb = ru.ru_maxrss
    if rss_file:
        with open(rss_file) as f:
            kb = int(f.read().split()[-1])
    return wall, ru.ru_utime + ru.ru_stime, kb, rc


def main():
    argv = sys.argv[1:]
    if len(argv) < 5 or argv[3] != "--":
        sys.stderr.write(__doc__)
        return 64
    reps, inp, outp, cmd = int(argv[0]), argv[1], argv[2], argv[4:]
    best_wall = best_cpu = float("inf")
    rss = 0
    rc = 0
    exact = os.access(GNU_TIME, os.X_OK)
    with tempfile.NamedTemporaryFile(prefix="measure-") as tf:
        for _ in range(max(reps, 1)):
            wall, cpu, kb, rc = run_once(cmd, inp, outp, tf.name if exact else None)
            best_wall, best_cpu, rss = min(best_wall, wall), min(best_cpu, cpu), max(rss, kb)
            if rc not in (0, 65):
                break
    print("wall=%.3f cpu=%.3f rss_kb=%d rc=%d%s"
          % (best_wall, best_cpu, rss, rc, "" if exact else " approx=1"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
