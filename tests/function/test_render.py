#!/usr/bin/env python3
"""`scl function render`: the DigitalOcean pipeline of examples/controlplane, rendered in-process.

examples/controlplane is copied to a temporary folder and its schemas generated there with the
built `scl import`; `scl run digitalocean/composition.scl -S composition` (and `-S example`)
write the Composition and the example XR, which `scl function render` renders at the four
observed stages (nothing observed; image pending; image ready; droplet with an address). Then a
pipeline with a step that is not a KCLInput (skipped, noted on stderr), context files chained
through the steps, results (-r), the context (--include-context), a functions file, and a FATAL
step.

The output is read with PyYAML or ruamel.yaml when one is installed, else with `scl run`'s own
yaml.decode_all. Exit 0 when every check passes, 1 otherwise, 77 without ../shared's k8s package.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

SRC = os.path.abspath(os.environ.get("SCL_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.abspath(os.environ.get("SCL_BUILDDIR") or ".")
SCL = os.path.join(BUILD, "scl")
K8S = os.path.join(SRC, "..", "shared", "packages", "k8s-1.32.4")
NAME_ANN = "crossplane.io/composition-resource-name"

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def yaml_loader(tmp):
    try:
        import yaml
        return lambda text: [d for d in yaml.safe_load_all(text) if d is not None]
    except ImportError:
        pass
    try:
        from ruamel.yaml import YAML
        y = YAML(typ="safe", pure=True)
        return lambda text: [d for d in y.load_all(text) if d is not None]
    except ImportError:
        pass
    conv = os.path.join(tmp, "conv.k")
    with open(conv, "w") as f:
        f.write('import yaml\nimport file\ndocs = yaml.decode_all(file.read(option("f")))\n')

    def load(text):
        path = os.path.join(tmp, "out.yaml")
        with open(path, "w") as f:
            f.write(text)
        p = subprocess.run([SCL, "run", conv, "-D", "f=" + path, "--format", "json"],
                           capture_output=True, text=True, timeout=60)
        return [d for d in json.loads(p.stdout)["docs"] if d is not None]
    return load


def write(path, obj):
    """JSON is YAML: the inputs are written as JSON (one document per object)."""
    with open(path, "w") as f:
        for o in obj if isinstance(obj, list) else [obj]:
            f.write("---\n" + json.dumps(o, indent=1) + "\n")
    return path


def image(ready, slug="nixos-24-11"):
    status = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if slug:
        status["atProvider"] = {"slug": slug}
    return {"apiVersion": "custom.digitalocean.crossplane.io/v1alpha1", "kind": "Image",
            "metadata": {"name": "web-nixos", "annotations": {NAME_ANN: "image"}}, "status": status}


def droplet(ip):
    return {"apiVersion": "droplet.digitalocean.crossplane.io/v1alpha1", "kind": "Droplet",
            "metadata": {"name": "web-droplet", "annotations": {NAME_ANN: "droplet"}},
            "spec": {"forProvider": {"image": "nixos-24-11"}},
            "status": {"atProvider": {"ipv4Address": ip}}}


def main():
    if not os.path.isdir(K8S):
        print("SKIP: no k8s package at", K8S)
        return 77
    tmp = tempfile.mkdtemp(prefix="scl-render-")
    try:
        load = yaml_loader(tmp)
        cp = os.path.join(tmp, "controlplane")
        shutil.copytree(os.path.join(SRC, "examples", "controlplane"), cp,
                        ignore=shutil.ignore_patterns("kcl", "kcl.mod.lock"))
        env = dict(os.environ, SCL=SCL)
        subprocess.run(["sh", os.path.join(cp, "generate.sh"), os.path.join(SRC, "schemas", "crds")],
                       check=True, env=env, stdout=subprocess.DEVNULL, timeout=300)
        xr_file = os.path.join(tmp, "xr.yaml")
        comp_file = os.path.join(tmp, "composition.yaml")
        comp_json = os.path.join(tmp, "composition.json")
        for sel, out, fmt in (("example", xr_file, "yaml"), ("composition", comp_file, "yaml"),
                              ("composition", comp_json, "json")):
            subprocess.run([SCL, "run", os.path.join(cp, "digitalocean", "composition.scl"),
                            "-E", "k8s=" + K8S, "-S", sel, "--format", fmt, "-o", out],
                           check=True, cwd=cp, timeout=120)
        pkgs = ["--root", cp, "-E", "k8s=" + K8S]

        def render(*args, ok=True):
            p = subprocess.run([SCL, "function", "render"] + list(args) + pkgs,
                               capture_output=True, text=True, timeout=120)
            if ok and p.returncode != 0:
                print("render %s: rc %d\n%s" % (" ".join(args), p.returncode, p.stderr))
            return p

        def stage(what, observed=None, expect=()):
            args = [xr_file, comp_file] + (["--observed-resources", observed] if observed else [])
            p = render(*args)
            check(p.returncode == 0, "%s: exit 0 (%d)" % (what, p.returncode))
            docs = load(p.stdout) if p.returncode == 0 else []
            names = [d.get("metadata", {}).get("annotations", {}).get(NAME_ANN) for d in docs[1:]]
            check(names == list(expect), "%s: composed resources %r, want %r" % (what, names, list(expect)))
            return docs

        # stage 1: nothing observed -> the XR and the image
        docs = stage("nothing observed", None, ["image"])
        if docs:
            xr = docs[0]
            check(xr.get("apiVersion") == "platform.scl.dev/v1alpha1" and xr.get("kind") == "XNixHost"
                  and xr.get("metadata", {}).get("name") == "web", "the XR comes first: %r" % xr)
            check("spec" not in xr, "without -x the XR carries no spec")
            img = docs[1]
            md = img.get("metadata", {})
            check(img.get("kind") == "Image" and md.get("name") == "web-nixos", "the Image: %r" % md)
            check(md.get("annotations") == {NAME_ANN: "image"},
                  "only the composition-resource-name annotation (krm.kcl.dev's removed): %r" % md.get("annotations"))
            check(md.get("labels", {}).get("crossplane.io/composite") == "web", "composite label")
            owner = (md.get("ownerReferences") or [{}])[0]
            check(owner.get("kind") == "XNixHost" and owner.get("name") == "web" and owner.get("controller") is True,
                  "owned by the XR: %r" % owner)
            check(img.get("spec", {}).get("forProvider", {}).get("regions") == ["ams3"], "image region")

        # stage 2: the image is pending -> still no droplet
        stage("image pending", write(os.path.join(tmp, "pending.yaml"), image(False, None)), ["image"])

        # stage 3: the image is ready -> the droplet, after the image (step order)
        docs = stage("image ready", write(os.path.join(tmp, "ready.yaml"), image(True)), ["image", "droplet"])
        if len(docs) == 3:
            fp = docs[2].get("spec", {}).get("forProvider", {})
            check(docs[2].get("kind") == "Droplet" and docs[2]["metadata"].get("name") == "web-droplet",
                  "the Droplet: %r" % docs[2].get("metadata"))
            check(fp.get("image") == "nixos-24-11" and fp.get("region") == "ams3" and fp.get("name") == "web",
                  "droplet forProvider: %r" % fp)

        # stage 4: the droplet has an address -> domain and records (a folder of observed files)
        obs = os.path.join(tmp, "observed")
        os.mkdir(obs)
        write(os.path.join(obs, "image.yaml"), image(True))
        write(os.path.join(obs, "droplet.yaml"), droplet("203.0.113.7"))
        with open(os.path.join(obs, "README.txt"), "w") as f:
            f.write("not YAML: ignored\n")
        docs = stage("droplet with an address", obs,
                     ["image", "droplet", "domain", "record-apex", "record-web"])
        recs = {d["metadata"]["annotations"][NAME_ANN]: d for d in docs[1:]}
        rec = recs.get("record-apex", {}).get("spec", {}).get("forProvider", {})
        check(rec.get("value") == "203.0.113.7" and rec.get("ttl") == 300 and rec.get("type") == "A",
              "apex record: %r" % rec)
        check(recs.get("domain", {}).get("spec", {}).get("forProvider", {}).get("name") == "example.net",
              "domain name")
        check(recs.get("record-web", {}).get("metadata", {}).get("name") == "web-a-web", "web record name")

        # an observed resource without the annotation is refused
        bad = dict(image(True), metadata={"name": "web-nixos"})
        p = render(xr_file, comp_file, "-o", write(os.path.join(tmp, "bad.yaml"), bad), ok=False)
        check(p.returncode != 0 and NAME_ANN in p.stderr, "observed resource without a name: %r" % p.stderr)

        # a pipeline with a non-KCL step, context files, results and the context
        comp = json.load(open(comp_json))
        steps = comp["spec"]["pipeline"]
        ctx_step = {"step": "context", "functionRef": {"name": "function-kcl"},
                    "input": {"apiVersion": "krm.kcl.dev/v1alpha1", "kind": "KCLInput",
                              "spec": {"source": '\n'.join([
                                  '_c = option("params").ctx',
                                  'items = [{',
                                  '    apiVersion = "meta.krm.kcl.dev/v1alpha1"',
                                  '    kind = "Context"',
                                  '    data.seen = _c.env.region + "/" + str(len(option("params").dcds))',
                                  '}, {',
                                  '    apiVersion = "meta.krm.kcl.dev/v1alpha1"',
                                  '    kind = "Events"',
                                  '    events = [{event.message = "context read"}]',
                                  '}]'])}}}
        reader = {"step": "reader", "functionRef": {"name": "function-kcl"},
                  "input": {"apiVersion": "krm.kcl.dev/v1alpha1", "kind": "KCLInput",
                            "spec": {"source": '\n'.join([
                                '_p = option("params")',
                                'items = [{',
                                '    apiVersion = "v1"',
                                '    kind = "ConfigMap"',
                                '    metadata.name = "aaa-seen"',
                                '    data.seen = _p.ctx.seen',
                                '    data.flag = str(_p.ctx.flag)',
                                '}, {apiVersion = _p.oxr.apiVersion, kind = _p.oxr.kind, status.phase = "rendered"}]'])}}}
        auto = {"step": "auto-ready", "functionRef": {"name": "function-auto-ready"}}
        comp["spec"]["pipeline"] = [steps[0], auto, ctx_step, reader] + steps[1:]
        comp2 = write(os.path.join(tmp, "composition2.yaml"), comp)
        ctxf = write(os.path.join(tmp, "env.json"), {"region": "fra1"})
        p = render(xr_file, comp2, "--context-files", "env=" + ctxf, "--context-values", "flag=true",
                   "-o", os.path.join(tmp, "ready.yaml"), "-r", "--include-context")
        check(p.returncode == 0, "mixed pipeline: exit 0")
        check('step "auto-ready"' in p.stderr and "skipped" in p.stderr,
              "the non-KCL step is skipped with a note on stderr: %r" % p.stderr)
        docs = load(p.stdout) if p.returncode == 0 else [{}]
        kinds = [d.get("kind") for d in docs]
        check(kinds == ["XNixHost", "Image", "ConfigMap", "Droplet", "Result", "Context"],
              "XR, resources in step order, result, context: %r" % kinds)
        check(docs[0].get("status") == {"phase": "rendered"}, "the XR's desired status: %r" % docs[0])
        byname = {d.get("metadata", {}).get("annotations", {}).get(NAME_ANN): d for d in docs}
        check(byname.get("aaa-seen", {}).get("data") == {"seen": "fra1/1", "flag": "True"},
              "context chained from the files through the steps, desired through the skipped step: %r"
              % byname.get("aaa-seen"))
        res = [d for d in docs if d.get("kind") == "Result"]
        check(res and res[0].get("step") == "context" and res[0].get("severity") == "SEVERITY_NORMAL"
              and res[0].get("message") == "context read" and res[0].get("apiVersion") == "render.crossplane.io/v1beta1",
              "the step's result: %r" % res)
        ctx = [d for d in docs if d.get("kind") == "Context"]
        check(ctx and ctx[0].get("fields") == {"env": {"region": "fra1"}, "flag": True, "seen": "fra1/1"},
              "the final context: %r" % ctx)
        # without -r and --include-context: neither
        p = render(xr_file, comp2, "--context-files", "env=" + ctxf, "--context-values", "flag=true")
        kinds = [d.get("kind") for d in load(p.stdout)] if p.returncode == 0 else []
        check(kinds == ["XNixHost", "Image", "ConfigMap"], "no results or context by default: %r" % kinds)
        # -x: the whole XR
        p = render(xr_file, comp_file, "-x")
        docs = load(p.stdout) if p.returncode == 0 else [{}]
        check(docs[0].get("spec", {}).get("domain") == "example.net", "-x prints the XR's spec")

        # a functions file: every step's Function must be in it
        fns = [{"apiVersion": "pkg.crossplane.io/v1", "kind": "Function",
                "metadata": {"name": n}, "spec": {"package": "example/" + n}}
               for n in ("function-kcl", "function-auto-ready")]
        p = render(xr_file, comp2, write(os.path.join(tmp, "functions.yaml"), fns),
                   "--context-files", "env=" + ctxf, "--context-values", "flag=1")
        check(p.returncode == 0, "with a functions file: exit 0")
        p = render(xr_file, comp2, write(os.path.join(tmp, "functions1.yaml"), fns[:1]), ok=False)
        check(p.returncode != 0 and "function-auto-ready" in p.stderr,
              "a Function missing from the functions file: %r" % p.stderr)

        # a FATAL result stops the render: exit 1, the step and message on stderr
        comp["spec"]["pipeline"] = [steps[0], {"step": "boom", "functionRef": {"name": "function-kcl"},
                                               "input": {"apiVersion": "krm.kcl.dev/v1alpha1", "kind": "KCLInput",
                                                         "spec": {"source": 'assert False, "boom here"'}}}]
        p = render(xr_file, write(os.path.join(tmp, "composition3.yaml"), comp), ok=False)
        check(p.returncode == 1 and 'step "boom"' in p.stderr and "boom here" in p.stderr and not p.stdout,
              "fatal step: %d %r" % (p.returncode, p.stderr))
        # not a Pipeline, a wrong XR, a missing file
        comp["spec"]["mode"] = "Resources"
        p = render(xr_file, write(os.path.join(tmp, "composition4.yaml"), comp), ok=False)
        check(p.returncode == 1 and "Pipeline" in p.stderr, "a Resources-mode Composition is refused")
        p = render(os.path.join(tmp, "nope.yaml"), comp_file, ok=False)
        check(p.returncode == 1 and "nope.yaml" in p.stderr, "a missing XR file")
        p = render(xr_file, ok=False)
        check(p.returncode == 2 and "usage" in p.stderr, "usage without a Composition")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
