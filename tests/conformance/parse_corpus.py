#!/usr/bin/env python3
"""Front-end check over ../shared/conformance/grammar.

* In every case whose golden is not a syntax error, every .k file parses (`scl parse`).
* In every case whose stderr.golden is an InvalidSyntax error, parsing the case's files
  fails and the diagnostics name the golden's primary location (FILE:LINE).
* Nothing crashes or hangs.

Exit 77 (skipped) when the corpus is absent. Environment: SCL_BIN, SCL_SRCDIR, SCL_CORPUS.
"""
import os
import re
import signal
import subprocess
import sys

SKIP = 77


def corpus_dir():
    if os.environ.get("SCL_CORPUS"):
        return os.environ["SCL_CORPUS"]
    src = os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
    return os.path.normpath(os.path.join(src, "..", "shared", "conformance", "grammar"))


def run(binary, files, cwd):
    try:
        p = subprocess.run([binary, "parse"] + files, cwd=cwd, capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    err = p.stderr.decode("utf-8", "replace")
    return p.returncode, err


def crashed(rc, err):
    if rc is None:
        return True
    if rc < 0 or rc in (128 + signal.SIGSEGV, 128 + signal.SIGABRT, 128 + signal.SIGBUS,
                        128 + signal.SIGFPE, 128 + signal.SIGILL):
        return True
    return "Sanitizer" in err or "runtime error:" in err


def main():
    binary = os.environ.get("SCL_BIN", "./scl")
    root = corpus_dir()
    if not os.path.isdir(root):
        print(f"SKIP: conformance corpus not found at {root}")
        return SKIP
    ok_files = bad_files = syn_cases = syn_ok = early = 0
    failures = []
    for dirpath, dirnames, filenames in sorted(os.walk(root)):
        dirnames.sort()
        if "main.k" not in filenames:
            continue
        if not ("stdout.golden" in filenames or "stderr.golden" in filenames):
            continue
        golden = ""
        if "stderr.golden" in filenames:
            with open(os.path.join(dirpath, "stderr.golden"), encoding="utf-8") as f:
                golden = f.read()
        files = []
        for d2, dn2, fn2 in os.walk(dirpath):
            dn2.sort()
            for fn in sorted(fn2):
                if fn.endswith(".k"):
                    files.append(os.path.relpath(os.path.join(d2, fn), dirpath))
        rel = os.path.relpath(dirpath, root)
        if golden.startswith("error[E1001]: InvalidSyntax"):
            syn_cases += 1
            m = re.search(r" --> \$\{CWD\}/(\S+?):(\d+)(?::\d+)?\s*$", golden, re.M)
            rc, err = run(binary, files, dirpath)
            if crashed(rc, err):
                failures.append(f"{rel}: crash or hang on a syntax error case")
                continue
            if rc == 0:
                failures.append(f"{rel}: expected a syntax error, but the files parse")
                continue
            if m:
                pat = r"(?<![\w.-])" + re.escape(m.group(1)) + ":" + m.group(2) + r"(?!\d)"
                if not re.search(pat, err):
                    failures.append(f"{rel}: syntax error not reported at {m.group(1)}:{m.group(2)}:\n{err[:600]}")
                    continue
            syn_ok += 1
            continue
        # Where the golden is a compile-time error that our front end already reports,
        # failing to parse is right when the diagnostic names the golden's location.
        m = re.search(r" --> \$\{CWD\}/(\S+?):(\d+)(?::\d+)?\s*$", golden, re.M) if golden else None
        for f in files:
            rc, err = run(binary, [f], dirpath)
            if rc == 0:
                ok_files += 1
                continue
            named = m and re.search(
                r"(?<![\w.-])" + re.escape(m.group(1)) + ":" + m.group(2) + r"(?!\d)", err)
            # a golden without a location: its message must be what we report
            same = golden and not m and golden.strip() in err
            if not crashed(rc, err) and (named or same):
                ok_files += 1
                early += 1
                continue
            bad_files += 1
            what = "crash or hang" if crashed(rc, err) else "does not parse"
            failures.append(f"{rel}/{f}: {what}:\n{err[:600]}")
    for msg in failures:
        print("FAIL", msg)
    total = ok_files + bad_files
    print(f"parse: {ok_files}/{total} files of non-syntax-error cases parse; "
          f"{syn_ok}/{syn_cases} syntax-error cases fail at the golden's line; "
          f"{early} files of compile-error cases are rejected by the parser at the golden's line")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
