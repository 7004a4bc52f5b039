/* scl import -m jsonschema: one JSON Schema (JSON or YAML) to one KCL file of
 * schemas (spec/import.md §9; differences in doc/import.md). The root schema
 * comes first, then every other schema in byte order of its name: nested
 * objects (named by their path), `oneOf` members, array items, and the
 * targets of `$ref` (named by the last part of the reference). Validation
 * keywords become `check:` lines of the schema that holds the attribute. */
#include "config.h"

#include "cli/import.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* {===== state */

struct jsch {
    char *name; /* owned */
    char *text; /* owned: the rendered block */
};

struct jref {
    const cJSON *target; /* an object schema a $ref points to */
    char *name;          /* owned */
    bool done;
};

struct js {
    const struct imp_doc *doc;
    const cJSON *root;
    struct jsch *sch;
    size_t nsch;
    struct jref *refs;
    size_t nrefs;
    const cJSON *stack[128]; /* schemas being merged or inlined, for cycles */
    size_t nstack;
    bool regex;
    int failed;
    struct imp_err *err;
};

/* the merged keywords of one schema: allOf members, then an inlined $ref,
 * then its own keywords (each kind in §9's keyword order) */
struct kw {
    const char *key;
    const cJSON *v;
    const cJSON *owner; /* the schema object holding it */
};

struct prop {
    const char *key;
    const cJSON *node;
};

struct view {
    const cJSON *ref; /* a $ref to an object schema: the attribute's type */
    const char *desc;
    const cJSON *def, *type, *enm, *cnst, *oneof, *items, *addl, *pattp;
    struct prop *props;
    size_t nprops;
    const cJSON **req; /* `required` arrays */
    size_t nreq;
    struct kw *kws;
    size_t nkws;
    bool has_props; /* `properties` seen, even empty */
};

static void view_free(struct view *v)
{
    free(v->props);
    free(v->req);
    free(v->kws);
    memset(v, 0, sizeof *v);
}

static char *xstrdup(const char *s)
{
    char *r = strdup(s);
    if (!r)
        abort();
    return r;
}

static const cJSON *get(const cJSON *o, const char *k)
{
    return cJSON_IsObject(o) ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

static int jfail(struct js *J, const cJSON *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int jfail(struct js *J, const cJSON *node, const char *fmt, ...)
{
    if (J->failed)
        return -1;
    J->failed = 1;
    char where[512];
    imp_where(J->doc, node, where, sizeof where);
    size_t wl = strlen(where);
    if (wl >= sizeof J->err->msg)
        wl = sizeof J->err->msg - 1;
    memcpy(J->err->msg, where, wl);
    J->err->msg[wl] = '\0';
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(J->err->msg + wl, sizeof J->err->msg - wl, fmt, ap);
    va_end(ap);
    return -1;
}

static void warn(struct js *J, const cJSON *node, const char *what)
{
    char where[512];
    imp_where(J->doc, node, where, sizeof where);
    fprintf(stderr, "scl import: warning: %s%s\n", where, what);
}

/* {===== names */

/* iancoleman/strcase ToCamel (§9) */
static char *to_camel(const char *s)
{
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    struct ibuf b = {0};
    bool cap_next = true, prev_cap = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z';
        if (cap_next) {
            if (low)
                c = (char)(c - 32);
        } else if (i == 0) {
            if (up)
                c = (char)(c + 32);
        } else if (prev_cap && up) {
            c = (char)(c + 32);
        }
        prev_cap = up;
        if (up || low) {
            ibuf_putc(&b, c);
            cap_next = false;
        } else if (c >= '0' && c <= '9') {
            ibuf_putc(&b, c);
            cap_next = true;
        } else {
            cap_next = c == '_' || c == ' ' || c == '-' || c == '.';
        }
    }
    ibuf_puts(&b, "");
    return ibuf_take(&b);
}

/* A schema name that is a valid KCL identifier: ToCamel, `Nr` before a
 * leading digit, `MyType` when nothing is left, `Schema` after a name that is
 * a constant. */
static char *schema_name(const char *s)
{
    char *c = to_camel(s);
    struct ibuf b = {0};
    if (!*c)
        ibuf_puts(&b, "MyType");
    else if (*c >= '0' && *c <= '9')
        ibuf_printf(&b, "Nr%s", c);
    else
        ibuf_puts(&b, c);
    free(c);
    static const char *const consts[] = {"True", "False", "None", "Undefined"};
    for (size_t i = 0; i < 4; i++)
        if (!strcmp(ibuf_str(&b), consts[i]))
            ibuf_puts(&b, "Schema");
    return ibuf_take(&b);
}

static char *concat_name(const char *parent, const char *part)
{
    char *c = to_camel(part);
    struct ibuf b = {0};
    ibuf_printf(&b, "%s%s", parent, c);
    free(c);
    return ibuf_take(&b);
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

static void put_value(struct ibuf *b, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        imp_put_string(b, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        imp_put_fixed(b, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        ibuf_puts(b, cJSON_IsTrue(v) ? "True" : "False");
    } else if (cJSON_IsArray(v)) {
        ibuf_putc(b, '[');
        for (const cJSON *c = v->child; c; c = c->next) {
            put_value(b, c);
            if (c->next)
                ibuf_puts(b, ", ");
        }
        ibuf_putc(b, ']');
    } else if (cJSON_IsObject(v)) {
        size_t n = 0;
        for (const cJSON *c = v->child; c; c = c->next)
            n++;
        const cJSON **keys = calloc(n ? n : 1, sizeof *keys);
        if (!keys)
            abort();
        n = 0;
        for (const cJSON *c = v->child; c; c = c->next)
            keys[n++] = c;
        if (n > 1)
            qsort(keys, n, sizeof *keys, key_cmp);
        ibuf_putc(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i)
                ibuf_puts(b, ", ");
            imp_put_key(b, keys[i]->string);
            ibuf_puts(b, " = ");
            put_value(b, keys[i]);
        }
        ibuf_putc(b, '}');
        free(keys);
    } else {
        ibuf_puts(b, "None");
    }
}

/* {===== $ref */

static bool stack_has(const struct js *J, const cJSON *s)
{
    for (size_t i = 0; i < J->nstack; i++)
        if (J->stack[i] == s)
            return true;
    return false;
}

static int stack_push(struct js *J, const cJSON *s, const cJSON *at)
{
    if (stack_has(J, s))
        return jfail(J, at,
                     "cyclic $ref: the schema refers to itself without "
                     "an object in between");
    if (J->nstack == sizeof J->stack / sizeof J->stack[0])
        return jfail(J, at, "schemas nested too deeply");
    J->stack[J->nstack++] = s;
    return 0;
}

/* a node whose "$id" (or "$anchor") is 'id', searched depth first */
static const cJSON *find_key(const cJSON *n, const char *key, const char *id)
{
    if (!n)
        return NULL;
    if (cJSON_IsObject(n)) {
        const cJSON *v = get(n, key);
        if (cJSON_IsString(v) && !strcmp(v->valuestring, id))
            return n;
    }
    for (const cJSON *c = n->child; c; c = c->next)
        if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
            const cJSON *r = find_key(c, key, id);
            if (r)
                return r;
        }
    return NULL;
}

/* One JSON pointer token, "~1" -> '/', "~0" -> '~', %XX decoded. */
static char *pointer_token(const char *s, size_t n)
{
    struct ibuf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            ibuf_putc(&b, s[i + 1] == '0' ? '~' : '/');
            i++;
        } else if (s[i] == '%' && i + 2 < n) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            char *end;
            long c = strtol(hex, &end, 16);
            if (*end == '\0' && c > 0) {
                ibuf_putc(&b, (char)c);
                i += 2;
            } else {
                ibuf_putc(&b, s[i]);
            }
        } else {
            ibuf_putc(&b, s[i]);
        }
    }
    ibuf_puts(&b, "");
    return ibuf_take(&b);
}

