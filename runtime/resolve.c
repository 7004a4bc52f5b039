/* Compile-time checks of a package (KCL's resolver): immutability of public names, parameter
 * order, schema declarations, undefined names and the type errors whose operands are known
 * before running. Every check is conservative: what only running could tell is accepted. */
#include "config.h"

#include "runtime/resolve.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "stdlib/stdlib.h"

/* {=====================================================================
 * Types as the checks see them
 * ====================================================================} */

enum rt_kind {
    RT_ANY,
    RT_NONE,
    RT_BOOL,
    RT_INT,
    RT_FLOAT,
    RT_STR,
    RT_LIT_BOOL,
    RT_LIT_INT,
    RT_LIT_FLOAT,
    RT_LIT_STR,
    RT_LIST,
    RT_DICT,
    RT_UNION,
    RT_SCHEMA,
    RT_FUNC,
    RT_MODULE
};

struct rtype;
struct rschema;
struct rpkg;

/* A key of a dict type built from a config literal: where it was written and its value's
 * type (KCL keeps them to check a dict against a schema attribute by attribute). */
struct rt_attr {
    const char *name;
    const struct rtype *type;
    struct span span;
};

struct rt_param {
    const char *name;
    const struct rtype *type;
    bool has_default;
    struct span span;
};

struct rtype {
    uint8_t kind;   /* enum rt_kind */
    bool instance;  /* RT_SCHEMA: a value of the schema, not the schema itself */
    union {
        bool b;
        int64_t i;
        double f;
        const char *s;
        const struct rtype *elem; /* RT_LIST */
        struct {
            const struct rtype *key, *val;
            const struct rt_attr *attrs;
            uint32_t nattrs;
        } dict;
        struct {
            const struct rtype *const *v;
            uint32_t n;
        } uni;
        struct rschema *schema; /* RT_SCHEMA */
        struct {
            const struct rt_param *params;
            uint32_t nparams;
            const struct rtype *ret;
            const char *name; /* schema name for schema calls, else NULL */
        } func;
        struct rpkg *pkg; /* RT_MODULE: NULL for system modules */
    } u;
};

static const struct rtype T_ANY = {.kind = RT_ANY};
static const struct rtype T_NONE = {.kind = RT_NONE};
static const struct rtype T_BOOL = {.kind = RT_BOOL};
static const struct rtype T_INT = {.kind = RT_INT};
static const struct rtype T_FLOAT = {.kind = RT_FLOAT};
static const struct rtype T_STR = {.kind = RT_STR};

/* {=====================================================================
 * Packages, schemas and scopes
 * ====================================================================} */

/* A string-keyed hash map (open addressing) in the run's arena. */
struct rmap {
    const char **keys;
    void **vals;
    uint32_t cap, n;
};

/* An attribute declared in a schema body: `name[?]: T [= v]`, or `name: S {...}`. */
struct rattr {
    const char *name;
    struct ast *node;      /* AST_SCHEMA_ATTR, AST_UNIFY, or an annotated AST_ASSIGN */
    struct ast *type_node; /* the annotation; NULL for a unification (the schema named) */
    const struct rtype *type; /* resolved lazily */
    bool resolved, busy;
    bool optional;
    struct span span;      /* the attribute's name */
};

struct rschema {
    struct ast *node;
    struct rpkg *pkg;
    uint32_t file;
    const char *name;
    bool is_mixin, is_protocol, is_rule;
    struct rattr *attrs;   /* the first declaration of each attribute of its body */
    uint32_t nattrs, capattrs;
    struct rmap names;     /* every name its body binds (attributes, assignments) */
    struct ast *index_sig;
    /* filled by schema_link */
    uint8_t link;          /* 0: not yet, 1: linking, 2: done */
    struct rschema *parent;
    struct rschema **mixins;
    uint32_t nmixins;
    struct rschema *protocol;
    bool open;             /* a parent, mixin or protocol is unknown: attributes not all known */
    bool cyclic;
    struct rtype type, inst; /* the schema and its instances */
    const struct rt_param *params;
    uint32_t nparams;
    bool params_done;
};

struct rimport {
    const char *name;
    struct ast *node;
    struct rpkg *pkg; /* loaded package; NULL for system modules, plugins and failures */
    bool known;       /* a system module or a loaded package */
};

struct rfile {
    struct rimport *imports;
    uint32_t nimports;
};

enum sym_kind { SYM_VAR, SYM_SCHEMA, SYM_ALIAS };

/* A package-level name. */
struct rsym {
    const char *name;
    uint8_t kind;             /* enum sym_kind */
    struct span span;         /* its first definition */
    const struct rtype *type; /* NULL while unknown */
    struct rschema *schema;   /* SYM_SCHEMA */
    struct ast *alias;        /* SYM_ALIAS: the aliased type */
    uint32_t file;
    bool busy;                /* resolving the alias */
};

struct rpkg {
    struct pkg *pkg;
    struct rfile *files;
    struct rmap syms;
    struct rschema **schemas;
    uint32_t nschemas, capschemas;
    bool imports_loaded;
};

enum rscope_kind { RS_LOCAL, RS_CONFIG, RS_SCHEMA };

/* A scope of the walk: names with their types; a schema scope also sees its schema's
 * attributes (own, inherited, mixed in). */
struct rscope {
    struct rscope *parent;
    uint8_t kind;
    const char **names;
    const struct rtype **types;
    uint32_t n, cap;
    struct rschema *schema;
    bool open; /* names it can't know may be defined (mixin bodies) */
};

/* One level of the config-expression context: the type the entries being walked must have
 * (NULL: unknown), and where that type was declared. */
struct rctx {
    const struct rtype *type;
    struct span def;
    bool has_def;
};

struct resolver {
    struct eval *ev;
    struct vm *vm;
    struct diags *diags;
    unsigned errors;
    struct rpkg **pkgs;
    uint32_t npkgs, cappkgs;
    struct rmap builtins;
    /* the walk */
    struct rpkg *pkg;
    uint32_t file;
    struct rscope *scope;
    struct rctx *ctx;
    uint32_t nctx, capctx;
    unsigned depth;
    bool top;           /* walking a top-level statement (not in a schema or lambda) */
    struct rmap gnames; /* KCL's "global names": targets of top-level (augmented) assignments */
};

/* {=====================================================================
 * Utilities
 * ====================================================================} */

static void *rz(struct resolver *r, size_t n)
{
    return vm_zalloc(r->vm, n ? n : 1);
}

static void *rgrow(struct resolver *r, void *p, uint32_t *cap, uint32_t n, size_t size)
{
    if (n < *cap)
        return p;
    uint32_t c = *cap ? *cap * 2 : 8;
    p = vm_realloc(r->vm, p, (size_t)*cap * size, (size_t)c * size);
    *cap = c;
    return p;
}

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void *rmap_get(const struct rmap *m, const char *k)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = str_hash(k) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return NULL;
        if (!strcmp(m->keys[i], k))
            return m->vals[i];
    }
}

static void rmap_put(struct resolver *r, struct rmap *m, const char *k, void *v)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct rmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->keys = rz(r, m->cap * sizeof *m->keys);
        m->vals = rz(r, m->cap * sizeof *m->vals);
        m->n = 0;
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                rmap_put(r, m, old.keys[i], old.vals[i]);
    }
    uint32_t mask = m->cap - 1;
    for (uint32_t i = str_hash(k) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i]) {
            m->keys[i] = k;
            m->vals[i] = v;
            m->n++;
            return;
        }
        if (!strcmp(m->keys[i], k)) {
            m->vals[i] = v;
            return;
        }
    }
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static bool is_private(const char *name)
{
    return name[0] == '_';
}

