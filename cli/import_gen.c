/* scl import: the Swagger model generator shared by `-m crd` and `-m openapi`.
 * One definition gives one KCL file holding its schema and, after it in byte
 * order, the schemas lifted from its anonymous nested objects (spec/import.md
 * §4-§7; differences in doc/import.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/import.h"

/* {===== per-file state */

struct sch {
    char *name;                 /* owned */
    const cJSON *schema;        /* borrowed from the input tree */
    const char *desc_from_name; /* the name humanized when there is no description */
    char *text;                 /* owned: the rendered block */
};

struct import {
    char *path;  /* dotted module path, owned */
    char *alias; /* owned; NULL until aliases are assigned */
};

struct gen {
    const struct imp_defs *ds;
    char *module; /* the module of the file being written ("" for the package
                     itself) */
    struct sch *sch;
    size_t nsch;
    struct import *imports;
    size_t nimports;
    bool aliases_ready; /* second pass: imports are known and have aliases */
    bool regex;
    struct imp_err *err;
    int failed;
    const cJSON *stack[64]; /* allOf/$ref expansion, for cycles */
    size_t nstack;
};

static char *xstrdup(const char *s)
{
    char *r = strdup(s);
    if (!r)
        abort();
    return r;
}

static char *xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);
    if (!r)
        abort();
    return r;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static const char *get_str(const cJSON *o, const char *k)
{
    const cJSON *v = get(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int gfail(struct gen *g, const cJSON *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int gfail(struct gen *g, const cJSON *node, const char *fmt, ...)
{
    if (g->failed)
        return -1;
    g->failed = 1;
    char where[256];
    imp_where(g->ds->doc, node, where, sizeof where);
    size_t wl = strlen(where);
    memcpy(g->err->msg, where, wl + 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->err->msg + wl, sizeof g->err->msg - wl, fmt, ap);
    va_end(ap);
    return -1;
}

/* {===== definitions and references */

/* The definition a "$ref" names, or NULL (an error is recorded). */
static const cJSON *deref(struct gen *g, const cJSON *s, const char **name)
{
    const cJSON *r = get(s, "$ref");
    const char *ref = cJSON_IsString(r) ? r->valuestring : "";
    size_t pl = strlen(g->ds->ref_prefix);
    if (strncmp(ref, g->ds->ref_prefix, pl) != 0) {
        gfail(g, r ? r : s, "$ref \"%s\" points outside this document's %s", ref,
              g->ds->ref_prefix);
        return NULL;
    }
    const cJSON *d = get(g->ds->defs, ref + pl);
    if (!d) {
        gfail(g, r ? r : s, "$ref \"%s\" points nowhere: there is no definition \"%s\"", ref,
              ref + pl);
        return NULL;
    }
    if (name)
        *name = d->string;
    return d;
}

/* The last dotted part of a definition name, '-' and '.' made '_'
 * (MangleModelName), '$' before a keyword. */
static char *short_name(const char *def)
{
    const char *dot = strrchr(def, '.');
    const char *s = dot ? dot + 1 : def;
    struct ibuf b = {0};
    for (; *s; s++)
        ibuf_putc(&b, *s == '-' ? '_' : *s);
    char *r = ibuf_take(&b);
    char *m = imp_attr_name(r);
    if (m[0] == '"') { /* not an identifier: keep the letters and digits */
        free(m);
        for (char *p = r; *p; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
                *p = '_';
        if (r[0] >= '0' && r[0] <= '9') {
            struct ibuf c = {0};
            ibuf_puts(&c, "Nr");
            ibuf_puts(&c, r);
            free(r);
            r = ibuf_take(&c);
        }
        return r;
    }
    free(r);
    return m;
}

/* Module and schema name of a definition: x-kcl-type, dotted names (OpenAPI 3
 * mode), or the package itself (module ""). */
static void def_place(const struct imp_defs *ds, const char *def, const cJSON *schema,
                      char **module, char **type, char **file)
{
    const cJSON *xt = get(schema, "x-kcl-type");
    const char *pkg = get_str(get(xt, "import"), "package");
    const char *xname = get_str(schema, "x-kcl-name");
    if (pkg && get_str(xt, "type")) {
        const char *dot = strrchr(pkg, '.');
        *module = dot ? xstrndup(pkg, (size_t)(dot - pkg)) : xstrdup("");
        *type = xstrdup(get_str(xt, "type"));
        const char *alias = get_str(get(xt, "import"), "alias");
        *file = xstrdup(alias ? alias : dot ? dot + 1 : pkg);
        return;
    }
    const char *dot = ds->dotted_modules ? strrchr(def, '.') : NULL;
    if (dot) {
        struct ibuf m = {0};
        for (const char *p = def; p < dot; p++)
            ibuf_putc(&m, *p == '-' ? '_' : *p);
        *module = ibuf_take(&m);
        *type = xname ? xstrdup(xname) : short_name(def);
        *file = imp_def_file_name(dot + 1);
        return;
    }
    *module = xstrdup("");
    *type = xname ? xstrdup(xname) : short_name(def);
    *file = imp_def_file_name(def);
}

static const char *import_alias(struct gen *g, const char *path)
{
    for (size_t i = 0; i < g->nimports; i++)
        if (!strcmp(g->imports[i].path, path))
            return g->imports[i].alias;
    if (g->aliases_ready)
        return NULL;
    g->imports = realloc(g->imports, (g->nimports + 1) * sizeof *g->imports);
    if (!g->imports)
        abort();
    g->imports[g->nimports++] = (struct import){xstrdup(path), NULL};
    return NULL;
}

/* The type text of a reference to definition 'def'. */
static char *ref_type(struct gen *g, const char *def, const cJSON *target)
{
    char *module, *type, *file;
    def_place(g->ds, def, target, &module, &type, &file);
    free(file);
    if (!strcmp(module, g->module) || !module[0]) {
        free(module);
        return type;
    }
    const char *alias = import_alias(g, module);
    struct ibuf b = {0};
    ibuf_printf(&b, "%s.%s", alias ? alias : "_", type);
    free(module);
    free(type);
    return ibuf_take(&b);
}

/* {===== types (§5.1) */

static const char *type_name(const cJSON *s)
{
    const cJSON *t = get(s, "type");
    if (cJSON_IsString(t))
        return t->valuestring;
    if (cJSON_IsArray(t))
        for (const cJSON *c = t->child; c; c = c->next)
            if (cJSON_IsString(c) && strcmp(c->valuestring, "null"))
                return c->valuestring;
    return NULL;
}

static bool has_props(const cJSON *s)
{
    const cJSON *p = get(s, "properties");
    return cJSON_IsObject(p) && p->child;
}

static bool format_is(const cJSON *s, const char *want)
{
    const char *f = get_str(s, "format");
    if (!f)
        return false;
    struct ibuf b = {0};
    for (; *f; f++)
        if (*f != '-')
            ibuf_putc(&b, *f);
    bool r = !strcmp(ibuf_str(&b), want);
    ibuf_free(&b);
    return r;
}

static bool is_int_or_string(const cJSON *s)
{
    return cJSON_IsTrue(get(s, "x-kubernetes-int-or-string")) || format_is(s, "intorstring");
}

/* The member of a property-level allOf that gives the type when the property
 * has none. */
static const cJSON *allof_ref(const cJSON *s)
{
    if (get(s, "type") || has_props(s) || get(s, "$ref"))
        return NULL;
    const cJSON *all = get(s, "allOf");
    for (const cJSON *m = cJSON_IsArray(all) ? all->child : NULL; m; m = m->next)
        if (get(m, "$ref"))
            return m;
    return NULL;
}

static void lift(struct gen *g, const char *name, const cJSON *schema)
{
    g->sch = realloc(g->sch, (g->nsch + 1) * sizeof *g->sch);
    if (!g->sch)
        abort();
    g->sch[g->nsch++] = (struct sch){xstrdup(name), schema, NULL, NULL};
}

/* The name of a lifted schema: ToGoName(N + ToGoName(p)), with a space for
 * array items. */
static char *lift_name(const char *parent, const char *p, bool space)
{
    char *gp = imp_go_name(p);
    struct ibuf b = {0};
    ibuf_printf(&b, "%s%s%s", parent, space ? " " : "", gp);
    char *r = imp_go_name(ibuf_str(&b));
    ibuf_free(&b);
    free(gp);
    return r;
}

/* The KCL type of 's', the value of property 'p' of the schema named 'parent'.
 * *lifted is set when 's' itself became a lifted schema or a reference (it then
 * loses its default). */
static char *type_of(struct gen *g, const cJSON *s, const char *parent, const char *p, bool items,
                     bool *lifted)
{
    bool dummy;
    if (!lifted)
        lifted = &dummy;
    *lifted = false;
    if (!cJSON_IsObject(s))
        return xstrdup(cJSON_IsTrue(s) ? "any" : "any");
    if (get(s, "$ref") || allof_ref(s)) {
        const cJSON *r = get(s, "$ref") ? s : allof_ref(s);
        const char *def;
        const cJSON *target = deref(g, r, &def);
        *lifted = true;
        if (!target)
            return xstrdup("any");
        /* a definition without properties (IntOrString, Quantity, Time, ...) is a
         * plain type: use it in place, as a schema type would refuse its values */
        if (!has_props(target) && !get(target, "allOf") && !get(target, "$ref")) {
            if (g->nstack >= sizeof g->stack / sizeof g->stack[0])
                return xstrdup("any");
            g->stack[g->nstack++] = target;
            char *t = type_of(g, target, parent, p, items, NULL);
            g->nstack--;
            return t;
        }
        return ref_type(g, def, target);
    }
    if (is_int_or_string(s))
        return xstrdup("int | str");
    const char *t = type_name(s);
    if (t && !strcmp(t, "string"))
        return xstrdup("str");
    if (t && !strcmp(t, "integer"))
        return xstrdup("int");
    if (t && !strcmp(t, "number"))
        return xstrdup(format_is(s, "int") || format_is(s, "int8") || format_is(s, "int16") ||
                               format_is(s, "int32")
                           ? "int"
                           : "float");
    if (t && !strcmp(t, "boolean"))
        return xstrdup("bool");
    if (t && !strcmp(t, "array")) {
        const cJSON *it = get(s, "items");
        if (!cJSON_IsObject(it))
            return xstrdup("[any]");
        struct ibuf ip = {0};
        ibuf_printf(&ip, "%s items0", p);
        char *inner = type_of(g, it, parent, ibuf_str(&ip), true, NULL);
        ibuf_free(&ip);
        struct ibuf b = {0};
        ibuf_printf(&b, "[%s]", inner);
        free(inner);
        return ibuf_take(&b);
    }
    if ((!t || !strcmp(t, "object")) && has_props(s)) {
        char *name = lift_name(parent, p, items);
        lift(g, name, s);
        *lifted = true;
        return name;
    }
    if (!t || !strcmp(t, "object")) {
        const cJSON *ap = get(s, "additionalProperties");
        if (cJSON_IsTrue(ap))
            return xstrdup("{str:any}");
        if (cJSON_IsObject(ap)) {
            struct ibuf ip = {0};
            ibuf_printf(&ip, "%s Anon", p);
            char *inner = type_of(g, ap, parent, ibuf_str(&ip), false, NULL);
            ibuf_free(&ip);
            struct ibuf b = {0};
            ibuf_printf(&b, "{str:%s}", inner);
            free(inner);
            return ibuf_take(&b);
        }
    }
    return xstrdup("any");
}

/* {===== checks (§6) */

static bool format_pruned(const cJSON *s)
{
    static const char *const pruned[] = {"date",         "datetime", "uuid",
                                         "bsonobjectid", "base64",   "duration"};
    const char *f = get_str(s, "format");
    for (size_t i = 0; f && i < sizeof pruned / sizeof pruned[0]; i++)
        if (!strcmp(f, pruned[i]))
            return true;
    return false;
}

static void put_pattern(struct ibuf *b, const char *p)
{
    if (strchr(p, '"') || strchr(p, '\n') || strchr(p, '\r')) {
        imp_put_string(b, p);
        return;
    }
    ibuf_printf(b, "r\"%s\"", p);
}

/* Lines (without indentation) checking 'x' against schema 's'. 'in_loop': the
 * guards of loop bodies (maxLength/minLength use the number guard). Returns
 * whether 's' has validations. */
static bool checks_for(struct gen *g, const cJSON *s, const char *x, bool required, bool in_loop,
                       struct ibuf *lines, size_t depth)
{
    if (!cJSON_IsObject(s) || depth > 32)
        return false;
    bool any = false;
    struct ibuf ng = {0}, sg = {0};
    if (!required) {
        ibuf_printf(&ng, " if %s not in [None, Undefined]", x);
        ibuf_printf(&sg, " if %s", x);
    }
    const char *nguard = ibuf_str(&ng), *sguard = ibuf_str(&sg);
    const char *lguard = in_loop ? nguard : sguard;
    bool pruned = format_pruned(s);
    const cJSON *v;
#define LINE(...) (any = true, ibuf_printf(lines, __VA_ARGS__))
    if (cJSON_IsNumber(v = get(s, "maximum"))) {
        struct ibuf n = {0};
        imp_put_number(&n, v->valuedouble);
        LINE("%s %s %s%s\n", x, cJSON_IsTrue(get(s, "exclusiveMaximum")) ? "<" : "<=", ibuf_str(&n),
             nguard);
        ibuf_free(&n);
    }
    if (cJSON_IsNumber(v = get(s, "minimum"))) {
        struct ibuf n = {0};
        imp_put_number(&n, v->valuedouble);
        LINE("%s %s %s%s\n", x, cJSON_IsTrue(get(s, "exclusiveMinimum")) ? ">" : ">=", ibuf_str(&n),
             nguard);
        ibuf_free(&n);
    }
    if (!pruned && cJSON_IsNumber(v = get(s, "maxLength")))
        LINE("len(%s) <= %lld%s\n", x, (long long)v->valuedouble, lguard);
    if (!pruned && cJSON_IsNumber(v = get(s, "minLength")))
        LINE("len(%s) >= %lld%s\n", x, (long long)v->valuedouble, lguard);
    if (!pruned && cJSON_IsString(v = get(s, "pattern"))) {
        struct ibuf p = {0};
        put_pattern(&p, v->valuestring);
        LINE("_regex_match(str(%s), %s)%s\n", x, ibuf_str(&p), sguard);
        ibuf_free(&p);
        g->regex = true;
    }
    if (cJSON_IsTrue(get(s, "uniqueItems")))
        LINE("isunique(%s)%s\n", x, sguard);
    if (cJSON_IsNumber(v = get(s, "minItems")))
        LINE("len(%s) >= %lld%s\n", x, (long long)v->valuedouble, sguard);
    if (cJSON_IsNumber(v = get(s, "maxItems")))
        LINE("len(%s) <= %lld%s\n", x, (long long)v->valuedouble, sguard);
    if (cJSON_IsNumber(v = get(s, "multipleOf"))) {
        struct ibuf n = {0};
        imp_put_number(&n, v->valuedouble);
        LINE("multiplyof(int(%s), int(%s))%s\n", x, ibuf_str(&n), sguard);
        ibuf_free(&n);
    }
    const char *t = type_name(s);
    const cJSON *it = get(s, "items");
    if (t && !strcmp(t, "array") && cJSON_IsObject(it) && !get(it, "$ref") && !has_props(it)) {
        struct ibuf inner = {0};
        checks_for(g, it, x, false, true, &inner, depth + 1);
        for (const char *l = ibuf_str(&inner); *l;) {
            const char *e = strchr(l, '\n');
            LINE("all %s in %s { %.*s } if %s\n", x, x, (int)(e - l), l, x);
            l = e + 1;
        }
        ibuf_free(&inner);
    }
    const cJSON *ap = get(s, "additionalProperties");
    if ((!t || !strcmp(t, "object")) && !has_props(s) && cJSON_IsObject(ap) && !get(ap, "$ref") &&
        !has_props(ap)) {
        struct ibuf inner = {0};
        checks_for(g, ap, x, false, true, &inner, depth + 1);
        for (const char *l = ibuf_str(&inner); *l;) {
            const char *e = strchr(l, '\n');
            LINE("all _, %s in %s { %.*s } if %s\n", x, x, (int)(e - l), l, x);
            l = e + 1;
        }
        ibuf_free(&inner);
    }
    const cJSON *all = get(s, "allOf");
    for (const cJSON *m = cJSON_IsArray(all) ? all->child : NULL; m; m = m->next)
        if (!get(m, "$ref") && checks_for(g, m, x, required, in_loop, lines, depth + 1))
            any = true;
#undef LINE
    ibuf_free(&ng);
    ibuf_free(&sg);
    return any;
}

/* Whether a quoted attribute gets the "Skip validations" line (§6.4). */
static bool has_any_keyword(const cJSON *s)
{
    static const char *const kw[] = {
        "maximum",  "minimum",  "maxLength",  "minLength", "pattern",
        "maxItems", "minItems", "multipleOf", "items",     "additionalProperties"};
    for (size_t i = 0; i < sizeof kw / sizeof kw[0]; i++)
        if (get(s, kw[i]))
            return true;
    return cJSON_IsTrue(get(s, "uniqueItems"));
}

/* {===== schema blocks (§7.3) */

struct prop {
    const char *raw;
    const cJSON *s;
};

struct props {
    struct prop *v;
    size_t n;
    const cJSON **req; /* "required" arrays */
    size_t nreq;
};

static int collect(struct gen *g, const cJSON *s, struct props *ps)
{
    if (g->nstack == sizeof g->stack / sizeof g->stack[0])
        return gfail(g, s, "schema nested too deeply");
    for (size_t i = 0; i < g->nstack; i++)
        if (g->stack[i] == s)
            return gfail(g, s, "cyclic schema: \"%s\" includes itself through allOf/$ref",
                         s->string ? s->string : "(anonymous)");
    g->stack[g->nstack++] = s;
    if (get(s, "$ref")) {
        const cJSON *t = deref(g, s, NULL);
        int rc = t ? collect(g, t, ps) : -1;
        g->nstack--;
        return rc;
    }
    const cJSON *all = get(s, "allOf");
    for (const cJSON *m = cJSON_IsArray(all) ? all->child : NULL; m; m = m->next)
        if (collect(g, m, ps) != 0) {
            g->nstack--;
            return -1;
        }
    const cJSON *props = get(s, "properties");
    for (const cJSON *p = cJSON_IsObject(props) ? props->child : NULL; p; p = p->next) {
        size_t i;
        for (i = 0; i < ps->n; i++)
            if (!strcmp(ps->v[i].raw, p->string))
                break;
        if (i == ps->n) {
            ps->v = realloc(ps->v, (ps->n + 1) * sizeof *ps->v);
            if (!ps->v)
                abort();
            ps->n++;
        }
        ps->v[i] = (struct prop){p->string, p};
    }
    const cJSON *req = get(s, "required");
    if (cJSON_IsArray(req)) {
        ps->req = realloc(ps->req, (ps->nreq + 1) * sizeof *ps->req);
        if (!ps->req)
            abort();
        ps->req[ps->nreq++] = req;
    }
    g->nstack--;
    return 0;
}

static bool is_required(const struct props *ps, const char *raw)
{
    for (size_t i = 0; i < ps->nreq; i++)
        for (const cJSON *c = ps->req[i]->child; c; c = c->next)
            if (cJSON_IsString(c) && !strcmp(c->valuestring, raw))
                return true;
    return false;
}

static int prop_cmp(const void *a, const void *b)
{
    return strcmp(((const struct prop *)a)->raw, ((const struct prop *)b)->raw);
}

/* Each non-empty line of 'text' prefixed by 'pad' spaces; a trailing newline
 * leaves an empty line. A '"""' inside would end the docstring: it is written
 * '\"""'. */
static void put_doc_lines(struct ibuf *b, const char *text, int pad)
{
    bool crlf = strstr(text, "\r\n") != NULL;
    const char *l = text;
    for (;;) {
        const char *e = crlf ? strstr(l, "\r\n") : strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n)
            ibuf_printf(b, "%*s", pad, "");
        for (size_t i = 0; i < n; i++) {
            if (l[i] == '"' && i + 2 < n + 2 && !strncmp(l + i, "\"\"\"", 3)) {
                ibuf_puts(b, "\\\"");
                continue;
            }
            ibuf_putc(b, l[i]);
        }
        ibuf_putc(b, '\n');
        if (!e)
            break;
        l = e + (crlf ? 2 : 1);
    }
}

static void put_description(struct ibuf *b, const cJSON *s, const char *fallback, int pad)
{
    const char *title = get_str(s, "title");
    const char *desc = get_str(s, "description");
    const char *url = get_str(get(s, "externalDocs"), "url");
    struct ibuf t = {0};
    if (desc && pad == 8 && title) {
        /* title and description, each padded, run together */
        struct ibuf a = {0}, d = {0};
        put_doc_lines(&a, title, pad);
        put_doc_lines(&d, desc, pad);
        if (a.n && a.p[a.n - 1] == '\n')
            a.p[--a.n] = '\0';
        ibuf_puts(b, ibuf_str(&a));
        ibuf_free(&a);
        if (url) {
            if (d.n && d.p[d.n - 1] == '\n')
                d.p[--d.n] = '\0';
            ibuf_printf(&d, ". See Also: %s\n", url);
        }
        ibuf_puts(b, ibuf_str(&d));
        ibuf_free(&d);
        return;
    }
    ibuf_puts(&t, desc ? desc : fallback);
    if (url && desc)
        ibuf_printf(&t, ". See Also: %s", url);
    put_doc_lines(b, ibuf_str(&t), pad);
    ibuf_free(&t);
}

struct attr {
    char *name, *decl_type, *doc_type, *decl_default, *doc_default;
    bool required, quoted, described;
    const cJSON *s;
    const char *raw;
};

static char *enum_type(struct gen *g, const cJSON *s, const cJSON *en, bool as_int)
{
    struct ibuf b = {0};
    for (const cJSON *v = en->child; v; v = v->next) {
        if (cJSON_IsNull(v))
            continue;
        if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
            gfail(g, v, "enum value of \"%s\" is not a scalar", s->string ? s->string : "?");
            break;
        }
        if (b.n)
            ibuf_puts(&b, " | ");
        imp_put_value(&b, v, as_int);
    }
    return b.n ? ibuf_take(&b) : NULL;
}

static char *render_schema(struct gen *g, const char *name, const char *parent, const cJSON *schema,
                           const char *fallback_desc)
{
    struct props ps = {0};
    if (collect(g, schema, &ps) != 0) {
        free(ps.v);
        free(ps.req);
        return NULL;
    }
    if (ps.n > 1)
        qsort(ps.v, ps.n, sizeof *ps.v, prop_cmp);
    struct attr *at = calloc(ps.n ? ps.n : 1, sizeof *at);
    if (!at)
        abort();
    struct ibuf checks = {0};
    bool any_valid = false;
    for (size_t i = 0; i < ps.n; i++) {
        const cJSON *s = ps.v[i].s;
        struct attr *a = &at[i];
        a->raw = ps.v[i].raw;
        a->s = s;
        a->name = imp_attr_name(a->raw);
        a->quoted = a->name[0] == '"';
        bool lifted = false;
        char *t = type_of(g, s, parent, a->raw, false, &lifted);
        a->doc_type = t;
        const cJSON *def = get(s, "default");
        bool has_def = def && !cJSON_IsNull(def) && !lifted;
        bool as_int = !strcmp(t, "int");
        a->required = is_required(&ps, a->raw) || (cJSON_IsTrue(get(s, "readOnly")) && has_def);
        const cJSON *en = get(s, "enum");
        if (cJSON_IsTrue(get(s, "readOnly")) && has_def) {
            struct ibuf v = {0};
            imp_put_value(&v, def, as_int);
            a->decl_type = xstrdup(ibuf_str(&v));
            ibuf_free(&v);
        } else if (cJSON_IsArray(en) && en->child && !lifted) {
            a->decl_type = enum_type(g, s, en, as_int);
        }
        if (!a->decl_type)
            a->decl_type = xstrdup(t);
        if (has_def) {
            struct ibuf v = {0};
            imp_put_value(&v, def, as_int);
            a->decl_default = ibuf_take(&v);
        }
        if (has_def && imp_truthy(def))
            a->doc_default = xstrdup(a->decl_default);
        else
            a->doc_default = xstrdup("Undefined");
        a->described = !lifted || (allof_ref(s) && get_str(s, "description"));
        if (!lifted || !get(s, "$ref")) {
            struct ibuf lines = {0};
            bool v = checks_for(g, s, a->name, a->required, false, &lines, 0);
            if (v || (lifted && false))
                any_valid = true;
            if (a->quoted) {
                if (has_any_keyword(s) || v)
                    ibuf_printf(&checks, "        True  # Skip validations for %s\n", a->name);
            } else {
                for (const char *l = ibuf_str(&lines); *l;) {
                    const char *e = strchr(l, '\n');
                    ibuf_printf(&checks, "        %.*s\n", (int)(e - l), l);
                    l = e + 1;
                }
            }
            ibuf_free(&lines);
        }
    }
    struct ibuf b = {0};
    ibuf_printf(&b, "schema %s:\n    r\"\"\"\n", name);
    put_description(&b, schema, fallback_desc, 4);
    const cJSON *ex = get(schema, "example");
    if (ex) {
        ibuf_puts(&b, "\n    Examples\n    --------\n    demo = ");
        imp_put_value(&b, ex, false);
        ibuf_putc(&b, '\n');
    }
    if (ps.n) {
        ibuf_puts(&b, "\n    Attributes\n    ----------\n");
        for (size_t i = 0; i < ps.n; i++) {
            struct attr *a = &at[i];
            ibuf_printf(&b, "    %s : %s, default is %s, %s\n", a->name, a->doc_type,
                        a->doc_default, a->required ? "required" : "optional");
            char *h = imp_human_lower(a->raw);
            if (a->described)
                put_description(&b, a->s, h, 8);
            else
                put_doc_lines(&b, h, 8);
            free(h);
        }
    }
    ibuf_puts(&b, "    \"\"\"\n\n");
    if (ps.n) {
        ibuf_putc(&b, '\n');
        for (size_t i = 0; i < ps.n; i++) {
            struct attr *a = &at[i];
            ibuf_printf(&b, "    %s%s: %s", a->name, a->required ? "" : "?", a->decl_type);
            if (a->decl_default)
                ibuf_printf(&b, " = %s", a->decl_default);
            ibuf_puts(&b, i + 1 < ps.n ? "\n\n" : "\n\n\n");
        }
        if (any_valid)
            ibuf_printf(&b, "    check:\n%s\n\n", ibuf_str(&checks));
    }
    for (size_t i = 0; i < ps.n; i++) {
        free(at[i].name);
        free(at[i].decl_type);
        free(at[i].doc_type);
        free(at[i].decl_default);
        free(at[i].doc_default);
    }
    free(at);
    ibuf_free(&checks);
    free(ps.v);
    free(ps.req);
    return ibuf_take(&b);
}

/* {===== files */

static int sch_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sch *)a)->name, ((const struct sch *)b)->name);
}