static const cJSON *resolve_fragment(const struct js *J, const cJSON *base, const char *frag)
{
    if (!*frag)
        return base;
    if (*frag != '/')
        return find_key(J->root, "$anchor", frag);
    const cJSON *n = base;
    const char *p = frag;
    while (n && *p == '/') {
        p++;
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *tok = pointer_token(p, len);
        if (cJSON_IsArray(n)) {
            char *end;
            long i = strtol(tok, &end, 10);
            n = *tok && *end == '\0' && i >= 0 ? cJSON_GetArrayItem(n, (int)i) : NULL;
        } else {
            n = get(n, tok);
        }
        free(tok);
        p += len;
    }
    return n;
}

/* The schema a "$ref" string names, or NULL. */
static const cJSON *resolve(const struct js *J, const char *ref)
{
    const char *hash = strchr(ref, '#');
    if (hash == ref)
        return resolve_fragment(J, J->root, ref + 1);
    size_t bl = hash ? (size_t)(hash - ref) : strlen(ref);
    char *base = strndup(ref, bl);
    if (!base)
        abort();
    const cJSON *b = find_key(J->root, "$id", base);
    const cJSON *rid = get(J->root, "$id");
    if (!b && cJSON_IsString(rid)) {
        /* relative to the root's $id: the same directory */
        const char *slash = strrchr(rid->valuestring, '/');
        if (slash) {
            struct ibuf full = {0};
            ibuf_putn(&full, rid->valuestring, (size_t)(slash - rid->valuestring) + 1);
            ibuf_puts(&full, base);
            b = find_key(J->root, "$id", ibuf_str(&full));
            ibuf_free(&full);
        }
    }
    free(base);
    if (!b)
        return NULL;
    return hash ? resolve_fragment(J, b, hash + 1) : b;
}

/* The name of a $ref target: the last segment of the reference (§9). */
static char *ref_target_name(const struct js *J, const char *ref, const char *root_name)
{
    const char *hash = strchr(ref, '#');
    const char *seg = hash ? hash + 1 : ref;
    if (!*seg) {
        if (hash == ref || !hash)
            return xstrdup(root_name);
        seg = ref;
    }
    const char *slash = strrchr(seg, '/');
    const char *last = slash ? slash + 1 : seg;
    if (!*last && slash)
        last = seg;
    char *tok = pointer_token(last, strlen(last));
    /* "address.json" names schema Address */
    struct ibuf b = {0};
    for (const char *p = tok; *p;) {
        if (!strncmp(p, ".json", 5)) {
            p += 5;
            continue;
        }
        ibuf_putc(&b, *p++);
    }
    ibuf_puts(&b, "");
    free(tok);
    char *r = schema_name(ibuf_str(&b));
    ibuf_free(&b);
    (void)J;
    return r;
}

/* {===== merging keywords into a view */

