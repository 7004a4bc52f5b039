#!/usr/bin/env python3
"""End to end: the real function server (`scl function serve`) under a real gRPC client.

The message classes come from the project's own function/run_function.proto: protoc-c writes
its descriptor (--descriptor_set_out), which is added to protobuf's default pool, where the
well-known types (Struct, Duration) already are. Debian's python3-grpc-tools is too old for
Debian's protobuf, so it is not used.

examples/controlplane is copied to a temporary folder and its schemas generated there with the
built `scl import`; the server gets that folder as --root (where inline sources resolve
`schemas.kcl...`) and `-E k8s=` the k8s package in ../shared. The NixHost steps (image,
droplet, dns) are sent inline, as their Composition carries them, at each observed stage.

Exit 0 when every check passes, 1 otherwise, 77 without grpcio or ../shared.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

try:
    import grpc
    from google.protobuf import descriptor_pb2, descriptor_pool, json_format
    from google.protobuf import struct_pb2, duration_pb2  # noqa: F401 (registers them)
except ImportError as e:
    print("SKIP: python3 without grpcio/protobuf:", e)
    sys.exit(77)

SRC = os.path.abspath(os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SCL_BUILDDIR") or ".")
SCL = os.path.join(BUILD, "scl")
K8S = os.path.join(SRC, "..", "shared", "packages", "k8s-1.32.4")
PROTOC_C = os.environ.get("PROTOC_C") or "protoc-c"
PROTOBUF_INCLUDE = os.environ.get("PROTOBUF_INCLUDE") or "/usr/include"
V1 = "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction"
V1BETA1 = "/apiextensions.fn.proto.v1beta1.FunctionRunnerService/RunFunction"
XR_API = "platform.scl.dev/v1alpha1"

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def message_classes(tmp):
    out = os.path.join(tmp, "run_function.desc")
    subprocess.run([PROTOC_C, "-I" + os.path.join(SRC, "function"), "-I" + PROTOBUF_INCLUDE,
                    "--descriptor_set_out=" + out, os.path.join(SRC, "function", "run_function.proto")],
                   check=True, timeout=60)
    fds = descriptor_pb2.FileDescriptorSet.FromString(open(out, "rb").read())
    pool = descriptor_pool.Default()
    for f in fds.file:
        pool.Add(f)
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:
        from google.protobuf import message_factory
        factory = message_factory.MessageFactory(pool)
        GetMessageClass = factory.GetPrototype
    req = GetMessageClass(pool.FindMessageTypeByName("apiextensions.fn.proto.v1.RunFunctionRequest"))
    rsp = GetMessageClass(pool.FindMessageTypeByName("apiextensions.fn.proto.v1.RunFunctionResponse"))
    return req, rsp


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, args, log):
        self.port = free_port()
        self.log = open(log, "w")
        self.proc = subprocess.Popen([SCL, "function", "serve", "--insecure", "--debug",
                                      "--address", "127.0.0.1:%d" % self.port] + args,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.channel = grpc.insecure_channel("127.0.0.1:%d" % self.port)
        grpc.channel_ready_future(self.channel).result(timeout=20)

    def call(self, path, req, Rsp, timeout=60):
        fn = self.channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                                      response_deserializer=Rsp.FromString)
        return fn(req, timeout=timeout)

    def raw(self, path, data, timeout=10):
        fn = self.channel.unary_unary(path, request_serializer=lambda b: b,
                                      response_deserializer=lambda b: b)
        return fn(data, timeout=timeout)

    def stop(self):
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.log.close()


def to_dict(msg):
    return json_format.MessageToDict(msg, preserving_proto_field_name=True)


def request(Req, source, oxr=None, ocds=None, desired=None, params=None, context=None, target=None,
            tag="t1"):
    spec = {"source": source}
    if params is not None:
        spec["params"] = params
    if target:
        spec["target"] = target
    d = {
        "meta": {"tag": tag},
        "observed": {"composite": {"resource": oxr or xr()},
                     "resources": {k: {"resource": v} for k, v in (ocds or {}).items()}},
        "desired": desired or {},
        "input": {"apiVersion": "krm.kcl.dev/v1alpha1", "kind": "KCLInput",
                  "metadata": {"name": "step"}, "spec": spec},
    }
    if context is not None:
        d["context"] = context
    return json_format.ParseDict(d, Req())


def xr():
    return {"apiVersion": XR_API, "kind": "XNixHost", "metadata": {"name": "web"},
            "spec": {"region": "ams3", "domain": "example.net", "hostname": "web", "ttl": 300,
                     "sshKeys": ["3b:16"]}}


def image(ready, slug="nixos-24-11"):
    status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if slug:
        status["atProvider"] = {"slug": slug}
    return {"apiVersion": "custom.digitalocean.crossplane.io/v1alpha1", "kind": "Image",
            "metadata": {"name": "web-nixos"}, "status": status}


def droplet(ip):
    return {"apiVersion": "droplet.digitalocean.crossplane.io/v1alpha1", "kind": "Droplet",
            "metadata": {"name": "web-droplet"},
            "spec": {"forProvider": {"image": "nixos-24-11"}},
            "status": {"atProvider": {"ipv4Address": ip}}}


def resources(rsp):
    d = to_dict(rsp)
    return {k: v.get("resource", {}) for k, v in d.get("desired", {}).get("resources", {}).items()}


def fatal(rsp):
    return [r for r in rsp.results if r.severity == 1]


def configmap_step(data):
    """A program whose one item is a ConfigMap `out` with 'data' (KCL text of a dict)."""
    return 'items = [{apiVersion = "v1", kind = "ConfigMap", metadata.name = "out", data = %s}]' % data


def confinement(Req, Rsp, tmp):
    """Imports and file.* reach only the step's folder, --root and the -E folders."""
    root = os.path.join(tmp, "confroot")
    step = os.path.join(tmp, "confstep")
    lib = os.path.join(tmp, "conflib")
    outside = os.path.join(tmp, "outside")
    for d in (root, step, os.path.join(step, "sub"), lib, outside):
        os.makedirs(d)
    open(os.path.join(root, "kcl.mod"), "w").write('[package]\nname = "confroot"\n')
    open(os.path.join(root, "shared.k"), "w").write('who = "root"\n')
    open(os.path.join(root, "root.txt"), "w").write("in root")
    open(os.path.join(lib, "kcl.mod"), "w").write('[package]\nname = "lib"\n')
    open(os.path.join(lib, "util.k"), "w").write('who = "lib"\n')
    open(os.path.join(step, "sub", "s.k"), "w").write('who = "sub"\n')
    open(os.path.join(step, "data.txt"), "w").write("in step")
    open(os.path.join(outside, "secret.txt"), "w").write("secret")
    open(os.path.join(outside, "o.k"), "w").write('who = "outside"\n')
    os.symlink(outside, os.path.join(step, "evil"))            # a folder leading out
    os.symlink(os.path.join(outside, "secret.txt"), os.path.join(step, "link.txt"))

    def local(name, text):
        d = os.path.join(tmp, "confsteps", name)
        shutil.copytree(step, d, symlinks=True)
        open(os.path.join(d, "main.k"), "w").write(text.replace("@DIR@", d))
        return d

    srv = Server(["--root", root, "-E", "lib=" + lib], os.path.join(tmp, "confine.log"))
    try:
        def run(source):
            r = srv.call(V1, request(Req, source), Rsp)
            return r, resources(r).get("out", {}).get("data", {})

        # inside: the step's folder (relative and absolute), its subpackages, --root and -E
        r, d = run(local("ok", "import file\nimport sub\nimport lib.util\n" + configmap_step(
            '{a = file.read("data.txt"), b = file.read("%s"), c = sub.who, d = util.who, '
            'e = "yes" if file.exists("data.txt") else "no"}' % "@DIR@/data.txt")))
        check(not fatal(r) and d == {"a": "in step", "b": "in step", "c": "sub", "d": "lib", "e": "yes"},
              "a local step reads and imports inside its folder and -E: %r %r"
              % (d, [x.message for x in r.results]))
        r, d = run("import file\nimport shared\n" + configmap_step(
            '{a = file.read("root.txt"), b = file.read("%s"), c = shared.who}'
            % os.path.join(root, "root.txt")))
        check(not fatal(r) and d == {"a": "in root", "b": "in root", "c": "root"},
              "an inline step reads and imports under --root: %r %r" % (d, [x.message for x in r.results]))

        # outside: FATAL, naming the path and the allowed folders
        for what, src in (
                ("file.read of /etc/passwd", local("passwd", 'import file\na = file.read("/etc/passwd")')),
                ("inline file.read of /etc/passwd", 'import file\na = file.read("/etc/passwd")'),
                ("a relative path climbing out", local("up", 'import file\na = file.read("../outside/secret.txt")')),
                ("a symbolic link leading out", local("link", 'import file\na = file.read("link.txt")')),
                ("another step's folder", local("other", 'import file\na = file.read("%s")'
                                                % os.path.join(tmp, "confsteps", "ok", "data.txt")))):
            r = srv.call(V1, request(Req, src), Rsp)
            f = fatal(r)
            check(len(f) == 1 and "is outside the allowed folders" in f[0].message
                  and "secret" not in f[0].message.replace("secret.txt", "") and "root:" not in f[0].message,
                  "%s -> FATAL outside the allowed folders: %r" % (what, [x.message for x in r.results]))
        r = srv.call(V1, request(Req, local("passwd2", 'import file\na = file.read("/etc/passwd")')), Rsp)
        check(fatal(r) and "/etc/passwd" in fatal(r)[0].message, "the message names the path: %r"
              % [x.message for x in r.results])
        r, d = run(local("exists", "import file\n" + configmap_step(
            '{a = "yes" if file.exists("/etc/passwd") else "no"}')))
        check(d == {"a": "no"}, "file.exists outside is false: %r %r" % (d, [x.message for x in r.results]))
        r = srv.call(V1, request(Req, local("imp", "import evil.o\na = o.who")), Rsp)
        f = fatal(r)
        check(len(f) == 1 and "is outside the allowed folders" in f[0].message
              and os.path.realpath(outside) in f[0].message,
              "import of a module outside -> FATAL: %r" % [x.message for x in r.results])
        r = srv.call(V1, request(Req, local("rel", "import ...outside.o\na = o.who")), Rsp)
        check(fatal(r) and "o.who" not in [x.message for x in r.results], "a relative import climbing out is refused")
        r, d = run(local("after", "import file\n" + configmap_step('{a = file.read("data.txt")}')))
        check(d == {"a": "in step"}, "still serving after refusals: %r" % d)
    finally:
        srv.stop()


