#!/bin/sh
# scl fmt: KCL's formatter goldens (../shared/conformance/fmt) byte for byte, and the command
# line: paths, directories, DIR/..., --dry-run, --check, '-', syntax errors.
# Environment (set by make check): SCL_BIN, SCL_SRCDIR, PYTHON3.
set -u
SCL=${SCL_BIN:-./scl}
SRC=${SCL_SRCDIR:-.}
DATA="$SRC/../shared/conformance/fmt"
if [ ! -d "$DATA" ]; then
    echo "SKIP: $DATA is absent"
    exit 77
fi
DATA=$(cd "$DATA" && pwd -P)
SCL=$(cd "$(dirname "$SCL")" && pwd -P)/$(basename "$SCL")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
    for f in out err; do [ -f "$TMP/$f" ] && sed "s/^/    $f: /" "$TMP/$f" | head -15; done
}
# expect NAME WANT-EXIT CMD...: runs CMD with stdout/stderr to $TMP/out, $TMP/err
expect() {
    name=$1
    want=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq "$want" ]; then ok; else bad "$name: exit $rc, want $want"; return 1; fi
}
fresh() {
    rm -rf "$TMP/w"
    cp -R "$DATA/format_path_data" "$TMP/w"
}

# 1. the golden pairs
if "${PYTHON3:-python3}" "$SRC/tests/fmt/golden.py"; then ok; else bad "golden pairs"; fi

# 2. a directory: only the files directly in it, named as DIR/NAME; only changed ones listed
fresh
(cd "$TMP/w" && expect "fmt ." 0 "$SCL" fmt .) &&
    if [ "$(cat "$TMP/out")" = "./if.k" ]; then ok; else bad "fmt . lists: $(cat "$TMP/out")"; fi
if cmp -s "$TMP/w/if.k" "$DATA/format_data/indent.golden"; then ok; else bad "if.k not formatted as indent.golden"; fi
if cmp -s "$TMP/w/internal_pkg/test.k" "$DATA/format_path_data/internal_pkg/test.k"; then ok; else bad "fmt . went into a subdirectory"; fi
# no PATH means '.'
fresh
(cd "$TMP/w" && expect "fmt" 0 "$SCL" fmt) &&
    if [ "$(cat "$TMP/out")" = "./if.k" ]; then ok; else bad "fmt (no path) lists: $(cat "$TMP/out")"; fi

# 3. DIR/...: recursive, sorted by path
fresh
(cd "$TMP/w" && expect "fmt ./..." 0 "$SCL" fmt ./...) &&
    if [ "$(cat "$TMP/out")" = "$(printf './if.k\n./internal_pkg/test.k')" ]; then ok; else bad "fmt ./... lists: $(cat "$TMP/out")"; fi
if cmp -s "$TMP/w/internal_pkg/test.k" "$DATA/format_data/indent.golden"; then ok; else bad "internal_pkg/test.k not formatted"; fi
# formatting again changes nothing and lists nothing
(cd "$TMP/w" && expect "fmt ./... again" 0 "$SCL" fmt ./...) &&
    if [ ! -s "$TMP/out" ]; then ok; else bad "second fmt lists: $(cat "$TMP/out")"; fi

# 4. --dry-run: nothing written, the files that would change listed, exit 1 with a count
fresh
(cd "$TMP/w" && expect "fmt --dry-run ./..." 1 "$SCL" fmt --dry-run ./...) &&
    if [ "$(cat "$TMP/out")" = "$(printf './if.k\n./internal_pkg/test.k')" ] &&
        grep -q '^2 KCL file(s) require formatting$' "$TMP/err"; then ok; else bad "--dry-run output"; fi
if cmp -s "$TMP/w/if.k" "$DATA/format_path_data/if.k"; then ok; else bad "--dry-run wrote if.k"; fi
(cd "$TMP/w" && expect "fmt --dry-run clean file" 0 "$SCL" fmt --dry-run single_file.k) &&
    if [ ! -s "$TMP/out" ]; then ok; else bad "--dry-run lists a clean file"; fi

# 5. --check: a unified diff on stdout and exit 1; nothing written; exit 0 once formatted
fresh
(cd "$TMP/w" && expect "fmt --check if.k" 1 "$SCL" fmt --check if.k) &&
    if grep -q '^--- a/if.k$' "$TMP/out" && grep -q '^+++ b/if.k$' "$TMP/out" &&
        grep -q '^@@ -1,14 +1,13 @@$' "$TMP/out" && grep -q '^- a = 1$' "$TMP/out" &&
        grep -q '^+    a = 1$' "$TMP/out"; then ok; else bad "--check diff"; fi
if cmp -s "$TMP/w/if.k" "$DATA/format_path_data/if.k"; then ok; else bad "--check wrote if.k"; fi
# the diff applies: patch turns the file into the formatted text
if command -v patch >/dev/null 2>&1; then
    (cd "$TMP/w" && patch -s -p1 <"$TMP/out") && cmp -s "$TMP/w/if.k" "$DATA/format_data/indent.golden" && ok ||
        bad "--check diff does not apply"
fi
(cd "$TMP/w" && "$SCL" fmt if.k >/dev/null 2>&1)
(cd "$TMP/w" && expect "fmt --check formatted" 0 "$SCL" fmt --check if.k) &&
    if [ ! -s "$TMP/out" ]; then ok; else bad "--check prints for a formatted file"; fi

# 6. '-': stdin to stdout
expect "fmt -" 0 "$SCL" fmt - <"$DATA/format_data/codelayout.input" &&
    if cmp -s "$TMP/out" "$DATA/format_data/codelayout.golden"; then ok; else bad "fmt - output"; fi

