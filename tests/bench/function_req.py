#!/usr/bin/env python3
"""Request builder and checker for the function server benchmark (tests/bench/function.sh).

  function_req.py body  SRC CP OUT    write the gRPC frame body of the image-step request
  function_req.py plain SRC CP OUT    the same request with a program that builds the same
                                      Image from plain dicts, importing nothing: the server's
                                      cost without loading the schema packages
  function_req.py check SRC CP PORT   send the same request with a real gRPC client (grpcio)
                                      and check grpc-status OK and the desired Image (and
                                      that the plain program gets the same response)

SRC is the source tree, CP the copy of examples/controlplane whose schemas were generated
(the server's --root). The message classes come from function/run_function.proto through
protoc-c's --descriptor_set_out, as in tests/function/test_function.py.

The request is what Crossplane sends for the first step of the NixHost pipeline once the
host exists: the image step's source inline, the observed XR (metadata, spec, status with
conditions) and the observed Image, Droplet, Domain and two DNS records.
"""

import os
import struct
import subprocess
import sys
import tempfile

from google.protobuf import descriptor_pb2, descriptor_pool, json_format
from google.protobuf import struct_pb2, duration_pb2  # noqa: F401 (registers them)

V1 = "/apiextensions.fn.proto.v1.FunctionRunnerService/RunFunction"
XR_API = "platform.scl.dev/v1alpha1"


def message_classes(src):
    with tempfile.TemporaryDirectory(prefix="scl-bench-") as tmp:
        out = os.path.join(tmp, "run_function.desc")
        subprocess.run([os.environ.get("PROTOC_C") or "protoc-c", "-I" + os.path.join(src, "function"),
                        "-I" + (os.environ.get("PROTOBUF_INCLUDE") or "/usr/include"),
                        "--descriptor_set_out=" + out, os.path.join(src, "function", "run_function.proto")],
                       check=True, timeout=60)
        fds = descriptor_pb2.FileDescriptorSet.FromString(open(out, "rb").read())
    pool = descriptor_pool.Default()
    for f in fds.file:
        pool.Add(f)
    try:
        from google.protobuf.message_factory import GetMessageClass
    except ImportError:
        from google.protobuf import message_factory
        GetMessageClass = message_factory.MessageFactory(pool).GetPrototype
    return (GetMessageClass(pool.FindMessageTypeByName("apiextensions.fn.proto.v1.RunFunctionRequest")),
            GetMessageClass(pool.FindMessageTypeByName("apiextensions.fn.proto.v1.RunFunctionResponse")))


def conditions(ready=True):
    return [{"type": "Ready", "status": "True" if ready else "False", "reason": "Available",
             "lastTransitionTime": "2026-11-30T10:00:00Z"},
            {"type": "Synced", "status": "True", "reason": "ReconcileSuccess",
             "lastTransitionTime": "2026-11-30T09:58:12Z"}]


def managed(api, kind, name, uid, for_provider, at_provider):
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "uid": uid, "generation": 1, "resourceVersion": "48213",
                         "labels": {"crossplane.io/composite": "web", "platform.scl.dev/host": "web"},
                         "annotations": {"crossplane.io/composition-resource-name": name.split("-", 1)[1],
                                         "crossplane.io/external-name": uid[:8]},
                         "ownerReferences": [{"apiVersion": XR_API, "kind": "XNixHost", "name": "web",
                                              "uid": "5f0c2a9e-1d6b-4c1e-9b0a-2f4f1d6c7e01",
                                              "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"forProvider": for_provider, "providerConfigRef": {"name": "default"},
                     "deletionPolicy": "Delete", "managementPolicies": ["*"]},
            "status": {"atProvider": at_provider, "conditions": conditions()}}


