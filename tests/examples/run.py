#!/usr/bin/env python3
"""Renders every module of examples/controlplane and asserts on the objects (not on YAML text).

The example is copied to a temporary folder, its schemas are generated there with the built
`scl import` (examples/controlplane/generate.sh), and `k8s` is mapped with -E to the real
package in ../shared. Each NixHost pipeline step is rendered at four observed stages
(nothing observed, image pending, image ready, droplet with an IPv4 address); the platform
modules once. Then every rendered object is validated with `scl vet --format yaml --schema
<Kind>` against the schema generated from its CRD, and broken inputs must fail with the
schema's own diagnostic.

Exit 0 when every check passes, 1 otherwise, 77 when ../shared is missing.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from ruamel.yaml import YAML

SRC = os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
SRC = os.path.abspath(SRC)
BIN = os.path.abspath(os.environ.get("SCL_BIN") or "./scl")
K8S = os.path.join(SRC, "..", "shared", "packages", "k8s-1.32.4")

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def run(args, cwd, ok=True):
    p = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)
    if ok and p.returncode != 0:
        print("command failed:", " ".join(args), "\n", p.stderr[:2000])
    return p


def docs(text):
    y = YAML(typ="safe")
    return [d for d in y.load_all(text) if d is not None]


def render(example, module, params=None, options=()):
    args = [BIN, "run", module, "-E", "k8s=" + K8S]
    if params is not None:
        args += ["-D", "params=" + json.dumps(params)]
    for o in options:
        args += ["-D", o]
    p = run(args, example)
    check(p.returncode == 0, "render %s %s" % (module, options))
    return docs(p.stdout) if p.returncode == 0 else []


def items(rendered):
    """function-kcl's reading of the output (crossplane-function spec §5)."""
    if len(rendered) == 1 and isinstance(rendered[0], dict) and "items" in rendered[0]:
        return rendered[0]["items"] or []
    return rendered


def resource_name(obj):
    ann = (obj.get("metadata") or {}).get("annotations") or {}
    return ann.get("krm.kcl.dev/composition-resource-name") or obj["metadata"].get("name", "")


def ready_image(slug="nixos-24-11"):
    return {"Resource": {"apiVersion": "custom.digitalocean.crossplane.io/v1alpha1",
                         "kind": "Image",
                         "status": {"atProvider": {"slug": slug, "status": "available"},
                                    "conditions": [{"type": "Ready", "status": "True",
                                                    "reason": "Available",
                                                    "lastTransitionTime": "2026-01-01T00:00:00Z"}]}},
            "ConnectionDetails": {}}


def pending_image():
    return {"Resource": {"apiVersion": "custom.digitalocean.crossplane.io/v1alpha1",
                         "kind": "Image",
                         "status": {"atProvider": {},
                                    "conditions": [{"type": "Ready", "status": "False",
                                                    "reason": "Creating",
                                                    "lastTransitionTime": "2026-01-01T00:00:00Z"}]}},
            "ConnectionDetails": {}}


XR = {"apiVersion": "platform.scl.dev/v1alpha1", "kind": "XNixHost",
      "metadata": {"name": "web"},
      "spec": {"region": "ams3", "domain": "example.net", "hostname": "web",
               "sshKeys": ["aa:bb"], "providerConfigName": "do"}}


def params(ocds):
    return {"oxr": XR, "dxr": {"apiVersion": XR["apiVersion"], "kind": XR["kind"]},
            "ocds": ocds, "dcds": {}, "ctx": {}, "extraResources": {}, "requiredResources": {}}


STAGES = {
    "nothing": {},
    "image-pending": {"image": pending_image()},
    "image-ready": {"image": ready_image()},
    "droplet-ip": {"image": ready_image(),
                   "droplet": {"Resource": {"apiVersion": "droplet.digitalocean.crossplane.io/v1alpha1",
                                            "kind": "Droplet",
                                            "spec": {"forProvider": {"image": "nixos-24-11"}},
                                            "status": {"atProvider": {"ipv4Address": "203.0.113.7"}}},
                               "ConnectionDetails": {}}},
}

