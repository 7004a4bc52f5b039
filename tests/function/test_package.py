#!/usr/bin/env python3
"""The function's package and runtime image, checked without Docker, and its mTLS.

1. package/: crossplane.yaml is a meta.pkg.crossplane.io/v1 Function; input/ holds the KCLInput
   CRD, the same file as schemas/crds/crossplane_kcl_function/.
2. The Dockerfile, statically: the runtime stage is FROM debian:bookworm-slim, has an exec-form
   ENTRYPOINT, EXPOSE 9443 and no CMD; every file a COPY takes from the build context exists,
   and what the runtime stage copies from the build stage is a file of the build tree.
3. The runtime root the Dockerfile describes is staged in a temporary folder: the files the
   runtime stage copies from the build stage, at their image paths, and every library `ldd`
   lists for the entrypoint, with the dynamic loader. The entrypoint is started from there with
   no arguments and TLS_SERVER_CERTS_DIR set to certificates made with openssl: in a chroot as
   uid 2000 when the test runs as root (unless SCL_TEST_NO_CHROOT is set or the server is a
   sanitizer build, which needs /proc), else through the staged loader with only the staged
   libraries on its path. It must serve mTLS on :9443; when that port is taken on this host
   (another server, a concurrent test), on --address 127.0.0.1:<free port> instead.
4. mTLS: a client with a certificate signed by the CA of the certificate folder is served; no
   client certificate, one signed by another CA, and plaintext are refused; the server still
   serves afterwards.

Exit 0 when every check passes, 1 otherwise, 77 without grpcio or openssl.
"""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("GRPC_VERBOSITY", "NONE")  # the refused handshakes log on the client side
try:
    import grpc
except ImportError as e:
    print("SKIP: python3 without grpcio:", e)
    sys.exit(77)

