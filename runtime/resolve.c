/* Compile-time checks of a package (KCL's resolver): immutability of public names, parameter
 * order, schema declarations, undefined names and the type errors whose operands are known
 * before running. Every check is conservative: what only running could tell is accepted. */
#include "config.h"

#include "runtime/resolve_int.h"

#include <xxhash.h>

/* {=====================================================================
 * Utilities
 * ====================================================================} */

static void *rrealloc(struct resolver *r, void *p, size_t old_n, size_t new_n)
{
    void *q = arena_realloc(&r->arena, p, old_n, new_n);
    if (!q)
        vm_raise(r->vm, "out of memory");
    return q;
}

/* Uninitialised memory, for what is written in full right away. */
void *rs_ralloc(struct resolver *r, size_t n)
{
    void *p = arena_alloc_fast(&r->arena, n ? n : 1);
    if (!p)
        vm_raise(r->vm, "out of memory");
    return p;
}

void *rs_rz(struct resolver *r, size_t n)
{
    void *p = arena_alloc_fast(&r->arena, n ? n : 1);
    if (!p)
        vm_raise(r->vm, "out of memory");
    return memset(p, 0, n);
}

void *rs_rgrow(struct resolver *r, void *p, uint32_t *cap, uint32_t n, size_t size)
{
    if (n < *cap)
        return p;
    uint32_t c = *cap ? *cap * 2 : 8;
    p = rrealloc(r, p, (size_t)*cap * size, (size_t)c * size);
    *cap = c;
    return p;
}

uint32_t rs_name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

void *rmap_get(const struct rmap *m, const char *k)
{
    if (!m->cap)
        return NULL;
    uint32_t mask = m->cap - 1;
    for (uint32_t i = rs_name_hash(k) & mask;; i = (i + 1) & mask) {
        if (!m->keys[i])
            return NULL;
        if (!strcmp(m->keys[i], k))
            return m->vals[i];
    }
}

void rmap_put(struct resolver *r, struct rmap *m, const char *k, void *v)
{
    if ((m->n + 1) * 2 > m->cap) {
        struct rmap old = *m;
        m->cap = old.cap ? old.cap * 2 : 16;
        m->keys = rs_rz(r, m->cap * sizeof *m->keys);
        m->vals = rs_rz(r, m->cap * sizeof *m->vals);
        m->n = 0;
        for (uint32_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                rmap_put(r, m, old.keys[i], old.vals[i]);
    }
    uint32_t mask = m->cap - 1;
    for (uint32_t i = rs_name_hash(k) & mask;; i = (i + 1) & mask) {
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

bool rs_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcmp(s + n - k, suffix);
}

static bool is_private(const char *name)
{
    return name[0] == '_';
}

/* strcmp(a, b) == 0 for the short names of scopes and configs, compared in place (the
 * library call costs more than the few bytes a name has). */
static inline bool same_name(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static bool ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           (unsigned char)c >= 0x80;
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

/* The span of a name node, with the '$' of $name (KCL points at it). */
static struct span name_span(struct resolver *r, const struct ast *n)
{
    struct span sp = n->span;
    const struct source *s = source_map_get(r->ev->sm, sp.file);
    if (n->kind == AST_NAME && s && sp.lo > 0 && sp.lo <= s->len && s->text[sp.lo - 1] == '$')
        sp.lo--;
    return sp;
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

struct span rs_attr_name_span(struct resolver *r, struct ast *n)
{
    if (n->kind != AST_SCHEMA_ATTR || !n->u.attr.decorators.n)
        return n->span;
    const struct ast_list *d = &n->u.attr.decorators;
    return find_word(r, n->span, d->v[d->n - 1]->span.hi, n->span.hi, n->u.attr.name);
}

/* {=====================================================================
 * Diagnostics
 * ====================================================================} */

/* Records an error (duplicates are dropped at the end, see dedup). */

struct diag *rs_report(struct resolver *r, const char *code, const char *kind, struct span span,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = arena_vprintf(r->vm->arena, fmt, ap);
    va_end(ap);
    if (!msg)
        return NULL;
    r->nreports++;
    return diags_add(r->diags, DIAG_ERROR, code, kind, span, true, "%s", msg);
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

/* KCL walks some expressions twice and reports each error once: drops the diagnostics
 * recorded since 'start' that repeat an earlier one (same code, message, places, notes).
 * Returns the errors left. */
static unsigned dedup(struct resolver *r, unsigned start)
{
    struct diags *d = r->diags;
    unsigned out = start, errors = 0;
    struct rmap seen = {0};
    for (unsigned i = start; i < d->n; i++) {
        const struct diag *g = d->v[i];
        struct sbuf b;
        sbuf_init(&b, r->vm);
        char num[64];
        snprintf(num, sizeof num, "%d|", (int)g->level);
        sbuf_puts(&b, num);
        sbuf_puts(&b, g->code ? g->code : "");
        sbuf_puts(&b, "|");
        sbuf_puts(&b, g->message ? g->message : "");
        for (unsigned k = 0; k < g->nlabels; k++) {
            snprintf(num, sizeof num, "|%u:%u:", g->labels[k].span.file, g->labels[k].span.lo);
            sbuf_puts(&b, num);
            sbuf_puts(&b, g->labels[k].msg ? g->labels[k].msg : "");
        }
        for (unsigned k = 0; k < g->nnotes; k++) {
            sbuf_puts(&b, "|");
            sbuf_puts(&b, g->notes[k]);
        }
        const char *key = rs_sb_text(&b);
        if (rmap_get(&seen, key)) {
            if (g->level == DIAG_ERROR)
                d->nerrors--;
            continue;
        }
        rmap_put(r, &seen, key, (void *)key);
        if (g->level == DIAG_ERROR)
            errors++;
        d->v[out++] = d->v[i];
    }
    d->n = out;
    return errors;
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

/* ", did you mean '["a", "b"]'?" for the candidates close to 'name', or "". For names (not
 * attributes) a candidate the name contains is close too (ErrOther: Other). */
/* The candidates close to 'name', in order and without repeats (see suggest). */
static uint32_t close_names(struct resolver *r, const char *name, const char *const *cands,
                            uint32_t n, bool contained, const char ***out)
{
    const char **kept = NULL;
    uint32_t nkept = 0, capkept = 0;
    if (r->nreports > 100)
        n = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!cands[i] || !strcmp(cands[i], name))
            continue;
        if (jaro_winkler(name, cands[i]) <= 0.8 &&
            !(contained && strlen(cands[i]) >= 3 && strstr(name, cands[i])))
            continue;
        bool dup = false;
        for (uint32_t k = 0; k < nkept && !dup; k++)
            dup = !strcmp(kept[k], cands[i]);
        if (dup)
            continue;
        kept = rs_rgrow(r, kept, &capkept, nkept, sizeof *kept);
        kept[nkept++] = cands[i];
    }
    *out = kept;
    return nkept;
}

const char *rs_suggest(struct resolver *r, const char *name, const char *const *cands, uint32_t n,
                    bool contained)
{
    struct sbuf b;
    sbuf_init(&b, r->vm);
    const char **kept;
    uint32_t nkept = close_names(r, name, cands, n, contained, &kept);
    for (uint32_t i = 0; i < nkept; i++) {
        sbuf_puts(&b, i ? ", \"" : ", did you mean '[\"");
        sbuf_puts(&b, kept[i]);
        sbuf_puts(&b, "\"");
    }
    if (nkept)
        sbuf_puts(&b, "]'?");
    return rs_sb_text(&b);
}

/* ", did you mean 'a' or 'b'?" (KCL's suggestion for a keyword argument), or "". */
static const char *suggest_or(struct resolver *r, const char *name, const char *const *cands,
                              uint32_t n)
{
    struct sbuf b;
    sbuf_init(&b, r->vm);
    const char **kept;
    uint32_t nkept = close_names(r, name, cands, n, false, &kept);
    for (uint32_t i = 0; i < nkept; i++) {
        sbuf_puts(&b, i ? " or " : ", did you mean '");
        sbuf_puts(&b, kept[i]);
    }
    if (nkept)
        sbuf_puts(&b, "'?");
    return rs_sb_text(&b);
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
            struct diag *g = rs_report(r, "E1001", "IllegalParameterError", p->u.param.value->span,
                                    "non-default argument follows default argument");
            note(r, g, "A default argument");
        }
    }
}

/* KCL knows two decorators, @deprecated and @info. */
static const struct rtype **walk_args(struct resolver *r, const struct ast_list *args);
static void check_args(struct resolver *r, const struct rt_param *params, uint32_t nparams,
                       const struct ast *func, const struct ast_list *args,
                       const struct rtype *const *types, struct span at);

/* KCL's BUILTIN_DECORATORS: @deprecated(version: str, reason: str, strict: bool), all with
 * defaults, and @info(...), which takes anything. */
static const struct rt_param deprecated_params[] = {
    {"version", &T_STR, true, {0, 0, 0}},
    {"reason", &T_STR, true, {0, 0, 0}},
    {"strict", &T_BOOL, true, {0, 0, 0}},
};

static void check_decorators(struct resolver *r, const struct ast_list *decorators)
{
    for (uint32_t i = 0; i < decorators->n; i++) {
        struct ast *d = decorators->v[i];
        struct ast *name = d->u.decorator.name;
        if (!name)
            continue;
        const char *s = name->kind == AST_NAME ? name->u.name : rs_dotted_name(r, name);
        const struct rtype **types = walk_args(r, &d->u.decorator.args);
        if (name->kind != AST_NAME)
            rs_report(r, "E2G22", "TypeError", name->span,
                   "decorator name must be a single identifier");
        else if (!strcmp(s, "deprecated"))
            check_args(r, deprecated_params, 3, name, &d->u.decorator.args, types, name->span);
        else if (strcmp(s, "info"))
            rs_report(r, "E2L23", "CompileError", name->span, "UnKnown decorator %s", s);
    }
}

static const char *schema_qualname(struct resolver *r, const struct rschema *s)
{
    if (s->pkg == r->pkgs[0] || !s->pkg->pkg->path)
        return s->name;
    struct sbuf b;
    sbuf_init(&b, r->vm);
    sbuf_puts(&b, s->pkg->pkg->path);
    sbuf_puts(&b, ".");
    sbuf_puts(&b, s->name);
    return rs_sb_text(&b);
}

/* The longest chain of parents a schema may have. */
#define SCHEMA_MAX_INHERIT 100

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
            struct sbuf b;
            sbuf_init(&b, r->vm);
            q = first;
            for (unsigned d = 0; d < 64; d++) {
                if (d)
                    sbuf_puts(&b, ", ");
                sbuf_puts(&b, schema_qualname(r, q));
                q = q->parent;
                if (!q || q == first)
                    break;
            }
            rs_report(r, "E2L23", "CompileError", schema_name_span(r, s->node),
                   "There is a circular reference between schemas %s", rs_sb_text(&b));
        }
    }
    /* An inheritance chain longer than SCHEMA_MAX_INHERIT is refused (each level copies its
     * parents' attributes, so a few thousand levels cost gigabytes): the schema past the limit
     * loses its parent. */
    for (uint32_t p = 0; p < r->npkgs; p++) {
        struct rpkg *rp = r->pkgs[p];
        for (uint32_t i = 0; i < rp->nschemas; i++) {
            struct rschema *s = rp->schemas[i];
            unsigned d = 0;
            for (struct rschema *q = s->parent; q && !q->cyclic && d <= SCHEMA_MAX_INHERIT;
                 q = q->parent)
                d++;
            if (s->cyclic || d <= SCHEMA_MAX_INHERIT)
                continue;
            rs_report(r, "E2L23", "CompileError", schema_name_span(r, s->node),
                   "schema '%s' inherits through more than %d levels of schemas",
                   schema_qualname(r, s), SCHEMA_MAX_INHERIT);
            s->parent = NULL;
        }
    }
    /* KCL drops a parent it can't build: the cycle's and its heirs' */
    for (uint32_t p = 0; p < r->npkgs; p++)
        for (uint32_t i = 0; i < r->pkgs[p]->nschemas; i++) {
            struct rschema *s = r->pkgs[p]->schemas[i];
            if (!s->cyclic && s->parent && s->parent->cyclic)
                s->parent = NULL;
        }
    for (uint32_t p = 0; p < r->npkgs; p++)
        for (uint32_t i = 0; i < r->pkgs[p]->nschemas; i++)
            if (r->pkgs[p]->schemas[i]->cyclic)
                r->pkgs[p]->schemas[i]->parent = NULL;
}

static void index_sig_print(struct sbuf *b, struct resolver *r, struct rschema *s, struct ast *ix)
{
    sbuf_puts(b, "[");
    if (ix->u.index_sig.key_name) {
        sbuf_puts(b, ix->u.index_sig.key_name);
        sbuf_puts(b, ": ");
    }
    if (ix->u.index_sig.any_other)
        sbuf_puts(b, "...");
    t_print(b, rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.key_type, false));
    sbuf_puts(b, "]: ");
    t_print(b, rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, false));
}

/* The checks KCL makes when it builds a schema type: decorators, parameters, the index
 * signature against the attributes, and attributes redeclared with another type or made
 * optional. */
/* KCL's RESERVED_TYPE_IDENTIFIERS: no schema, rule or type alias takes these names. */
static const char *const reserved_types[] = {"any", "int", "float", "str", "bool"};
#define RESERVED_TYPES_TEXT "[\"any\", \"int\", \"float\", \"str\", \"bool\"]"

static bool is_reserved_type(const char *name)
{
    for (size_t i = 0; i < sizeof reserved_types / sizeof reserved_types[0]; i++)
        if (!strcmp(name, reserved_types[i]))
            return true;
    return false;
}

/* str, a str literal or a union of them (an index signature's key type). */
static bool t_is_str_like(const struct rtype *t)
{
    if (t->kind == RT_STR || t->kind == RT_LIT_STR)
        return true;
    if (t->kind != RT_UNION)
        return false;
    for (uint32_t i = 0; i < t->u.uni.n; i++)
        if (!t_is_str_like(t->u.uni.v[i]))
            return false;
    return true;
}

/* KCL's has_only_attribute_definitions: no parameters, mixins or checks, only attributes
 * (scl keeps the index signature in the body). */
