#!/bin/sh
# Benchmark of the function server (`scl function serve`): throughput, latency and memory for
# the image step of examples/controlplane/digitalocean/image.scl with a realistic request.
# Not part of make check. Needs h2load (Debian nghttp2-client), python3 with grpcio and
# protobuf (python3-grpcio, python3-protobuf), protoc-c and ../shared/packages/k8s-1.32.4.
#
#   tests/bench/function.sh [--scl PATH] [-n REQUESTS] [--warmup N] [--latency N] [--keep DIR]
#
# --scl defaults to $SCL_BIN, else build/scl in the source tree. -n is the soak (100000),
# --warmup the requests before the first memory reading (1000), --latency the requests sent
# one at a time for the p99 (5000). See tests/bench/README.md. Exit 0 unless something failed
# to run; a missed target is printed as MISSED.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
scl=${SCL_BIN:-$src/build/scl}
n=100000
warmup=1000
latn=5000
keep=
while [ $# -gt 0 ]; do
    case $1 in
        --scl) scl=$2; shift 2 ;;
        -n) n=$2; shift 2 ;;
        --warmup) warmup=$2; shift 2 ;;
        --latency) latn=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        *) sed -n '2,12s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
die() { echo "function.sh: $*" >&2; exit 1; }
case $scl in /*) ;; *) scl=$(pwd)/$scl ;; esac
[ -x "$scl" ] || die "no scl binary at $scl (use --scl or SCL_BIN)"
command -v h2load >/dev/null || die "h2load not found (apt-get install nghttp2-client)"
py=
for c in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$c" -c 'import grpc, google.protobuf' 2>/dev/null; then py=$c; break; fi
done
[ -n "$py" ] || die "no python3 with grpcio and protobuf (python3-grpcio, python3-protobuf)"
k8s=$src/../shared/packages/k8s-1.32.4
[ -d "$k8s" ] || die "no k8s package at $k8s"

if [ -n "$keep" ]; then mkdir -p "$keep" && tmp=$(cd "$keep" && pwd); else tmp=$(mktemp -d /tmp/scl-fnbench-XXXXXX); fi
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    [ -z "$keep" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# 1. the example with generated schemas, and the request body
cp -r "$src/examples/controlplane" "$tmp/cp" && rm -rf "$tmp/cp/kcl" "$tmp/cp/kcl.mod.lock"
SCL=$scl sh "$tmp/cp/generate.sh" "$src/schemas/crds" >/dev/null || die "generate.sh failed"
size=$("$py" "$here/function_req.py" body "$src" "$tmp/cp" "$tmp/body.bin") || die "request builder failed"
"$py" "$here/function_req.py" plain "$src" "$tmp/cp" "$tmp/plain.bin" >/dev/null || die "request builder failed"

# 2. the server on a free loopback port
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$scl" function serve --insecure --address "127.0.0.1:$port" --root "$tmp/cp" -E "k8s=$k8s" \
    >"$tmp/server.log" 2>&1 &
pid=$!
url=http://127.0.0.1:$port/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction

rss() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null; }
hwm() { awk '/^VmHWM:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status" 2>/dev/null; }
alive() { kill -0 "$pid" 2>/dev/null || { tail -20 "$tmp/server.log" >&2; die "the server exited"; }; }

# drive N C M [LOGFILE [BODY]]: h2load with the pre-encoded body; fails unless every request got a 2xx
drive() {
    h2load -n "$1" -c "$2" -m "$3" -d "${5:-$tmp/body.bin}" -H 'content-type: application/grpc' \
        -H 'te: trailers' ${4:+--log-file="$4"} "$url" >"$tmp/h2load.out" 2>&1 || {
        cat "$tmp/h2load.out" >&2; die "h2load failed"; }
    ok=$(awk '/^status codes:/ { print $3 }' "$tmp/h2load.out")
    [ "$ok" = "$1" ] || { cat "$tmp/h2load.out" >&2; die "h2load: $ok of $1 requests got HTTP 2xx"; }
    alive
}

# 3. a real client first: grpc-status 0 and the desired Image
"$py" "$here/function_req.py" check "$src" "$tmp/cp" "$port" || die "the sample request failed"
alive
rss0=$(rss)

drive "$warmup" 8 4
rss1=$(rss)
drive "$n" 8 4
rate=$(awk '/^finished in/ { print $4 }' "$tmp/h2load.out")
secs=$(awk '/^finished in/ { v = $3; sub(/,$/, "", v)
    if (v ~ /ms$/) { sub(/ms$/, "", v); v = v / 1000 } else sub(/s$/, "", v); print v }' "$tmp/h2load.out")
rss2=$(rss)
peak=$(hwm)
drive "$latn" 1 1 "$tmp/latency.log"
p=$(awk -F'\t' '{ print $3 }' "$tmp/latency.log" | sort -n | awk '{ a[NR] = $1 }
    END { i = int(NR * 0.99 + 0.999999); if (i < 1) i = 1; j = int(NR * 0.5 + 0.999999); if (j < 1) j = 1
          printf "%.2f %.2f", a[i] / 1000, a[j] / 1000 }')
p99=${p% *}
p50=${p#* }
"$py" "$here/function_req.py" check "$src" "$tmp/cp" "$port" || die "the sample request failed after the run"
rss3=$(rss)
drive "$latn" 8 4 "" "$tmp/plain.bin"
plain=$(awk '/^finished in/ { print $4 }' "$tmp/h2load.out")

# 4. the table
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = dir == "min" ? v + 0 >= t : v + 0 < t; print ok ? "ok" : "MISSED" }'; }
growth=$(awk -v a="$rss1" -v b="$rss2" 'BEGIN { printf "%.1f", b - a }')
echo "function server benchmark: image step, request $size bytes, $(nproc) CPUs, scl $scl"
printf '%-44s %12s  %-10s %s\n' measure value target ""
printf '%-44s %12s  %-10s %s\n' "RunFunction/s, 8 conn x 4 streams, $n req" "$rate" ">= 2000" "$(verdict "$rate" 2000 min)"
printf '%-44s %12s  %-10s %s\n' "  (wall time of those $n requests, s)" "$secs" "" ""
printf '%-44s %12s  %-10s %s\n' "  (same Image, no schema import, $latn req)" "$plain" "" ""
printf '%-44s %12s  %-10s %s\n' "p99 latency at 1 request at a time, ms" "$p99" "< 10" "$(verdict "$p99" 10 max)"
printf '%-44s %12s  %-10s %s\n' "  (median of those $latn, ms)" "$p50" "" ""
printf '%-44s %12s  %-10s %s\n' "RSS after the sample requests, MB" "$rss0" "" ""
printf '%-44s %12s  %-10s %s\n' "RSS after a $warmup-request warm-up, MB" "$rss1" "" ""
printf '%-44s %12s  %-10s %s\n' "RSS after $n more requests, MB" "$rss2" "< 50" "$(verdict "$rss2" 50 max)"
printf '%-44s %12s  %-10s %s\n' "RSS growth over those $n, MB" "$growth" "< 5" "$(verdict "$growth" 5 max)"
printf '%-44s %12s  %-10s %s\n' "RSS at the end (after the latency run), MB" "$rss3" "< 50" "$(verdict "$rss3" 50 max)"
printf '%-44s %12s  %-10s %s\n' "peak RSS (VmHWM) during the soak, MB" "$peak" "< 50" "$(verdict "$peak" 50 max)"
exit 0