# kind -> (generated module, schema) for the vet checks
SCHEMAS = {
    "Image": "digitalocean_kcl/models/v1alpha1/custom_digitalocean_crossplane_io_v1alpha1_image.k",
    "Droplet": "digitalocean_kcl/models/v1alpha1/droplet_digitalocean_crossplane_io_v1alpha1_droplet.k",
    "Domain": "digitalocean_kcl/models/v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_domain.k",
    "Record": "digitalocean_kcl/models/v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_record.k",
    "ProviderConfig": "digitalocean_kcl/models/v1beta1/digitalocean_crossplane_io_v1beta1_provider_config.k",
    "Composition": "crossplane_kcl/models/v1/apiextensions_crossplane_io_v1_composition.k",
    "CompositeResourceDefinition": "crossplane_kcl/models/v1/apiextensions_crossplane_io_v1_composite_resource_definition.k",
    "HelmRelease": "fluxcd_helm_controller_kcl/models/v2/helm_toolkit_fluxcd_io_v2_helm_release.k",
    "ClusterIssuer": "cert_manager_kcl/models/v1/cert_manager_io_v1_cluster_issuer.k",
}


def vet(example, obj, tmp, expect_ok=True):
    kind = obj["kind"]
    code = os.path.join(example, "schemas", "kcl", SCHEMAS[kind])
    data = os.path.join(tmp, "vet-%s.yaml" % kind)
    y = YAML()
    with open(data, "w") as f:
        y.dump(obj, f)
    p = run([BIN, "vet", data, code, "--format", "yaml", "--schema", kind], example, ok=expect_ok)
    return p


