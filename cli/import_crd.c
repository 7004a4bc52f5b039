/* scl import -m crd: CustomResourceDefinitions to KCL schemas (spec/import.md
 * §2, §3). Each CRD version becomes a Swagger definition
 * `<group>.<version>.<Kind>` with KCL's synthetic apiVersion/kind/metadata, the
 * model generator writes it, and the files are regrouped by version under
 * OUT/<package>/. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/import.h"
#include "pkg/io.h"

static const char meta_ref[] = "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
static const char api_version_doc[] =
    "APIVersion defines the versioned schema of this representation of an "
    "object. Servers "
    "should convert recognized schemas to the latest internal value, and may "
    "reject "
    "unrecognized values. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#resources";
static const char kind_doc[] =
    "Kind is a string value representing the REST resource this object "
    "represents. Servers may "
    "infer this from the endpoint the client submits requests to. Cannot be "
    "updated. In "
    "CamelCase. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#types-kinds";

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *get_str(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int dfail(struct imp_err *err, const struct imp_doc *d, const cJSON *node, const char *msg)
{
    char where[512];
    imp_where(d, node, where, sizeof where);
    return imp_fail(err, "%s%s", where, msg);
}

static cJSON *type_meta(const char *value, const char *doc)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "description", doc);
    cJSON_AddStringToObject(p, "type", "string");
    cJSON_AddTrueToObject(p, "readOnly");
    cJSON_AddStringToObject(p, "default", value);
    return p;
}

static void set_prop(cJSON *props, const char *name, cJSON *v)
{
    if (cJSON_GetObjectItemCaseSensitive(props, name))
        cJSON_ReplaceItemInObjectCaseSensitive(props, name, v);
    else
        cJSON_AddItemToObject(props, name, v);
}

/* Generates one CRD version. 'schema' is edited in place (the root properties
 * of §2). */
static int gen_version(const struct imp_doc *d, const cJSON *meta, const char *group,
                       const char *version, const char *kind, cJSON *schema, const char *dir,
                       struct imp_err *err)
{
    if (!cJSON_IsObject(schema))
        return dfail(err, d, schema, "openAPIV3Schema is not a mapping");
    cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
    if (!cJSON_IsObject(props)) {
        if (props)
            cJSON_DeleteItemFromObjectCaseSensitive(schema, "properties");
        props = cJSON_AddObjectToObject(schema, "properties");
    }
    char gv[512];
    snprintf(gv, sizeof gv, "%s/%s", group, version);
    set_prop(props, "apiVersion", type_meta(gv, api_version_doc));
    set_prop(props, "kind", type_meta(kind, kind_doc));
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "$ref", meta_ref);
    set_prop(props, "metadata", m);

    char name[1024];
    snprintf(name, sizeof name, "%s.%s.%s", group, version, kind);
    cJSON *defs = cJSON_Duplicate(meta, 1);
    cJSON_AddItemReferenceToObject(defs, name, schema);
    struct imp_defs ds = {.doc = d, .defs = defs, .ref_prefix = "#/definitions/", .crd = true};
    int rc = imp_gen_definition(&ds, name, dir, err);
    cJSON_Delete(defs);
    return rc;
}

static int gen_crd(const struct imp_doc *d, const cJSON *meta, const char *dir, struct imp_err *err)
{
    const cJSON *root = d->root;
    const char *api = get_str(root, "apiVersion");
    const char *kind = get_str(root, "kind");
    if (!cJSON_IsObject(root) || !kind || strcmp(kind, "CustomResourceDefinition") != 0 || !api ||
        (strcmp(api, "apiextensions.k8s.io/v1") != 0 &&
         strcmp(api, "apiextensions.k8s.io/v1beta1") != 0))
        return dfail(err, d, get(root, "kind") ? get(root, "kind") : root,
                     "not a CustomResourceDefinition (apiextensions.k8s.io/v1 or v1beta1): "
                     "unknown crd object type");
    const cJSON *spec = get(root, "spec");
    const char *group = get_str(spec, "group");
    const char *k = get_str(get(spec, "names"), "kind");
    if (!group || !k)
        return dfail(err, d, spec ? spec : root, "the CRD has no spec.group or spec.names.kind");
    const cJSON *versions = get(spec, "versions");
    cJSON *validation = (cJSON *)get(get(spec, "validation"), "openAPIV3Schema");
    if (validation) {
        const char *v = get_str(spec, "version");
        if (cJSON_IsArray(versions) && versions->child)
            v = get_str(versions->child, "name");
        if (!v)
            return dfail(err, d, spec, "the CRD has no version");
        return gen_version(d, meta, group, v, k, validation, dir, err);
    }
    /* the v1 -> internal conversion hoists identical per-version schemas: only
     * the first version is generated then (kcl-openapi v0.10.0) */
    bool same = true;
    size_t n = 0;
    const cJSON *first = NULL;
    for (const cJSON *v = cJSON_IsArray(versions) ? versions->child : NULL; v; v = v->next, n++) {
        const cJSON *s = get(get(v, "schema"), "openAPIV3Schema");
        if (!first)
            first = s;
        if (!s || !first || !cJSON_Compare(s, first, true))
            same = false;
    }
    if (n == 0 || (!first && same))
        return dfail(err, d, spec, "no openapi schema found in the crd file");
    bool any = false;
    for (const cJSON *v = versions->child; v; v = v->next) {
        cJSON *s = (cJSON *)get(get(v, "schema"), "openAPIV3Schema");
        const char *vn = get_str(v, "name");
        if (!s || !vn)
            continue;
        any = true;
        if (gen_version(d, meta, group, vn, k, s, dir, err) != 0)
            return -1;
        if (same)
            break;
    }
    if (!any)
        return dfail(err, d, spec, "no openapi schema found in the crd file");
    return 0;
}