static int import_cmp(const void *a, const void *b)
{
    return strcmp(((const struct import *)a)->path, ((const struct import *)b)->path);
}

static void gen_reset(struct gen *g)
{
    for (size_t i = 0; i < g->nsch; i++) {
        free(g->sch[i].name);
        free(g->sch[i].text);
    }
    free(g->sch);
    g->sch = NULL;
    g->nsch = 0;
    g->regex = false;
}

/* Renders the main schema and every schema lifted from it into 'out'. */
static int gen_body(struct gen *g, const char *def, const cJSON *schema, const char *type,
                    struct ibuf *out)
{
    gen_reset(g);
    lift(g, type, schema);
    g->sch[0].desc_from_name = def;
    for (size_t i = 0; i < g->nsch && !g->failed; i++) {
        /* a lifted schema's names start from its own generated name; the main one's
         * from the definition name (§4.2) */
        const char *n = i == 0 ? def : g->sch[i].name;
        char *h = imp_human_lower(n);
        char *text = render_schema(g, i == 0 ? type : g->sch[i].name, n, g->sch[i].schema, h);
        free(h);
        if (!text)
            return -1;
        g->sch[i].text = text;
    }
    if (g->failed)
        return -1;
    /* lifted schemas in byte order; of two with one name the last one made wins
     */
    if (g->nsch > 1) {
        for (size_t i = 1; i < g->nsch; i++)
            for (size_t j = i + 1; j < g->nsch; j++)
                if (g->sch[i].text && g->sch[j].text && !strcmp(g->sch[i].name, g->sch[j].name)) {
                    free(g->sch[i].text);
                    g->sch[i].text = NULL;
                }
        qsort(g->sch + 1, g->nsch - 1, sizeof *g->sch, sch_cmp);
    }
    for (size_t i = 0; i < g->nsch; i++)
        if (g->sch[i].text)
            ibuf_puts(out, g->sch[i].text);
    return 0;
}

