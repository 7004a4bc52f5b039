# Shell functions for tests that need an OCI registry (spec §5): Debian's docker-registry on a
# free loopback port, with its own configuration and storage in a temporary directory. Source
# this file (POSIX sh), then:
#
#   reg_have                 true when /usr/bin/docker-registry (or $REG_BIN) is installed
#   reg_start [--token|--basic]
#                            starts a registry; exports REG=localhost:PORT (plain HTTP by kpm's
#                            rule) and sets REG_DIR, REG_PORT. --token: also a token server
#                            (tests/pkg/token-server.py): anyone may pull, $TOKEN_USER with
#                            $TOKEN_PASSWORD (or the refresh token $TOKEN_REFRESH) may push.
#                            --basic: htpasswd auth; REG_USER and REG_PASSWORD are set.
#   reg_stop                 stops the registry (and its token server), removes REG_DIR
#
# Every process started here is killed and every directory removed when the shell exits
# (trap on EXIT, INT, TERM, HUP); put your own clean-up command in REG_ON_EXIT. Waiting is
# bounded: a registry that does not answer within ~10 s is a failure, never a hang.
# token-server.py is looked for in $REG_LIB_DIR, else $SCL_SRCDIR/tests/pkg.

REG_BIN=${REG_BIN:-/usr/bin/docker-registry}
reg__here=${REG_LIB_DIR:-${SCL_SRCDIR:-.}/tests/pkg}
reg__pids=
reg__dirs=
REG=
REG_DIR=
REG_PORT=
REG_PID=
REG_TOKEN_PID=
REG_USER=
REG_PASSWORD=

reg_have() {
    [ -x "$REG_BIN" ]
}

reg__kill() {
    kill "$1" 2>/dev/null || return 0
    i=0
    while [ $i -lt 50 ] && kill -0 "$1" 2>/dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

reg__cleanup() {
    for p in $reg__pids; do
        reg__kill "$p"
    done
    reg__pids=
    for d in $reg__dirs; do
        rm -rf "$d"
    done
    reg__dirs=
}

reg__on_exit() {
    reg__rc=$?
    trap - EXIT
    reg__cleanup
    if [ -n "${REG_ON_EXIT:-}" ]; then
        eval "$REG_ON_EXIT"
    fi
    exit $reg__rc
}
trap reg__on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A python3 that has what the token server needs (Debian's python3-jwt, python3-cryptography).
reg__token_python() {
    for py in /usr/bin/python3 ${PYTHON3:-} python3; do
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import jwt, cryptography' >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

reg__python() {
    for py in ${PYTHON3:-} python3 /usr/bin/python3; do
        if command -v "$py" >/dev/null 2>&1; then
            echo "$py"
            return 0
        fi
    done
    return 1
}

reg__free_port() {
    "$(reg__python)" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# url pid: polls until the url answers 200 or 401, the process dies, or ~10 s pass
reg__wait() {
    i=0
    while [ $i -lt 100 ]; do
        kill -0 "$2" 2>/dev/null || return 1
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" 2>/dev/null)
        case $code in
        200 | 401) return 0 ;;
        esac
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

reg__start_token_server() {
    py=$(reg__token_python) || {
        echo "reg_start: no python3 with the jwt and cryptography modules" \
            "(Debian: python3-jwt python3-cryptography)" >&2
        return 1
    }
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=scl-test-token \
        -keyout "$REG_DIR/token.key" -out "$REG_DIR/token.crt" >"$REG_DIR/openssl.log" 2>&1 || {
        echo "reg_start: openssl could not make a certificate" >&2
        cat "$REG_DIR/openssl.log" >&2
        return 1
    }
    "$py" "$reg__here/token-server.py" --cert "$REG_DIR/token.crt" --key "$REG_DIR/token.key" \
        --issuer scl-test-issuer --port-file "$REG_DIR/token.port" >>"$REG_DIR/token.log" 2>&1 &
    REG_TOKEN_PID=$!
    reg__pids="$reg__pids $REG_TOKEN_PID"
    i=0
    while [ ! -s "$REG_DIR/token.port" ]; do
        if [ $i -ge 100 ] || ! kill -0 "$REG_TOKEN_PID" 2>/dev/null; then
            echo "reg_start: the token server did not start; its log:" >&2
            cat "$REG_DIR/token.log" >&2
            return 1
        fi
        sleep 0.1
        i=$((i + 1))
    done
    REG_TOKEN_URL="http://127.0.0.1:$(cat "$REG_DIR/token.port")/token"
}

reg_start() {
    mode=plain
    case ${1:-} in
    --token) mode=token ;;
    --basic) mode=basic ;;
    '') ;;
    *)
        echo "reg_start: unknown option $1" >&2
        return 2
        ;;
    esac
    reg_have || {
        echo "reg_start: $REG_BIN is not installed" >&2
        return 1
    }
    REG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/scl-reg.XXXXXX") || return 1
    reg__dirs="$reg__dirs $REG_DIR"
    REG_TOKEN_PID=
    REG_USER=
    REG_PASSWORD=
    auth=
    case $mode in
    token)
        reg__start_token_server || return 1
        auth="auth:
  token:
    realm: $REG_TOKEN_URL
    service: scl-test-registry
    issuer: scl-test-issuer
    rootcertbundle: $REG_DIR/token.crt"
        ;;
    basic)
        auth="auth:
  htpasswd:
    realm: scl-test
    path: $REG_DIR/htpasswd"
        ;;
    esac
    tries=0
    while [ $tries -lt 5 ]; do
        tries=$((tries + 1))
        port=$(reg__free_port) || return 1
        cat >"$REG_DIR/config.yml" <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_DIR/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: scl-test-secret
$auth
EOF
        "$REG_BIN" serve "$REG_DIR/config.yml" >>"$REG_DIR/registry.log" 2>&1 &
        pid=$!
        reg__pids="$reg__pids $pid"
        if reg__wait "http://127.0.0.1:$port/v2/" "$pid"; then
            REG=localhost:$port
            REG_PORT=$port
            REG_PID=$pid
            export REG
            if [ $mode = basic ]; then
                REG_USER=docker
                REG_PASSWORD=$(sed -n 's/.*password=\([^ "]*\).*user=docker.*/\1/p' \
                    "$REG_DIR/registry.log" | tail -n 1)
                [ -n "$REG_PASSWORD" ] || {
                    echo "reg_start: no provisioned password in the registry's log" >&2
                    return 1
                }
            fi
            return 0
        fi
        reg__kill "$pid" # most likely the port was taken meanwhile: another one
    done
    echo "reg_start: docker-registry did not start; its log:" >&2
    cat "$REG_DIR/registry.log" >&2
    return 1
}

reg_stop() {
    keep=
    for p in $reg__pids; do
        if [ "$p" = "$REG_PID" ] || [ "$p" = "$REG_TOKEN_PID" ]; then
            reg__kill "$p"
        else
            keep="$keep $p"
        fi
    done
    reg__pids=$keep
    keep=
    for d in $reg__dirs; do
        if [ "$d" = "$REG_DIR" ]; then
            rm -rf "$d"
        else
            keep="$keep $d"
        fi
    done
    reg__dirs=$keep
    REG=
    REG_DIR=
    REG_PID=
    REG_TOKEN_PID=
}
