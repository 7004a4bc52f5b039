#!/usr/bin/env python3
"""Conformance ratchet over ../shared/conformance/grammar.

Runs ../shared/tools/conformance.py on the whole corpus (cases run in a temporary copy)
and fails when a case listed in ratchet.txt no longer passes (stdout-pass or
error-located). Prints the runner's summary line. Exit 77 when the corpus is absent.
With SCL_RATCHET_UPDATE=1 the list is rewritten from the current results.
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PASS = ("stdout-pass", "error-located")


def main():
    src = os.environ.get("SCL_SRCDIR") or os.path.join(HERE, "..", "..")
    shared = os.path.normpath(os.path.join(src, "..", "shared"))
    corpus = os.path.join(shared, "conformance", "grammar")
    runner = os.path.join(shared, "tools", "conformance.py")
    if not (os.path.isdir(corpus) and os.path.isfile(runner)):
        print(f"SKIP: conformance corpus not found at {corpus}")
        return 77
    binary = os.environ.get("SCL_BIN", "./scl")
    listed_file = os.path.join(HERE, "ratchet.txt")
    listed = []
    if os.path.exists(listed_file):
        with open(listed_file, encoding="utf-8") as f:
            listed = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "results.json")
        p = subprocess.run(["/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable,
                            runner, "--bin", binary, "--cases", corpus, "--jobs", "2",
                            "--json", out], capture_output=True, text=True)
        lines = p.stdout.strip().splitlines()
        print(lines[-1] if lines else p.stderr)
        if not os.path.exists(out):
            print(p.stdout[-3000:], p.stderr[-3000:])
            return 1
        with open(out, encoding="utf-8") as f:
            results = json.load(f)["results"]
    status = {r["case"]: r["status"] for r in results}
    passing = sorted(c for c, s in status.items() if s in PASS)
    if os.environ.get("SCL_RATCHET_UPDATE"):
        with open(listed_file, "w", encoding="utf-8") as f:
            f.write("# Conformance cases that pass; make check fails when one stops passing.\n")
            f.write("# Regenerate with SCL_RATCHET_UPDATE=1 make check TESTS=tests/conformance/ratchet.sh\n")
            for c in passing:
                f.write(c + "\n")
        print(f"ratchet: wrote {len(passing)} cases")
        return 0
    lost = [c for c in listed if status.get(c) not in PASS]
    for c in lost:
        print(f"FAIL ratchet: {c} no longer passes ({status.get(c, 'missing')})")
    crashes = [c for c, s in status.items() if s in ("crash", "timeout")]
    for c in crashes:
        print(f"FAIL {c}: {status[c]}")
    print(f"ratchet: {len(listed) - len(lost)}/{len(listed)} listed cases pass; "
          f"{len(passing)} pass in all; {len(crashes)} crashes/timeouts")
    return 1 if lost or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
