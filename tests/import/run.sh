#!/bin/sh
# scl import: the output shapes of spec/import.md (file names §3.2, numbers §5.3, the worked
# example of §11), every CRD folder of ../shared/crds imported and evaluated, OpenAPI 3, errors
# with locations, and http(s) inputs through the scl-mod helper.
set -u
SCL=${SCL_BIN:-scl}
SRC=${SCL_SRCDIR:-.}
SHARED=$SRC/../shared
[ -d "$SHARED/crds" ] || { echo "no $SHARED/crds: skipped"; exit 77; }
T=$(mktemp -d)
SERVER_PID=
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT INT TERM
fails=0 n=0
ok() { n=$((n + 1)); }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "FAIL: $*"; }
has() { grep -qxF -- "$2" "$1" && ok || bad "$1 lacks line: $2"; }

# {===== §11: the DigitalOcean Domain
"$SCL" import -m crd -o "$T/dom" "$SHARED/crds/digitalocean/dns.digitalocean.crossplane.io_domains.yaml" \
    || bad "import Domain"
F=$T/dom/models/v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_domain.k
[ -f "$F" ] && ok || bad "no $F"
P=DNSDigitaloceanCrossplaneIoV1alpha1Domain
want="Domain"
for s in Spec SpecForProvider SpecInitProvider SpecProviderConfigRef SpecProviderConfigRefPolicy \
    SpecPublishConnectionDetailsTo SpecPublishConnectionDetailsToConfigRef \
    SpecPublishConnectionDetailsToConfigRefPolicy SpecPublishConnectionDetailsToMetadata \
    SpecWriteConnectionSecretToRef Status StatusAtProvider StatusConditionsItems0; do
    want="$want $P$s"
done
got=$(sed -n 's/^schema \([A-Za-z0-9]*\):$/\1/p' "$F" | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] && ok || bad "Domain schemas: $got"
[ "$(grep -c '^import ' "$F")" = 1 ] && ok || bad "Domain imports"
has "$F" 'import k8s.apimachinery.pkg.apis.meta.v1'
has "$F" "    spec: ${P}Spec"
has "$F" '    deletionPolicy?: "Orphan" | "Delete" = "Delete"'
has "$F" '    deletionPolicy : str, default is "Delete", optional'
has "$F" "    forProvider: ${P}SpecForProvider"
has "$F" '    managementPolicies?: [str] = ["*"]'
has "$F" "    providerConfigRef?: ${P}SpecProviderConfigRef"
has "$F" '    resolution?: "Required" | "Optional" = "Required"'
has "$F" '    ttl?: float'
has "$F" '    $type: str'
has "$F" '    apiVersion: "dns.digitalocean.crossplane.io/v1alpha1" = "dns.digitalocean.crossplane.io/v1alpha1"'
has "$F" '    kind: "Domain" = "Domain"'
has "$F" '    metadata?: v1.ObjectMeta'
has "$F" '    metadata : v1.ObjectMeta, default is Undefined, optional'
has "$F" '    r"""'
grep -q 'check:' "$F" && bad "Domain has a check block" || ok
head -5 "$F" | cmp -s - "$SRC/tests/import/header.txt" && ok || bad "header"
tail -c 3 "$F" | od -c | grep -q '\\n  \\n  \\n' && ok || bad "file end"
has "$T/dom/models/kcl.mod" 'name = "models"'
has "$T/dom/models/kcl.mod" 'edition = "v0.11.2"'
has "$T/dom/models/kcl.mod" 'version = "0.0.1"'
M=$T/dom/models/k8s/apimachinery/pkg/apis/meta/v1
for f in object_meta managed_fields_entry owner_reference; do
    [ -f "$M/$f.k" ] && ok || bad "no meta file $f"
done
has "$M/object_meta.k" 'This is the object_meta module in k8s.apimachinery.pkg.apis.meta.v1 package.'
has "$M/object_meta.k" '    managedFields?: [ManagedFieldsEntry]'
has "$M/object_meta.k" '    labels?: {str:str}'
has "$M/owner_reference.k" '    uid: str'
has "$M/owner_reference.k" '    controller?: bool'

