#!/bin/sh
# make check driver: every case listed in tests/conformance/ratchet.txt still passes.
# SCL_RATCHET_UPDATE=1 rewrites the list with every case that passes now (review the diff).
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON3:-python3}" "$here/ratchet.py" "$@"