/* The name an assignment target binds: the root of a.b[c]. */
static struct ast *target_root(struct ast *t)
{
    for (;;) {
        if (t->kind == AST_SELECT)
            t = t->u.select.value;
        else if (t->kind == AST_INDEX)
            t = t->u.index.value;
        else if (t->kind == AST_PAREN)
            t = t->u.unary.operand;
        else
            return t;
    }
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || (unsigned char)c >= 0x80;
}

/* The span of the first whole-word 'name' in file bytes [lo, hi), or 'fallback'. Nodes of
 * schemas and attributes don't keep their name's span; KCL points at the name. */
static struct span find_word(struct resolver *r, struct span fallback, uint32_t lo, uint32_t hi,
                             const char *name)
{
    const struct source *s = source_map_get(r->ev->sm, fallback.file);
    size_t k = strlen(name);
    if (!s || !k)
        return fallback;
    if (hi > s->len)
        hi = s->len;
    for (uint32_t i = lo; i + k <= hi; i++) {
        if (memcmp(s->text + i, name, k))
            continue;
        if (i > 0 && ident_char(s->text[i - 1]))
            continue;
        if (i + k < s->len && ident_char(s->text[i + k]))
            continue;
        struct span out = {fallback.file, i, (uint32_t)(i + k)};
        return out;
    }
    return fallback;
}

static struct span schema_name_span(struct resolver *r, struct ast *n)
{
    uint32_t lo = n->span.lo;
    const struct ast_list *d = &n->u.schema.decorators;
    if (d->n)
        lo = d->v[d->n - 1]->span.hi;
    /* skip the keyword */
    const struct source *s = source_map_get(r->ev->sm, n->span.file);
    if (s) {
        while (lo < s->len && !ident_char(s->text[lo]))
            lo++;
        while (lo < s->len && ident_char(s->text[lo]))
            lo++;
    }
    return find_word(r, n->span, lo, n->span.hi, n->u.schema.name);
}

static struct span attr_name_span(struct resolver *r, struct ast *n)
{
    if (n->kind != AST_SCHEMA_ATTR || !n->u.attr.decorators.n)
        return n->span;
    const struct ast_list *d = &n->u.attr.decorators;
    return find_word(r, n->span, d->v[d->n - 1]->span.hi, n->span.hi, n->u.attr.name);
}

/* {=====================================================================
 * Diagnostics
 * ====================================================================} */

/* Records an error unless the same one (code, place, message) is already there: KCL walks
 * some expressions twice and reports each error once. */
static struct diag *report(struct resolver *r, const char *code, const char *kind,
                           struct span span, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static struct diag *report(struct resolver *r, const char *code, const char *kind,
                           struct span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(r->vm->arena, fmt, ap);
    va_end(ap);
    if (!msg)
        return NULL;
    for (unsigned i = 0; i < r->diags->n; i++) {
        const struct diag *g = r->diags->v[i];
        if (g->nlabels && g->labels[0].span.file == span.file &&
            g->labels[0].span.lo == span.lo && !strcmp(g->code, code) &&
            !strcmp(g->message, msg))
            return NULL;
    }
    struct diag *g = diags_add(r->diags, DIAG_ERROR, code, kind, span, true, "%s", msg);
    if (g)
        r->errors++;
    return g;
}

static void label(struct resolver *r, struct diag *g, struct span span, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void label(struct resolver *r, struct diag *g, struct span span, const char *fmt, ...)
{
    if (!g)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(r->vm->arena, fmt, ap);
    va_end(ap);
    if (msg)
        diag_add_label(r->diags, g, span, true, "%s", msg);
}

static void note(struct resolver *r, struct diag *g, const char *msg)
{
    if (g)
        diag_add_note(r->diags, g, "%s", msg);
}

/* A growing string in the arena. */
struct rbuf {
    struct resolver *r;
    char *s;
    size_t n, cap;
};

static void rb_put(struct rbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (b->n + n + 1 > cap)
            cap *= 2;
        b->s = vm_realloc(b->r->vm, b->s, b->cap, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void rb_puts(struct rbuf *b, const char *s)
{
    rb_put(b, s, strlen(s));
}

static const char *rb_str(struct rbuf *b)
{
    if (!b->s)
        rb_put(b, "", 0);
    return b->s;
}

/* Jaro similarity of two names (for "did you mean" suggestions). */
static double jaro(const char *s, const char *t)
{
    size_t ls = strlen(s), lt = strlen(t);
    if (!ls || !lt || ls > 64 || lt > 64)
        return 0;
    bool sm[64] = {false}, tm[64] = {false};
    size_t md = (ls > lt ? ls : lt) / 2;
    md = md ? md - 1 : 0;
    size_t m = 0;
    for (size_t i = 0; i < ls; i++) {
        size_t lo = i > md ? i - md : 0, hi = i + md + 1 < lt ? i + md + 1 : lt;
        for (size_t j = lo; j < hi; j++) {
            if (tm[j] || s[i] != t[j])
                continue;
            sm[i] = tm[j] = true;
            m++;
            break;
        }
    }
    if (!m)
        return 0;
    size_t k = 0, tr = 0;
    for (size_t i = 0; i < ls; i++) {
        if (!sm[i])
            continue;
        while (!tm[k])
            k++;
        if (s[i] != t[k])
            tr++;
        k++;
    }
    double dm = (double)m;
    return (dm / (double)ls + dm / (double)lt + (dm - (double)tr / 2) / dm) / 3;
}

static double jaro_winkler(const char *s, const char *t)
{
    double j = jaro(s, t);
    int p = 0;
    while (p < 4 && s[p] && s[p] == t[p])
        p++;
    return j + p * 0.1 * (1 - j);
}

/* ", did you mean '["a", "b"]'?" for the candidates close to 'name', or "". */
static const char *suggest(struct resolver *r, const char *name, const char *const *cands,
                           uint32_t n)
{
    struct rbuf b = {r, NULL, 0, 0};
    uint32_t found = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!cands[i] || !strcmp(cands[i], name))
            continue;
        bool dup = false;
        for (uint32_t k = 0; k < i; k++)
            if (cands[k] && !strcmp(cands[k], cands[i]))
                dup = true;
        if (dup || jaro_winkler(name, cands[i]) <= 0.8)
            continue;
        rb_puts(&b, found ? ", \"" : ", did you mean '[\"");
        rb_puts(&b, cands[i]);
        rb_puts(&b, "\"");
        found++;
    }
    if (found)
        rb_puts(&b, "]'?");
    return rb_str(&b);
}

/* {=====================================================================
 * Type construction, printing and relations
 * ====================================================================} */

static const struct rtype *t_new(struct resolver *r, enum rt_kind kind)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = (uint8_t)kind;
    return t;
}

static const struct rtype *t_list(struct resolver *r, const struct rtype *elem)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_LIST;
    t->u.elem = elem ? elem : &T_ANY;
    return t;
}

static const struct rtype *t_dict(struct resolver *r, const struct rtype *key,
                                  const struct rtype *val, const struct rt_attr *attrs,
                                  uint32_t nattrs)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_DICT;
    t->u.dict.key = key ? key : &T_ANY;
    t->u.dict.val = val ? val : &T_ANY;
    t->u.dict.attrs = attrs;
    t->u.dict.nattrs = nattrs;
    return t;
}

static const struct rtype *t_lit_str(struct resolver *r, const char *s)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_LIT_STR;
    t->u.s = s;
    return t;
}

static const struct rtype *t_lit_int(struct resolver *r, int64_t i)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_LIT_INT;
    t->u.i = i;
    return t;
}

static const struct rtype *t_lit_float(struct resolver *r, double f)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_LIT_FLOAT;
    t->u.f = f;
    return t;
}

static const struct rtype *t_lit_bool(struct resolver *r, bool b)
{
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_LIT_BOOL;
    t->u.b = b;
    return t;
}

