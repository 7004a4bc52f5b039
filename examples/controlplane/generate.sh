#!/bin/sh
# Generates the KCL schema packages this example imports, schemas/kcl/<folder>_kcl/, from the
# providers' CRDs with `scl import -m crd` (one package per CRD folder, '-' -> '_').
#   ./generate.sh [CRD_DIR]     CRD_DIR defaults to the project's schemas/crds
# $SCL names the scl command (default: scl on the PATH).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
crds=${1:-$here/../../schemas/crds}
scl=${SCL:-scl}
[ -d "$crds" ] || { echo "generate.sh: no CRD directory at $crds" >&2; exit 1; }
for dir in "$crds"/*/; do
    folder=$(basename "$dir")
    name=$(printf '%s' "$folder" | tr - _)
    "$scl" import -m crd -f -o "$here/schemas/kcl/${name}_kcl" "$dir"*.yaml >/dev/null
done
echo "generated $(find "$here/schemas/kcl" -name '*.k' | wc -l | tr -d ' ') files under schemas/kcl"
