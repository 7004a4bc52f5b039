#!/bin/sh
# make check driver for the Python binding: installs bindings/python into a fresh venv (offline,
# Debian's cffi, setuptools and pytest from the system site) and runs its pytest suite against
# the build tree's libscl (SCL_LIBRARY).
set -u
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${SCL_BUILDDIR:-.}
build=$(cd "$build" && pwd)
lib="$build/.libs/libscl.so"
[ -f "$lib" ] || { echo "SKIP: $lib not built (shared library disabled?)"; exit 77; }
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
for mod in venv cffi pytest setuptools wheel; do
    "$py" -c "import $mod" 2>/dev/null || {
        echo "SKIP: $py lacks the module $mod (scripts/setup-deps installs it)"; exit 77; }
done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
"$py" -m venv --system-site-packages "$T/venv" >"$T/venv.log" 2>&1 || {
    cat "$T/venv.log"; echo "FAIL: cannot create a venv"; exit 1; }
# pip builds the wheel from a copy, so the source tree stays clean (no build/, no egg-info)
cp -r "$src/bindings/python" "$T/pkg" && rm -rf "$T/pkg/tests"
"$T/venv/bin/pip" install -q --no-build-isolation --no-index "$T/pkg" >"$T/pip.log" 2>&1 || {
    cat "$T/pip.log"; echo "FAIL: pip install of bindings/python"; exit 1; }
export SCL_LIBRARY="$lib"
export SCL_MOD_HELPER="$build/scl-mod"
# A sanitizer build's libscl needs the ASan runtime loaded first (Python itself is not built
# with it), and CPython's own allocations would read as leaks.
asan=$(ldd "$lib" 2>/dev/null | awk '/libasan/ {print $3; exit}')
if [ -n "$asan" ]; then
    export LD_PRELOAD="$asan${LD_PRELOAD:+ $LD_PRELOAD}"
    export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
export PYTHONDONTWRITEBYTECODE=1
cd "$T" || exit 1
timeout 300 "$T/venv/bin/python" -m pytest -q -p no:cacheprovider "$src/bindings/python/tests" \
    "$@"
