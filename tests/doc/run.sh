#!/bin/sh
# make check driver for tests/doc/run.py: runs every example of doc/ and compares the
# reference's flag tables with `scl CMD --help`. Needs only Python 3's standard library.
here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON3:-python3}" /usr/bin/python3 python3; do
    if command -v "$py" >/dev/null 2>&1; then
        exec "$py" "$here/run.py" "$@"
    fi
done
echo "SKIP: no python3"
exit 77
