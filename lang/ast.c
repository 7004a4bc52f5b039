/* AST nodes: allocation, the constructors the grammar actions call, names and a JSON dump. */
#include "config.h"

#include "lang/ast.h"

#include <inttypes.h>
#include <stdio.h>
#include <stddef.h>
#include <string.h>

#include "lang/parse.h"
#include "lang/parser.h"

/* {=====================================================================
 * Allocation, lists, spans
 * ====================================================================} */

/* Bytes of a node of each kind: the header plus the union member that kind uses, so that
 * the many small nodes (expressions, and the attributes that fill a schema file) don't pay
 * for the largest (schema) member. Kinds not listed (schemas and rules) take the whole
 * node. A node never changes to a kind with a larger member. */
#define MEMBER(m) (offsetof(struct ast, u) + sizeof(((struct ast *)0)->u.m))
static const uint16_t node_size[AST_KIND_COUNT] = {
    [AST_NAME] = MEMBER(name),
    [AST_INT] = MEMBER(num),
    [AST_FLOAT] = MEMBER(fval),
    [AST_STR] = MEMBER(str),
    [AST_TRUE] = offsetof(struct ast, u),
    [AST_FALSE] = offsetof(struct ast, u),
    [AST_NONE] = offsetof(struct ast, u),
    [AST_UNDEFINED] = offsetof(struct ast, u),
    [AST_PAREN] = MEMBER(unary),
    [AST_UNARY] = MEMBER(unary),
    [AST_STARRED] = MEMBER(unary),
    [AST_BINARY] = MEMBER(binary),
    [AST_COMPARE] = MEMBER(compare),
    [AST_AS] = MEMBER(as_expr),
    [AST_IFEXPR] = MEMBER(ifexpr),
    [AST_SELECT] = MEMBER(select),
    [AST_INDEX] = MEMBER(index),
    [AST_SLICE] = MEMBER(slice),
    [AST_CALL] = MEMBER(call),
    [AST_KWARG] = MEMBER(kwarg),
    [AST_LIST] = MEMBER(list),
    [AST_CONFIG] = MEMBER(config),
    [AST_ENTRY] = MEMBER(entry),
    [AST_LIST_IF] = MEMBER(cond_items),
    [AST_CONFIG_IF] = MEMBER(cond_items),
    [AST_LIST_COMP] = MEMBER(comp),
    [AST_DICT_COMP] = MEMBER(comp),
    [AST_COMP_FOR] = MEMBER(comp_for),
    [AST_SCHEMA_EXPR] = MEMBER(schema_expr),
    [AST_LAMBDA] = MEMBER(lambda),
    [AST_QUANT] = MEMBER(quant),
    [AST_EXPR_STMT] = MEMBER(expr_stmt),
    [AST_ASSIGN] = MEMBER(assign),
    [AST_AUG_ASSIGN] = MEMBER(aug),
    [AST_UNIFY] = MEMBER(unify),
    [AST_ASSERT] = MEMBER(check_expr),
    [AST_CHECK_EXPR] = MEMBER(check_expr),
    [AST_TYPE_NAMED] = MEMBER(type_named),
    [AST_TYPE_LIST] = MEMBER(type_list),
    [AST_TYPE_DICT] = MEMBER(type_dict),
    [AST_TYPE_UNION] = MEMBER(type_union),
    [AST_TYPE_LITERAL] = MEMBER(type_lit),
    [AST_PARAM] = MEMBER(param),
    [AST_MODULE] = MEMBER(module),
    [AST_IMPORT] = MEMBER(import),
    [AST_TYPE_ALIAS] = MEMBER(type_alias),
    [AST_IF] = MEMBER(if_stmt),
    [AST_SCHEMA_ATTR] = MEMBER(attr),
    [AST_INDEX_SIG] = MEMBER(index_sig),
    [AST_DECORATOR] = MEMBER(decorator),
    [AST_TYPE_ANY] = offsetof(struct ast, u),
    [AST_TYPE_FUNC] = MEMBER(type_func),
};
#undef MEMBER

/* ast_new's body, inlined into the constructors below: there the kind is a constant, so
 * the node's size is one and the zeroing a few stores instead of a memset call. */
static inline struct ast *new_node(struct arena *a, enum ast_kind kind, struct span span)
{
    size_t size = (unsigned)kind < AST_KIND_COUNT && node_size[kind] ? node_size[kind]
                                                                      : sizeof(struct ast);
    struct ast *n = arena_alloc_fast(a, size);
    if (!n)
        return NULL;
    memset(n, 0, size);
    n->kind = (uint16_t)kind;
    n->span = span;
    return n;
}

size_t ast_size(const struct ast *n)
{
    return n->kind < AST_KIND_COUNT && node_size[n->kind] ? node_size[n->kind] : sizeof(struct ast);
}

struct ast *ast_new(struct arena *a, enum ast_kind kind, struct span span)
{
    return new_node(a, kind, span);
}

struct ast *ast_target_root(struct ast *t)
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

bool ast_list_push(struct arena *a, struct ast_list *l, struct ast *n)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        /* a list's first array (most lists stay that small) takes the inline arena path */
        struct ast **v = l->v ? arena_realloc(a, l->v, l->cap * sizeof *v, cap * sizeof *v)
                              : arena_alloc_fast(a, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = n;
    return true;
}

static struct span tspan(const struct parser *p, struct token t)
{
    struct span s = {p->src->id, t.lo, t.hi};
    return s;
}

/* The span from 'a' to 'b' (either may be NULL). */
static struct span join(const struct ast *a, const struct ast *b)
{
    if (!a && !b) {
        struct span s = {0, 0, 0};
        return s;
    }
    if (!a)
        return b->span;
    if (!b)
        return a->span;
    return span_join(a->span, b->span);
}

static struct span join_tok(const struct parser *p, struct span s, struct token t)
{
    return span_join(s, tspan(p, t));
}

static inline struct ast *node(struct parser *p, enum ast_kind kind, struct span span)
{
    struct ast *n = new_node(p->arena, kind, span);
    if (!n)
        p->oom = true;
    return n;
}

static void push(struct parser *p, struct ast_list *l, struct ast *n)
{
    if (n && !ast_list_push(p->arena, l, n))
        p->oom = true;
}

struct ast_list ast_list_none(void)
{
    struct ast_list l = {NULL, 0, 0};
    return l;
}

struct ast_list ast_list_one(struct parser *p, struct ast *n)
{
    struct ast_list l = {NULL, 0, 0};
    push(p, &l, n);
    return l;
}

struct ast_list ast_list_add(struct parser *p, struct ast_list l, struct ast *n)
{
    push(p, &l, n);
    return l;
}

static struct span list_span(const struct ast_list *l, struct span dflt)
{
    if (l->n == 0)
        return dflt;
    return span_join(span_join(dflt, l->v[0]->span), l->v[l->n - 1]->span);
}

static void reject_schema_only(struct parser *p, const struct ast_list *body);

static void error_at(struct parser *p, struct span s, const char *msg)
{
    diags_add(p->diags, DIAG_ERROR, "E1001", "InvalidSyntax", s, true, "%s", msg);
    p->failed = true;
}

/* {=====================================================================
 * Expressions
 * ====================================================================} */

struct ast *ast_name(struct parser *p, struct token name)
{
    struct ast *n = node(p, AST_NAME, tspan(p, name));
    if (n)
        n->u.name = name.v.name ? name.v.name : "";
    return n;
}

struct ast *ast_int(struct parser *p, struct token t)
{
    struct ast *n = node(p, AST_INT, tspan(p, t));
    if (n) {
        n->u.num.ival = t.v.i;
        n->u.num.suffix = t.suffix;
    }
    return n;
}

struct ast *ast_float(struct parser *p, struct token t)
{
    struct ast *n = node(p, AST_FLOAT, tspan(p, t));
    if (n)
        n->u.fval = t.v.f;
    return n;
}

struct ast *ast_const(struct parser *p, enum ast_kind kind, struct token t)
{
    return node(p, kind, tspan(p, t));
}