static bool only_attributes(const struct ast *n)
{
    if (n->u.schema.params.n || n->u.schema.mixins.n || n->u.schema.checks.n)
        return false;
    for (uint32_t i = 0; i < n->u.schema.body.n; i++) {
        unsigned k = n->u.schema.body.v[i]->kind;
        if (k != AST_SCHEMA_ATTR && k != AST_INDEX_SIG)
            return false;
    }
    return true;
}

/* What KCL checks of a schema's or rule's name and of what it builds on: reserved names, the
 * Protocol suffix and protocol bodies, `for` hosts (only mixins and rules have one, and it is
 * a protocol) and rule parents (rules). */
static void check_schema_head(struct resolver *r, struct rschema *s)
{
    struct ast *n = s->node;
    struct span name = schema_name_span(r, n);
    if (is_reserved_type(s->name))
        rs_report(r, "E2L23", "CompileError", name,
               "%s name '%s' cannot be the same as the built-in types (" RESERVED_TYPES_TEXT ")",
               s->is_rule ? "rule" : "schema", s->name);
    if (s->is_protocol && !rs_ends_with(s->name, "Protocol"))
        rs_report(r, "E2L23", "CompileError", name, "schema protocol name must end with 'Protocol'");
    if (s->is_protocol && !only_attributes(n))
        rs_report(r, "E2L23", "CompileError", name,
               "a protocol is only allowed to define attributes in it");
    struct ast *host = n->u.schema.for_host;
    if (host) {
        bool known;
        struct rschema *p = rs_schema_ref(r, s->pkg, s->file, host, &known);
        if (!s->is_rule && !s->is_mixin)
            rs_report(r, "E2D34", "IllegalInheritError", host->span,
                   "only schema mixin can inherit from protocol");
        else if (known && !p->is_protocol && !rs_ends_with(p->name, "Protocol"))
            rs_report(r, "E2D34", "IllegalInheritError", host->span,
                   "invalid schema inherit object type, expect protocol, got '%s'", p->name);
    }
    if (s->is_rule)
        for (uint32_t i = 0; i < n->u.schema.parents.n; i++) {
            bool known;
            struct rschema *p = rs_schema_ref(r, s->pkg, s->file, n->u.schema.parents.v[i], &known);
            if (known && !p->is_rule)
                rs_report(r, "E2D34", "IllegalInheritError", n->u.schema.parents.v[i]->span,
                       "illegal rule type '%s'", p->name);
        }
}

/* A parameter's name. The span of a bare parameter `[a]` may start at the file's start (the
 * parser joins the name with its absent type and default); the name ends it. */
static struct span param_name_span(const struct ast *p)
{
    struct span sp = p->span;
    size_t k = strlen(p->u.param.name);
    if (!p->u.param.type && !p->u.param.value && sp.hi >= k)
        sp.lo = sp.hi - (uint32_t)k;
    return sp;
}

static void check_schema_decl(struct resolver *r, struct rschema *s)
{
    struct ast *n = s->node;
    check_schema_head(r, s);
    check_decorators(r, &n->u.schema.decorators);
    check_params(r, &n->u.schema.params);
    for (uint32_t i = 0; i < n->u.schema.params.n; i++) {
        struct ast *p = n->u.schema.params.v[i];
        rs_type_of_ann(r, s->pkg, s->file, p->u.param.type, true);
        /* KCL: a parameter is not named like one of the schema's own attributes */
        if (!s->is_rule && rs_schema_own_attr(s, p->u.param.name))
            rs_report(r, "E2L23", "CompileError", param_name_span(p),
                   "Unexpected parameter name '%s' with the same name as the schema attribute",
                   p->u.param.name);
    }
    struct ast *ix = s->index_sig;
    const struct rtype *ixval = NULL;
    if (ix) {
        ixval = rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, true);
        const struct rtype *ixkey = rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.key_type, true);
        if (ix->u.index_sig.key_name && rs_schema_own_attr(s, ix->u.index_sig.key_name))
            rs_report(r, "E1001", "IndexSignatureError", ix->span,
                   "index signature attribute name '%s' cannot have the same name as schema "
                   "attributes",
                   ix->u.index_sig.key_name);
        /* KCL: keys are strings */
        if (!t_is_any(ixkey) && !t_is_str_like(ixkey))
            rs_report(r, "E1001", "IndexSignatureError", schema_name_span(r, n),
                   "invalid index signature key type: '%s'", t_str(r, ixkey));
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
            ty = rs_type_of_ann(r, s->pkg, s->file, st->u.attr.type, true);
            optional = st->u.attr.optional;
        } else if (st->kind == AST_UNIFY) {
            name = st->u.unify.target->u.name;
            bool known;
            struct rschema *u =
                rs_schema_ref(r, s->pkg, s->file, st->u.unify.value->u.schema_expr.name, &known);
            ty = known ? &u->inst : &T_ANY;
        } else {
            continue;
        }
        struct span at = st->kind == AST_SCHEMA_ATTR ? rs_attr_name_span(r, st) : st->span;
        struct rattr *own = rs_schema_own_attr(s, name);
        const struct rtype *own_ty = own ? rs_attr_type(r, s, own) : &T_ANY;
        struct rattr *base = s->parent ? rs_schema_attr(s->parent, name) : NULL;
        if (base && base->node && base->node->kind != AST_SCHEMA_ATTR &&
            base->node->kind != AST_UNIFY)
            base = NULL;
        const struct rtype *base_ty = base ? rs_schema_attr_type(r, s->parent, base) : &T_ANY;
        /* KCL: an attribute keeps its type in a schema and in its sub-schemas */
        if (!rs_assignable(ty, own_ty) || !rs_assignable(ty, base_ty))
            rs_report(r, "E2G22", "TypeError", at,
                   "can't change schema field type of '%s' from %s to %s", name, t_str(r, own_ty),
                   t_str(r, ty));
        /* KCL: a required attribute stays required */
        bool was_optional = base ? base->optional : (own ? own->optional : optional);
        if (optional && !was_optional)
            rs_report(r, "E2G22", "TypeError", at,
                   "can't change the required schema attribute of '%s' to optional", name);
        /* KCL: attributes meet the index signature unless it is [...K]: V */
        if (ix && !ix->u.index_sig.any_other && st->kind == AST_SCHEMA_ATTR &&
            !rs_assignable(ty, ixval)) {
            struct sbuf b;
            sbuf_init(&b, r->vm);
            index_sig_print(&b, r, s, ix);
            rs_report(r, "E1001", "IndexSignatureError", at,
                   "the type '%s' of schema attribute '%s' does not meet the index signature "
                   "definition %s",
                   t_str(r, ty), name, rs_sb_text(&b));
        }
    }
}

/* {=====================================================================
 * Immutability of public package-level names
 * ====================================================================} */

struct imm_obj {
    struct span span;
    struct ast *node; /* a schema or rule */
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
                struct imm_obj *o = rs_rz(r, sizeof *o);
                o->span = name_span(r, n->u.unify.target);
                rmap_put(r, objs, name, o);
            }
            continue;
        }
        if (n->kind != AST_ASSIGN)
            continue;
        for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
            struct ast *t = n->u.assign.targets.v[k];
            struct ast *root = ast_target_root(t);
            if (root->kind != AST_NAME)
                continue;
            const char *name = root->u.name;
            struct imm_obj *o = rmap_get(objs, name);
            struct span at = t->kind == AST_NAME ? name_span(r, t) : name_span(r, root);
            if (!o) {
                struct rimport *ri = rs_file_import(r->pkgs[0], file, name);
                if (ri && !is_private(name)) {
                    struct diag *g =
                        rs_report(r, "E1001", "ImmutableError", at,
                               "Can not change the value of '%s', because it was declared "
                               "immutable",
                               name);
                    label(r, g, ri->node->span, "The variable '%s' is declared here", name);
                    if (g)
                        diag_add_note(r->diags, g,
                                      "change the variable name to '_%s' to make it mutable", name);
                    continue;
                }
                o = rs_rz(r, sizeof *o);
                o->span = at;
                rmap_put(r, objs, name, o);
                continue;
            }
            if (is_private(name))
                continue;
            struct diag *g = rs_report(r, "E1001", "ImmutableError", at,
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
            struct imm_obj *first = rmap_get(&objs, n->u.schema.name);
            if (first) {
                /* KCL: schema and rule names are unique in a package */
                struct diag *g = rs_report(r, "E2L28", "UniqueKeyError", schema_name_span(r, n),
                                        "Unique key error name '%s'", n->u.schema.name);
                label(r, g, schema_name_span(r, first->node), "The variable '%s' is declared here",
                      n->u.schema.name);
                continue;
            }
            struct imm_obj *o = rs_rz(r, sizeof *o);
            o->span = n->span;
            o->node = n;
            rmap_put(r, &objs, n->u.schema.name, o);
        }
    }
    for (uint32_t f = 0; f < rp->pkg->nfiles; f++) {
        struct ast_list *body = &rp->pkg->files[f].module->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *n = body->v[i];
            if (n->kind != AST_TYPE_ALIAS || rmap_get(&objs, n->u.type_alias.name))
                continue;
            struct imm_obj *o = rs_rz(r, sizeof *o);
            o->span = n->span;
            rmap_put(r, &objs, n->u.type_alias.name, o);
        }
        imm_stmts(r, &objs, body, f);
    }
}

/* {=====================================================================
 * The walk: scopes and names
 * ====================================================================} */

static struct rscope *rscope_push(struct resolver *r, enum rscope_kind kind)
{
    struct rscope *s = rs_rz(r, sizeof *s);
    s->kind = (uint8_t)kind;
    s->parent = r->scope;
    r->scope = s;
    return s;
}

static void rscope_pop(struct resolver *r)
{
    r->scope = r->scope->parent;
}

static int scope_index(const struct rscope *s, const char *name)
{
    if (s->index.cap) {
        uintptr_t k = (uintptr_t)rmap_get(&s->index, name);
        return k ? (int)(k - 1) : -1;
    }
    for (uint32_t i = 0; i < s->n; i++)
        if (same_name(s->names[i], name))
            return (int)i;
    return -1;
}

static void scope_add(struct resolver *r, struct rscope *s, const char *name, const struct rtype *t)
{
    int i = scope_index(s, name);
    if (i >= 0) {
        if (t && !t_is_any(t))
            s->types[i] = t;
        return;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 8;
        s->names = rrealloc(r, s->names, s->cap * sizeof *s->names, cap * sizeof *s->names);
        s->types = rrealloc(r, s->types, s->cap * sizeof *s->types, cap * sizeof *s->types);
        s->cap = cap;
    }
    s->names[s->n] = name;
    s->types[s->n] = t ? t : &T_ANY;
    s->n++;
    if (s->index.cap) {
        rmap_put(r, &s->index, name, (void *)(uintptr_t)s->n);
    } else if (s->n > 16) {
        for (uint32_t k = 0; k < s->n; k++)
            if (!rmap_get(&s->index, s->names[k]))
                rmap_put(r, &s->index, s->names[k], (void *)(uintptr_t)(k + 1));
    }
}

/* The names the statements of a lambda body bind (its locals). */
static void collect_locals(struct resolver *r, struct rscope *s, const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        if (n->kind == AST_ASSIGN) {
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = ast_target_root(n->u.assign.targets.v[k]);
                if (t->kind == AST_NAME)
                    scope_add(r, s, t->u.name, NULL);
            }
        } else if (n->kind == AST_AUG_ASSIGN) {
            struct ast *t = ast_target_root(n->u.aug.target);
            if (t->kind == AST_NAME)
                scope_add(r, s, t->u.name, NULL);
        } else if (n->kind == AST_UNIFY) {
            scope_add(r, s, n->u.unify.target->u.name, NULL);
        } else if (n->kind == AST_IF) {
            collect_locals(r, s, &n->u.if_stmt.body);
            collect_locals(r, s, &n->u.if_stmt.orelse);
        }
    }
}

static bool attr_declared(const struct rattr *a)
{
    return a->node && (a->node->kind == AST_SCHEMA_ATTR || a->node->kind == AST_UNIFY ||
                       (a->node->kind == AST_ASSIGN && a->type_node));
}

/* Looks 'name' up as the program would: local, config and schema scopes inside out, then the
 * package, the file's imports and the builtins. Returns false when it is surely undefined. */
static bool lookup(struct resolver *r, const char *name, const struct rtype **type)
{
    bool open = false;
    *type = &T_ANY;
    for (struct rscope *s = r->scope; s; s = s->parent) {
        int i = scope_index(s, name);
        if (i >= 0) {
            *type = s->types[i];
            return true;
        }
        if (s->open)
            open = true;
        if (s->kind == RS_SCHEMA && s->schema) {
            if (rs_schema_has_name_d(s->schema, name, 0)) {
                struct rattr *a = rs_schema_attr(s->schema, name);
                if (a && attr_declared(a))
                    *type = rs_schema_attr_type(r, s->schema, a);
                return true;
            }
            if (rs_schema_is_open(s->schema, 0) || s->schema->is_mixin || s->schema->is_protocol ||
                rs_schema_index_sig(s->schema))
                open = true;
        }
    }
    struct rsym *y = rmap_get(&r->pkg->syms, name);
    if (y) {
        if (y->kind == SYM_SCHEMA && y->schema)
            *type = &y->schema->type;
        else if (y->kind == SYM_VAR && y->type)
            *type = y->type;
        return true;
    }
    struct rimport *ri = rs_pkg_import(r->pkg, r->file, name);
    if (ri) {
        struct rtype *t = rs_rz(r, sizeof *t);
        t->kind = RT_MODULE;
        t->u.mod.pkg = ri->pkg;
        t->u.mod.path = ri->node->u.import.path;
        t->u.mod.system = ri->known && !ri->pkg;
        *type = t;
        return true;
    }
    if (rmap_get(&r->builtins, name))
        return true;
    return open;
}

