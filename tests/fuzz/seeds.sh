#!/bin/sh
# seeds.sh OUT: a seed corpus for each fuzz target in OUT/<name>/, drawn from the conformance
# and golden cases (../shared beside the source tree, tests/golden) and the committed regression
# inputs. A target whose input starts with a mode byte gets that byte prepended.
set -eu
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
shared=${SCL_SHARED:-$src/../shared}
out=$1
max=65536
mkdir -p "$out"
for name in parse eval decode mod import function; do
    mkdir -p "$out/$name"
    [ -d "$src/tests/fuzz/regressions/$name" ] &&
        cp "$src/tests/fuzz/regressions/$name"/* "$out/$name/" 2>/dev/null || true
done
i=0
# put NAME MODE FILE: FILE (at most $max bytes) as a seed of NAME, after mode byte MODE (octal
# escape, or empty for none)
put() {
    [ -f "$3" ] || return 0
    [ "$(wc -c <"$3")" -le $max ] || return 0
    i=$((i + 1))
    { [ -n "$2" ] && printf "\\$2"; cat "$3"; } >"$out/$1/seed-$i"
}
# programs: the conformance grammar cases and the golden tests
find "$shared/conformance/grammar" "$src/tests/golden" -type f \( -name '*.k' -o -name '*.scl' \) \
    2>/dev/null | sort >"$out/.programs"
while read -r f; do
    put parse "" "$f"
    put eval "" "$f"
done <"$out/.programs"
# data: YAML and JSON of the conformance cases, the CRDs and OpenAPI documents (a sample)
find "$shared/conformance" "$src/tests/golden" -type f -name '*.yaml' 2>/dev/null | sort |
    head -n 150 >"$out/.yaml"
find "$shared/conformance" "$src/tests/golden" -type f -name '*.json' 2>/dev/null | sort |
    head -n 100 >"$out/.json"
while read -r f; do
    put decode 000 "$f"
    put decode 001 "$f"
    put decode 005 "$f"
    put import 001 "$f"
done <"$out/.yaml"
while read -r f; do
    put decode 002 "$f"
    put decode 006 "$f"
    put import 000 "$f"
    put import 002 "$f"
done <"$out/.json"
find "$shared" "$src/examples" "$src/tests" -type f -name 'kcl.yaml' 2>/dev/null | sort |
    while read -r f; do put decode 004 "$f"; done
find "$shared/crds" -type f -name '*.yaml' 2>/dev/null | sort | head -n 40 |
    while read -r f; do put import 003 "$f"; done
find "$shared/openapi" -type f \( -name '*.json' -o -name '*.yaml' \) 2>/dev/null | sort |
    head -n 20 | while read -r f; do put import 004 "$f"; done
# package files
find "$shared" "$src/examples" "$src/tests" -type f -name 'kcl.mod' 2>/dev/null | sort |
    while read -r f; do put mod 000 "$f"; done
find "$shared" "$src/examples" "$src/tests" -type f -name 'kcl.mod.lock' 2>/dev/null | sort |
    while read -r f; do put mod 001 "$f"; done
rm -f "$out/.programs" "$out/.yaml" "$out/.json"
for name in parse eval decode mod import function; do
    echo "$name: $(find "$out/$name" -type f | wc -l) seeds"
done
