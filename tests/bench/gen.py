#!/usr/bin/env python3
"""Benchmark input generator: writes the scl/KCL workload programs for chosen sizes.

Each program is plain KCL (it must give the same output under `kcl run`).  Next to every
program X.k the generator writes X.expected, the exact stdout that `scl run X.k` must print,
computed here independently in Python, so the runner can also check correctness.

Workloads (see README.md):
  w1_schema  N Deployments + Services from a typed, checked config (schemas, yaml_stream)
  w1_plain   the same manifests built from plain dicts (no schemas, top-level list output)
  w2_merge   an N-key base dict overlaid by 10 overlays (5 with `|`, 5 with `:` unification)
  w3_compute an N-entry dict built with formatting/interpolation, filtered and aggregated
  w4_startup one tiny object (process start-up and fixed costs)

Usage: gen.py OUTDIR [--w1 N] [--w2 N] [--w3 N] [--only NAME[,NAME...]]
Prints one line per program: NAME N PATH.
"""

import argparse
import os
import re
import sys

DEFAULT_SIZES = {"w1": 20000, "w2": 5000, "w3": 200000}
WORKLOADS = ("w1_schema", "w1_plain", "w2_merge", "w3_compute", "w4_startup")

# ---------------------------------------------------------------------------------------
# A minimal YAML emitter for the expected outputs.  It only accepts the value shapes the
# workloads produce (dict, list, int, bool, and strings over a safe alphabet) and follows
# the KCL/libyaml block layout: sequences inside mappings are not indented, a mapping in a
# sequence starts on the dash line, empty collections are flow `{}` / `[]`.

_SAFE_STR = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./:=-]*$")
_YAML_WORDS = {"y", "yes", "n", "no", "on", "off", "true", "false", "null", "nil", "~",
               "nan"}


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        if not _SAFE_STR.match(v) or v.endswith(":") or ": " in v:
            raise ValueError("string outside the emitter's safe subset: %r" % v)
        if v[0].isdigit() or v.lower() in _YAML_WORDS:
            return "'" + v + "'"
        return v
    if isinstance(v, dict) and not v:
        return "{}"
    if isinstance(v, list) and not v:
        return "[]"
    raise ValueError("unsupported value for the expected-output emitter: %r" % (v,))


def _emit_map(d, ind, out):
    for k, v in d.items():
        key = _scalar(k)
        if isinstance(v, dict) and v:
            out.append("%s%s:" % (ind, key))
            _emit_map(v, ind + "  ", out)
        elif isinstance(v, list) and v:
            out.append("%s%s:" % (ind, key))
            _emit_seq(v, ind, out)
        else:
            out.append("%s%s: %s" % (ind, key, _scalar(v)))


def _emit_seq(items, ind, out):
    for item in items:
        if isinstance(item, dict) and item:
            sub = []
            _emit_map(item, ind + "  ", sub)
            sub[0] = ind + "- " + sub[0][len(ind) + 2:]
            out.extend(sub)
        elif isinstance(item, list) and item:
            raise ValueError("nested sequences are not used by the workloads")
        else:
            out.append("%s- %s" % (ind, _scalar(item)))


def yaml_doc(value):
    out = []
    if isinstance(value, dict) and value:
        _emit_map(value, "", out)
    elif isinstance(value, list) and value:
        _emit_seq(value, "", out)
    else:
        out.append(_scalar(value))
    return "\n".join(out)


def yaml_stream(docs):
    return "\n---\n".join(yaml_doc(d) for d in docs) + "\n"


# ---------------------------------------------------------------------------------------
# W1 fleet

ENVS = ("dev", "staging", "prod")
CPUS = ("100m", "250m", "500m")
MEMS = ("128Mi", "256Mi", "512Mi")


