#!/usr/bin/env python3
"""Benchmark runner: generates the workloads, times them with scl, prints a table.

Every run must exit 0, print the same bytes on each repetition, and match the output that
gen.py computed independently (column "check").  Wall time is measured around each
process, CPU time (user+sys) from its rusage.  Peak RSS comes from GNU `/usr/bin/time -f %M`
when it exists: a child forked from this Python process and exec'ing scl directly would
report at least the runner's own RSS (Linux keeps the pre-exec high-water mark), so the
fallback without /usr/bin/time (os.wait4) is marked as an upper bound ("<=").

With a second binary (--base or $SCL_BASE) both are run alternately on the same inputs in
the same session and the table adds new/base ratios (below 1.00 means the new build is
faster / smaller).  Only ratios are comparable between machines or sessions.

Usage: run.py [--bin SCL] [--base SCL] [--runs N] [--w1 N] [--w2 N] [--w3 N]
              [--only w1_schema,...] [--timeout S] [--keep DIR]
Exit status: 0 when every run passed its checks, 1 otherwise.
"""

import argparse
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True    # keep the source tree clean
sys.path.insert(0, HERE)
import gen  # noqa: E402  (sibling module)

STARTUP_RUN_FACTOR = 4      # w4_startup is ~ms long: repeat it more for a stable median


class Result:
    """Measurements and verdict for one binary on one workload."""

    def __init__(self):
        self.walls = []
        self.cpus = []
        self.rss_kb = []
        self.out_bytes = None
        self.digest = None
        self.problems = []      # failures in order, e.g. "EXIT 1", "MISMATCH", "UNSTABLE"
        self.last_stderr = ""

    def fail(self, what):
        if what not in self.problems:
            self.problems.append(what)

    @property
    def problem(self):
        return ",".join(self.problems) or None


def _digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


GNU_TIME = "/usr/bin/time"


