#!/bin/sh
# The on-disk module cache (SCL_CACHE_DIR, --no-cache): a run that finds its trees and its
# clean check in the cache prints exactly what a run without it prints.
#
# 1. Every golden case (tests/golden) runs in a copy of its folder (its main file made longer
#    by comment lines: small programs get no pack) without the cache, with an empty cache
#    (which writes the pack) and three times more (which read it); stdout, stderr and the
#    exit status must be the same each time, the first run must write the pack, and the warm
#    runs must find every tree in it (they do not write it again).
# 2. Scenarios: an imported file edited after a warm run (its new value, and a type error
#    it now has, are seen), files found by their status (an edit of the same size, a new
#    file, a removed one), a broken pack (truncated, overwritten index, garbage, empty) is
#    ignored, a folder that cannot be made is skipped silently, --no-cache writes nothing, and
#    XDG_CACHE_HOME is the default's base.
set -u
bin=${SCL_BIN:-./scl}
src=$(cd "${SCL_SRCDIR:-$(dirname "$0")/../..}" && pwd -P)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
bad() {
    fail=$((fail + 1))
    echo "FAIL $*"
}
good() { pass=$((pass + 1)); }

packs() { find "$1" -name '*.pack' 2>/dev/null | wc -l; }
pack_ino() { find "$1" -name '*.pack' -exec ls -i {} + 2>/dev/null | awk '{print $1}'; }

# Programs under 32 KB of source get no pack: comment lines after the last line make a file
# larger without changing what it means or where anything in it is.
awk 'BEGIN { printf "\n"; for (i = 0; i < 1000; i++) printf "# padding line %04d of the module cache test\n", i }' >"$tmp/pad"
pad() { cat "$tmp/pad" >>"$1"; }

# run DIR CACHE OUT: `scl run main.scl ARGS` in DIR with SCL_CACHE_DIR=CACHE; OUT.{out,err,rc}
run() {
    # shellcheck disable=SC2086
    (cd "$1" && SCL_CACHE_DIR=$2 "$bin" run main.scl $args) >"$3.out" 2>"$3.err"
    echo $? >"$3.rc"
}

same() { # A B: the two runs printed the same and ended the same
    cmp -s "$1.out" "$2.out" && cmp -s "$1.err" "$2.err" && cmp -s "$1.rc" "$2.rc"
}

n=0
for main in $(find "$src/tests/golden" -name main.scl | sort); do
    n=$((n + 1))
    case_dir=$(dirname "$main")
    name=${case_dir#"$src/tests/golden/"}
    work=$tmp/case$n
    cp -r "$case_dir" "$work"
    pad "$work/main.scl"
    args=
    [ -f "$work/args" ] && args=$(cat "$work/args")
    cache=$tmp/cache$n
    run "$work" off "$tmp/off"
    run "$work" "$cache" "$tmp/cold"
    # a program that runs has a pack after its first run (unless -O edits its trees)
    case " $args " in *" -O "*) overrides=1 ;; *) overrides=0 ;; esac
    if [ "$(cat "$tmp/off.rc")" = 0 ] && [ $overrides = 0 ] && [ "$(packs "$cache")" -lt 1 ]; then
        bad "$name: no pack written by the first run"
        continue
    fi
    run "$work" "$cache" "$tmp/second"
    ino=$(pack_ino "$cache") # (the second run may write it again, with the statuses of files
    # that are now old enough to be trusted)
    run "$work" "$cache" "$tmp/warm"
    if ! same "$tmp/off" "$tmp/cold" || ! same "$tmp/off" "$tmp/second" ||
        ! same "$tmp/off" "$tmp/warm"; then
        bad "$name: the runs with the cache differ from the run without it"
        diff "$tmp/off.err" "$tmp/warm.err" | head -10
        diff "$tmp/off.out" "$tmp/warm.out" | head -10
        continue
    fi
    # the warm runs found every tree in the pack: they did not write it again
    run "$work" "$cache" "$tmp/warm2"
    if [ "$ino" != "$(pack_ino "$cache")" ] || ! same "$tmp/off" "$tmp/warm2"; then
        bad "$name: the pack was written again by a warm run"
        continue
    fi
    good
    rm -rf "$work" "$cache"
done
echo "golden cases: $n"

# --- an imported file changes after a warm run
w=$tmp/edit
mkdir -p "$w/pkg"
cat >"$w/main.scl" <<'EOF'
import pkg

out = pkg.App {name = "web"}
EOF
cat >"$w/pkg/app.k" <<'EOF'
schema App:
    name: str
    replicas: int = 2