/* The names visible at this point (for suggestions): local scopes, the package, builtins. */
static void visible_names(struct resolver *r, const char ***v, uint32_t *n, uint32_t *cap)
{
    for (struct rscope *s = r->scope; s; s = s->parent) {
        for (uint32_t i = 0; i < s->n; i++) {
            *v = rs_rgrow(r, *v, cap, *n, sizeof **v);
            (*v)[(*n)++] = s->names[i];
        }
        if (s->kind == RS_SCHEMA && s->schema)
            for (uint32_t i = 0; i < s->schema->nattrs; i++) {
                *v = rs_rgrow(r, *v, cap, *n, sizeof **v);
                (*v)[(*n)++] = s->schema->attrs[i].name;
            }
    }
    for (uint32_t i = 0; i < r->pkg->syms.cap; i++)
        if (r->pkg->syms.keys[i]) {
            *v = rs_rgrow(r, *v, cap, *n, sizeof **v);
            (*v)[(*n)++] = r->pkg->syms.keys[i];
        }
    for (uint32_t i = 0; i < r->builtins.cap; i++)
        if (r->builtins.keys[i]) {
            *v = rs_rgrow(r, *v, cap, *n, sizeof **v);
            (*v)[(*n)++] = r->builtins.keys[i];
        }
}

/* KCL: every name a program reads is defined where it is read. */
static const struct rtype *walk_name(struct resolver *r, struct ast *n)
{
    const struct rtype *t;
    if (lookup(r, n->u.name, &t))
        return t;
    const char **cands = NULL;
    uint32_t nc = 0, cap = 0;
    if (r->nreports <= 100)
        visible_names(r, &cands, &nc, &cap);
    rs_report(r, "E2L23", "CompileError", n->span, "name '%s' is not defined%s", n->u.name,
           rs_suggest(r, n->u.name, cands, nc, true));
    return &T_ANY;
}

/* {=====================================================================
 * The walk: the config-expression context (what the entries of a config must be)
 * ====================================================================} */

static struct rctx *ctx_top(struct resolver *r)
{
    return r->nctx ? &r->ctx[r->nctx - 1] : NULL;
}

static void ctx_push(struct resolver *r, const struct rtype *t, const struct span *def)
{
    r->ctx = rs_rgrow(r, r->ctx, &r->capctx, r->nctx, sizeof *r->ctx);
    struct rctx *c = &r->ctx[r->nctx++];
    c->type = t;
    c->has_def = def != NULL;
    if (def)
        c->def = *def;
}

static void ctx_pop(struct resolver *r, uint32_t n)
{
    r->nctx = n > r->nctx ? 0 : r->nctx - n;
}

/* Pushes the type of member 'name' of the current context: a list's items, a dict's values,
 * a schema's attribute (or index signature). */
static void ctx_switch(struct resolver *r, const char *name)
{
    struct rctx *top = ctx_top(r);
    const struct rtype *t = top ? top->type : NULL;
    if (!t || !*name) {
        ctx_push(r, NULL, NULL);
        return;
    }
    struct span def = top->def;
    bool has_def = top->has_def;
    switch (t->kind) {
    case RT_LIST:
        ctx_push(r, t->u.elem, has_def ? &def : NULL);
        return;
    case RT_DICT:
        ctx_push(r, t->u.dict.val, has_def ? &def : NULL);
        return;
    case RT_SCHEMA: {
        struct rschema *s = t->u.schema;
        struct rattr *a = rs_schema_attr(s, name);
        if (a) {
            ctx_push(r, attr_declared(a) ? rs_schema_attr_type(r, s, a) : NULL, &a->span);
            return;
        }
        struct ast *ix = rs_schema_index_sig(s);
        if (ix && !rs_schema_is_open(s, 0)) {
            ctx_push(r, rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, false),
                     has_def ? &def : NULL);
            return;
        }
        ctx_push(r, NULL, NULL);
        return;
    }
    default:
        ctx_push(r, NULL, NULL);
        return;
    }
}

static bool schema_accepts(struct rschema *s, const char *name)
{
    return rs_schema_attr(s, name) || s->is_mixin || s->is_protocol || rs_schema_index_sig(s) ||
           rs_schema_is_open(s, 0);
}

/* KCL: a config for a schema sets only attributes the schema has, unless it has an index
 * signature (or is a mixin). */
static void check_config_attr(struct resolver *r, const char *name, struct span at,
                              const struct rtype *t, const struct span *unpacked)
{
    if (!t || !*name)
        return;
    if (t->kind == RT_SCHEMA) {
        struct rschema *s = t->u.schema;
        if (schema_accepts(s, name))
            return;
        const char **cands = NULL;
        uint32_t nc = 0, cap = 0;
        rs_schema_attr_names(r, s, &cands, &nc, &cap, 0);
        struct diag *g =
            rs_report(r, "E2L23", "CompileError", at, "Cannot add member '%s' to schema '%s'%s", name,
                   s->name, rs_suggest(r, name, cands, nc, false));
        if (unpacked)
            label(r, g, *unpacked, "config attribute is defined here");
        return;
    }
    if (t->kind != RT_UNION)
        return;
    for (uint32_t i = 0; i < t->u.uni.n; i++)
        if (t->u.uni.v[i]->kind != RT_SCHEMA)
            return;
    struct sbuf b;
    sbuf_init(&b, r->vm);
    for (uint32_t i = 0; i < t->u.uni.n; i++) {
        struct rschema *s = t->u.uni.v[i]->u.schema;
        if (schema_accepts(s, name))
            return;
        sbuf_puts(&b, i ? ", \"" : "schemas [\"");
        sbuf_puts(&b, s->name);
        sbuf_puts(&b, "\"");
    }
    sbuf_puts(&b, "]");
    rs_report(r, "E2L23", "CompileError", at, "Cannot add member '%s' to '%s'", name,
           t->u.uni.n == 1 ? t->u.uni.v[0]->u.schema->name : rs_sb_text(&b));
}

/* {=====================================================================
 * The walk: type checks
 * ====================================================================} */

static bool check_type(struct resolver *r, const struct rtype *v, const struct rtype *e,
                       bool report_errors, const struct span *override);

/* A dict built from a config literal given where a schema is expected: each of its keys must
 * be an attribute (or meet the index signature) and have a value of the attribute's type. The
 * errors point at the keys, or at 'override' (a `**x` unpacked into a config). */
static bool dict_to_schema(struct resolver *r, const struct rtype *d, struct rschema *s,
                           bool report_errors, const struct span *override)
{
    if (rs_schema_is_open(s, 0) || s->is_protocol)
        return true;
    bool ok = true;
    struct ast *ix = rs_schema_index_sig(s);
    for (uint32_t i = 0; i < d->u.dict.nattrs; i++) {
        const struct rt_attr *at = &d->u.dict.attrs[i];
        struct span where = override ? *override : at->span;
        struct rattr *a = rs_schema_attr(s, at->name);
        if (a) {
            if (!attr_declared(a))
                continue;
            const struct rtype *et = rs_schema_attr_type(r, s, a);
            if (check_type(r, at->type, et, report_errors, override))
                continue;
            ok = false;
            if (!report_errors)
                continue;
            const char *es = t_str(r, et), *vs = t_str(r, at->type);
            struct diag *g = rs_report(r, "E2G22", "TypeError", where, "expected %s, got %s", es, vs);
            label(r, g, a->span, "variable is defined here, its type is %s, but got %s", es, vs);
            if (override)
                label(r, g, at->span, "config attribute is defined here");
        } else if (ix) {
            const struct rtype *et =
                rs_type_of_ann(r, s->pkg, s->file, ix->u.index_sig.value_type, false);
            if (check_type(r, at->type, et, report_errors, override))
                continue;
            ok = false;
            if (!report_errors)
                continue;
            struct diag *g = rs_report(r, "E2G22", "TypeError", where, "expected %s, got %s",
                                    t_str(r, et), t_str(r, at->type));
            if (override)
                label(r, g, at->span, "config attribute is defined here");
        } else if (!s->is_mixin) {
            ok = false;
            if (report_errors)
                check_config_attr(r, at->name, where, &s->inst, override ? &at->span : NULL);
        }
    }
    return report_errors ? true : ok;
}

static bool check_type(struct resolver *r, const struct rtype *v, const struct rtype *e,
                       bool report_errors, const struct span *override)
{
    if (t_is_any(v) || t_is_any(e))
        return true;
    if (v->kind == RT_LIST && e->kind == RT_LIST)
        return check_type(r, v->u.elem, e->u.elem, report_errors, override);
    if (v->kind == RT_DICT && e->kind == RT_DICT)
        return check_type(r, v->u.dict.key, e->u.dict.key, report_errors, override) &&
               check_type(r, v->u.dict.val, e->u.dict.val, report_errors, override);
    if (v->kind == RT_DICT && e->kind == RT_SCHEMA)
        return dict_to_schema(r, v, e->u.schema, report_errors, override);
    if (v->kind == RT_UNION) {
        for (uint32_t i = 0; i < v->u.uni.n; i++)
            if (!check_type(r, v->u.uni.v[i], e, report_errors, override))
                return false;
        return true;
    }
    if (e->kind == RT_UNION) {
        for (uint32_t i = 0; i < e->u.uni.n; i++)
            if (check_type(r, v, e->u.uni.v[i], false, override))
                return true;
        return false;
    }
    return rs_assignable(v, e);
}

/* KCL: a value is assignable to the place it is given to ("expected T, got U"). */
static void must_assignable(struct resolver *r, const struct rtype *v, const struct rtype *e,
                            struct span at, const struct span *def)
{
    if (check_type(r, v, e, true, NULL))
        return;
    const char *es = t_str(r, e), *vs = t_str(r, v);
    struct diag *g = rs_report(r, "E2G22", "TypeError", at, "expected %s, got %s", es, vs);
    if (def)
        label(r, g, *def, "variable is defined here, its type is %s, but got %s", es, vs);
}

/* {=====================================================================
 * The walk: expressions
 * ====================================================================} */

static const struct rtype *walk_expr(struct resolver *r, struct ast *n);
static const struct rtype *walk_stmts(struct resolver *r, const struct ast_list *body);

/* A dict type being built from config entries. */
struct dict_acc {
    const struct rtype **keys, **vals;
    uint32_t nk, capk, nv, capv;
    struct rt_attr *attrs;
    uint32_t na, capa;
    struct rmap index; /* attribute name -> position + 1, once there are many */
    bool open;         /* some entry's keys or values are unknown */
};

static void acc_kv(struct resolver *r, struct dict_acc *a, const struct rtype *k,
                   const struct rtype *v)
{
    a->keys = rs_rgrow(r, a->keys, &a->capk, a->nk, sizeof *a->keys);
    a->keys[a->nk++] = k;
    a->vals = rs_rgrow(r, a->vals, &a->capv, a->nv, sizeof *a->vals);
    a->vals[a->nv++] = v;
}

static void acc_attr(struct resolver *r, struct dict_acc *a, const char *name,
                     const struct rtype *t, struct span at)
{
    if (a->index.cap) {
        uintptr_t k = (uintptr_t)rmap_get(&a->index, name);
        if (k) {
            a->attrs[k - 1].type = t_sup2(r, a->attrs[k - 1].type, t);
            return;
        }
    } else {
        for (uint32_t i = 0; i < a->na; i++)
            if (same_name(a->attrs[i].name, name)) {
                a->attrs[i].type = t_sup2(r, a->attrs[i].type, t);
                return;
            }
    }
    a->attrs = rs_rgrow(r, a->attrs, &a->capa, a->na, sizeof *a->attrs);
    a->attrs[a->na].name = name;
    a->attrs[a->na].type = t;
    a->attrs[a->na].span = at;
    a->na++;
    if (a->index.cap) {
        rmap_put(r, &a->index, name, (void *)(uintptr_t)a->na);
    } else if (a->na > 16) {
        for (uint32_t k = 0; k < a->na; k++)
            rmap_put(r, &a->index, a->attrs[k].name, (void *)(uintptr_t)(k + 1));
    }
}

static const struct rtype *acc_type(struct resolver *r, struct dict_acc *a)
{
    if (a->open)
        return t_dict(r, &T_ANY, &T_ANY, a->attrs, a->na);
    return t_dict(r, t_sup(r, a->keys, a->nk), t_sup(r, a->vals, a->nv), a->attrs, a->na);
}

/* The literal text of a string without interpolation, or NULL. */
static const char *str_text(struct resolver *r, const struct ast *n)
{
    if (n->kind != AST_STR || !n->u.str.lit || n->u.str.lit->has_expr)
        return NULL;
    const struct strlit *l = n->u.str.lit;
    if (l->nparts == 0)
        return "";
    if (l->nparts == 1)
        return l->parts[0].text;
    struct sbuf b;
    sbuf_init(&b, r->vm);
    for (uint32_t i = 0; i < l->nparts; i++)
        sbuf_put(&b, l->parts[i].text, l->parts[i].len);
    return rs_sb_text(&b);
}

/* The names a config key denotes: a, a.b.c, "a" or a[0] (has_index). False for keys that are
 * computed. */
static bool key_names(struct resolver *r, struct ast *key, const char ***names, uint32_t *n,
                      bool *has_index, struct span **spans)
{
    *has_index = false;
    if (spans)
        *spans = NULL;
    if (key->kind == AST_INDEX && key->u.index.index && key->u.index.index->kind == AST_INT) {
        *has_index = true;
        key = key->u.index.value;
    }
    if (key->kind == AST_STR) {
        const char *s = str_text(r, key);
        if (!s)
            return false;
        *names = rs_ralloc(r, sizeof **names);
        (*names)[0] = s;
        *n = 1;
        if (spans) {
            *spans = rs_ralloc(r, sizeof **spans);
            (*spans)[0] = key->span;
        }
        return true;
    }
    uint32_t k = 0;
    for (struct ast *t = key; t->kind == AST_SELECT; t = t->u.select.value)
        k++;
    struct ast *root = key;
    while (root->kind == AST_SELECT)
        root = root->u.select.value;
    if (root->kind != AST_NAME)
        return false;
    *n = k + 1;
    *names = rs_ralloc(r, *n * sizeof **names);
    struct span *sp = rs_ralloc(r, *n * sizeof *sp);
    struct ast *t = key;
    for (uint32_t i = *n; i-- > 1; t = t->u.select.value) {
        (*names)[i] = t->u.select.attr;
        /* the attribute is the select's last bytes */
        sp[i] = t->span;
        uint32_t len = (uint32_t)strlen(t->u.select.attr);
        if (t->span.hi - t->span.lo >= len)
            sp[i].lo = t->span.hi - len;
    }
    (*names)[0] = root->u.name;
    sp[0] = root->span;
    if (spans)
        *spans = sp;
    return true;
}