static void assign_aliases(struct gen *g)
{
    if (g->nimports)
        qsort(g->imports, g->nimports, sizeof *g->imports, import_cmp);
    for (size_t i = 0; i < g->nimports; i++) {
        const char *path = g->imports[i].path;
        const char *dot = strrchr(path, '.');
        const char *last = dot ? dot + 1 : path;
        char *alias = xstrdup(last);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(g->imports[j].alias, alias)) {
                /* <parent><UPPER(child)>, then a numbered name */
                free(alias);
                struct ibuf b = {0};
                const char *pdot = NULL;
                for (const char *p = path; p < (dot ? dot : path); p++)
                    if (*p == '.')
                        pdot = p;
                if (dot)
                    ibuf_putn(&b, pdot ? pdot + 1 : path, (size_t)(dot - (pdot ? pdot + 1 : path)));
                for (const char *p = last; *p; p++)
                    ibuf_putc(&b, (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p));
                alias = ibuf_take(&b);
                for (size_t k = 0; k < i; k++)
                    if (!strcmp(g->imports[k].alias, alias)) {
                        struct ibuf c = {0};
                        ibuf_printf(&c, "kclMangled%zu%s", i, alias);
                        free(alias);
                        alias = ibuf_take(&c);
                        break;
                    }
                break;
            }
        g->imports[i].alias = alias;
    }
    g->aliases_ready = true;
}

