#!/bin/sh
# make check driver: scl fmt keeps the meaning of the grammar conformance cases (meaning.py).
# The case runner (../shared/tools/conformance.py) needs ruamel.yaml, which the system
# Python has (python3-ruamel.yaml).
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON3:-python3}
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import ruamel.yaml' 2>/dev/null; then
    py=/usr/bin/python3
fi
exec "$py" "$here/meaning.py" "$@"