struct ast *ast_paren(struct parser *p, struct token lp, struct ast *e, struct token rp)
{
    struct ast *n = node(p, AST_PAREN, span_join(tspan(p, lp), tspan(p, rp)));
    if (n)
        n->u.unary.operand = e;
    return n;
}

struct ast *ast_unary(struct parser *p, enum ast_op op, struct token t, struct ast *operand)
{
    struct ast *n = node(p, AST_UNARY, join_tok(p, join(operand, NULL), t));
    if (n) {
        n->u.unary.op = (uint8_t)op;
        n->u.unary.operand = operand;
    }
    return n;
}

struct ast *ast_binary(struct parser *p, enum ast_op op, struct ast *l, struct ast *r)
{
    struct ast *n = node(p, AST_BINARY, join(l, r));
    if (n) {
        n->u.binary.op = (uint8_t)op;
        n->u.binary.left = l;
        n->u.binary.right = r;
    }
    return n;
}

/* KCL's comparison loop (parser/expr.rs do_parse_simple_expr) collects every comparison
 * operator met at one precedence-climbing level into one Compare node, so a < b == c is a
 * single chain while a == b < c nests (b < c binds tighter). With Lemon's precedence the
 * left operand of a comparison is an unparenthesised AST_COMPARE exactly when it was built
 * at the same level, so extending it gives the same trees. */
struct ast *ast_compare(struct parser *p, enum ast_op op, struct ast *l, struct ast *r)
{
    if (l && l->kind == AST_COMPARE) {
        uint32_t nops = l->u.compare.operands.n - 1;
        uint8_t *ops = arena_realloc(p->arena, l->u.compare.ops, nops, nops + 1);
        if (!ops) {
            p->oom = true;
            return l;
        }
        ops[nops] = (uint8_t)op;
        l->u.compare.ops = ops;
        push(p, &l->u.compare.operands, r);
        l->span = join(l, r);
        return l;
    }
    struct ast *n = node(p, AST_COMPARE, join(l, r));
    if (!n)
        return NULL;
    n->u.compare.ops = arena_alloc(p->arena, 1);
    if (!n->u.compare.ops) {
        p->oom = true;
        return NULL;
    }
    n->u.compare.ops[0] = (uint8_t)op;
    push(p, &n->u.compare.operands, l);
    push(p, &n->u.compare.operands, r);
    return n;
}

struct ast *ast_as(struct parser *p, struct ast *value, struct ast *dotted)
{
    struct ast *n = node(p, AST_AS, join(value, dotted));
    if (n) {
        n->u.as_expr.value = value;
        n->u.as_expr.type = ast_type_named(p, dotted);
    }
    return n;
}

struct ast *ast_ifexpr(struct parser *p, struct ast *body, struct ast *cond, struct ast *orelse)
{
    struct ast *n = node(p, AST_IFEXPR, join(body, orelse));
    if (n) {
        n->u.ifexpr.body = body;
        n->u.ifexpr.cond = cond;
        n->u.ifexpr.orelse = orelse;
    }
    return n;
}

struct ast *ast_select(struct parser *p, struct ast *value, struct token name, bool optional)
{
    struct ast *n = node(p, AST_SELECT, join_tok(p, join(value, NULL), name));
    if (n) {
        n->u.select.value = value;
        n->u.select.attr = name.v.name ? name.v.name : "";
        n->u.select.optional = optional;
    }
    return n;
}

struct ast *ast_slice_spec(struct parser *p, struct token colon, struct ast *lo, struct ast *hi,
                           struct ast *step)
{
    struct span s = tspan(p, colon);
    if (lo || hi)
        s = span_join(s, join(lo, hi));
    if (step)
        s = span_join(s, step->span);
    struct ast *n = node(p, AST_SLICE, s);
    if (n) {
        n->u.slice.lo = lo;
        n->u.slice.hi = hi;
        n->u.slice.step = step;
    }
    return n;
}

struct ast *ast_subscript(struct parser *p, struct ast *value, struct ast *sub, bool optional,
                          struct token rb)
{
    struct span s = join_tok(p, join(value, NULL), rb);
    if (sub && sub->kind == AST_SLICE && !sub->u.slice.value) {
        sub->u.slice.value = value;
        sub->u.slice.optional = optional;
        sub->span = s;
        return sub;
    }
    struct ast *n = node(p, AST_INDEX, s);
    if (n) {
        n->u.index.value = value;
        n->u.index.index = sub;
        n->u.index.optional = optional;
    }
    return n;
}

struct ast *ast_call(struct parser *p, struct ast *func, struct ast_list args, struct token rp)
{
    struct ast *n = node(p, AST_CALL, join_tok(p, join(func, NULL), rp));
    if (n) {
        n->u.call.func = func;
        n->u.call.args = args;
    }
    return n;
}

struct ast *ast_kwarg(struct parser *p, struct token name, struct ast *value)
{
    struct ast *n = node(p, AST_KWARG, span_join(tspan(p, name), join(value, NULL)));
    if (n) {
        n->u.kwarg.name = name.v.name ? name.v.name : "";
        n->u.kwarg.value = value;
    }
    return n;
}

struct ast_list ast_args_add(struct parser *p, struct ast_list l, struct ast *arg)
{
    if (arg && arg->kind != AST_KWARG && l.n > 0 && l.v[l.n - 1]->kind == AST_KWARG)
        error_at(p, arg->span, "positional argument follows keyword argument");
    else if (arg && arg->kind == AST_KWARG)
        for (uint32_t i = 0; i < l.n; i++)
            if (l.v[i]->kind == AST_KWARG && !strcmp(l.v[i]->u.kwarg.name, arg->u.kwarg.name)) {
                const char *m =
                    arena_printf(p->arena, "keyword argument repeated: %s", arg->u.kwarg.name);
                error_at(p, arg->span, m ? m : "keyword argument repeated");
            }
    push(p, &l, arg);
    return l;
}

struct ast *ast_list_expr(struct parser *p, struct token lb, const struct ast_list *items,
                          struct token rb)
{
    struct ast *n = node(p, AST_LIST, span_join(tspan(p, lb), tspan(p, rb)));
    if (n && items)
        n->u.list.items = *items;
    return n;
}

struct ast *ast_starred(struct parser *p, struct token star, struct ast *e)
{
    struct ast *n = node(p, AST_STARRED, join_tok(p, join(e, NULL), star));
    if (n)
        n->u.unary.operand = e;
    return n;
}

struct ast *ast_list_comp(struct parser *p, struct token lb, struct ast *elt,
                          struct ast_list clauses, struct token rb)
{
    struct ast *n = node(p, AST_LIST_COMP, span_join(tspan(p, lb), tspan(p, rb)));
    if (n) {
        n->u.comp.elt = elt;
        n->u.comp.clauses = clauses;
    }
    return n;
}

struct ast *ast_config(struct parser *p, struct token lb, const struct ast_list *entries,
                       struct token rb)
{
    struct ast *n = node(p, AST_CONFIG, span_join(tspan(p, lb), tspan(p, rb)));
    if (n && entries)
        n->u.config.entries = *entries;
    return n;
}

struct ast *ast_entry(struct parser *p, struct ast *key, enum entry_op op, struct ast *value)
{
    struct ast *n = node(p, AST_ENTRY, join(key, value));
    if (n) {
        n->u.entry.key = key;
        n->u.entry.op = (uint8_t)op;
        n->u.entry.value = value;
    }
    return n;
}

struct ast *ast_entry_unpack(struct parser *p, struct token pow, struct ast *value)
{
    struct ast *n = node(p, AST_ENTRY, join_tok(p, join(value, NULL), pow));
    if (n) {
        n->u.entry.op = ENTRY_UNPACK;
        n->u.entry.value = value;
    }
    return n;
}

struct ast *ast_dict_comp(struct parser *p, struct token lb, struct ast *entry,
                          struct ast_list clauses, struct token rb)
{
    struct ast *n = node(p, AST_DICT_COMP, span_join(tspan(p, lb), tspan(p, rb)));
    if (n) {
        n->u.comp.elt = entry;
        n->u.comp.clauses = clauses;
    }
    return n;
}