def large_request(server, Req, Rsp):
    """A 1 MiB observed resource is served, its content reaching the program whole."""
    blob = "x" * (1 << 20)
    big = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": {"blob": blob}}
    req = request(Req, configmap_step('{n = str(len(option("params").ocds.big.Resource.data.blob))}'),
                  ocds={"big": big})
    check(req.ByteSize() > (1 << 20), "the request is over 1 MiB: %d" % req.ByteSize())
    t0 = time.time()
    r = server.call(V1, req, Rsp, timeout=60)
    check(not fatal(r) and resources(r).get("out", {}).get("data") == {"n": str(1 << 20)}
          and time.time() - t0 < 30,
          "1 MiB request served: %r" % [x.message for x in r.results])


def concurrent_clients(server, Req, Rsp, threads=8, each=25):
    """Clients on their own connections at once: every answer is the right one."""
    import threading
    errors = []
    ok = [0] * threads

    def client(t):
        ch = grpc.insecure_channel("127.0.0.1:%d" % server.port)
        try:
            fn = ch.unary_unary(V1, request_serializer=lambda m: m.SerializeToString(),
                                response_deserializer=Rsp.FromString)
            for i in range(each):
                tag = "c%d-%d" % (t, i)
                req = request(Req, configmap_step('{v = option("params").tag}'), params={"tag": tag},
                              tag=tag)
                r = fn(req, timeout=60)
                got = resources(r).get("out", {}).get("data", {}).get("v")
                if r.meta.tag != tag or got != tag or fatal(r):
                    errors.append("%s: %r %r" % (tag, got, [x.message for x in r.results]))
                else:
                    ok[t] += 1
        except Exception as e:  # noqa: BLE001 (reported as a failure)
            errors.append("client %d: %r" % (t, e))
        finally:
            ch.close()

    ts = [threading.Thread(target=client, args=(t,), daemon=True) for t in range(threads)]
    t0 = time.time()
    for t in ts:
        t.start()
    for t in ts:
        t.join(timeout=max(1, 240 - (time.time() - t0)))
    check(not any(t.is_alive() for t in ts), "concurrent clients finished in time")
    check(sum(ok) == threads * each and not errors,
          "%d x %d concurrent requests answered correctly (%d): %s" % (threads, each, sum(ok), errors[:3]))
    check(server.proc.poll() is None, "the server is alive after the concurrent clients")


