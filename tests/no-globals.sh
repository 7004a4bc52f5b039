#!/bin/sh
# The library keeps no mutable global state (DESIGN.md): no object symbol of the library lives
# in .data, .bss, .tdata or .tbss. Skipped for sanitizer builds, which add their own.
lib=${SCL_BUILDDIR:-.}/.libs/libscl_core.a
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
command -v objdump >/dev/null || { echo "SKIP: objdump missing"; exit 77; }
if objdump -t "$lib" 2>/dev/null | grep -q '__asan_\|__odr_asan'; then
    echo "SKIP: sanitizer build"; exit 77
fi
bad=$(objdump -t "$lib" | awk '$2 ~ /[lg]/ && $3 == "O" && $4 ~ /^\.(data|bss|tdata|tbss)$/ {print $NF " in " $4}')
if [ -n "$bad" ]; then
    echo "mutable globals found:"; echo "$bad"; exit 1
fi
echo "no mutable globals in $lib"