struct ast *ast_comp_items(struct parser *p, enum ast_kind kind, struct token lb,
                           const struct ast_list *items, struct ast_list clauses, struct token rb)
{
    bool list = kind == AST_LIST_COMP;
    struct span at = clauses.n && clauses.v[0] ? clauses.v[0]->span : tspan(p, rb);
    at.hi = at.lo + 3; /* the 'for' */
    uint32_t n = items ? items->n : 0;
    struct ast *elt = n == 1 ? items->v[0] : NULL;
    if (n == 0) {
        error_at(p, at,
                 "expected one of [\"identifier\", \"literal\", \"(\", \"[\", \"{\"] got for");
        return NULL;
    }
    if (n > 1) {
        error_at(p, at, list ? "list multiple items found" : "config multiple entries found");
        return NULL;
    }
    if (!elt || (list ? elt->kind == AST_STARRED || elt->kind == AST_LIST_IF
                      : elt->kind != AST_ENTRY || elt->u.entry.op == ENTRY_UNPACK)) {
        error_at(p, at,
                 list ? "expected one of [\"]\"] got for" : "expected one of [\"}\"] got for");
        return NULL;
    }
    return list ? ast_list_comp(p, lb, elt, clauses, rb) : ast_dict_comp(p, lb, elt, clauses, rb);
}

struct ast *ast_cond_if(struct parser *p, enum ast_kind kind, struct token t, struct ast *cond,
                        struct ast_list items, struct token end)
{
    struct span s = join_tok(p, list_span(&items, tspan(p, t)), end);
    struct ast *n = node(p, kind, s);
    if (n) {
        n->u.cond_items.cond = cond;
        n->u.cond_items.items = items;
    }
    return n;
}

struct ast *ast_cond_elif(struct parser *p, struct ast *head, struct token t, struct ast *cond,
                          struct ast_list items, struct token end)
{
    if (!head)
        return NULL;
    struct ast *last = head;
    while (last->u.cond_items.orelse)
        last = last->u.cond_items.orelse;
    if (!last->u.cond_items.cond && last != head)
        error_at(p, tspan(p, t), cond ? "'elif' after 'else'" : "'else' after 'else'");
    struct ast *n = ast_cond_if(p, (enum ast_kind)head->kind, t, cond, items, end);
    if (n) {
        last->u.cond_items.orelse = n;
        head->span = span_join(head->span, n->span);
    }
    return head;
}

/* Loop variables: one or two plain names (KCL reports the others as compile errors). */
static void loop_vars(struct parser *p, struct ast_list vars, const char **key, const char **value,
                      struct span *key_span, struct span *value_span)
{
    *key = *value = NULL;
    for (uint32_t i = 0; i < vars.n; i++) {
        struct ast *v = vars.v[i];
        if (v->kind != AST_NAME) {
            diags_add(p->diags, DIAG_ERROR, "E2L23", "CompileError", v->span, true,
                      "loop variables can only be ordinary identifiers");
            continue;
        }
        if (i == 0) {
            *key = v->u.name;
            *key_span = v->span;
        } else if (i == 1) {
            *value = v->u.name;
            *value_span = v->span;
        }
    }
    if (vars.n > 2) {
        /* KCL points right after the second variable */
        struct span s = {vars.v[1]->span.file, vars.v[1]->span.hi, vars.v[1]->span.hi};
        diags_add(p->diags, DIAG_ERROR, "E2L23", "CompileError", s, true,
                  "the number of loop variables is %u, which can only be 1 or 2", (unsigned)vars.n);
    }
    if (!*key)
        *key = "";
}

struct ast *ast_comp_for(struct parser *p, struct token t, struct ast_list vars, struct ast *iter)
{
    struct ast *n = node(p, AST_COMP_FOR, join_tok(p, join(iter, NULL), t));
    if (n) {
        loop_vars(p, vars, &n->u.comp_for.key, &n->u.comp_for.value, &n->u.comp_for.key_span,
                  &n->u.comp_for.value_span);
        n->u.comp_for.iter = iter;
    }
    return n;
}

struct ast *ast_comp_if(struct parser *p, struct ast *comp_for, struct ast *cond)
{
    if (!comp_for)
        return NULL;
    push(p, &comp_for->u.comp_for.ifs, cond);
    comp_for->span = join(comp_for, cond);
    return comp_for;
}

/* pkg.Name: an AST_NAME or a chain of non-optional AST_SELECT ending in one. */
static bool is_dotted(const struct ast *n)
{
    while (n && n->kind == AST_SELECT && !n->u.select.optional)
        n = n->u.select.value;
    return n && n->kind == AST_NAME;
}

struct ast *ast_schema_expr(struct parser *p, struct ast *name, struct ast *config)
{
    struct ast *n = node(p, AST_SCHEMA_EXPR, join(name, config));
    if (!n)
        return NULL;
    if (name && name->kind == AST_CALL) {
        n->u.schema_expr.args = name->u.call.args;
        n->u.schema_expr.has_args = true;
        name = name->u.call.func;
    }
    if (name && !is_dotted(name))
        error_at(p, name->span, "invalid schema expression: a schema name is expected before '{'");
    n->u.schema_expr.name = name;
    n->u.schema_expr.config = config;
    return n;
}

struct ast *ast_lambda_head(struct parser *p, struct token t, const struct ast_list *params,
                            struct ast *ret)
{
    struct ast *n = node(p, AST_LAMBDA, tspan(p, t));
    p->brace_hint = BRACE_STMTS;
    if (n) {
        if (params)
            n->u.lambda.params = *params;
        n->u.lambda.ret = ret;
    }
    return n;
}

struct ast *ast_lambda(struct parser *p, struct ast *head, struct ast_list body, struct token rb)
{
    if (!head)
        return NULL;
    reject_schema_only(p, &body);
    head->u.lambda.body = body;
    head->span = join_tok(p, head->span, rb);
    return head;
}

struct ast *ast_quant_head(struct parser *p, enum quant_kind kind, struct token t,
                           struct ast_list vars, struct ast *target)
{
    struct ast *n = node(p, AST_QUANT, join_tok(p, join(target, NULL), t));
    p->brace_hint = BRACE_FLAT;
    if (n) {
        n->u.quant.kind = (uint8_t)kind;
        loop_vars(p, vars, &n->u.quant.key, &n->u.quant.value, &n->u.quant.key_span,
                  &n->u.quant.value_span);
        n->u.quant.target = target;
    }
    return n;
}

struct ast *ast_quant(struct parser *p, struct ast *head, struct ast *test, struct ast *cond,
                      struct token rb)
{
    if (!head)
        return NULL;
    head->u.quant.test = test;
    head->u.quant.cond = cond;
    head->span = join_tok(p, head->span, rb);
    return head;
}

/* {=====================================================================
 * Types
 * ====================================================================} */

const char *ast_dotted_string(struct parser *p, const struct ast *dotted)
{
    if (!is_dotted(dotted))
        return NULL;
    size_t len = 0;
    for (const struct ast *n = dotted; n->kind == AST_SELECT; n = n->u.select.value)
        len += strlen(n->u.select.attr) + 1;
    const struct ast *base = dotted;
    while (base->kind == AST_SELECT)
        base = base->u.select.value;
    if (base == dotted)
        return base->u.name;
    len += strlen(base->u.name);
    char *s = arena_alloc(p->arena, len + 1);
    if (!s) {
        p->oom = true;
        return NULL;
    }
    s[len] = '\0';
    size_t end = len;
    for (const struct ast *n = dotted; n->kind == AST_SELECT; n = n->u.select.value) {
        size_t k = strlen(n->u.select.attr);
        end -= k;
        memcpy(s + end, n->u.select.attr, k);
        s[--end] = '.';
    }
    memcpy(s, base->u.name, end);
    return s;
}

struct ast *ast_type_any(struct parser *p, struct token t)
{
    return node(p, AST_TYPE_ANY, tspan(p, t));
}

struct ast *ast_type_named(struct parser *p, struct ast *dotted)
{
    struct ast *n = node(p, AST_TYPE_NAMED, join(dotted, NULL));
    if (n) {
        const char *s = ast_dotted_string(p, dotted);
        n->u.type_named.name = s ? s : "";
    }
    return n;
}