def main():
    if not os.path.isdir(K8S):
        print("SKIP: no k8s package at", K8S)
        return 77
    tmp = tempfile.mkdtemp(prefix="scl-fn-")
    server = None
    try:
        Req, Rsp = message_classes(tmp)
        cp = os.path.join(tmp, "controlplane")
        shutil.copytree(os.path.join(SRC, "examples", "controlplane"), cp,
                        ignore=shutil.ignore_patterns("kcl", "kcl.mod.lock"))
        env = dict(os.environ, SCL=SCL)
        subprocess.run(["sh", os.path.join(cp, "generate.sh"), os.path.join(SRC, "schemas", "crds")],
                       check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
        steps = {s: open(os.path.join(cp, "digitalocean", s + ".scl")).read()
                 for s in ("image", "droplet", "dns")}
        server = Server(["--root", cp, "-E", "k8s=" + K8S], os.path.join(tmp, "server.log"))

        # stage 1: nothing observed
        r1 = server.call(V1, request(Req, steps["image"]), Rsp)
        check(not fatal(r1), "image step: no fatal result %s" % [x.message for x in r1.results])
        res = resources(r1)
        img = res.get("image", {})
        check(img.get("kind") == "Image", "image step asks for the Image: %s" % list(res))
        check(img.get("metadata", {}).get("name") == "web-nixos", "image name")
        check(img.get("spec", {}).get("forProvider", {}).get("regions") == ["ams3"], "image region")
        ann = img.get("metadata", {}).get("annotations")
        check(ann == {}, "composition-resource-name annotation removed: %r" % ann)
        check(r1.meta.tag == "t1" and r1.meta.ttl.seconds == 60, "meta tag and ttl")
        comp = to_dict(r1)["desired"]["composite"]["resource"]
        check(comp.get("apiVersion") == XR_API and comp.get("kind") == "XNixHost",
              "desired composite carries the XR's apiVersion/kind: %r" % comp)
        desired1 = to_dict(r1)["desired"]
        r = server.call(V1, request(Req, steps["droplet"], desired=desired1), Rsp)
        check(not fatal(r) and set(resources(r)) == {"image"},
              "droplet step without an observed image keeps only the image: %s" % list(resources(r)))
        r = server.call(V1, request(Req, steps["dns"], desired=desired1), Rsp)
        check(not fatal(r) and set(resources(r)) == {"image"}, "dns step without a droplet: nothing")

        # stage 2: image pending
        r = server.call(V1, request(Req, steps["droplet"], ocds={"image": image(False, None)},
                                    desired=desired1), Rsp)
        check(not fatal(r) and "droplet" not in resources(r), "pending image: no droplet")

        # stage 3: image ready
        r = server.call(V1, request(Req, steps["droplet"], ocds={"image": image(True)},
                                    desired=desired1), Rsp)
        res = resources(r)
        check(not fatal(r), "droplet step: no fatal result %s" % [x.message for x in r.results])
        d = res.get("droplet", {})
        check(d.get("kind") == "Droplet", "ready image: the Droplet is desired: %s" % list(res))
        fp = d.get("spec", {}).get("forProvider", {})
        check(fp.get("image") == "nixos-24-11" and fp.get("region") == "ams3" and fp.get("name") == "web",
              "droplet forProvider: %r" % fp)
        check("image" in res, "the earlier step's desired image survives")

        # stage 4: droplet with an IPv4 address
        obs = {"image": image(True), "droplet": droplet("203.0.113.7")}
        r = server.call(V1, request(Req, steps["dns"], ocds=obs, desired=to_dict(r)["desired"]), Rsp)
        res = resources(r)
        check(not fatal(r), "dns step: no fatal result %s" % [x.message for x in r.results])
        check({"domain", "record-apex", "record-web", "droplet", "image"} <= set(res),
              "dns step: domain and records: %s" % sorted(res))
        rec = res.get("record-apex", {}).get("spec", {}).get("forProvider", {})
        check(rec.get("value") == "203.0.113.7" and rec.get("ttl") == 300 and rec.get("type") == "A",
              "apex record: %r" % rec)
        check(res.get("domain", {}).get("spec", {}).get("forProvider", {}).get("name") == "example.net",
              "domain name")

        # both API versions
        rb = server.call(V1BETA1, request(Req, steps["image"]), Rsp)
        check(resources(rb) == resources(r1), "v1beta1 answers like v1")

        # the params the program sees (spec §4)
        shape = '''
p = option("params")
items = [{
    apiVersion = "v1"
    kind = "ConfigMap"
    metadata.name = "shape"
    metadata.annotations = {"krm.kcl.dev/ready" = "True"}
    data = {
        keys = ",".join([k for k in p])
        ocds = ",".join([k for k in p.ocds])
        obs = ",".join([k for k in p.ocds.obs])
        conn = p.ocds.obs.ConnectionDetails.pw
        ready = p.dcds.prev.Ready
        n = "${p.oxr.spec.n}"
        f = "${p.oxr.spec.f}"
        nested = ",".join([k for k in p.oxr.spec.m])
        mine = p.mine
        dxr = p.dxr.kind
        ctx = p.ctx.foo
        rl = option("resource_list").functionConfig.kind
        env = "yes" if option("env").PATH else "no"
    }
}, {
    apiVersion = "meta.krm.kcl.dev/v1alpha1"
    kind = "Context"
    data.added = 1
}, {
    apiVersion = p.oxr.apiVersion
    kind = p.oxr.kind
    status.phase = "ok"
}]
'''
        oxr = {"apiVersion": XR_API, "kind": "XNixHost", "metadata": {"name": "web"},
               "spec": {"n": 300, "f": 1.5, "m": {"z": 1, "a": 2, "k": 3}}}
        req = request(Req, shape, oxr=oxr, params={"mine": "p1", "oxr": "overwritten"},
                      desired={"resources": {"prev": {"resource": {"kind": "X"}, "ready": "READY_FALSE"}}},
                      context={"foo": "bar"})
        req.observed.resources["obs"].connection_details["pw"] = b"secret"
        r = server.call(V1, req, Rsp)
        check(not fatal(r), "params program: %s" % [x.message for x in r.results])
        rd = to_dict(r)
        cm = resources(r).get("shape", {}).get("data", {})
        check(cm.get("keys") == "mine,oxr,dxr,ocds,dcds,ctx,extraResources,requiredResources",
              "params keys: %r" % cm.get("keys"))
        check(cm.get("ocds") == "obs" and cm.get("obs") == "Resource,ConnectionDetails", "ocds shape: %r" % cm)
        check(cm.get("conn") == "c2VjcmV0", "connection details base64: %r" % cm.get("conn"))
        check(cm.get("ready") == "False", "dcds Ready: %r" % cm.get("ready"))
        check(cm.get("n") == "300" and cm.get("f") == "1.5", "integral numbers are ints: %r" % cm)
        check(cm.get("nested") == "a,k,z", "nested keys sorted: %r" % cm.get("nested"))
        check(cm.get("mine") == "p1" and cm.get("dxr") == "XNixHost" and cm.get("ctx") == "bar",
              "user params, dxr, ctx: %r" % cm)
        check(cm.get("rl") == "KCLRun" and cm.get("env") == "yes", "resource_list and env")
        check(rd["desired"]["resources"]["shape"].get("ready") == "READY_TRUE", "ready annotation")
        check("krm.kcl.dev/ready" not in resources(r)["shape"]["metadata"]["annotations"],
              "ready annotation removed")
        check(rd.get("context") == {"foo": "bar", "added": 1}, "context merged: %r" % rd.get("context"))
        check(rd["desired"]["composite"]["resource"].get("status") == {"phase": "ok"},
              "XR status merged: %r" % rd["desired"]["composite"])
        check(rd["desired"]["resources"]["prev"].get("ready") == "READY_FALSE", "earlier entry kept")

        # errors: FATAL result, desired and context echoed
        prev = {"resources": {"prev": {"resource": {"kind": "X"}}}}
        r = server.call(V1, request(Req, "a = [\n", desired=prev, context={"k": "v"}), Rsp)
        f = fatal(r)
        check(len(f) == 1 and f[0].message.startswith("failed to run kcl function pipelines: ")
              and f[0].target == 1, "syntax error -> one FATAL result: %r" % [x.message for x in r.results])
        check(to_dict(r).get("desired") == prev and to_dict(r).get("context") == {"k": "v"},
              "desired and context echoed on error")
        r = server.call(V1, request(Req, 'assert False, "boom"'), Rsp)
        check(fatal(r) and "boom" in fatal(r)[0].message, "assert message in the FATAL result")
        r = server.call(V1, request(Req, ""), Rsp)
        check(fatal(r) and "kcl source cannot be empty" in fatal(r)[0].message, "empty source")
        bad = request(Req, "a = 1")
        bad.input["spec"]["bogus"] = 1
        r = server.call(V1, bad, Rsp)
        check(fatal(r) and 'unknown field "bogus"' in fatal(r)[0].message, "strict input")
        r = server.call(V1, request(Req, 'items = [{apiVersion = "v1", kind = "A", metadata.name = "x"}, '
                                         '{apiVersion = "v1", kind = "B", metadata.name = "x"}]'), Rsp)
        check(fatal(r) and "multiple composed resources" in fatal(r)[0].message, "duplicate names")

        # malformed requests and unknown methods: gRPC statuses, promptly
        try:
            server.raw(V1, b"\xff\xff\xff")
            check(False, "malformed request must fail")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.INTERNAL, "malformed request -> INTERNAL: %s" % e.code())
        t0 = time.time()
        try:
            server.raw("/apiextensions.fn.proto.v2.FunctionRunnerService/RunFunction", b"")
            check(False, "unknown method must fail")
        except grpc.RpcError as e:
            check(e.code() == grpc.StatusCode.UNIMPLEMENTED and time.time() - t0 < 5,
                  "unknown method -> UNIMPLEMENTED: %s" % e.code())
        # still serving after all of that
        r = server.call(V1, request(Req, steps["image"]), Rsp)
        check("image" in resources(r), "still serving")

        large_request(server, Req, Rsp)
        concurrent_clients(server, Req, Rsp)
        confinement(Req, Rsp, tmp)

        # limits: a step that never ends, or allocates without bound, gets a FATAL result and
        # the worker answers the next request (one worker, so it is the same one)
        lim = Server(["--timeout", "0.5", "--max-memory", "512", "--workers", "1"],
                     os.path.join(tmp, "limits.log"))
        try:
            t0 = time.time()
            r = lim.call(V1, request(Req, "fib = lambda n { 1 if n < 2 else fib(n-1) + fib(n-2) }\n"
                                          "x = fib(100)"), Rsp)
            f = fatal(r)
            check(len(f) == 1 and "time budget of 0.5 s" in f[0].message and time.time() - t0 < 10,
                  "endless step -> FATAL at the time budget: %r" % [x.message for x in r.results])
            r = lim.call(V1, request(Req, "a = all x in range(100000) { all y in range(100000) { y >= 0 } }"), Rsp)
            check(fatal(r) and "time budget" in fatal(r)[0].message,
                  "endless loop -> FATAL: %r" % [x.message for x in r.results])
            r = lim.call(V1, request(Req, "a = [[0] * 10000000 for _ in range(1000)]"), Rsp)
            check(fatal(r) and "memory budget of 512 MiB" in fatal(r)[0].message,
                  "memory hog -> FATAL: %r" % [x.message for x in r.results])
            r = lim.call(V1, request(Req, 'items = [{apiVersion = "v1", kind = "A", metadata.name = "a"}]'), Rsp)
            check("a" in resources(r) and not fatal(r),
                  "the worker is free again after the limits: %r" % to_dict(r))
        finally:
            lim.stop()

        # the caller's deadline bounds an evaluation when it comes before --timeout: the worker
        # is free again right after it, not after the 60 s budget
        lim = Server(["--timeout", "60", "--max-memory", "0", "--workers", "1"],
                     os.path.join(tmp, "deadline.log"))
        try:
            t0 = time.time()
            try:
                r = lim.call(V1, request(Req, "a = all x in range(100000) { all y in range(100000) { y >= 0 } }"),
                             Rsp, timeout=1)
                # answered just in time: a budget (the deadline's, or memory's) ended it
                check(fatal(r) and "budget" in fatal(r)[0].message,
                      "an endless step within a 1 s deadline: %r" % [x.message for x in r.results])
            except grpc.RpcError as e:
                check(e.code() == grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded: %r" % e.code())
            r = lim.call(V1, request(Req, 'items = [{apiVersion = "v1", kind = "A", metadata.name = "a"}]'),
                         Rsp, timeout=20)
            check("a" in resources(r) and time.time() - t0 < 10,
                  "the worker stops at the caller's deadline (%.1f s)" % (time.time() - t0))
        finally:
            lim.stop()

        # SIGTERM: a clean exit 0 within seconds
        server.proc.send_signal(signal.SIGTERM)
        try:
            rc = server.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            rc = None
        check(rc == 0, "SIGTERM -> exit 0 (got %r)" % rc)
        log = open(os.path.join(tmp, "server.log")).read()
        check("msg=\"RunFunction\"" in log and "msg=\"stopped\"" in log, "debug log lines")
    finally:
        if server:
            server.stop()
        if failed:
            try:
                print(open(os.path.join(tmp, "server.log")).read()[-3000:])
            except OSError:
                pass
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