/* the type list without null has exactly 'name' */
static bool type_only(const cJSON *t, const char *name)
{
    if (cJSON_IsString(t))
        return !strcmp(t->valuestring, name);
    if (!cJSON_IsArray(t))
        return false;
    bool seen = false;
    for (const cJSON *c = t->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !strcmp(c->valuestring, "null"))
            continue;
        if (strcmp(c->valuestring, name))
            return false;
        seen = true;
    }
    return seen;
}

/* "null", or a list of only "null" */
static bool only_null_type(const cJSON *t)
{
    if (cJSON_IsString(t))
        return !strcmp(t->valuestring, "null");
    if (!cJSON_IsArray(t) || !t->child)
        return false;
    for (const cJSON *c = t->child; c; c = c->next)
        if (!cJSON_IsString(c) || strcmp(c->valuestring, "null"))
            return false;
    return true;
}

/* Whether schema 's' (through allOf and $ref) describes an object. */
static bool objectish(const struct js *J, const cJSON *s, int depth)
{
    if (!cJSON_IsObject(s) || depth > 32)
        return false;
    const cJSON *t = get(s, "type");
    if (t)
        return type_only(t, "object");
    if (get(s, "properties") || get(s, "additionalProperties") || get(s, "patternProperties"))
        return !get(s, "enum") && !get(s, "const");
    const cJSON *r = get(s, "$ref");
    if (cJSON_IsString(r) && objectish(J, resolve(J, r->valuestring), depth + 1))
        return true;
    const cJSON *all = get(s, "allOf");
    if (cJSON_IsArray(all))
        for (const cJSON *m = all->child; m; m = m->next)
            if (objectish(J, m, depth + 1))
                return true;
    return false;
}

static void add_kw(struct view *v, const char *key, const cJSON *val, const cJSON *owner)
{
    v->kws = realloc(v->kws, (v->nkws + 1) * sizeof *v->kws);
    if (!v->kws)
        abort();
    v->kws[v->nkws++] = (struct kw){key, val, owner};
}

static void add_prop(struct view *v, const char *key, const cJSON *node)
{
    for (size_t i = 0; i < v->nprops; i++)
        if (!strcmp(v->props[i].key, key)) {
            v->props[i].node = node; /* a later allOf member or own keyword wins */
            return;
        }
    v->props = realloc(v->props, (v->nprops + 1) * sizeof *v->props);
    if (!v->props)
        abort();
    v->props[v->nprops++] = (struct prop){key, node};
}

/* the validation keywords, in §9's keyword order */
static const char *const check_keys[] = {
    "multipleOf", "maximum", "exclusiveMaximum", "minimum",  "exclusiveMinimum", "maxLength",
    "minLength",  "pattern", "maxItems",         "minItems", "uniqueItems",      "format",
};

/* Adds schema 's' to 'v'. 'inline_objects': a $ref to an object schema is
 * merged too (allOf members, the root) instead of becoming the type. */
static int merge(struct js *J, const cJSON *s, struct view *v, bool inline_objects)
{
    if (!cJSON_IsObject(s))
        return 0; /* true/false schemas constrain nothing we can write */
    if (stack_push(J, s, s) != 0)
        return -1;
    int rc = 0;
    const cJSON *all = get(s, "allOf");
    if (cJSON_IsArray(all))
        for (const cJSON *m = all->child; rc == 0 && m; m = m->next)
            rc = merge(J, m, v, true);
    const cJSON *r = get(s, "$ref");
    if (rc == 0 && r) {
        const cJSON *t = cJSON_IsString(r) ? resolve(J, r->valuestring) : NULL;
        if (!t)
            rc = jfail(J, r, "$ref \"%s\" points nowhere", cJSON_IsString(r) ? r->valuestring : "");
        else if (!inline_objects && objectish(J, t, 0))
            v->ref = r;
        else if (stack_has(J, t))
            rc = jfail(J, r, "cyclic $ref \"%s\"", r->valuestring);
        else
            rc = merge(J, t, v, true);
    }
    if (rc != 0) {
        J->nstack--;
        return rc;
    }
    const cJSON *d = get(s, "description");
    if (cJSON_IsString(d))
        v->desc = d->valuestring;
    const cJSON *def = get(s, "default");
    if (def)
        v->def = def;
    if (get(s, "type"))
        v->type = get(s, "type");
    if (cJSON_IsArray(get(s, "enum")))
        v->enm = get(s, "enum");
    if (get(s, "const"))
        v->cnst = get(s, "const");
    for (size_t i = 0; i < sizeof check_keys / sizeof check_keys[0]; i++) {
        const cJSON *k = get(s, check_keys[i]);
        if (k)
            add_kw(v, check_keys[i], k, s);
    }
    if (cJSON_IsArray(get(s, "oneOf")))
        v->oneof = get(s, "oneOf");
    if (cJSON_IsObject(get(s, "patternProperties")))
        v->pattp = get(s, "patternProperties");
    const cJSON *req = get(s, "required");
    if (cJSON_IsArray(req)) {
        v->req = realloc(v->req, (v->nreq + 1) * sizeof *v->req);
        if (!v->req)
            abort();
        v->req[v->nreq++] = req;
    }
    if (get(s, "items"))
        v->items = get(s, "items");
    const cJSON *props = get(s, "properties");
    if (cJSON_IsObject(props)) {
        v->has_props = true;
        for (const cJSON *p = props->child; p; p = p->next)
            add_prop(v, p->string, p);
    }
    if (get(s, "additionalProperties"))
        v->addl = get(s, "additionalProperties");
    if (get(s, "anyOf"))
        warn(J, get(s, "anyOf"), "anyOf is ignored");
    if (get(s, "not"))
        warn(J, get(s, "not"), "not is ignored");
    J->nstack--;
    return 0;
}