struct ast *ast_type_list(struct parser *p, struct token lb, struct ast *elem, struct token rb)
{
    struct ast *n = node(p, AST_TYPE_LIST, span_join(tspan(p, lb), tspan(p, rb)));
    if (n)
        n->u.type_list.elem = elem;
    return n;
}

struct ast *ast_type_dict(struct parser *p, struct token lb, struct ast *key, struct ast *value,
                          struct token rb)
{
    struct ast *n = node(p, AST_TYPE_DICT, span_join(tspan(p, lb), tspan(p, rb)));
    if (n) {
        n->u.type_dict.key = key;
        n->u.type_dict.value = value;
    }
    return n;
}

struct ast *ast_type_union(struct parser *p, struct ast *l, struct ast *r)
{
    if (l && l->kind == AST_TYPE_UNION) {
        push(p, &l->u.type_union.types, r);
        l->span = join(l, r);
        return l;
    }
    struct ast *n = node(p, AST_TYPE_UNION, join(l, r));
    if (n) {
        push(p, &n->u.type_union.types, l);
        push(p, &n->u.type_union.types, r);
    }
    return n;
}

struct ast *ast_type_literal(struct parser *p, struct ast *value)
{
    struct ast *n = node(p, AST_TYPE_LITERAL, join(value, NULL));
    if (n)
        n->u.type_lit.value = value;
    return n;
}

struct ast *ast_type_func(struct parser *p, struct token lp, const struct ast_list *params,
                          struct token rp, struct ast *ret)
{
    struct span s = span_join(tspan(p, lp), tspan(p, rp));
    if (ret)
        s = span_join(s, ret->span);
    struct ast *n = node(p, AST_TYPE_FUNC, s);
    if (n) {
        if (params)
            n->u.type_func.params = *params;
        n->u.type_func.ret = ret;
    }
    return n;
}

/* {=====================================================================
 * Statements
 * ====================================================================} */

/* A triple-quoted string used as a statement: a docstring candidate. */
static const struct strlit *docstring_of(const struct ast *stmt)
{
    if (!stmt || stmt->kind != AST_EXPR_STMT)
        return NULL;
    const struct ast *e = stmt->u.expr_stmt.value;
    if (!e || e->kind != AST_STR || !e->u.str.lit || !e->u.str.lit->triple)
        return NULL;
    return e->u.str.lit;
}

/* Attribute declarations ("name: T", "name?: T", "\"key\": T", index signatures) are only
 * statements of a schema body; elsewhere KCL rejects them while parsing. */
static void reject_schema_only(struct parser *p, const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        const struct ast *n = body->v[i];
        if (n->kind == AST_SCHEMA_ATTR && !n->u.attr.value && !n->u.attr.optional &&
            !n->u.attr.is_str_key && n->u.attr.decorators.n == 0) {
            struct span s = {n->span.file, n->span.hi, n->span.hi};
            error_at(p, s, "expected one of [\"=\"] got newline");
        } else if (n->kind == AST_SCHEMA_ATTR) {
            error_at(p, n->span, "attributes can only be declared in a schema body");
        } else if (n->kind == AST_INDEX_SIG) {
            error_at(p, n->span, "index signatures can only be declared in a schema body");
        }
    }
}

struct ast *ast_module(struct parser *p, struct ast_list body)
{
    struct span s = {p->src->id, 0, p->src->len};
    struct ast *n = node(p, AST_MODULE, s);
    if (!n)
        return NULL;
    n->u.module.filename = p->src->path;
    uint32_t first = 0;
    /* Only a triple-quoted string that is the very first token of the file. */
    if (body.n > 0 && docstring_of(body.v[0]) && p->ntoks > 0 && p->toks[0].kind == TK_STRING &&
        p->toks[0].lo == body.v[0]->span.lo) {
        n->u.module.doc = docstring_of(body.v[0]);
        n->u.module.doc_span = body.v[0]->span;
        first = 1;
    }
    if (first) { /* (an empty body's v is NULL, where even + 0 is undefined) */
        body.v += first;
        body.n -= first;
        body.cap -= first;
    }
    reject_schema_only(p, &body);
    n->u.module.body = body;
    return n;
}

struct ast *ast_expr_stmt(struct parser *p, struct ast *e)
{
    struct ast *n = node(p, AST_EXPR_STMT, join(e, NULL));
    if (n)
        n->u.expr_stmt.value = e;
    return n;
}

bool ast_is_target(const struct ast *n)
{
    for (;;) {
        if (!n)
            return false;
        switch ((enum ast_kind)n->kind) {
        case AST_NAME:
            return true;
        case AST_SELECT:
            if (n->u.select.optional)
                return false;
            n = n->u.select.value;
            break;
        case AST_INDEX:
            if (n->u.index.optional)
                return false;
            n = n->u.index.value;
            break;
        default:
            return false;
        }
    }
}

const char *ast_kcl_expr_name(const struct ast *n)
{
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        return "Identifier";
    case AST_UNARY:
        return "UnaryExpression";
    case AST_BINARY:
    case AST_AS:
        return "BinaryExpression";
    case AST_IFEXPR:
        return "IfExpression";
    case AST_SELECT:
        return "SelectorExpression";
    case AST_CALL:
        return "CallExpression";
    case AST_PAREN:
        return "ParenExpression";
    case AST_QUANT:
        return "QuantExpression";
    case AST_LIST:
        return "ListExpression";
    case AST_LIST_COMP:
        return "ListComprehension";
    case AST_STARRED:
        return "StarredExpression";
    case AST_DICT_COMP:
        return "DictComprehension";
    case AST_SCHEMA_EXPR:
        return "SchemaExpression";
    case AST_CONFIG:
        return "ConfigExpression";
    case AST_LAMBDA:
        return "LambdaExpression";
    case AST_INDEX:
    case AST_SLICE:
        return "SubscriptExpression";
    case AST_COMPARE:
        return "CompareExpression";
    case AST_INT:
    case AST_FLOAT:
        return "NumberLiteral";
    case AST_STR:
        return n->u.str.lit && n->u.str.lit->has_expr ? "JoinedString" : "StringLiteral";
    case AST_TRUE:
    case AST_FALSE:
    case AST_NONE:
    case AST_UNDEFINED:
        return "NameConstantLiteral";
    default:
        return "Expression";
    }
}

struct ast *ast_assign(struct parser *p, struct ast_list targets, struct ast *type,
                       struct ast *value)
{
    struct ast *n = node(p, AST_ASSIGN, list_span(&targets, join(value, NULL)));
    if (!n)
        return NULL;
    n->u.assign.targets = targets;
    n->u.assign.type = type;
    n->u.assign.value = value;
    return n;
}

struct ast *ast_ann_assign(struct parser *p, struct token name, struct ast *type, struct ast *value)
{
    return ast_assign(p, ast_list_one(p, ast_name(p, name)), type, value);
}

struct ast *ast_aug_assign(struct parser *p, struct ast *target, int op, struct ast *value)
{
    struct ast *n = node(p, AST_AUG_ASSIGN, join(target, value));
    if (!n)
        return NULL;
    n->u.aug.target = target;
    n->u.aug.op = (uint8_t)op;
    n->u.aug.value = value;
    return n;
}

struct ast *ast_unify(struct parser *p, struct token name, struct ast *dotted,
                      const struct ast_list *args, struct ast *config)
{
    struct ast *target = ast_name(p, name);
    struct ast *se = node(p, AST_SCHEMA_EXPR, join(dotted, config));
    struct ast *n = node(p, AST_UNIFY, span_join(tspan(p, name), join(config, NULL)));
    if (!se || !n)
        return NULL;
    se->u.schema_expr.name = dotted;
    if (args) {
        se->u.schema_expr.args = *args;
        se->u.schema_expr.has_args = true;
    }
    se->u.schema_expr.config = config;
    n->u.unify.target = target;
    n->u.unify.value = se;
    return n;
}