int imp_gen_definition(const struct imp_defs *ds, const char *name, const char *pkg_dir,
                       struct imp_err *err)
{
    const cJSON *schema = get(ds->defs, name);
    struct gen g = {.ds = ds, .err = err};
    char *module, *type, *file;
    def_place(ds, name, schema, &module, &type, &file);
    g.module = module;
    struct ibuf body = {0};
    int rc = gen_body(&g, name, schema, type, &body); /* first pass: gathers the imports */
    if (rc == 0) {
        assign_aliases(&g);
        ibuf_free(&body);
        rc = gen_body(&g, name, schema, type, &body);
    }
    if (rc == 0) {
        struct ibuf out = {0};
        ibuf_puts(&out, "\"\"\"\n");
        const cJSON *xt = get(schema, "x-kcl-type");
        if (get_str(get(xt, "import"), "package"))
            ibuf_printf(&out, "This is the %s module in %s package.\n", file, module);
        ibuf_puts(&out, imp_generated_header + 4); /* after its opening """ line */
        if (g.regex)
            ibuf_puts(&out, "import regex\n");
        for (size_t i = 0; i < g.nimports; i++) {
            const char *dot = strrchr(g.imports[i].path, '.');
            const char *last = dot ? dot + 1 : g.imports[i].path;
            ibuf_printf(&out, "import %s", g.imports[i].path);
            if (strcmp(last, g.imports[i].alias))
                ibuf_printf(&out, " as %s", g.imports[i].alias);
            ibuf_putc(&out, '\n');
        }
        if (g.regex)
            ibuf_puts(&out, "\n_regex_match = regex.match\n");
        ibuf_puts(&out, "\n\n");
        ibuf_puts(&out, ibuf_str(&body));
        struct ibuf path = {0};
        ibuf_puts(&path, pkg_dir);
        if (module[0]) {
            ibuf_putc(&path, '/');
            for (const char *p = module; *p; p++)
                ibuf_putc(&path, *p == '.' ? '/' : *p);
        }
        ibuf_printf(&path, "/%s.k", file);
        rc = imp_write_file(ibuf_str(&path), out.p, out.n, err);
        ibuf_free(&path);
        ibuf_free(&out);
    }
    ibuf_free(&body);
    gen_reset(&g);
    for (size_t i = 0; i < g.nimports; i++) {
        free(g.imports[i].path);
        free(g.imports[i].alias);
    }
    free(g.imports);
    free(module);
    free(type);
    free(file);
    return rc;
}

/* The docstring every generated file starts with. */
const char imp_generated_header[] =
    "\"\"\"\n"
    "This file was generated by the KCL auto-gen tool. DO NOT EDIT.\n"
    "Editing this file might prove futile when you re-run the KCL auto-gen "
    "generate command.\n"
    "\"\"\"\n";
