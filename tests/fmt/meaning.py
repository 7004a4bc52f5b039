#!/usr/bin/env python3
"""scl fmt keeps the meaning of programs: over the public grammar conformance cases
(../shared/conformance/grammar, laid out as ../shared/tools/conformance.py reads them), each
case is run with `scl run main.k <kcl_options>` in a temporary copy, its .k files are
formatted with `scl fmt`, and it is run again: stdout and the exit status must be identical,
and a second `scl fmt --check` must find nothing to change (idempotence). Cases whose files
do not parse are skipped and counted.

Prints the figure; fails when a case listed in meaning-ratchet.txt stops passing, or on a
crash. SCL_RATCHET_UPDATE=1 rewrites the list. -v prints the failures. Exit 77 when the
corpus is absent.
"""
import concurrent.futures
import difflib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TIMEOUT = 30


def load_runner(path):
    spec = importlib.util.spec_from_file_location("conformance", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(argv, cwd):
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None
    return p


def crashed(p):
    return p is None or p.returncode < 0 or p.returncode >= 128


def case_run(root, rel, opts, binary):
    return run([binary, "run", "main.k"] + opts, os.path.join(root, rel))


def located_files(stderr):
    """Files named by the diagnostics of `scl fmt` (those with syntax errors)."""
    out = set()
    for line in stderr.decode(errors="replace").splitlines():
        m = re.match(r"^\s*-->\s*(.+?):\d+:\d+\s*$", line)
        if m:
            out.add(os.path.realpath(m.group(1)))
    return out


def check_all(conf, corpus, cases, binary):
    """Runs every case before and after one `scl fmt ./...` over a copy of the corpus."""
    yaml = conf._yaml()
    opts = {}
    for rel in cases:
        try:
            opts[rel] = conf.read_settings(corpus, rel, yaml)
        except Exception:
            opts[rel] = []
    tmp = os.path.realpath(tempfile.mkdtemp(prefix="scl-fmt-"))
    root = os.path.join(tmp, "grammar")
    try:
        shutil.copytree(corpus, root, symlinks=True)
        # Only cases with a file that formatting changes need running: the others are run
        # from the very same text before and after.
        dry = run([binary, "fmt", "--dry-run", "./..."], root)
        if crashed(dry):
            return {c: ("crash", "scl fmt --dry-run ./... crashed or hung") for c in cases}
        changing = {os.path.realpath(os.path.join(root, l))
                    for l in dry.stdout.decode(errors="replace").splitlines() if l}
        touched = [c for c in cases
                   if any(os.path.realpath(os.path.join(root, f)) in changing
                          for f in conf.case_files(root, c) if f.endswith(".k"))]
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            before = dict(zip(touched, ex.map(lambda c: case_run(root, c, opts[c], binary), touched)))
        fmt = run([binary, "fmt", "./..."], root)
        if crashed(fmt):
            return {c: ("crash", "scl fmt ./... crashed or hung") for c in cases}
        broken = located_files(fmt.stderr)
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            after = dict(zip(touched, ex.map(lambda c: case_run(root, c, opts[c], binary), touched)))
        again = run([binary, "fmt", "--check", "./..."], root)
        if crashed(again):
            return {c: ("crash", "scl fmt --check ./... crashed or hung") for c in cases}
        unstable = located_files(again.stderr)  # formatted text that no longer parses
        for line in again.stdout.decode(errors="replace").splitlines():
            if line.startswith("--- a/"):
                unstable.add(os.path.realpath(os.path.join(root, line[6:])))
        results = {}
        for rel in cases:
            casedir = os.path.realpath(os.path.join(root, rel))
            files = [os.path.join(dp, fn) for dp, _dn, fns in os.walk(casedir)
                     for fn in fns if fn.endswith(".k")]
            if any(f in broken for f in files):
                results[rel] = ("skip", "does not parse")
                continue
            if rel not in before:  # formatting leaves every file of the case as it was
                results[rel] = ("fail", "formatting twice changes the text") \
                    if any(f in unstable for f in files) else ("pass", "unchanged")
                continue
            b, a = before[rel], after[rel]
            if b is None:
                results[rel] = ("skip", "timeout before formatting")
            elif a is None or crashed(a) and not crashed(b):
                results[rel] = ("fail", "formatted program crashed or hung")
            elif a.stdout != b.stdout or a.returncode != b.returncode:
                diff = "".join(difflib.unified_diff(
                    b.stdout.decode(errors="replace").splitlines(True),
                    a.stdout.decode(errors="replace").splitlines(True), "before", "after"))
                results[rel] = ("fail", "output changed (exit %d -> %d)\n%s%s" % (
                    b.returncode, a.returncode, diff[:1500], a.stderr.decode(errors="replace")[-800:]))
            elif any(f in unstable for f in files):
                results[rel] = ("fail", "formatting twice changes the text")
            else:
                results[rel] = ("pass", "")
        return results
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    verbose = "-v" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    src = os.environ.get("SCL_SRCDIR") or os.path.join(HERE, "..", "..")
    shared = os.path.normpath(os.path.join(src, "..", "shared"))
    corpus = os.path.join(shared, "conformance", "grammar")
    runner = os.path.join(shared, "tools", "conformance.py")
    if not (os.path.isdir(corpus) and os.path.isfile(runner)):
        print(f"SKIP: conformance corpus not found at {corpus}")
        return 77
    conf = load_runner(runner)
    binary = os.path.abspath(os.environ.get("SCL_BIN", "./scl"))
    cases = conf.discover(corpus)
    if only:
        cases = [c for c in cases if any(c.startswith(o) for o in only)]
    found = check_all(conf, corpus, cases, binary)
    results = [(rel, found[rel][0], found[rel][1]) for rel in cases]
    status = {rel: st for rel, st, _ in results}
    n = {k: sum(1 for s in status.values() if s == k) for k in ("pass", "fail", "skip", "crash")}
    tried = len(cases) - n["skip"]
    rerun = sum(1 for r in found.values() if r[0] == "pass" and r[1] != "unchanged")
    print(f"fmt keeps meaning: {n['pass']}/{tried} cases pass "
          f"({rerun} of them changed by formatting and run again; "
          f"{n['fail']} fail, {n['crash']} crash, {n['skip']} skipped of {len(cases)})")
    if verbose:
        for rel, st, why in results:
            if st in ("fail", "crash"):
                print(f"--- {st}: {rel}: {why}")
    ratchet = os.path.join(HERE, "meaning-ratchet.txt")
    if os.environ.get("SCL_RATCHET_UPDATE"):
        with open(ratchet, "w", encoding="utf-8") as f:
            f.write("# Grammar cases whose meaning scl fmt keeps; tests/fmt/meaning.py fails when one\n")
            f.write("# stops passing. Regenerate with SCL_RATCHET_UPDATE=1.\n")
            for rel in sorted(r for r, s in status.items() if s == "pass"):
                f.write(rel + "\n")
        return 0
    rc = 0
    if os.path.exists(ratchet):
        with open(ratchet, encoding="utf-8") as f:
            listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        for rel in listed:
            if rel in status and status[rel] != "pass":
                print(f"FAIL ratchet: {rel} ({status[rel]})")
                rc = 1
    for rel, st, why in results:
        if st == "crash":
            print(f"FAIL {rel}: {why}")
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
