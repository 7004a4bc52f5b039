#!/bin/sh
# make fuzz (a --enable-fuzzing build): each libFuzzer target runs FUZZ_SECONDS (default 30)
# from a fixed seed (-seed=1) over a corpus drawn from ../shared (tests/fuzz/seeds.sh), after
# replaying its regression inputs. A crash, leak, timeout or sanitizer report fails; its input
# is left in fuzz-artifacts/ to be kept under tests/fuzz/regressions/<name>/ once fixed.
set -eu
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SCL_BUILDDIR:-.}
secs=${FUZZ_SECONDS:-30}
targets=${FUZZ_TARGETS:-"tests/fuzz/fuzz_parse tests/fuzz/fuzz_eval tests/fuzz/fuzz_decode
 tests/fuzz/fuzz_mod tests/fuzz/fuzz_import tests/fuzz/fuzz_function"}
sh "$src/tests/fuzz/replay.sh"
corpus=$build/fuzz-corpus
[ -d "$corpus" ] || sh "$src/tests/fuzz/seeds.sh" "$corpus"
mkdir -p "$build/fuzz-artifacts"
fail=0
for t in $targets; do
    name=${t##*/fuzz_}
    log=$build/fuzz-artifacts/$name.log
    if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$build/$t" -seed=1 -max_total_time="$secs" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/fuzz-artifacts/$name-" "$corpus/$name" >"$log" 2>&1; then
        stats=$(grep -E '^#[0-9]+.*(DONE|cov:)' "$log" | tail -n 1)
        echo "PASS $name: $stats"
    else
        echo "FAIL $name (see $log):"
        tail -n 40 "$log"
        fail=1
    fi
done
exit $fail