# {===== §3.2: file names (a CRD per row; versions regrouped per §3.3)
crd() { # group version Kind [extra schema lines]
    printf -- '---\napiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n'
    printf 'metadata:\n  name: x.%s\nspec:\n  group: %s\n  names:\n    kind: %s\n' "$1" "$1" "$3"
    printf '  scope: Namespaced\n  versions:\n  - name: %s\n    served: true\n    storage: true\n' "$2"
    printf '    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n'
    printf '          spec:\n            type: object\n            properties:\n'
    printf '              a:\n                type: string\n%s' "${4:-}"
}
{
    crd cert-manager.io v1 ClusterIssuer
    crd traefik.io v1alpha1 MiddlewareTCP
    crd cilium.io v2alpha1 CiliumCIDRGroup
    crd gateway.networking.k8s.io v1alpha2 GRPCRoute
    crd hub.traefik.io v1alpha1 AIService
    crd krm.kcl.dev.fluxcd v1alpha1 KCLRun
    crd bootstrap.cluster.x-k8s.io v1beta1 KubeadmConfigTemplate
    crd dns.digitalocean.crossplane.io v1alpha1 Domain
    crd example.com v1 FooTest
    crd vmoperator.vmware.com v1alpha1 X
} > "$T/names.yaml"
"$SCL" import -m crd -o "$T/names" "$T/names.yaml" || bad "import names"
for f in v1/cert_manager_io_v1_cluster_issuer.k v1alpha1/traefik_io_v1alpha1_middleware_tcp.k \
    v2alpha1/cilium_io_v2alpha1_cilium_c_id_r_group.k \
    v1alpha2/gateway_networking_k8s_io_v1alpha2_g_rpc_route.k \
    v1alpha1/hub_traefik_io_v1alpha1_a_i_service.k \
    v1alpha1/krm_kcl_dev_fluxcd_v1alpha1_k_c_l_run.k \
    v1beta1/bootstrap_clusterx_k8s_io_v1beta1_kubeadm_config_template.k \
    v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_domain.k \
    v1/example_com_v1_foo_test_swagger.k unknown/vmoperator_vmware_com_v1alpha1_x.k; do
    [ -f "$T/names/models/$f" ] && ok || bad "file name: no $f"
done
has "$T/names/models/v1alpha1/traefik_io_v1alpha1_middleware_tcp.k" 'schema TraefikIoV1alpha1MiddlewareTCPSpec:'
has "$T/names/models/v2alpha1/cilium_io_v2alpha1_cilium_c_id_r_group.k" 'schema CiliumIoV2alpha1CiliumCIDRGroupSpec:'

# {===== §5.3 / §6.2: numbers and check lines
props=
i=0
for v in 8 -1 0.5 100000 123456 1000000 1234567 2147483647 0.0001 0.00001; do
    props="$props              n$i:\n                type: number\n                maximum: $v\n"
    i=$((i + 1))
done
props="$props              s:\n                type: string\n                maxLength: 5\n                pattern: '^[a-z]+\$'\n"
props="$props              l:\n                type: array\n                minItems: 0\n                items:\n                  type: string\n                  maxLength: 3\n"
crd num.example.com v1 Num "$(printf "$props")
" > "$T/num.yaml"
printf '            required: [s]\n' >> "$T/num.yaml"
"$SCL" import -m crd -o "$T/num" "$T/num.yaml" || bad "import numbers"
F=$T/num/models/v1/num_example_com_v1_num.k
i=0
for v in 8 -1 0.5 100000 123456 1e+06 1.234567e+06 2.147483647e+09 0.0001 1e-05; do
    has "$F" "        n$i <= $v if n$i not in [None, Undefined]"
    i=$((i + 1))
done
has "$F" '        len(s) <= 5'
has "$F" '        _regex_match(str(s), r"^[a-z]+$")'
has "$F" '        len(l) >= 0 if l'
has "$F" '        all l in l { len(l) <= 3 if l not in [None, Undefined] } if l'
has "$F" 'import regex'
has "$F" '_regex_match = regex.match'

