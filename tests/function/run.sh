#!/bin/sh
# make check driver for tests/function/test_function.py: a Python 3 with grpcio and protobuf
# (Debian's python3-grpcio and python3-protobuf, installed by scripts/setup-deps) runs it.
here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$py" -c 'import grpc, google.protobuf' 2>/dev/null; then
        exec timeout 600 "$py" "$here/test_function.py" "$@"
    fi
done
echo "SKIP: no python3 with grpcio and protobuf"
exit 77