static bool t_is_any(const struct rtype *t)
{
    return !t || t->kind == RT_ANY;
}

static bool t_equal(const struct rtype *a, const struct rtype *b)
{
    if (a == b)
        return true;
    if (!a || !b || a->kind != b->kind)
        return false;
    switch ((enum rt_kind)a->kind) {
    case RT_LIT_BOOL:
        return a->u.b == b->u.b;
    case RT_LIT_INT:
        return a->u.i == b->u.i;
    case RT_LIT_FLOAT:
        return a->u.f == b->u.f;
    case RT_LIT_STR:
        return !strcmp(a->u.s, b->u.s);
    case RT_LIST:
        return t_equal(a->u.elem, b->u.elem);
    case RT_DICT:
        return t_equal(a->u.dict.key, b->u.dict.key) && t_equal(a->u.dict.val, b->u.dict.val);
    case RT_UNION:
        if (a->u.uni.n != b->u.uni.n)
            return false;
        for (uint32_t i = 0; i < a->u.uni.n; i++)
            if (!t_equal(a->u.uni.v[i], b->u.uni.v[i]))
                return false;
        return true;
    case RT_SCHEMA:
        return a->u.schema == b->u.schema && a->instance == b->instance;
    case RT_FUNC:
    case RT_MODULE:
        return false;
    default:
        return true;
    }
}

/* The least upper bound KCL computes for the items of a list or the values of a dict: any
 * when one is any, None dropped, the distinct others as a union. */
static const struct rtype *t_sup(struct resolver *r, const struct rtype *const *v, uint32_t n)
{
    const struct rtype **out = NULL;
    uint32_t m = 0, cap = 0;
    for (uint32_t i = 0; i < n; i++) {
        const struct rtype *t = v[i];
        if (t_is_any(t))
            return &T_ANY;
        if (t->kind == RT_NONE)
            continue;
        uint32_t k = t->kind == RT_UNION ? t->u.uni.n : 1;
        for (uint32_t j = 0; j < k; j++) {
            const struct rtype *e = t->kind == RT_UNION ? t->u.uni.v[j] : t;
            bool dup = false;
            for (uint32_t q = 0; q < m && !dup; q++)
                dup = t_equal(out[q], e);
            if (dup)
                continue;
            out = rgrow(r, out, &cap, m, sizeof *out);
            out[m++] = e;
        }
    }
    if (m == 0) {
        for (uint32_t i = 0; i < n; i++)
            if (v[i] && v[i]->kind == RT_NONE)
                return &T_NONE;
        return &T_ANY;
    }
    if (m == 1)
        return out[0];
    struct rtype *t = rz(r, sizeof *t);
    t->kind = RT_UNION;
    t->u.uni.v = out;
    t->u.uni.n = m;
    return t;
}

static const struct rtype *t_sup2(struct resolver *r, const struct rtype *a, const struct rtype *b)
{
    const struct rtype *v[2] = {a, b};
    return t_sup(r, v, 2);
}

static void fmt_float(char *buf, size_t n, double f)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, f);
        double back;
        if (sscanf(buf, "%lf", &back) == 1 && back == f)
            return;
    }
}

static void t_print(struct rbuf *b, const struct rtype *t)
{
    char num[64];
    if (!t) {
        rb_puts(b, "any");
        return;
    }
    switch ((enum rt_kind)t->kind) {
    case RT_ANY:
        rb_puts(b, "any");
        break;
    case RT_NONE:
        rb_puts(b, "NoneType");
        break;
    case RT_BOOL:
        rb_puts(b, "bool");
        break;
    case RT_INT:
        rb_puts(b, "int");
        break;
    case RT_FLOAT:
        rb_puts(b, "float");
        break;
    case RT_STR:
        rb_puts(b, "str");
        break;
    case RT_LIT_BOOL:
        rb_puts(b, t->u.b ? "bool(True)" : "bool(False)");
        break;
    case RT_LIT_INT:
        snprintf(num, sizeof num, "int(%lld)", (long long)t->u.i);
        rb_puts(b, num);
        break;
    case RT_LIT_FLOAT:
        fmt_float(num, sizeof num, t->u.f);
        rb_puts(b, "float(");
        rb_puts(b, num);
        rb_puts(b, ")");
        break;
    case RT_LIT_STR:
        rb_puts(b, "str(");
        rb_puts(b, t->u.s);
        rb_puts(b, ")");
        break;
    case RT_LIST:
        rb_puts(b, "[");
        t_print(b, t->u.elem);
        rb_puts(b, "]");
        break;
    case RT_DICT:
        rb_puts(b, "{");
        t_print(b, t->u.dict.key);
        rb_puts(b, ":");
        t_print(b, t->u.dict.val);
        rb_puts(b, "}");
        break;
    case RT_UNION:
        for (uint32_t i = 0; i < t->u.uni.n; i++) {
            if (i)
                rb_puts(b, " | ");
            t_print(b, t->u.uni.v[i]);
        }
        break;
    case RT_SCHEMA:
        rb_puts(b, t->u.schema->name);
        break;
    case RT_FUNC:
        rb_puts(b, "function");
        break;
    case RT_MODULE:
        rb_puts(b, "module");
        break;
    }
}

static const char *t_str(struct resolver *r, const struct rtype *t)
{
    struct rbuf b = {r, NULL, 0, 0};
    t_print(&b, t);
    return rb_str(&b);
}

/* The type a variable gets from the value it is first assigned: literal types widen to their
 * base type, recursively (KCL's infer_to_variable_type). */
static const struct rtype *t_widen(struct resolver *r, const struct rtype *t)
{
    if (!t)
        return &T_ANY;
    switch ((enum rt_kind)t->kind) {
    case RT_LIT_BOOL:
        return &T_BOOL;
    case RT_LIT_INT:
        return &T_INT;
    case RT_LIT_FLOAT:
        return &T_FLOAT;
    case RT_LIT_STR:
        return &T_STR;
    case RT_LIST:
        return t_list(r, t_widen(r, t->u.elem));
    case RT_DICT: {
        struct rt_attr *attrs = NULL;
        if (t->u.dict.nattrs) {
            attrs = rz(r, t->u.dict.nattrs * sizeof *attrs);
            for (uint32_t i = 0; i < t->u.dict.nattrs; i++) {
                attrs[i] = t->u.dict.attrs[i];
                attrs[i].type = t_widen(r, attrs[i].type);
            }
        }
        return t_dict(r, t_widen(r, t->u.dict.key), t_widen(r, t->u.dict.val), attrs,
                      t->u.dict.nattrs);
    }
    case RT_UNION: {
        const struct rtype **v = rz(r, t->u.uni.n * sizeof *v);
        for (uint32_t i = 0; i < t->u.uni.n; i++)
            v[i] = t_widen(r, t->u.uni.v[i]);
        return t_sup(r, v, t->u.uni.n);
    }
    default:
        return t;
    }
}

/* Whether a variable may take the type its first value has: only types whose every part is
 * known (no any, no None), so that a later assignment can be checked against it. */
static bool t_concrete(const struct rtype *t)
{
    if (!t)
        return false;
    switch ((enum rt_kind)t->kind) {
    case RT_ANY:
    case RT_NONE:
    case RT_FUNC:
    case RT_MODULE:
        return false;
    case RT_LIST:
        return t_concrete(t->u.elem);
    case RT_DICT:
        return t_concrete(t->u.dict.key) && t_concrete(t->u.dict.val);
    case RT_UNION:
        for (uint32_t i = 0; i < t->u.uni.n; i++)
            if (!t_concrete(t->u.uni.v[i]))
                return false;
        return true;
    case RT_SCHEMA:
        return t->instance;
    default:
        return true;
    }
}

