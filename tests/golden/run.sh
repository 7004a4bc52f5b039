#!/bin/sh
# Golden tests: tests/golden/<area>/<case>/main.scl is run with `scl run main.scl` (plus the
# arguments in an optional 'args' file) in its directory; stdout must equal stdout.golden
# byte for byte, and when stderr.golden exists the run must fail with exactly that stderr
# (${CWD} stands for the case directory). SCL_GOLDEN_UPDATE=1 rewrites the goldens.
set -u
bin=${SCL_BIN:-./scl}
src=$(cd "${SCL_SRCDIR:-$(dirname "$0")/../..}" && pwd -P)
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for main in $(find "$src/tests/golden" -name main.scl | sort); do
    dir=$(cd "$(dirname "$main")" && pwd -P)
    name=${dir#"$src/tests/golden/"}
    args=
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    # shellcheck disable=SC2086
    (cd "$dir" && "$bin" run main.scl $args) >"$tmp/out" 2>"$tmp/err"
    rc=$?
    sed "s|$dir|\${CWD}|g" "$tmp/err" >"$tmp/err.norm"
    if [ -n "${SCL_GOLDEN_UPDATE:-}" ]; then
        if [ $rc -eq 0 ]; then
            cp "$tmp/out" "$dir/stdout.golden"; rm -f "$dir/stderr.golden"
        else
            cp "$tmp/err.norm" "$dir/stderr.golden"; cp "$tmp/out" "$dir/stdout.golden"
        fi
    fi
    ok=1
    if [ -f "$dir/stderr.golden" ]; then
        [ $rc -ne 0 ] && [ $rc -lt 128 ] || ok=0
        cmp -s "$tmp/err.norm" "$dir/stderr.golden" || ok=0
    else
        [ $rc -eq 0 ] || ok=0
    fi
    [ -f "$dir/stdout.golden" ] && { cmp -s "$tmp/out" "$dir/stdout.golden" || ok=0; }
    if [ $ok -eq 1 ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name (exit $rc)"
        [ -f "$dir/stdout.golden" ] && diff "$dir/stdout.golden" "$tmp/out" | head -20
        [ -f "$dir/stderr.golden" ] && diff "$dir/stderr.golden" "$tmp/err.norm" | head -20
        [ -f "$dir/stderr.golden" ] || head -20 "$tmp/err"
    fi
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