# {===== every CRD folder: the files of §3.2/§3.3, and the tree evaluates
expect() { # folder files...
    d=$1; shift
    got=$(cd "$T/all/$d/models" && find . -name '*.k' ! -path './k8s/*' | sed 's#^\./##' | sort | tr '\n' ' ')
    want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
    [ "$got" = "$want" ] && ok || bad "$d: files: $got"
}
for d in "$SHARED"/crds/*/; do
    f=$(basename "$d")
    "$SCL" import -m crd -o "$T/all/$f" "$d" || bad "import $f"
done
V1A=v1alpha1/
expect cert-manager v1/acme_cert_manager_io_v1_challenge.k v1/acme_cert_manager_io_v1_order.k \
    v1/cert_manager_io_v1_certificate.k v1/cert_manager_io_v1_certificate_request.k \
    v1/cert_manager_io_v1_cluster_issuer.k v1/cert_manager_io_v1_issuer.k
expect crossplane v1/apiextensions_crossplane_io_v1_composite_resource_definition.k \
    v1/apiextensions_crossplane_io_v1_composition.k v1/apiextensions_crossplane_io_v1_composition_revision.k \
    v1/pkg_crossplane_io_v1_configuration.k v1/pkg_crossplane_io_v1_configuration_revision.k \
    v1/pkg_crossplane_io_v1_function.k v1/pkg_crossplane_io_v1_function_revision.k \
    v1/pkg_crossplane_io_v1_provider.k v1/pkg_crossplane_io_v1_provider_revision.k \
    ${V1A}apiextensions_crossplane_io_v1alpha1_managed_resource_activation_policy.k \
    ${V1A}apiextensions_crossplane_io_v1alpha1_managed_resource_definition.k \
    ${V1A}apiextensions_crossplane_io_v1alpha1_usage.k ${V1A}ops_crossplane_io_v1alpha1_cron_operation.k \
    ${V1A}ops_crossplane_io_v1alpha1_operation.k ${V1A}ops_crossplane_io_v1alpha1_watch_operation.k \
    v1beta1/apiextensions_crossplane_io_v1beta1_environment_config.k \
    v1beta1/pkg_crossplane_io_v1beta1_deployment_runtime_config.k \
    v1beta1/pkg_crossplane_io_v1beta1_image_config.k v1beta1/pkg_crossplane_io_v1beta1_lock.k \
    v1beta1/protection_crossplane_io_v1beta1_cluster_usage.k v1beta1/protection_crossplane_io_v1beta1_usage.k \
    v2/apiextensions_crossplane_io_v2_composite_resource_definition.k
expect crossplane_kcl_function ${V1A}krm_kcl_dev_v1alpha1_k_c_l_input.k
DO=digitalocean_crossplane_io_v1alpha1
expect digitalocean ${V1A}container_${DO}_registry.k ${V1A}container_${DO}_registry_docker_credentials.k \
    ${V1A}custom_${DO}_image.k ${V1A}database_${DO}_cluster.k ${V1A}database_${DO}_connection_pool.k \
    ${V1A}database_${DO}_d_b.k ${V1A}database_${DO}_firewall.k ${V1A}database_${DO}_kafka_topic.k \
    ${V1A}database_${DO}_my_sql_config.k ${V1A}database_${DO}_redis_config.k \
    ${V1A}database_${DO}_replica.k ${V1A}database_${DO}_user.k ${V1A}${DO}_store_config.k \
    ${V1A}digitalocean_${DO}_app.k ${V1A}digitalocean_${DO}_tag.k ${V1A}dns_${DO}_domain.k \
    ${V1A}dns_${DO}_record.k ${V1A}droplet_${DO}_droplet.k ${V1A}droplet_${DO}_snapshot.k \
    ${V1A}kubernetes_${DO}_cluster.k ${V1A}kubernetes_${DO}_node_pool.k ${V1A}monitor_${DO}_alert.k \
    ${V1A}networking_${DO}_certificate.k ${V1A}networking_${DO}_firewall.k ${V1A}networking_${DO}_ip.k \
    ${V1A}networking_${DO}_ip_assignment.k ${V1A}networking_${DO}_loadbalancer.k \
    ${V1A}project_${DO}_project.k ${V1A}project_${DO}_resources.k ${V1A}spaces_${DO}_bucket.k \
    ${V1A}spaces_${DO}_bucket_cors_configuration.k ${V1A}spaces_${DO}_bucket_object.k \
    ${V1A}spaces_${DO}_bucket_policy.k ${V1A}spaces_${DO}_cdn.k ${V1A}ssh_${DO}_key.k \
    ${V1A}uptime_${DO}_alert.k ${V1A}uptime_${DO}_check.k ${V1A}volume_${DO}_attachment.k \
    ${V1A}volume_${DO}_snapshot.k ${V1A}volume_${DO}_volume.k ${V1A}vpc_${DO}_v_p_c.k \
    v1beta1/digitalocean_crossplane_io_v1beta1_provider_config.k \
    v1beta1/digitalocean_crossplane_io_v1beta1_provider_config_usage.k
expect flux-kcl-controller v1/source_toolkit_fluxcd_io_v1_git_repository.k \
    ${V1A}krm_kcl_dev_fluxcd_v1alpha1_k_c_l_run.k v1beta1/source_toolkit_fluxcd_io_v1beta1_bucket.k \
    v1beta1/source_toolkit_fluxcd_io_v1beta1_git_repository.k v1beta2/source_toolkit_fluxcd_io_v1beta2_bucket.k \
    v1beta2/source_toolkit_fluxcd_io_v1beta2_git_repository.k \
    v1beta2/source_toolkit_fluxcd_io_v1beta2_o_c_i_repository.k
expect fluxcd-helm-controller v2/helm_toolkit_fluxcd_io_v2_helm_release.k \
    v2beta2/helm_toolkit_fluxcd_io_v2beta2_helm_release.k
IN=secrets_infisical_com_v1alpha1
expect infisical ${V1A}${IN}_cluster_generator.k ${V1A}${IN}_infisical_dynamic_secret.k \
    ${V1A}${IN}_infisical_push_secret.k ${V1A}${IN}_infisical_secret.k ${V1A}${IN}_password.k \
    ${V1A}${IN}_uuid.k

# every version module imports and evaluates; a top-level schema accepts good values and
# refuses a wrong enum value and a missing required field
run_case() { # folder name expect(0|1) program
    printf '%s\n' "$4" > "$T/all/$1/models/$2.k"
    (cd "$T/all/$1/models" && "$SCL" run "$2.k" > "$T/out" 2>&1)
    rc=$?
    if [ "$3" = 0 ]; then [ $rc = 0 ] && ok || { bad "$1/$2: exit $rc"; cat "$T/out"; }
    else [ $rc = 1 ] && ok || { bad "$1/$2: exit $rc, want 1"; cat "$T/out"; }; fi
}
for d in "$SHARED"/crds/*/; do
    f=$(basename "$d")
    prog=$(cd "$T/all/$f/models" && ls -d v* unknown 2>/dev/null | sed 's/^/import /')
    run_case "$f" all_modules 0 "$prog