static bool schema_is_sub(const struct rschema *s, const struct rschema *base);

/* KCL's assignability of a value of type 'v' to a place of type 'e' for the types both know;
 * anything unknown is assignable. Dict-to-schema is checked attribute by attribute elsewhere. */
static bool assignable(const struct rtype *v, const struct rtype *e)
{
    if (t_is_any(v) || t_is_any(e) || v->kind == RT_NONE)
        return true;
    if (v->kind == RT_UNION) {
        for (uint32_t i = 0; i < v->u.uni.n; i++)
            if (!assignable(v->u.uni.v[i], e))
                return false;
        return true;
    }
    if (e->kind == RT_UNION) {
        for (uint32_t i = 0; i < e->u.uni.n; i++)
            if (assignable(v, e->u.uni.v[i]))
                return true;
        return false;
    }
    if (v->kind == RT_FUNC || e->kind == RT_FUNC || v->kind == RT_MODULE || e->kind == RT_MODULE)
        return true;
    switch ((enum rt_kind)e->kind) {
    case RT_NONE:
        return false;
    case RT_BOOL:
        return v->kind == RT_BOOL || v->kind == RT_LIT_BOOL;
    case RT_INT:
        return v->kind == RT_INT || v->kind == RT_LIT_INT;
    case RT_FLOAT:
        return v->kind == RT_INT || v->kind == RT_LIT_INT || v->kind == RT_FLOAT ||
               v->kind == RT_LIT_FLOAT;
    case RT_STR:
        return v->kind == RT_STR || v->kind == RT_LIT_STR;
    case RT_LIT_BOOL:
    case RT_LIT_STR:
        return t_equal(v, e);
    case RT_LIT_INT:
        return v->kind == RT_LIT_INT && v->u.i == e->u.i;
    case RT_LIT_FLOAT:
        /* an int literal is only rejected when the program runs */
        return (v->kind == RT_LIT_FLOAT && v->u.f == e->u.f) || v->kind == RT_LIT_INT ||
               v->kind == RT_INT;
    case RT_LIST:
        return v->kind == RT_LIST && assignable(v->u.elem, e->u.elem);
    case RT_DICT:
        if (v->kind == RT_DICT)
            return assignable(v->u.dict.key, e->u.dict.key) &&
                   assignable(v->u.dict.val, e->u.dict.val);
        return v->kind == RT_SCHEMA && v->instance;
    case RT_SCHEMA:
        if (v->kind == RT_DICT)
            return true;
        if (v->kind != RT_SCHEMA)
            return false;
        if (v->instance != e->instance)
            return true;
        return schema_is_sub(v->u.schema, e->u.schema);
    default:
        return true;
    }
}

/* {=====================================================================
 * Packages: names, schemas and imports
 * ====================================================================} */

static void schema_add_name(struct resolver *r, struct rschema *s, const char *name)
{
    if (!rmap_get(&s->names, name))
        rmap_put(r, &s->names, name, (void *)name);
}

static struct rattr *schema_own_attr(const struct rschema *s, const char *name)
{
    for (uint32_t i = 0; i < s->nattrs; i++)
        if (!strcmp(s->attrs[i].name, name))
            return &s->attrs[i];
    return NULL;
}

static void schema_add_attr(struct resolver *r, struct rschema *s, struct ast *n, const char *name,
                            struct ast *type, bool optional, struct span span)
{
    schema_add_name(r, s, name);
    if (schema_own_attr(s, name))
        return;
    s->attrs = rgrow(r, s->attrs, &s->capattrs, s->nattrs, sizeof *s->attrs);
    struct rattr *a = &s->attrs[s->nattrs++];
    memset(a, 0, sizeof *a);
    a->name = name;
    a->node = n;
    a->type_node = type;
    a->optional = optional;
    a->span = span;
}

/* The names a schema body binds, and its attributes: declared ones, unifications, and (with
 * an unknown type) the targets of its plain assignments, at any depth of if-blocks. */
static void schema_collect(struct resolver *r, struct rschema *s, const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        switch (n->kind) {
        case AST_SCHEMA_ATTR:
            schema_add_attr(r, s, n, n->u.attr.name, n->u.attr.type, n->u.attr.optional,
                            attr_name_span(r, n));
            break;
        case AST_UNIFY:
            schema_add_attr(r, s, n, n->u.unify.target->u.name, NULL, false,
                            n->u.unify.target->span);
            break;
        case AST_INDEX_SIG:
            if (!s->index_sig)
                s->index_sig = n;
            break;
        case AST_ASSIGN:
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = target_root(n->u.assign.targets.v[k]);
                if (t->kind != AST_NAME)
                    continue;
                if (n->u.assign.type && t == n->u.assign.targets.v[k])
                    schema_add_attr(r, s, n, t->u.name, n->u.assign.type, false, t->span);
                else
                    schema_add_attr(r, s, n, t->u.name, NULL, false, t->span);
            }
            break;
        case AST_AUG_ASSIGN: {
            struct ast *t = target_root(n->u.aug.target);
            if (t->kind == AST_NAME)
                schema_add_attr(r, s, n, t->u.name, NULL, false, t->span);
            break;
        }
        case AST_IF:
            schema_collect(r, s, &n->u.if_stmt.body);
            schema_collect(r, s, &n->u.if_stmt.orelse);
            break;
        default:
            break;
        }
    }
}

static struct rschema *schema_new(struct resolver *r, struct rpkg *rp, uint32_t file, struct ast *n)
{
    struct rschema *s = rz(r, sizeof *s);
    s->node = n;
    s->pkg = rp;
    s->file = file;
    s->name = n->u.schema.name;
    s->is_rule = n->kind == AST_RULE;
    s->is_mixin = !s->is_rule && (n->u.schema.kind == SCHEMA_MIXIN || ends_with(s->name, "Mixin"));
    s->is_protocol = !s->is_rule && n->u.schema.kind == SCHEMA_PROTOCOL;
    s->type.kind = RT_SCHEMA;
    s->type.u.schema = s;
    s->inst.kind = RT_SCHEMA;
    s->inst.instance = true;
    s->inst.u.schema = s;
    schema_collect(r, s, &n->u.schema.body);
    rp->schemas = rgrow(r, rp->schemas, &rp->capschemas, rp->nschemas, sizeof *rp->schemas);
    rp->schemas[rp->nschemas++] = s;
    return s;
}

static struct rsym *sym_add(struct resolver *r, struct rpkg *rp, const char *name,
                            enum sym_kind kind, struct span span, uint32_t file)
{
    struct rsym *y = rmap_get(&rp->syms, name);
    if (y)
        return y;
    y = rz(r, sizeof *y);
    y->name = name;
    y->kind = (uint8_t)kind;
    y->span = span;
    y->file = file;
    rmap_put(r, &rp->syms, name, y);
    return y;
}

static void pkg_collect(struct resolver *r, struct rpkg *rp, uint32_t file,
                        const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        switch (n->kind) {
        case AST_SCHEMA:
        case AST_RULE: {
            struct rsym *y = sym_add(r, rp, n->u.schema.name, SYM_SCHEMA, n->span, file);
            struct rschema *s = schema_new(r, rp, file, n);
            if (y->kind == SYM_SCHEMA && !y->schema)
                y->schema = s;
            break;
        }
        case AST_TYPE_ALIAS: {
            struct rsym *y = sym_add(r, rp, n->u.type_alias.name, SYM_ALIAS, n->span, file);
            if (y->kind == SYM_ALIAS && !y->alias)
                y->alias = n->u.type_alias.type;
            break;
        }
        case AST_ASSIGN:
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = target_root(n->u.assign.targets.v[k]);
                if (t->kind == AST_NAME)
                    sym_add(r, rp, t->u.name, SYM_VAR, n->u.assign.targets.v[k]->span, file);
            }
            break;
        case AST_AUG_ASSIGN: {
            struct ast *t = target_root(n->u.aug.target);
            if (t->kind == AST_NAME)
                sym_add(r, rp, t->u.name, SYM_VAR, n->u.aug.target->span, file);
            break;
        }
        case AST_UNIFY:
            sym_add(r, rp, n->u.unify.target->u.name, SYM_VAR, n->u.unify.target->span, file);
            break;
        case AST_IF:
            pkg_collect(r, rp, file, &n->u.if_stmt.body);
            pkg_collect(r, rp, file, &n->u.if_stmt.orelse);
            break;
        default:
            break;
        }
    }
}

