#!/bin/sh
# The function server fetching packages (spec/crossplane-function.md §3): oci:// sources and
# spec.dependencies from Debian's docker-registry on loopback with htpasswd auth, the
# request's credentials, a local source's kcl.mod, and packages served from the package home
# once the registry is gone. The packages are pushed with `scl mod push`; then
# tests/function/test_packages.py drives the real server. Skipped (77) without docker-registry
# or a Python with grpcio.
set -u
srcdir=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SCL_BIN:-./scl}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac
[ -x "${REG_BIN:-/usr/bin/docker-registry}" ] || {
    echo "SKIP: docker-registry is not installed"
    exit 77
}
py=
for p in "${PYTHON3:-python3}" /usr/bin/python3; do
    if "$p" -c 'import grpc, google.protobuf' 2>/dev/null; then
        py=$p
        break
    fi
done
[ -n "$py" ] || {
    echo "SKIP: no python3 with grpcio and protobuf"
    exit 77
}

SCL_SRCDIR=$srcdir
. "$srcdir/tests/pkg/registry-lib.sh"
T=$(mktemp -d "${TMPDIR:-/tmp}/scl-fnpkg.XXXXXX") || exit 1
REG_ON_EXIT='chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"'
export HOME="$T/home" DOCKER_CONFIG="$T/docker" KCL_PKG_PATH="$T/pkgs"
mkdir -p "$HOME" "$DOCKER_CONFIG"
unset OCI_REG_PLAIN_HTTP KPM_RELOAD_CREDS

reg_start --basic || exit 1
export KPM_REG=$REG KPM_REPO=test

# mylib 0.1.0, and app 0.2.0 which depends on it
mkdir -p "$T/src/mylib" "$T/src/app" "$T/src/solo"
printf '[package]\nname = "solo"\nedition = "v0.10.0"\nversion = "1.0.0"\n' >"$T/src/solo/kcl.mod"
printf 'items = [{apiVersion = "v1", kind = "ConfigMap", metadata.name = "app", data.greeting = "solo"}]\n' \
    >"$T/src/solo/main.k"
printf '[package]\nname = "mylib"\nedition = "v0.10.0"\nversion = "0.1.0"\n' >"$T/src/mylib/kcl.mod"
printf 'greeting = "hello from mylib"\n' >"$T/src/mylib/lib.k"
printf '[package]\nname = "app"\nedition = "v0.10.0"\nversion = "0.2.0"\n\n[dependencies]\nmylib = "0.1.0"\n' \
    >"$T/src/app/kcl.mod"
cat >"$T/src/app/main.k" <<'K'
import mylib

items = [{
    apiVersion = "v1"
    kind = "ConfigMap"
    metadata.name = "app"
    data.greeting = mylib.greeting
    data.who = option("params").oxr.metadata.name
}]
K
auth=$(printf '%s:%s' "$REG_USER" "$REG_PASSWORD" | base64)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$auth" >"$DOCKER_CONFIG/config.json"
for p in mylib app solo; do
    (cd "$T/src/$p" && "$bin" mod push >"$T/push.out" 2>&1) || {
        echo "FAIL: scl mod push $p"
        cat "$T/push.out"
        exit 1
    }
done
# the server gets the registry's credentials from requests only
rm -f "$DOCKER_CONFIG/config.json"
rm -rf "$KCL_PKG_PATH"

REG_USER=$REG_USER REG_PASSWORD=$REG_PASSWORD REG_PID=$REG_PID SCL_BIN=$bin \
    timeout 300 "$py" "$srcdir/tests/function/test_packages.py" "$T"