struct ast *ast_import(struct parser *p, struct token t, uint32_t level, struct ast *dotted,
                       const struct token *alias)
{
    struct span s = span_join(tspan(p, t), join(dotted, NULL));
    if (alias)
        s = join_tok(p, s, *alias);
    struct ast *n = node(p, AST_IMPORT, s);
    if (!n)
        return NULL;
    const char *path = ast_dotted_string(p, dotted);
    n->u.import.path = path ? path : "";
    n->u.import.level = level;
    n->u.import.alias = alias && alias->v.name ? alias->v.name : NULL;
    if (n->u.import.alias) {
        n->u.import.asname = n->u.import.alias;
    } else {
        const char *dot = strrchr(n->u.import.path, '.');
        n->u.import.asname = dot ? dot + 1 : n->u.import.path;
    }
    return n;
}

struct ast *ast_type_alias(struct parser *p, struct token t, struct token name, struct ast *type)
{
    struct ast *n = node(p, AST_TYPE_ALIAS, span_join(tspan(p, t), join(type, NULL)));
    if (n) {
        n->u.type_alias.name = name.v.name ? name.v.name : "";
        n->u.type_alias.type = type;
    }
    return n;
}

struct ast *ast_check_expr(struct parser *p, struct ast *test, struct ast *cond, struct ast *msg)
{
    struct span s = join(test, cond);
    if (msg)
        s = span_join(s, msg->span);
    struct ast *n = node(p, AST_CHECK_EXPR, s);
    if (n) {
        n->u.check_expr.test = test;
        n->u.check_expr.cond = cond;
        n->u.check_expr.msg = msg;
    }
    return n;
}

struct ast *ast_assert(struct parser *p, struct token t, struct ast *check)
{
    if (!check)
        return NULL;
    check->kind = AST_ASSERT;
    check->span = join_tok(p, check->span, t);
    return check;
}

struct ast *ast_if(struct parser *p, struct token t, struct ast *cond, struct ast_list body)
{
    reject_schema_only(p, &body);
    struct ast *n = node(p, AST_IF, list_span(&body, tspan(p, t)));
    if (n) {
        n->u.if_stmt.cond = cond;
        n->u.if_stmt.body = body;
    }
    return n;
}

/* The last 'if' of an if/elif chain (an elif is the only AST_IF in its parent's orelse). */
static struct ast *last_elif(struct ast *head)
{
    while (head->u.if_stmt.orelse.n == 1 && head->u.if_stmt.orelse.v[0]->kind == AST_IF)
        head = head->u.if_stmt.orelse.v[0];
    return head;
}

struct ast *ast_if_elif(struct parser *p, struct ast *head, struct token t, struct ast *cond,
                        struct ast_list body)
{
    if (!head)
        return NULL;
    struct ast *n = ast_if(p, t, cond, body);
    if (n) {
        push(p, &last_elif(head)->u.if_stmt.orelse, n);
        head->span = span_join(head->span, n->span);
    }
    return head;
}

struct ast *ast_if_else(struct parser *p, struct ast *head, struct ast_list body)
{
    if (!head)
        return NULL;
    reject_schema_only(p, &body);
    last_elif(head)->u.if_stmt.orelse = body;
    head->span = list_span(&body, head->span);
    return head;
}

/* The text of a string token used as a name ("my-key": T). */
static const char *string_name(struct parser *p, struct token t)
{
    const struct strlit *lit = t.v.str;
    if (!lit)
        return "";
    size_t len = 0;
    for (uint32_t i = 0; i < lit->nparts; i++) {
        if (lit->parts[i].kind != STRPART_TEXT) {
            error_at(p, tspan(p, t), "string interpolation is not allowed in a name");
            return "";
        }
        len += lit->parts[i].len;
    }
    if (lit->nparts == 1)
        return lit->parts[0].text;
    char *s = arena_alloc(p->arena, len + 1);
    if (!s) {
        p->oom = true;
        return "";
    }
    len = 0;
    for (uint32_t i = 0; i < lit->nparts; i++) {
        memcpy(s + len, lit->parts[i].text, lit->parts[i].len);
        len += lit->parts[i].len;
    }
    s[len] = '\0';
    return s;
}

struct ast *ast_attr(struct parser *p, struct token name, bool optional, struct ast *type, int op,
                     struct ast *value)
{
    struct span s = span_join(tspan(p, name), join(type, value));
    struct ast *n = node(p, AST_SCHEMA_ATTR, s);
    if (!n)
        return NULL;
    n->u.attr.is_str_key = name.kind == TK_STRING;
    n->u.attr.name = n->u.attr.is_str_key ? string_name(p, name) : (name.v.name ? name.v.name : "");
    n->u.attr.optional = optional;
    n->u.attr.type = type;
    n->u.attr.value = value;
    n->u.attr.op = ENTRY_OVERRIDE;
    n->u.attr.aug_op = OP_NONE;
    if (value && op == OP_ADD)
        n->u.attr.op = ENTRY_INSERT;
    else if (value && op != OP_NONE)
        n->u.attr.aug_op = (uint8_t)op;
    return n;
}

/* An annotated assignment "name: T = v" as the attribute it declares in a schema body. */
static struct ast *attr_of_assign(struct parser *p, struct ast *a)
{
    if (!a || a->kind != AST_ASSIGN || !a->u.assign.type || a->u.assign.targets.n != 1 ||
        a->u.assign.targets.v[0]->kind != AST_NAME)
        return NULL;
    struct ast *n = node(p, AST_SCHEMA_ATTR, a->span);
    if (!n)
        return NULL;
    n->u.attr.name = a->u.assign.targets.v[0]->u.name;
    n->u.attr.type = a->u.assign.type;
    n->u.attr.value = a->u.assign.value;
    n->u.attr.op = ENTRY_OVERRIDE;
    n->u.attr.aug_op = OP_NONE;
    return n;
}

struct ast *ast_index_key(struct parser *p, const struct token *name, bool any_other,
                          struct ast *type)
{
    struct ast *n = node(p, AST_INDEX_SIG, join(type, NULL));
    if (n) {
        n->u.index_sig.key_name = name && name->v.name ? name->v.name : NULL;
        n->u.index_sig.any_other = any_other;
        n->u.index_sig.key_type = type;
    }
    return n;
}

struct ast *ast_index_sig(struct parser *p, struct token lb, struct ast *key,
                          struct ast *value_type, struct ast *value)
{
    if (!key)
        return NULL;
    key->span = span_join(tspan(p, lb), join(value_type, value));
    key->u.index_sig.value_type = value_type;
    key->u.index_sig.value = value;
    return key;
}

struct ast *ast_param(struct parser *p, struct token name, struct ast *type, struct ast *value)
{
    struct span s = tspan(p, name);
    if (type || value) /* join() of nothing is the empty span at offset 0 */
        s = span_join(s, join(type, value));
    struct ast *n = node(p, AST_PARAM, s);
    if (n) {
        n->u.param.name = name.v.name ? name.v.name : "";
        n->u.param.type = type;
        n->u.param.value = value;
    }
    return n;
}

struct ast *ast_decorator(struct parser *p, struct token at, struct ast *name,
                          const struct ast_list *args, const struct token *rp)
{
    struct span s = span_join(tspan(p, at), join(name, NULL));
    if (rp)
        s = join_tok(p, s, *rp);
    struct ast *n = node(p, AST_DECORATOR, s);
    if (n) {
        n->u.decorator.name = name;
        if (args) {
            n->u.decorator.args = *args;
            n->u.decorator.has_args = true;
        }
    }
    return n;
}

struct ast *ast_decorate(struct parser *p, struct ast_list decorators, struct ast *n)
{
    if (!n)
        return NULL;
    if (n->kind == AST_ASSIGN) {
        struct ast *a = attr_of_assign(p, n);
        if (a)
            n = a;
    }
    if (n->kind != AST_SCHEMA_ATTR) {
        if (decorators.n > 0)
            error_at(p, decorators.v[0]->span,
                     "decorators can only be applied to schemas, rules and schema attributes");
        return n;
    }
    n->u.attr.decorators = decorators;
    if (decorators.n > 0)
        n->span = span_join(n->span, decorators.v[0]->span);
    return n;
}