import k8s.apimachinery.pkg.apis.meta.v1
x = 1"
done
run_case digitalocean good 0 'import v1alpha1
d = v1alpha1.Droplet {metadata.name = "web", spec.forProvider = {image = "ubuntu-24-04-x64", region = "fra1", size = "s-1vcpu-1gb"}}'
run_case digitalocean badenum 1 'import v1alpha1
d = v1alpha1.Domain {spec.forProvider = {}, spec.deletionPolicy = "Keep"}'
run_case digitalocean missing 1 'import v1alpha1
d = v1alpha1.Domain {metadata.name = "x"}'
run_case cert-manager good 0 'import v1
c = v1.Certificate {metadata.name = "c", spec = {secretName = "s", issuerRef.name = "i"}}'
run_case cert-manager badenum 1 'import v1
c = v1.Certificate {spec = {secretName = "s", issuerRef.name = "i", privateKey.algorithm = "DSA"}}'
run_case cert-manager missing 1 'import v1
c = v1.Certificate {spec = {issuerRef.name = "i"}}'
run_case crossplane good 0 'import v1
c = v1.Composition {metadata.name = "c", spec = {compositeTypeRef = {apiVersion = "a/v1", kind = "K"}, mode = "Pipeline", pipeline = [{step = "s", functionRef.name = "f"}]}}'
run_case crossplane badenum 1 'import v1
c = v1.Composition {spec = {compositeTypeRef = {apiVersion = "a/v1", kind = "K"}, mode = "Nope"}}'
run_case crossplane missing 1 'import v1
c = v1.Composition {spec = {mode = "Pipeline"}}'
run_case crossplane_kcl_function good 0 'import v1alpha1
k = v1alpha1.KCLInput {spec.source = "a = 1"}'
run_case crossplane_kcl_function badenum 1 'import v1alpha1
k = v1alpha1.KCLInput {spec = {source = "a = 1", target = "Nope"}}'
run_case crossplane_kcl_function missing 1 'import v1alpha1
k = v1alpha1.KCLInput {spec = {target = "Resources"}}'
run_case flux-kcl-controller good 0 'import v1beta2
r = v1beta2.OCIRepository {spec = {interval = "1m", url = "oci://x/y"}}'
run_case flux-kcl-controller badenum 1 'import v1beta2
r = v1beta2.OCIRepository {spec = {interval = "1m", url = "oci://x/y", provider = "nope"}}'
run_case flux-kcl-controller missing 1 'import v1beta2
r = v1beta2.OCIRepository {spec = {url = "oci://x/y"}}'
run_case fluxcd-helm-controller good 0 'import v2
h = v2.HelmRelease {spec = {interval = "5m", chart.spec = {chart = "podinfo", sourceRef = {kind = "HelmRepository", name = "p"}}}}'
run_case fluxcd-helm-controller badenum 1 'import v2
h = v2.HelmRelease {spec = {interval = "5m", chart.spec = {chart = "podinfo", sourceRef = {kind = "Nope", name = "p"}}}}'
run_case fluxcd-helm-controller missing 1 'import v2
h = v2.HelmRelease {spec = {chart.spec = {chart = "podinfo", sourceRef = {kind = "HelmRepository", name = "p"}}}}'
run_case infisical good 0 'import v1alpha1
p = v1alpha1.Password {metadata.name = "p"}
g = v1alpha1.ClusterGenerator {spec.kind = "UUID"}'
run_case infisical missing 1 'import v1alpha1
s = v1alpha1.InfisicalPushSecret {spec = {push = {}}}'
run_case infisical badenum 1 'import v1alpha1
g = v1alpha1.ClusterGenerator {spec.kind = "Token"}'

# the same input twice gives the same bytes
"$SCL" import -m crd -o "$T/again" "$SHARED/crds/cert-manager" || bad "import again"
diff -r "$T/all/cert-manager/models/v1" "$T/again/models/v1" > /dev/null && ok || bad "not reproducible"

# {===== OpenAPI 3: Kubernetes apps/v1
OA=$SHARED/openapi/kubernetes/apis__apps__v1_openapi.json
if [ -f "$OA" ]; then
    "$SCL" import -m openapi -o "$T/oa" "$OA" || bad "import openapi"
    D=$T/oa/models/io/k8s/api/apps/v1/deployment.k
    [ -f "$D" ] && ok || bad "no $D"
    has "$D" 'schema Deployment:'
    has "$D" 'import io.k8s.apimachinery.pkg.apis.meta.v1'
    has "$D" '    metadata?: v1.ObjectMeta'
    S=$T/oa/models/io/k8s/api/apps/v1/deployment_spec.k
    has "$S" 'import io.k8s.api.core.v1'
    has "$S" 'import io.k8s.apimachinery.pkg.apis.meta.v1 as metaV1'
    has "$S" '    selector: metaV1.LabelSelector'
    has "$S" '    template: v1.PodTemplateSpec'
    printf '[package]\nname = "models"\nedition = "v0.11.2"\nversion = "0.0.1"\n' > "$T/oa/models/kcl.mod"
    cat > "$T/oa/models/main.k" <<'K'
