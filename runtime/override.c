/* -O overrides (KCL's override_spec): `a.b.c=value`, `a.b.c:value`, `a.b.c+=value` or `a.b.c-`,
 * applied to the main package's syntax tree before it is checked. An identifier that exists is
 * changed wherever it is set at the top level (every occurrence); one that does not is added;
 * deleting one that does not exist changes nothing. */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/parse.h"
#include "runtime/override.h"

enum { OV_MAX_SEGS = 64 };

static bool ident_start(char c)
{
    return isalpha((unsigned char)c) || c == '_' || c == '$';
}

static bool ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* The path of an override: name(.name | ["key"])*; returns the length consumed, 0 if none. */
static size_t parse_path(struct arena *a, const char *s, const char **segs, uint32_t *nsegs)
{
    const char *p = s;
    *nsegs = 0;
    for (;;) {
        if (*nsegs == OV_MAX_SEGS)
            return 0;
        if (*p == '[' && (p[1] == '"' || p[1] == '\'') && *nsegs > 0) {
            char q = p[1];
            const char *b = p + 2, *e = strchr(b, q);
            if (!e || e[1] != ']')
                return 0;
            segs[(*nsegs)++] = arena_strndup(a, b, (size_t)(e - b));
            p = e + 2;
        } else {
            if (*p == '$')
                p++;
            if (!ident_start(*p))
                return 0;
            const char *b = p;
            while (ident_char(*p))
                p++;
            segs[(*nsegs)++] = arena_strndup(a, b, (size_t)(p - b));
        }
        if (*p == '.') {
            p++;
            continue;
        }
        if (*p == '[')
            continue;
        return (size_t)(p - s);
    }
}

bool override_parse(struct arena *a, struct source_map *sm, struct diags *d, const char *spec,
                    struct override *out)
{
    memset(out, 0, sizeof *out);
    const char *s = spec;
    /* [pkgpath ":"]: only the main package can be changed */
    if (*s == ':')
        s++;
    else if (!strncmp(s, "__main__:", 9))
        s += 9;
    const char *segs[OV_MAX_SEGS];
    size_t n = parse_path(a, s, segs, &out->nsegs);
    if (!n)
        return false;
    s += n;
    if (!strcmp(s, "-")) {
        out->op = OV_DELETE;
    } else if (*s == '=') {
        out->op = OV_OVERRIDE;
        s++;
    } else if (*s == ':') {
        out->op = OV_UNION;
        s++;
    } else if (s[0] == '+' && s[1] == '=') {
        out->op = OV_INSERT;
        s += 2;
    } else {
        return false;
    }
    out->segs = arena_alloc(a, out->nsegs * sizeof *out->segs);
    if (!out->segs)
        return false;
    memcpy(out->segs, segs, out->nsegs * sizeof *out->segs);
    if (out->op == OV_DELETE)
        return true;
    if (!*s)
        return false;
    /* the value is any expression: parsed as the right-hand side of an assignment */
    char *text = arena_printf(a, "__override__ = %s\n", s);
    if (!text)
        return false;
    struct source *src = source_map_add(sm, "<override>", text, strlen(text));
    unsigned before = d->nerrors;
    struct ast *m = src ? parse_module(a, src, d) : NULL;
    if (!m || d->nerrors != before || m->u.module.body.n != 1 ||
        m->u.module.body.v[0]->kind != AST_ASSIGN)
        return false;
    out->value = m->u.module.body.v[0]->u.assign.value;
    return true;
}

/* The key of a config entry as a path: a, a.b.c, "a". */
static uint32_t key_path(const struct ast *k, const char **out, uint32_t max)
{
    if (!k)
        return 0;
    if (k->kind == AST_NAME) {
        out[0] = k->u.name;
        return 1;
    }
    if (k->kind == AST_STR && k->u.str.lit && k->u.str.lit->nparts <= 1 &&
        !k->u.str.lit->has_expr) {
        out[0] = k->u.str.lit->nparts ? k->u.str.lit->parts[0].text : "";
        return 1;
    }
    if (k->kind == AST_SELECT) {
        uint32_t n = key_path(k->u.select.value, out, max);
        if (!n || n >= max)
            return 0;
        out[n] = k->u.select.attr;
        return n + 1;
    }
    return 0;
}

static uint8_t entry_op(enum override_op op)
{
    return op == OV_UNION ? ENTRY_UNION : op == OV_INSERT ? ENTRY_INSERT : ENTRY_OVERRIDE;
}

static struct ast *config_of(struct ast *e)
{
    while (e && e->kind == AST_PAREN)
        e = e->u.unary.operand;
    if (!e)
        return NULL;
    if (e->kind == AST_CONFIG)
        return e;
    if (e->kind == AST_SCHEMA_EXPR)
        return e->u.schema_expr.config;
    return NULL;
}