static struct ast *schema_node(struct parser *p, enum ast_kind kind,
                               const struct ast_list *decorators, struct token kw,
                               struct token name, struct ast_list params, struct ast *for_host)
{
    struct span s = span_join(tspan(p, kw), tspan(p, name));
    if (decorators && decorators->n > 0)
        s = span_join(s, decorators->v[0]->span);
    struct ast *n = node(p, kind, s);
    if (!n)
        return NULL;
    n->u.schema.name = name.v.name ? name.v.name : "";
    if (decorators)
        n->u.schema.decorators = *decorators;
    n->u.schema.params = params;
    n->u.schema.for_host = for_host;
    return n;
}

struct ast *ast_schema(struct parser *p, const struct ast_list *decorators, struct token kw,
                       struct token name, struct ast_list params, struct ast *parent,
                       struct ast *for_host)
{
    struct ast *n = schema_node(p, AST_SCHEMA, decorators, kw, name, params, for_host);
    if (!n)
        return NULL;
    n->u.schema.kind = kw.kind == TK_MIXIN      ? SCHEMA_MIXIN
                       : kw.kind == TK_PROTOCOL ? SCHEMA_PROTOCOL
                                                : SCHEMA_PLAIN;
    push(p, &n->u.schema.parents, parent);
    return n;
}

struct ast *ast_rule(struct parser *p, const struct ast_list *decorators, struct token kw,
                     struct token name, struct ast_list params, struct ast_list parents,
                     struct ast *for_host)
{
    struct ast *n = schema_node(p, AST_RULE, decorators, kw, name, params, for_host);
    if (n) {
        n->u.schema.is_rule = true;
        n->u.schema.parents = parents;
    }
    return n;
}

struct ast *ast_schema_add(struct parser *p, struct ast *schema, struct ast *stmt)
{
    if (!schema || !stmt)
        return schema;
    schema->span = span_join(schema->span, stmt->span);
    if (schema->u.schema.body.n == 0 && !schema->u.schema.doc && docstring_of(stmt)) {
        schema->u.schema.doc = docstring_of(stmt);
        schema->u.schema.doc_span = stmt->span;
        return schema;
    }
    if (stmt->kind == AST_ASSIGN) {
        struct ast *a = attr_of_assign(p, stmt);
        if (a)
            stmt = a;
    }
    if (stmt->kind == AST_IMPORT || stmt->kind == AST_SCHEMA || stmt->kind == AST_RULE ||
        stmt->kind == AST_TYPE_ALIAS)
        error_at(p, stmt->span,
                 stmt->kind == AST_IMPORT       ? "'import' is not allowed in a schema body"
                 : stmt->kind == AST_TYPE_ALIAS ? "'type' is not allowed in a schema body"
                                                : "schemas and rules cannot be nested");
    if (stmt->kind == AST_INDEX_SIG) {
        for (uint32_t i = 0; i < schema->u.schema.body.n; i++)
            if (schema->u.schema.body.v[i]->kind == AST_INDEX_SIG) {
                error_at(p, stmt->span,
                         "duplicate schema index signature definitions, only one is allowed "
                         "in the schema");
                break;
            }
    }
    push(p, &schema->u.schema.body, stmt);
    return schema;
}

struct ast *ast_schema_mixins(struct parser *p, struct ast *schema, struct token t,
                              struct ast_list names)
{
    if (!schema)
        return NULL;
    schema->span = join_tok(p, schema->span, t);
    for (uint32_t i = 0; i < names.n; i++)
        push(p, &schema->u.schema.mixins, names.v[i]);
    return schema;
}

struct ast *ast_schema_check(struct parser *p, struct ast *schema, struct ast *check)
{
    if (!schema || !check)
        return schema;
    schema->span = span_join(schema->span, check->span);
    /* A rule's docstring is parsed as its first check expression. */
    if (schema->u.schema.is_rule && schema->u.schema.checks.n == 0 && !schema->u.schema.doc &&
        !check->u.check_expr.cond && !check->u.check_expr.msg) {
        const struct ast *e = check->u.check_expr.test;
        if (e && e->kind == AST_STR && e->u.str.lit && e->u.str.lit->triple) {
            schema->u.schema.doc = e->u.str.lit;
            schema->u.schema.doc_span = e->span;
            return schema;
        }
    }
    push(p, &schema->u.schema.checks, check);
    return schema;
}

struct ast *ast_schema_end(struct parser *p, struct ast *schema)
{
    (void)p;
    return schema;
}

/* {=====================================================================
 * Names
 * ====================================================================} */

static const char *const kind_names[AST_KIND_COUNT] = {
    [AST_NAME] = "name",
    [AST_INT] = "int",
    [AST_FLOAT] = "float",
    [AST_STR] = "str",
    [AST_TRUE] = "true",
    [AST_FALSE] = "false",
    [AST_NONE] = "none",
    [AST_UNDEFINED] = "undefined",
    [AST_PAREN] = "paren",
    [AST_UNARY] = "unary",
    [AST_BINARY] = "binary",
    [AST_COMPARE] = "compare",
    [AST_AS] = "as",
    [AST_IFEXPR] = "ifexpr",
    [AST_SELECT] = "select",
    [AST_INDEX] = "index",
    [AST_SLICE] = "slice",
    [AST_CALL] = "call",
    [AST_KWARG] = "kwarg",
    [AST_LIST] = "list",
    [AST_STARRED] = "starred",
    [AST_LIST_IF] = "list_if",
    [AST_LIST_COMP] = "list_comp",
    [AST_CONFIG] = "config",
    [AST_ENTRY] = "entry",
    [AST_CONFIG_IF] = "config_if",
    [AST_DICT_COMP] = "dict_comp",
    [AST_COMP_FOR] = "comp_for",
    [AST_SCHEMA_EXPR] = "schema_expr",
    [AST_LAMBDA] = "lambda",
    [AST_QUANT] = "quant",
    [AST_MODULE] = "module",
    [AST_EXPR_STMT] = "expr_stmt",
    [AST_ASSIGN] = "assign",
    [AST_AUG_ASSIGN] = "aug_assign",
    [AST_UNIFY] = "unify",
    [AST_IMPORT] = "import",
    [AST_TYPE_ALIAS] = "type_alias",
    [AST_ASSERT] = "assert",
    [AST_IF] = "if",
    [AST_SCHEMA] = "schema",
    [AST_RULE] = "rule",
    [AST_SCHEMA_ATTR] = "schema_attr",
    [AST_INDEX_SIG] = "index_sig",
    [AST_CHECK_EXPR] = "check_expr",
    [AST_DECORATOR] = "decorator",
    [AST_TYPE_ANY] = "type_any",
    [AST_TYPE_NAMED] = "type_named",
    [AST_TYPE_LIST] = "type_list",
    [AST_TYPE_DICT] = "type_dict",
    [AST_TYPE_UNION] = "type_union",
    [AST_TYPE_LITERAL] = "type_literal",
    [AST_TYPE_FUNC] = "type_func",
    [AST_PARAM] = "param",
};

const char *ast_kind_name(enum ast_kind kind)
{
    if ((unsigned)kind >= AST_KIND_COUNT || !kind_names[kind])
        return "?";
    return kind_names[kind];
}

static const char *const op_names[OP_COUNT] = {
    [OP_NONE] = "",         [OP_NEG] = "-",       [OP_POS] = "+",         [OP_INVERT] = "~",
    [OP_NOT] = "not",       [OP_ADD] = "+",       [OP_SUB] = "-",         [OP_MUL] = "*",
    [OP_DIV] = "/",         [OP_FLOORDIV] = "//", [OP_MOD] = "%",         [OP_POW] = "**",
    [OP_LSHIFT] = "<<",     [OP_RSHIFT] = ">>",   [OP_BITAND] = "&",      [OP_BITOR] = "|",
    [OP_BITXOR] = "^",      [OP_AND] = "and",     [OP_OR] = "or",         [OP_EQ] = "==",
    [OP_NE] = "!=",         [OP_LT] = "<",        [OP_LE] = "<=",         [OP_GT] = ">",
    [OP_GE] = ">=",         [OP_IN] = "in",       [OP_NOT_IN] = "not in", [OP_IS] = "is",
    [OP_IS_NOT] = "is not",
};

const char *ast_op_name(enum ast_op op)
{
    if ((unsigned)op >= OP_COUNT || !op_names[op])
        return "?";
    return op_names[op];
}