static struct rpkg *rpkg_of(struct resolver *r, struct pkg *p)
{
    for (uint32_t i = 0; i < r->npkgs; i++)
        if (r->pkgs[i]->pkg == p)
            return r->pkgs[i];
    struct rpkg *rp = rz(r, sizeof *rp);
    rp->pkg = p;
    rp->files = rz(r, (p->nfiles ? p->nfiles : 1) * sizeof *rp->files);
    r->pkgs = rgrow(r, r->pkgs, &r->cappkgs, r->npkgs, sizeof *r->pkgs);
    r->pkgs[r->npkgs++] = rp;
    for (uint32_t f = 0; f < p->nfiles; f++) {
        struct ast_list *body = &p->files[f].module->u.module.body;
        pkg_collect(r, rp, f, body);
        uint32_t n = 0;
        for (uint32_t i = 0; i < body->n; i++)
            if (body->v[i]->kind == AST_IMPORT)
                n++;
        rp->files[f].imports = rz(r, (n ? n : 1) * sizeof *rp->files[f].imports);
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *im = body->v[i];
            if (im->kind != AST_IMPORT)
                continue;
            struct rimport *ri = &rp->files[f].imports[rp->files[f].nimports++];
            ri->name = im->u.import.asname;
            ri->node = im;
        }
    }
    return rp;
}

/* Loading an imported package before running, as KCL does: a cycle through the main package
 * is an error now; any other failure is left for the run to report, as if untouched. */
struct load_call {
    struct eval *ev;
    struct pkg *from;
    uint32_t file;
    struct ast *node;
    struct pkg *out;
};

static void load_fn(struct vm *vm, void *ud)
{
    (void)vm;
    struct load_call *c = ud;
    c->out = loader_import(c->ev, c->from, c->file, c->node);
}

static bool is_system_module(const char *path)
{
    return !strcmp(path, "manifests") || !strcmp(path, "runtime") || stdlib_module(path) ||
           !strncmp(path, "kcl_plugin", 10);
}

static void load_imports(struct resolver *r, struct rpkg *rp, unsigned depth)
{
    if (rp->imports_loaded || depth > 32)
        return;
    rp->imports_loaded = true;
    struct eval *ev = r->ev;
    for (uint32_t f = 0; f < rp->pkg->nfiles; f++) {
        for (uint32_t i = 0; i < rp->files[f].nimports; i++) {
            struct rimport *ri = &rp->files[f].imports[i];
            struct ast *n = ri->node;
            if (n->u.import.level == 0 && is_system_module(n->u.import.path)) {
                ri->known = !strncmp(n->u.import.path, "kcl_plugin", 10) ? false : true;
                continue;
            }
            unsigned nd = r->diags->n, ne = r->diags->nerrors;
            uint32_t npkgs = ev->npkgs;
            struct load_call c = {ev, rp->pkg, f, n, NULL};
            struct pkg *saved_pkg = ev->cur_pkg;
            uint32_t saved_file = ev->cur_file;
            bool ok = vm_protect(r->vm, load_fn, &c);
            ev->cur_pkg = saved_pkg;
            ev->cur_file = saved_file;
            if (!ok) {
                const struct diag *g = r->vm->last_error;
                if (g && !strcmp(g->kind, "RecursiveLoad")) {
                    r->errors++;
                    continue;
                }
                r->diags->n = nd;
                r->diags->nerrors = ne;
                ev->npkgs = npkgs;
                continue;
            }
            ri->pkg = rpkg_of(r, c.out);
            ri->known = true;
            load_imports(r, ri->pkg, depth + 1);
        }
    }
}

static struct rimport *file_import(struct rpkg *rp, uint32_t file, const char *name)
{
    if (file >= rp->pkg->nfiles)
        return NULL;
    struct rfile *f = &rp->files[file];
    for (uint32_t i = 0; i < f->nimports; i++)
        if (!strcmp(f->imports[i].name, name))
            return &f->imports[i];
    return NULL;
}

/* The schema a dotted name (S or pkg.S) denotes from 'file' of 'rp'. *known is false when
 * the name can't be resolved before running (unknown package, not a schema name). */
static struct rschema *schema_ref(struct resolver *r, struct rpkg *rp, uint32_t file,
                                  const struct ast *n, bool *known)
{
    (void)r;
    *known = false;
    if (n->kind == AST_NAME) {
        struct rsym *y = rmap_get(&rp->syms, n->u.name);
        if (y && y->kind == SYM_SCHEMA && y->schema) {
            *known = true;
            return y->schema;
        }
        return NULL;
    }
    if (n->kind == AST_SELECT && n->u.select.value->kind == AST_NAME) {
        struct rimport *ri = file_import(rp, file, n->u.select.value->u.name);
        if (!ri || !ri->pkg)
            return NULL;
        struct rsym *y = rmap_get(&ri->pkg->syms, n->u.select.attr);
        if (y && y->kind == SYM_SCHEMA && y->schema) {
            *known = true;
            return y->schema;
        }
    }
    return NULL;
}

static const char *dotted_name(struct resolver *r, const struct ast *n)
{
    if (n->kind == AST_NAME)
        return n->u.name;
    if (n->kind == AST_SELECT) {
        struct rbuf b = {r, NULL, 0, 0};
        rb_puts(&b, dotted_name(r, n->u.select.value));
        rb_puts(&b, ".");
        rb_puts(&b, n->u.select.attr);
        return rb_str(&b);
    }
    return "";
}

/* Resolves a schema's parent, mixins and protocol. Errors are reported for the main
 * package's schemas only ('report'). */
static void schema_link(struct resolver *r, struct rschema *s, bool report_errors)
{
    if (s->link)
        return;
    s->link = 1;
    struct ast *n = s->node;
    bool known;
    if (!s->is_rule && n->u.schema.parents.n && n->u.schema.parents.v[0]) {
        struct ast *pn = n->u.schema.parents.v[0];
        struct rschema *p = schema_ref(r, s->pkg, s->file, pn, &known);
        if (!known) {
            s->open = true;
        } else if (p->is_mixin || p->is_protocol || p->is_rule) {
            /* KCL: a schema inherits only from a schema */
            if (report_errors)
                report(r, "E2D34", "IllegalInheritError", pn->span,
                       "invalid schema inherit object type, expect schema, got '%s'", p->name);
        } else {
            s->parent = p;
        }
    }
    if (s->is_rule) {
        /* parent rules carry no attributes */
        for (uint32_t i = 0; i < n->u.schema.parents.n; i++) {
            schema_ref(r, s->pkg, s->file, n->u.schema.parents.v[i], &known);
            if (!known)
                s->open = true;
        }
    }
    s->mixins = rz(r, (n->u.schema.mixins.n ? n->u.schema.mixins.n : 1) * sizeof *s->mixins);
    for (uint32_t i = 0; i < n->u.schema.mixins.n; i++) {
        struct ast *mn = n->u.schema.mixins.v[i];
        const char *last = mn->kind == AST_SELECT ? mn->u.select.attr
                           : mn->kind == AST_NAME ? mn->u.name
                                                  : "";
        /* KCL: mixins are named ...Mixin and are mixin schemas */
        if (report_errors && !ends_with(last, "Mixin"))
            report(r, "E1001", "NameError", mn->span,
                   "a valid mixin name should end with 'Mixin', got '%s'", last);
        struct rschema *m = schema_ref(r, s->pkg, s->file, mn, &known);
        if (!known) {
            s->open = true;
        } else if (!m->is_mixin || m->is_protocol) {
            if (report_errors)
                report(r, "E2D34", "IllegalInheritError", mn->span,
                       "illegal schema mixin object type, expected mixin, got '%s'",
                       dotted_name(r, mn));
        } else {
            s->mixins[s->nmixins++] = m;
        }
    }
    if (n->u.schema.for_host) {
        struct rschema *p = schema_ref(r, s->pkg, s->file, n->u.schema.for_host, &known);
        if (!known)
            s->open = true;
        else
            s->protocol = p;
    }
    s->link = 2;
}