/* A key a.b.c from segments. */
static struct ast *make_key(struct arena *a, const char *const *segs, uint32_t n, struct span at)
{
    struct ast *k = ast_new(a, AST_NAME, at);
    if (!k)
        return NULL;
    k->u.name = segs[0];
    for (uint32_t i = 1; i < n; i++) {
        struct ast *s = ast_new(a, AST_SELECT, at);
        if (!s)
            return NULL;
        s->u.select.value = k;
        s->u.select.attr = segs[i];
        k = s;
    }
    return k;
}

static bool apply_config(struct arena *a, struct ast *cfg, const struct override *o, uint32_t from)
{
    struct ast_list *l = &cfg->u.config.entries;
    bool matched = false;
    for (uint32_t i = 0; i < l->n; i++) {
        struct ast *e = l->v[i];
        if (e->kind != AST_ENTRY)
            continue;
        const char *path[OV_MAX_SEGS];
        uint32_t k = key_path(e->u.entry.key, path, OV_MAX_SEGS);
        if (!k || from + k > o->nsegs)
            continue;
        bool prefix = true;
        for (uint32_t j = 0; j < k && prefix; j++)
            prefix = !strcmp(path[j], o->segs[from + j]);
        if (!prefix)
            continue;
        if (from + k == o->nsegs) {
            matched = true;
            if (o->op == OV_DELETE) {
                memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof *l->v);
                l->n--;
                i--;
            } else {
                e->u.entry.value = o->value;
                e->u.entry.op = entry_op(o->op);
            }
        } else {
            struct ast *inner = config_of(e->u.entry.value);
            if (inner && apply_config(a, inner, o, from + k))
                matched = true;
        }
    }
    if (!matched && o->op != OV_DELETE) {
        struct ast *key = make_key(a, o->segs + from, o->nsegs - from, cfg->span);
        struct ast *e = key ? ast_new(a, AST_ENTRY, cfg->span) : NULL;
        if (!e)
            return false;
        e->u.entry.key = key;
        e->u.entry.value = o->value;
        e->u.entry.op = entry_op(o->op);
        ast_list_push(a, l, e);
        matched = true;
    }
    return matched;
}

static bool targets_name(const struct ast *st, const char *name)
{
    if (st->kind == AST_UNIFY)
        return st->u.unify.target->kind == AST_NAME && !strcmp(st->u.unify.target->u.name, name);
    if (st->kind != AST_ASSIGN)
        return false;
    for (uint32_t i = 0; i < st->u.assign.targets.n; i++) {
        const struct ast *t = st->u.assign.targets.v[i];
        if (t->kind == AST_NAME && !strcmp(t->u.name, name))
            return true;
    }
    return false;
}

bool override_apply(struct arena *a, struct ast **modules, size_t nmodules,
                    const struct override *o)
{
    bool found = false;
    for (size_t f = 0; f < nmodules; f++) {
        struct ast_list *body = &modules[f]->u.module.body;
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *st = body->v[i];
            if (!targets_name(st, o->segs[0]))
                continue;
            found = true;
            struct ast **value = st->kind == AST_UNIFY ? &st->u.unify.value : &st->u.assign.value;
            if (o->nsegs == 1) {
                if (o->op == OV_DELETE) {
                    memmove(&body->v[i], &body->v[i + 1], (body->n - i - 1) * sizeof *body->v);
                    body->n--;
                    i--;
                } else if (st->kind == AST_ASSIGN) {
                    *value = o->value;
                } else if (o->value->kind == AST_SCHEMA_EXPR) {
                    *value = o->value;
                } else {
                    /* x: S {...} given a plain value becomes x = value: a new node, since a
                     * node holds only its own kind's member */
                    struct ast *as = ast_new(a, AST_ASSIGN, st->span);
                    if (!as || !ast_list_push(a, &as->u.assign.targets, st->u.unify.target))
                        return false;
                    as->u.assign.value = o->value;
                    body->v[i] = as;
                }
                continue;
            }
            struct ast *cfg = config_of(*value);
            if (cfg)
                apply_config(a, cfg, o, 1);
        }
    }
    if (found || o->op == OV_DELETE || !nmodules)
        return true;
    /* a new top-level name in the last file: name = value, or name = {b.c = value} */
    struct ast *last = modules[nmodules - 1];
    struct span at = last->span;
    struct ast *target = ast_new(a, AST_NAME, at);
    struct ast *st = target ? ast_new(a, AST_ASSIGN, at) : NULL;
    if (!st)
        return false;
    target->u.name = o->segs[0];
    ast_list_push(a, &st->u.assign.targets, target);
    if (o->nsegs == 1) {
        st->u.assign.value = o->value;
    } else {
        struct ast *cfg = ast_new(a, AST_CONFIG, at);
        if (!cfg)
            return false;
        apply_config(a, cfg, o, 1);
        st->u.assign.value = cfg;
    }
    return ast_list_push(a, &last->u.module.body, st);
}