import io.k8s.api.apps.v1 as apps
d = apps.Deployment {
    apiVersion = "apps/v1"
    kind = "Deployment"
    metadata.name = "web"
    spec = {
        replicas = 2
        selector.matchLabels.app = "web"
        strategy.rollingUpdate.maxSurge = 1
        template = {
            metadata.labels.app = "web"
            spec.containers = [{name = "web", image = "nginx", ports = [{containerPort = 80}]}]
        }
    }
}
K
    (cd "$T/oa/models" && "$SCL" run main.k > "$T/out" 2>&1) && ok || { bad "Deployment"; cat "$T/out"; }
    grep -q 'containerPort: 80' "$T/out" && ok || bad "Deployment output"
    printf 'import io.k8s.api.apps.v1 as apps\nd = apps.Deployment {spec.template = {}}\n' > "$T/oa/models/bad.k"
    (cd "$T/oa/models" && "$SCL" run bad.k > /dev/null 2>&1); [ $? = 1 ] && ok || bad "Deployment without selector"
fi

# {===== errors: exit 1 with a located message
err_case() { # name want-regex args...
    name=$1 want=$2; shift 2
    "$SCL" import "$@" > /dev/null 2> "$T/err"; rc=$?
    [ $rc = 1 ] && grep -Eq "$want" "$T/err" && ok || { bad "$name: exit $rc: $(cat "$T/err")"; }
}
printf 'a: [1, 2\nb: }\n' > "$T/bad.yaml"
err_case "not YAML" 'bad\.yaml:[0-9]+:[0-9]+: invalid YAML' -m crd -o "$T/e" "$T/bad.yaml"
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n' > "$T/ns.yaml"
err_case "not a CRD" 'ns\.yaml:2:7: not a CustomResourceDefinition' -m crd -o "$T/e" "$T/ns.yaml"
printf '{"swagger": "2.0", "info": {}, "paths": {},\n "definitions": {"A": {"type": "object", "properties": {\n  "b": {"$ref": "#/definitions/Missing"}}}}}\n' > "$T/dangling.json"
err_case "dangling \$ref" 'dangling\.json: \$ref "#/definitions/Missing" points nowhere' -m openapi -o "$T/e" "$T/dangling.json"
printf 'swagger: "2.0"\ndefinitions:\n  A:\n    type: object\n    properties:\n      b:\n        $ref: "#/definitions/Missing"\n' > "$T/dangling.yaml"
err_case "dangling \$ref (YAML)" 'dangling\.yaml:7:15: \$ref "#/definitions/Missing" points nowhere' -m openapi -o "$T/e" "$T/dangling.yaml"
printf 'swagger: "2.0"\ndefinitions:\n  A:\n    allOf:\n    - $ref: "#/definitions/B"\n  B:\n    allOf:\n    - $ref: "#/definitions/A"\n' > "$T/cycle.yaml"
err_case "cyclic schema" 'cycle\.yaml:[0-9]+:[0-9]+: cyclic schema' -m openapi -o "$T/e" "$T/cycle.yaml"
printf 'a: &x [*x]\n' > "$T/alias.yaml"
err_case "cyclic alias" 'alias\.yaml:1:' -m yaml -o - "$T/alias.yaml"
err_case "unreadable" 'does not exist' -m crd -o "$T/e" "$T/nope.yaml"
err_case "mode" 'invalid mode: Bogus' -m Bogus "$T/ns.yaml"

# {===== data modes
printf '{"name": "a", "if": 1, "a-b": [1, 2.5, true, null], "m": {}, "s": "x${y}\\"z"}\n' > "$T/d.json"
"$SCL" import -m json -o "$T/d.k" "$T/d.json" || bad "import json"
has "$T/d.k" '    $if = 1'
has "$T/d.k" '    "a-b" = ['
has "$T/d.k" '        2.5'
has "$T/d.k" '        True'
has "$T/d.k" '        None'
"$SCL" run "$T/d.k" > "$T/out" 2>&1 && ok || { bad "data json run"; cat "$T/out"; }
grep -q 'x\${y}"z' "$T/out" && ok || bad "data string round trip"
err_case "exists" 'output file already exist, use --force to overwrite' -m json -o "$T/d.k" "$T/d.json"
"$SCL" import -m json -f -o "$T/d.k" "$T/d.json" && ok || bad "--force"
printf 'a: 1\n---\nb: [x]\n' | "$SCL" import -m yaml -o - - > "$T/y.k" || bad "yaml stdin"
has "$T/y.k" 'manifests.yaml_stream(items)'
"$SCL" run "$T/y.k" > "$T/out" 2>&1 && ok || { bad "yaml stream run"; cat "$T/out"; }

# {===== -m jsonschema (§9)
J=$T/js
mkdir -p "$J"
# byte-exact: the layout, names, docstring, declarations and checks of §9, written by hand
cat > "$J/person.json" <<'EOF'
{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "$id": "https://example.com/person.schema.json", "description": "A person.", "type": "object",
 "required": ["name"],
 "properties": {"name": {"type": "string", "minLength": 1, "description": "Full name."},
  "age": {"type": "integer", "minimum": 0, "default": 18},
  "home": {"type": "object", "properties": {"city": {"type": "string"}}}}}