static bool view_required(const struct view *v, const char *key)
{
    for (size_t i = 0; i < v->nreq; i++)
        for (const cJSON *c = v->req[i]->child; c; c = c->next)
            if (cJSON_IsString(c) && !strcmp(c->valuestring, key))
                return true;
    return false;
}

static bool view_objectish(const struct view *v)
{
    if (v->type)
        return type_only(v->type, "object");
    return (v->has_props || v->addl || v->pattp) && !v->enm && !v->cnst;
}

/* {===== types */

static char *type_of(struct js *J, const cJSON *s, const char *name);
static char *view_type(struct js *J, struct view *v, const char *name, const cJSON *at);
static char *build_schema(struct js *J, struct view *v, const char *name, bool root);

/* a $ref to an object schema: its name, the schema made later */
static char *ref_type(struct js *J, const cJSON *r)
{
    const cJSON *t = resolve(J, r->valuestring);
    for (size_t i = 0; i < J->nrefs; i++)
        if (J->refs[i].target == t)
            return xstrdup(J->refs[i].name);
    J->refs = realloc(J->refs, (J->nrefs + 1) * sizeof *J->refs);
    if (!J->refs)
        abort();
    char *name = ref_target_name(J, r->valuestring, J->nrefs ? J->refs[0].name : "MyType");
    J->refs[J->nrefs++] = (struct jref){t, name, false};
    return xstrdup(name);
}

static bool scalar(const cJSON *v)
{
    return cJSON_IsString(v) || cJSON_IsNumber(v) || cJSON_IsBool(v);
}

struct types {
    char **v;
    size_t n;
};

static void types_add(struct types *t, char *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i], s)) {
            free(s);
            return;
        }
    t->v = realloc(t->v, (t->n + 1) * sizeof *t->v);
    if (!t->v)
        abort();
    t->v[t->n++] = s;
}

static char *types_join(struct types *t, const char *empty)
{
    struct ibuf b = {0};
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            ibuf_puts(&b, " | ");
        ibuf_puts(&b, t->v[i]);
        free(t->v[i]);
    }
    free(t->v);
    t->v = NULL;
    if (!t->n)
        ibuf_puts(&b, empty);
    t->n = 0;
    return ibuf_take(&b);
}

static char *array_type(struct js *J, struct view *v, const char *name, const cJSON *at)
{
    const cJSON *it = v->items;
    if (cJSON_IsArray(it)) {
        warn(J, it, "tuple items are ignored");
        return xstrdup("[any]");
    }
    if (!cJSON_IsObject(it))
        return xstrdup("[any]");
    char *iname = concat_name(name, "items0");
    char *t = type_of(J, it, iname);
    free(iname);
    if (!t)
        return NULL;
    struct ibuf b = {0};
    ibuf_printf(&b, "[%s]", t);
    free(t);
    (void)at;
    return ibuf_take(&b);
}

static char *view_type(struct js *J, struct view *v, const char *name, const cJSON *at)
{
    if (v->ref)
        return ref_type(J, v->ref);
    struct types ts = {0};
    if (v->enm) {
        bool ok = true;
        for (const cJSON *c = v->enm->child; c; c = c->next)
            if (!scalar(c) && !cJSON_IsNull(c))
                ok = false;
        if (ok) {
            for (const cJSON *c = v->enm->child; c; c = c->next)
                if (scalar(c)) {
                    struct ibuf b = {0};
                    put_value(&b, c);
                    types_add(&ts, ibuf_take(&b));
                }
            if (ts.n)
                return types_join(&ts, "any");
        }
    }
    if (v->cnst && scalar(v->cnst)) {
        struct ibuf b = {0};
        put_value(&b, v->cnst);
        return ibuf_take(&b);
    }
    if (v->oneof) {
        int i = 0;
        for (const cJSON *m = v->oneof->child; m; m = m->next, i++) {
            if (only_null_type(get(m, "type")))
                continue; /* null members are dropped */
            char part[32];
            snprintf(part, sizeof part, "oneOf%d", i);
            char *mname = concat_name(name, part);
            char *mt = type_of(J, m, mname);
            free(mname);
            if (!mt) {
                free(types_join(&ts, ""));
                return NULL;
            }
            types_add(&ts, mt);
        }
        return types_join(&ts, "any");
    }
    const cJSON *t = v->type;
    if (!t) {
        if (view_objectish(v))
            return build_schema(J, v, name, false);
        if (v->items)
            return array_type(J, v, name, at);
        return xstrdup("any");
    }
    bool only_null = true;
    for (const cJSON *c = cJSON_IsArray(t) ? t->child : t; c;
         c = cJSON_IsArray(t) ? c->next : NULL) {
        if (!cJSON_IsString(c))
            continue;
        const char *n = c->valuestring;
        char *one = NULL;
        if (!strcmp(n, "null"))
            continue;
        only_null = false;
        if (!strcmp(n, "string"))
            one = xstrdup("str");
        else if (!strcmp(n, "integer"))
            one = xstrdup("int");
        else if (!strcmp(n, "number"))
            one = xstrdup("float");
        else if (!strcmp(n, "boolean"))
            one = xstrdup("bool");
        else if (!strcmp(n, "array"))
            one = array_type(J, v, name, at);
        else if (!strcmp(n, "object"))
            one = build_schema(J, v, name, false);
        else {
            warn(J, c, "unknown type: str is used");
            one = xstrdup("str");
        }
        if (!one) {
            free(types_join(&ts, ""));
            return NULL;
        }
        types_add(&ts, one);
    }
    if (only_null && !ts.n)
        return xstrdup("None");
    return types_join(&ts, "any");
}

