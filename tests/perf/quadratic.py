#!/usr/bin/env python3
"""No quadratic path: each large input costs at most 20 times a tenth of it.

The one kind of timed test here: both sizes are measured in the same run, on the same machine,
and only their ratio is asserted, with a generous bound (linear is 10; a quadratic path gives
about 100). What is timed is the CPU time of the scl process (user + system), which other
tests running beside this one (make -j) disturb far less than wall time. Under a sanitizer build (SCL_SANITIZED=1) the bound is 40. Each size is run three
times and the fastest run counts, to keep a busy machine from failing the test.

Cases: 200,000 keys in one dict literal, 200,000 list items, 200,000 top-level statements, a
10 MB string, 100,000 schema instances in one list; each program is run with `scl run` and
its output is checked too.
"""
import os
import resource
import subprocess
import sys
import tempfile
import time

SCL = os.environ.get("SCL_BIN") or os.path.join(os.getcwd(), "scl")
BOUND = 40.0 if os.environ.get("SCL_SANITIZED") == "1" else 20.0


def gen(kind, n):
    if kind == "dict literal":
        return "d = {\n" + "".join("    k%d = %d\n" % (i, i) for i in range(n)) + "}\ncount = len(d)\n"
    if kind == "list items":
        return "l = [\n" + "".join("    %d,\n" % i for i in range(n)) + "]\ncount = len(l)\n"
    if kind == "top-level statements":
        return "".join("_v%d = %d\n" % (i, i) for i in range(n)) + "count = %d\n" % n
    if kind == "string":
        return 's = "%s"\ncount = len(s)\n' % ("x" * n)
    if kind == "schema instances":
        return ("schema P:\n    a: int\n    b: str = \"x\"\n\n"
                "ps = [P {a = i} for i in range(%d)]\ncount = len(ps)\n" % n)
    raise ValueError(kind)


def run(path, n):
    best = None
    for _ in range(3):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        r = subprocess.run([SCL, "run", path], capture_output=True, timeout=600)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        dt = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if r.returncode != 0:
            raise SystemExit("FAIL: %s exited %d: %s" % (path, r.returncode, r.stderr[:500]))
        if not r.stdout.rstrip().endswith(b"count: %d" % n):
            raise SystemExit("FAIL: %s: the output does not end with count: %d" % (path, n))
        best = dt if best is None else min(best, dt)
    return best


def main():
    if not os.access(SCL, os.X_OK):
        print("SKIP: no scl binary at", SCL)
        return 77
    cases = [("dict literal", 200000), ("list items", 200000), ("top-level statements", 200000),
             ("string", 10 * 1024 * 1024), ("schema instances", 100000)]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for kind, n in cases:
            small, big = n // 10, n
            times = []
            for m in (small, big):
                path = os.path.join(tmp, "p.k")
                with open(path, "w") as f:
                    f.write(gen(kind, m))
                times.append(run(path, m))
            ratio = times[1] / max(times[0], 1e-3)
            ok = ratio <= BOUND
            failed += not ok
            print("%s %-22s %9d: %.3f s, %9d: %.3f s, ratio %.1f (bound %.0f)" %
                  ("ok  " if ok else "FAIL", kind, small, times[0], big, times[1], ratio, BOUND))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