SRC = os.path.abspath(os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SCL_BUILDDIR") or ".")
SCL = os.path.join(BUILD, "scl")
V1 = "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction"

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def load_yaml(tmp, path):
    """The documents of a YAML file, read by scl's own yaml.decode_all (no Python YAML needed)."""
    conv = os.path.join(tmp, "conv.k")
    with open(conv, "w") as f:
        f.write('import yaml\nimport file\ndocs = yaml.decode_all(file.read(option("f")))\n')
    p = subprocess.run([SCL, "run", conv, "-D", "f=" + path, "--format", "json"],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        print(p.stderr)
        return []
    return [d for d in json.loads(p.stdout)["docs"] if d is not None]


# {===== the Dockerfile

def dockerfile_stages(path):
    """[(from_line, [(instruction, args)])], continuation lines joined, comments dropped."""
    lines, cur = [], ""
    for raw in open(path):
        s = raw.rstrip("\n")
        if not cur and (not s.strip() or s.lstrip().startswith("#")):
            continue
        if s.endswith("\\"):
            cur += s[:-1] + " "
            continue
        lines.append(cur + s)
        cur = ""
    stages = []
    for line in lines:
        word, _, rest = line.strip().partition(" ")
        word = word.upper()
        if word == "FROM":
            stages.append((rest.strip(), []))
        elif stages:
            stages[-1][1].append((word, rest.strip()))
    return stages


def copy_args(rest):
    """COPY [--from=x] [--chown=..] SRC... DST -> (from, [srcs], dst)"""
    words = rest.split()
    frm = None
    while words and words[0].startswith("--"):
        if words[0].startswith("--from="):
            frm = words[0][len("--from="):]
        words.pop(0)
    if words and words[0].startswith("["):
        words = json.loads(" ".join(words))
    return frm, words[:-1], words[-1]


def check_dockerfile():
    path = os.path.join(SRC, "Dockerfile")
    check(os.path.isfile(path), "a Dockerfile at the top of the tree")
    if not os.path.isfile(path):
        return None
    stages = dockerfile_stages(path)
    check(len(stages) >= 1, "the Dockerfile has stages")
    final_from, final = stages[-1]
    check(final_from.split()[0] == "debian:bookworm-slim",
          "the runtime stage is FROM debian:bookworm-slim: %r" % final_from)
    entry = [a for w, a in final if w == "ENTRYPOINT"]
    check(len(entry) == 1, "one ENTRYPOINT in the runtime stage")
    try:
        entrypoint = json.loads(entry[-1]) if entry else []
    except ValueError:
        entrypoint = []
    check(isinstance(entrypoint, list) and len(entrypoint) >= 1 and entrypoint[0].startswith("/"),
          "the ENTRYPOINT is exec form with an absolute path: %r" % entry)
    exposed = [p for w, a in final if w == "EXPOSE" for p in a.split()]
    check("9443" in exposed or "9443/tcp" in exposed, "EXPOSE 9443: %r" % exposed)
    cmds = [a for _, st in stages for w, a in st if w == "CMD"]
    check(not cmds, "no CMD: %r" % cmds)
    # every COPY from the build context names existing files; copies from the build stage
    names = [f.split()[-1] for f, _ in stages if " as " in f.lower()]
    from_build = []
    for i, (_, st) in enumerate(stages):
        for w, a in st:
            if w not in ("COPY", "ADD"):
                continue
            frm, srcs, dst = copy_args(a)
            if frm is None:
                for s in srcs:
                    check(os.path.exists(os.path.join(SRC, s)), "COPY %s: exists in the tree" % s)
            else:
                check(frm in names, "COPY --from=%s names a stage" % frm)
                if i == len(stages) - 1:
                    from_build += [(s, dst) for s in srcs]
    check(from_build, "the runtime stage copies the server from the build stage")
    return entrypoint, from_build


def stage_root(root, entrypoint, from_build):
    """The runtime root: the build stage's files (its /build is this build tree) at their image
    paths, and every library ldd lists for the entrypoint."""
    for src, dst in from_build:
        m = re.match(r"^/build/(.+)$", src)
        local = os.path.join(BUILD, m.group(1)) if m else None
        check(local and os.path.isfile(local), "%s is a file of the build tree" % src)
        if not local or not os.path.isfile(local):
            return None
        target = os.path.join(root, dst.lstrip("/"))
        if dst.endswith("/"):
            target = os.path.join(target, os.path.basename(local))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(local, target)
    exe = os.path.join(root, entrypoint[0].lstrip("/"))
    check(os.access(exe, os.X_OK), "the ENTRYPOINT %s is staged and executable" % entrypoint[0])
    out = subprocess.run(["ldd", exe], capture_output=True, text=True, timeout=30).stdout
    libs = []
    for line in out.splitlines():
        m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)\s*\(", line)
        if m:
            libs.append(m.group(1))
    check(len(libs) > 3, "ldd lists the libraries: %d" % len(libs))
    loader = None
    for lib in libs:
        dst = os.path.join(root, lib.lstrip("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.realpath(lib), dst)
        if "ld-linux" in os.path.basename(lib):
            loader = lib
    check(loader is not None, "the dynamic loader is staged")
    sanitized = any("libasan" in l or "libubsan" in l for l in libs)
    return exe, loader, sorted({os.path.dirname(os.path.join(root, l.lstrip("/"))) for l in libs}), sanitized


# {===== certificates

def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, timeout=60,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_ca(d, name):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=" + name, "-days", "2", "-keyout", name + ".key", "-out", name + ".crt", cwd=d)


def make_leaf(d, ca, name, san=None):
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-subj", "/CN=" + name, "-keyout", name + ".key", "-out", name + ".csr", cwd=d)
    ext = os.path.join(d, name + ".ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=%s\n" % san if san else "basicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
            "-CAcreateserial", "-days", "2", "-out", name + ".crt", "-extfile", ext, cwd=d)


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def port_free(port):
    s = socket.socket(socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gRPC binds: TIME_WAIT is free
    try:
        s.bind(("", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(channel, timeout=5):
    """An empty RunFunctionRequest: the server answers with a FATAL result (no source)."""
    fn = channel.unary_unary(V1, request_serializer=lambda b: b, response_deserializer=lambda b: b)
    return fn(b"", timeout=timeout)


def refused(channel, what):
    try:
        call(channel, timeout=5)
        check(False, "%s: must be refused" % what)
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.UNAVAILABLE, "%s: refused (%s)" % (what, e.code()))
    finally:
        channel.close()


def main():
    if not shutil.which("openssl") or not shutil.which("ldd"):
        print("SKIP: no openssl or ldd")
        return 77
    tmp = tempfile.mkdtemp(prefix="scl-pkg-")
    proc = None
    log_path = os.path.join(tmp, "server.log")
    try:
        # 1. the package
        meta = load_yaml(tmp, os.path.join(SRC, "package", "crossplane.yaml"))
        fn = meta[0] if meta else {}
        check(fn.get("apiVersion") == "meta.pkg.crossplane.io/v1" and fn.get("kind") == "Function"
              and fn.get("metadata", {}).get("name"), "package/crossplane.yaml is a Function: %r" % fn.get("kind"))
        ann = fn.get("metadata", {}).get("annotations", {})
        check("meta.crossplane.io/description" in ann and "meta.crossplane.io/readme" in ann,
              "package metadata annotations: %r" % sorted(ann))
        crd_path = os.path.join(SRC, "package", "input", "krm.kcl.dev_kclinputs.yaml")
        check(os.path.isfile(crd_path) and
              read(os.path.dirname(crd_path), os.path.basename(crd_path)) ==
              read(os.path.join(SRC, "schemas", "crds", "crossplane_kcl_function"), "krm.kcl.dev_kclinputs.yaml"),
              "package/input holds the KCLInput CRD, unchanged")
        check(os.path.isfile(os.path.join(SRC, "package", "input", "NOTICE.md")), "the CRD's notice")
        crd = (load_yaml(tmp, crd_path) or [{}])[0]
        spec = crd.get("spec", {})
        check(crd.get("metadata", {}).get("name") == "kclinputs.krm.kcl.dev" and spec.get("group") == "krm.kcl.dev"
              and spec.get("names", {}).get("kind") == "KCLInput"
              and "crossplane" in spec.get("names", {}).get("categories", [])
              and [v.get("name") for v in spec.get("versions", [])] == ["v1alpha1"],
              "the CRD describes KCLInput v1alpha1")

        # 2. the Dockerfile
        described = check_dockerfile()
        if not described:
            return 1
        entrypoint, from_build = described

        # 3. the runtime root, and its entrypoint started with no arguments
        root = os.path.join(tmp, "root")
        staged = stage_root(root, entrypoint, from_build)
        if not staged:
            return 1
        exe, loader, libdirs, sanitized = staged
        certs = os.path.join(root, "tls", "server")
        os.makedirs(certs)
        pki = os.path.join(tmp, "pki")
        os.mkdir(pki)
        make_ca(pki, "ca")
        make_ca(pki, "otherca")
        make_leaf(pki, "ca", "server", "DNS:localhost,IP:127.0.0.1,IP:::1")
        make_leaf(pki, "ca", "client")
        make_leaf(pki, "otherca", "stranger")
        for src, dst in (("server.crt", "tls.crt"), ("server.key", "tls.key"), ("ca.crt", "ca.crt")):
            shutil.copy(os.path.join(pki, src), os.path.join(certs, dst))
            os.chmod(os.path.join(certs, dst), 0o644)
        # a sanitizer build needs /proc (LeakSanitizer), which the staged root has not
        chroot = (os.geteuid() == 0 and not sanitized and not os.environ.get("SCL_TEST_NO_CHROOT")
                  and shutil.which("chroot"))
        keep = {k: v for k, v in os.environ.items() if k.endswith("SAN_OPTIONS")}

        def start(args):
            if chroot:
                os.chmod(root, 0o755)
                cmd = [chroot, "--userspec=2000:2000", root, entrypoint[0]] + entrypoint[1:] + args
                env = dict(keep, TLS_SERVER_CERTS_DIR="/tls/server", PATH="/usr/local/bin:/usr/bin:/bin")
            else:
                cmd = [os.path.join(root, loader.lstrip("/")), "--library-path", ":".join(libdirs),
                       exe] + entrypoint[1:] + args
                env = dict(keep, TLS_SERVER_CERTS_DIR=certs, PATH="/usr/bin:/bin")
            with open(log_path, "w") as log:
                return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)

        ca, ckey, ccrt = read(pki, "ca.crt"), read(pki, "client.key"), read(pki, "client.crt")
        # no arguments: :9443; if another process holds 9443 (checked first, or the server could
        # not bind it), --address on a free port
        args = [] if port_free(9443) else ["--address", "127.0.0.1:%d" % free_port()]
        for _ in range(2):
            if args:
                print("note: port 9443 is taken on this host; the entrypoint gets", " ".join(args))
            proc = start(args)
            port = int(args[1].rsplit(":", 1)[1]) if args else 9443
            target = "127.0.0.1:%d" % port
            good = grpc.secure_channel(target, grpc.ssl_channel_credentials(ca, ckey, ccrt))
            ready, deadline = False, time.time() + 20
            while not ready and time.time() < deadline and proc.poll() is None:
                try:
                    grpc.channel_ready_future(good).result(timeout=1)
                    ready = True
                except grpc.FutureTimeoutError:
                    pass
            if ready or args or proc.poll() is None or "cannot listen" not in open(log_path).read():
                break
            good.close()
            args = ["--address", "127.0.0.1:%d" % free_port()]
        check(ready and proc.poll() is None,
              "the staged entrypoint serves mTLS on %s (%s)" % (target, "chroot as uid 2000" if chroot else "staged loader"))
        if not ready:
            return 1
        text = open(log_path).read()
        check("tls=mtls" in text and ("port=%d" % port) in text, "the log says mTLS on the port: %r" % text)

        # 4. mTLS: a good client is served; the others are refused
        rsp = call(good)
        check(b"kcl source cannot be empty" in rsp, "a client with a certificate of the CA is served")
        refused(grpc.secure_channel(target, grpc.ssl_channel_credentials(ca)), "no client certificate")
        refused(grpc.secure_channel(target, grpc.ssl_channel_credentials(
            ca, read(pki, "stranger.key"), read(pki, "stranger.crt"))), "a certificate from another CA")
        refused(grpc.insecure_channel(target), "plaintext")
        # a client that does not trust the server's CA refuses it too (the server is mTLS, not
        # any TLS): the handshake fails on the client's side
        refused(grpc.secure_channel(target, grpc.ssl_channel_credentials(
            read(pki, "otherca.crt"), ckey, ccrt)), "a client that trusts another CA")
        rsp = call(good)
        check(b"kcl source cannot be empty" in rsp and proc.poll() is None,
              "still serving the good client after the refusals")
        good.close()

        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "SIGTERM -> exit 0 (got %r)" % rc)
    finally:
        if proc and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if failed and os.path.exists(log_path):
            print(open(log_path).read()[-3000:])
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
