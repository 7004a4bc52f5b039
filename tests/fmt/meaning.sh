#!/bin/sh
# make check driver: scl fmt keeps the meaning of the grammar conformance cases (meaning.py).
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON3:-python3}" "$here/meaning.py" "$@"