def request(Req, source):
    xr = {"apiVersion": XR_API, "kind": "XNixHost",
          "metadata": {"name": "web", "uid": "5f0c2a9e-1d6b-4c1e-9b0a-2f4f1d6c7e01", "generation": 3,
                       "resourceVersion": "48177", "creationTimestamp": "2026-11-30T09:57:40Z",
                       "labels": {"crossplane.io/composite": "web"},
                       "finalizers": ["composite.apiextensions.crossplane.io"]},
          "spec": {"region": "ams3", "domain": "example.net", "hostname": "web", "ttl": 300,
                   "size": "s-2vcpu-4gb", "sshKeys": ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
                   "image": {"url": "https://channels.nixos.org/nixos-24.11/"
                                    "latest-nixos-digitalocean-x86_64-linux.qcow2.gz"},
                   "providerConfigName": "default",
                   "crossplane": {"compositionRef": {"name": "nixhost-digitalocean"},
                                  "compositionRevisionRef": {"name": "nixhost-digitalocean-8c7d2f1"},
                                  "compositionUpdatePolicy": "Automatic",
                                  "resourceRefs": [{"apiVersion": "custom.digitalocean.crossplane.io/v1alpha1",
                                                    "kind": "Image", "name": "web-nixos"}]}},
          "status": {"conditions": conditions(), "address": "203.0.113.7"}}
    ocds = {
        "image": managed("custom.digitalocean.crossplane.io/v1alpha1", "Image", "web-nixos",
                         "0e6a3c51-8a43-4b53-a1b6-3f0d0c6c2b11",
                         {"name": "web-nixos", "distribution": "Unknown OS", "regions": ["ams3"],
                          "tags": ["nixos", "web"], "url": xr["spec"]["image"]["url"]},
                         {"id": "172538201", "slug": "nixos-24-11", "status": "available",
                          "sizeGigabytes": 2.61, "createdAt": "2026-11-30T09:58:30Z"}),
        "droplet": managed("droplet.digitalocean.crossplane.io/v1alpha1", "Droplet", "web-droplet",
                           "7a1d9e20-4c8b-4f0e-8d37-6b2a9e1f0c22",
                           {"name": "web", "region": "ams3", "size": "s-2vcpu-4gb", "image": "172538201",
                            "sshKeys": ["3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa"],
                            "monitoring": True, "ipv6": True},
                           {"id": "468210337", "ipv4Address": "203.0.113.7",
                            "ipv6Address": "2001:db8::7", "status": "active", "vcpus": 2, "memory": 4096}),
        "domain": managed("domain.digitalocean.crossplane.io/v1alpha1", "Domain", "web-domain",
                          "b3f4e7c2-9d10-4a6e-8f21-0c5d7e9a1b33", {"name": "example.net"},
                          {"id": "example.net", "ttl": 1800, "urn": "do:domain:example.net"}),
        "record-apex": managed("domain.digitalocean.crossplane.io/v1alpha1", "Record", "web-record-apex",
                               "c8a2d5f1-3e47-4b9c-a0d6-1f2e3d4c5b44",
                               {"domain": "example.net", "name": "@", "type": "A", "value": "203.0.113.7",
                                "ttl": 300},
                               {"id": "349120117", "fqdn": "example.net"}),
        "record-web": managed("domain.digitalocean.crossplane.io/v1alpha1", "Record", "web-record-web",
                              "d9b3e6a2-4f58-4cad-b1e7-2a3f4e5d6c55",
                              {"domain": "example.net", "name": "web", "type": "A", "value": "203.0.113.7",
                               "ttl": 300},
                              {"id": "349120118", "fqdn": "web.example.net"}),
    }
    d = {
        "meta": {"tag": "bench-image-step"},
        "observed": {"composite": {"resource": xr},
                     "resources": {k: {"resource": v} for k, v in ocds.items()}},
        "desired": {},
        "input": {"apiVersion": "krm.kcl.dev/v1alpha1", "kind": "KCLInput",
                  "metadata": {"name": "image"}, "spec": {"source": source}},
        "context": {"apiextensions.crossplane.io/environment": {"region": "ams3", "team": "platform"}},
    }
    return json_format.ParseDict(d, Req())


# image.scl's Image without the schema (its defaults written out): the same Image, no import
PLAIN = """_params = option("params") or {}
_xr = _params.oxr or {}
_spec = _xr.spec or {}
_name = _xr.metadata?.name or "nixhost"

items = [{
    apiVersion = "custom.digitalocean.crossplane.io/v1alpha1"
    kind = "Image"
    metadata = {
        name = "${_name}-nixos"
        annotations = {"krm.kcl.dev/composition-resource-name" = "image"}
        labels = {"platform.scl.dev/host" = _name}
    }
    spec = {
        forProvider = {
            name = "${_name}-nixos"
            url = _spec.image?.url or "https://channels.nixos.org/nixos-24.11/latest-nixos-digitalocean-x86_64-linux.qcow2.gz"
            distribution = "Unknown OS"
            description = "NixOS for ${_name}"
            regions = [_spec.region or "fra1"]
            tags = ["nixos", _name]
        }
        providerConfigRef.name = _spec.providerConfigName or "default"
        deletionPolicy = "Delete"
        managementPolicies = ["*"]
    }
}]
"""


def main(argv):
    if len(argv) != 5 or argv[1] not in ("body", "plain", "check"):
        sys.stderr.write(__doc__)
        return 2
    src, cp = argv[2], argv[3]
    Req, Rsp = message_classes(src)
    if argv[1] == "plain":
        req = request(Req, PLAIN)
    else:
        req = request(Req, open(os.path.join(cp, "digitalocean", "image.scl")).read())
    if argv[1] in ("body", "plain"):
        msg = req.SerializeToString()
        with open(argv[4], "wb") as f:
            f.write(struct.pack(">BI", 0, len(msg)) + msg)
        print(len(msg) + 5)
        return 0
    import grpc
    channel = grpc.insecure_channel("127.0.0.1:" + argv[4])
    try:
        grpc.channel_ready_future(channel).result(timeout=20)
        call = channel.unary_unary(V1, request_serializer=lambda m: m.SerializeToString(),
                                   response_deserializer=Rsp.FromString)
        problems = []
        for _ in range(3):
            rsp, c = call.with_call(req, timeout=30)
            if c.code() != grpc.StatusCode.OK:
                problems.append("grpc-status %s" % c.code())
            fatal = [r.message for r in rsp.results if r.severity == 1]
            if fatal:
                problems.append("FATAL result: %s" % fatal)
            d = json_format.MessageToDict(rsp, preserving_proto_field_name=True)
            img = d.get("desired", {}).get("resources", {}).get("image", {}).get("resource", {})
            fp = img.get("spec", {}).get("forProvider", {})
            if not (img.get("kind") == "Image" and img.get("metadata", {}).get("name") == "web-nixos"
                    and fp.get("regions") == ["ams3"]):
                problems.append("no desired Image web-nixos in ams3: %r" % img)
            if rsp.meta.tag != "bench-image-step":
                problems.append("meta.tag %r" % rsp.meta.tag)
        if json_format.MessageToDict(call(request(Req, PLAIN), timeout=30)) != json_format.MessageToDict(rsp):
            problems.append("the import-free program answers differently")
        if problems:
            print("check: " + "; ".join(sorted(set(problems))))
            return 1
        print("check: grpc-status 0, desired Image web-nixos (ams3), response %d bytes" % rsp.ByteSize())
        return 0
    except grpc.RpcError as e:
        print("check: RPC failed: %s %s" % (e.code(), e.details()))
        return 1
    finally:
        channel.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