static void link_all(struct resolver *r, struct rpkg *rp)
{
    for (uint32_t i = 0; i < rp->nschemas; i++)
        schema_link(r, rp->schemas[i], rp == r->pkgs[0]);
}

static bool schema_is_open(const struct rschema *s, unsigned depth)
{
    if (!s || depth > 64)
        return true;
    if (s->open || s->cyclic)
        return true;
    if (s->parent && schema_is_open(s->parent, depth + 1))
        return true;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if (schema_is_open(s->mixins[i], depth + 1))
            return true;
    if (s->protocol && schema_is_open(s->protocol, depth + 1))
        return true;
    return false;
}

/* The attribute 'name' of a schema: its own, then its mixins', then its parent's. */
static struct rattr *schema_attr_d(struct rschema *s, const char *name, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    struct rattr *a = schema_own_attr(s, name);
    if (a)
        return a;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if ((a = schema_attr_d(s->mixins[i], name, depth + 1)))
            return a;
    if (s->protocol && (a = schema_attr_d(s->protocol, name, depth + 1)))
        return a;
    return schema_attr_d(s->parent, name, depth + 1);
}

static struct rattr *schema_attr(struct rschema *s, const char *name)
{
    return schema_attr_d(s, name, 0);
}

static struct ast *schema_index_sig_d(const struct rschema *s, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    if (s->index_sig)
        return s->index_sig;
    for (uint32_t i = 0; i < s->nmixins; i++) {
        struct ast *n = schema_index_sig_d(s->mixins[i], depth + 1);
        if (n)
            return n;
    }
    if (s->protocol) {
        struct ast *n = schema_index_sig_d(s->protocol, depth + 1);
        if (n)
            return n;
    }
    return schema_index_sig_d(s->parent, depth + 1);
}

static struct ast *schema_index_sig(const struct rschema *s)
{
    return schema_index_sig_d(s, 0);
}

static bool schema_has_name_d(const struct rschema *s, const char *name, unsigned depth)
{
    if (!s || depth > 64)
        return false;
    if (rmap_get(&s->names, name))
        return true;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if (schema_has_name_d(s->mixins[i], name, depth + 1))
            return true;
    if (s->protocol && schema_has_name_d(s->protocol, name, depth + 1))
        return true;
    return schema_has_name_d(s->parent, name, depth + 1);
}

static bool schema_is_sub(const struct rschema *s, const struct rschema *base)
{
    if (base->is_protocol || base->is_mixin)
        return true;
    for (unsigned d = 0; s && d < 64; d++, s = s->parent) {
        if (s == base)
            return true;
        if (s->open || s->cyclic)
            return true;
    }
    return false;
}

/* Every attribute name of a schema (for suggestions), own first. */
static void schema_attr_names(struct resolver *r, const struct rschema *s, const char ***v,
                              uint32_t *n, uint32_t *cap, unsigned depth)
{
    if (!s || depth > 64)
        return;
    for (uint32_t i = 0; i < s->nattrs; i++) {
        if (s->attrs[i].node && s->attrs[i].node->kind != AST_SCHEMA_ATTR &&
            s->attrs[i].node->kind != AST_UNIFY &&
            !(s->attrs[i].node->kind == AST_ASSIGN && s->attrs[i].type_node))
            continue;
        *v = rgrow(r, *v, cap, *n, sizeof **v);
        (*v)[(*n)++] = s->attrs[i].name;
    }
    for (uint32_t i = 0; i < s->nmixins; i++)
        schema_attr_names(r, s->mixins[i], v, n, cap, depth + 1);
    schema_attr_names(r, s->parent, v, n, cap, depth + 1);
}

/* {=====================================================================
 * Type annotations
 * ====================================================================} */

static const struct rtype *type_of_ann(struct resolver *r, struct rpkg *rp, uint32_t file,
                                       struct ast *t, bool report_undefined);

static const struct rtype *alias_type(struct resolver *r, struct rpkg *rp, struct rsym *y)
{
    if (y->type)
        return y->type;
    if (y->busy || !y->alias)
        return &T_ANY;
    y->busy = true;
    const struct rtype *t = type_of_ann(r, rp, y->file, y->alias, false);
    y->busy = false;
    y->type = t;
    return t;
}

static const struct rtype *named_type(struct resolver *r, struct rpkg *rp, uint32_t file,
                                      struct ast *t, bool report_undefined)
{
    const char *name = t->u.type_named.name;
    if (!strcmp(name, "bool"))
        return &T_BOOL;
    if (!strcmp(name, "int"))
        return &T_INT;
    if (!strcmp(name, "float"))
        return &T_FLOAT;
    if (!strcmp(name, "str"))
        return &T_STR;
    if (!strcmp(name, "any"))
        return &T_ANY;
    const char *dot = strchr(name, '.');
    if (dot) {
        char head[256];
        size_t k = (size_t)(dot - name);
        if (k >= sizeof head || strchr(dot + 1, '.'))
            return &T_ANY;
        memcpy(head, name, k);
        head[k] = '\0';
        struct rimport *ri = file_import(rp, file, head);
        if (!ri || !ri->pkg)
            return &T_ANY;
        struct rsym *y = rmap_get(&ri->pkg->syms, dot + 1);
        if (y && y->kind == SYM_SCHEMA && y->schema)
            return &y->schema->inst;
        if (y && y->kind == SYM_ALIAS)
            return alias_type(r, ri->pkg, y);
        return &T_ANY;
    }
    struct rsym *y = rmap_get(&rp->syms, name);
    if (y && y->kind == SYM_SCHEMA && y->schema)
        return &y->schema->inst;
    if (y && y->kind == SYM_ALIAS)
        return alias_type(r, rp, y);
    if (!y && report_undefined && !file_import(rp, file, name) &&
        !rmap_get(&r->builtins, name)) {
        /* KCL: a type names a schema or a type alias in scope */
        const char *cands[1] = {NULL};
        uint32_t nc = 0;
        for (uint32_t i = 0; i < rp->syms.cap; i++) {
            struct rsym *s = rp->syms.vals[i];
            if (rp->syms.keys[i] && s && s->kind == SYM_SCHEMA && !nc &&
                jaro_winkler(name, s->name) > 0.8)
                cands[nc++] = s->name;
        }
        report(r, "E2L23", "CompileError", t->span, "name '%s' is not defined%s", name,
               suggest(r, name, cands, nc));
    }
    return &T_ANY;
}