/* {===== regrouping (§3.3) */

static const char *version_dir(const char *file, char *buf, size_t size)
{
    for (const char *p = strstr(file, "_v"); p; p = strstr(p + 1, "_v")) {
        const char *q = p + 2;
        size_t n = 0;
        while ((q[n] >= '0' && q[n] <= '9') || (q[n] >= 'a' && q[n] <= 'z') ||
               (q[n] >= 'A' && q[n] <= 'Z'))
            n++;
        if (!n)
            continue;
        snprintf(buf, size, "v%.*s", (int)n, q);
        static const char *const stable[] = {"v1", "v2", "v3", "v4", "v5",
                                             "v6", "v7", "v8", "v9", "v10"};
        for (size_t i = 0; i < 10; i++)
            if (!strcmp(buf, stable[i]))
                return buf;
        if ((buf[1] == '1' || buf[1] == '2' || buf[1] == '3') &&
            ((!strncmp(buf + 2, "alpha", 5) && buf[7] >= '1' && buf[7] <= '5' && !buf[8]) ||
             (!strncmp(buf + 2, "beta", 4) && buf[6] >= '1' && buf[6] <= '5' && !buf[7])))
            return buf;
        return "unknown";
    }
    return "unknown";
}

static int regroup(const char *dir, struct imp_err *err)
{
    struct pkg_strs names = {0};
    struct pkg_err perr;
    if (pkg_list_dir(dir, &names, &perr) != 0)
        return imp_fail(err, "%s", perr.msg);
    int rc = 0;
    for (size_t i = 0; i < names.n; i++) {
        size_t l = strlen(names.v[i]);
        if (l < 3 || strcmp(names.v[i] + l - 2, ".k") != 0)
            continue;
        char *p = imp_join(dir, names.v[i]);
        struct stat st;
        bool file = stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (!file)
            continue;
        char vbuf[128];
        const char *v = version_dir(names.v[i], vbuf, sizeof vbuf);
        char *vdir = imp_join(dir, v);
        char *from = imp_join(dir, names.v[i]);
        char *to = imp_join(vdir, names.v[i]);
        if (rc == 0) {
            if (imp_mkdirs(vdir, err) != 0)
                rc = -1;
            else if (rename(from, to) != 0)
                rc = imp_fail(err, "cannot move %s to %s: %s", from, to, strerror(errno));
        }
        free(vdir);
        free(from);
        free(to);
    }
    pkg_strs_free(&names);
    return rc;
}

/* Removes empty directories below 'dir' (not 'dir' itself); true when 'dir'
 * ends up empty. */
static bool prune(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return false;
    bool empty = true;
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = imp_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode) && prune(p) && rmdir(p) == 0) {
            free(p);
            continue;
        }
        free(p);
        empty = false;
    }
    closedir(dp);
    return empty;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct ibuf b = {0};
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        ibuf_putn(&b, buf, n);
    fclose(f);
    return ibuf_take(&b);
}

/* The package directory name: ToFileName(basename(-p)), "_definitions" after a
 * keyword. */
static char *package_dir_name(const char *pkg)
{
    const char *slash = strrchr(pkg, '/');
    char *f = imp_file_name(slash ? slash + 1 : pkg);
    char *m = imp_attr_name(f);
    if (m[0] == '$') {
        struct ibuf b = {0};
        ibuf_printf(&b, "%s_definitions", f);
        free(f);
        f = ibuf_take(&b);
    }
    free(m);
    return f;
}

int imp_crd(const struct imp_opts *o, const struct imp_input *in, size_t n, struct imp_err *err)
{
    const char *out = o->output ? o->output : ".";
    const char *pkg = o->package ? o->package : "models";
    char *pname = package_dir_name(pkg);
    char *dir = imp_join(out, pname);
    cJSON *meta = cJSON_Parse(imp_k8s_meta_json);
    int rc = meta ? 0 : imp_fail(err, "internal error: the meta/v1 definitions do not parse");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct imp_docs docs = {0};
        rc = imp_load_yaml(in[i].name, in[i].text, in[i].len, &docs, err);
        if (rc == 0 && docs.n == 0)
            rc = imp_fail(err, "%s: no CustomResourceDefinition in the input", in[i].name);
        for (size_t k = 0; rc == 0 && k < docs.n; k++)
            rc = gen_crd(&docs.v[k], meta, dir, err);
        imp_docs_free(&docs);
        if (rc == 0) {
            /* the meta/v1 package the CRD files import */
            struct imp_doc md = {.name = "meta/v1"};
            struct imp_defs ds = {.doc = &md, .defs = meta, .ref_prefix = "#/definitions/"};
            for (const cJSON *d = meta->child; rc == 0 && d; d = d->next)
                rc = imp_gen_definition(&ds, d->string, dir, err);
        }
        if (rc == 0)
            rc = regroup(dir, err);
    }
    if (rc == 0) {
        struct ibuf mod = {0};
        ibuf_printf(&mod,
                    "[package]\nname = \"%s\"\nedition = \"v0.11.2\"\nversion = "
                    "\"0.0.1\"\n",
                    pname);
        char *path = imp_join(dir, "kcl.mod");
        char *old = read_all(path);
        if (!old || strcmp(old, mod.p) != 0)
            rc = imp_write_file(path, mod.p, mod.n, err);
        free(old);
        free(path);
        ibuf_free(&mod);
        prune(dir);
    }
    cJSON_Delete(meta);
    free(dir);
    free(pname);
    return rc;
}
