#!/bin/sh
# Benchmark suite entry point: runs run.py (options and $SCL_BIN / $SCL_BASE as documented there).
exec python3 "$(dirname "$0")/run.py" "$@"
