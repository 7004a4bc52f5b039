#!/usr/bin/env python3
"""Writes schemas/k8s-meta/meta_v1.json: the Kubernetes ObjectMeta, ManagedFieldsEntry and OwnerReference
definitions that `scl import -m crd` writes as models/k8s/apimachinery/pkg/apis/meta/v1/*.k.

Source: the Kubernetes OpenAPI v3 document (kubernetes/kubernetes api/openapi-spec/v3,
Apache-2.0), e.g. shared/openapi/kubernetes/apis__apps__v1_openapi.json. The definitions are
turned into Swagger 2.0 form: references to Time become date-time strings, FieldsV1 an
object, the other two references #/definitions/ ones; defaults are dropped (the required
fields of OwnerReference stay required); each gets its x-kcl-type.

usage: scripts/gen-import-meta.py OPENAPI.json > schemas/k8s-meta/meta_v1.json
(the build embeds that file into scl as cli/import_meta.c)
"""
import json
import sys

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
FILES = {"ObjectMeta": "object_meta", "ManagedFieldsEntry": "managed_fields_entry",
         "OwnerReference": "owner_reference"}


def convert(s):
    out = {}
    ref = None
    if "allOf" in s and len(s["allOf"]) == 1 and "$ref" in s["allOf"][0]:
        ref = s["allOf"][0]["$ref"]
    elif "$ref" in s:
        ref = s["$ref"]
    if ref:
        name = ref.rsplit("/", 1)[1]
        short = name[len(META):] if name.startswith(META) else name
        if short == "Time":
            out = {"type": "string", "format": "date-time"}
        elif short == "FieldsV1":
            out = {"type": "object"}
        else:
            out = {"$ref": "#/definitions/" + name}
        if "description" in s and "$ref" not in out:
            out["description"] = s["description"]
        return out
    for k, v in s.items():
        if k in ("default",) or k.startswith("x-kubernetes-"):
            continue
        if k == "properties":
            out[k] = {p: convert(ps) for p, ps in v.items()}
        elif k in ("items", "additionalProperties") and isinstance(v, dict):
            out[k] = convert(v)
        else:
            out[k] = v
    return out


def main():
    doc = json.load(open(sys.argv[1]))
    schemas = doc["components"]["schemas"]
    defs = {}
    for short, file in FILES.items():
        d = convert(schemas[META + short])
        d["x-kcl-type"] = {"type": short, "import": {
            "package": "k8s.apimachinery.pkg.apis.meta.v1." + file, "alias": file}}
        defs[META + short] = d
    sys.stdout.write(json.dumps(defs, indent=None, sort_keys=False, separators=(",", ":")) + "\n")

main()
