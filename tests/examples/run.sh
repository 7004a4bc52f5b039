#!/bin/sh
# make check driver for tests/examples/run.py: a Python 3 with ruamel.yaml (Debian's
# python3-ruamel.yaml, installed by scripts/setup-deps) runs it.
here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$py" -c 'import ruamel.yaml' 2>/dev/null; then
        exec "$py" "$here/run.py" "$@"
    fi
done
echo "SKIP: no python3 with ruamel.yaml"
exit 77