static const struct rtype *type_of_ann(struct resolver *r, struct rpkg *rp, uint32_t file,
                                       struct ast *t, bool report_undefined)
{
    if (!t)
        return &T_ANY;
    switch (t->kind) {
    case AST_TYPE_NAMED:
        return named_type(r, rp, file, t, report_undefined);
    case AST_TYPE_LIST:
        return t_list(r, type_of_ann(r, rp, file, t->u.type_list.elem, report_undefined));
    case AST_TYPE_DICT:
        return t_dict(r, type_of_ann(r, rp, file, t->u.type_dict.key, report_undefined),
                      type_of_ann(r, rp, file, t->u.type_dict.value, report_undefined), NULL, 0);
    case AST_TYPE_UNION: {
        uint32_t n = t->u.type_union.types.n;
        const struct rtype **v = rz(r, (n ? n : 1) * sizeof *v);
        for (uint32_t i = 0; i < n; i++)
            v[i] = type_of_ann(r, rp, file, t->u.type_union.types.v[i], report_undefined);
        return t_sup(r, v, n);
    }
    case AST_TYPE_LITERAL: {
        struct ast *v = t->u.type_lit.value;
        switch (v->kind) {
        case AST_INT:
            return v->u.num.suffix ? &T_ANY : t_lit_int(r, v->u.num.ival);
        case AST_FLOAT:
            return t_lit_float(r, v->u.fval);
        case AST_STR:
            if (v->u.str.lit && !v->u.str.lit->has_expr) {
                const struct strlit *l = v->u.str.lit;
                return t_lit_str(r, l->nparts == 1 ? l->parts[0].text : l->nparts ? "" : "");
            }
            return &T_STR;
        case AST_TRUE:
            return t_lit_bool(r, true);
        case AST_FALSE:
            return t_lit_bool(r, false);
        case AST_NONE:
            return &T_NONE;
        default:
            return &T_ANY;
        }
    }
    default:
        return &T_ANY;
    }
}

static const struct rtype *attr_type(struct resolver *r, struct rschema *s, struct rattr *a)
{
    if (a->resolved)
        return a->type;
    if (a->busy)
        return &T_ANY;
    a->busy = true;
    const struct rtype *t = &T_ANY;
    if (a->type_node) {
        t = type_of_ann(r, s->pkg, s->file, a->type_node, false);
    } else if (a->node && a->node->kind == AST_UNIFY) {
        bool known;
        struct rschema *u =
            schema_ref(r, s->pkg, s->file, a->node->u.unify.value->u.schema_expr.name, &known);
        if (known)
            t = &u->inst;
    }
    a->busy = false;
    a->type = t;
    a->resolved = true;
    return t;
}

/* The owner of an attribute found by schema_attr (its type resolves in the owner's file). */
static struct rschema *attr_owner_d(struct rschema *s, const struct rattr *a, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    if (a >= s->attrs && a < s->attrs + s->nattrs)
        return s;
    struct rschema *o;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if ((o = attr_owner_d(s->mixins[i], a, depth + 1)))
            return o;
    if (s->protocol && (o = attr_owner_d(s->protocol, a, depth + 1)))
        return o;
    return attr_owner_d(s->parent, a, depth + 1);
}

static const struct rtype *schema_attr_type(struct resolver *r, struct rschema *s,
                                            struct rattr *a)
{
    struct rschema *o = attr_owner_d(s, a, 0);
    return o ? attr_type(r, o, a) : &T_ANY;
}

static struct rt_param *params_of(struct resolver *r, struct rpkg *rp, uint32_t file,
                                  const struct ast_list *params)
{
    struct rt_param *v = rz(r, (params->n ? params->n : 1) * sizeof *v);
    for (uint32_t i = 0; i < params->n; i++) {
        struct ast *p = params->v[i];
        v[i].name = p->u.param.name;
        v[i].type = type_of_ann(r, rp, file, p->u.param.type, false);
        v[i].has_default = p->u.param.value != NULL;
        v[i].span = p->span;
    }
    return v;
}

static void schema_params(struct resolver *r, struct rschema *s)
{
    if (s->params_done)
        return;
    s->params_done = true;
    s->params = params_of(r, s->pkg, s->file, &s->node->u.schema.params);
    s->nparams = s->node->u.schema.params.n;
}

/* {=====================================================================
 * Declarations: parameters, decorators, schema inheritance and attributes
 * ====================================================================} */

/* KCL: a parameter without a default may not follow one with a default. The error points at
 * each default that some later parameter without one follows, last first. */
static void check_params(struct resolver *r, const struct ast_list *params)
{
    bool later_required = false;
    for (uint32_t i = params->n; i-- > 0;) {
        struct ast *p = params->v[i];
        if (!p->u.param.value) {
            later_required = true;
            continue;
        }
        if (later_required) {
            struct diag *g = report(r, "E1001", "IllegalParameterError", p->u.param.value->span,
                                    "non-default argument follows default argument");
            note(r, g, "A default argument");
        }
    }
}

/* KCL knows two decorators, @deprecated and @info. */
static void check_decorators(struct resolver *r, const struct ast_list *decorators)
{
    for (uint32_t i = 0; i < decorators->n; i++) {
        struct ast *d = decorators->v[i];
        struct ast *name = d->u.decorator.name;
        if (!name)
            continue;
        const char *s = name->kind == AST_NAME ? name->u.name : dotted_name(r, name);
        if (strcmp(s, "deprecated") && strcmp(s, "info"))
            report(r, "E2L23", "CompileError", name->span, "UnKnown decorator %s", s);
    }
}

static const char *schema_qualname(struct resolver *r, const struct rschema *s)
{
    if (s->pkg == r->pkgs[0] || !s->pkg->pkg->path)
        return s->name;
    struct rbuf b = {r, NULL, 0, 0};
    rb_puts(&b, s->pkg->pkg->path);
    rb_puts(&b, ".");
    rb_puts(&b, s->name);
    return rb_str(&b);
}

/* KCL: schema inheritance may not be circular; each schema of a cycle is reported, the cycle
 * listed from its first schema. */
static void check_cycles(struct resolver *r)
{
    for (uint32_t p = 0; p < r->npkgs; p++) {
        struct rpkg *rp = r->pkgs[p];
        for (uint32_t i = 0; i < rp->nschemas; i++) {
            struct rschema *s = rp->schemas[i];
            struct rschema *q = s->parent;
            unsigned d = 0;
            while (q && q != s && d++ < 64)
                q = q->parent;
            if (q == s)
                s->cyclic = true;
        }
    }
    for (uint32_t p = 0; p < r->npkgs; p++) {
        struct rpkg *rp = r->pkgs[p];
        for (uint32_t i = 0; i < rp->nschemas; i++) {
            struct rschema *s = rp->schemas[i];
            if (!s->cyclic)
                continue;
            /* the cycle from its first-declared member */
            struct rschema *first = s;
            struct rschema *q = s->parent;
            for (unsigned d = 0; q && q != s && d < 64; d++, q = q->parent) {
                uint32_t qi = 0, fi = 0;
                for (uint32_t k = 0; k < q->pkg->nschemas; k++)
                    if (q->pkg->schemas[k] == q)
                        qi = k;
                for (uint32_t k = 0; k < first->pkg->nschemas; k++)
                    if (first->pkg->schemas[k] == first)
                        fi = k;
                if ((q->pkg == first->pkg && qi < fi) ||
                    (q->pkg != first->pkg && q->pkg != r->pkgs[0] && first->pkg == r->pkgs[0]))
                    first = q;
            }
            struct rbuf b = {r, NULL, 0, 0};
            q = first;
            for (unsigned d = 0; d < 64; d++) {
                if (d)
                    rb_puts(&b, ", ");
                rb_puts(&b, schema_qualname(r, q));
                q = q->parent;
                if (!q || q == first)
                    break;
            }
            report(r, "E2L23", "CompileError", schema_name_span(r, s->node),
                   "There is a circular reference between schemas %s", rb_str(&b));
        }
    }
    for (uint32_t p = 0; p < r->npkgs; p++)
        for (uint32_t i = 0; i < r->pkgs[p]->nschemas; i++)
            if (r->pkgs[p]->schemas[i]->cyclic)
                r->pkgs[p]->schemas[i]->parent = NULL;
}