static char *type_of(struct js *J, const cJSON *s, const char *name)
{
    struct view v = {0};
    if (merge(J, s, &v, false) != 0) {
        view_free(&v);
        return NULL;
    }
    if (stack_push(J, s, s) != 0) {
        view_free(&v);
        return NULL;
    }
    char *t = view_type(J, &v, name, s);
    J->nstack--;
    view_free(&v);
    return t;
}

/* {===== checks */

/* The fixed patterns of the `format`s kcl-go checks (§9). date-time is the
 * spec's; the others are scl's. */
static const struct {
    const char *format, *re;
} formats[] = {
    {"date-time", "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$"},
    {"email", "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$"},
    {"hostname", "^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\\.[a-zA-Z0-9]([a-zA-Z0-9-]{"
                 "0,61}[a-zA-Z0-9])?)*$"},
    {"ipv4", "^((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|"
             "1\\d\\d|[1-9]?\\d)$"},
    {"ipv6", "^(([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|(([0-9a-fA-F]{1,4}:){0,"
             "7}[0-9a-fA-F]{1,4})?::(([0-9a-fA-F]{1,4}:){0,7}[0-9a-fA-F]{1,4})"
             "?)$"},
    {"uri", "^[a-zA-Z][a-zA-Z0-9+.-]*:[^\\s]*$"},
    {"uuid", "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-["
             "0-9a-fA-F]{12}$"},
};

static int check_pattern(struct js *J, const cJSON *node)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)node->valuestring, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_UCP, &ec, &eo, NULL);
    if (code) {
        pcre2_code_free(code);
        return 0;
    }
    PCRE2_UCHAR msg[200];
    pcre2_get_error_message(ec, msg, sizeof msg);
    return jfail(J, node, "invalid pattern \"%s\": %s at offset %zu", node->valuestring,
                 (const char *)msg, (size_t)eo);
}

static void put_regex(struct ibuf *b, const char *p)
{
    if (strchr(p, '"') || strchr(p, '\n') || strchr(p, '\r')) {
        imp_put_string(b, p);
        return;
    }
    ibuf_printf(b, "r\"%s\"", p);
}

static bool integral(double d)
{
    return d == floor(d) && fabs(d) < 9e15;
}

/* The check expressions of 'v' for the value 'x' (no guard), one per line,
 * each line "expr\n". 'type': the attribute's KCL type text. */
static int view_checks(struct js *J, const struct view *v, const char *x, const char *type,
                       struct ibuf *out)
{
    for (size_t i = 0; i < v->nkws; i++) {
        const struct kw *k = &v->kws[i];
        const cJSON *n = k->v;
        bool num = cJSON_IsNumber(n);
        if (!strcmp(k->key, "multipleOf")) {
            if (!num || !integral(n->valuedouble) || n->valuedouble == 0)
                continue; /* kcl-go: integral multipleOf only */
            if (!strcmp(type, "int"))
                ibuf_printf(out, "multiplyof(%s, %lld)\n", x, (long long)n->valuedouble);
            else
                ibuf_printf(out, "%s %% %lld == 0\n", x, (long long)n->valuedouble);
        } else if (!strcmp(k->key, "maximum") || !strcmp(k->key, "minimum")) {
            if (!num)
                continue;
            bool max = k->key[1] == 'a';
            /* draft 4: a boolean exclusiveMaximum/Minimum beside it */
            bool excl = cJSON_IsTrue(get(k->owner, max ? "exclusiveMaximum" : "exclusiveMinimum"));
            ibuf_printf(out, "%s %s ", x, max ? (excl ? "<" : "<=") : (excl ? ">" : ">="));
            imp_put_number(out, n->valuedouble);
            ibuf_putc(out, '\n');
        } else if (!strcmp(k->key, "exclusiveMaximum") || !strcmp(k->key, "exclusiveMinimum")) {
            if (!num)
                continue;
            ibuf_printf(out, "%s %s ", x, k->key[9] == 'M' && k->key[10] == 'a' ? "<" : ">");
            imp_put_number(out, n->valuedouble);
            ibuf_putc(out, '\n');
        } else if (!strcmp(k->key, "maxLength") || !strcmp(k->key, "maxItems") ||
                   !strcmp(k->key, "minLength") || !strcmp(k->key, "minItems")) {
            if (!num)
                continue;
            ibuf_printf(out, "len(%s) %s %lld\n", x,
                        k->key[1] == 'a' ? "<=" : ">=", (long long)n->valuedouble);
        } else if (!strcmp(k->key, "pattern")) {
            if (!cJSON_IsString(n))
                continue;
            if (check_pattern(J, n) != 0)
                return -1;
            ibuf_printf(out, "regex.match(%s, ", x);
            put_regex(out, n->valuestring);
            ibuf_puts(out, ")\n");
            J->regex = true;
        } else if (!strcmp(k->key, "uniqueItems")) {
            if (cJSON_IsTrue(n))
                ibuf_printf(out, "isunique(%s)\n", x);
        } else if (!strcmp(k->key, "format")) {
            if (!cJSON_IsString(n))
                continue;
            for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++)
                if (!strcmp(n->valuestring, formats[f].format)) {
                    ibuf_printf(out, "regex.match(%s, r\"%s\")\n", x, formats[f].re);
                    J->regex = true;
                }
        }
    }
    return 0;
}

