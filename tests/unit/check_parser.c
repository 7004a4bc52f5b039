/* Unit tests of the parser (lang/parser.y, lang/parse.c, lang/ast.c): source in, a compact
 * S-expression of the tree out, compared with the expected shape. */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/parse.h"

/* {=====================================================================
 * S-expressions of trees. Leaves print bare (names, numbers, "strings", True); everything
 * else as (head child ...). Absent children print as _.
 *   (+ a b) (cmp a < b == c) (not a) (. a b) (?. a b) ([] a i) (slice a lo hi step)
 *   (call f x (kw k v)) (list ...) (config (: k v) (= k v) (+= k v) (** v))
 *   (if-item c (items) orelse) (comp elt (for k v iter ifs...)) (schema-expr N (args) cfg)
 *   (lambda (params) ret stmts...) (all k v target test cond)
 * Statements: (= targets... value), (=: name T value), (+= t v), (unify t S), (import ...),
 * (type N T), (assert t c m), (if c (body) (orelse)), (schema ...), (attr ...), (index ...).
 * ====================================================================} */

struct sbuf {
    char *s;
    size_t n, cap;
};

static void put(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int w = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
        va_end(ap);
        ck_assert_int_ge(w, 0);
        if ((size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        b->cap = b->cap * 2 + (size_t)w + 64;
        b->s = realloc(b->s, b->cap);
        ck_assert_ptr_nonnull(b->s);
    }
}

static void sx(struct sbuf *b, const struct ast *n);

static void sx_list(struct sbuf *b, const struct ast_list *l)
{
    for (uint32_t i = 0; i < l->n; i++) {
        put(b, " ");
        sx(b, l->v[i]);
    }
}

static void sx_paren_list(struct sbuf *b, const struct ast_list *l)
{
    put(b, " (");
    for (uint32_t i = 0; i < l->n; i++) {
        if (i)
            put(b, " ");
        sx(b, l->v[i]);
    }
    put(b, ")");
}

static void sx_child(struct sbuf *b, const struct ast *n)
{
    put(b, " ");
    sx(b, n);
}

static void sx_strlit(struct sbuf *b, const struct strlit *lit, struct ast *const *exprs)
{
    if (!lit->has_expr) {
        put(b, "\"");
        for (uint32_t i = 0; i < lit->nparts; i++)
            put(b, "%.*s", (int)lit->parts[i].len, lit->parts[i].text);
        put(b, "\"");
        return;
    }
    put(b, "(fstr");
    for (uint32_t i = 0; i < lit->nparts; i++) {
        if (lit->parts[i].kind == STRPART_TEXT)
            put(b, " \"%.*s\"", (int)lit->parts[i].len, lit->parts[i].text);
        else
            sx_child(b, exprs ? exprs[i] : NULL);
    }
    put(b, ")");
}

static const char *entry_op(unsigned op)
{
    return op == ENTRY_UNION ? ":" : op == ENTRY_OVERRIDE ? "=" : op == ENTRY_INSERT ? "+=" : "**";
}

static void sx_cond_items(struct sbuf *b, const struct ast *n)
{
    put(b, "(%s", n->kind == AST_LIST_IF ? "if-item" : "if-entry");
    sx_child(b, n->u.cond_items.cond);
    sx_paren_list(b, &n->u.cond_items.items);
    if (n->u.cond_items.orelse)
        sx_child(b, n->u.cond_items.orelse);
    put(b, ")");
}

static void sx(struct sbuf *b, const struct ast *n)
{
    if (!n) {
        put(b, "_");
        return;
    }
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        put(b, "%s", n->u.name);
        break;
    case AST_INT:
        put(b, "%lld", (long long)n->u.num.ival);
        if (n->u.num.suffix != UNIT_NONE)
            put(b, "#%d", n->u.num.suffix);
        break;
    case AST_FLOAT:
        put(b, "%g", n->u.fval);
        break;
    case AST_STR:
        sx_strlit(b, n->u.str.lit, n->u.str.exprs);
        break;
    case AST_TRUE:
        put(b, "True");
        break;
    case AST_FALSE:
        put(b, "False");
        break;
    case AST_NONE:
        put(b, "None");
        break;
    case AST_UNDEFINED:
        put(b, "Undefined");
        break;
    case AST_PAREN:
        put(b, "(paren");
        sx_child(b, n->u.unary.operand);
        put(b, ")");
        break;
    case AST_UNARY:
        put(b, "(%s", ast_op_name((enum ast_op)n->u.unary.op));
        sx_child(b, n->u.unary.operand);
        put(b, ")");
        break;
    case AST_BINARY:
        put(b, "(%s", ast_op_name((enum ast_op)n->u.binary.op));
        sx_child(b, n->u.binary.left);
        sx_child(b, n->u.binary.right);
        put(b, ")");
        break;
    case AST_COMPARE:
        put(b, "(cmp ");
        sx(b, n->u.compare.operands.v[0]);
        for (uint32_t i = 1; i < n->u.compare.operands.n; i++) {
            put(b, " %s ", ast_op_name((enum ast_op)n->u.compare.ops[i - 1]));
            sx(b, n->u.compare.operands.v[i]);
        }
        put(b, ")");
        break;
    case AST_AS:
        put(b, "(as");
        sx_child(b, n->u.as_expr.value);
        sx_child(b, n->u.as_expr.type);
        put(b, ")");
        break;
    case AST_IFEXPR:
        put(b, "(?:");
        sx_child(b, n->u.ifexpr.cond);
        sx_child(b, n->u.ifexpr.body);
        sx_child(b, n->u.ifexpr.orelse);
        put(b, ")");
        break;
    case AST_SELECT:
        put(b, "(%s", n->u.select.optional ? "?." : ".");
        sx_child(b, n->u.select.value);
        put(b, " %s)", n->u.select.attr);
        break;
    case AST_INDEX:
        put(b, "(%s", n->u.index.optional ? "?[]" : "[]");
        sx_child(b, n->u.index.value);
        sx_child(b, n->u.index.index);
        put(b, ")");
        break;
    case AST_SLICE:
        put(b, "(%s", n->u.slice.optional ? "?slice" : "slice");
        sx_child(b, n->u.slice.value);
        sx_child(b, n->u.slice.lo);
        sx_child(b, n->u.slice.hi);
        sx_child(b, n->u.slice.step);
        put(b, ")");
        break;
    case AST_CALL:
        put(b, "(call");
        sx_child(b, n->u.call.func);
        sx_list(b, &n->u.call.args);
        put(b, ")");
        break;
    case AST_KWARG:
        put(b, "(kw %s", n->u.kwarg.name);
        sx_child(b, n->u.kwarg.value);
        put(b, ")");
        break;
    case AST_LIST:
        put(b, "(list");
        sx_list(b, &n->u.list.items);
        put(b, ")");
        break;
    case AST_STARRED:
        put(b, "(*");
        sx_child(b, n->u.unary.operand);
        put(b, ")");
        break;
    case AST_LIST_IF:
    case AST_CONFIG_IF:
        sx_cond_items(b, n);
        break;
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        put(b, "(%s", n->kind == AST_LIST_COMP ? "listcomp" : "dictcomp");
        sx_child(b, n->u.comp.elt);
        sx_list(b, &n->u.comp.clauses);
        put(b, ")");
        break;
    case AST_CONFIG:
        put(b, "(config");
        sx_list(b, &n->u.config.entries);
        put(b, ")");
        break;
    case AST_ENTRY:
        put(b, "(%s", entry_op(n->u.entry.op));
        if (n->u.entry.op != ENTRY_UNPACK)
            sx_child(b, n->u.entry.key);
        sx_child(b, n->u.entry.value);
        put(b, ")");
        break;
    case AST_COMP_FOR:
        put(b, "(for %s", n->u.comp_for.key);
        if (n->u.comp_for.value)
            put(b, " %s", n->u.comp_for.value);
        sx_child(b, n->u.comp_for.iter);
        sx_list(b, &n->u.comp_for.ifs);
        put(b, ")");
        break;
    case AST_SCHEMA_EXPR:
        put(b, "(new");
        sx_child(b, n->u.schema_expr.name);
        if (n->u.schema_expr.has_args)
            sx_paren_list(b, &n->u.schema_expr.args);
        sx_child(b, n->u.schema_expr.config);
        put(b, ")");
        break;
    case AST_LAMBDA:
        put(b, "(lambda");
        sx_paren_list(b, &n->u.lambda.params);
        sx_child(b, n->u.lambda.ret);
        sx_list(b, &n->u.lambda.body);
        put(b, ")");
        break;
    case AST_QUANT: {
        static const char *const q[] = {"all", "any", "map", "filter"};
        put(b, "(%s %s", q[n->u.quant.kind], n->u.quant.key);
        if (n->u.quant.value)
            put(b, " %s", n->u.quant.value);
        sx_child(b, n->u.quant.target);
        sx_child(b, n->u.quant.test);
        if (n->u.quant.cond)
            sx_child(b, n->u.quant.cond);
        put(b, ")");
        break;
    }
    case AST_MODULE:
        put(b, "(module");
        if (n->u.module.doc)
            put(b, " (doc)");
        sx_list(b, &n->u.module.body);
        put(b, ")");
        break;
    case AST_EXPR_STMT:
        sx(b, n->u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        put(b, "(=");
        sx_list(b, &n->u.assign.targets);
        if (n->u.assign.type) {
            put(b, " :");
            sx_child(b, n->u.assign.type);
        }
        sx_child(b, n->u.assign.value);
        put(b, ")");
        break;
    case AST_AUG_ASSIGN:
        put(b, "(%s=", ast_op_name((enum ast_op)n->u.aug.op));
        sx_child(b, n->u.aug.target);
        sx_child(b, n->u.aug.value);
        put(b, ")");
        break;
    case AST_UNIFY:
        put(b, "(unify");
        sx_child(b, n->u.unify.target);
        sx_child(b, n->u.unify.value);
        put(b, ")");
        break;
    case AST_IMPORT:
        put(b, "(import %s %u %s)", n->u.import.path, (unsigned)n->u.import.level,
            n->u.import.asname);
        break;
    case AST_TYPE_ALIAS:
        put(b, "(type %s", n->u.type_alias.name);
        sx_child(b, n->u.type_alias.type);
        put(b, ")");
        break;
    case AST_ASSERT:
    case AST_CHECK_EXPR:
        put(b, "(%s", n->kind == AST_ASSERT ? "assert" : "check");
        sx_child(b, n->u.check_expr.test);
        sx_child(b, n->u.check_expr.cond);
        sx_child(b, n->u.check_expr.msg);
        put(b, ")");
        break;
    case AST_IF:
        put(b, "(if");
        sx_child(b, n->u.if_stmt.cond);
        sx_paren_list(b, &n->u.if_stmt.body);
        sx_paren_list(b, &n->u.if_stmt.orelse);
        put(b, ")");
        break;
    case AST_SCHEMA:
    case AST_RULE: {
        static const char *const k[] = {"schema", "mixin", "protocol"};
        put(b, "(%s %s", n->kind == AST_RULE ? "rule" : k[n->u.schema.kind], n->u.schema.name);
        if (n->u.schema.doc)
            put(b, " (doc)");
        if (n->u.schema.decorators.n) {
            put(b, " (@");
            sx_list(b, &n->u.schema.decorators);
            put(b, ")");
        }
        if (n->u.schema.params.n) {
            put(b, " (params");
            sx_list(b, &n->u.schema.params);
            put(b, ")");
        }
        if (n->u.schema.parents.n) {
            put(b, " (base");
            sx_list(b, &n->u.schema.parents);
            put(b, ")");
        }
        if (n->u.schema.for_host) {
            put(b, " (for");
            sx_child(b, n->u.schema.for_host);
            put(b, ")");
        }
        if (n->u.schema.mixins.n) {
            put(b, " (mixins");
            sx_list(b, &n->u.schema.mixins);
            put(b, ")");
        }
        sx_list(b, &n->u.schema.body);
        if (n->u.schema.checks.n) {
            put(b, " (checks");
            sx_list(b, &n->u.schema.checks);
            put(b, ")");
        }
        put(b, ")");
        break;
    }
    case AST_SCHEMA_ATTR:
        put(b, "(attr %s%s%s", n->u.attr.is_str_key ? "\"" : "", n->u.attr.name,
            n->u.attr.is_str_key ? "\"" : "");
        if (n->u.attr.optional)
            put(b, "?");
        if (n->u.attr.decorators.n) {
            put(b, " (@");
            sx_list(b, &n->u.attr.decorators);
            put(b, ")");
        }
        sx_child(b, n->u.attr.type);
        if (n->u.attr.value) {
            if (n->u.attr.aug_op != OP_NONE)
                put(b, " %s=", ast_op_name((enum ast_op)n->u.attr.aug_op));
            else
                put(b, " %s", entry_op(n->u.attr.op));
            sx_child(b, n->u.attr.value);
        }
        put(b, ")");
        break;
    case AST_INDEX_SIG:
        put(b, "(index %s%s", n->u.index_sig.key_name ? n->u.index_sig.key_name : "_",
            n->u.index_sig.any_other ? " ..." : "");
        sx_child(b, n->u.index_sig.key_type);
        sx_child(b, n->u.index_sig.value_type);
        if (n->u.index_sig.value)
            sx_child(b, n->u.index_sig.value);
        put(b, ")");
        break;
    case AST_DECORATOR:
        sx(b, n->u.decorator.name);
        if (n->u.decorator.has_args)
            sx_paren_list(b, &n->u.decorator.args);
        break;
    case AST_TYPE_ANY:
        put(b, "any");
        break;
    case AST_TYPE_NAMED:
        put(b, "%s", n->u.type_named.name);
        break;
    case AST_TYPE_LIST:
        put(b, "[");
        if (n->u.type_list.elem)
            sx(b, n->u.type_list.elem);
        put(b, "]");
        break;
    case AST_TYPE_DICT:
        put(b, "{");
        if (n->u.type_dict.key)
            sx(b, n->u.type_dict.key);
        put(b, ":");
        if (n->u.type_dict.value)
            sx(b, n->u.type_dict.value);
        put(b, "}");
        break;
    case AST_TYPE_UNION:
        put(b, "(|");
        sx_list(b, &n->u.type_union.types);
        put(b, ")");
        break;
    case AST_TYPE_LITERAL:
        put(b, "(lit");
        sx_child(b, n->u.type_lit.value);
        put(b, ")");
        break;
    case AST_TYPE_FUNC:
        put(b, "(fn");
        sx_paren_list(b, &n->u.type_func.params);
        sx_child(b, n->u.type_func.ret);
        put(b, ")");
        break;
    case AST_PARAM:
        put(b, "(param %s", n->u.param.name);
        sx_child(b, n->u.param.type);
        sx_child(b, n->u.param.value);
        put(b, ")");
        break;
    case AST_KIND_COUNT:
        put(b, "?");
        break;
    }
}

/* {=====================================================================
 * Harness
 * ====================================================================} */

struct parsed {
    struct arena arena;
    struct source_map sm;
    struct source *src;
    struct diags d;
    struct ast *root;
    char *sexpr; /* malloc'd */
};

static void parse_text(struct parsed *P, const char *text, bool expr)
{
    arena_init(&P->arena, NULL, NULL);
    source_map_init(&P->sm, &P->arena);
    P->src = source_map_add(&P->sm, "/t/main.k", text, strlen(text));
    ck_assert_ptr_nonnull(P->src);
    diags_init(&P->d, &P->arena);
    P->root = expr ? parse_expr_range(&P->arena, P->src, 0, P->src->len, &P->d, 0)
                   : parse_module(&P->arena, P->src, &P->d);
    struct sbuf b = {NULL, 0, 0};
    put(&b, "%s", "");
    if (expr)
        sx(&b, P->root);
    else if (P->root)
        /* the statements only, one per line */
        for (uint32_t i = 0; i < P->root->u.module.body.n; i++) {
            if (i)
                put(&b, "\n");
            sx(&b, P->root->u.module.body.v[i]);
        }
    P->sexpr = b.s;
}

static void done(struct parsed *P)
{
    free(P->sexpr);
    arena_free(&P->arena);
}

static void print_diags(const struct parsed *P)
{
    for (unsigned k = 0; k < P->d.n; k++) {
        uint32_t line, col;
        source_line_col(P->src, P->d.v[k]->labels[0].span.lo, &line, &col);
        fprintf(stderr, "  %u:%u: %s %s\n", line, col, P->d.v[k]->code, P->d.v[k]->message);
    }
}

struct shape_case {
    const char *src;
    const char *want;
};

static void check_shape(const struct shape_case *c, bool expr)
{
    struct parsed P;
    parse_text(&P, c->src, expr);
    if (P.d.n > 0 || !P.root || strcmp(P.sexpr, c->want) != 0) {
        fprintf(stderr, "source:\n%s\nwant:\n%s\ngot:\n%s\n", c->src, c->want, P.sexpr);
        print_diags(&P);
    }
    ck_assert_uint_eq(P.d.n, 0);
    ck_assert_ptr_nonnull(P.root);
    ck_assert_str_eq(P.sexpr, c->want);
    done(&P);
}

/* {=====================================================================
 * Expressions (parse_expr_range)
 * ====================================================================} */

static const struct shape_case expr_cases[] = {
    /* precedence surprises (spec §2.3) */
    {"not a == b", "(cmp (not a) == b)"},
    {"not x in y", "(cmp (not x) in y)"},
    {"x not in y", "(cmp x not in y)"},
    {"-2 ** 2", "(** (- 2) 2)"},
    {"2 ** 3 ** 2", "(** (** 2 3) 2)"},
    {"a < b < c", "(cmp a < b < c)"},
    {"a == b < c", "(cmp a == (cmp b < c))"},
    {"a < b == c", "(cmp a < b == c)"},
    {"a is not None", "(cmp a is not None)"},
    {"a is None == b", "(cmp a is None == b)"},
    {"1 + 2 * 3", "(+ 1 (* 2 3))"},
    {"1 - 2 - 3", "(- (- 1 2) 3)"},
    {"a or b and c", "(or a (and b c))"},
    {"a and not b", "(and a (not b))"},
    {"a | b ^ c & d << 1 + 2", "(| a (^ b (& c (<< d (+ 1 2)))))"},
    {"a < b and b < c", "(and (cmp a < b) (cmp b < c))"},
    {"a + b < c == d", "(cmp (+ a b) < c == d)"},
    {"-x.y[0](1)", "(- (call ([] (. x y) 0) 1))"},
    {"~a + +b", "(+ (~ a) (+ b))"},
    {"(a + b) * c", "(* (paren (+ a b)) c)"},
    {"a if b else c", "(?: b a c)"},
    {"a if b else c if d else e", "(?: b a (?: d c e))"},
    {"x as int", "(as x int)"},
    {"x + 1 as pkg.T", "(as (+ x 1) pkg.T)"},
    {"a or b as int", "(as (or a b) int)"},
    /* primaries */
    {"a?.b?[0]", "(?[] (?. a b) 0)"},
    {"a[1:2]", "(slice a 1 2 _)"},
    {"a[::-1]", "(slice a _ _ (- 1))"},
    {"a?[:n]", "(?slice a _ n _)"},
    {"f(1, x = 2)", "(call f 1 (kw x 2))"},
    {"f(a,)", "(call f a)"},
    {"a.b.c(d)(e)", "(call (call (. (. a b) c) d) e)"},
    {"config.map", "(. config map)"},
    {"x.if.for", "(. (. x if) for)"},
    {"rule", "rule"},
    {"1Ki", "1#10"},
    {"True and None or Undefined", "(or (and True None) Undefined)"},
    /* strings and interpolation */
    {"\"a${b + 1}c\"", "(fstr \"a\" (+ b 1) \"c\")"},
    {"'x${y.z}'", "(fstr \"x\" (. y z))"},
    /* lists */
    {"[]", "(list)"},
    {"[1, 2, *x]", "(list 1 2 (* x))"},
    {"[1,\n 2,\n]", "(list 1 2)"},
    {"[1\n -2]", "(list 1 (- 2))"},
    {"[x for x in y if x > 1]", "(listcomp x (for x y (cmp x > 1)))"},
    {"[x for x in a or b]", "(listcomp x (for x (or a b)))"},
    {"[k + v for k, v in d for w in v if k]", "(listcomp (+ k v) (for k v d) (for w v k))"},
    {"[x for x in y if a if b else c]", "(listcomp x (for x y (?: b a c)))"},
    {"[x\n for x in y\n if x]", "(listcomp x (for x y x))"},
    {"[if a: 1, 2]", "(list (if-item a (1)) 2)"},
    {"[if a: 1 elif b: 2 else: 3]", "(list (if-item a (1) (if-item b (2) (if-item _ (3)))))"},
    {"[\n    0\n    if a:\n        1\n        2\n    else:\n        3\n    4\n]",
     "(list 0 (if-item a (1 2) (if-item _ (3))) 4)"},
    {"[a if b else c]", "(list (?: b a c))"},
    /* configs */
    {"{}", "(config)"},
    {"{a = 1, b: 2, c += [3], **d}", "(config (= a 1) (: b 2) (+= c (list 3)) (** d))"},
    {"{a = 1\n **d\n \"k\": 2}", "(config (= a 1) (** d) (: \"k\" 2))"},
    {"{a.b.c = 1, x[0]: 2}", "(config (= (. (. a b) c) 1) (: ([] x 0) 2))"},
    {"{protocol: \"TCP\", schema: 1}", "(config (: protocol \"TCP\") (: schema 1))"},
    {"{k: v for k, v in d}", "(dictcomp (: k v) (for k v d))"},
    {"{ if a: x = 1, y = 2 elif b: x = 3 }",
     "(config (if-entry a ((= x 1) (= y 2)) (if-entry b ((= x 3)))))"},
    {"{\n    if a: x = 1\n    y = 2\n}", "(config (if-entry a ((= x 1))) (= y 2))"},
    {"{\n    if a:\n        x = 1\n        y = 2\n    elif b:\n        x = 3\n    else:\n"
     "        x = 4\n    z = 5\n}",
     "(config (if-entry a ((= x 1) (= y 2)) (if-entry b ((= x 3)) (if-entry _ ((= x 4))))) "
     "(= z 5))"},
    {"{\n    if a:\n        if b:\n            x = 1\n        y = 2\n    z = 3\n}",
     "(config (if-entry a ((if-entry b ((= x 1))) (= y 2))) (= z 3))"},
    /* schema expressions */
    {"S {a = 1}", "(new S (config (= a 1)))"},
    {"pkg.S(1, x = 2) {}", "(new (. pkg S) (1 (kw x 2)) (config))"},
    {"S() {a: 1}.a", "(. (new S () (config (: a 1))) a)"},
    {"[S {}, T {}]", "(list (new S (config)) (new T (config)))"},
    /* lambdas and quantifiers */
    {"lambda x, y = 1 -> int { x + y }", "(lambda ((param x _ _) (param y _ 1)) int (+ x y))"},
    {"lambda x: int | str {\n    y = x\n    if y:\n        z = 1\n    z\n}",
     "(lambda ((param x (| int str) _)) _ (= y x) (if y ((= z 1)) ()) z)"},
    {"lambda {x}(1)", "(call (lambda () _ x) 1)"},
    {"lambda {a, b} -> int {a + b}", "(lambda ((param a _ _) (param b _ _)) int (+ a b))"},
    {"lambda {\n    c: {str:}\n} -> any {\n    c.k\n}",
     "(lambda ((param c {str:} _)) any (. c k))"},
    {"all x in y { x > 0 }", "(all x y (cmp x > 0))"},
    {"any k, v in d {\n    v\n    if k\n}", "(any k v d v k)"},
    {"filter x in [1, 2] {x > 1}", "(filter x (list 1 2) (cmp x > 1))"},
    {"map x in a.b[0] { x * 2 }", "(map x ([] (. a b) 0) (* x 2))"},
    /* keywords are names wherever the grammar cannot take them as keywords (KCL) */
    {"{import = 1, check = True}", "(config (= import 1) (= check True))"},
    {"{schema.openAPIV3Schema = {type = \"object\"}}",
     "(config (= (. schema openAPIV3Schema) (config (= type \"object\"))))"},
    {"{as = 1, in = 2, is = 3, and = 4, or = 5, elif = 6, else = 7, rule = 8, mixin = 9}",
     "(config (= as 1) (= in 2) (= is 3) (= and 4) (= or 5) (= elif 6) (= else 7) (= rule 8) "
     "(= mixin 9))"},
    {"{protocol: \"TCP\", assert: 1, None: 2}", "(config (: protocol \"TCP\") (: assert 1) (: None 2))"},
    {"f(type = \"x\", for = 1, if = 2, check = 3)",
     "(call f (kw type \"x\") (kw for 1) (kw if 2) (kw check 3))"},
    {"x.filter.all?.None.lambda", "(. (?. (. (. x filter) all) None) lambda)"},
    {"{\n    check = True\n    import = 1\n}", "(config (= check True) (= import 1))"},
    {"{\n    x = check\n    and = 1\n    in: 2\n}", "(config (= x check) (= and 1) (: in 2))"},
    {"[a\n and b]", "(list (and a b))"},
    {"[a\n and]", "(list a and)"},
    {"{if a: x = 1 else: x = 2, else = 3, elif: 4}",
     "(config (if-entry a ((= x 1)) (if-entry _ ((= x 2)))) (= else 3) (: elif 4))"},
    {"{\n    if a:\n        x = 1\n    else:\n        x = 2\n    else = 3\n}",
     "(config (if-entry a ((= x 1)) (if-entry _ ((= x 2)))) (= else 3))"},
    {"{x = a if b else c, d: 1}", "(config (= x (?: b a c)) (: d 1))"},
    {"[in for in in x]", "(listcomp in (for in x))"},
    {"[a, for x in y if x]", "(listcomp a (for x y x))"},
    {"{k = 1, for k in y}", "(dictcomp (= k 1) (for k y))"},
    {"all for in y { for > 0 }", "(all for y (cmp for > 0))"},
    {"lambda type, check = 1 { type + check }",
     "(lambda ((param type _ _) (param check _ 1)) _ (+ type check))"},
    {"{True = 1, not x: 2}", "(config (= True 1) (: (not x) 2))"},
};

START_TEST(test_expr)
{
    check_shape(&expr_cases[_i], true);
}
END_TEST

/* {=====================================================================
 * Statements (parse_module)
 * ====================================================================} */

static const struct shape_case stmt_cases[] = {
    {"a = 1\n", "(= a 1)"},
    {"a = b = 1\n", "(= a b 1)"},
    {"a.b[0] = 1\n", "(= ([] (. a b) 0) 1)"},
    {"a: int = 1\n", "(= a : int 1)"},
    {"a: [int] | {str:str} = []\n", "(= a : (| [int] {str:str}) (list))"},
    {"a += 1\n_b //= 2\n", "(+= a 1)\n(//= _b 2)"},
    {"x: S {a = 1}\n", "(unify x (new S (config (= a 1))))"},
    {"x: pkg.S(1) {}\n", "(unify x (new (. pkg S) (1) (config)))"},
    {"import a.b.c\n", "(import a.b.c 0 c)"},
    {"import ..a as x\n", "(import a 2 x)"},
    {"import ...a.b\n", "(import a.b 3 b)"},
    {"import pkg.mixin.v1\n", "(import pkg.mixin.v1 0 v1)"},
    {"type T = int | \"a\" | 1\n", "(type T (| int (lit \"a\") (lit 1)))"},
    {"type F = (int, str) -> bool\n", "(type F (fn (int str) bool))"},
    {"assert a > 1 if b, \"msg\"\n", "(assert (cmp a > 1) b \"msg\")"},
    {"assert a\n", "(assert a _ _)"},
    {"if a: b = 1\n", "(if a ((= b 1)) ())"},
    {"if a:\n    b = 1\nelif c:\n    b = 2\nelse:\n    b = 3\n",
     "(if a ((= b 1)) ((if c ((= b 2)) ((= b 3)))))"},
    {"if a:\n    if b:\n        c = 1\nd = 2\n", "(if a ((if b ((= c 1)) ())) ())\n(= d 2)"},
    {"print(1)\n", "(call print 1)"},
    {"a = {\n    b = 1\n}\nc = 2\n", "(= a (config (= b 1)))\n(= c 2)"},
    {"\"\"\"doc\"\"\"\na = 1\n", "(= a 1)"},
    {"'not a doc'\n", "\"not a doc\""},
    {"a = 1 if b else 2\n", "(= a (?: b 1 2))"},
    {"f = lambda x {\n    x + 1\n}\ny = 2\n", "(= f (lambda ((param x _ _)) _ (+ x 1)))\n(= y 2)"},
    {"a = [\n    1\n    2\n]\n", "(= a (list 1 2))"},
    {"x = rule[\"a\"]\n", "(= x ([] rule \"a\"))"},
    /* schemas */
    {"schema S:\n    a: int\n", "(schema S (attr a int))"},
    {"schema S:\n", "(schema S)"},
    {"schema S[x: int, y = 1](pkg.Base) for P:\n    a?: str = \"x\"\n    b: int = x\n",
     "(schema S (params (param x int _) (param y _ 1)) (base (. pkg Base)) (for P) "
     "(attr a? str = \"x\") (attr b int = x))"},
    {"schema S:\n    \"\"\"Doc.\"\"\"\n    mixin [AMixin, pkg.BMixin]\n    a: int\n",
     "(schema S (doc) (mixins AMixin (. pkg BMixin)) (attr a int))"},
    {"schema S:\n    \"my-key\": str\n    \"k2\"?: int = 1\n",
     "(schema S (attr \"my-key\" str) (attr \"k2\"? int = 1))"},
    {"schema S:\n    [str]: int\n", "(schema S (index _ str int))"},
    {"schema S:\n    [k: str]: int = 0\n", "(schema S (index k str int 0))"},
    {"schema S:\n    [...str]: int\n", "(schema S (index _ ... str int))"},
    {"schema S:\n    [name: ...str]: str\n", "(schema S (index name ... str str))"},
    {"schema S:\n    [1, 2]\n", "(schema S (list 1 2))"},
    {"schema S:\n    a: [str] = []\n    a += [\"x\"]\n    b: [int] += [1]\n",
     "(schema S (attr a [str] = (list)) (+= a (list \"x\")) (attr b [int] += (list 1)))"},
    {"schema S:\n    a: int\n    check:\n        a > 0, \"positive\"\n        a < 10 if a\n",
     "(schema S (attr a int) (checks (check (cmp a > 0) _ \"positive\") "
     "(check (cmp a < 10) a _)))"},
    {"schema S:\n    name: str\n    check:\n        name not None\n",
     "(schema S (attr name str) (checks (check name _ _) (check (not None) _ _)))"},
    {"@deprecated(version=\"1\")\nschema S:\n    @info(x=1)\n    @deprecated\n    a: int = 1\n",
     "(schema S (@ deprecated ((kw version \"1\"))) (attr a (@ info ((kw x 1)) deprecated) "
     "int = 1))"},
    {"mixin AMixin for AProtocol:\n    a: int\nprotocol AProtocol:\n    a: int\n",
     "(mixin AMixin (for AProtocol) (attr a int))\n(protocol AProtocol (attr a int))"},
    {"schema S:\n    rule: {str:}\n    protocol: str = \"TCP\"\n    if rule:\n        x = 1\n",
     "(schema S (attr rule {str:}) (attr protocol str = \"TCP\") (if rule ((= x 1)) ()))"},
    {"schema S:\n    person: Person {\n        age = 1\n    }\n",
     "(schema S (unify person (new Person (config (= age 1)))))"},
    {"rule R[x](A, B) for P:\n    \"\"\"doc\"\"\"\n    a > x\n    b, \"msg\"\n",
     "(rule R (doc) (params (param x _ _)) (base A B) (for P) (checks (check (cmp a > x) _ _) "
     "(check b _ \"msg\")))"},
    {"f: (int) -> str = lambda x: int -> str { str(x) }\n",
     "(= f : (fn (int) str) (lambda ((param x int _)) str (call str x)))"},
    /* keywords as names */
    {"import .rules.rule as rule\n", "(import rules.rule 1 rule)"},
    {"import pkg.if.check as for\n", "(import pkg.if.check 0 for)"},
    {"for = 1\nin = for\ncheck = in\nelse = 2\n", "(= for 1)\n(= in for)\n(= check in)\n(= else 2)"},
    {"schema S:\n    a: int\n    mixin?: str\n    rule?: [str]\n    mixin: str\n"
     "    import: str\n    lambda?: int\n    True?: int\n    for: int = 1\n",
     "(schema S (attr a int) (attr mixin? str) (attr rule? [str]) (attr mixin str) "
     "(attr import str) (attr lambda? int) (attr True? int) (attr for int = 1))"},
    {"schema S:\n    \"\"\"Doc.\"\"\"\n    mixin [M]\n    mixin: str\n",
     "(schema S (doc) (mixins M) (attr mixin str))"},
    {"schema S[type: str, check: int = 1]:\n    [import: str]: str\n    check:\n        type\n"
     "        in not None\n",
     "(schema S (params (param type str _) (param check int 1)) (index import str str) "
     "(checks (check type _ _) (check in _ _) (check (not None) _ _)))"},
};

START_TEST(test_stmt)
{
    check_shape(&stmt_cases[_i], false);
}
END_TEST

/* {=====================================================================
 * Syntax errors: how many E1001 errors and the line of the first.
 * ====================================================================} */

struct error_case {
    const char *src;
    unsigned nerrors; /* E1001 errors */
    unsigned line;    /* line of the first */
    const char *msg;  /* substring of the first message, or NULL */
};

static const struct error_case error_cases[] = {
    {"a==\n", 1, 1, "expected one of"},
    {"a = (1\n", 1, 0, NULL},
    {"a, b = 1, 2\n", 1, 1, "unexpected token ','"},
    {"a = 1\nb = = 2\nc = 3\n", 1, 2, NULL},
    {"a = 1 +\nb = 2\nc = * 3\n", 2, 1, NULL},
    {"if True:\n    a = 1\nelse if False:\n    b = 1\n", 1, 3, "'else if' here is invalid"},
    {"a = b not is c\n", 1, 1, "'not is' here is invalid"},
    {"schema Scholar(Person, Knowledge):\n    school: str\n\nx = 1\n", 1, 1, "got ,"},
    {"f(a = 1, 2)\n", 1, 1, "positional argument follows keyword argument"},
    {"schema S:\n    [str]: str\n    [str]: int\n", 1, 3, "duplicate schema index signature"},
    {"x = [i for i() in data]\n", 1, 1, "got ("},
    {"import .a..b\n", 1, 1, NULL},
    {"schema S:\n    a: int =\n    b: int\n", 1, 2, NULL},
    /* a line break inside brackets is only a separator after a complete item: KCL stops
     * at the newline after "b =", scl at the "=" of the next line */
    {"a = {\n    b = \n    c = 1\n}\nd = 1\n", 1, 3, NULL},
    {"x = \"${b = 1}\"\n", 1, 1, "invalid string interpolation expression: 'b = 1'"},
    {"f = lambda x {\n    y = 1 +\n    y\n}\nz = 1 +\n", 2, 2, NULL},
    {"a = 1\n)\nb = 2\n", 0, 0, NULL}, /* the lexer reports the ')' */
    {"a: int\n", 1, 1, "expected one of [\"=\"] got newline"},
    {"if x:\n    a?: int\n", 1, 2, "only be declared in a schema body"},
    {"schema S:\n    import a\n", 1, 2, "'import' is not allowed"},
    /* keywords KCL never takes as names where they stand */
    {"a = {for = 3}\n", 1, 1, "expected one of [\"identifier\"] got ="},
    {"a = {b = 1, for = 3}\n", 1, 1, "expected one of [\"identifier\"] got ="},
    {"a = [for]\n", 1, 1, "expected one of [\"identifier\"] got ]"},
    {"a = [for x in y]\n", 1, 1, "got for"},
    {"a = [1, 2, for x in y]\n", 1, 1, "list multiple items found"},
    {"a = {b = 1, c = 2, for x in y}\n", 1, 1, "config multiple entries found"},
    {"a = {if = 2}\n", 1, 1, NULL},
    {"a = {lambda = 1}\n", 1, 1, NULL},
    {"a = {all = 1}\n", 1, 1, NULL},
    {"a = {not = 1}\n", 1, 1, NULL},
    {"a = {if c: x = 1, else = 2}\n", 1, 1, NULL},
    {"a = {\n    if c:\n        x = 1\n    elif = 2\n}\n", 1, 4, NULL},
    {"import = 1\n", 1, 1, NULL},
    {"mixin = 1\n", 1, 1, NULL},
    {"assert = 1\n", 1, 1, NULL},
    {"schema S:\n    check: bool\n", 1, 2, NULL},
    {"schema S:\n    mixin?: str\n", 1, 2, NULL},
    {"schema S:\n    \"\"\"Doc.\"\"\"\n    mixin: str\n", 1, 3, NULL},
    {"schema S:\n    if?: str\n", 1, 2, NULL},
    {"schema S:\n    a: int\n    lambda: int\n", 1, 3, NULL},
};

START_TEST(test_errors)
{
    const struct error_case *c = &error_cases[_i];
    struct parsed P;
    parse_text(&P, c->src, false);
    unsigned n = 0, first_line = 0;
    const char *first_msg = "";
    for (unsigned k = 0; k < P.d.n; k++) {
        if (strcmp(P.d.v[k]->code, "E1001") != 0)
            continue;
        if (n++ == 0) {
            uint32_t col;
            source_line_col(P.src, P.d.v[k]->labels[0].span.lo, &first_line, &col);
            first_msg = P.d.v[k]->message;
        }
    }
    if (c->nerrors == 0) { /* only: no crash, some error reported by someone */
        ck_assert_uint_ge(P.d.nerrors, 1);
        done(&P);
        return;
    }
    if (n != c->nerrors || (c->line && first_line != c->line) ||
        (c->msg && !strstr(first_msg, c->msg))) {
        fprintf(stderr, "source:\n%s", c->src);
        print_diags(&P);
    }
    ck_assert_uint_eq(n, c->nerrors);
    if (c->line)
        ck_assert_uint_eq(first_line, c->line);
    if (c->msg)
        ck_assert_ptr_nonnull(strstr(first_msg, c->msg));
    ck_assert_ptr_nonnull(P.root); /* a partial module even so */
    done(&P);
}
END_TEST

/* Compile errors the parser reports as KCL does (not syntax errors). */
struct other_case {
    const char *src;
    const char *code;
    const char *msg;
};

static const struct other_case other_cases[] = {
    {"x = [i for i, j, k in d]\n", "E2L23",
     "the number of loop variables is 3, which can only be 1 or 2"},
    {"x = [i for i.j in d]\n", "E2L23", "loop variables can only be ordinary identifiers"},
};

START_TEST(test_other_errors)
{
    const struct other_case *c = &other_cases[_i];
    struct parsed P;
    parse_text(&P, c->src, false);
    ck_assert_uint_eq(P.d.n, 1);
    ck_assert_str_eq(P.d.v[0]->code, c->code);
    ck_assert_str_eq(P.d.v[0]->message, c->msg);
    done(&P);
}
END_TEST

/* {=====================================================================
 * Robustness: deep nesting is bounded, garbage never crashes or hangs.
 * ====================================================================} */

START_TEST(test_deep_nesting)
{
    enum { DEPTH = 5000 };
    char *s = malloc(2 * DEPTH + 16);
    ck_assert_ptr_nonnull(s);
    size_t n = 0;
    memcpy(s, "a = ", 4);
    n = 4;
    for (int i = 0; i < DEPTH; i++)
        s[n++] = "[({"[i % 3];
    for (int i = DEPTH - 1; i >= 0; i--)
        s[n++] = "])}"[i % 3];
    s[n++] = '\n';
    s[n] = '\0';
    struct parsed P;
    parse_text(&P, s, false);
    ck_assert_uint_ge(P.d.nerrors, 1);
    done(&P);
    free(s);
}
END_TEST

START_TEST(test_garbage)
{
    /* Every prefix of a representative file, and a few token soups. */
    static const char file[] = "import a.b as c\n"
                               "schema S[x](B):\n"
                               "    \"\"\"doc\"\"\"\n"
                               "    mixin [M]\n"
                               "    a?: int = 1\n"
                               "    [k: str]: str\n"
                               "    if a:\n"
                               "        b = {c: [1, *d], if e: f = 1 else: g = 2}\n"
                               "    check:\n"
                               "        a > 1 if b, \"m\"\n"
                               "x = S(1) {a = lambda y: int -> int {\n"
                               "    if y:\n"
                               "        z = y\n"
                               "    z\n"
                               "}}\n"
                               "q = all i in [1] { i > 0 }\n";
    char buf[sizeof file];
    for (size_t len = 0; len < sizeof file; len++) {
        memcpy(buf, file, len);
        buf[len] = '\0';
        struct parsed P;
        parse_text(&P, buf, false);
        ck_assert_ptr_nonnull(P.root);
        done(&P);
    }
    static const char *const soups[] = {
        ") ] } { [ (",
        "if if if : : :\n  else\n",
        "schema\nrule\nmixin\n@\n@@x\n",
        "lambda lambda { { }",
        "a = {if: 1}\n",
        "[if a:\n]\n",
        "{**}\n",
        "x = y[::::]\n",
        "a not\n",
        "\"${\"\n",
        "all x in { }\n",
        "a: = 1\n",
        "    a = 1\n",
        "a =\\\n",
    };
    for (size_t i = 0; i < sizeof soups / sizeof soups[0]; i++) {
        struct parsed P;
        parse_text(&P, soups[i], false);
        ck_assert_ptr_nonnull(P.root);
        done(&P);
    }
}
END_TEST

static int write_buf(void *ud, const char *buf, size_t len)
{
    struct sbuf *b = ud;
    put(b, "%.*s", (int)len, buf);
    return 0;
}

START_TEST(test_json)
{
    struct parsed P;
    parse_text(&P, "a = -1\n", false);
    struct sbuf b = {NULL, 0, 0};
    put(&b, "%s", "");
    ck_assert_int_eq(ast_dump_json(P.root, P.src, write_buf, &b), 0);
    ck_assert_str_eq(b.s, "{\"kind\": \"module\", \"span\": [0, 7], \"filename\": \"/t/main.k\", "
                          "\"doc\": null, \"body\": [{\"kind\": \"assign\", \"span\": [0, 6], "
                          "\"targets\": [{\"kind\": \"name\", \"span\": [0, 1], \"name\": \"a\"}], "
                          "\"type\": null, \"value\": {\"kind\": \"unary\", \"span\": [4, 6], "
                          "\"op\": \"-\", \"operand\": {\"kind\": \"int\", \"span\": [5, 6], "
                          "\"value\": 1}}}]}");
    free(b.s);
    done(&P);
}
END_TEST

/* Bad assignment targets parse (KCL rejects them at compile time); ast.c says why. */
START_TEST(test_targets)
{
    static const struct {
        const char *src, *kind;
        bool ok;
    } cases[] = {
        {"a = 1\n", "Identifier", true},
        {"a.b[0].c = 1\n", "SelectorExpression", true},
        {"a?.b = 1\n", "SelectorExpression", false},
        {"_a + 1 = 2\n", "BinaryExpression", false},
        {"[1] = 2\n", "ListExpression", false},
        {"_f() = 2\n", "CallExpression", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct parsed P;
        parse_text(&P, cases[i].src, false);
        ck_assert_uint_eq(P.d.n, 0);
        const struct ast *a = P.root->u.module.body.v[0];
        ck_assert_int_eq(a->kind, AST_ASSIGN);
        ck_assert_int_eq(ast_is_target(a->u.assign.targets.v[0]), cases[i].ok);
        ck_assert_str_eq(ast_kcl_expr_name(a->u.assign.targets.v[0]), cases[i].kind);
        done(&P);
    }
}
END_TEST

static Suite *parser_suite(void)
{
    Suite *s = suite_create("parser");
    TCase *tc = tcase_create("shapes");
    tcase_add_loop_test(tc, test_expr, 0, (int)(sizeof expr_cases / sizeof expr_cases[0]));
    tcase_add_loop_test(tc, test_stmt, 0, (int)(sizeof stmt_cases / sizeof stmt_cases[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof error_cases / sizeof error_cases[0]));
    tcase_add_loop_test(tc, test_other_errors, 0,
                        (int)(sizeof other_cases / sizeof other_cases[0]));
    tcase_add_test(tc, test_deep_nesting);
    tcase_add_test(tc, test_garbage);
    tcase_add_test(tc, test_json);
    tcase_add_test(tc, test_targets);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(parser_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
