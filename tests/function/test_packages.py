#!/usr/bin/env python3
"""The function server fetching the packages of steps, driven over gRPC (see packages.sh, which
starts the registry and pushes test/mylib:0.1.0 and test/app:0.2.0, app depending on mylib).

argv[1]: the test's temporary folder (its src/ holds the pushed packages' sources).
Exit 0 when every check passes, 1 otherwise.
"""

import os
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_function as tf  # noqa: E402

from google.protobuf import json_format  # noqa: E402

REG = os.environ["KPM_REG"]
USER = os.environ["REG_USER"]
PASSWORD = os.environ["REG_PASSWORD"]
if os.environ.get("SCL_BIN"):
    tf.SCL = os.environ["SCL_BIN"]


def req(Req, source, deps=None, spec_creds=None, req_creds=None):
    r = tf.request(Req, source)
    if deps or spec_creds:
        d = json_format.MessageToDict(r, preserving_proto_field_name=True)
        if deps:
            d["input"]["spec"]["dependencies"] = deps
        if spec_creds:
            d["input"]["spec"]["credentials"] = spec_creds
        r = json_format.ParseDict(d, Req())
    if req_creds:
        data = r.credentials["kcl-registry"].credential_data.data
        for k, v in req_creds.items():
            data[k] = v.encode()
    return r


def greeting(rsp):
    return tf.resources(rsp).get("app", {}).get("data", {}).get("greeting")


def main():
    tmp = sys.argv[1]
    with tempfile.TemporaryDirectory() as work:
        Req, Rsp = tf.message_classes(work)
        srv = tf.Server([], os.path.join(tmp, "server.log"))
        V1 = tf.V1
        try:
            src = "oci://%s/test/app:0.2.0" % REG
            # no credentials: the registry refuses, a FATAL result names it
            rsp = srv.call(V1, req(Req, src), Rsp)
            f = tf.fatal(rsp)
            tf.check(len(f) == 1 and "401" in f[0].message and REG in f[0].message,
                     "no credentials: FATAL 401 naming the registry: %s" % [x.message for x in f])
            tf.check(not os.path.exists(os.path.join(os.environ["KCL_PKG_PATH"], "app_0.2.0")),
                     "a refused pull leaves nothing in the package home")
            # a wrong password in the request
            rsp = srv.call(V1, req(Req, src, req_creds={"username": USER, "password": "wrong"}), Rsp)
            tf.check(len(tf.fatal(rsp)) == 1, "wrong password: FATAL")
            # the request's credentials: the package and its own dependency are fetched
            good = {"username": USER, "password": PASSWORD}
            rsp = srv.call(V1, req(Req, src, req_creds=good), Rsp)
            tf.check(not tf.fatal(rsp), "oci source with request credentials: %s" %
                     [x.message for x in tf.fatal(rsp)])
            tf.check(greeting(rsp) == "hello from mylib", "oci source runs with its dependency: %s"
                     % tf.resources(rsp))
            tf.check(tf.resources(rsp).get("app", {}).get("data", {}).get("who") == "web",
                     "oci source sees option('params')")
            home = os.environ["KCL_PKG_PATH"]
            tf.check(os.path.isfile(os.path.join(home, "app_0.2.0", "kcl.mod")) and
                     os.path.isfile(os.path.join(home, "mylib_0.1.0", "lib.k")),
                     "both packages are in the package home: %s" % os.listdir(home))
            deps_prog = ('import mylib\nitems = [{apiVersion = "v1", kind = "ConfigMap", '
                         'metadata.name = "app", data.greeting = mylib.greeting}]\n')
            rsp = srv.call(V1, req(Req, deps_prog, deps='mylib = "0.1.0"\n'), Rsp)
            tf.check(greeting(rsp) == "hello from mylib",
                     "inline source with spec.dependencies: %s" % [x.message for x in tf.fatal(rsp)])
            # credentials that name another registry are not sent to this one
            solo = "oci://%s/test/solo?tag=1.0.0" % REG
            rsp = srv.call(V1, req(Req, solo, spec_creds={"url": "other.example", "username": USER,
                                                          "password": PASSWORD}), Rsp)
            f = tf.fatal(rsp)
            tf.check(len(f) == 1 and "401" in f[0].message,
                     "credentials scoped to another registry: %s" % [x.message for x in f])
            rsp = srv.call(V1, req(Req, solo, spec_creds={"url": "http://%s" % REG,
                                                          "username": USER, "password": PASSWORD}),
                           Rsp)
            tf.check(greeting(rsp) == "solo",
                     "spec.credentials naming the registry, ?tag=: %s" % [x.message for x in tf.fatal(rsp)])
            # the request's credentials win over spec.credentials
            rsp = srv.call(V1, req(Req, "oci://%s/test/solo" % REG,
                                   spec_creds={"username": USER, "password": "wrong"},
                                   req_creds=good), Rsp)
            tf.check(greeting(rsp) == "solo",
                     "request credentials over spec.credentials, latest tag: %s" % [x.message for x in tf.fatal(rsp)])
            # a local folder source whose kcl.mod depends on a registry package
            local = os.path.join(tmp, "local")
            os.makedirs(local)
            open(os.path.join(local, "kcl.mod"), "w").write(
                '[package]\nname = "local"\nversion = "0.0.1"\n\n[dependencies]\nmylib = "0.1.0"\n')
            open(os.path.join(local, "main.k"), "w").write(deps_prog)
            rsp = srv.call(V1, req(Req, local), Rsp)
            tf.check(greeting(rsp) == "hello from mylib",
                     "local source with a kcl.mod dependency: %s" % [x.message for x in tf.fatal(rsp)])
            # the registry goes away: what was fetched keeps working, with no network
            os.kill(int(os.environ["REG_PID"]), signal.SIGKILL)
            time.sleep(0.3)
            for what, r in (("oci source", req(Req, src)), ("dependencies", req(Req, deps_prog, deps='mylib = "0.1.0"'))):
                rsp = srv.call(V1, r, Rsp)
                tf.check(greeting(rsp) == "hello from mylib",
                         "%s from the package home without the registry: %s" %
                         (what, [x.message for x in tf.fatal(rsp)]))
            # something never fetched: a FATAL result, and the server goes on
            rsp = srv.call(V1, req(Req, "oci://%s/test/app:9.9.9" % REG, req_creds=good), Rsp)
            tf.check(len(tf.fatal(rsp)) == 1, "an unreachable registry: FATAL")
            rsp = srv.call(V1, req(Req, src), Rsp)
            tf.check(greeting(rsp) == "hello from mylib", "the server still answers")
            rsp = srv.call(V1, req(Req, "oci://%s" % REG), Rsp)
            f = tf.fatal(rsp)
            tf.check(len(f) == 1 and "invalid OCI source" in f[0].message,
                     "a malformed oci:// source: %s" % [x.message for x in f])
            tf.check(srv.proc.poll() is None, "the server is alive")
        finally:
            srv.stop()
    print("%d passed, %d failed" % (tf.passed, tf.failed))
    return 1 if tf.failed else 0


if __name__ == "__main__":
    sys.exit(main())
