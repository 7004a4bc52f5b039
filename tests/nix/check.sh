#!/bin/sh
# The Nix files: every one parses (nix-instantiate --parse), and nix/deps.nix names exactly the
# nixpkgs attributes that nix/debian-packages.map pairs with the Debian packages
# scripts/setup-deps installs, so the Nix build and the Debian one need the same things.
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v nix-instantiate >/dev/null || {
    echo "SKIP: nix-instantiate missing (Debian package nix-bin, installed by scripts/setup-deps)"
    exit 77
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# a store and state under the temp dir: nothing is built or fetched, but nix wants them writable
export NIX_STORE_DIR="$T/store" NIX_STATE_DIR="$T/state" NIX_LOG_DIR="$T/log" \
    NIX_CONF_DIR="$T" HOME="$T"
nfiles=0
for f in "$src/flake.nix" "$src"/nix/*.nix; do
    [ -f "$f" ] || continue
    nfiles=$((nfiles + 1))
    nix-instantiate --parse "$f" >/dev/null 2>"$T/err" || { cat "$T/err"; fail "$f does not parse"; }
done
[ "$nfiles" -ge 3 ] || fail "expected flake.nix, nix/package.nix and nix/deps.nix, found $nfiles"

# Debian side: the package list of scripts/setup-deps (pkgs="...", possibly over several lines)
sed -n '/^pkgs="/,/"$/p' "$src/scripts/setup-deps" | sed 's/^pkgs="//; s/"$//' | tr ' ' '\n' |
    sed '/^$/d' | sort -u >"$T/debian"
[ -s "$T/debian" ] || fail "no package list in scripts/setup-deps"
grep -v '^#' "$src/nix/debian-packages.map" | awk 'NF {print $1}' | sort -u >"$T/mapped"
comm -23 "$T/debian" "$T/mapped" | while read -r p; do echo "FAIL: $p (setup-deps) has no line in nix/debian-packages.map"; done >"$T/unmapped"
comm -13 "$T/debian" "$T/mapped" | while read -r p; do echo "FAIL: $p (nix/debian-packages.map) is not in setup-deps"; done >>"$T/unmapped"
[ -s "$T/unmapped" ] && { cat "$T/unmapped"; fails=$((fails + $(wc -l <"$T/unmapped"))); }

# Nix side: the attributes nix/deps.nix lists, evaluated (plain data: no nixpkgs needed)
nix-instantiate --eval --strict --json "$src/nix/deps.nix" >"$T/deps.json" 2>"$T/err" ||
    { cat "$T/err"; fail "nix/deps.nix does not evaluate"; }
tr -d '[]{}' <"$T/deps.json" | tr ',' '\n' | sed 's/^"[a-z]*":"/"/' | tr -d '"' | sed '/^$/d' |
    sort -u >"$T/nix"
grep -v '^#' "$src/nix/debian-packages.map" | awk 'NF {print $2}' | tr ',' '\n' |
    grep -v '^-$' | sort -u >"$T/wanted"
comm -23 "$T/wanted" "$T/nix" | while read -r a; do echo "FAIL: $a is mapped from a Debian package but not in nix/deps.nix"; done >"$T/diff"
comm -13 "$T/wanted" "$T/nix" | while read -r a; do echo "FAIL: $a (nix/deps.nix) is mapped from no Debian package"; done >>"$T/diff"
[ -s "$T/diff" ] && { cat "$T/diff"; fails=$((fails + $(wc -l <"$T/diff"))); }

# package.nix and flake.nix take their inputs from deps.nix, not from a list of their own
grep -q 'import ./deps.nix' "$src/nix/package.nix" || fail "nix/package.nix does not read deps.nix"
grep -q 'import ./nix/deps.nix' "$src/flake.nix" || fail "flake.nix does not read nix/deps.nix"
grep -q 'make check\|checkTarget = "check"' "$src/nix/package.nix" ||
    fail "nix/package.nix does not run make check"

[ $fails -eq 0 ] || exit 1
echo "PASS: $nfiles Nix files parse; $(wc -l <"$T/debian") Debian packages <-> $(wc -l <"$T/nix") nixpkgs attributes"