/* The lines of attribute 'x' (escaped name) into 'out', each indented 8:
 * its own keywords, then those of its array items as loops. */
static int attr_checks(struct js *J, const struct view *v, const char *x, const char *type,
                       bool required, int depth, struct ibuf *out)
{
    struct ibuf lines = {0};
    if (view_checks(J, v, x, type, &lines) != 0) {
        ibuf_free(&lines);
        return -1;
    }
    /* items of an array (not a named schema: its checks are its own) */
    if (v->items && cJSON_IsObject(v->items) && type[0] == '[' && depth < 8) {
        struct view iv = {0};
        if (merge(J, v->items, &iv, false) != 0) {
            view_free(&iv);
            ibuf_free(&lines);
            return -1;
        }
        if (!iv.ref) {
            char var[16];
            snprintf(var, sizeof var, depth ? "item%d" : "item", depth);
            /* the item type: the text inside the outer brackets */
            size_t tl = strlen(type);
            char *itype = strndup(type + 1, tl >= 2 ? tl - 2 : 0);
            if (!itype)
                abort();
            struct ibuf inner = {0};
            int rc = attr_checks(J, &iv, var, itype, true, depth + 1, &inner);
            free(itype);
            if (rc != 0) {
                ibuf_free(&inner);
                view_free(&iv);
                ibuf_free(&lines);
                return -1;
            }
            /* each inner line "        expr\n" becomes a loop */
            for (const char *l = ibuf_str(&inner); *l;) {
                const char *e = strchr(l, '\n');
                while (*l == ' ')
                    l++;
                ibuf_printf(&lines, "all %s in %s { %.*s }\n", var, x, (int)(e - l), l);
                l = e + 1;
            }
            ibuf_free(&inner);
        }
        view_free(&iv);
    }
    for (const char *l = ibuf_str(&lines); *l;) {
        const char *e = strchr(l, '\n');
        ibuf_printf(out, "        %.*s", (int)(e - l), l);
        if (!required)
            ibuf_printf(out, " if %s", x);
        ibuf_putc(out, '\n');
        l = e + 1;
    }
    ibuf_free(&lines);
    return 0;
}

/* {===== schemas */

/* Each line of 'text' prefixed by 'pad' spaces (empty lines stay empty); a
 * '"""' inside would end the docstring: it is written '\"""'. */
static void put_doc_lines(struct ibuf *b, const char *text, int pad)
{
    const char *l = text;
    for (;;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        if (n && l[n - 1] == '\r')
            n--;
        if (n)
            ibuf_printf(b, "%*s", pad, "");
        for (size_t i = 0; i < n; i++) {
            if (!strncmp(l + i, "\"\"\"", 3) && i + 3 <= n) {
                ibuf_puts(b, "\\\"");
                continue;
            }
            ibuf_putc(b, l[i]);
        }
        ibuf_putc(b, '\n');
        if (!e)
            break;
        l = e + 1;
    }
}

static void add_schema(struct js *J, const char *name, char *text)
{
    for (size_t i = 0; i < J->nsch; i++)
        if (!strcmp(J->sch[i].name, name)) {
            free(J->sch[i].text); /* one name, one schema: the last one made */
            J->sch[i].text = text;
            return;
        }
    J->sch = realloc(J->sch, (J->nsch + 1) * sizeof *J->sch);
    if (!J->sch)
        abort();
    J->sch[J->nsch++] = (struct jsch){xstrdup(name), text};
}

struct jattr {
    char *name, *type, *def;
    const char *desc;
    bool required;
};

