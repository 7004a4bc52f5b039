#!/bin/sh
# scl --version: scl's version (configure's), then each library with the version it reports at
# run time, which on a packaged system is the one pkg-config names.
bin=${SCL_BIN:-./scl}
build=${SCL_BUILDDIR:-.}
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
out=$("$bin" --version) || fail "scl --version exited $?"
echo "$out"
want=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$build/config.h")
[ "$(echo "$out" | sed -n 1p)" = "scl $want" ] || fail "first line is not 'scl $want'"
[ "$("$bin" -v)" = "$out" ] || fail "-v differs from --version"
# name in the output, pkg-config module
for pair in "libscl:" "libyaml:yaml-0.1" "cJSON:libcjson" "PCRE2:libpcre2-8" \
    "OpenSSL:libcrypto" "xxHash:libxxhash" "libcurl:libcurl" "libgit2:libgit2" \
    "libarchive:libarchive"; do
    name=${pair%%:*} mod=${pair#*:}
    line=$(echo "$out" | grep "^$name [0-9]") || { fail "no '$name VERSION' line"; continue; }
    ver=$(echo "$line" | cut -d' ' -f2)
    if [ -n "$mod" ] && command -v pkg-config >/dev/null && pkg-config --exists "$mod"; then
        pc=$(pkg-config --modversion "$mod")
        [ "$ver" = "$pc" ] || fail "$name reports $ver, pkg-config $mod says $pc"
    fi
done
[ "$(echo "$out" | grep -c '^libscl ')" = 1 ] && echo "$out" | grep -q "^libscl $want\$" ||
    fail "libscl line does not say $want"
[ $fails -eq 0 ] && echo "PASS: scl --version" && exit 0
exit 1