EOF
pad "$w/main.scl"
pad "$w/pkg/app.k"
args=
run "$w" "$tmp/c1" "$tmp/e1"
run "$w" "$tmp/c1" "$tmp/e2"
if same "$tmp/e1" "$tmp/e2" && grep -q 'replicas: 2' "$tmp/e2.out" && [ "$(packs "$tmp/c1")" = 1 ]; then good; else bad "edit: warm run"; fi
sed 's/replicas: int = 2/replicas: int = 3/' "$w/pkg/app.k" >"$w/pkg/app.k.new" && mv "$w/pkg/app.k.new" "$w/pkg/app.k"
run "$w" "$tmp/c1" "$tmp/e3"
if grep -q 'replicas: 3' "$tmp/e3.out" && [ "$(cat "$tmp/e3.rc")" = 0 ]; then good; else bad "edit: the changed default is not seen"; cat "$tmp/e3.out" "$tmp/e3.err"; fi
# a type error in the edited file: the clean check of the old program is not reused
sed 's/replicas: int = 3/replicas: int = "three"/' "$w/pkg/app.k" >"$w/pkg/app.k.new" && mv "$w/pkg/app.k.new" "$w/pkg/app.k"
run "$w" off "$tmp/e4"
run "$w" "$tmp/c1" "$tmp/e5"
if same "$tmp/e4" "$tmp/e5" && [ "$(cat "$tmp/e5.rc")" != 0 ] && grep -q 'app.k:3' "$tmp/e5.err"; then
    good
else
    bad "edit: the type error is not reported as without the cache"
    cat "$tmp/e4.err" "$tmp/e5.err"
fi
# back to the first text: the pack's tree again, same output as at first
sed 's/replicas: int = "three"/replicas: int = 2/' "$w/pkg/app.k" >"$w/pkg/app.k.new" && mv "$w/pkg/app.k.new" "$w/pkg/app.k"
run "$w" "$tmp/c1" "$tmp/e6"
if same "$tmp/e1" "$tmp/e6"; then good; else bad "edit: back to the first text"; fi

# --- an error at run time located in an imported file, from a warm pack
cat >"$w/pkg/app.k" <<'EOF'
schema App:
    name: str
    replicas: int = 2

    check:
        replicas < 2, "too many replicas"
EOF
pad "$w/pkg/app.k"
run "$w" off "$tmp/r1"
run "$w" "$tmp/c2" "$tmp/r2"
run "$w" "$tmp/c2" "$tmp/r3"
if same "$tmp/r1" "$tmp/r3" && [ "$(cat "$tmp/r3.rc")" != 0 ] && grep -q 'app.k:6:' "$tmp/r3.err" &&
    grep -q 'too many replicas' "$tmp/r3.err"; then
    good
else
    bad "check error located in a cached tree"
    cat "$tmp/r1.err" "$tmp/r3.err"
fi

# --- broken packs are ignored
cat >"$w/pkg/app.k" <<'EOF'
schema App:
    name: str
    replicas: int = 2
EOF
pad "$w/pkg/app.k"
run "$w" off "$tmp/ref"
for how in truncate index garbage empty; do
    c=$tmp/broken-$how
    run "$w" "$c" "$tmp/b0"
    run "$w" "$c" "$tmp/b0"
    p=$(find "$c" -name '*.pack' | head -1)
    if [ -z "$p" ]; then
        bad "broken $how: no pack"
        continue
    fi
    size=$(wc -c <"$p")
    case $how in
    truncate) head -c $((size / 2)) "$p" >"$p.t" && mv "$p.t" "$p" ;;
    index) # the last 64 bytes are index entries
        head -c $((size - 64)) "$p" >"$p.t" && head -c 64 /dev/urandom >>"$p.t" && mv "$p.t" "$p" ;;
    garbage) head -c "$size" /dev/urandom >"$p" ;;
    empty) : >"$p" ;;
    esac
    run "$w" "$c" "$tmp/b1"
    if same "$tmp/ref" "$tmp/b1"; then good; else bad "broken $how: output differs"; cat "$tmp/b1.err"; fi
    run "$w" "$c" "$tmp/b2" # the pack written again after the broken one
    if same "$tmp/ref" "$tmp/b2"; then good; else bad "broken $how: the rewritten pack"; fi
done

# --- files older than two seconds are found by their status (path, inode, size, times) without
# being read; an edit changes the status, and the file is read again
s=$tmp/status
mkdir -p "$s/pkg"
printf 'import pkg\n\nout = pkg.App {name = "web"}\n' >"$s/main.scl"
printf 'schema App:\n    name: str\n    replicas: int = 2\n\n    check:\n        replicas < 100, "too many replicas"\n' >"$s/pkg/app.k"
printf 'schema Other:\n    x: int = 1\n' >"$s/pkg/other.k"
pad "$s/main.scl"
pad "$s/pkg/app.k"
sleep 3
run "$s" off "$tmp/s0"
run "$s" "$tmp/c3" "$tmp/s1"
run "$s" "$tmp/c3" "$tmp/s1"
ino=$(pack_ino "$tmp/c3")
run "$s" "$tmp/c3" "$tmp/s2"
if same "$tmp/s0" "$tmp/s1" && same "$tmp/s0" "$tmp/s2" && [ -n "$ino" ] && [ "$ino" = "$(pack_ino "$tmp/c3")" ]; then
    good
