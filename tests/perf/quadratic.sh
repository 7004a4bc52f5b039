#!/bin/sh
# make check driver for tests/perf/quadratic.py (any Python 3).
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON3:-python3}" "$here/quadratic.py" "$@"