/* Whether 'name' is a loop variable in scope (a config key of that name is still literal,
 * but KCL types it by the variable). */
static bool is_loop_var(struct resolver *r, const char *name)
{
    for (struct rscope *s = r->scope; s; s = s->parent)
        if (s->kind == RS_LOCAL && scope_index(s, name) >= 0)
            return true;
    return false;
}

static void walk_entries(struct resolver *r, const struct ast_list *entries, struct dict_acc *acc);

/* KCL: a computed config key is a string (checked for literal keys only: the types of
 * variables are not all known). */
static void check_key_type(struct resolver *r, const struct ast *key, const struct rtype *t)
{
    while (key->kind == AST_PAREN)
        key = key->u.unary.operand;
    if (key->kind != AST_INT && key->kind != AST_FLOAT && key->kind != AST_TRUE &&
        key->kind != AST_FALSE && key->kind != AST_LIST && key->kind != AST_CONFIG)
        return;
    struct span at = key->span;
    switch ((enum rt_kind)t->kind) {
    case RT_BOOL:
    case RT_INT:
    case RT_FLOAT:
    case RT_LIT_BOOL:
    case RT_LIT_INT:
    case RT_LIT_FLOAT:
    case RT_LIST:
    case RT_DICT:
        rs_report(r, "E2A31", "IllegalAttributeError", at, "A attribute must be string type, got '%s'",
               t_str(r, t));
        break;
    default:
        break;
    }
}

static void walk_entry(struct resolver *r, struct ast *e, struct dict_acc *acc)
{
    struct ast *key = e->u.entry.key, *value = e->u.entry.value;
    if (!key) {
        /* **value */
        const struct rtype *vt = walk_expr(r, value);
        enum operand_kind vk = rs_operand_kind(vt);
        if (vk != OT_UNKNOWN && vk != OT_NONE && vk != OT_DICT && vk != OT_SCHEMA)
            rs_report(r, "E2L23", "CompileError", value->span,
                   "only dict and schema can be used ** unpack, got '%s'", t_str(r, vt));
        struct rctx *top = ctx_top(r);
        if (top && top->type && top->type->kind == RT_SCHEMA && value->kind != AST_CONFIG &&
            vt->kind == RT_DICT)
            check_type(r, vt, top->type, true, &value->span);
        if (vt->kind == RT_DICT) {
            acc_kv(r, acc, vt->u.dict.key, vt->u.dict.val);
            for (uint32_t i = 0; i < vt->u.dict.nattrs; i++)
                acc_attr(r, acc, vt->u.dict.attrs[i].name, vt->u.dict.attrs[i].type,
                         vt->u.dict.attrs[i].span);
        } else {
            acc->open = true;
        }
        return;
    }
    const char **names = NULL;
    uint32_t nn = 0;
    bool has_index = false;
    struct span *spans = NULL;
    bool literal = key_names(r, key, &names, &nn, &has_index, &spans);
    if (literal && nn == 1 && key->kind == AST_NAME && is_loop_var(r, names[0]))
        literal = false;
    uint32_t pushed = 0, first = r->nctx;
    const struct rtype *kt = NULL; /* a key written as another literal (an error) */
    struct rctx *top = ctx_top(r);
    /* `a[i] += [...]` inserts items: its value is not a's type */
    bool checked = literal && top && top->type && !(has_index && e->u.entry.op == ENTRY_INSERT);
    if (literal) {
        for (uint32_t i = 0; i < nn; i++) {
            if (checked)
                check_config_attr(r, names[i], spans ? spans[i] : key->span, ctx_top(r)->type,
                                  NULL);
            ctx_switch(r, names[i]);
            pushed++;
        }
        if (has_index)
            walk_expr(r, key->u.index.index);
    } else if (key->kind == AST_STR && key->u.str.lit && key->u.str.lit->has_expr) {
        walk_expr(r, key);
        ctx_push(r, NULL, NULL);
        pushed++;
    } else if (!(key->kind == AST_NAME)) {
        kt = walk_expr(r, key);
    }
    const struct rtype *vt = walk_expr(r, value);
    /* KCL checks the key's type after walking the value */
    if (kt)
        check_key_type(r, key, kt);
    /* KCL: `k += v` inserts a list (`k[i] += v` is checked elsewhere) */
    if (e->u.entry.op == ENTRY_INSERT && !has_index) {
        enum operand_kind vk = rs_operand_kind(vt);
        if (vk != OT_UNKNOWN && vk != OT_LIST)
            rs_report(r, "E2A31", "IllegalAttributeError", value->span,
                   "only list type can in inserted, got '%s'", t_str(r, vt));
    }
    if (checked && first < r->nctx) {
        /* a.b.c: v is {b: {c: v}} given to a */
        struct rctx *at = &r->ctx[first];
        if (at->type) {
            const struct rtype *et = vt;
            for (uint32_t i = nn; i-- > 1;) {
                struct rt_attr *a = rs_rz(r, sizeof *a);
                a->name = names[i];
                a->type = et;
                a->span = spans ? spans[i] : key->span;
                et = t_dict(r, t_lit_str(r, names[i]), et, a, 1);
            }
            if (has_index)
                et = t_list(r, et);
            must_assignable(r, et, at->type, key->span, at->has_def ? &at->def : NULL);
        }
    }
    ctx_pop(r, pushed);
    if (literal && nn == 1 && !has_index) {
        acc_kv(r, acc, t_lit_str(r, names[0]), vt);
        acc_attr(r, acc, names[0], vt, key->span);
    } else if (literal) {
        const struct rtype *wt = vt;
        for (uint32_t i = 1; i < nn; i++)
            wt = t_dict(r, &T_STR, wt, NULL, 0);
        acc_kv(r, acc, &T_STR, has_index ? t_list(r, vt) : wt);
    } else if (kt && kt->kind != RT_STR && kt->kind != RT_LIT_STR && !t_is_any(kt) &&
               rs_operand_kind(kt) != OT_UNKNOWN) {
        /* KCL keeps the key's type: {1: v} is an {int(1):…} */
        acc_kv(r, acc, kt, vt);
    } else {
        acc->open = true;
    }
}

static void walk_entries(struct resolver *r, const struct ast_list *entries, struct dict_acc *acc)
{
    for (uint32_t i = 0; i < entries->n; i++) {
        struct ast *e = entries->v[i];
        if (e->kind == AST_CONFIG_IF) {
            for (struct ast *c = e; c; c = c->u.cond_items.orelse) {
                if (c->kind != AST_CONFIG_IF) {
                    walk_expr(r, c);
                    acc->open = true;
                    break;
                }
                if (c->u.cond_items.cond)
                    walk_expr(r, c->u.cond_items.cond);
                struct dict_acc sub = {0};
                walk_entries(r, &c->u.cond_items.items, &sub);
                if (sub.open)
                    acc->open = true;
                for (uint32_t k = 0; k < sub.nk; k++)
                    acc_kv(r, acc, sub.keys[k], sub.vals[k]);
            }
            continue;
        }
        if (e->kind != AST_ENTRY) {
            walk_expr(r, e);
            acc->open = true;
            continue;
        }
        walk_entry(r, e, acc);
    }
}

/* The keys a config binds for the expressions of its later entries ({a = 1, b = a}). */
static void config_keys(struct resolver *r, struct rscope *s, const struct ast_list *entries)
{
    for (uint32_t i = 0; i < entries->n; i++) {
        struct ast *e = entries->v[i];
        if (e->kind == AST_CONFIG_IF) {
            for (struct ast *c = e; c && c->kind == AST_CONFIG_IF; c = c->u.cond_items.orelse)
                config_keys(r, s, &c->u.cond_items.items);
            continue;
        }
        if (e->kind != AST_ENTRY || !e->u.entry.key)
            continue;
        /* `a: v`, `a.b: v`, `a[0]: v` and `"a": v` bind a name (not a[i]: v) */
        struct ast *k = e->u.entry.key;
        if (k->kind == AST_INDEX && k->u.index.index && k->u.index.index->kind == AST_INT)
            k = k->u.index.value;
        while (k->kind == AST_SELECT)
            k = k->u.select.value;
        if (k->kind == AST_NAME)
            scope_add(r, s, k->u.name, NULL);
        else if (k->kind == AST_STR && str_text(r, k))
            scope_add(r, s, str_text(r, k), NULL);
    }
}

static const struct rtype *walk_config(struct resolver *r, struct ast *n)
{
    struct rscope *s = rscope_push(r, RS_CONFIG);
    config_keys(r, s, &n->u.config.entries);
    struct dict_acc acc = {0};
    walk_entries(r, &n->u.config.entries, &acc);
    rscope_pop(r);
    return acc_type(r, &acc);
}

/* KCL: *v unpacks a list, a dict or a schema (its message names the type any). */
static void check_starred(struct resolver *r, const struct ast *operand, const struct rtype *t)
{
    enum operand_kind k = rs_operand_kind(t);
    if (k != OT_UNKNOWN && k != OT_NONE && k != OT_LIST && k != OT_DICT && k != OT_SCHEMA)
        rs_report(r, "E2L23", "CompileError", operand->span,
               "only list, dict, schema object can be used * unpacked, got any");
}

static const struct rtype *walk_list(struct resolver *r, struct ast *n)
{
    ctx_switch(r, "[]");
    const struct rtype **v = NULL;
    uint32_t m = 0, cap = 0;
    bool open = false;
    for (uint32_t i = 0; i < n->u.list.items.n; i++) {
        struct ast *it = n->u.list.items.v[i];
        if (it->kind == AST_STARRED) {
            check_starred(r, it->u.unary.operand, walk_expr(r, it->u.unary.operand));
            open = true;
        } else if (it->kind == AST_LIST_IF) {
            for (struct ast *c = it; c; c = c->u.cond_items.orelse) {
                if (c->kind != AST_LIST_IF) {
                    walk_expr(r, c);
                    break;
                }
                if (c->u.cond_items.cond)
                    walk_expr(r, c->u.cond_items.cond);
                for (uint32_t k = 0; k < c->u.cond_items.items.n; k++) {
                    struct ast *x = c->u.cond_items.items.v[k];
                    if (x->kind == AST_STARRED)
                        check_starred(r, x->u.unary.operand, walk_expr(r, x->u.unary.operand));
                    else
                        walk_expr(r, x);
                }
            }
            open = true;
        } else {
            const struct rtype *t = walk_expr(r, it);
            v = rs_rgrow(r, v, &cap, m, sizeof *v);
            v[m++] = t;
        }
    }
    ctx_pop(r, 1);
    return t_list(r, open ? &T_ANY : m ? t_sup(r, v, m) : &T_ANY);
}

/* Loop variables take the types of what they iterate: a list's index and items, a dict's
 * keys and values, a string's characters; anything else is unknown. */
static void bind_loop_vars(struct resolver *r, struct rscope *s, const char *k, const char *v,
                           const struct rtype *it)
{
    const struct rtype *kt = &T_ANY, *vt = &T_ANY;
    it = t_widen(r, it);
    if (it->kind == RT_LIST) {
        kt = v ? &T_INT : it->u.elem;
        vt = it->u.elem;
    } else if (it->kind == RT_DICT) {
        kt = it->u.dict.key;
        vt = it->u.dict.val;
    } else if (it->kind == RT_STR) {
        kt = v ? &T_INT : &T_STR;
        vt = &T_STR;
    }
    if (k)
        scope_add(r, s, k, kt);
    if (v)
        scope_add(r, s, v, vt);
}

/* Comprehension clauses: each iterable is read before its loop variables are bound. */
static void walk_clauses(struct resolver *r, struct rscope *s, const struct ast_list *clauses)
{
    for (uint32_t i = 0; i < clauses->n; i++) {
        struct ast *c = clauses->v[i];
        if (c->kind != AST_COMP_FOR) {
            walk_expr(r, c);
            continue;
        }
        const struct rtype *it = walk_expr(r, c->u.comp_for.iter);
        bind_loop_vars(r, s, c->u.comp_for.key, c->u.comp_for.value, it);
        for (uint32_t k = 0; k < c->u.comp_for.ifs.n; k++)
            walk_expr(r, c->u.comp_for.ifs.v[k]);
    }
}

static const struct rtype *walk_comp(struct resolver *r, struct ast *n)
{
    struct rscope *s = rscope_push(r, RS_LOCAL);
    walk_clauses(r, s, &n->u.comp.clauses);
    const struct rtype *t;
    if (n->kind == AST_LIST_COMP) {
        ctx_switch(r, "[]");
        t = t_list(r, walk_expr(r, n->u.comp.elt));
        ctx_pop(r, 1);
    } else {
        struct ast *e = n->u.comp.elt;
        if (e && e->kind == AST_ENTRY) {
            uint32_t pushed = 0;
            if (e->u.entry.key) {
                check_key_type(r, e->u.entry.key, walk_expr(r, e->u.entry.key));
                const char **names;
                uint32_t nn;
                bool has_index;
                if (key_names(r, e->u.entry.key, &names, &nn, &has_index, NULL)) {
                    for (uint32_t i = 0; i < nn; i++)
                        ctx_switch(r, names[i]);
                    pushed = nn;
                }
            }
            walk_expr(r, e->u.entry.value);
            ctx_pop(r, pushed);
        } else if (e) {
            walk_expr(r, e);
        }
        t = t_dict(r, &T_ANY, &T_ANY, NULL, 0);
    }
    rscope_pop(r);
    return t;
}

static const struct rtype *walk_quant(struct resolver *r, struct ast *n)
{
    const struct rtype *it = walk_expr(r, n->u.quant.target);
    struct rscope *s = rscope_push(r, RS_LOCAL);
    bind_loop_vars(r, s, n->u.quant.key, n->u.quant.value, it);
    if (n->u.quant.cond)
        walk_expr(r, n->u.quant.cond);
    walk_expr(r, n->u.quant.test);
    rscope_pop(r);
    return n->u.quant.kind == QUANT_ALL || n->u.quant.kind == QUANT_ANY ? &T_BOOL : &T_ANY;
}

/* KCL names the callee in argument errors: "f" for a name, "a.b" for a dotted name, the
 * attribute for any other a.b, "anonymous function" otherwise (get_func_name). */