/* {=====================================================================
 * JSON dump: {"kind": "...", "span": [lo, hi], field: value, ...}. Lists are arrays, absent
 * children null, names and operators strings.
 * ====================================================================} */

struct jw {
    const struct source *src; /* of the tree: undecoded docstrings are decoded from it */
    ast_write_fn w;
    void *ud;
    int err;
    char buf[512];
    size_t n;
};

static void jw_flush(struct jw *j)
{
    if (j->n && !j->err && j->w(j->ud, j->buf, j->n))
        j->err = 1;
    j->n = 0;
}

static void jw_raw(struct jw *j, const char *s, size_t len)
{
    while (len > 0) {
        if (j->n == sizeof j->buf)
            jw_flush(j);
        size_t k = sizeof j->buf - j->n;
        if (k > len)
            k = len;
        memcpy(j->buf + j->n, s, k);
        j->n += k;
        s += k;
        len -= k;
    }
}

static void jw_s(struct jw *j, const char *s)
{
    jw_raw(j, s, strlen(s));
}

/* The body of a JSON string (no quotes). */
static void jw_escaped(struct jw *j, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            jw_raw(j, esc, 2);
        } else if (c == '\n') {
            jw_raw(j, "\\n", 2);
        } else if (c == '\t') {
            jw_raw(j, "\\t", 2);
        } else if (c == '\r') {
            jw_raw(j, "\\r", 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            jw_raw(j, esc, 6);
        } else {
            jw_raw(j, &s[i], 1);
        }
    }
}

static void jw_str_n(struct jw *j, const char *s, size_t len)
{
    jw_raw(j, "\"", 1);
    jw_escaped(j, s, len);
    jw_raw(j, "\"", 1);
}

static void jw_str(struct jw *j, const char *s)
{
    if (!s)
        jw_s(j, "null");
    else
        jw_str_n(j, s, strlen(s));
}

static void jw_key(struct jw *j, const char *k)
{
    jw_s(j, ", \"");
    jw_s(j, k);
    jw_s(j, "\": ");
}

static void jw_u64(struct jw *j, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%" PRIu64, v);
    jw_s(j, b);
}

static void jw_bool(struct jw *j, bool b)
{
    jw_s(j, b ? "true" : "false");
}

static void dump(struct jw *j, const struct ast *n);

static void dump_list(struct jw *j, const struct ast_list *l)
{
    jw_s(j, "[");
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            jw_s(j, ", ");
        dump(j, l->v[i]);
    }
    jw_s(j, "]");
}

static void field(struct jw *j, const char *k, const struct ast *n)
{
    jw_key(j, k);
    dump(j, n);
}

static void field_list(struct jw *j, const char *k, const struct ast_list *l)
{
    jw_key(j, k);
    dump_list(j, l);
}

static void field_str(struct jw *j, const char *k, const char *s)
{
    jw_key(j, k);
    jw_str(j, s);
}

static void field_bool(struct jw *j, const char *k, bool b)
{
    jw_key(j, k);
    jw_bool(j, b);
}

static void field_op(struct jw *j, const char *k, unsigned op)
{
    field_str(j, k, ast_op_name((enum ast_op)op));
}

static void dump_strlit(struct jw *j, const struct strlit *lit, struct ast *const *exprs)
{
    if (!lit) {
        jw_s(j, "null");
        return;
    }

    if (!lit->has_expr) { /* one string: the concatenation of the text parts */
        jw_raw(j, "\"", 1);
        for (uint32_t i = 0; i < lit->nparts; i++)
            if (lit->parts[i].text)
                jw_escaped(j, lit->parts[i].text, lit->parts[i].len);
        jw_raw(j, "\"", 1);
        return;
    }
    jw_s(j, "[");
    for (uint32_t i = 0; i < lit->nparts; i++) {
        if (i)
            jw_s(j, ", ");
        const struct strpart *part = &lit->parts[i];
        if (part->kind == STRPART_TEXT) {
            jw_str_n(j, part->text ? part->text : "", part->len);
        } else {
            jw_s(j, "{\"expr\": ");
            dump(j, exprs ? exprs[i] : NULL);
            if (part->spec != STRSPEC_NONE) {
                jw_key(j, "spec");
                jw_str(j, part->spec == STRSPEC_JSON ? "json" : "yaml");
            }
            jw_s(j, "}");
        }
    }
    jw_s(j, "]");
}

/* A module's or schema's docstring: the lexer leaves it undecoded (no parts) when parsing
 * a whole module, and it is decoded here from the literal at 'span'. */
static void dump_doc(struct jw *j, const struct strlit *lit, struct span span)
{
    if (!lit || lit->nparts > 0 || !j->src) {
        dump_strlit(j, lit, NULL);
        return;
    }
    struct arena tmp;
    arena_init(&tmp, arena_default_alloc, NULL);
    const struct strlit *dec = lex_decode_literal(&tmp, j->src, span.lo, span.hi);
    if (dec)
        dump_strlit(j, dec, NULL);
    else
        j->err = 1;
    arena_free(&tmp);
}

static const char *const unit_names[] = {"",  "n", "u",  "m",  "k",  "K",  "M", "G",
                                         "T", "P", "Ki", "Mi", "Gi", "Ti", "Pi"};

static const char *entry_op_name(unsigned op)
{
    switch (op) {
    case ENTRY_UNION:
        return ":";
    case ENTRY_OVERRIDE:
        return "=";
    case ENTRY_INSERT:
        return "+=";
    default:
        return "**";
    }
}

