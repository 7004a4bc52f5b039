#!/bin/sh
# make check: hostile programs and data (tests/hostile/cases.py) end in bounded time and memory
# with a located diagnostic and exit 1, never a signal. Environment (set by make check):
# SCL_BIN, SCL_SRCDIR, SCL_SANITIZE (non-empty in an ASan build: no address-space limit).
set -eu
src=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
py=/usr/bin/python3
[ -x "$py" ] || py=${PYTHON3:-python3}
exec "$py" "$src/tests/hostile/cases.py" "${SCL_BIN:-./scl}"
