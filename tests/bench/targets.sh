#!/bin/sh
# The performance targets against the peers, as ratios measured side by side in one session:
# copies ../shared/bench (read-only) to a temporary folder, installs its quick peers (Debian
# packages: jq, python3-yaml, starlark), builds a base commit of scl in a temporary worktree,
# runs the shared bench for the peers, this build and the base, and prints each ratio next to
# its target (tests/bench/targets.py). Not part of make check: it takes a quarter of an hour.
#
# scl runs as a user runs it, with its module cache (in a folder of the run: the bench's
# warm-up run fills it); W1 and W2 then run once more beside jq with the cache off
# (SCL_CACHE_DIR=off), and those cold ratios are printed too.
#
#   tests/bench/targets.sh [--scl PATH] [--base REV|--no-base] [--runs N] [--keep DIR]
#
# --scl defaults to build/scl; --base to HEAD~1 (the previous commit); --runs to 5.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
scl=$src/build/scl
base=HEAD~1
runs=5
keep=
while [ $# -gt 0 ]; do
    case $1 in
        --scl) scl=$2; shift 2 ;;
        --base) base=$2; shift 2 ;;
        --no-base) base=; shift ;;
        --runs) runs=$2; shift 2 ;;
        --keep) keep=$2; shift 2 ;;
        *) sed -n '2,11s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    esac
done
case $scl in /*) ;; *) scl=$(pwd)/$scl ;; esac
[ -x "$scl" ] || { echo "targets.sh: no scl at $scl" >&2; exit 1; }
[ -d "$src/../shared/bench" ] || { echo "targets.sh: ../shared/bench is missing" >&2; exit 1; }
if [ -n "$keep" ]; then mkdir -p "$keep"; T=$(cd "$keep" && pwd); else T=$(mktemp -d /tmp/scl-targets.XXXXXX); fi
cleanup() {
    [ -d "$T/base" ] && git -C "$src" worktree remove --force "$T/base" 2>/dev/null
    [ -z "$keep" ] && rm -rf "$T"
    return 0
}
trap cleanup EXIT
trap 'exit 1' INT TERM

cp -R "$src/../shared/bench" "$T/bench" && chmod -R u+w "$T/bench"
B=$T/bench
"$B/install-peers.sh" >"$T/install.log" 2>&1 || echo "targets.sh: install-peers.sh failed (see $T/install.log); peers that are missing are skipped" >&2

basebin=
if [ -n "$base" ]; then
    rev=$(git -C "$src" rev-parse --short "$base")
    echo "building the base $rev ..." >&2
    git -C "$src" worktree add --detach "$T/base" "$rev" >/dev/null 2>&1
    (cd "$T/base" && autoreconf -fi >/dev/null 2>&1 && mkdir -p build && cd build &&
        ../configure >/dev/null && make -j"$(nproc)" scl >/dev/null 2>&1) ||
        { echo "targets.sh: the base $rev does not build" >&2; exit 1; }
    basebin=$T/base/build/scl
fi

# Each workload runs beside the peers its targets name (Python takes minutes on W1 at 200,000):
# lines of "workloads|peer".
groups='W4 REF|
W1:2000,20000,200000|jq
W2|jq
W3:200000|python'
bench() { # bench OUT-PREFIX SCL-BINARY WITH-PEERS [GROUPS]
    : >"$1.jsonl"
    : >"$1.txt"
    echo "${4:-$groups}" | while IFS='|' read -r w peer; do
        tools=scl
        [ -n "$3" ] && [ -n "$peer" ] && tools="scl $peer"
        sync # what the last group wrote (REF writes 100 MB files) is not written back during this one
        (cd "$B" && SCL=$2 ./run.sh -r "$runs" -T "$tools" $w >>"$1.txt")
        cat "$B/results/last.jsonl" >>"$1.jsonl"
    done
}
export XDG_CACHE_HOME="$T/cache"
unset SCL_CACHE_DIR
# the base's build leaves a few hundred MB to write back: flushed now, not while W4 and W1 run
sync
echo "peers and this build ($scl) ..." >&2
bench "$T/new" "$scl" peers
echo "this build with its module cache off, beside jq ..." >&2
SCL_CACHE_DIR=off bench "$T/cold" "$scl" peers 'W1:20000|jq
W2|jq'
unset SCL_CACHE_DIR
if [ -n "$basebin" ]; then
    echo "the base ($rev) ..." >&2
    bench "$T/base" "$basebin" ""
fi
extra=
if [ -x "$here/parse.sh" ]; then
    "$here/parse.sh" --bin "$scl" --runs 11 --json "$T/parse.json" >"$T/parse.txt" 2>&1 && extra="--parse $T/parse.json"
fi
/usr/bin/python3 "$here/targets.py" "$T/new.jsonl" --cold "$T/cold.jsonl" \
    ${basebin:+--base "$T/base.jsonl" --base-name "$rev"} $extra
