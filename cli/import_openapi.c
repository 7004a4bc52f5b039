/* scl import -m openapi: Swagger 2.0 definitions (as kcl-openapi) and, beyond
 * KCL, OpenAPI 3.x components.schemas; one KCL file per definition
 * (spec/import.md §8, doc/import.md). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cli/import.h"

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static int load_any(const struct imp_input *in, struct imp_docs *docs, struct imp_err *err)
{
    const char *p = in->text;
    while (p < in->text + in->len && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    if (p < in->text + in->len && *p == '{')
        return imp_load_json(in->name, in->text, in->len, docs, err);
    return imp_load_yaml(in->name, in->text, in->len, docs, err);
}

int imp_openapi(const struct imp_opts *o, const struct imp_input *in, size_t n, struct imp_err *err)
{
    const char *out = o->output ? o->output : ".";
    const char *pkg = o->package ? o->package : "models";
    const char *slash = strrchr(pkg, '/');
    char *pname = imp_file_name(slash ? slash + 1 : pkg);
    char *dir = imp_join(out, pname);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct imp_docs docs = {0};
        rc = load_any(&in[i], &docs, err);
        if (rc == 0 && docs.n != 1)
            rc = imp_fail(err, "%s: expected one OpenAPI document, found %zu", in[i].name, docs.n);
        if (rc == 0) {
            const struct imp_doc *d = &docs.v[0];
            const cJSON *sw = get(d->root, "swagger");
            const cJSON *oa = get(d->root, "openapi");
            struct imp_defs ds = {.doc = d, .dotted_modules = true};
            if (cJSON_IsString(sw) && !strcmp(sw->valuestring, "2.0")) {
                ds.defs = get(d->root, "definitions");
                ds.ref_prefix = "#/definitions/";
            } else if (cJSON_IsString(oa) && !strncmp(oa->valuestring, "3.", 2)) {
                ds.defs = get(get(d->root, "components"), "schemas");
                ds.ref_prefix = "#/components/schemas/";
            } else {
                char where[512];
                imp_where(d, d->root, where, sizeof where);
                rc = imp_fail(err,
                              "%snot a Swagger 2.0 or OpenAPI 3 document (no \"swagger: "
                              "2.0\" or \"openapi: 3.x\")",
                              where);
            }
            if (rc == 0 && !cJSON_IsObject(ds.defs))
                rc = imp_fail(err, "%s: the document has no %s", in[i].name, ds.ref_prefix + 2);
            for (const cJSON *def = rc == 0 ? ds.defs->child : NULL; rc == 0 && def;
                 def = def->next)
                rc = imp_gen_definition(&ds, def->string, dir, err);
        }
        imp_docs_free(&docs);
    }
    free(dir);
    free(pname);
    return rc;
}