EOF
{
    cat "$SRC/tests/import/header.txt" | sed '$d'
    cat <<'EOF'

schema PersonSchema:
    r"""
    A person.

    Attributes
    ----------
    name : str, required
        Full name.
    age : int, optional, default is 18
    home : PersonSchemaHome, optional
    """

    name: str
    age?: int = 18
    home?: PersonSchemaHome

    check:
        len(name) >= 1
        age >= 0 if age

schema PersonSchemaHome:
    r"""
    PersonSchemaHome

    Attributes
    ----------
    city : str, optional
    """

    city?: str

EOF
} > "$J/person.want"
"$SCL" import -m jsonschema -o "$J/person.k" "$J/person.json" && ok || bad "import person"
cmp -s "$J/person.k" "$J/person.want" && ok || { bad "person.k bytes"; diff "$J/person.want" "$J/person.k"; }
# -m auto picks jsonschema for a .json with $schema; the default output is ./<base>.k
rm -f "$J/person.k"
(cd "$J" && "$SCL" import person.json) && cmp -s "$J/person.k" "$J/person.want" && ok \
    || bad "auto person.json"

# every keyword family; the root name comes from $id without ".json" (my-order → MyOrder)
cat > "$J/order.json" <<'EOF'
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://example.com/schemas/my-order.json",
  "description": "An order.",
  "type": "object",
  "required": ["id", "items", "kind"],
  "properties": {
    "id": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]+$", "minLength": 5, "maxLength": 12},
    "kind": {"const": "Order"},
    "quantity": {"type": "integer", "minimum": 1, "maximum": 100, "multipleOf": 2, "default": 2},
    "price": {"type": "number", "exclusiveMinimum": 0.5, "exclusiveMaximum": 1e6},
    "legacy": {"type": "number", "maximum": 10, "exclusiveMaximum": true},
    "status": {"enum": ["new", "paid", "shipped", null], "default": "new"},
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "minItems": 1,
             "maxItems": 3, "uniqueItems": true},
    "email": {"type": ["string", "null"], "format": "email"},
    "created": {"type": "string", "format": "date-time"},
    "shipping": {"$ref": "#/$defs/address", "description": "Where to."},
    "billing": {"type": "object", "properties": {"street": {"type": "string"}}, "required": ["street"]},
    "items": {"type": "array", "items": {"type": "object", "required": ["sku"],
              "properties": {"sku": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}}},
    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
    "meta": {"type": "object"},
    "env": {"type": "object", "patternProperties": {"^[A-Z_]+$": {"type": "string"}}},
    "payment": {"oneOf": [{"type": "string"}, {"type": "object", "properties": {"card": {"type": "string"}}},
                {"type": "null"}]},
    "a-b": {"type": "string"},
    "if": {"type": "boolean", "default": false},
    "weights": {"type": "object", "default": {"b": 1, "a": 2.5}},
    "color": {"$ref": "#/definitions/color"},
    "size": {"allOf": [{"type": "integer", "minimum": 1}, {"maximum": 9}]}
  },
  "$defs": {
    "address": {"type": "object", "description": "A postal address.", "required": ["city"],
      "properties": {"city": {"type": "string"}, "geo": {"$ref": "#/$defs/address/$defs/geo"}},
      "$defs": {"geo": {"type": "object", "properties": {"lat": {"type": "number", "minimum": -90, "maximum": 90}}}}}
  },
  "definitions": {"color": {"type": "string", "enum": ["red", "green"]}}
}
EOF
"$SCL" import -m jsonschema -o "$J/order.k" "$J/order.json" && ok || bad "import order"
F=$J/order.k
got=$(sed -n 's/^schema \([A-Za-z0-9]*\):$/\1/p' "$F" | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "MyOrder Address Geo MyOrderBilling MyOrderEnv MyOrderItemsItems0 MyOrderLabels MyOrderMeta MyOrderPaymentOneOf1 MyOrderWeights" ] \
    && ok || bad "order schemas: $got"