def main():
    if not os.path.isdir(K8S):
        print("SKIP: %s is missing" % K8S)
        return 77
    tmp = tempfile.mkdtemp(prefix="scl-examples.")
    try:
        example = os.path.join(tmp, "controlplane")
        shutil.copytree(os.path.join(SRC, "examples", "controlplane"), example,
                        ignore=shutil.ignore_patterns("schemas", "kcl.mod.lock"))
        env = dict(os.environ, SCL=BIN)
        p = subprocess.run(["sh", os.path.join(example, "generate.sh"),
                            os.path.join(SRC, "schemas", "crds")],
                           cwd=example, env=env, capture_output=True, text=True, timeout=300)
        check(p.returncode == 0, "generate.sh: " + p.stderr[:500])
        for pkg in ["digitalocean_kcl", "crossplane_kcl", "crossplane_kcl_function_kcl",
                    "cert_manager_kcl", "fluxcd_helm_controller_kcl", "flux_kcl_controller_kcl",
                    "infisical_kcl"]:
            check(os.path.isfile(os.path.join(example, "schemas", "kcl", pkg, "models", "kcl.mod")),
                  "generated package " + pkg)
        rendered = []  # every object, for the vet pass

        # {===== the pipeline steps at four stages
        for stage, ocds in STAGES.items():
            out = {}
            for step in ["image", "droplet", "dns"]:
                got = items(render(example, "digitalocean/%s.scl" % step, params(ocds)))
                out[step] = {resource_name(o): o for o in got}
                rendered += got
            image = out["image"].get("image")
            check(image is not None and image["kind"] == "Image"
                  and image["apiVersion"] == "custom.digitalocean.crossplane.io/v1alpha1",
                  "%s: the image step always asks for the Image" % stage)
            if image:
                fp = image["spec"]["forProvider"]
                check(fp["regions"] == ["ams3"], "%s: image region from the XR" % stage)
                check(image["spec"]["providerConfigRef"]["name"] == "do", "%s: provider config" % stage)
                check(image["metadata"]["name"] == "web-nixos", "%s: image name" % stage)
            gated = stage in ("nothing", "image-pending")
            check(("droplet" in out["droplet"]) == (not gated),
                  "%s: a Droplet exactly when the image is ready" % stage)
            if "droplet" in out["droplet"]:
                d = out["droplet"]["droplet"]
                check(d["kind"] == "Droplet" and d["spec"]["forProvider"]["image"] == "nixos-24-11",
                      "%s: the Droplet boots the observed image slug" % stage)
                check(d["spec"]["forProvider"]["region"] == "ams3"
                      and d["spec"]["forProvider"]["sshKeys"] == ["aa:bb"],
                      "%s: droplet region and keys from the XR" % stage)
            has_ip = stage == "droplet-ip"
            check(bool(out["dns"]) == has_ip, "%s: DNS only once the Droplet has an address" % stage)
            if has_ip:
                check(out["dns"]["domain"]["spec"]["forProvider"]["name"] == "example.net",
                      "domain name")
                recs = {k: v for k, v in out["dns"].items() if v["kind"] == "Record"}
                check(sorted(r["spec"]["forProvider"]["name"] for r in recs.values()) == ["@", "web"],
                      "A records for the apex and the host")
                check(all(r["spec"]["forProvider"]["type"] == "A"
                          and r["spec"]["forProvider"]["value"] == "203.0.113.7"
                          for r in recs.values()), "records point at the Droplet's address")
            for objs in out.values():
                for o in objs.values():
                    check("krm.kcl.dev/composition-resource-name" in o["metadata"].get("annotations", {}),
                          "%s: %s names its composition resource" % (stage, o["kind"]))

        # the Droplet stays desired once it exists, whatever the image reports
        sticky = items(render(example, "digitalocean/droplet.scl",
                              params({"image": pending_image(),
                                      "droplet": STAGES["droplet-ip"]["droplet"]})))
        check(len(sticky) == 1 and sticky[0]["spec"]["forProvider"]["image"] == "nixos-24-11",
              "an existing Droplet is kept, from the image it was made from")

        # {===== composition, XRD, example XR, provider config
        comp = render(example, "digitalocean/composition.scl")
        top = comp[0] if comp else {}
        c = top.get("composition", {})
        check(c.get("kind") == "Composition" and c["spec"]["mode"] == "Pipeline", "Composition")
        steps = c.get("spec", {}).get("pipeline", [])
        check([s["step"] for s in steps] == ["image", "droplet", "dns"], "three pipeline steps in order")
        for s in steps:
            src = open(os.path.join(example, "digitalocean", s["step"] + ".scl")).read()
            check(s["input"]["kind"] == "KCLInput" and s["input"]["spec"]["source"] == src,
                  "step %s carries its file's source" % s["step"])
            check(s["functionRef"]["name"] == "function-kcl", "function-kcl runs step " + s["step"])
        xrd = top.get("definition", {})
        check(xrd.get("kind") == "CompositeResourceDefinition"
              and xrd["spec"]["names"]["kind"] == c["spec"]["compositeTypeRef"]["kind"],
              "the XRD defines the kind the Composition composes")
        check(top.get("example", {}).get("kind") == "XNixHost", "an example XR")
        rendered += [c, xrd]
        pc = render(example, "digitalocean/provider-config.scl")
        if pc:
            rendered.append(pc[0]["providerConfig"])
            check(pc[0]["providerConfig"]["spec"]["credentials"]["source"] == "Secret",
                  "provider config reads a Secret")

        # {===== platform
        stream = render(example, "platform/helmreleases.scl")
        releases = {o["metadata"]["name"]: o for o in stream if o.get("kind") == "HelmRelease"}
        repos = {o["metadata"]["name"]: o for o in stream if o.get("kind") == "HelmRepository"}
        check(set(releases) == {"crossplane", "flux", "traefik", "cert-manager", "infisical"},
              "HelmReleases for the five charts")
        want = {"crossplane": ("crossplane", "crossplane-system"), "flux": ("flux2", "flux-system"),
                "traefik": ("traefik", "traefik"), "cert-manager": ("cert-manager", "cert-manager"),
                "infisical": ("secrets-operator", "infisical-operator-system")}
        for name, (chart, ns) in want.items():
            r = releases.get(name)
            if not r:
                continue
            spec = r["spec"]["chart"]["spec"]
            check(spec["chart"] == chart and r["spec"]["targetNamespace"] == ns,
                  "%s: chart and namespace" % name)
            check(spec["version"] not in ("", "*"), "%s: a pinned version" % name)
            check(spec["sourceRef"]["name"] in repos, "%s: its HelmRepository exists" % name)
        check(releases.get("cert-manager", {}).get("spec", {}).get("values", {}).get("crds", {}).get("enabled") is True,
              "cert-manager installs its CRDs")
        rendered += list(releases.values())
        for env, server in [("staging", "acme-staging-v02"), ("production", "acme-v02.api")]:
            ci = render(example, "platform/cluster-issuer.scl", options=["acme=" + env])
            issuer = ci[0]["clusterIssuer"] if ci else {}
            check(server in issuer.get("spec", {}).get("acme", {}).get("server", ""),
                  "ClusterIssuer for " + env)
            if issuer:
                rendered.append(issuer)
        bad = run([BIN, "run", "platform/cluster-issuer.scl", "-E", "k8s=" + K8S, "-D", "acme=prod"],
                  example, ok=False)
        check(bad.returncode == 1 and "staging or production" in bad.stderr, "a bad acme option fails")
        frp = render(example, "platform/frp.scl")
        f = frp[0] if frp else {}
        cli = f.get("client", {})
        check(cli.get("serverAddr") and cli.get("auth", {}).get("token") and len(cli.get("proxies", [])) == 2,
              "frpc configuration complete")
        check(f.get("server", {}).get("bindPort") == 7000 and f["server"]["auth"]["token"] == cli["auth"]["token"],
              "frps configuration complete, same token")
        cm = f.get("frpcConfig", {})
        check(docs(cm.get("data", {}).get("frpc.yaml", "")) == [cli], "the ConfigMap holds frpc.yaml")
        ds = f.get("frpc", {})
        check(ds.get("kind") == "DaemonSet" and ds["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"] == cm["metadata"]["name"],
              "the frpc DaemonSet mounts its configuration")
        short = run([BIN, "run", "platform/frp.scl", "-E", "k8s=" + K8S, "-D", "frp_token=short"],
                    example, ok=False)
        check(short.returncode == 1 and "16 characters" in short.stderr, "a short frp token fails")

        # {===== every rendered object against the schema generated from its CRD
        for obj in rendered:
            if obj.get("kind") not in SCHEMAS:
                continue
            p = vet(example, obj, tmp)
            check(p.returncode == 0 and "Validate success!" in p.stdout,
                  "vet %s %s: %s" % (obj["kind"], obj["metadata"].get("name"), p.stderr[:300]))
        # and broken ones fail with the schema's diagnostic
        droplet = next(o for o in rendered if o.get("kind") == "Droplet")
        broken = json.loads(json.dumps(droplet))
        broken["spec"]["deletionPolicy"] = "Keep"
        p = vet(example, broken, tmp, expect_ok=False)
        check(p.returncode == 1 and "deletionPolicy" in p.stderr, "vet: a bad enum value fails")
        broken = json.loads(json.dumps(droplet))
        broken["spec"]["forProvider"]["sizes"] = "s-1vcpu-1gb"
        p = vet(example, broken, tmp, expect_ok=False)
        check(p.returncode == 1 and "sizes" in p.stderr, "vet: an unknown field fails")
        broken = json.loads(json.dumps(next(o for o in rendered if o.get("kind") == "ProviderConfig")))
        del broken["spec"]["credentials"]["source"]
        p = vet(example, broken, tmp, expect_ok=False)
        check(p.returncode == 1 and "source" in p.stderr, "vet: a missing required field fails")
        # the same mistakes written in a module fail at run time with the schema's diagnostic
        with open(os.path.join(example, "digitalocean", "bad.scl"), "w") as f:
            f.write(open(os.path.join(example, "digitalocean", "image.scl")).read()
                    .replace('distribution = "Unknown OS"', 'distributions = "Unknown OS"'))
        p = run([BIN, "run", "digitalocean/bad.scl", "-E", "k8s=" + K8S], example, ok=False)
        check(p.returncode == 1 and "distributions" in p.stderr and "bad.scl" in p.stderr,
              "a wrong field name in a module fails, located")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