static const char *call_name(struct resolver *r, const struct ast *func)
{
    while (func->kind == AST_PAREN)
        func = func->u.unary.operand;
    struct sbuf b;
    sbuf_init(&b, r->vm);
    if (rs_is_name_chain(func) || func->kind == AST_SELECT) {
        sbuf_puts(&b, "\"");
        sbuf_puts(&b, rs_is_name_chain(func) ? rs_dotted_name(r, func) : func->u.select.attr);
        sbuf_puts(&b, "\"");
        return rs_sb_text(&b);
    }
    return "anonymous function";
}

/* "1 positional argument", "2 positional arguments" (KCL's UnitUsize: plural above one). */
static const char *n_args(struct resolver *r, uint32_t n)
{
    struct sbuf b;
    sbuf_init(&b, r->vm);
    char num[32];
    snprintf(num, sizeof num, "%u positional argument%s", n, n > 1 ? "s" : "");
    sbuf_puts(&b, num);
    return rs_sb_text(&b);
}

/* Arguments of a call to a schema or a lambda whose parameters are known, checked as KCL's
 * do_arguments_type_check does: the parameters without a default must all be given, no more
 * positional arguments than parameters (the check stops at the first one too many), keyword
 * arguments name parameters, and every argument has its parameter's type. */
static void check_args(struct resolver *r, const struct rt_param *params, uint32_t nparams,
                       const struct ast *func, const struct ast_list *args,
                       const struct rtype *const *types, struct span at)
{
    uint32_t npos = 0;
    for (uint32_t i = 0; i < args->n; i++) {
        struct ast *a = args->v[i];
        if (a->kind == AST_STARRED || (a->kind == AST_KWARG && !a->u.kwarg.name))
            return;
        if (a->kind != AST_KWARG)
            npos++;
    }
    const char *fname = call_name(r, func);
    uint32_t nreq = 0, got = npos;
    for (uint32_t i = 0; i < nparams; i++) {
        if (params[i].has_default)
            continue;
        nreq++;
        for (uint32_t k = 0; k < args->n; k++)
            if (args->v[k]->kind == AST_KWARG &&
                !strcmp(args->v[k]->u.kwarg.name, params[i].name)) {
                got++;
                break;
            }
    }
    if (got < nreq)
        rs_report(r, "E2L23", "CompileError", at, "expected %s, found %u", n_args(r, nreq), got);
    uint32_t pos = 0;
    for (uint32_t i = 0; i < args->n; i++) {
        struct ast *a = args->v[i];
        if (a->kind == AST_KWARG)
            continue;
        if (pos >= nparams) {
            rs_report(r, "E2L23", "CompileError", a->span, "%s takes %s but %u were given", fname,
                   n_args(r, nparams), npos);
            return;
        }
        must_assignable(r, types[i], params[pos].type, a->span,
                        params[pos].span.hi ? &params[pos].span : NULL);
        pos++;
    }
    for (uint32_t i = 0; i < args->n; i++) {
        struct ast *a = args->v[i];
        if (a->kind != AST_KWARG)
            continue;
        const struct rt_param *p = NULL;
        for (uint32_t k = 0; k < nparams && !p; k++)
            if (!strcmp(params[k].name, a->u.kwarg.name))
                p = &params[k];
        if (!p) {
            const char **names = rs_rz(r, (nparams ? nparams : 1) * sizeof *names);
            for (uint32_t k = 0; k < nparams; k++)
                names[k] = params[k].name;
            rs_report(r, "E2L23", "CompileError", a->span,
                   "%s got an unexpected keyword argument '%s'%s", fname, a->u.kwarg.name,
                   suggest_or(r, a->u.kwarg.name, names, nparams));
            continue;
        }
        must_assignable(r, types[i], p->type, a->u.kwarg.value->span, p->span.hi ? &p->span : NULL);
    }
}

static const struct rtype **walk_args(struct resolver *r, const struct ast_list *args)
{
    const struct rtype **v = rs_rz(r, (args->n ? args->n : 1) * sizeof *v);
    for (uint32_t i = 0; i < args->n; i++) {
        struct ast *a = args->v[i];
        v[i] = walk_expr(r, a->kind == AST_KWARG ? a->u.kwarg.value : a);
    }
    return v;
}

/* {=====================================================================
 * Signatures of the builtin functions and str methods (KCL's BUILTIN_FUNCTIONS and
 * STRING_MEMBER_FUNCTIONS), for the argument checks of their calls
 * ====================================================================} */

struct bsig {
    const char *name;
    const struct rtype *ret;
    bool variadic; /* no checks of its arguments */
    uint8_t n;
    struct {
        const char *name;
        const struct rtype *type;
        bool has_default;
    } p[5];
};

/* Results KCL types as int | float (pow, round) are left any here. */
static const struct bsig builtin_sigs[] = {
    {"abs", &T_ANY, false, 1, {{"inval", &T_ANY, false}}},
    {"all_true", &T_BOOL, false, 1, {{"inval", &T_LIST_ANY, false}}},
    {"any_true", &T_BOOL, false, 1, {{"inval", &T_LIST_ANY, false}}},
    {"bin", &T_STR, false, 1, {{"number", &T_INT, false}}},
    {"bool", &T_BOOL, false, 1, {{"x", &T_ANY, true}}},
    {"dict", &T_DICT_ANY, true, 0, {{0}}},
    {"float", &T_FLOAT, false, 1, {{"number", &T_ANY, false}}},
    {"hex", &T_STR, false, 1, {{"number", &T_INT, false}}},
    {"int", &T_INT, false, 2, {{"number", &T_ANY, false}, {"base", &T_INT, true}}},
    {"isunique", &T_BOOL, false, 1, {{"inval", &T_LIST_ANY, false}}},
    {"len", &T_INT, false, 1, {{"inval", &T_ITERABLE, false}}},
    {"list", &T_LIST_ANY, false, 1, {{"x", &T_ANY, true}}},
    {"max", &T_ANY, true, 0, {{0}}},
    {"min", &T_ANY, true, 0, {{0}}},
    {"multiplyof", &T_BOOL, false, 2, {{"a", &T_INT, false}, {"b", &T_INT, false}}},
    {"oct", &T_STR, false, 1, {{"number", &T_INT, false}}},
    {"option",
     &T_ANY,
     false,
     5,
     {{"key", &T_STR, false},
      {"type", &T_STR, true},
      {"required", &T_BOOL, true},
      {"default", &T_ANY, true},
      {"help", &T_STR, true}}},
    {"ord", &T_INT, false, 1, {{"c", &T_STR, false}}},
    {"pow",
     &T_ANY,
     false,
     3,
     {{"x", &T_NUMBER, false}, {"y", &T_NUMBER, false}, {"z", &T_NUMBER, true}}},
    {"print", &T_NONE, true, 0, {{0}}},
    {"range",
     &T_LIST_INT,
     false,
     3,
     {{"start", &T_INT, true}, {"stop", &T_INT, true}, {"step", &T_INT, true}}},
    {"round", &T_ANY, false, 2, {{"number", &T_NUMBER, false}, {"ndigits", &T_INT, true}}},
    {"sorted", &T_LIST_ANY, false, 2, {{"inval", &T_ITERABLE, false}, {"reverse", &T_BOOL, true}}},
    {"str", &T_STR, false, 1, {{"x", &T_ANY, true}}},
    {"sum", &T_ANY, false, 2, {{"iterable", &T_LIST_ANY, false}, {"start", &T_ANY, true}}},
    {"typeof", &T_STR, false, 2, {{"x", &T_ANY, false}, {"full_name", &T_BOOL, true}}},
    {"zip", &T_LIST_ANY, true, 0, {{0}}},
};