/* Renders schema 'name' from view 'v' and returns its name (owned). */
static char *build_schema(struct js *J, struct view *v, const char *name, bool root)
{
    struct jattr *as = calloc(v->nprops ? v->nprops : 1, sizeof *as);
    if (!as)
        abort();
    struct ibuf checks = {0};
    int rc = 0;
    size_t na = 0;
    bool key_taken = false;
    for (size_t i = 0; rc == 0 && i < v->nprops; i++) {
        const struct prop *p = &v->props[i];
        struct jattr *a = &as[na++];
        struct ibuf nb = {0};
        imp_put_key(&nb, p->key);
        a->name = ibuf_take(&nb);
        if (!strcmp(p->key, "key"))
            key_taken = true;
        a->required = view_required(v, p->key);
        struct view pv = {0};
        char *pname = concat_name(name, p->key);
        if (merge(J, p->node, &pv, false) != 0 || stack_push(J, p->node, p->node) != 0) {
            rc = -1;
        } else {
            a->type = view_type(J, &pv, pname, p->node);
            J->nstack--;
            if (!a->type)
                rc = -1;
        }
        free(pname);
        if (rc == 0) {
            const cJSON *d = pv.def && !cJSON_IsNull(pv.def) ? pv.def : NULL;
            if (!d && pv.cnst && scalar(pv.cnst) && !pv.enm)
                d = pv.cnst;
            if (d) {
                struct ibuf db = {0};
                put_value(&db, d);
                a->def = ibuf_take(&db);
            }
            a->desc = pv.desc;
            /* a quoted name cannot be referred to in a check (doc/import.md) */
            if (!pv.ref && imp_is_ident(p->key))
                rc = attr_checks(J, &pv, a->name, a->type, a->required, 0, &checks);
        }
        view_free(&pv);
    }
    /* the index signature */
    char *index = NULL;
    if (rc == 0 && v->pattp && v->pattp->child) {
        const char *alias = key_taken ? "_key" : "key";
        struct ibuf tb = {0}, cb = {0};
        struct types ts = {0};
        int i = 0;
        for (const cJSON *pp = v->pattp->child; rc == 0 && pp; pp = pp->next, i++) {
            char part[40];
            snprintf(part, sizeof part, "patternProperties%d", i);
            char *pn = concat_name(name, part);
            char *t = type_of(J, pp, pn);
            free(pn);
            if (!t) {
                rc = -1;
                break;
            }
            types_add(&ts, t);
            cJSON key = {0};
            key.type = cJSON_String;
            key.valuestring = pp->string;
            /* the key node has no position of its own: use the value's */
            const cJSON *at = pp;
            if (check_pattern(J, &key) != 0) {
                J->failed = 0;
                rc = jfail(J, at, "invalid pattern \"%s\" in patternProperties", pp->string);
                break;
            }
            if (i)
                ibuf_puts(&cb, " or ");
            ibuf_printf(&cb, "regex.match(%s, ", alias);
            put_regex(&cb, pp->string);
            ibuf_putc(&cb, ')');
            J->regex = true;
        }
        char *t = types_join(&ts, "any");
        if (rc == 0) {
            ibuf_printf(&tb, "    [%s: str]: %s\n", alias, t);
            index = ibuf_take(&tb);
            ibuf_printf(&checks, "        %s\n", ibuf_str(&cb));
        }
        free(t);
        ibuf_free(&tb);
        ibuf_free(&cb);
    } else if (rc == 0 && (v->addl || !v->has_props) && !cJSON_IsFalse(v->addl)) {
        char *t;
        if (cJSON_IsObject(v->addl)) {
            char *an = concat_name(name, "additionalProperties");
            t = type_of(J, v->addl, an);
            free(an);
        } else {
            t = xstrdup("any");
        }
        if (!t) {
            rc = -1;
        } else {
            struct ibuf tb = {0};
            ibuf_printf(&tb, "    [...str]: %s\n", t);
            index = ibuf_take(&tb);
            free(t);
        }
    }
    char *result = NULL;
    if (rc == 0) {
        struct ibuf b = {0};
        ibuf_printf(&b, "schema %s:\n    r\"\"\"\n", name);
        put_doc_lines(&b, v->desc && *v->desc ? v->desc : name, 4);
        if (na) {
            ibuf_puts(&b, "\n    Attributes\n    ----------\n");
            for (size_t i = 0; i < na; i++) {
                ibuf_printf(&b, "    %s : %s, %s", as[i].name, as[i].type,
                            as[i].required ? "required" : "optional");
                if (as[i].def)
                    ibuf_printf(&b, ", default is %s", as[i].def);
                ibuf_putc(&b, '\n');
                if (as[i].desc && *as[i].desc)
                    put_doc_lines(&b, as[i].desc, 8);
            }
        }
        ibuf_puts(&b, "    \"\"\"\n");
        if (na || index)
            ibuf_putc(&b, '\n');
        for (size_t i = 0; i < na; i++) {
            ibuf_printf(&b, "    %s%s: %s", as[i].name, as[i].required ? "" : "?", as[i].type);
            if (as[i].def)
                ibuf_printf(&b, " = %s", as[i].def);
            ibuf_putc(&b, '\n');
        }
        if (index)
            ibuf_puts(&b, index);
        if (checks.n)
            ibuf_printf(&b, "\n    check:\n%s", ibuf_str(&checks));
        ibuf_putc(&b, '\n');
        if (root) {
            /* the root goes first: kept apart */
            J->sch = realloc(J->sch, (J->nsch + 1) * sizeof *J->sch);
            if (!J->sch)
                abort();
            memmove(J->sch + 1, J->sch, J->nsch * sizeof *J->sch);
            J->sch[0] = (struct jsch){xstrdup(name), ibuf_take(&b)};
            J->nsch++;
        } else {
            add_schema(J, name, ibuf_take(&b));
        }
        result = xstrdup(name);
    }
    for (size_t i = 0; i < na; i++) {
        free(as[i].name);
        free(as[i].type);
        free(as[i].def);
    }
    free(as);
    free(index);
    ibuf_free(&checks);
    return result;
}

static int sch_cmp(const void *a, const void *b)
{
    return strcmp(((const struct jsch *)a)->name, ((const struct jsch *)b)->name);
}

/* The root's name: the last '/' part of $id without ".json", else the input
 * name without its extension (§9). */
