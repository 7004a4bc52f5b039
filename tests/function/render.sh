#!/bin/sh
# make check driver for tests/function/test_render.py (`scl function render`): any Python 3.
here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$py" -c 'import json' 2>/dev/null; then
        exec timeout 600 "$py" "$here/test_render.py" "$@"
    fi
done
echo "SKIP: no python3"
exit 77