[ "$(sed -n 5p "$F")" = "import regex" ] && [ "$(sed -n 6p "$F")" = "" ] && ok || bad "order imports"
for l in '    id: str' '    kind: "Order" = "Order"' '    quantity?: int = 2' '    price?: float' \
    '    status?: "new" | "paid" | "shipped" = "new"' '    tags?: [str]' '    email?: str' \
    '    shipping?: Address' '    billing?: MyOrderBilling' '    items: [MyOrderItemsItems0]' \
    '    labels?: MyOrderLabels' '    meta?: MyOrderMeta' '    env?: MyOrderEnv' \
    '    payment?: str | MyOrderPaymentOneOf1' '    "a-b"?: str' '    $if?: bool = False' \
    '    weights?: MyOrderWeights = {a = 2.5, b = 1}' '    color?: "red" | "green"' '    size?: int' \
    '    status : "new" | "paid" | "shipped", optional, default is "new"' \
    '    shipping : Address, optional' '        Where to.' \
    '        len(id) <= 12' '        len(id) >= 5' '        regex.match(id, r"^[A-Z]{3}-[0-9]+$")' \
    '        multiplyof(quantity, 2) if quantity' '        quantity <= 100 if quantity' \
    '        quantity >= 1 if quantity' '        price < 1e+06 if price' '        price > 0.5 if price' \
    '        legacy < 10 if legacy' \
    '        len(tags) <= 3 if tags' '        len(tags) >= 1 if tags' '        isunique(tags) if tags' \
    '        all item in tags { len(item) <= 8 } if tags' \
    '        regex.match(created, r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$") if created' \
    '        size >= 1 if size' '        size <= 9 if size' \
    '    [...str]: str' '    [...str]: any' '    [key: str]: str' '        regex.match(key, r"^[A-Z_]+$")' \
    '        count >= 1 if count' '        lat <= 90 if lat' '        lat >= -90 if lat' \
    '    A postal address.' '    geo?: Geo' '    city: str' '    street: str' '    card?: str'; do
    has "$F" "$l"
done
grep -q 'if "a-b"' "$F" && bad "check on a quoted name" || ok
# declarations have no blank lines between them; each schema ends with one empty line
awk '/^    id: str$/ {getline; if ($0 != "    kind: \"Order\" = \"Order\"") exit 1}' "$F" && ok || bad "order spacing"
[ "$(tail -c 2 "$F" | od -An -c | tr -d ' ')" = '\n\n' ] && ok || bad "order file end"
# the file evaluates; a config accepts good values and each check refuses a bad one
cat > "$J/good.k" <<'EOF'
o = MyOrder {
    id = "ABC-123"
    items = [{sku = "x", count = 2}]
    quantity = 4
    price = 9.5
    legacy = 9.5
    tags = ["a", "b"]
    email = "a@b.co"
    created = "2024-01-02T03:04:05Z"
    shipping = {city = "Paris", geo.lat = 48.8}
    labels = {team = "x"}
    env = {HOME_DIR = "/root"}
    payment = {card = "visa"}
    "a-b" = "abc"
    color = "red"
    size = 5
}
EOF
cat "$F" "$J/good.k" > "$J/run.k"
"$SCL" run "$J/run.k" > "$J/out" 2>&1 && ok || { bad "order run"; cat "$J/out"; }
grep -qx '  status: new' "$J/out" && grep -qx '  kind: Order' "$J/out" && ok || bad "order defaults"
for v in 'id = "AB-1"' 'id = "abc-1234"' 'id = "ABC-1234567890"' 'quantity = 3' 'quantity = 102' \
    'quantity = -2' 'price = 0.25' 'price = 1000000' 'legacy = 10' 'tags = ["a", "a"]' \
    'tags = ["a", "b", "c", "d"]' 'tags = ["toolongtag"]' 'email = "nope"' 'created = "yesterday"' \
    'status = "lost"' 'shipping.geo.lat = 91' 'shipping = {}' 'items = [{count = 1}]' \
    'items = [{sku = "a", count = -1}]' 'env = {lower = "x"}' 'labels = {a = 1}' 'kind = "Other"' \
    'color = "blue"' 'size = 10' 'billing = {}' 'payment = 1' 'nope = 1'; do
    printf 'p = MyOrder {\n    id = "ABC-123"\n    items = []\n}\nq = p | {\n    %s\n}\n' "$v" > "$J/bad.k"
    cat "$F" "$J/bad.k" > "$J/run.k"
    "$SCL" run "$J/run.k" > "$J/out" 2>&1 && bad "order accepts: $v" || ok
done
# the failing check line is the one named in the message
printf 'p = MyOrder {\n    id = "ABC-123"\n    items = []\n    quantity = 102\n}\n' > "$J/bad.k"
cat "$F" "$J/bad.k" > "$J/run.k"
"$SCL" run "$J/run.k" > "$J/out" 2>&1
grep -q 'quantity <= 100 if quantity' "$J/out" && grep -q 'Check failed' "$J/out" && ok \
    || { bad "check message"; cat "$J/out"; }

# YAML input, nested $defs, recursion through a named schema, definitions used from the root
cat > "$J/tree.yaml" <<'EOF'
$schema: https://json-schema.org/draft-07/schema
$ref: "#/definitions/node"
definitions:
  node:
    type: object
    description: |
      A node.
      With children.
    required: [value]
    properties:
      value: {$ref: "#/definitions/value"}
      children:
        type: array
        items: {$ref: "#/definitions/node"}
      extra:
        $ref: "#/definitions/more/definitions/extra"
  value:
    type: string
    maxLength: 4
  more:
    definitions:
      extra:
        type: object
        additionalProperties: false
        properties:
          note: {type: string}
