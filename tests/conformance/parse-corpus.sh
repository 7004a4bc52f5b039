#!/bin/sh
# make check driver: every file of the KCL grammar corpus parses (or fails on the golden's line).
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON3:-python3}" "$here/parse_corpus.py" "$@"