static void dump(struct jw *j, const struct ast *n)
{
    if (!n) {
        jw_s(j, "null");
        return;
    }
    if (j->err)
        return;
    jw_s(j, "{\"kind\": ");
    jw_str(j, ast_kind_name((enum ast_kind)n->kind));
    jw_s(j, ", \"span\": [");
    jw_u64(j, n->span.lo);
    jw_s(j, ", ");
    jw_u64(j, n->span.hi);
    jw_s(j, "]");
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        field_str(j, "name", n->u.name);
        break;
    case AST_INT: {
        char b[32];
        snprintf(b, sizeof b, "%" PRId64, n->u.num.ival);
        jw_key(j, "value");
        jw_s(j, b);
        if (n->u.num.suffix != UNIT_NONE &&
            n->u.num.suffix < sizeof unit_names / sizeof unit_names[0])
            field_str(j, "suffix", unit_names[n->u.num.suffix]);
        break;
    }
    case AST_FLOAT: {
        char b[40];
        snprintf(b, sizeof b, "%.17g", n->u.fval);
        jw_key(j, "value");
        if (strspn(b, "-0123456789.e+") != strlen(b))
            jw_str(j, b); /* inf / nan */
        else
            jw_s(j, b);
        break;
    }
    case AST_STR:
        jw_key(j, "value");
        dump_strlit(j, n->u.str.lit, n->u.str.exprs);
        if (n->u.str.lit) {
            if (n->u.str.lit->raw)
                field_bool(j, "raw", true);
            if (n->u.str.lit->triple)
                field_bool(j, "triple", true);
        }
        break;
    case AST_TRUE:
    case AST_FALSE:
    case AST_NONE:
    case AST_UNDEFINED:
    case AST_TYPE_ANY:
        break;
    case AST_PAREN:
    case AST_STARRED:
        field(j, "operand", n->u.unary.operand);
        break;
    case AST_UNARY:
        field_op(j, "op", n->u.unary.op);
        field(j, "operand", n->u.unary.operand);
        break;
    case AST_BINARY:
        field_op(j, "op", n->u.binary.op);
        field(j, "left", n->u.binary.left);
        field(j, "right", n->u.binary.right);
        break;
    case AST_COMPARE:
        jw_key(j, "ops");
        jw_s(j, "[");
        for (uint32_t i = 0; i + 1 < n->u.compare.operands.n; i++) {
            if (i)
                jw_s(j, ", ");
            jw_str(j, ast_op_name((enum ast_op)n->u.compare.ops[i]));
        }
        jw_s(j, "]");
        field_list(j, "operands", &n->u.compare.operands);
        break;
    case AST_AS:
        field(j, "value", n->u.as_expr.value);
        field(j, "type", n->u.as_expr.type);
        break;
    case AST_IFEXPR:
        field(j, "body", n->u.ifexpr.body);
        field(j, "cond", n->u.ifexpr.cond);
        field(j, "orelse", n->u.ifexpr.orelse);
        break;
    case AST_SELECT:
        field(j, "value", n->u.select.value);
        field_str(j, "attr", n->u.select.attr);
        if (n->u.select.optional)
            field_bool(j, "optional", true);
        break;
    case AST_INDEX:
        field(j, "value", n->u.index.value);
        field(j, "index", n->u.index.index);
        if (n->u.index.optional)
            field_bool(j, "optional", true);
        break;
    case AST_SLICE:
        field(j, "value", n->u.slice.value);
        field(j, "lo", n->u.slice.lo);
        field(j, "hi", n->u.slice.hi);
        field(j, "step", n->u.slice.step);
        if (n->u.slice.optional)
            field_bool(j, "optional", true);
        break;
    case AST_CALL:
        field(j, "func", n->u.call.func);
        field_list(j, "args", &n->u.call.args);
        break;
    case AST_KWARG:
        field_str(j, "name", n->u.kwarg.name);
        field(j, "value", n->u.kwarg.value);
        break;
    case AST_LIST:
        field_list(j, "items", &n->u.list.items);
        break;
    case AST_LIST_IF:
    case AST_CONFIG_IF:
        field(j, "cond", n->u.cond_items.cond);
        field_list(j, "items", &n->u.cond_items.items);
        field(j, "orelse", n->u.cond_items.orelse);
        break;
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        field(j, "elt", n->u.comp.elt);
        field_list(j, "clauses", &n->u.comp.clauses);
        break;
    case AST_CONFIG:
        field_list(j, "entries", &n->u.config.entries);
        break;
    case AST_ENTRY:
        field(j, "key", n->u.entry.key);
        field_str(j, "op", entry_op_name(n->u.entry.op));
        field(j, "value", n->u.entry.value);
        break;
    case AST_COMP_FOR:
        field_str(j, "key", n->u.comp_for.key);
        field_str(j, "value", n->u.comp_for.value);
        field(j, "iter", n->u.comp_for.iter);
        field_list(j, "ifs", &n->u.comp_for.ifs);
        break;
    case AST_SCHEMA_EXPR:
        field(j, "name", n->u.schema_expr.name);
        if (n->u.schema_expr.has_args)
            field_list(j, "args", &n->u.schema_expr.args);
        field(j, "config", n->u.schema_expr.config);
        break;
    case AST_LAMBDA:
        field_list(j, "params", &n->u.lambda.params);
        field(j, "ret", n->u.lambda.ret);
        field_list(j, "body", &n->u.lambda.body);
        break;
    case AST_QUANT: {
        static const char *const qn[] = {"all", "any", "map", "filter"};
        field_str(j, "quant", n->u.quant.kind < 4 ? qn[n->u.quant.kind] : "?");
        field_str(j, "key", n->u.quant.key);
        field_str(j, "value", n->u.quant.value);
        field(j, "target", n->u.quant.target);
        field(j, "test", n->u.quant.test);
        field(j, "cond", n->u.quant.cond);
        break;
    }
    case AST_MODULE:
        field_str(j, "filename", n->u.module.filename);
        jw_key(j, "doc");
        dump_doc(j, n->u.module.doc, n->u.module.doc_span);
        field_list(j, "body", &n->u.module.body);
        break;
    case AST_EXPR_STMT:
        field(j, "value", n->u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        field_list(j, "targets", &n->u.assign.targets);
        field(j, "type", n->u.assign.type);
        field(j, "value", n->u.assign.value);
        break;
    case AST_AUG_ASSIGN:
        field(j, "target", n->u.aug.target);
        field_op(j, "op", n->u.aug.op);
        field(j, "value", n->u.aug.value);
        break;
    case AST_UNIFY:
        field(j, "target", n->u.unify.target);
        field(j, "value", n->u.unify.value);
        break;
    case AST_IMPORT:
        field_str(j, "path", n->u.import.path);
        jw_key(j, "level");
        jw_u64(j, n->u.import.level);
        field_str(j, "alias", n->u.import.alias);
        field_str(j, "asname", n->u.import.asname);
        break;
    case AST_TYPE_ALIAS:
        field_str(j, "name", n->u.type_alias.name);
        field(j, "type", n->u.type_alias.type);
        break;
    case AST_ASSERT:
    case AST_CHECK_EXPR:
        field(j, "test", n->u.check_expr.test);
        field(j, "cond", n->u.check_expr.cond);
        field(j, "msg", n->u.check_expr.msg);
        break;
    case AST_IF:
        field(j, "cond", n->u.if_stmt.cond);
        field_list(j, "body", &n->u.if_stmt.body);
        field_list(j, "orelse", &n->u.if_stmt.orelse);
        break;
    case AST_SCHEMA:
    case AST_RULE: {
        static const char *const sk[] = {"schema", "mixin", "protocol"};
        field_str(j, "name", n->u.schema.name);
        if (n->kind == AST_SCHEMA)
            field_str(j, "schema_kind", n->u.schema.kind < 3 ? sk[n->u.schema.kind] : "?");
        jw_key(j, "doc");
        dump_doc(j, n->u.schema.doc, n->u.schema.doc_span);
        field_list(j, "decorators", &n->u.schema.decorators);
        field_list(j, "params", &n->u.schema.params);
        field_list(j, "parents", &n->u.schema.parents);
        field(j, "for_host", n->u.schema.for_host);
        field_list(j, "mixins", &n->u.schema.mixins);
        field_list(j, "body", &n->u.schema.body);
        field_list(j, "checks", &n->u.schema.checks);
        break;
    }
    case AST_SCHEMA_ATTR:
        field_str(j, "name", n->u.attr.name);
        if (n->u.attr.is_str_key)
            field_bool(j, "is_str_key", true);
        if (n->u.attr.optional)
            field_bool(j, "optional", true);
        field_list(j, "decorators", &n->u.attr.decorators);
        field(j, "type", n->u.attr.type);
        field_str(j, "op",
                  n->u.attr.aug_op != OP_NONE ? ast_op_name((enum ast_op)n->u.attr.aug_op)
                                              : entry_op_name(n->u.attr.op));
        field(j, "value", n->u.attr.value);
        break;
    case AST_INDEX_SIG:
        field_str(j, "key_name", n->u.index_sig.key_name);
        if (n->u.index_sig.any_other)
            field_bool(j, "any_other", true);
        field(j, "key_type", n->u.index_sig.key_type);
        field(j, "value_type", n->u.index_sig.value_type);
        field(j, "value", n->u.index_sig.value);
        break;
    case AST_DECORATOR:
        field(j, "name", n->u.decorator.name);
        if (n->u.decorator.has_args)
            field_list(j, "args", &n->u.decorator.args);
        break;
    case AST_TYPE_NAMED:
        field_str(j, "name", n->u.type_named.name);
        break;
    case AST_TYPE_LIST:
        field(j, "elem", n->u.type_list.elem);
        break;
    case AST_TYPE_DICT:
        field(j, "key", n->u.type_dict.key);
        field(j, "value", n->u.type_dict.value);
        break;
    case AST_TYPE_UNION:
        field_list(j, "types", &n->u.type_union.types);
        break;
    case AST_TYPE_LITERAL:
        field(j, "value", n->u.type_lit.value);
        break;
    case AST_TYPE_FUNC:
        field_list(j, "params", &n->u.type_func.params);
        field(j, "ret", n->u.type_func.ret);
        break;
    case AST_PARAM:
        field_str(j, "name", n->u.param.name);
        field(j, "type", n->u.param.type);
        field(j, "value", n->u.param.value);
        break;
    case AST_KIND_COUNT:
        break;
    }
    jw_s(j, "}");
}

int ast_dump_json(const struct ast *n, const struct source *src, ast_write_fn w, void *ud)
{
    struct jw j;
    j.src = src;
    j.w = w;
    j.ud = ud;
    j.err = 0;
    j.n = 0;
    dump(&j, n);
    jw_flush(&j);
    return j.err;
}