def have_gnu_time():
    try:
        r = subprocess.run([GNU_TIME, "-f", "%M", "-o", os.devnull, "true"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        return r.returncode == 0
    except OSError:
        return False


def run_once(binary, prog, workdir, tag, timeout, use_time):
    """Run `binary run prog`; return (wall, cpu, maxrss_kb, status, out_path, err_path)."""
    out_path = os.path.join(workdir, tag + ".out")
    err_path = os.path.join(workdir, tag + ".err")
    rss_path = os.path.join(workdir, tag + ".rss")
    cmd = [binary, "run", os.path.basename(prog)]
    if use_time:
        cmd = [GNU_TIME, "-f", "%M", "-o", rss_path] + cmd
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=os.path.dirname(prog),
                             stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             start_new_session=True)
        timed_out = []

        def kill():
            timed_out.append(True)
            try:
                # Not reaped yet, so the pid (and its process group, which holds scl
                # under /usr/bin/time) is still ours.
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
    rss = ru.ru_maxrss
    if use_time and not timed_out:
        try:
            with open(rss_path, "r", encoding="ascii", errors="replace") as f:
                lines = f.read().split()
            rss = int(lines[-1])     # after "Command exited with non-zero status N"
        except (OSError, ValueError, IndexError):
            rss = ru.ru_maxrss
    if timed_out:
        code = "TIMEOUT"
    elif p.returncode != 0:
        code = "EXIT %d" % p.returncode
    else:
        code = None
    return wall, ru.ru_utime + ru.ru_stime, rss, code, out_path, err_path


def measure(binaries, prog, expected_digest, workdir, name, runs, warmup, timeout, use_time,
            log):
    """Run every binary runs+warmup times, alternating; return one Result per binary."""
    results = [Result() for _ in binaries]
    for i in range(warmup + runs):
        for b, (label, binary) in enumerate(binaries):
            res = results[b]
            if any(x.startswith(("TIMEOUT", "EXIT")) for x in res.problems):
                continue    # a crash or a pathological run is not repeated
            wall, cpu, rss, code, out_path, err_path = run_once(
                binary, prog, workdir, "%s.%s" % (name, label), timeout, use_time)
            if code:
                res.fail(code if code != "TIMEOUT" else "TIMEOUT >%gs" % timeout)
                with open(err_path, "r", encoding="utf-8", errors="replace") as f:
                    res.last_stderr = f.read(4000)
                log("  %s %s: %s after %.2f s" % (name, label, code, wall))
                continue
            digest = _digest(out_path)
            if res.digest is None:
                res.digest = digest
                res.out_bytes = os.path.getsize(out_path)
                if digest != expected_digest:
                    res.fail("MISMATCH")
                    keep = os.path.join(workdir, "%s.%s.mismatch" % (name, label))
                    shutil.copyfile(out_path, keep)
                    log("  %s %s: output differs from %s (kept as %s)"
                        % (name, label, os.path.basename(prog)[:-2] + ".expected", keep))
            elif digest != res.digest:
                if "UNSTABLE" not in res.problems:
                    log("  %s %s: output changed between runs" % (name, label))
                res.fail("UNSTABLE")
            if i >= warmup:
                res.walls.append(wall)
                res.cpus.append(cpu)
                res.rss_kb.append(rss)
    return results


def _fmt_time(values):
    return "%.3f" % statistics.median(values) if values else "-"


def _fmt_ratio(new, base):
    if not new or not base or base == 0:
        return "-"
    return "%.2f" % (new / base)


def print_table(rows, with_base, rss_mark, out=sys.stdout):
    head = ["workload", "N", "runs", "median s", "min s", "cpu s", "peak RSS MB", "out bytes",
            "check"]
    if with_base:
        head += ["base median s", "base RSS MB", "base check", "time new/base",
                 "RSS new/base"]
    table = [head]
    for name, n, runs, res in rows:
        new = res[0]
        line = [name, str(n), str(len(new.walls)), _fmt_time(new.walls),
                "%.3f" % min(new.walls) if new.walls else "-", _fmt_time(new.cpus),
                rss_mark + "%.1f" % (max(new.rss_kb) / 1024) if new.rss_kb else "-",
                str(new.out_bytes) if new.out_bytes is not None else "-",
                new.problem or "ok"]
        if with_base:
            base = res[1]
            line += [_fmt_time(base.walls),
                     rss_mark + "%.1f" % (max(base.rss_kb) / 1024) if base.rss_kb else "-",
                     base.problem or "ok",
                     _fmt_ratio(statistics.median(new.walls) if new.walls else None,
                                statistics.median(base.walls) if base.walls else None),
                     _fmt_ratio(max(new.rss_kb) if new.rss_kb else None,
                                max(base.rss_kb) if base.rss_kb else None)]
        table.append(line)
    widths = [max(len(r[c]) for r in table) for c in range(len(head))]
    for k, r in enumerate(table):
        cells = [r[c].ljust(widths[c]) if head[c] in ("workload", "check", "base check")
                 else r[c].rjust(widths[c]) for c in range(len(head))]
        out.write("  ".join(cells).rstrip() + "\n")
        if k == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def main(argv):
    p = argparse.ArgumentParser(description="Run the scl benchmark suite.")
    p.add_argument("--bin", default=os.environ.get("SCL_BIN")
                   or os.path.join(HERE, "..", "..", "build", "scl"),
                   help="scl binary to measure [$SCL_BIN or ../../build/scl]")
    p.add_argument("--base", default=os.environ.get("SCL_BASE") or None,
                   help="optional previous scl build to compare with [$SCL_BASE]")
    p.add_argument("--runs", type=int, default=5, help="measured runs per workload [5]")
    p.add_argument("--warmup", type=int, default=1, help="unmeasured runs first [1]")
    p.add_argument("--w1", type=int, default=gen.DEFAULT_SIZES["w1"], help="W1 apps")
    p.add_argument("--w2", type=int, default=gen.DEFAULT_SIZES["w2"], help="W2 base keys")
    p.add_argument("--w3", type=int, default=gen.DEFAULT_SIZES["w3"], help="W3 entries")
    p.add_argument("--only", default="", help="comma-separated subset of: "
                   + ", ".join(gen.WORKLOADS))
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds before a run counts as pathological [60]")
    p.add_argument("--keep", metavar="DIR", default=None,
                   help="generate into DIR and keep programs and outputs there")
    args = p.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        p.error("--runs must be >= 1 and --warmup >= 0")
    only = {x for x in args.only.split(",") if x}
    if only - set(gen.WORKLOADS):
        p.error("unknown workload(s): " + ", ".join(sorted(only - set(gen.WORKLOADS))))

    binaries = [("new", os.path.abspath(args.bin))]
    if args.base:
        binaries.append(("base", os.path.abspath(args.base)))
    for label, b in binaries:
        if not os.access(b, os.X_OK):
            p.error("%s binary not found or not executable: %s" % (label, b))

    def log(msg):
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()

    workdir = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="scl-bench-")
    t_start = time.perf_counter()
    use_time = have_gnu_time()
    ok = False
    try:
        sizes = {"w1": args.w1, "w2": args.w2, "w3": args.w3}
        log("generating inputs in %s" % workdir)
        progs = gen.generate(workdir, sizes, only)
        rows = []
        digests = {}
        for name, n, prog in progs:
            runs = args.runs * (STARTUP_RUN_FACTOR if name == "w4_startup" else 1)
            log("running %s (N=%d, %d runs)" % (name, n, runs))
            expected = _digest(prog[:-2] + ".expected")
            res = measure(binaries, prog, expected, workdir, name, runs, args.warmup,
                          args.timeout, use_time, log)
            rows.append((name, n, runs, res))
            digests[name] = res[0].digest
            for label_res, (label, _) in zip(res, binaries):
                if label_res.last_stderr:
                    log("  %s stderr:\n%s" % (label, label_res.last_stderr.rstrip()))
        elapsed = time.perf_counter() - t_start

        print("scl benchmark: %s" % binaries[0][1])
        if args.base:
            print("base:          %s" % binaries[1][1])
        print("machine: %s, %d CPUs, python %s; %d measured runs (+%d warm-up) per workload,"
              " w4_startup x%d" % (platform.machine(), os.cpu_count() or 0,
                                   platform.python_version(), args.runs, args.warmup,
                                   STARTUP_RUN_FACTOR))
        print("peak RSS: %s" % ("max over runs, from %s -f %%M" % GNU_TIME if use_time else
                                "upper bound from os.wait4 (no %s): includes the runner's"
                                " own footprint" % GNU_TIME))
        print()
        print_table(rows, bool(args.base), "" if use_time else "<=")
        print()
        ok = all(r.problem is None for _, _, _, res in rows for r in res)
        if "w1_schema" in digests and "w1_plain" in digests and digests["w1_schema"]:
            same = digests["w1_schema"] == digests["w1_plain"]
            print("w1 schema and plain forms print identical output: %s"
                  % ("yes" if same else "NO"))
            ok = ok and same
        print("total %.1f s; %s" % (elapsed, "all checks passed" if ok else "FAILURES above"))
        return 0 if ok else 1
    finally:
        if not args.keep:
            if ok:
                shutil.rmtree(workdir, ignore_errors=True)
            else:
                log("inputs and outputs kept in %s" % workdir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
