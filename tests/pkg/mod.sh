#!/bin/sh
# Packages end to end, through the commands a user types: `scl mod push` of the real k8s package
# to Debian's docker-registry on loopback, `scl run` of a program whose kcl.mod depends on it
# (downloaded into an empty package home, then from the cache with the registry stopped, then
# --offline), `scl mod pull`, init, metadata, graph, update, token authentication, git
# dependencies from a bare repository, and a sum that does not match. Skipped (77) only when
# docker-registry is not installed or the shared k8s package is not beside the tree.
set -u

srcdir=${SCL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${SCL_BIN:-./scl}
k8s_src=$srcdir/../shared/packages/k8s-1.32.4
k8s_sum=WrltC/mTXtdzmhBZxlvM71wJL5C/UZ/vW+bF3nFvNbM=

[ -x "${REG_BIN:-/usr/bin/docker-registry}" ] || {
    echo "SKIP: docker-registry is not installed"
    exit 77
}
[ -d "$k8s_src" ] || {
    echo "SKIP: $k8s_src is missing"
    exit 77
}
case $bin in /*) ;; *) bin=$(pwd)/$bin ;; esac

SCL_SRCDIR=$srcdir
. "$srcdir/tests/pkg/registry-lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/scl-mod.XXXXXX") || exit 1
REG_ON_EXIT='chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"'
export HOME="$T/home"
export DOCKER_CONFIG="$T/docker"
export KCL_PKG_PATH="$T/pkgs"
mkdir -p "$HOME" "$DOCKER_CONFIG"
unset OCI_REG_PLAIN_HTTP KPM_RELOAD_CREDS

fails=0
fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}
pass() {
    echo "ok: $*"
}
check() { # check NAME COMMAND...: the command must succeed
    name=$1
    shift
    if "$@" >"$T/out" 2>"$T/err"; then pass "$name"; else
        fail "$name (exit $?)"
        sed 's/^/    /' "$T/err" | head -20
    fi
}
contains() { # contains NAME FILE TEXT
    if grep -qF -- "$3" "$2"; then pass "$1"; else
        fail "$1: '$3' not in:"
        sed 's/^/    /' "$2" | head -20
    fi
}

# {===== push the real k8s package and run a program that depends on it

reg_start || exit 1
export KPM_REG=$REG KPM_REPO=kcl-lang
cp -R "$k8s_src" "$T/k8s" && chmod -R u+w "$T/k8s"
(cd "$T/k8s" && check "push k8s 1.32.4" "$bin" mod push)
contains "push prints the digest" "$T/out" "digest: sha256:"
curl -sf -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$REG/v2/kcl-lang/k8s/manifests/1.32.4" >"$T/manifest.json" || fail "manifest fetch"
contains "manifest sum annotation" "$T/manifest.json" "\"org.kcllang.package.sum\":\"$k8s_sum\""
(cd "$T/k8s" && "$bin" mod push >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && pass "second push fails" || fail "second push should fail"
contains "second push message" "$T/err" "package version '1.32.4' already exists"
[ -z "$(ls "$T/k8s" | grep -e '\.tar' -e '\.tgz')" ] && pass "push leaves no archive" ||
    fail "push left an archive in the package"

cp -R "$srcdir/tests/pkg/k8s-app" "$T/app" && chmod -R u+w "$T/app"
rm -rf "$KCL_PKG_PATH"
(cd "$T/app" && check "run downloads k8s" "$bin" run main.k)
cp "$T/out" "$T/downloaded.yaml"
[ -f "$KCL_PKG_PATH/k8s_1.32.4/kcl.mod" ] && pass "cached as k8s_1.32.4" || fail "not in the cache"
cmp -s "$T/downloaded.yaml" "$srcdir/tests/pkg/k8s-app/expected.yaml" &&
    pass "output equals the hand-written YAML" || {
    fail "output differs from expected.yaml"
    diff "$srcdir/tests/pkg/k8s-app/expected.yaml" "$T/downloaded.yaml" | head -20
}
contains "lock records the sum" "$T/app/kcl.mod.lock" "sum = \"$k8s_sum\""
contains "lock records the tag" "$T/app/kcl.mod.lock" "oci_tag = \"1.32.4\""
(cd "$T/app" && "$bin" run main.k -E "k8s=$k8s_src" >"$T/external.yaml" 2>"$T/err")
cmp -s "$T/downloaded.yaml" "$T/external.yaml" && pass "same bytes as -E k8s=..." ||
    fail "-E output differs"
(cd "$T/app" && check "scl mod pull k8s:1.32.4" "$bin" mod pull k8s:1.32.4)
[ -f "$T/app/oci/$REG/kcl-lang/k8s/1.32.4/k8s/1.32.4/kcl.mod" ] && pass "pull layout" ||
    fail "pull layout: $(cd "$T/app" && find oci -maxdepth 6 | head -5)"
contains "pull message" "$T/out" "pulled k8s 1.32.4 successfully"
(cd "$T/app" && check "metadata" "$bin" mod metadata)
contains "metadata JSON" "$T/out" \
    "{\"packages\":{\"k8s\":{\"name\":\"k8s\",\"manifest_path\":\"$KCL_PKG_PATH/k8s_1.32.4\"}}}"
(cd "$T/app" && check "graph" "$bin" mod graph)
contains "graph edge" "$T/out" "k8s_app@0.0.1 k8s@1.32.4"
reg_stop

(cd "$T/app" && check "run from the cache, registry stopped" "$bin" run main.k)
cmp -s "$T/out" "$T/downloaded.yaml" && pass "cached run: same output" || fail "cached run differs"
rm "$T/app/kcl.mod.lock"
(cd "$T/app" && check "run --offline from the cache, no lock" "$bin" run --offline main.k)
cmp -s "$T/out" "$T/downloaded.yaml" && pass "offline run: same output" || fail "offline differs"
[ -f "$T/app/kcl.mod.lock" ] && pass "run writes the lock" || fail "run wrote no lock"
(cd "$T/app" && check "run --vendor copies from the cache" "$bin" run --vendor main.k)
cmp -s "$T/out" "$T/downloaded.yaml" && pass "vendor run: same output" || fail "vendor run differs"
[ -f "$T/app/vendor/k8s_1.32.4/kcl.mod" ] && pass "vendor/k8s_1.32.4" || fail "nothing in vendor/"
(cd "$T/app" && KCL_PKG_PATH="$T/empty" check "vendor run needs no package home" \
    "$bin" run --vendor --offline main.k)
rm -rf "$T/app/vendor" "$T/empty"
mkdir -p "$T/nodeps" && printf '[package]\nname = "nodeps"\n' >"$T/nodeps/kcl.mod"
printf 'a = 1\n' >"$T/nodeps/main.k"
(cd "$T/nodeps" && check "run without dependencies" "$bin" run main.k)
[ -f "$T/nodeps/kcl.mod.lock" ] && [ ! -s "$T/nodeps/kcl.mod.lock" ] &&
    pass "an empty lock is written" || fail "no empty lock"
(cd "$T/app" && KCL_PKG_PATH="$T/empty" "$bin" run --offline main.k >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && pass "offline without the package fails" || fail "offline should fail"
contains "offline message names the package" "$T/err" "k8s (1.32.4"
contains "offline message names the command" "$T/err" "scl mod update"
[ ! -e "$T/empty/k8s_1.32.4" ] && pass "offline fetched nothing" || fail "offline fetched"

# {===== a sum in the lock that does not match: nothing lands in the cache

reg_start || exit 1
export KPM_REG=$REG
(cd "$T/k8s" && "$bin" mod push >/dev/null 2>&1) || fail "push to the second registry"
sed 's|^    sum = .*|    sum = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="|' "$T/app/kcl.mod.lock" \
    >"$T/lock" && cp "$T/lock" "$T/app/kcl.mod.lock"
(cd "$T/app" && KCL_PKG_PATH="$T/fresh" "$bin" run main.k >"$T/out" 2>"$T/err")
[ $? -ne 0 ] && pass "a wrong lock sum fails the download" || fail "wrong sum accepted"
[ ! -e "$T/fresh/k8s_1.32.4" ] && pass "nothing landed after a sum mismatch" ||
    fail "a package landed despite the sum mismatch"
rm "$T/app/kcl.mod.lock"

# {===== init, add, update

mkdir -p "$T/ws" && cd "$T/ws" || exit 1
check "mod init demo" "$bin" mod init demo
contains "init message" "$T/out" "package 'demo' init finished"
printf '[package]\nname = "demo"\nedition = "v0.11.0"\nversion = "0.0.1"\n' >"$T/want"
cmp -s "$T/ws/demo/kcl.mod" "$T/want" && pass "init kcl.mod bytes" || fail "init kcl.mod"
[ -f demo/kcl.mod.lock ] && [ ! -s demo/kcl.mod.lock ] && pass "init lock is empty" ||
    fail "init lock"
[ "$(wc -c <demo/main.k)" -eq 38 ] && pass "init main.k" || fail "init main.k"
cd demo || exit 1
check "mod add k8s:1.32.4" "$bin" mod add k8s:1.32.4
contains "add message" "$T/out" "add dependency 'k8s:1.32.4' successfully"
contains "add writes kcl.mod" kcl.mod 'k8s = "1.32.4"'
contains "add writes the lock" kcl.mod.lock "sum = \"$k8s_sum\""
check "mod add (latest tag)" "$bin" mod add k8s --rename k8s_latest
contains "add resolves the latest tag" kcl.mod 'k8s_latest = { package = "k8s", version = "1.32.4" }'
check "mod update" "$bin" mod update
check "mod add --oci" "$bin" mod add --oci "oci://$REG/kcl-lang/k8s" --tag 1.32.4 --rename k8s_oci
contains "oci dependency in kcl.mod" kcl.mod "k8s_oci = { oci = \"oci://$REG/kcl-lang/k8s\", tag = \"1.32.4\""
mkdir -p "$T/ws/localdep" && printf '[package]\nname = "localdep"\nversion = "0.2.0"\n' \
    >"$T/ws/localdep/kcl.mod" && printf 'answer = 42\n' >"$T/ws/localdep/main.k"
check "mod add a directory" "$bin" mod add ../localdep
contains "local dependency in kcl.mod" kcl.mod "localdep = { path = \"$T/ws/localdep\" }"
contains "local dependency locked" kcl.mod.lock "full_name = \"localdep_0.2.0\""
printf 'import localdep\nimport k8s_oci.api.core.v1 as core\nv = localdep.answer\nc = core.Container {name = "x"}\n' >main.k
check "run with local and oci dependencies" "$bin" run main.k
contains "local dependency value" "$T/out" "v: 42"
check "mod graph with several dependencies" "$bin" mod graph
contains "graph: local edge" "$T/out" "demo@0.0.1 localdep@0.2.0"
check "mod pkg" "$bin" mod pkg --target "$T/tars"
[ -f "$T/tars/demo_0.0.1.tar" ] && pass "pkg writes demo_0.0.1.tar" || fail "no tar written"
tar tf "$T/tars/demo_0.0.1.tar" | grep -qx 'kcl.mod' && pass "tar holds kcl.mod" || fail "tar content"
mkdir -p "$T/ws/latest"
printf '[package]\nname = "latest_dep"\nedition = "v0.11.0"\nversion = "0.0.1"\n\n[dependencies]\nk8s = { oci = "oci://%s/kcl-lang/k8s" }\n' "$REG" >"$T/ws/latest/kcl.mod"
(cd "$T/ws/latest" && check "update resolves an untagged dependency" "$bin" mod update)
contains "update writes the tag into kcl.mod" "$T/ws/latest/kcl.mod" "tag = \"1.32.4\""
reg_stop

# {===== token authentication: credentialed push, anonymous pull, a wrong password

export TOKEN_USER=alice TOKEN_PASSWORD=s3cret
reg_start --token || exit 1
export KPM_REG=$REG
auth=$(printf 'alice:wrong' | base64)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$auth" >"$DOCKER_CONFIG/config.json"
(cd "$T/k8s" && "$bin" mod push >"$T/out" 2>"$T/err")
[ $? -eq 1 ] && pass "push with a wrong password fails" || fail "wrong password accepted"
contains "wrong password message names the registry" "$T/err" "$REG"
auth=$(printf 'alice:s3cret' | base64)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$REG" "$auth" >"$DOCKER_CONFIG/config.json"
(cd "$T/k8s" && check "credentialed push (token)" "$bin" mod push)
rm "$DOCKER_CONFIG/config.json"
(cd "$T/app" && KCL_PKG_PATH="$T/anon" check "anonymous pull (token)" "$bin" run main.k)
cmp -s "$T/out" "$T/downloaded.yaml" && pass "token registry: same output" || fail "token output"
reg_stop

# {===== git dependencies from a bare repository

g="$T/git"
mkdir -p "$g/work" && cd "$g/work" || exit 1
git init -q -b main . && git config user.email t@example.com && git config user.name t
printf '[package]\nname = "greet"\nedition = "v0.11.0"\nversion = "0.1.0"\n' >kcl.mod
printf 'message = "hello"\n' >main.k
git add -A && git commit -qm one && git tag v0.1.0
first=$(git rev-parse HEAD)
printf 'message = "hello again"\n' >main.k
git commit -qam two
git clone -q --bare "$g/work" "$g/greet.git"
mkdir -p "$T/gapp" && cd "$T/gapp" || exit 1
printf '[package]\nname = "gapp"\nedition = "v0.11.0"\nversion = "0.0.1"\n\n[dependencies]\ngreet = { git = "file://%s/greet.git", tag = "v0.1.0" }\n' "$g" >kcl.mod
printf 'import greet\nout = greet.message\n' >main.k
check "run with a git tag dependency" "$bin" run main.k
contains "git tag content" "$T/out" "out: hello"
printf '[package]\nname = "gapp"\nedition = "v0.11.0"\nversion = "0.0.1"\n\n[dependencies]\ngreet = { git = "file://%s/greet.git", commit = "%s" }\n' "$g" "$first" >kcl.mod
rm -f kcl.mod.lock
check "run with a git commit dependency" "$bin" run main.k
contains "git commit content" "$T/out" "out: hello"
printf '[package]\nname = "gapp"\nedition = "v0.11.0"\nversion = "0.0.1"\n\n[dependencies]\ngreet = { git = "file://%s/greet.git", tag = "v9.9.9" }\n' "$g" >kcl.mod
rm -f kcl.mod.lock
"$bin" run main.k >"$T/out" 2>"$T/err"
[ $? -eq 1 ] && pass "a missing tag fails" || fail "a missing tag was accepted"
contains "missing tag message" "$T/err" "v9.9.9"
mkdir -p "$T/gadd" && cd "$T/gadd" && "$bin" mod init >/dev/null 2>&1
check "mod add --git --commit" "$bin" mod add --git "file://$g/greet.git" --commit "$first"
contains "git dependency in kcl.mod" kcl.mod "greet = { git = \"file://$g/greet.git\", commit = \"$first\" }"

[ $fails -eq 0 ] && echo "mod.sh: all passed" || echo "mod.sh: $fails failed"
[ $fails -eq 0 ]