def _w1_apps(n):
    width = max(5, len(str(n - 1)))
    apps = []
    for i in range(n):
        name = "app-%0*d" % (width, i)
        team = "team-%02d" % (i % 37)
        apps.append({
            "name": name,
            "team": team,
            "image": "registry.example.com/%s/%s:1.%d.0" % (team, name, i % 10),
            "env": ENVS[i % 3],
            "replicas": 1 + i % 5,
            "port": 8000 + i % 100,
            "cpu": CPUS[(i // 3) % 3],
            "memory": MEMS[(i // 9) % 3],
        })
    return apps


def _w1_apps_source(apps, annotation):
    lines = ["_apps%s = [" % annotation]
    for a in apps:
        lines.append(
            '    {name = "%(name)s", team = "%(team)s", image = "%(image)s", env = "%(env)s",'
            ' replicas = %(replicas)d, port = %(port)d, cpu = "%(cpu)s",'
            ' memory = "%(memory)s"}' % a)
    lines.append("]")
    return "\n".join(lines) + "\n"


def _w1_expected(apps):
    docs = []
    for a in apps:
        labels = {"app": a["name"], "team": a["team"], "env": a["env"]}
        res = {"cpu": a["cpu"], "memory": a["memory"]}
        docs.append({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": a["name"], "namespace": a["team"], "labels": dict(labels)},
            "spec": {
                "replicas": a["replicas"],
                "selector": {"matchLabels": {"app": a["name"]}},
                "template": {
                    "metadata": {"labels": dict(labels)},
                    "spec": {"containers": [{
                        "name": a["name"],
                        "image": a["image"],
                        "ports": [{"containerPort": a["port"], "protocol": "TCP"}],
                        "resources": {"requests": dict(res), "limits": dict(res)},
                        "env": [{"name": "APP_NAME", "value": a["name"]},
                                {"name": "APP_ENV", "value": a["env"]}],
                    }]},
                },
            },
        })
        docs.append({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": a["name"], "namespace": a["team"], "labels": dict(labels)},
            "spec": {
                "type": "ClusterIP",
                "selector": {"app": a["name"]},
                "ports": [{"name": "http", "port": 80, "targetPort": a["port"],
                           "protocol": "TCP"}],
            },
        })
    return yaml_stream(docs)


W1_SCHEMA_HEAD = '''\
# W1 fleet, schema form: %(n)d Deployments + Services from a typed, checked config.
import manifests

schema AppConfig:
    name: str
    team: str
    image: str
    env: "dev" | "staging" | "prod"
    replicas: int = 1
    port: int = 8080
    cpu: str = "100m"
    memory: str = "128Mi"

    check:
        len(name) > 0 and len(name) <= 63, "name must have 1 to 63 characters"
        replicas >= 1 and replicas <= 50, "replicas must be within 1..50"
        port > 1024 and port < 65536, "port must be an unprivileged port"
        image.startswith("registry.example.com/"), "images come from the internal registry"

schema Metadata:
    name?: str
    namespace?: str
    labels: {str:str} = {}

schema EnvVar:
    name: str
    value: str

schema ContainerPort:
    containerPort: int
    protocol: "TCP" | "UDP" = "TCP"

schema ResourceList:
    cpu: str
    memory: str

schema Resources:
    requests: ResourceList
    limits: ResourceList

schema Container:
    name: str
    image: str
    ports: [ContainerPort] = []
    resources: Resources
    env: [EnvVar] = []

    check:
        len(ports) > 0, "a container must expose a port"

schema PodSpec:
    containers: [Container]

    check:
        len(containers) >= 1, "a pod needs a container"

schema PodTemplate:
    metadata: Metadata
    spec: PodSpec

schema LabelSelector:
    matchLabels: {str:str}

schema DeploymentSpec:
    replicas: int
    selector: LabelSelector
    template: PodTemplate

    check:
        replicas >= 1, "replicas must be positive"
        all k, v in selector.matchLabels {
            template.metadata.labels[k] == v
        }, "the selector must match the pod labels"

schema Deployment:
    apiVersion: "apps/v1" = "apps/v1"
    kind: "Deployment" = "Deployment"
    metadata: Metadata
    spec: DeploymentSpec

schema ServicePort:
    name: str
    port: int
    targetPort: int
    protocol: "TCP" | "UDP" = "TCP"

    check:
        port > 0 and port < 65536, "invalid service port"

schema ServiceSpec:
    $type: "ClusterIP" | "NodePort" | "LoadBalancer" = "ClusterIP"
    selector: {str:str}
    ports: [ServicePort]

schema Service:
    apiVersion: "v1" = "v1"
    kind: "Service" = "Service"
    metadata: Metadata
    spec: ServiceSpec

_deployment = lambda a: AppConfig -> Deployment {
    commonLabels = {app = a.name, team = a.team, env = a.env}
    res = {cpu = a.cpu, memory = a.memory}
    d = Deployment {
        metadata = Metadata {name = a.name, namespace = a.team, labels = commonLabels}
        spec = DeploymentSpec {
            replicas = a.replicas
            selector.matchLabels = {app = a.name}
            template = {
                metadata.labels = commonLabels
                spec.containers = [{
                    name = a.name
                    image = a.image
                    ports = [{containerPort = a.port}]
                    resources = {requests = res, limits = res}
                    env = [{name = "APP_NAME", value = a.name}, {name = "APP_ENV", value = a.env}]
                }]
            }
        }
    }
    d
}

_service = lambda a: AppConfig -> Service {
    s = Service {
        metadata = Metadata {
            name = a.name
            namespace = a.team
            labels = {app = a.name, team = a.team, env = a.env}
        }
        spec = ServiceSpec {
            selector = {app = a.name}
            ports = [ServicePort {name = "http", port = 80, targetPort = a.port}]
        }
    }
    s
}

'''

W1_SCHEMA_TAIL = '''
_manifests = [m for a in _apps for m in [_deployment(a), _service(a)]]
manifests.yaml_stream(_manifests)
'''

W1_PLAIN_HEAD = '''\
# W1 fleet, plain-dict form: %(n)d Deployments + Services from plain dicts, no schemas.
_deployment = lambda a {
    commonLabels = {app = a.name, team = a.team, env = a.env}
    res = {cpu = a.cpu, memory = a.memory}
    d = {
        apiVersion = "apps/v1"
        kind = "Deployment"
        metadata = {name = a.name, namespace = a.team, labels = commonLabels}
        spec = {
            replicas = a.replicas
            selector = {matchLabels = {app = a.name}}
            template = {
                metadata = {labels = commonLabels}
                spec = {
                    containers = [{
                        name = a.name
                        image = a.image
                        ports = [{containerPort = a.port, protocol = "TCP"}]
                        resources = {requests = res, limits = res}
                        env = [{name = "APP_NAME", value = a.name}, {name = "APP_ENV", value = a.env}]
                    }]
                }
            }
        }
    }
    d
}

_service = lambda a {
    s = {
        apiVersion = "v1"
        kind = "Service"
        metadata = {
            name = a.name
            namespace = a.team
            labels = {app = a.name, team = a.team, env = a.env}
        }
        spec = {
            "type" = "ClusterIP"
            selector = {app = a.name}
            ports = [{name = "http", port = 80, targetPort = a.port, protocol = "TCP"}]
        }
    }
    s
}

'''

W1_PLAIN_TAIL = '''
[m for a in _apps for m in [_deployment(a), _service(a)]]
'''


def gen_w1(n, schema):
    apps = _w1_apps(n)
    if schema:
        src = (W1_SCHEMA_HEAD % {"n": n} + _w1_apps_source(apps, ": [AppConfig]")
               + W1_SCHEMA_TAIL)
    else:
        src = W1_PLAIN_HEAD % {"n": n} + _w1_apps_source(apps, "") + W1_PLAIN_TAIL
    return src, _w1_expected(apps)


# ---------------------------------------------------------------------------------------
# W2 merge

TIERS = ("frontend", "backend", "data")
ZONES = ("zone-a", "zone-b", "zone-c", "zone-d")
N_OVERLAYS = 10
PIPE_OVERLAYS = 5      # overlays 1..5 are applied with `|`, 6..10 by `:` unification
NEW_KEYS_PER_OVERLAY = 20


def _w2_base(n):
    width = max(5, len(str(n - 1)))
    base = {}
    for i in range(n):
        base["svc-%0*d" % (width, i)] = {
            "replicas": 1 + i % 3,
            "image": "base/svc-%d:1.0" % (i % 50),
            "port": 9000 + i % 500,
            "enabled": True,
            "labels": {"tier": TIERS[i % 3], "zone": ZONES[i % 4]},
        }
    return base, width


def _w2_overlay(j, n, width):
    """Overlay j: list of (key, fields) where fields maps a field to (op, value)."""
    entries = []
    for i in range(n):
        if (i * 7 + j) % 10 >= 2:          # touches about 20% of the keys
            continue
        f = {}
        if j % 2:
            f["replicas"] = ("=", 1 + (i + j) % 7)
        else:
            f["image"] = ("=", "overlay-%d/svc-%d:%d.%d" % (j, i % 50, j, i % 3))
        if (i + j) % 11 == 0:
            f["enabled"] = ("=", False)
        f["labels"] = (":", {"overlay": "o%d" % j, "layer-%d" % j: "set"})
        entries.append(("svc-%0*d" % (width, i), f))
    for k in range(NEW_KEYS_PER_OVERLAY):
        entries.append(("new-o%d-%d" % (j, k), {
            "replicas": ("=", 1),
            "image": ("=", "overlay-%d/new-%d:1.0" % (j, k)),
            "port": ("=", 7000 + k),
            "enabled": ("=", True),
            "labels": ("=", {"tier": "extra", "zone": ZONES[k % 4]}),
        }))
    return entries


def _kcl_value(v):
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"%s"' % v
    if isinstance(v, dict):
        return "{" + ", ".join('"%s" = %s' % (k, _kcl_value(x)) for k, x in v.items()) + "}"
    raise ValueError(v)


def _kcl_fields(fields):
    return "{" + ", ".join("%s %s %s" % (k, op, _kcl_value(v)) if op == "="
                           else "%s%s %s" % (k, op, _kcl_value(v))
                           for k, (op, v) in fields.items()) + "}"


def _apply_overlay(acc, entries):
    for key, fields in entries:
        if key not in acc:
            acc[key] = {k: (dict(v) if isinstance(v, dict) else v)
                        for k, (op, v) in fields.items()}
            continue
        cur = acc[key]
        for k, (op, v) in fields.items():
            if op == ":" and isinstance(v, dict) and isinstance(cur.get(k), dict):
                cur[k].update(v)
            else:
                cur[k] = dict(v) if isinstance(v, dict) else v


def gen_w2(n):
    base, width = _w2_base(n)
    lines = ["# W2 merge: a %d-key base dict overlaid by %d overlays (%d with `|`, %d with"
             " `:` unification)." % (n, N_OVERLAYS, PIPE_OVERLAYS, N_OVERLAYS - PIPE_OVERLAYS),
             "_base = {"]
    for key, v in base.items():
        lines.append('    "%s": {replicas = %d, image = "%s", port = %d, enabled = True,'
                     ' labels = {tier = "%s", zone = "%s"}}'
                     % (key, v["replicas"], v["image"], v["port"], v["labels"]["tier"],
                        v["labels"]["zone"]))
    lines.append("}")
    acc = {k: {f: (dict(x) if isinstance(x, dict) else x) for f, x in v.items()}
           for k, v in base.items()}
    prev = "_base"
    for j in range(1, N_OVERLAYS + 1):
        entries = _w2_overlay(j, n, width)
        _apply_overlay(acc, entries)
        body = ['    "%s": %s' % (key, _kcl_fields(f)) for key, f in entries]
        if j <= PIPE_OVERLAYS:
            lines.append("_o%d = {" % j)
            lines.extend(body)
            lines.append("}")
            lines.append("_s%d = %s | _o%d" % (j, prev, j))
        else:
            lines.append("_s%d = {" % j)
            lines.append("    **%s" % prev)
            lines.extend(body)
            lines.append("}")
        prev = "_s%d" % j
    lines.append("merged = %s" % prev)
    lines.append("count = len(merged)")
    lines.append("enabled = len([k for k, v in merged if v.enabled])")
    lines.append("replicas = sum([v.replicas for k, v in merged])")
    src = "\n".join(lines) + "\n"
    expected = yaml_doc({
        "merged": acc,
        "count": len(acc),
        "enabled": sum(1 for v in acc.values() if v["enabled"]),
        "replicas": sum(v["replicas"] for v in acc.values()),
    }) + "\n"
    return src, expected


# ---------------------------------------------------------------------------------------
# W3 compute

W3_SOURCE = '''\
# W3 compute: a %(n)d-entry dict built with formatting and interpolation, then filtered
# and aggregated with comprehensions, sum and len.
_n = %(n)d
_data = {"k${i}": "v{}-{}".format(i %% 1000, i) for i in range(_n)}
_selected = {k: v for k, v in _data if v.startswith("v7")}
_nums = [i * 7919 %% 10007 for i in range(_n)]
stats = {
    entries = len(_data)
    selected = len(_selected)
    total_chars = sum([len(k) + len(v) for k, v in _data])
    selected_chars = sum([len(v) for k, v in _selected])
    checksum = sum(_nums)
    above = len([x for x in _nums if x > 5000])
    largest = max(_nums)
    sample = [v for k, v in _selected][:3]
    keys = ["${k}=${v}" for k, v in _data if k.endswith("99999")]
}
'''


def gen_w3(n):
    data = {"k%d" % i: "v%d-%d" % (i % 1000, i) for i in range(n)}
    sel = {k: v for k, v in data.items() if v.startswith("v7")}
    nums = [i * 7919 % 10007 for i in range(n)]
    stats = {
        "entries": len(data),
        "selected": len(sel),
        "total_chars": sum(len(k) + len(v) for k, v in data.items()),
        "selected_chars": sum(len(v) for v in sel.values()),
        "checksum": sum(nums),
        "above": len([x for x in nums if x > 5000]),
        "largest": max(nums),
        "sample": list(sel.values())[:3],
        "keys": ["%s=%s" % (k, v) for k, v in data.items() if k.endswith("99999")],
    }
    return W3_SOURCE % {"n": n}, yaml_doc({"stats": stats}) + "\n"


# ---------------------------------------------------------------------------------------
# W4 startup

W4_SOURCE = '''\
# W4 startup: one tiny object; measures process start-up and fixed costs.
app = {name = "tiny", replicas = 1}
'''


def gen_w4():
    return W4_SOURCE, "app:\n  name: tiny\n  replicas: 1\n"


# ---------------------------------------------------------------------------------------

def generate(outdir, sizes, only):
    os.makedirs(outdir, exist_ok=True)
    made = []
    for name in WORKLOADS:
        if only and name not in only:
            continue
        if name == "w1_schema":
            n = sizes["w1"]
            src, exp = gen_w1(n, True)
        elif name == "w1_plain":
            n = sizes["w1"]
            src, exp = gen_w1(n, False)
        elif name == "w2_merge":
            n = sizes["w2"]
            src, exp = gen_w2(n)
        elif name == "w3_compute":
            n = sizes["w3"]
            src, exp = gen_w3(n)
        else:
            n = 1
            src, exp = gen_w4()
        base = os.path.join(outdir, "%s_%d" % (name, n))
        with open(base + ".k", "w", encoding="utf-8") as f:
            f.write(src)
        with open(base + ".expected", "w", encoding="utf-8") as f:
            f.write(exp)
        made.append((name, n, base + ".k"))
    return made


def _positive(s):
    v = int(s)
    if v < 1:
        raise argparse.ArgumentTypeError("size must be >= 1")
    return v


def main(argv):
    p = argparse.ArgumentParser(description="Write the scl benchmark programs.")
    p.add_argument("outdir")
    p.add_argument("--w1", type=_positive, default=DEFAULT_SIZES["w1"],
                   help="W1 fleet size N (apps; 2N documents) [%(default)s]")
    p.add_argument("--w2", type=_positive, default=DEFAULT_SIZES["w2"],
                   help="W2 base dict keys [%(default)s]")
    p.add_argument("--w3", type=_positive, default=DEFAULT_SIZES["w3"],
                   help="W3 dict entries [%(default)s]")
    p.add_argument("--only", default="",
                   help="comma-separated subset of: " + ", ".join(WORKLOADS))
    args = p.parse_args(argv)
    only = {x for x in args.only.split(",") if x}
    bad = only - set(WORKLOADS)
    if bad:
        p.error("unknown workload(s): " + ", ".join(sorted(bad)))
    sizes = {"w1": args.w1, "w2": args.w2, "w3": args.w3}
    for name, n, path in generate(args.outdir, sizes, only):
        print(name, n, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
