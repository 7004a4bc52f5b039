#!/bin/sh
# Completions and man pages against the built command: for every subcommand the binary has,
# each completion file (bash, zsh, fish) and its man page name every flag `scl CMD --help`
# lists, and every command `scl --help` / `scl mod --help` lists. The man pages render without
# warnings, and the bash completion completes.
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SCL_BIN:-./scl}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0 checked=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
bash_c="$src/completions/bash/scl" zsh_c="$src/completions/zsh/_scl"
fish_c="$src/completions/fish/scl.fish"
for f in "$bash_c" "$zsh_c" "$fish_c"; do [ -f "$f" ] || fail "missing $f"; done

# mentions FILE WORD: WORD as a whole token (not part of a longer flag or word)
mentions() {
    grep -Eq -- "(^|[^A-Za-z0-9_-])$2([^A-Za-z0-9_-]|\$)" "$1"
}
fish_mentions() {
    case $2 in
    --*) grep -Eq -- "(^| )-l ${2#--}( |\$)" "$1" ;;
    -?) grep -Eq -- "(^| )-s ${2#-}( |\$)" "$1" ;;
    *) mentions "$1" "$2" ;;
    esac
}
# the flags a help text lists: -x or --long-name after a space, '[', '|', '(' or ','
flags_of() {
    grep -oE -- "(^|[][ |(,])--?[A-Za-z][A-Za-z0-9_-]*" "$1" | sed 's/^[][ |(,]//' | sort -u
}

have_groff=0
command -v groff >/dev/null && have_groff=1
# plain text of a man page: rendered when groff is there, else the source unescaped
man_text() {
    if [ $have_groff = 1 ]; then
        groff -man -Tascii -P-cbou -rLL=400n -rHY=0 "$1" 2>/dev/null
    else
        sed 's/\\-/-/g; s/\\f[BIRP]//g' "$1"
    fi
}

# command words | man page
while IFS='|' read -r words page; do
    [ -n "$words" ] || continue
    # shellcheck disable=SC2086
    "$bin" $words --help >"$T/help" 2>&1
    if grep -q "unknown command" "$T/help"; then
        echo "note: 'scl $words' is not in this binary; its flags are not checked"
        continue
    fi
    checked=$((checked + 1))
    [ -f "$T/$page.txt" ] || man_text "$src/doc/$page" >"$T/$page.txt"
    [ -s "$T/$page.txt" ] || fail "doc/$page is missing or empty"
    for flag in $(flags_of "$T/help"); do
        mentions "$bash_c" "$flag" || fail "bash completion lacks $flag (scl $words)"
        mentions "$zsh_c" "$flag" || fail "zsh completion lacks $flag (scl $words)"
        fish_mentions "$fish_c" "$flag" || fail "fish completion lacks $flag (scl $words)"
        mentions "$T/$page.txt" "$flag" || fail "doc/$page lacks $flag (scl $words)"
    done
done <<EOF2
run|scl-run.1
eval|scl-run.1
parse|scl-parse.1
vet|scl-vet.1
import|scl-import.1
mod|scl-mod.1
mod init|scl-mod.1
mod add|scl-mod.1
mod pull|scl-mod.1
mod push|scl-mod.1
mod pkg|scl-mod.1
mod update|scl-mod.1
mod metadata|scl-mod.1
mod graph|scl-mod.1
function serve|scl-function.1
function render|scl-function.1
fmt|scl-fmt.1
test|scl-test.1
lint|scl-lint.1
doc|scl-doc.1
doc generate|scl-doc.1
EOF2
[ $checked -ge 15 ] || fail "only $checked subcommands answered --help"

# the commands scl --help and scl mod --help list (first word of each indented line)
"$bin" --help >"$T/top" 2>&1
sed -n '/^commands:/,/^$/p' "$T/top" | sed -n 's/^  \([a-z]*\)\(, \([a-z]*\)\)\{0,1\} .*/\1 \3/p' >"$T/cmds"
"$bin" mod --help 2>&1 | sed -n '/^commands:/,/^$/p' | sed -n 's/^  \([a-z-]*\) .*/\1/p' >>"$T/cmds"
[ "$(wc -w <"$T/cmds")" -ge 10 ] || fail "could not read the command lists of scl --help"
for c in $(cat "$T/cmds"); do
    for f in "$bash_c" "$zsh_c" "$fish_c"; do
        mentions "$f" "$c" || fail "$(basename "$f") lacks the command $c"
    done
done

# every page renders without warnings
for page in "$src"/doc/scl*.[0-9]; do
    if [ $have_groff = 1 ]; then
        groff -man -Tutf8 -ww -z "$page" >"$T/warn" 2>&1
        [ -s "$T/warn" ] && { cat "$T/warn"; fail "$(basename "$page") renders with warnings"; }
    fi
done
[ $have_groff = 1 ] || echo "note: groff missing (Debian groff-base): pages not rendered"

# the bash completion completes (run in bash; skipped when there is none)
if command -v bash >/dev/null; then
    cat >"$T/complete.bash" <<'EOF3'
. "$1"
c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _scl; echo "${COMPREPLY[*]}"; }
[ "$(c scl ru)" = "run" ] || { echo "scl ru -> $(c scl ru)"; exit 1; }
[ "$(c scl run --sort)" = "--sort_keys" ] || { echo "scl run --sort -> $(c scl run --sort)"; exit 1; }
[ "$(c scl vet data code --format '')" = "json yaml" ] || { echo "vet --format"; exit 1; }
[ "$(c scl mod up)" = "update" ] || { echo "scl mod up -> $(c scl mod up)"; exit 1; }
[ "$(c scl mod update --v)" = "--vendor" ] || { echo "mod update --v"; exit 1; }
[ "$(c scl function serve --tls)" = "--tls-certs-dir" ] || { echo "function serve --tls"; exit 1; }
[ "$(c scl import -m c)" = "crd" ] || { echo "import -m c"; exit 1; }
exit 0
EOF3
    bash "$T/complete.bash" "$bash_c" || fail "bash completion"
fi
# the fish completion completes (when fish is installed)
if command -v fish >/dev/null; then
    got=$(fish -c "source '$fish_c'
        for line in 'scl ru' 'scl run --sort' 'scl mod up' 'scl function serve --tls' 'scl vet d c --format '
            echo (complete -C \"\$line\" | cut -f1 | string join ' ')
        end" 2>&1)
    want=$(printf 'run\n--sort_keys\nupdate\n--tls-certs-dir\njson yaml')
    [ "$got" = "$want" ] || { echo "$got"; fail "fish completion"; }
fi
for sh in zsh fish; do
    if command -v $sh >/dev/null; then
        f=$zsh_c
        [ $sh = fish ] && f=$fish_c
        $sh -n "$f" || fail "$sh -n $(basename "$f")"
    fi
done

[ $fails -eq 0 ] || exit 1
echo "PASS: completions and man pages cover $checked subcommands"