static void index_sig_print(struct rbuf *b, struct resolver *r, struct rschema *s, struct ast *ix)
{
    rb_puts(b, "[");
    if (ix->u.index_sig.key_name) {
        rb_puts(b, ix->u.index_sig.key_name);
        rb_puts(b, ": ");
    }
    if (ix->u.index_sig.any_other)
        rb_puts(b, "...");
    t_print(b, type_of_ann(r, s->pkg, s->file, ix->u.index_sig.key_type, false));
    rb_puts(b, "]: ");
    t_print(b, type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, false));
}

/* The checks KCL makes when it builds a schema type: decorators, parameters, the index
 * signature against the attributes, and attributes redeclared with another type or made
 * optional. */
static void check_schema_decl(struct resolver *r, struct rschema *s)
{
    struct ast *n = s->node;
    check_decorators(r, &n->u.schema.decorators);
    check_params(r, &n->u.schema.params);
    for (uint32_t i = 0; i < n->u.schema.params.n; i++)
        type_of_ann(r, s->pkg, s->file, n->u.schema.params.v[i]->u.param.type, true);
    struct ast *ix = s->index_sig;
    const struct rtype *ixval = NULL;
    if (ix) {
        ixval = type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, true);
        type_of_ann(r, s->pkg, s->file, ix->u.index_sig.key_type, true);
        if (ix->u.index_sig.key_name && schema_own_attr(s, ix->u.index_sig.key_name))
            report(r, "E1001", "IndexSignatureError", ix->span,
                   "index signature attribute name '%s' cannot have the same name as schema "
                   "attributes",
                   ix->u.index_sig.key_name);
    }
    struct ast_list *body = &n->u.schema.body;
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *st = body->v[i];
        const char *name;
        const struct rtype *ty;
        bool optional = false;
        if (st->kind == AST_SCHEMA_ATTR) {
            check_decorators(r, &st->u.attr.decorators);
            name = st->u.attr.name;
            ty = type_of_ann(r, s->pkg, s->file, st->u.attr.type, true);
            optional = st->u.attr.optional;
        } else if (st->kind == AST_UNIFY) {
            name = st->u.unify.target->u.name;
            bool known;
            struct rschema *u =
                schema_ref(r, s->pkg, s->file, st->u.unify.value->u.schema_expr.name, &known);
            ty = known ? &u->inst : &T_ANY;
        } else {
            continue;
        }
        struct span at = st->kind == AST_SCHEMA_ATTR ? attr_name_span(r, st) : st->span;
        struct rattr *own = schema_own_attr(s, name);
        const struct rtype *own_ty = own ? attr_type(r, s, own) : &T_ANY;
        struct rattr *base = s->parent ? schema_attr(s->parent, name) : NULL;
        if (base && base->node && base->node->kind != AST_SCHEMA_ATTR &&
            base->node->kind != AST_UNIFY)
            base = NULL;
        const struct rtype *base_ty = base ? schema_attr_type(r, s->parent, base) : &T_ANY;
        /* KCL: an attribute keeps its type in a schema and in its sub-schemas */
        if (!assignable(ty, own_ty) || !assignable(ty, base_ty))
            report(r, "E2G22", "TypeError", at, "can't change schema field type of '%s' from %s to %s",
                   name, t_str(r, own_ty), t_str(r, ty));
        /* KCL: a required attribute stays required */
        bool was_optional = base ? base->optional : (own ? own->optional : optional);
        if (optional && !was_optional)
            report(r, "E2G22", "TypeError", at,
                   "can't change the required schema attribute of '%s' to optional", name);
        /* KCL: attributes meet the index signature unless it is [...K]: V */
        if (ix && !ix->u.index_sig.any_other && st->kind == AST_SCHEMA_ATTR &&
            !assignable(ty, ixval)) {
            struct rbuf b = {r, NULL, 0, 0};
            index_sig_print(&b, r, s, ix);
            report(r, "E1001", "IndexSignatureError", at,
                   "the type '%s' of schema attribute '%s' does not meet the index signature "
                   "definition %s",
                   t_str(r, ty), name, rb_str(&b));
        }
    }
}

/* {=====================================================================
 * Immutability of public package-level names
 * ====================================================================} */

struct imm_obj {
    struct span span;
};

/* KCL: a public package-level name is bound once. A further assignment to it (or to a member
 * a.b / a[i] of it), in any file of the package and at any depth of top-level if-blocks, is an
 * ImmutableError; `x: S {...}` unifications may repeat. Schemas, rules, type aliases and the
 * file's imports are bound names too. */
static void imm_stmts(struct resolver *r, struct rmap *objs, const struct ast_list *body,
                      uint32_t file)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        if (n->kind == AST_IF) {
            imm_stmts(r, objs, &n->u.if_stmt.body, file);
            imm_stmts(r, objs, &n->u.if_stmt.orelse, file);
            continue;
        }
        if (n->kind == AST_UNIFY) {
            const char *name = n->u.unify.target->u.name;
            if (!rmap_get(objs, name)) {
                struct imm_obj *o = rz(r, sizeof *o);
                o->span = n->u.unify.target->span;
                rmap_put(r, objs, name, o);
            }
            continue;
        }
        if (n->kind != AST_ASSIGN)
            continue;
        for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
            struct ast *t = n->u.assign.targets.v[k];
            struct ast *root = target_root(t);
            if (root->kind != AST_NAME)
                continue;
            const char *name = root->u.name;
            struct imm_obj *o = rmap_get(objs, name);
            if (!o) {
                struct rimport *ri = file_import(r->pkgs[0], file, name);
                if (ri && !is_private(name)) {
                    struct diag *g =
                        report(r, "E1001", "ImmutableError", t->span,
                               "Can not change the value of '%s', because it was declared "
                               "immutable",
                               name);
                    label(r, g, ri->node->span, "The variable '%s' is declared here", name);
                    if (g)
                        diag_add_note(r->diags, g,
                                      "change the variable name to '_%s' to make it mutable",
                                      name);
                    continue;
                }
                o = rz(r, sizeof *o);
                o->span = t->span;
                rmap_put(r, objs, name, o);
                continue;
            }
            if (is_private(name))
                continue;
            struct diag *g = report(r, "E1001", "ImmutableError", t->span,
                                    "Can not change the value of '%s', because it was declared "
                                    "immutable",
                                    name);
            label(r, g, o->span, "The variable '%s' is declared here", name);
            if (g)
                diag_add_note(r->diags, g, "change the variable name to '_%s' to make it mutable",
                              name);
        }
    }
}

static void check_immutable(struct resolver *r)
{
    struct rpkg *rp = r->pkgs[0];
    struct rmap objs = {0};
    for (uint32_t f = 0; f < rp->pkg->nfiles; f++) {
        struct ast_list *body = &rp->pkg->files[f].module->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *n = body->v[i];
            if (n->kind != AST_SCHEMA && n->kind != AST_RULE)
                continue;
            if (rmap_get(&objs, n->u.schema.name))
                continue;
            struct imm_obj *o = rz(r, sizeof *o);
            o->span = n->span;
            rmap_put(r, &objs, n->u.schema.name, o);
        }
    }
    for (uint32_t f = 0; f < rp->pkg->nfiles; f++) {
        struct ast_list *body = &rp->pkg->files[f].module->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *n = body->v[i];
            if (n->kind != AST_TYPE_ALIAS || rmap_get(&objs, n->u.type_alias.name))
                continue;
            struct imm_obj *o = rz(r, sizeof *o);
            o->span = n->span;
            rmap_put(r, &objs, n->u.type_alias.name, o);
        }
        imm_stmts(r, &objs, body, f);
    }
}
