#!/bin/sh
# make check driver for tests/function/test_package.py (package/, the Dockerfile's runtime root,
# mTLS): a Python 3 with grpcio (Debian's python3-grpcio) and openssl.
here=$(cd "$(dirname "$0")" && pwd)
for py in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$py" -c 'import grpc' 2>/dev/null; then
        exec timeout 300 "$py" "$here/test_package.py" "$@"
    fi
done
echo "SKIP: no python3 with grpcio"
exit 77
