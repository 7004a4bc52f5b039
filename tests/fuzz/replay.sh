#!/bin/sh
# make check: every fuzz target runs once on each input kept in tests/fuzz/regressions/<name>/
# (inputs that once crashed, hung or leaked, and small seeds). Each input must finish
# cleanly; in a sanitizer build ASan and UBSan watch them too.
set -eu
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${SCL_BUILDDIR:-.}
targets=${FUZZ_TARGETS:-"tests/fuzz/fuzz_parse tests/fuzz/fuzz_eval tests/fuzz/fuzz_decode
 tests/fuzz/fuzz_mod tests/fuzz/fuzz_import tests/fuzz/fuzz_function"}
fail=0
total=0
for t in $targets; do
    name=${t##*/fuzz_}
    dir=$src/tests/fuzz/regressions/$name
    if [ ! -d "$dir" ]; then
        echo "FAIL $name: no regression folder $dir"
        fail=1
        continue
    fi
    n=$(find "$dir" -type f | wc -l)
    [ "$n" -gt 0 ] || { echo "FAIL $name: $dir is empty"; fail=1; continue; }
    # files, not the folder: a libFuzzer binary given a folder would start fuzzing it
    if find "$dir" -type f | sort | xargs timeout 300 "$build/$t" >"$build/tests/fuzz/replay-$name.log" 2>&1; then
        echo "PASS $name: $n inputs"
        total=$((total + n))
    else
        echo "FAIL $name (see tests/fuzz/replay-$name.log):"
        tail -n 30 "$build/tests/fuzz/replay-$name.log"
        fail=1
    fi
done
echo "replayed $total inputs"
exit $fail