else
    bad "status: warm run"
fi
# an error located in a file found by its status (its text and lines from the pack)
cp "$s/main.scl" "$tmp/main.keep"
printf 'import pkg\n\nout = pkg.App {name = "web", replicas = 500}\n' >"$s/main.scl"
pad "$s/main.scl"
run "$s" off "$tmp/se0"
run "$s" "$tmp/c3" "$tmp/se1"
if same "$tmp/se0" "$tmp/se1" && grep -q 'app.k:6:' "$tmp/se1.err"; then
    good
else
    bad "status: an error located in a file found by its status"
    cat "$tmp/se0.err" "$tmp/se1.err"
fi
cp "$tmp/main.keep" "$s/main.scl"
# same size, other text, written at once: its status differs, so it is read
sed 's/int = 2/int = 7/' "$s/pkg/app.k" >"$s/app.k.new" && cat "$s/app.k.new" >"$s/pkg/app.k"
run "$s" "$tmp/c3" "$tmp/s3"
if grep -q 'replicas: 7' "$tmp/s3.out"; then good; else bad "status: an edit of the same size is not seen"; cat "$tmp/s3.out" "$tmp/s3.err"; fi
# a new file in the package
printf 'extra = 1\n' >"$s/pkg/extra.k"
printf 'import pkg\n\nout = pkg.App {name = "web"}\ncount = pkg.extra\n' >"$s/main.scl"
pad "$s/main.scl"
run "$s" "$tmp/c3" "$tmp/s4"
if grep -q '^count: 1' "$tmp/s4.out"; then good; else bad "status: a new file is not seen"; cat "$tmp/s4.out" "$tmp/s4.err"; fi
# a file removed
rm "$s/pkg/other.k"
run "$s" off "$tmp/s5"
run "$s" "$tmp/c3" "$tmp/s6"
if same "$tmp/s5" "$tmp/s6"; then good; else bad "status: a removed file"; fi
# the pack keeps the folder's listing; a file added to it, once the folder's new status is old
# enough to be trusted, is seen: the status (not the path) decides
run "$s" "$tmp/c3" "$tmp/s7"
run "$s" "$tmp/c3" "$tmp/s7"
printf 'more = 2\n' >"$s/pkg/more.k"
printf 'import pkg\n\nout = pkg.App {name = "web"}\ncount = pkg.extra + pkg.more\n' >"$s/main.scl"
pad "$s/main.scl"
sleep 3
run "$s" off "$tmp/s8"
run "$s" "$tmp/c3" "$tmp/s9"
if same "$tmp/s8" "$tmp/s9" && grep -q '^count: 3' "$tmp/s9.out"; then
    good
else
    bad "status: a file added to a listed folder"
    cat "$tmp/s9.out" "$tmp/s9.err"
fi

# --- a folder that cannot be made: skipped silently
: >"$tmp/plainfile"
run "$w" "$tmp/plainfile/cache" "$tmp/u1"
if same "$tmp/ref" "$tmp/u1" && [ ! -s "$tmp/u1.err" ]; then good; else bad "unwritable folder"; cat "$tmp/u1.err"; fi

# --- --no-cache writes nothing; the default folder is $XDG_CACHE_HOME/scl
(cd "$w" && env -u SCL_CACHE_DIR XDG_CACHE_HOME="$tmp/xdg" "$bin" run --no-cache main.scl) >"$tmp/n.out" 2>&1
if [ ! -e "$tmp/xdg" ] && cmp -s "$tmp/n.out" "$tmp/ref.out"; then good; else bad "--no-cache wrote to the cache"; fi
(cd "$w" && env -u SCL_CACHE_DIR XDG_CACHE_HOME="$tmp/xdg" "$bin" run main.scl) >"$tmp/x.out" 2>&1
(cd "$w" && env -u SCL_CACHE_DIR XDG_CACHE_HOME="$tmp/xdg" "$bin" run main.scl) >"$tmp/x.out" 2>&1
if [ "$(find "$tmp/xdg/scl" -name '*.pack' 2>/dev/null | wc -l)" -ge 1 ] && cmp -s "$tmp/x.out" "$tmp/ref.out"; then
    good
else
    bad "XDG_CACHE_HOME: no pack under \$XDG_CACHE_HOME/scl"
fi
(cd "$w" && SCL_CACHE_DIR=off XDG_CACHE_HOME="$tmp/xdg2" "$bin" run main.scl) >/dev/null 2>&1
if [ ! -e "$tmp/xdg2" ]; then good; else bad "SCL_CACHE_DIR=off wrote to the cache"; fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