static const struct bsig str_sigs[] = {
    {"capitalize", &T_STR, false, 0, {{0}}},
    {"chars", &T_LIST_STR, false, 0, {{0}}},
    {"count",
     &T_INT,
     false,
     3,
     {{"sub", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"endswith",
     &T_BOOL,
     false,
     3,
     {{"val", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"find",
     &T_INT,
     false,
     3,
     {{"sub", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"format", &T_STR, true, 0, {{0}}},
    {"index",
     &T_INT,
     false,
     3,
     {{"sub", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"isalnum", &T_BOOL, false, 0, {{0}}},
    {"isalpha", &T_BOOL, false, 0, {{0}}},
    {"isdigit", &T_BOOL, false, 0, {{0}}},
    {"islower", &T_BOOL, false, 0, {{0}}},
    {"isspace", &T_BOOL, false, 0, {{0}}},
    {"istitle", &T_BOOL, false, 0, {{0}}},
    {"isupper", &T_BOOL, false, 0, {{0}}},
    {"join", &T_STR, false, 1, {{"iter", &T_LIST_ANY, false}}},
    {"lower", &T_STR, false, 0, {{0}}},
    {"lstrip", &T_STR, false, 1, {{"chars", &T_STR, true}}},
    {"removeprefix", &T_STR, false, 1, {{"prefix", &T_STR, false}}},
    {"removesuffix", &T_STR, false, 1, {{"suffix", &T_STR, false}}},
    {"replace",
     &T_STR,
     false,
     3,
     {{"old", &T_STR, false}, {"new", &T_STR, false}, {"count", &T_INT, true}}},
    {"rfind",
     &T_INT,
     false,
     3,
     {{"sub", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"rindex",
     &T_INT,
     false,
     3,
     {{"sub", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"rsplit", &T_LIST_STR, false, 2, {{"sep", &T_STR, true}, {"maxsplit", &T_INT, true}}},
    {"rstrip", &T_STR, false, 1, {{"chars", &T_STR, true}}},
    {"split", &T_LIST_STR, false, 2, {{"sep", &T_STR, true}, {"maxsplit", &T_INT, true}}},
    {"splitlines", &T_LIST_STR, false, 1, {{"keepends", &T_BOOL, true}}},
    {"startswith",
     &T_BOOL,
     false,
     3,
     {{"val", &T_STR, false}, {"start", &T_INT, true}, {"end", &T_INT, true}}},
    {"strip", &T_STR, false, 1, {{"chars", &T_STR, true}}},
    {"title", &T_STR, false, 0, {{0}}},
    {"upper", &T_STR, false, 0, {{0}}},
};

static const struct bsig *bsig_find(const struct bsig *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].name, name))
            return &v[i];
    return NULL;
}

/* The function type of a signature; a variadic one has no parameters to check. */
static const struct rtype *bsig_type(struct resolver *r, const struct bsig *g)
{
    struct rtype *t = rs_rz(r, sizeof *t);
    t->kind = RT_FUNC;
    t->u.func.ret = g->ret;
    if (!g->variadic) {
        struct rt_param *v = rs_rz(r, (g->n ? g->n : 1) * sizeof *v);
        for (uint32_t i = 0; i < g->n; i++) {
            v[i].name = g->p[i].name;
            v[i].type = g->p[i].type;
            v[i].has_default = g->p[i].has_default;
        }
        t->u.func.params = v;
        t->u.func.nparams = g->n;
    }
    return t;
}

/* The builtin function a call's callee names, unless a local, an attribute, a package name or
 * an import hides it (or a scope whose names can't all be known might). */
static const struct bsig *builtin_callee(struct resolver *r, const struct ast *func)
{
    if (func->kind != AST_NAME)
        return NULL;
    const char *name = func->u.name;
    const struct bsig *g =
        bsig_find(builtin_sigs, sizeof builtin_sigs / sizeof builtin_sigs[0], name);
    if (!g || !rmap_get(&r->builtins, name))
        return NULL;
    for (struct rscope *s = r->scope; s; s = s->parent) {
        if (scope_index(s, name) >= 0 || s->open)
            return NULL;
        if (s->kind == RS_SCHEMA && s->schema &&
            (rs_schema_has_name_d(s->schema, name, 0) || rs_schema_is_open(s->schema, 0) ||
             s->schema->is_mixin || s->schema->is_protocol || rs_schema_index_sig(s->schema)))
            return NULL;
    }
    if (rmap_get(&r->pkg->syms, name) || rs_pkg_import(r->pkg, r->file, name))
        return NULL;
    return g;
}

/* Is 'ft' the type of a package variable that r->defining is assigning its lambda to? KCL
 * starts an unannotated package variable as any (init_scope_with_assign_stmt) and gives it
 * the type of its value only once the assignment has been walked (walk_assign_stmt calls
 * set_type_to_scope after walking the value). In the lambda's own body the variable is
 * still any, and walk_call_expr checks a call of an any against a variadic signature:
 * neither the number nor the types of the arguments. scl types top-level lambdas before
 * the walk (for calls ahead of the definition, which KCL checks: conformance case
 * lambda/lambda_forward_reference_type_check), so it leaves these calls alone here. */
static bool defining_type(struct resolver *r, const struct rtype *ft)
{
    const struct ast *n = r->defining;
    if (!n)
        return false;
    for (uint32_t i = 0; i < n->u.assign.targets.n; i++) {
        const struct ast *t = n->u.assign.targets.v[i];
        struct rsym *y = t->kind == AST_NAME ? rmap_get(&r->pkg->syms, t->u.name) : NULL;
        if (y && y->kind == SYM_VAR && y->type == ft)
            return true;
    }
    return false;
}

static const struct rtype *walk_call(struct resolver *r, struct ast *n)
{
    const struct rtype *ft = walk_expr(r, n->u.call.func);
    const struct rtype **types = walk_args(r, &n->u.call.args);
    const struct bsig *g = builtin_callee(r, n->u.call.func);
    if (g)
        ft = bsig_type(r, g);
    if (ft->kind == RT_SCHEMA && !ft->instance) {
        struct rschema *s = ft->u.schema;
        rs_schema_params(r, s);
        if (!s->is_rule && !s->is_mixin && !s->is_protocol)
            check_args(r, s->params, s->nparams, n->u.call.func, &n->u.call.args, types,
                       n->u.call.func->span);
        return &s->inst;
    }
    if (ft->kind == RT_FUNC && ft->u.func.params) {
        if (defining_type(r, ft)) /* calls itself: an untyped callee to KCL */
            return &T_ANY;
        check_args(r, ft->u.func.params, ft->u.func.nparams, n->u.call.func, &n->u.call.args, types,
                   n->u.call.func->span);
        return ft->u.func.ret ? ft->u.func.ret : &T_ANY;
    }
    /* KCL calls functions and schemas; a value of any other known type is not callable */
    if (ft->kind == RT_SCHEMA && ft->instance)
        rs_report(r, "E2L23", "CompileError", n->u.call.func->span,
               "schema '%s' instance is not callable", t_str(r, ft));
    else if (!t_is_any(ft) && ft->kind != RT_FUNC && ft->kind != RT_SCHEMA)
        rs_report(r, "E2L23", "CompileError", n->u.call.func->span, "'%s' object is not callable",
               t_str(r, ft));
    return &T_ANY;
}

/* The type a type alias stands for, when 'name' names one (and nothing hides it). */
static const struct rtype *alias_named(struct resolver *r, const struct ast *name)
{
    if (name->kind != AST_NAME)
        return NULL;
    for (struct rscope *s = r->scope; s; s = s->parent)
        if (scope_index(s, name->u.name) >= 0 || s->open ||
            (s->kind == RS_SCHEMA && s->schema && rs_schema_has_name_d(s->schema, name->u.name, 0)))
            return NULL;
    struct rsym *y = rmap_get(&r->pkg->syms, name->u.name);
    return y && y->kind == SYM_ALIAS ? rs_alias_type(r, r->pkg, y) : NULL;
}

/* KCL: `S {…}` instantiates a schema or updates a schema instance (without arguments), and
 * `d {…}` unions a config into a dict; nothing else takes a config this way. */
static const struct rtype *walk_schema_expr(struct resolver *r, struct ast *n)
{
    struct ast *name = n->u.schema_expr.name;
    const struct rtype *t = walk_expr(r, name);
    const struct rtype **types = walk_args(r, &n->u.schema_expr.args);
    const struct rtype *alias = t_is_any(t) ? alias_named(r, name) : NULL;
    if (alias && alias->kind == RT_SCHEMA)
        t = &alias->u.schema->type;
    else if (alias)
        t = alias;
    if (t->kind != RT_SCHEMA && t->kind != RT_DICT && !t_is_any(t))
        rs_report(r, "E2L23", "CompileError", name->span, "Invalid schema type '%s'", t_str(r, t));
    if (t->kind == RT_SCHEMA && t->instance && n->u.schema_expr.has_args)
        rs_report(r, "E2L23", "CompileError", name->span,
               "Arguments cannot be used in the schema modification expression");
    if (t->kind != RT_SCHEMA) {
        ctx_push(r, NULL, NULL);
        if (n->u.schema_expr.config)
            walk_expr(r, n->u.schema_expr.config);
        ctx_pop(r, 1);
        return &T_ANY;
    }
    struct rschema *s = t->u.schema;
    ctx_push(r, &s->inst, NULL);
    if (n->u.schema_expr.config)
        walk_expr(r, n->u.schema_expr.config);
    ctx_pop(r, 1);
    if (!t->instance && !s->is_rule && !s->is_mixin && !s->is_protocol) {
        rs_schema_params(r, s);
        check_args(r, s->params, s->nparams, n->u.schema_expr.name, &n->u.schema_expr.args, types,
                   n->u.schema_expr.name->span);
    }
    return &s->inst;
}

static const struct rtype *walk_lambda(struct resolver *r, struct ast *n)
{
    check_params(r, &n->u.lambda.params);
    const struct ast_list *ps = &n->u.lambda.params;
    struct rt_param *params = rs_params_of(r, r->pkg, r->file, ps);
    for (uint32_t i = 0; i < ps->n; i++)
        rs_type_of_ann(r, r->pkg, r->file, ps->v[i]->u.param.type, true);
    const struct rtype *ret =
        n->u.lambda.ret ? rs_type_of_ann(r, r->pkg, r->file, n->u.lambda.ret, true) : NULL;
    struct rscope *s = rscope_push(r, RS_LOCAL);
    for (uint32_t i = 0; i < ps->n; i++)
        scope_add(r, s, params[i].name, params[i].type);
    collect_locals(r, s, &n->u.lambda.body);
    for (uint32_t i = 0; i < ps->n; i++)
        if (ps->v[i]->u.param.value)
            walk_expr(r, ps->v[i]->u.param.value);
    if (n->u.lambda.body.n) {
        /* KCL: a lambda's value is its last statement's */
        struct ast *last = n->u.lambda.body.v[n->u.lambda.body.n - 1];
        if (last->kind != AST_EXPR_STMT && last->kind != AST_ASSIGN &&
            last->kind != AST_AUG_ASSIGN && last->kind != AST_ASSERT)
            rs_report(r, "E2L23", "CompileError", last->span,
                   "The last statement of the lambda body must be a expression e.g., x, 1, etc.");
    }
    bool top = r->top;
    uint32_t nctx = r->nctx;
    r->top = false;
    ctx_push(r, NULL, NULL);
    const struct rtype *real = walk_stmts(r, &n->u.lambda.body);
    r->nctx = nctx;
    r->top = top;
    rscope_pop(r);
    if (ret && n->u.lambda.body.n) {
        struct ast *last = n->u.lambda.body.v[n->u.lambda.body.n - 1];
        if (last->kind == AST_EXPR_STMT)
            must_assignable(r, real, ret, n->span, NULL);
    }
    struct rtype *t = rs_rz(r, sizeof *t);
    t->kind = RT_FUNC;
    t->u.func.params = params;
    t->u.func.nparams = ps->n;
    t->u.func.ret = ret ? ret : &T_ANY;
    return t;
}

static bool is_dictish(const struct rtype *t)
{
    return t->kind == RT_DICT;
}

static bool is_schema_inst(const struct rtype *t)
{
    return t->kind == RT_SCHEMA && t->instance;
}

/* KCL's operand checks of `|` for the kinds both sides surely have. */
static const struct rtype *walk_union(struct resolver *r, struct span at, const struct rtype *l,
                                      const struct rtype *rt)
{
    if (t_is_any(l) || t_is_any(rt))
        return &T_ANY;
    if (l->kind == RT_NONE)
        return rt;
    if (rt->kind == RT_NONE)
        return l;
    bool bad = false;
    if (is_dictish(l) && is_schema_inst(rt))
        bad = true;
    else if ((l->kind == RT_LIST) != (rt->kind == RT_LIST) &&
             (l->kind == RT_LIST || is_dictish(l) || is_schema_inst(l) || l->kind == RT_LIT_STR ||
              l->kind == RT_STR) &&
             (rt->kind == RT_LIST || is_dictish(rt) || is_schema_inst(rt) ||
              rt->kind == RT_LIT_STR || rt->kind == RT_STR))
        bad = true;
    if (bad) {
        rs_report(r, "E2G22", "TypeError", at, "unsupported operand type(s) for |: '%s' and '%s'",
               t_str(r, l), t_str(r, rt));
        return &T_ANY;
    }
    if (is_schema_inst(l) && is_dictish(rt)) {
        /* a schema unioned with a config: the config's keys must be attributes */
        check_type(r, rt, l, true, NULL);
        return l;
    }
    /* the rest of KCL's table: int | int, list | list, dict | dict, schema | schema */
    enum operand_kind a = rs_operand_kind(l), b = rs_operand_kind(rt);
    if (a == OT_UNKNOWN || b == OT_UNKNOWN)
        return &T_ANY;
    if (a == OT_INT && b == OT_INT)
        return &T_INT;
    if (a == OT_LIST && b == OT_LIST)
        return t_list(r, t_sup2(r, rs_list_item(l), rs_list_item(rt)));
    if (a == OT_DICT && b == OT_DICT)
        return t_dict(r, t_sup2(r, l->u.dict.key, rt->u.dict.key),
                      t_sup2(r, l->u.dict.val, rt->u.dict.val), NULL, 0);
    if (a == OT_SCHEMA && b == OT_SCHEMA)
        return l;
    rs_report(r, "E2G22", "TypeError", at, "unsupported operand type(s) for |: '%s' and '%s'",
           t_str(r, l), t_str(r, rt));
    return &T_ANY;
}

/* The type of `l op rt` for the arithmetic, bitwise and logic operators, with KCL's operand
 * checks: + adds numbers, strings or lists; * also repeats a string or a list by an int; the
 * other arithmetic operators take numbers (a literal zero divisor is an error); shifts and
 * the bitwise operators take ints; `and` gives bool, `or` either side. */
static const struct rtype *binary_type(struct resolver *r, unsigned op, const struct rtype *l,
                                       const struct rtype *rt, struct span at)
{
    if (op == OP_AND)
        return &T_BOOL;
    if (op == OP_OR)
        return t_sup2(r, l, rt);
    enum operand_kind a = rs_operand_kind(l), b = rs_operand_kind(rt);
    if (a == OT_UNKNOWN || b == OT_UNKNOWN)
        return &T_ANY;
    const struct rtype *num = a == OT_FLOAT || b == OT_FLOAT ? &T_FLOAT : &T_INT;
    const struct rtype *res = NULL;
    switch (op) {
    case OP_ADD:
        if (rs_is_num_kind(a) && rs_is_num_kind(b))
            res = num;
        else if (a == OT_STR && b == OT_STR)
            res = &T_STR;
        else if (a == OT_LIST && b == OT_LIST)
            res = t_list(r, t_sup2(r, rs_list_item(l), rs_list_item(rt)));
        break;
    case OP_SUB:
    case OP_POW:
        if (rs_is_num_kind(a) && rs_is_num_kind(b))
            res = num;
        break;
    case OP_MUL:
        if (rs_is_num_kind(a) && rs_is_num_kind(b))
            res = num;
        else if (a == OT_INT && (b == OT_STR || b == OT_LIST))
            res = rt;
        else if ((a == OT_STR || a == OT_LIST) && b == OT_INT)
            res = l;
        break;
    case OP_DIV:
    case OP_FLOORDIV:
    case OP_MOD:
        if (rs_is_num_kind(a) && rs_is_num_kind(b)) {
            if (rs_is_zero_lit(rt))
                rs_report(r, "E2G22", "TypeError", at, "integer division or modulo by zero");
            res = op == OP_MOD ? &T_INT : num;
        }
        break;
    case OP_LSHIFT:
    case OP_RSHIFT:
    case OP_BITAND:
    case OP_BITXOR:
        if (a == OT_INT && b == OT_INT)
            res = &T_INT;
        break;
    default:
        return &T_ANY;
    }
    if (!res) {
        rs_report(r, "E2G22", "TypeError", at, "unsupported operand type(s) for %s: '%s' and '%s'",
               ast_op_name((enum ast_op)op), t_str(r, l), t_str(r, rt));
        return &T_ANY;
    }
    return res;
}

/* KCL's unary operators: + and - take numbers, ~ an int or a bool. */
static const struct rtype *unary_type(struct resolver *r, unsigned op, const struct rtype *t,
                                      struct span at)
{
    if (op == OP_NOT)
        return &T_BOOL;
    enum operand_kind k = rs_operand_kind(t);
    if (k == OT_UNKNOWN)
        return &T_ANY;
    bool ok = op == OP_INVERT ? k == OT_INT || k == OT_BOOL : rs_is_num_kind(k);
    if (ok)
        return t;
    rs_report(r, "E2G22", "TypeError", at, "bad operand type for unary %s: '%s'",
           ast_op_name((enum ast_op)op), t_str(r, t));
    return &T_ANY;
}

static bool is_numbool_kind(enum operand_kind k)
{
    return k == OT_INT || k == OT_FLOAT || k == OT_BOOL;
}

/* KCL orders numbers and bools with each other and strings with strings (`[0] < [1]` and
 * `1 < "a"` are TypeErrors), and `in` looks into a str, a list, a dict or a schema. */
static const struct rtype *walk_compare(struct resolver *r, struct ast *n)
{
    uint32_t k = n->u.compare.operands.n;
    const struct rtype **v = rs_rz(r, (k ? k : 1) * sizeof *v);
    for (uint32_t i = 0; i < k; i++)
        v[i] = walk_expr(r, n->u.compare.operands.v[i]);
    for (uint32_t i = 0; i + 1 < k; i++) {
        uint8_t op = n->u.compare.ops[i];
        enum operand_kind a = rs_operand_kind(v[i]), b = rs_operand_kind(v[i + 1]);
        if (a == OT_UNKNOWN || b == OT_UNKNOWN)
            continue;
        bool ok;
        if (op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE)
            ok = (is_numbool_kind(a) && is_numbool_kind(b)) || (a == OT_STR && b == OT_STR);
        else if (op == OP_IN || op == OP_NOT_IN)
            ok = b == OT_STR || b == OT_LIST || b == OT_DICT || b == OT_SCHEMA;
        else
            continue;
        if (!ok)
            rs_report(r, "E2G22", "TypeError", n->span,
                   "unsupported operand type(s) for %s: '%s' and '%s'",
                   ast_op_name((enum ast_op)op), t_str(r, v[i]), t_str(r, v[i + 1]));
    }
    return &T_BOOL;
}

/* Where KCL reports a missing attribute: the whole name for a dotted name (a.b.c is one
 * identifier to it), the attribute after any other value. */
static struct span attr_span(struct resolver *r, const struct ast *n)
{
    if (rs_is_name_chain(n))
        return n->span;
    return find_word(r, n->span, n->u.select.value->span.hi, n->span.hi, n->u.select.attr);
}

/* KCL (load_attr): a.b reads a member a module, a schema or a str has (dicts have any
 * member); numbers, bools, None, lists and functions have none. */
static const struct rtype *walk_select(struct resolver *r, struct ast *n)
{
    const struct rtype *v = walk_expr(r, n->u.select.value);
    const char *attr = n->u.select.attr;
    if (v->kind == RT_MODULE) {
        if (n->u.select.optional)
            rs_report(r, "E2L23", "CompileError", n->u.select.value->span,
                   "For the module type, the use of '?.%s' is unnecessary and it can be modified "
                   "as '.%s'",
                   attr, attr);
        if (v->u.mod.pkg) {
            struct rsym *y = rmap_get(&v->u.mod.pkg->syms, attr);
            if (y && y->kind == SYM_SCHEMA && y->schema)
                return &y->schema->type;
            if (y)
                return &T_ANY;
        } else if (!v->u.mod.system || rs_system_member(r, v->u.mod.path, attr)) {
            return &T_ANY;
        }
        rs_report(r, "E2G22", "TypeError", n->span, "attribute '%s' not found in 'module '%s''", attr,
               v->u.mod.path);
        return &T_ANY;
    }
    switch ((enum rt_kind)v->kind) {
    case RT_SCHEMA: {
        struct rschema *s = v->u.schema;
        struct rattr *a = rs_schema_attr(s, attr);
        if (a && v->instance && attr_declared(a))
            return rs_schema_attr_type(r, s, a);
        if (a || schema_accepts(s, attr))
            return &T_ANY;
        /* the member functions of schemas */
        static const char *const members[] = {"instances"};
        if (!strcmp(attr, members[0]))
            return &T_ANY;
        /* KCL suggests the member functions for a schema (not for an instance) */
        rs_report(r, "E2G22", "TypeError", attr_span(r, n), "attribute '%s' not found in '%s'%s", attr,
               s->name, v->instance ? "" : rs_suggest(r, attr, members, 1, false));
        return &T_ANY;
    }
    case RT_STR:
    case RT_LIT_STR: {
        const struct bsig *g = bsig_find(str_sigs, sizeof str_sigs / sizeof str_sigs[0], attr);
        if (g)
            return bsig_type(r, g);
        break;
    }
    case RT_NONE:
    case RT_BOOL:
    case RT_LIT_BOOL:
    case RT_INT:
    case RT_LIT_INT:
    case RT_FLOAT:
    case RT_LIT_FLOAT:
    case RT_LIST:
    case RT_FUNC:
        break;
    default:
        return &T_ANY;
    }
    rs_report(r, "E2G22", "TypeError", attr_span(r, n), "attribute '%s' not found in '%s'", attr,
           t_str(r, v));
    return &T_ANY;
}

/* KCL's walk_subscript for v[i]: a str or a list takes any index; a dict or a schema a str
 * key (a literal key of a schema must name an attribute); nothing else is subscriptable. */
static const struct rtype *walk_index(struct resolver *r, struct ast *n)
{
    struct ast *value = n->u.index.value;
    const struct rtype *v = walk_expr(r, value);
    const struct rtype *k = walk_expr(r, n->u.index.index);
    switch (rs_operand_kind(v)) {
    case OT_UNKNOWN:
        return &T_ANY;
    case OT_STR:
        return &T_STR;
    case OT_LIST:
        return rs_list_item(v);
    case OT_DICT:
    case OT_SCHEMA:
        if (t_is_any(k) || k->kind == RT_NONE)
            return v->kind == RT_DICT ? v->u.dict.val : &T_ANY;
        if (!t_is_str_like(k)) {
            rs_report(r, "E2L23", "CompileError", value->span, "invalid dict/schema key type: '%s'",
                   t_str(r, k));
            return &T_ANY;
        }
        if (k->kind == RT_LIT_STR && v->kind == RT_SCHEMA) {
            struct rschema *s = v->u.schema;
            struct rattr *a = rs_schema_attr(s, k->u.s);
            if (a && attr_declared(a))
                return rs_schema_attr_type(r, s, a);
            if (!a && !schema_accepts(s, k->u.s) && strcmp(k->u.s, "instances"))
                rs_report(r, "E2G22", "TypeError", value->span, "attribute '%s' not found in '%s'",
                       k->u.s, s->name);
            return &T_ANY;
        }
        if (v->kind == RT_DICT) {
            if (k->kind == RT_LIT_STR)
                for (uint32_t i = 0; i < v->u.dict.nattrs; i++)
                    if (!strcmp(v->u.dict.attrs[i].name, k->u.s))
                        return v->u.dict.attrs[i].type;
            return v->u.dict.val;
        }
        return &T_ANY;
    default:
        rs_report(r, "E2L23", "CompileError", value->span, "'%s' object is not subscriptable",
               t_str(r, v));
        return &T_ANY;
    }
}

/* v[lo:hi:step]: the bounds of a str or list slice are ints; dicts and schemas can't be
 * sliced. */
static const struct rtype *walk_slice(struct resolver *r, struct ast *n)
{
    struct ast *value = n->u.slice.value;
    const struct rtype *v = walk_expr(r, value);
    struct ast *parts[3] = {n->u.slice.lo, n->u.slice.hi, n->u.slice.step};
    const struct rtype *pt[3];
    for (int i = 0; i < 3; i++)
        pt[i] = walk_expr(r, parts[i]);
    switch (rs_operand_kind(v)) {
    case OT_UNKNOWN:
        return &T_ANY;
    case OT_STR:
    case OT_LIST:
        for (int i = 0; i < 3; i++)
            if (parts[i])
                must_assignable(r, pt[i], &T_INT, parts[i]->span, NULL);
        return v->kind == RT_LIST ? v : &T_STR;
    case OT_DICT:
    case OT_SCHEMA:
        rs_report(r, "E2L23", "CompileError", value->span, "unhashable type: 'slice'");
        return &T_ANY;
    default:
        rs_report(r, "E2L23", "CompileError", value->span, "'%s' object is not subscriptable",
               t_str(r, v));
        return &T_ANY;
    }
}

static bool ctx_transparent(const struct ast *n)
{
    switch ((enum ast_kind)n->kind) {
    case AST_CONFIG:
    case AST_LIST:
    case AST_PAREN:
    case AST_IFEXPR:
    case AST_LIST_COMP:
    case AST_DICT_COMP:
    case AST_SCHEMA_EXPR:
    case AST_CONFIG_IF:
    case AST_LIST_IF:
    case AST_ENTRY:
    case AST_STARRED:
        return true;
    case AST_BINARY:
        return n->u.binary.op == OP_BITOR;
    default:
        return n->kind < AST_PAREN;
    }
}

static const struct rtype *walk_expr(struct resolver *r, struct ast *n)
{
    if (!n)
        return &T_ANY;
    if (++r->depth > 2000) {
        r->depth--;
        return &T_ANY;
    }
    const struct rtype *t = &T_ANY;
    /* only configs, lists and the expressions that pass one through are walked in the
     * config context; others start afresh (a call's arguments are not the config's entries) */
    bool fresh = !ctx_transparent(n);
    uint32_t nctx = r->nctx;
    if (fresh)
        ctx_push(r, NULL, NULL);
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        t = walk_name(r, n);
        break;
    case AST_INT:
        t = n->u.num.suffix ? t_lit_unit(r, n->u.num.ival, n->u.num.suffix)
                            : t_lit_int(r, n->u.num.ival);
        break;
    case AST_FLOAT:
        t = t_lit_float(r, n->u.fval);
        break;
    case AST_STR: {
        const struct strlit *l = n->u.str.lit;
        if (l && l->has_expr) {
            for (uint32_t i = 0; i < l->nparts; i++)
                if (n->u.str.exprs && n->u.str.exprs[i])
                    walk_expr(r, n->u.str.exprs[i]);
            t = &T_STR;
        } else {
            const char *s = str_text(r, n);
            t = s ? t_lit_str(r, s) : &T_STR;
        }
        break;
    }
    case AST_TRUE:
        t = t_lit_bool(r, true);
        break;
    case AST_FALSE:
        t = t_lit_bool(r, false);
        break;
    case AST_NONE:
    case AST_UNDEFINED:
        t = &T_NONE;
        break;
    case AST_PAREN:
        t = walk_expr(r, n->u.unary.operand);
        break;
    case AST_UNARY:
        t = unary_type(r, n->u.unary.op, walk_expr(r, n->u.unary.operand),
                       n->u.unary.operand->span);
        break;
    case AST_STARRED:
        check_starred(r, n->u.unary.operand, walk_expr(r, n->u.unary.operand));
        break;
    case AST_BINARY: {
        const struct rtype *l = walk_expr(r, n->u.binary.left);
        const struct rtype *rt = walk_expr(r, n->u.binary.right);
        if (n->u.binary.op == OP_BITOR)
            t = walk_union(r, n->span, l, rt);
        else
            t = binary_type(r, n->u.binary.op, l, rt, n->span);
        break;
    }
    case AST_COMPARE:
        t = walk_compare(r, n);
        break;
    case AST_AS: {
        /* KCL: `v as T` converts between overlapping types only */
        const struct rtype *v = walk_expr(r, n->u.as_expr.value);
        t = rs_type_of_ann(r, r->pkg, r->file, n->u.as_expr.type, true);
        if (!t_is_any(v) && !t_is_any(t) && v->kind != RT_NONE && !rs_assignable(v, t) &&
            !rs_assignable(t, v))
            rs_report(r, "E2G22", "TypeError", n->span,
                   "Conversion of type '%s' to type '%s' may be a mistake because neither type "
                   "sufficiently overlaps with the other",
                   t_str(r, v), t_str(r, t));
        break;
    }
    case AST_IFEXPR: {
        walk_expr(r, n->u.ifexpr.cond);
        const struct rtype *a = walk_expr(r, n->u.ifexpr.body);
        const struct rtype *b = walk_expr(r, n->u.ifexpr.orelse);
        t = t_sup2(r, a, b);
        break;
    }
    case AST_SELECT:
        t = walk_select(r, n);
        break;
    case AST_INDEX:
        t = walk_index(r, n);
        break;
    case AST_SLICE:
        t = walk_slice(r, n);
        break;
    case AST_CALL:
        t = walk_call(r, n);
        break;
    case AST_KWARG:
        walk_expr(r, n->u.kwarg.value);
        break;
    case AST_LIST:
        t = walk_list(r, n);
        break;
    case AST_LIST_IF:
    case AST_CONFIG_IF:
        for (struct ast *c = n; c; c = c->u.cond_items.orelse) {
            if (c->kind != AST_LIST_IF && c->kind != AST_CONFIG_IF) {
                walk_expr(r, c);
                break;
            }
            walk_expr(r, c->u.cond_items.cond);
            for (uint32_t i = 0; i < c->u.cond_items.items.n; i++)
                walk_expr(r, c->u.cond_items.items.v[i]);
        }
        break;
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        t = walk_comp(r, n);
        break;
    case AST_CONFIG:
        t = walk_config(r, n);
        break;
    case AST_ENTRY: {
        struct dict_acc acc = {0};
        walk_entry(r, n, &acc);
        break;
    }
    case AST_SCHEMA_EXPR:
        t = walk_schema_expr(r, n);
        break;
    case AST_LAMBDA:
        t = walk_lambda(r, n);
        break;
    case AST_QUANT:
        t = walk_quant(r, n);
        break;
    default:
        break;
    }
    if (fresh)
        r->nctx = nctx;
    r->depth--;
    return t ? t : &T_ANY;
}

/* {=====================================================================
 * The walk: statements and schema bodies
 * ====================================================================} */

/* KCL: only names, a.b and a[i] are assigned to. */
static bool check_target(struct resolver *r, struct ast *t)
{
    struct ast *root = ast_target_root(t);
    if (root->kind == AST_NAME)
        return true;
    rs_report(r, "E2L23", "CompileError", t->span, "'%s' is an illegal expression for assignment",
           ast_kcl_expr_name(root));
    return false;
}

/* The schema whose body statements are being walked (not a lambda's in it), or NULL. The
 * body's scope is a local scope (parameters) right under the schema's. */
static struct rschema *body_schema(struct resolver *r)
{
    struct rscope *s = r->scope;
    if (s && s->kind == RS_LOCAL && s->parent && s->parent->kind == RS_SCHEMA)
        return s->parent->schema;
    return NULL;
}

/* The type a target name has before this assignment: a package variable's (annotated, or
 * taken from its first value), or the attribute's in a schema body. */
static const struct rtype *target_type(struct resolver *r, const char *name)
{
    if (r->top) {
        struct rsym *y = rmap_get(&r->pkg->syms, name);
        return y && y->kind == SYM_VAR && y->type ? y->type : &T_ANY;
    }
    struct rschema *s = body_schema(r);
    if (s) {
        struct rattr *a = rs_schema_attr(s, name);
        if (a && attr_declared(a))
            return rs_schema_attr_type(r, s, a);
    }
    return &T_ANY;
}

static bool needs_ctx(const struct rtype *t)
{
    return t && (t->kind == RT_SCHEMA || t->kind == RT_LIST || t->kind == RT_DICT ||
                 t->kind == RT_UNION);
}

/* KCL's aug-assignment rule: a public package variable already assigned can't be modified by
 * `x op= v` either ("Immutable variable 'x' is modified during compiling"). */
static void global_name(struct resolver *r, struct ast *t, bool is_config, bool aug)
{
    if (!r->top)
        return;
    struct ast *root = ast_target_root(t);
    if (root->kind != AST_NAME)
        return;
    const char *name = root->u.name;
    struct span *first = rmap_get(&r->gnames, name);
    if (is_private(name) || is_config || !first) {
        if (!first) {
            first = rs_rz(r, sizeof *first);
            *first = t->span;
            rmap_put(r, &r->gnames, name, first);
        }
        return;
    }
    if (!aug)
        return;
    struct diag *g = rs_report(r, "E1001", "ImmutableError", t->span,
                            "Immutable variable '%s' is modified during compiling", name);
    label(r, g, *first, "The variable '%s' is declared here firstly", name);
    if (g)
        diag_add_note(r->diags, g, "change the variable name to '_%s' to make it mutable", name);
}

static void walk_assign(struct resolver *r, struct ast *n)
{
    struct ast *value = n->u.assign.value;
    bool is_config = value && value->kind == AST_SCHEMA_EXPR;
    const struct rtype *ann =
        n->u.assign.type ? rs_type_of_ann(r, r->pkg, r->file, n->u.assign.type, true) : NULL;
    const struct rtype *vt = NULL;
    struct ast *defining = r->defining;
    if (r->top && !ann && value && value->kind == AST_LAMBDA)
        r->defining = n; /* see defining_type */
    for (uint32_t i = 0; i < n->u.assign.targets.n; i++) {
        struct ast *t = n->u.assign.targets.v[i];
        if (!check_target(r, t))
            continue;
        global_name(r, t, is_config, false);
        if (t->kind != AST_NAME) {
            walk_expr(r, t->kind == AST_SELECT ? t->u.select.value : t->u.index.value);
            if (t->kind == AST_INDEX)
                walk_expr(r, t->u.index.index);
            continue;
        }
        const struct rtype *expected = ann ? ann : target_type(r, t->u.name);
        if (!vt) {
            if (needs_ctx(expected)) {
                ctx_push(r, expected, NULL);
                vt = walk_expr(r, value);
                ctx_pop(r, 1);
            } else {
                vt = walk_expr(r, value);
            }
        }
        must_assignable(r, vt, expected, t->span, NULL);
        if (r->top && !ann) {
            struct rsym *y = rmap_get(&r->pkg->syms, t->u.name);
            if (y && y->kind == SYM_VAR && !y->type) {
                const struct rtype *w = t_widen(r, vt);
                if (t_concrete(w) || w->kind == RT_FUNC)
                    y->type = w;
            }
        }
    }
    if (!vt)
        walk_expr(r, value);
    r->defining = defining;
}

static void walk_schema(struct resolver *r, struct rschema *s);

static const struct rtype *walk_stmt(struct resolver *r, struct ast *n)
{
    switch ((enum ast_kind)n->kind) {
    case AST_EXPR_STMT:
        return walk_expr(r, n->u.expr_stmt.value);
    case AST_ASSIGN:
        walk_assign(r, n);
        break;
    case AST_AUG_ASSIGN: {
        struct ast *t = n->u.aug.target;
        if (check_target(r, t))
            global_name(r, t, n->u.aug.value && n->u.aug.value->kind == AST_SCHEMA_EXPR, true);
        const struct rtype *vt = walk_expr(r, n->u.aug.value), *lt = &T_ANY;
        if (t->kind == AST_NAME && !lookup(r, t->u.name, &lt))
            lt = &T_ANY;
        if (n->u.aug.op == OP_BITOR)
            walk_union(r, t->span, lt, vt);
        else
            binary_type(r, n->u.aug.op, lt, vt, t->span);
        break;
    }
    case AST_UNIFY: {
        const struct rtype *t = walk_expr(r, n->u.unify.value);
        if (r->top) {
            struct rsym *y = rmap_get(&r->pkg->syms, n->u.unify.target->u.name);
            if (y && y->kind == SYM_VAR && !y->type && t_concrete(t))
                y->type = t;
        }
        break;
    }
    case AST_ASSERT:
    case AST_CHECK_EXPR: {
        walk_expr(r, n->u.check_expr.test);
        walk_expr(r, n->u.check_expr.cond);
        /* KCL: the message is a str */
        const struct rtype *mt = walk_expr(r, n->u.check_expr.msg);
        if (n->u.check_expr.msg)
            must_assignable(r, mt, &T_STR, n->u.check_expr.msg->span, NULL);
        break;
    }
    case AST_IF:
        walk_expr(r, n->u.if_stmt.cond);
        walk_stmts(r, &n->u.if_stmt.body);
        walk_stmts(r, &n->u.if_stmt.orelse);
        break;
    case AST_TYPE_ALIAS: {
        /* KCL resolves the aliased type where the alias is named */
        const char *name = n->u.type_alias.name;
        struct span at = find_word(r, n->span, n->span.lo + 4, n->span.hi, name);
        if (is_reserved_type(name))
            rs_report(r, "E2G22", "TypeError", at,
                   "type alias '%s' cannot be the same as the built-in types (" RESERVED_TYPES_TEXT
                   ")",
                   name);
        r->ann_at = &at;
        rs_type_of_ann(r, r->pkg, r->file, n->u.type_alias.type, true);
        r->ann_at = NULL;
        break;
    }
    case AST_SCHEMA:
    case AST_RULE:
        for (uint32_t i = 0; i < r->pkg->nschemas; i++)
            if (r->pkg->schemas[i]->node == n)
                walk_schema(r, r->pkg->schemas[i]);
        break;
    default:
        break;
    }
    return &T_ANY;
}

static const struct rtype *walk_stmts(struct resolver *r, const struct ast_list *body)
{
    const struct rtype *t = &T_ANY;
    for (uint32_t i = 0; i < body->n; i++)
        t = walk_stmt(r, body->v[i]);
    return t;
}

/* A default value given where a type is declared: `name: T = value` in a schema. */
static void walk_default(struct resolver *r, const struct rtype *expected, struct ast *value,
                         struct span at, bool check)
{
    const struct rtype *vt;
    if (expected && expected->kind == RT_SCHEMA) {
        ctx_push(r, expected, NULL);
        vt = walk_expr(r, value);
        ctx_pop(r, 1);
    } else {
        vt = walk_expr(r, value);
    }
    if (check)
        must_assignable(r, vt, expected, at, NULL);
}

static void walk_schema(struct resolver *r, struct rschema *s)
{
    struct ast *n = s->node;
    bool top = r->top;
    uint32_t nctx = r->nctx;
    r->top = false;
    ctx_push(r, NULL, NULL);
    struct rscope *ss = rscope_push(r, RS_SCHEMA);
    ss->schema = s;
    ss->open = s->is_mixin || s->is_protocol;
    struct rscope *ps = rscope_push(r, RS_LOCAL);
    rs_schema_params(r, s);
    for (uint32_t i = 0; i < s->nparams; i++)
        scope_add(r, ps, s->params[i].name, s->params[i].type);
    for (uint32_t i = 0; i < n->u.schema.params.n; i++)
        if (n->u.schema.params.v[i]->u.param.value)
            walk_expr(r, n->u.schema.params.v[i]->u.param.value);
    if (s->index_sig && s->index_sig->u.index_sig.key_name)
        scope_add(r, ps, s->index_sig->u.index_sig.key_name,
                  rs_type_of_ann(r, s->pkg, s->file, s->index_sig->u.index_sig.key_type, false));
    const struct ast_list *body = &n->u.schema.body;
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *st = body->v[i];
        if (st->kind == AST_SCHEMA_ATTR) {
            if (!st->u.attr.value)
                continue;
            struct rattr *a = rs_schema_own_attr(s, st->u.attr.name);
            const struct rtype *et = a ? rs_attr_type(r, s, a) : &T_ANY;
            bool check = st->u.attr.op == ENTRY_OVERRIDE && st->u.attr.aug_op == OP_NONE;
            walk_default(r, et, st->u.attr.value, rs_attr_name_span(r, st), check);
        } else if (st->kind == AST_INDEX_SIG) {
            if (st->u.index_sig.value)
                walk_default(r, rs_type_of_ann(r, s->pkg, s->file, st->u.index_sig.value_type, false),
                             st->u.index_sig.value, st->span, true);
        } else {
            walk_stmt(r, st);
        }
    }
    for (uint32_t i = 0; i < n->u.schema.checks.n; i++)
        walk_stmt(r, n->u.schema.checks.v[i]);
    rscope_pop(r);
    rscope_pop(r);
    r->nctx = nctx;
    r->top = top;
}

/* {=====================================================================
 * Entry point
 * ====================================================================} */

/* The identity of a program, walking its packages in load order: *key for the context's memory
 * of clean checks (each package's key and its trees; 0 when a tree is the run's own, not
 * reusable), *digest for the disk cache's (each package's key and path, its files' paths and
 * texts by their digest; 0 when some file has none, or digest is NULL: not wanted). */
static void program_keys(const struct resolver *r, uint64_t *key, uint64_t *digest)
{
    uint64_t k = 0, d = 0x5c1;
    bool reusable = true, digested = digest != NULL;
    for (uint32_t i = 0; i < r->npkgs; i++) {
        const struct pkg *p = r->pkgs[i]->pkg;
        const char *pk = p->key ? p->key : p->path;
        k = XXH3_64bits_withSeed(pk, strlen(pk) + 1, k);
        if (digested) {
            d = XXH3_64bits_withSeed(pk, strlen(pk) + 1, d);
            d = XXH3_64bits_withSeed(p->path, strlen(p->path) + 1, d);
        }
        for (uint32_t f = 0; f < p->nfiles; f++) {
            const struct source *src = p->files[f].src;
            const void *t = p->files[f].module;
            reusable = reusable && src->id >= SOURCE_SHARED_BASE;
            digested = digested && src->digest;
            k = XXH3_64bits_withSeed(&t, sizeof t, k);
            if (digested) {
                uint64_t dl[2] = {src->digest, src->len};
                d = XXH3_64bits_withSeed(src->path, strlen(src->path) + 1, d);
                d = XXH3_64bits_withSeed(dl, sizeof dl, d);
            }
        }
    }
    *key = reusable ? (k ? k : 1) : 0;
    if (digest)
        *digest = reusable && digested ? (d ? d : 1) : 0;
}

unsigned resolve_pkg(struct eval *ev, struct pkg *p)
{
    struct resolver rs;
    memset(&rs, 0, sizeof rs);
    struct resolver *r = &rs;
    r->ev = ev;
    r->vm = ev->vm;
    r->diags = ev->vm->diags;
    arena_init(&r->arena, ev->vm->arena->alloc, ev->vm->arena->ud);
    if (ev->builtins)
        for (uint32_t i = 0; i < ev->builtins->used; i++)
            if (ev->builtins->e[i].key)
                rmap_put(r, &r->builtins, ev->builtins->e[i].key->b,
                         (void *)ev->builtins->e[i].key->b);
    unsigned start = r->diags->n;
    struct rpkg *main = rpkg_of(r, p);
    rs_load_imports(r, main, 0);
    /* the same trees checked clean before (a server running one program again): they are
     * clean again, since the check reads nothing but them */
    /* the memory's key, and the disk's (by the files' texts) for a program run again in a new
     * process */
    uint64_t key = 0, digest = 0;
    if (ev->mod_cache && r->diags->n == start)
        program_keys(r, &key, ev->mod_cache->disk.dir ? &digest : NULL);
    if (key && (mod_cache_is_clean(ev->mod_cache, key) ||
                (digest && img_cache_is_clean(&ev->mod_cache->disk, digest)))) {
        mod_cache_set_clean(ev->mod_cache, key);
        arena_free(&r->arena);
        return 0;
    }
    rs_collect_all(r);
    for (uint32_t i = 0; i < r->npkgs; i++)
        rs_link_all(r, r->pkgs[i]);
    check_cycles(r);
    r->pkg = main; /* decorators' arguments are names of the package too */
    for (uint32_t i = 0; i < main->nschemas; i++)
        check_schema_decl(r, main->schemas[i]);
    check_immutable(r);
    /* annotated package variables have their type from the start */
    r->pkg = main;
    struct rmap annotated = {0}, first_ann = {0};
    for (uint32_t f = 0; f < p->nfiles; f++) {
        struct ast_list *body = &p->files[f].module->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *n = body->v[i];
            if (n->kind != AST_ASSIGN)
                continue;
            if (!n->u.assign.type && n->u.assign.value->kind == AST_LAMBDA) {
                /* a lambda's type is known before its definition runs */
                struct ast *lam = n->u.assign.value;
                for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                    struct ast *t = n->u.assign.targets.v[k];
                    struct rsym *y = t->kind == AST_NAME ? rmap_get(&main->syms, t->u.name) : NULL;
                    if (!y || y->kind != SYM_VAR || y->type)
                        continue;
                    struct rtype *ft = rs_rz(r, sizeof *ft);
                    ft->kind = RT_FUNC;
                    ft->u.func.params = rs_params_of(r, main, f, &lam->u.lambda.params);
                    ft->u.func.nparams = lam->u.lambda.params.n;
                    ft->u.func.ret = lam->u.lambda.ret
                                         ? rs_type_of_ann(r, main, f, lam->u.lambda.ret, false)
                                         : &T_ANY;
                    y->type = ft;
                }
                continue;
            }
            if (!n->u.assign.type)
                continue;
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = n->u.assign.targets.v[k];
                struct rsym *y = t->kind == AST_NAME ? rmap_get(&main->syms, t->u.name) : NULL;
                if (y && y->kind == SYM_VAR && !y->type)
                    y->type = rs_type_of_ann(r, main, f, n->u.assign.type, false);
                if (t->kind != AST_NAME || !is_private(t->u.name))
                    continue;
                /* KCL: a (private) variable annotated again keeps a type its previous annotation
                 * admits (a public one can't be assigned twice at all) */
                const struct rtype *ty = rs_type_of_ann(r, main, f, n->u.assign.type, false);
                struct rt_attr *prev = rmap_get(&annotated, t->u.name);
                if (!prev) {
                    prev = rs_rz(r, sizeof *prev);
                    prev->name = t->u.name;
                    rmap_put(r, &annotated, t->u.name, prev);
                    /* the first annotation, for KCL's second scan (below) */
                    struct rt_attr *first = rs_rz(r, sizeof *first);
                    first->name = t->u.name;
                    first->type = ty;
                    first->span = t->span;
                    rmap_put(r, &first_ann, t->u.name, first);
                } else if (!rs_assignable(ty, prev->type)) {
                    struct diag *g = rs_report(r, "E2G22", "TypeError", t->span,
                                            "can not change the type of '%s' to %s", t->u.name,
                                            t_str(r, prev->type));
                    label(r, g, prev->span, "expected %s", t_str(r, prev->type));
                }
                prev->type = ty;
                prev->span = t->span;
            }
        }
    }
    /* KCL scans the annotations a second time, starting from the last one: the first is then
     * checked against it */
    for (uint32_t f = 0; f < p->nfiles; f++) {
        struct ast_list *body = &p->files[f].module->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *n = body->v[i];
            if (n->kind != AST_ASSIGN || !n->u.assign.type)
                continue;
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = n->u.assign.targets.v[k];
                if (t->kind != AST_NAME || !is_private(t->u.name))
                    continue;
                struct rt_attr *first = rmap_get(&first_ann, t->u.name);
                struct rt_attr *last = rmap_get(&annotated, t->u.name);
                if (!first || first->span.lo != t->span.lo || first->span.file != t->span.file ||
                    (last->span.lo == first->span.lo && last->span.file == first->span.file) ||
                    rs_assignable(first->type, last->type))
                    continue;
                struct diag *g = rs_report(r, "E2G22", "TypeError", t->span,
                                        "can not change the type of '%s' to %s", t->u.name,
                                        t_str(r, last->type));
                label(r, g, last->span, "expected %s", t_str(r, last->type));
            }
        }
    }
    for (uint32_t f = 0; f < p->nfiles; f++) {
        r->file = f;
        r->top = true;
        walk_stmts(r, &p->files[f].module->u.module.body);
    }
    unsigned errors = dedup(r, start);
    if (key && r->diags->n == start) {
        mod_cache_set_clean(ev->mod_cache, key);
        if (digest)
            img_cache_set_clean(&ev->mod_cache->disk, digest);
    }
    arena_free(&r->arena);
    return errors;
}
