/* scl import -m json / -m yaml: a data file as a KCL config literal
 * (spec/import.md §10). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import.h"

static void put_value(struct ibuf *b, const cJSON *v, int indent);

static void put_entries(struct ibuf *b, const cJSON *v, int indent)
{
    for (const cJSON *c = v->child; c; c = c->next) {
        ibuf_printf(b, "%*s", indent, "");
        if (cJSON_IsObject(v)) {
            imp_put_key(b, c->string);
            ibuf_puts(b, " = ");
        }
        put_value(b, c, indent);
        ibuf_putc(b, '\n');
    }
}

static void put_value(struct ibuf *b, const cJSON *v, int indent)
{
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        ibuf_puts(b, obj ? "{\n" : "[\n");
        put_entries(b, v, indent + 4);
        ibuf_printf(b, "%*s%s", indent, "", obj ? "}" : "]");
    } else if (cJSON_IsNumber(v)) {
        imp_put_fixed(b, v->valuedouble);
    } else {
        imp_put_value(b, v, false);
    }
}

int imp_data(const struct imp_input *in, bool yaml, char **out, struct imp_err *err)
{
    struct imp_docs docs = {0};
    int rc = yaml ? imp_load_yaml(in->name, in->text, in->len, &docs, err)
                  : imp_load_json(in->name, in->text, in->len, &docs, err);
    if (rc != 0) {
        imp_docs_free(&docs);
        return rc;
    }
    struct ibuf b = {0};
    ibuf_puts(&b, imp_generated_header);
    if (docs.n > 1) {
        ibuf_puts(&b, "import manifests\n\nitems = [\n");
        for (size_t i = 0; i < docs.n; i++) {
            ibuf_puts(&b, "    ");
            put_value(&b, docs.v[i].root, 4);
            ibuf_putc(&b, '\n');
        }
        ibuf_puts(&b, "]\n\nmanifests.yaml_stream(items)\n");
    } else {
        ibuf_putc(&b, '\n');
        if (docs.n == 0)
            ibuf_puts(&b, "{}");
        else
            put_value(&b, docs.v[0].root, 0);
        ibuf_putc(&b, '\n');
    }
    imp_docs_free(&docs);
    *out = ibuf_take(&b);
    return 0;
}