static char *root_name(const char *input, const cJSON *root)
{
    const cJSON *id = get(root, "$id");
    if (!cJSON_IsString(id))
        id = get(root, "id"); /* draft 4 */
    struct ibuf b = {0};
    if (cJSON_IsString(id) && strrchr(id->valuestring, '/')) {
        const char *last = strrchr(id->valuestring, '/') + 1;
        for (const char *p = last; *p && *p != '#';) {
            if (!strncmp(p, ".json", 5)) {
                p += 5;
                continue;
            }
            ibuf_putc(&b, *p++);
        }
    } else {
        const char *slash = strrchr(input, '/');
        const char *base = slash ? slash + 1 : input;
        if (!strcmp(base, "<stdin>"))
            base = "stdin";
        const char *dot = strrchr(base, '.');
        ibuf_putn(&b, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
    }
    ibuf_puts(&b, "");
    char *r = schema_name(ibuf_str(&b));
    ibuf_free(&b);
    return r;
}

/* every object schema under "$defs"/"definitions" of 'n', named by its key */
static void register_defs(struct js *J, const cJSON *n, int depth)
{
    static const char *const holders[] = {"$defs", "definitions"};
    if (depth > 8)
        return;
    for (size_t h = 0; h < 2; h++) {
        const cJSON *defs = get(n, holders[h]);
        if (!cJSON_IsObject(defs))
            continue;
        for (const cJSON *d = defs->child; d; d = d->next) {
            if (objectish(J, d, 0)) {
                bool known = false;
                for (size_t i = 0; i < J->nrefs; i++)
                    known |= J->refs[i].target == d;
                if (!known) {
                    J->refs = realloc(J->refs, (J->nrefs + 1) * sizeof *J->refs);
                    if (!J->refs)
                        abort();
                    J->refs[J->nrefs++] = (struct jref){d, schema_name(d->string), false};
                }
            }
            register_defs(J, d, depth + 1);
        }
    }
}

static int load(const struct imp_input *in, struct imp_docs *docs, struct imp_err *err)
{
    if (imp_load_yaml(in->name, in->text, in->len, docs, err) == 0)
        return 0;
    imp_docs_free(docs);
    /* not YAML: if it looks like JSON, say where JSON breaks */
    size_t i = 0;
    while (i < in->len && strchr(" \t\r\n", in->text[i]))
        i++;
    if (i < in->len && (in->text[i] == '{' || in->text[i] == '[')) {
        struct imp_err jerr = {{0}};
        if (imp_load_json(in->name, in->text, in->len, docs, &jerr) == 0)
            return 0; /* JSON libyaml does not take: no positions */
        imp_docs_free(docs);
        *err = jerr;
    }
    return -1;
}

int imp_jsonschema(const struct imp_input *in, char **out, struct imp_err *err)
{
    struct imp_docs docs = {0};
    if (load(in, &docs, err) != 0)
        return -1;
    if (docs.n != 1) {
        imp_docs_free(&docs);
        return imp_fail(err, "%s: %s", in->name,
                        docs.n ? "a JSON Schema is one document, not several" : "empty document");
    }
    struct js J = {.doc = &docs.v[0], .root = docs.v[0].root, .err = err};
    int rc = 0;
    if (!cJSON_IsObject(J.root)) {
        rc = jfail(&J, J.root, "the root of a JSON Schema must be an object");
    }
    char *rname = rc == 0 ? root_name(in->name, J.root) : NULL;
    if (rc == 0) {
        /* refs[0] is the root itself ("#") */
        J.refs = calloc(1, sizeof *J.refs);
        if (!J.refs)
            abort();
        J.refs[0] = (struct jref){J.root, xstrdup(rname), true};
        J.nrefs = 1;
        register_defs(&J, J.root, 0);
        struct view v = {0};
        if (merge(&J, J.root, &v, true) != 0) {
            rc = -1;
        } else if (!view_objectish(&v) && v.type) {
            rc = jfail(&J, v.type, "the root schema is not an object");
        } else if (stack_push(&J, J.root, J.root) != 0) {
            rc = -1;
        } else {
            char *n = build_schema(&J, &v, rname, true);
            J.nstack--;
            if (!n)
                rc = -1;
            free(n);
        }
        view_free(&v);
    }
    /* the targets of $ref, and the definitions, as they come */
    for (size_t i = 0; rc == 0 && i < J.nrefs; i++) {
        if (J.refs[i].done)
            continue;
        J.refs[i].done = true;
        struct view v = {0};
        const cJSON *t = J.refs[i].target;
        if (merge(&J, t, &v, true) != 0 || stack_push(&J, t, t) != 0) {
            rc = -1;
        } else {
            char *n = build_schema(&J, &v, J.refs[i].name, false);
            J.nstack--;
            if (!n)
                rc = -1;
            free(n);
        }
        view_free(&v);
    }
    if (rc == 0) {
        if (J.nsch > 1)
            qsort(J.sch + 1, J.nsch - 1, sizeof *J.sch, sch_cmp);
        struct ibuf b = {0};
        ibuf_puts(&b, imp_generated_header);
        if (J.regex)
            ibuf_puts(&b, "import regex\n");
        ibuf_putc(&b, '\n');
        for (size_t i = 0; i < J.nsch; i++)
            ibuf_puts(&b, J.sch[i].text);
        *out = ibuf_take(&b);
    }
    for (size_t i = 0; i < J.nsch; i++) {
        free(J.sch[i].name);
        free(J.sch[i].text);
    }
    free(J.sch);
    for (size_t i = 0; i < J.nrefs; i++)
        free(J.refs[i].name);
    free(J.refs);
    free(rname);
    imp_docs_free(&docs);
    return rc;
}