EOF
"$SCL" import -m jsonschema -o "$J/tree.k" "$J/tree.yaml" && ok || bad "import tree"
F=$J/tree.k
got=$(sed -n 's/^schema \([A-Za-z0-9]*\):$/\1/p' "$F" | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "Tree Extra Node" ] && ok || bad "tree schemas: $got"
has "$F" '    children?: [Node]'
has "$F" '    value: str'
has "$F" '    extra?: Extra'
has "$F" '        len(value) <= 4'
has "$F" '    With children.'
grep -q '\[\.\.\.str\]' "$F" && bad "additionalProperties: false gave an index signature" || ok
printf 't = Tree {value = "a", children = [{value = "b", children = [{value = "c"}]}], extra.note = "n"}\n' \
    > "$J/t.k"
cat "$F" "$J/t.k" > "$J/run.k"
"$SCL" run "$J/run.k" > "$J/out" 2>&1 && ok || { bad "tree run"; cat "$J/out"; }
printf 't = Tree {value = "a", children = [{value = "toolong"}]}\n' > "$J/t.k"
cat "$F" "$J/t.k" > "$J/run.k"
"$SCL" run "$J/run.k" > "$J/out" 2>&1 && bad "tree accepts a long nested value" || ok
printf 't = Tree {value = "a", extra.other = 1}\n' > "$J/t.k"
cat "$F" "$J/t.k" > "$J/run.k"
"$SCL" run "$J/run.k" > "$J/out" 2>&1 && bad "closed schema accepts an unknown attribute" || ok

# without $id: the input name (my-config.json → MyConfig); the same input twice gives the same bytes
printf '{"type": "object", "properties": {"url-path": {"type": "string"}, "HTTPPort": {"type": "object", "properties": {"n": {"type": "integer"}}}}}\n' \
    > "$J/my-config.json"
"$SCL" import -m jsonschema -o "$J/c1.k" "$J/my-config.json" && ok || bad "import my-config"
has "$J/c1.k" 'schema MyConfig:'
has "$J/c1.k" 'schema MyConfigHttpport:'
has "$J/c1.k" '    "url-path"?: str'
"$SCL" import -m jsonschema -o "$J/c2.k" "$J/my-config.json" && cmp -s "$J/c1.k" "$J/c2.k" && ok \
    || bad "jsonschema output differs between runs"
"$SCL" run "$J/c1.k" > "$J/out" 2>&1 && ok || { bad "my-config run"; cat "$J/out"; }

# errors: located, exit 1
printf '{"type": "object",\n  "properties": {"a": [1, }\n' > "$J/bad.json"
err_case "jsonschema: not JSON" 'bad\.json:2:[0-9]+: invalid' -m jsonschema -o - "$J/bad.json"
printf 'type: object\nproperties:\n  a: [1, 2\n' > "$J/bad.yaml"
err_case "jsonschema: not YAML" 'bad\.yaml:[0-9]+:[0-9]+: invalid YAML' -m jsonschema -o - "$J/bad.yaml"
printf '{"type": "object",\n "properties": {"a": {"$ref": "#/$defs/nope"}}}\n' > "$J/dangling.json"
err_case "jsonschema: dangling \$ref" 'dangling\.json:2:[0-9]+: \$ref "#/\$defs/nope" points nowhere' \
    -m jsonschema -o - "$J/dangling.json"
printf 'type: object\nproperties:\n  a:\n    $ref: "#/$defs/p"\n$defs:\n  p:\n    $ref: "#/$defs/q"\n  q:\n    allOf:\n    - $ref: "#/$defs/p"\n' \
    > "$J/cycle.yaml"
err_case "jsonschema: cyclic \$ref" 'cycle\.yaml:[0-9]+:[0-9]+: cyclic \$ref' -m jsonschema -o - "$J/cycle.yaml"
printf '{"type": "object",\n "properties": {"a": {"type": "string", "pattern": "a(b"}}}\n' > "$J/pattern.json"
err_case "jsonschema: bad pattern" 'pattern\.json:2:[0-9]+: invalid pattern "a\(b"' -m jsonschema -o - "$J/pattern.json"
printf '{"type": "string"}\n' > "$J/scalar.json"
err_case "jsonschema: root not an object" 'scalar\.json:1:[0-9]+: the root schema is not an object' \
    -m jsonschema -o - "$J/scalar.json"

# {===== URLs through the scl-mod helper against a loopback server
PY=${PYTHON3:-python3}
if command -v "$PY" > /dev/null 2>&1; then
    mkdir -p "$T/www"
    cp "$SHARED/crds/digitalocean/dns.digitalocean.crossplane.io_domains.yaml" "$T/www/domains.yaml"
    PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    (cd "$T/www" && exec "$PY" -m http.server --bind 127.0.0.1 "$PORT" > /dev/null 2>&1) &
    SERVER_PID=$!
    i=0
    while ! "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null; do
        i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
    done
    "$SCL" import -m crd -o "$T/url" "http://127.0.0.1:$PORT/domains.yaml" && ok || bad "URL import"
    cmp -s "$T/url/models/v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_domain.k" \
        "$T/dom/models/v1alpha1/dns_digitalocean_crossplane_io_v1alpha1_domain.k" && ok || bad "URL output"
    err_case "404" 'HTTP 404' -m crd -o "$T/url" "http://127.0.0.1:$PORT/missing.yaml"
fi

echo "$((n - fails))/$n passed"
[ $fails = 0 ]