expect "fmt --check -" 1 sh -c "printf 'a=1\\n' | '$SCL' fmt --check -" &&
    if grep -q '^-a=1$' "$TMP/out" && grep -q '^+a = 1$' "$TMP/out"; then ok; else bad "fmt --check - diff"; fi
expect "fmt --check - clean" 0 sh -c "printf 'a = 1\\n' | '$SCL' fmt --check -" &&
    if [ ! -s "$TMP/out" ]; then ok; else bad "fmt --check - prints for clean input"; fi

# 7. a syntax error: the file is untouched, a located diagnostic, exit 1; other files still done
fresh
cp "$DATA/fail_format_data/syntax_err.k" "$TMP/w/bad.k"
(cd "$TMP/w" && expect "fmt syntax error" 1 "$SCL" fmt bad.k if.k) &&
    if grep -q 'bad.k:1:' "$TMP/err" && grep -q 'error\[E1001\]' "$TMP/err"; then ok; else bad "syntax error not located"; fi
if cmp -s "$TMP/w/bad.k" "$DATA/fail_format_data/syntax_err.k"; then ok; else bad "the file with a syntax error was changed"; fi
if cmp -s "$TMP/w/if.k" "$DATA/format_data/indent.golden"; then ok; else bad "the good file after the bad one was not formatted"; fi
expect "fmt - syntax error" 1 "$SCL" fmt - <"$DATA/fail_format_data/syntax_err.k" &&
    if [ ! -s "$TMP/out" ] && grep -q '<stdin>:1:' "$TMP/err"; then ok; else bad "fmt - with a syntax error"; fi
# --error_format for CI: GitHub annotations and the short form
(cd "$TMP/w" && expect "fmt --check --error_format github" 1 "$SCL" fmt --check --error_format github bad.k) &&
    if grep -q '^::error file=bad.k,line=1,col=[0-9]*,title=E1001 InvalidSyntax::' "$TMP/err"; then ok; else bad "fmt github annotation"; fi
(cd "$TMP/w" && KCL_ERROR_FORMAT=short expect "fmt with KCL_ERROR_FORMAT=short" 1 "$SCL" fmt bad.k) &&
    if grep -q 'bad.k:1:[0-9]* - error\[E1001\]: InvalidSyntax - ' "$TMP/err"; then ok; else bad "fmt short format"; fi

# 8. a path that does not exist formats nothing (as kcl fmt); unknown options are usage errors
(cd "$TMP/w" && expect "fmt missing" 0 "$SCL" fmt no_such_file.k) &&
    if [ ! -s "$TMP/out" ]; then ok; else bad "missing path printed something"; fi
expect "fmt --bogus" 2 "$SCL" fmt --bogus
expect "fmt --help" 0 "$SCL" fmt --help && grep -q -- '--check' "$TMP/out" && ok || bad "--help text"

# 9. .editorconfig: the nearest one with a section matching the file sets the indentation
mkdir -p "$TMP/ec/sub/deeper"
printf 'schema A:\n  x: int\n' >"$TMP/ec/a.k"
printf 'root = true\n\n[*.{k,scl}]\nindent_style = tab\n' >"$TMP/ec/.editorconfig"
printf 'schema A:\n  x: int\n' >"$TMP/ec/sub/b.k"
printf '[*.py]\nindent_size = 8\n[*.k]\nindent_style = space\nindent_size = 2\n' >"$TMP/ec/sub/.editorconfig"
printf 'schema A:\n  x: int\n' >"$TMP/ec/sub/deeper/c.k"
printf '[*.py]\nindent_size = 8\n' >"$TMP/ec/sub/deeper/.editorconfig"
expect "fmt with .editorconfig" 0 "$SCL" fmt "$TMP/ec/..."
if [ "$(sed -n 2p "$TMP/ec/a.k")" = "$(printf '\tx: int')" ]; then ok; else bad "indent_style = tab: $(sed -n 2p "$TMP/ec/a.k")"; fi
if [ "$(sed -n 2p "$TMP/ec/sub/b.k")" = "  x: int" ]; then ok; else bad "indent_size = 2: $(sed -n 2p "$TMP/ec/sub/b.k")"; fi
# no [*.k] section in the nearest file: the next one up applies
if [ "$(sed -n 2p "$TMP/ec/sub/deeper/c.k")" = "  x: int" ]; then ok; else bad "search upwards: $(sed -n 2p "$TMP/ec/sub/deeper/c.k")"; fi
# stdin never reads one
expect "fmt - ignores .editorconfig" 0 sh -c "cd '$TMP/ec' && '$SCL' fmt - <a.k"
if [ "$(sed -n 2p "$TMP/out")" = "    x: int" ]; then ok; else bad "fmt - used an .editorconfig"; fi

# 10. DIR/... does not follow links to folders (a cycle ends); a link to a file is formatted
# through the link, which stays a link
mkdir -p "$TMP/sl/d"
printf 'a=1\n' >"$TMP/sl/real.k"
ln -s ../real.k "$TMP/sl/d/link.k"
ln -s .. "$TMP/sl/d/loop"
(cd "$TMP/sl" && expect "fmt ./... with links" 0 "$SCL" fmt ./...) &&
    if [ "$(cat "$TMP/out")" = "./d/link.k" ] && [ -L "$TMP/sl/d/link.k" ] &&
        [ "$(cat "$TMP/sl/real.k")" = "a = 1" ]; then ok; else bad "links: $(cat "$TMP/out")"; fi

echo "scl fmt: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
