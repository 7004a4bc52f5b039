#!/bin/sh
# The direct YAML writer against libyaml's emitter (SCL_YAML_WRITER=libyaml selects it): every
# case of the conformance corpus (../shared/conformance/grammar, with its settings.yaml
# options), every golden case and the generated benchmark programs (tests/bench/gen.py, small
# sizes, also with --sort_keys, --show_hidden and --disable_none) must give the same stdout,
# stderr and exit status under both writers.
set -u
bin=${SCL_BIN:-./scl}
src=$(cd "${SCL_SRCDIR:-$(dirname "$0")/../..}" && pwd -P)
py=${PYTHON3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

# both DIR ARGS...: runs scl in DIR with each writer and compares everything it printed.
both() {
    dir=$1
    shift
    (cd "$dir" && "$bin" "$@") >"$tmp/d.out" 2>"$tmp/d.err"
    echo $? >"$tmp/d.rc"
    (cd "$dir" && SCL_YAML_WRITER=libyaml "$bin" "$@") >"$tmp/l.out" 2>"$tmp/l.err"
    echo $? >"$tmp/l.rc"
    if cmp -s "$tmp/d.out" "$tmp/l.out" && cmp -s "$tmp/d.err" "$tmp/l.err" &&
        cmp -s "$tmp/d.rc" "$tmp/l.rc"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: $dir: scl $*"
        diff "$tmp/l.out" "$tmp/d.out" | head -10
        diff "$tmp/l.err" "$tmp/d.err" | head -5
    fi
}

corpus=$src/../shared/conformance/grammar
if [ -d "$corpus" ]; then
    cp -R "$corpus" "$tmp/grammar"
    chmod -R u+w "$tmp/grammar"
    for main in $(find "$tmp/grammar" -name main.k | sort); do
        dir=$(dirname "$main")
        opts=
        [ -f "$dir/settings.yaml" ] && opts=$(sed -n 's/^kcl_options: *//p' "$dir/settings.yaml")
        # shellcheck disable=SC2086
        both "$dir" run main.k $opts
    done
else
    echo "note: no conformance corpus at $corpus"
fi

for main in $(find "$src/tests/golden" -name main.scl | sort); do
    dir=$(dirname "$main")
    args=
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    # shellcheck disable=SC2086
    both "$dir" run main.scl $args
done

"$py" "$src/tests/bench/gen.py" "$tmp/bench" --w1 40 --w2 60 --w3 300 >/dev/null || exit 1
for k in "$tmp"/bench/*.k; do
    for flags in "" "-k" "-H -n" "-k -H"; do
        # shellcheck disable=SC2086
        both "$tmp/bench" run "$k" $flags
    done
done

echo "yaml writers: $pass runs identical, $fail differ"
[ $fail -eq 0 ]
