#!/usr/bin/env python3
"""mutate.py - plant each bug of tests/mutants/ in a scratch copy of the tree, build it and run
the tests the mutant names; print one line per mutant and the score, exit 1 unless every
mutant was caught.

    python3 tests/mutate.py [--build DIR] [NAME...]      (make mutate [MUTANTS="NAME..."])
    python3 tests/mutate.py --check      every mutant parses and applies to the tree as it is
                                         (no build: run by make check, so a mutant whose lines
                                         the code left behind is found the day it goes stale)

The scratch copy is DIR/mutate/tree (DIR: the Makefile's BUILD, default build), built with
VARIANT=asan in its own build/ (seeded from DIR/asan when that exists, so only what a mutant
touches is compiled). Every named test first runs on the clean copy; a test that does not pass
there cannot catch anything and is left out. A mutant that does not apply (its lines match no
place or several), does not build or has no usable test is an error, never counted as caught.
Never touches the working tree; only DIR/mutate.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.realpath(os.path.join(os.path.dirname(__file__), ".."))
MUTANTS = os.path.join(ROOT, "tests", "mutants")
UNIT_TIMEOUT, INTEGRATION_TIMEOUT = 300, 900


class MutantError(Exception):
    """a mutant that cannot be judged"""


def parse(path):
    """file, tests and [(old lines, new lines)] of a mutant file"""
    fields, blocks, body = {}, [], False
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if not body:
                if line == "---":
                    body = True
                elif line.strip() and not line.startswith("#"):
                    key, sep, val = line.partition(":")
                    if not sep or key.strip() not in ("file", "tests"):
                        raise MutantError("line %d: expected 'file:', 'tests:' or '---'" % n)
                    fields[key.strip()] = val.strip()
                continue
            if line.startswith("-"):
                if not blocks or blocks[-1][1]:
                    blocks.append(([], []))
                blocks[-1][0].append(line[1:])
            elif line.startswith("+"):
                if not blocks:
                    raise MutantError("line %d: '+' before any '-' line" % n)
                blocks[-1][1].append(line[1:])
            elif line.strip():
                raise MutantError("line %d: lines after '---' start with '-' or '+'" % n)
    if "file" not in fields or not fields.get("tests") or not blocks:
        raise MutantError("needs 'file:', 'tests:' and at least one '-' line after '---'")
    return fields["file"], fields["tests"].split(), blocks


def apply(text, blocks):
    """the text with every block replaced; MutantError unless each matches exactly once"""
    lines = text.split("\n")
    for old, new in blocks:
        want = [s.strip() for s in old]
        hits = [i for i in range(len(lines) - len(want) + 1)
                if [s.strip() for s in lines[i:i + len(want)]] == want]
        if len(hits) != 1:
            raise MutantError("does not apply: '%s' matches %d places"
                              % (want[0][:60], len(hits)))
        lines[hits[0]:hits[0] + len(want)] = new
    return "\n".join(lines)


def source_files():
    """the tree's files: git's tracked and new ones, or (no git) all but build output"""
    r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT,
                       capture_output=True)
    if r.returncode == 0:
        return [f for f in r.stdout.decode().split("\0") if f]
    out = []
    for d, subdirs, files in os.walk(ROOT):
        rel = os.path.relpath(d, ROOT)
        subdirs[:] = [s for s in subdirs if os.path.normpath(os.path.join(rel, s))
                      not in ("build", ".git", os.path.join("tests", "out"))]
        out += [os.path.normpath(os.path.join(rel, f)) for f in files]
    return out


def sync_tree(tree):
    """copy the tracked and new files of the working tree into tree; a file whose content
    changed gets a fresh mtime so make rebuilds what depends on it"""
    for rel in source_files():
        src, dst = os.path.join(ROOT, rel), os.path.join(tree, rel)
        if not os.path.isfile(src) or os.path.islink(src):
            continue
        with open(src, "rb") as f:
            data = f.read()
        if not os.path.exists(dst):
            # first copy: the file's own mtime, so a build seeded from build/asan stays valid
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy2(src, dst)
            continue
        with open(dst, "rb") as f:
            if f.read() == data:
                continue
        write(dst, data)
        shutil.copymode(src, dst)


def write(path, data):
    """write the file and give it a fresh mtime"""
    with open(path, "wb") as f:
        f.write(data)
    now = time.time()
    os.utime(path, (now, now))


def build(tree, log):
    """make VARIANT=asan all unit in tree; True on success"""
    with open(log, "w") as f:
        r = subprocess.run(["make", "-C", tree, "VARIANT=asan", "BUILD=build", "all", "unit",
                            "-j%s" % os.environ.get("WB_MUTATE_JOBS", "2")],
                           stdout=f, stderr=subprocess.STDOUT)
    return r.returncode == 0


def shared_dir():
    """the shared reference dir (Amazon XSDs) or empty, as tests/run.sh finds it"""
    for d in (os.path.join(ROOT, "..", "shared"), os.environ.get("WB_SHARED_DIR", "/nonexistent")):
        if os.path.isfile(os.path.join(d, "amazon", "order-envelope.xsd")):
            return os.path.realpath(d)
    return ""


def test_path(tree, test):
    """the binary or script of a test name, or None"""
    kind, _, name = test.partition("/")
    if kind == "unit" and os.path.isfile(os.path.join(tree, "tests", "unit", name + ".c")):
        return os.path.join(tree, "build", "asan", "tests", name)
    if kind == "integration":
        p = os.path.join(tree, "tests", "integration", name + ".sh")
        if os.path.isfile(p):
            return p
    return None


def run_test(tree, test, log):
    """exit status of one test (77: skipped; 124: timed out)"""
    path = test_path(tree, test)
    b = os.path.join(tree, "build", "asan")
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0:halt_on_error=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
    env.update(WB_BIN=os.path.join(b, "wmsbridge"), WB_BUILD=b, WB_ROOT=tree,
               WB_SHARED=shared_dir())
    tmp = tempfile.mkdtemp(prefix="wbmutate.")
    env["WB_TMP"] = tmp
    cmd = [path] if test.startswith("unit/") else ["sh", path]
    timeout = UNIT_TIMEOUT if test.startswith("unit/") else INTEGRATION_TIMEOUT
    try:
        with open(log, "w") as f:
            r = subprocess.run(cmd, env=env, stdout=f, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=timeout, cwd=tree)
        return r.returncode
    except subprocess.TimeoutExpired:
        return 124
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check():
    """every mutant parses and applies to the working tree once; 0, else 1 with the reasons"""
    names = sorted(n[:-7] for n in os.listdir(MUTANTS) if n.endswith(".mutant"))
    bad = 0
    for n in names:
        try:
            rel, _, blocks = parse(os.path.join(MUTANTS, n + ".mutant"))
            with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
                apply(f.read(), blocks)
        except (MutantError, OSError) as e:
            print("STALE    %-32s %s" % (n, e))
            bad += 1
    print("mutate --check: %d mutant(s), %d apply, %d stale" % (len(names), len(names) - bad, bad))
    return 1 if bad else 0


def main(argv):
    if argv == ["--check"]:
        return check()
    build_dir = "build"
    if len(argv) > 1 and argv[0] == "--build":
        build_dir, argv = argv[1], argv[2:]
    build_dir = os.path.join(ROOT, build_dir)
    names = sorted(n[:-7] for n in os.listdir(MUTANTS) if n.endswith(".mutant"))
    if argv:
        unknown = [a for a in argv if a not in names]
        if unknown:
            print("mutate: no such mutant: %s" % " ".join(unknown))
            return 2
        names = argv
    work = os.path.join(build_dir, "mutate")
    tree = os.path.join(work, "tree")
    logs = os.path.join(work, "logs")
    os.makedirs(tree, exist_ok=True)
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    seed = os.path.join(build_dir, "asan")
    if not os.path.isdir(os.path.join(tree, "build", "asan")) and os.path.isdir(seed):
        shutil.copytree(seed, os.path.join(tree, "build", "asan"), symlinks=True)
    sync_tree(tree)

    mutants, results = {}, {}
    for n in names:
        try:
            mutants[n] = parse(os.path.join(MUTANTS, n + ".mutant"))
        except MutantError as e:
            results[n] = ("ERROR", str(e))
    print("mutate: building the clean copy in %s" % os.path.relpath(tree, ROOT), flush=True)
    if not build(tree, os.path.join(logs, "clean-build.log")):
        print("mutate: the clean tree does not build (%s)" % os.path.join(logs, "clean-build.log"))
        return 1
    usable = {}
    for t in sorted({t for m in mutants.values() for t in m[1]}):
        if test_path(tree, t) is None:
            usable[t] = "not in the tree"
            continue
        rc = run_test(tree, t, os.path.join(logs, "clean-%s.log" % t.replace("/", "_")))
        usable[t] = True if rc == 0 else "exit %d on the clean tree" % rc
        print("mutate: clean %-34s %s" % (t, "ok" if rc == 0 else usable[t]), flush=True)

    for n in names:
        if n in results:
            print("%-8s %-32s %s" % (results[n][0], n, results[n][1]), flush=True)
            continue
        rel, tests, blocks = mutants[n]
        target = os.path.join(tree, rel)
        left = [t for t in tests if usable.get(t) is True]
        skipped = ["%s (%s)" % (t, usable[t]) for t in tests if usable.get(t) is not True]
        note = ("; left out: " + ", ".join(skipped)) if skipped else ""
        try:
            with open(target, encoding="utf-8") as f:
                original = f.read()
        except OSError as e:
            results[n] = ("ERROR", "%s: %s" % (rel, e.strerror))
        else:
            try:
                mutated = apply(original, blocks)
            except MutantError as e:
                results[n] = ("ERROR", str(e))
            else:
                if not left:
                    results[n] = ("ERROR", "no usable test" + note)
                else:
                    write(target, mutated.encode())
                    try:
                        if not build(tree, os.path.join(logs, n + ".build.log")):
                            results[n] = ("ERROR", "does not build (%s)"
                                          % os.path.join(logs, n + ".build.log"))
                        else:
                            by = None
                            for t in left:
                                log = os.path.join(logs, "%s.%s.log" % (n, t.replace("/", "_")))
                                rc = run_test(tree, t, log)
                                if rc not in (0, 77):
                                    by = "%s (exit %d)" % (t, rc)
                                    break
                            results[n] = (("CAUGHT", "by " + by + note) if by else
                                          ("SURVIVED", "ran " + " ".join(left) + note))
                    finally:
                        write(target, original.encode())
        print("%-8s %-32s %s" % (results[n][0], n, results[n][1]), flush=True)

    caught = sum(1 for r in results.values() if r[0] == "CAUGHT")
    survived = [n for n in names if results[n][0] == "SURVIVED"]
    errors = [n for n in names if results[n][0] == "ERROR"]
    print()
    if survived:
        print("survived: " + " ".join(survived))
    if errors:
        print("errors: " + " ".join(errors))
    print("mutate: %d/%d caught" % (caught, len(names)))
    return 0 if caught == len(names) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
