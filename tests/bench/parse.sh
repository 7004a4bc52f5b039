#!/bin/sh
# Front-end and start-up benchmark (not run by make check): parse speed in MB/s and the
# start-up ratios W4 / spawn and W5 / W4.
#
#   tests/bench/parse.sh [--bin build/scl] [--base OLD/scl] [--runs N] [--json FILE]
#
# Inputs: the W2 "merge" source of the shared bench (../shared/bench, generated into a
# temporary directory), the 20 largest files and all files of the k8s package
# (../shared/packages/k8s-1.32.4), the W4 start-up program (one tiny schema instance) and
# W5, one Deployment typed through `import k8s.api.apps.v1` (-E k8s=the package), warm (the
# module cache, in a temporary folder, filled by the warm-up runs) and cold (SCL_CACHE_DIR=off).
#
# Every command runs directly (no shell), stdout to /dev/null; the figures are medians of
# --runs wall times (default 21; W4 and /bin/true 5x as many). With --base both binaries
# run alternately on the same inputs and the table gives new/base ratios. Two tables: wall
# time, and CPU time (user + system of the child, from getrusage), which a busy machine
# disturbs less. Parse MB/s is net of start-up: bytes / (time of `scl parse FILES` - time
# of `scl parse` of an empty file); the gross figure includes the process start.
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
bin=${SCL_BIN:-$src/build/scl}
base=${SCL_BASE:-}
runs=21
json=
while [ $# -gt 0 ]; do
    case $1 in
    --bin) bin=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--bin SCL] [--base OLD_SCL] [--runs N] [--json FILE]" >&2; exit 2 ;;
    esac
