#!/usr/bin/env python3
"""The performance targets as ratios, from rows of the shared bench's run.sh (results/*.jsonl).

    targets.py NEW.jsonl [--cold COLD.jsonl] [--base BASE.jsonl --base-name REV]
               [--parse PARSE.json]

NEW holds the peers' rows and this build's (tool "scl"); BASE, a base build's scl rows from the
same session; COLD, W1 and W2 again beside jq with scl's module cache off; PARSE, the figures of
tests/bench/parse.sh (parse MB/s, W5 warm and cold). Prints
one line per target: the measured ratio, the target and ok/MISSED. Exit 0 (a benchmark reports;
it does not fail).
"""
import argparse
import json
import re


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if "median_s" not in r:
                continue
            rows[(r["workload"].split("-")[0], r["size"], r["tool"])] = r
    return rows


def find(rows, w, tool, size=None):
    for (rw, rs, rt), r in rows.items():
        if rw == w and rt == tool and (size is None or re.sub(r"\D", "", rs.split("-")[0]) == str(size)):
            return r
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("new")
    ap.add_argument("--base")
    ap.add_argument("--base-name", default="base")
    ap.add_argument("--parse")
    ap.add_argument("--cold")
    a = ap.parse_args()
    new = load(a.new)
    base = load(a.base) if a.base else {}
    lines = []

    def t(r):
        return r["median_s"] if r else None

    def mb(r):
        return r["rss_kb"] / 1024 if r and r.get("rss_kb") else None

    def row(name, value, target, ok, detail=""):
        v = "n/a" if value is None else ("%.2f" % value)
        verdict = "n/a" if value is None else ("info" if ok is None else ("ok" if ok else "MISSED"))
        lines.append("%-46s %10s  %-12s %-7s %s" % (name, v, target, verdict, detail))

    def ratio(x, y):
        return x / y if x is not None and y else None

    s1, jq1 = find(new, "W1", "scl", 20000), find(new, "W1", "jq", 20000)
    r = ratio(t(s1), t(jq1))
    row("W1 n=20000: scl / jq time", r, "<= 0.5", r is not None and r <= 0.5,
        "scl %.3f s, jq %.3f s" % (t(s1) or 0, t(jq1) or 0))
    row("W1 n=20000: scl peak RSS, MB", mb(s1), "<= 120", mb(s1) is not None and mb(s1) <= 120)
    spawn = None  # the REF row: the bench starting /bin/true, as it starts every tool
    for (rw, rs, rt), x in new.items():
        if rw == "REF" and rs == "spawn" and rt == "true":
            spawn = t(x)
    per, net = [], []
    for n in (2000, 20000, 200000):
        x = find(new, "W1", "scl", n)
        if x:
            per.append((n, t(x) / n))
            if spawn is not None:
                net.append((n, (t(x) - spawn) / n))
    if len(per) == 3:
        mid = per[1][1]
        spread = max(abs(p / mid - 1) for _, p in per)
        row("W1 2,000/20,000/200,000: time per app spread", spread * 100, "<= 20 %",
            spread <= 0.2, " ".join("%d: %.1f us" % (n, p * 1e6) for n, p in per))
    else:
        row("W1 linearity", None, "<= 20 %", False)
    if len(net) == 3:
        # the same less the cost of starting a process (information: the target is the row above)
        mid = net[1][1]
        spread = max(abs(p / mid - 1) for _, p in net)
        row("  the same, less the spawn of /bin/true", spread * 100, "-", None,
            " ".join("%d: %.1f us" % (n, p * 1e6) for n, p in net))
    s2, jq2 = find(new, "W2", "scl"), find(new, "W2", "jq")
    r = ratio(t(s2), t(jq2))
    row("W2 merge: scl / jq time", r, "<= 0.5", r is not None and r <= 0.5,
        "scl %.3f s, jq %.3f s" % (t(s2) or 0, t(jq2) or 0))
    s3, py3 = find(new, "W3", "scl", 200000), find(new, "W3", "python", 200000)
    r = ratio(t(s3), t(py3))
    row("W3 n=200000: scl / python time", r, "<= 0.5", r is not None and r <= 0.5,
        "scl %.3f s, python %.3f s" % (t(s3) or 0, t(py3) or 0))
    if a.cold:
        cold = load(a.cold)
        for w, n in (("W1", 20000), ("W2", None)):
            c, j = find(cold, w, "scl", n), find(cold, w, "jq", n)
            r = ratio(t(c), t(j))
            row("%s%s cold: scl / jq time (cache off)" % (w, " n=%d" % n if n else ""), r,
                "-", None, "scl %.3f s, jq %.3f s" % (t(c) or 0, t(j) or 0))
    s4 = find(new, "W4", "scl")
    true = None
    for (rw, rs, rt), x in new.items():
        if rw == "REF" and rs == "spawn" and rt == "true":
            true = x
    r = ratio(t(s4), t(true))
    row("W4 start-up: scl / spawn of /bin/true", r, "<= 1.5", r is not None and r <= 1.5,
        "scl %.2f ms, true %.2f ms" % ((t(s4) or 0) * 1e3, (t(true) or 0) * 1e3))
    if a.parse:
        p = json.load(open(a.parse))
        for k, v in sorted(p.get("parse_mb_s", {}).items()):
            row("scl parse %s, MB/s" % k, v, ">= 100", v >= 100)
        w4 = p.get("w4_s")  # measured beside W5, by the same script
        if w4 and p.get("w5_warm_s"):
            r = p["w5_warm_s"] / w4
            row("W5 warm / W4 (module cache)", r, "<= 2", r <= 2)
        if w4 and p.get("w5_cold_s"):
            r = p["w5_cold_s"] / w4
            row("W5 cold / W4 (SCL_CACHE_DIR=off)", r, "<= 5", r <= 5)
    print("%-46s %10s  %-12s %s" % ("target", "measured", "target", ""))
    print("\n".join(lines))
    if base:
        print("\nthis build against %s (same session; time ratio new / base, < 1 is faster):" % a.base_name)
        for key, x in sorted(new.items()):
            if key[2] != "scl":
                continue
            b = base.get(key)
            if b:
                print("  %-4s %-22s new %8.3f s  base %8.3f s  ratio %.2f  rss %5.0f / %5.0f MB" %
                      (key[0], key[1], t(x), t(b), t(x) / t(b), mb(x) or 0, mb(b) or 0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
