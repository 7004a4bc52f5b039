#!/usr/bin/env python3
"""scl fmt against KCL's formatter goldens (../shared/conformance/fmt/format_data).

Each NAME.input is formatted with `scl fmt -` and must equal NAME.golden byte for byte. Prints
the score; fails on any mismatch of a pair listed in golden-ratchet.txt (all of them when the
list is absent). With SCL_RATCHET_UPDATE=1 the list is rewritten from the current results.
Exit 77 when the data is absent. -v prints a diff for each mismatch.
"""
import difflib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    verbose = "-v" in sys.argv[1:]
    src = os.environ.get("SCL_SRCDIR") or os.path.join(HERE, "..", "..")
    data = os.path.normpath(os.path.join(src, "..", "shared", "conformance", "fmt", "format_data"))
    if not os.path.isdir(data):
        print(f"SKIP: {data} is absent")
        return 77
    binary = os.environ.get("SCL_BIN", "./scl")
    names = sorted(f[:-6] for f in os.listdir(data) if f.endswith(".input"))
    ratchet = os.path.join(HERE, "golden-ratchet.txt")
    listed = None
    if os.path.exists(ratchet):
        with open(ratchet, encoding="utf-8") as f:
            listed = {l.strip() for l in f if l.strip() and not l.startswith("#")}
    passed, failed = [], []
    for name in names:
        with open(os.path.join(data, name + ".input"), "rb") as f:
            src_text = f.read()
        with open(os.path.join(data, name + ".golden"), "rb") as f:
            golden = f.read()
        p = subprocess.run([binary, "fmt", "-"], input=src_text, capture_output=True, timeout=30)
        if p.returncode == 0 and p.stdout == golden:
            passed.append(name)
            continue
        failed.append(name)
        print(f"mismatch: {name} (exit {p.returncode})")
        if verbose:
            sys.stdout.writelines(difflib.unified_diff(
                golden.decode(errors="replace").splitlines(True),
                p.stdout.decode(errors="replace").splitlines(True),
                name + ".golden", "scl fmt"))
            sys.stdout.write(p.stderr.decode(errors="replace")[-2000:])
    print(f"fmt goldens: {len(passed)}/{len(names)} byte-identical")
    if os.environ.get("SCL_RATCHET_UPDATE"):
        with open(ratchet, "w", encoding="utf-8") as f:
            f.write("# fmt golden pairs that pass; tests/fmt/golden.py fails when one stops passing.\n")
            for n in passed:
                f.write(n + "\n")
        return 0
    must = listed if listed is not None else set(names)
    lost = [n for n in failed if n in must]
    for n in lost:
        print(f"FAIL: {n} no longer matches its golden")
    return 1 if lost else 0


if __name__ == "__main__":
    sys.exit(main())