done
shared=$src/../shared
k8s=$shared/packages/k8s-1.32.4
for need in "$shared/bench/workloads/gen.py" "$k8s/kcl.mod"; do
    [ -e "$need" ] || { echo "parse.sh: $need is missing" >&2; exit 2; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/scl-parse-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp -r "$shared/bench/workloads" "$T/workloads"
chmod -R u+w "$T/workloads"
w2=$(/usr/bin/python3 "$T/workloads/gen.py" W2)/kcl.k
w4=$(/usr/bin/python3 "$T/workloads/gen.py" W4)/kcl.k
mkdir -p "$T/w5"
cat >"$T/w5/main.k" <<'EOF'
import k8s.api.apps.v1 as apps

deployment = apps.Deployment {
    metadata = {name = "web", labels = {app = "web"}}
    spec = {
        replicas = 3
        selector.matchLabels = {app = "web"}
        template = {
            metadata.labels = {app = "web"}
            spec.containers = [{
                name = "web"
                image = "nginx:1.27"
                ports = [{containerPort = 80}]
            }]
        }
    }
}
EOF
: >"$T/empty.k"
find "$k8s" -name '*.k' -type f | sort >"$T/k8s-all.txt"
xargs ls -S <"$T/k8s-all.txt" 2>/dev/null | head -n 20 >"$T/k8s-top20.txt"

/usr/bin/python3 - "$T" "$bin" "$base" "$runs" "$w2" "$w4" "$k8s" "$json" <<'PY'
import json, os, resource, statistics, subprocess, sys, time

tmp, new, base, runs, w2, w4, k8s, json_out = sys.argv[1:9]
runs = int(runs)
bins = [("new", os.path.abspath(new))] + ([("base", os.path.abspath(base))] if base else [])
top20 = open(os.path.join(tmp, "k8s-top20.txt")).read().split()
every = open(os.path.join(tmp, "k8s-all.txt")).read().split()
w5dir = os.path.join(tmp, "w5")

def size(files):
    return sum(os.path.getsize(f) for f in files)

# The module cache: runs use one in the temporary folder (as `scl run` uses its default one);
# "cold" runs turn it off. The warm-up runs of each case fill it.
cache = os.path.join(tmp, "cache")
warm = dict(os.environ, SCL_CACHE_DIR=cache)
cold = dict(os.environ, SCL_CACHE_DIR="off")

# name -> (argv after the binary, cwd, bytes parsed or None, runs multiplier, environment)
cases = [
    ("parse empty", ["parse", os.path.join(tmp, "empty.k")], tmp, None, 1, warm),
    ("parse W2", ["parse", w2], tmp, size([w2]), 1, warm),
    ("parse k8s top20", ["parse"] + top20, tmp, size(top20), 1, warm),
    ("parse k8s all", ["parse"] + every, tmp, size(every), 1, warm),
    ("W4 run", ["run", w4], os.path.dirname(w4), None, 5, warm),
    ("W5 warm", ["run", "-E", "k8s=" + k8s, "main.k"], w5dir, None, 1, warm),
    ("W5 cold", ["run", "-E", "k8s=" + k8s, "main.k"], w5dir, None, 1, cold),
]

def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime

def once(argv, cwd, env=None):
    c = cpu()
    t = time.perf_counter()
    r = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit("parse.sh: %s failed (%d): %s" % (" ".join(argv[:3]), r.returncode,
                                                   r.stderr.decode(errors="replace")[:400]))
    return dt, cpu() - c

res = {"wall": {b: {} for b, _ in bins}, "cpu": {b: {} for b, _ in bins}}
for name, args, cwd, nbytes, mult, env in [("spawn /bin/true", None, tmp, None, 5, None)] + cases:
    samples = {b: [] for b, _ in bins}
    for _ in range(2):  # warm-up
        for b, path in bins:
            once(["/bin/true"] if args is None else [path] + args, cwd, env)
    for _ in range(runs * mult):
        for b, path in bins:
            samples[b].append(once(["/bin/true"] if args is None else [path] + args, cwd, env))
    for b, _ in bins:
        res["wall"][b][name] = statistics.median(s[0] for s in samples[b])
        res["cpu"][b][name] = statistics.median(s[1] for s in samples[b])

def row(label, fmt, f):
    vals = [f(b) for b, _ in bins]
    line = "%-34s" % label + "".join("%14s" % (fmt % v) for v in vals)
    if len(vals) == 2 and vals[1]:
        line += "%12.2f" % (vals[0] / vals[1])
    print(line)

def table(kind):
    m = res[kind]
    print("%-34s" % ("[%s time]" % kind) + "".join("%14s" % b for b, _ in bins) +
          ("%12s" % "new/base" if base else ""))
    for name, args, cwd, nbytes, mult, env in cases:
        row(name + " (ms)", "%.2f", lambda b, n=name: m[b][n] * 1e3)
    row("spawn /bin/true (ms)", "%.2f", lambda b: m[b]["spawn /bin/true"] * 1e3)
    for name, args, cwd, nbytes, mult, env in cases:
        if nbytes is None:
            continue
        mb = nbytes / 1e6
        row("%s %.0f KB, MB/s net" % (name, nbytes / 1e3), "%.1f",
            lambda b, n=name: mb / max(m[b][n] - m[b]["parse empty"], 1e-9))
        row("%s %.0f KB, MB/s gross" % (name, nbytes / 1e3), "%.1f",
            lambda b, n=name: mb / max(m[b][n], 1e-9))
    row("W4 / spawn", "%.2f", lambda b: m[b]["W4 run"] / max(m[b]["spawn /bin/true"], 1e-9))
    row("W5 warm / W4", "%.2f", lambda b: m[b]["W5 warm"] / max(m[b]["W4 run"], 1e-9))
    row("W5 cold / W4", "%.2f", lambda b: m[b]["W5 cold"] / max(m[b]["W4 run"], 1e-9))
    row("W5 warm / spawn", "%.2f", lambda b: m[b]["W5 warm"] / max(m[b]["spawn /bin/true"], 1e-9))

table("wall")
print()
table("cpu")
if json_out:
    # wall-time figures of the new binary, for tests/bench/targets.py
    m = res["wall"]["new"]
    fig = {"parse_mb_s": {}, "w4_s": m["W4 run"], "w5_cold_s": m["W5 cold"],
           "w5_warm_s": m["W5 warm"], "true_s": m["spawn /bin/true"]}
    for name, args, cwd, nbytes, mult, env in cases:
        if nbytes is not None:
            fig["parse_mb_s"][name.replace("parse ", "")] = (nbytes / 1e6) / max(
                m[name] - m["parse empty"], 1e-9)
    with open(json_out, "w") as f:
        json.dump(fig, f)
PY
