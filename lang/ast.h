/* Abstract syntax tree. Every node lives in its module's arena and carries its span.
 * Node constructors (ast.c) are what parser actions call; they do no lookups and no
 * evaluation. */
#ifndef SCL_LANG_AST_H
#define SCL_LANG_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/arena.h"
#include "lang/source.h"
#include "lang/token.h"

struct ast;

/* A growable array of nodes (left-recursive grammar rules append to it). */
struct ast_list {
    struct ast **v;
    uint32_t n, cap;
};

enum ast_kind {
    /* ---- expressions ---- */
    AST_NAME,      /* name */
    AST_INT,       /* ival, suffix (UNIT_NONE for plain ints) */
    AST_FLOAT,     /* fval */
    AST_STR,       /* str: decoded literal; parts[] holds sub-expressions for ${} */
    AST_TRUE, AST_FALSE, AST_NONE, AST_UNDEFINED,
    AST_PAREN,     /* unary.operand: ( expr ) */
    AST_UNARY,     /* unary.op (OP_NEG OP_POS OP_INVERT OP_NOT), unary.operand */
    AST_BINARY,    /* binary.op, left, right: arithmetic, bitwise, and/or (short-circuit) */
    AST_COMPARE,   /* compare: operand0 op0 operand1 op1 operand2 ... (chains) */
    AST_AS,        /* as_expr: value as type */
    AST_IFEXPR,    /* ifexpr: body if cond else orelse */
    AST_SELECT,    /* select: value.attr / value?.attr */
    AST_INDEX,     /* index: value[index] / value?[index] */
    AST_SLICE,     /* slice: value[lo:hi:step] / value?[...]; any part may be NULL */
    AST_CALL,      /* call: func(args) ; args are exprs or AST_KWARG */
    AST_KWARG,     /* kwarg: name = value (only inside call args) */
    AST_LIST,      /* list.items: exprs, AST_STARRED, AST_LIST_IF */
    AST_STARRED,   /* unary.operand: *expr in a list */
    AST_LIST_IF,   /* cond_items: if cond: items (elif ...)* (else: items) */
    AST_LIST_COMP, /* comp: elt + clauses (AST_COMP_FOR) */
    AST_CONFIG,    /* config.entries: AST_ENTRY, AST_CONFIG_IF */
    AST_ENTRY,     /* entry: key op value; key NULL with op ENTRY_UNPACK for **value */
    AST_CONFIG_IF, /* cond_items: if cond: entries (elif ...)* (else: entries) */
    AST_DICT_COMP, /* comp: key + value (entry node in comp.elt) + clauses */
    AST_COMP_FOR,  /* comp_for: for k[, v] in iter (if cond)* */
    AST_SCHEMA_EXPR, /* schema_expr: name(args) {config}; name is a dotted AST_NAME/AST_SELECT */
    AST_LAMBDA,    /* lambda: params, return type, body statements */
    AST_QUANT,     /* quant: all/any/map/filter k[, v] in target { test [if cond] } */

    /* ---- statements ---- */
    AST_MODULE,      /* module: doc, body */
    AST_EXPR_STMT,   /* expr_stmt.value */
    AST_ASSIGN,      /* assign: targets[] = value, optional type annotation */
    AST_AUG_ASSIGN,  /* aug: target op= value */
    AST_UNIFY,       /* unify: target : schema_expr */
    AST_IMPORT,      /* import: path (dots + segments), alias */
    AST_TYPE_ALIAS,  /* type_alias: name = type */
    AST_ASSERT,      /* check_expr: test [if cond] [, msg] */
    AST_IF,          /* if_stmt: cond, body, orelse (orelse holds one AST_IF for elif) */
    AST_SCHEMA,      /* schema: schema/mixin/protocol declaration */
    AST_RULE,        /* schema with is_rule: rule declaration; checks only */
    AST_SCHEMA_ATTR, /* attr: decorators name[?]: type [op value] */
    AST_INDEX_SIG,   /* index_sig: [key_name: [...] key_type]: value_type [= value] */
    AST_CHECK_EXPR,  /* check_expr: test [if cond] [, msg] inside check: blocks and rules */
    AST_DECORATOR,   /* decorator: @name(args) */

    /* ---- types (annotations) ---- */
    AST_TYPE_ANY,     /* any */
    AST_TYPE_NAMED,   /* type_named: bool/int/float/str or a dotted schema name */
    AST_TYPE_LIST,    /* type_list.elem (NULL for []) */
    AST_TYPE_DICT,    /* type_dict.key, value (either NULL) */
    AST_TYPE_UNION,   /* type_union.types */
    AST_TYPE_LITERAL, /* type_lit.value: AST_INT/AST_FLOAT/AST_STR/AST_TRUE/AST_FALSE/AST_NONE */
    AST_TYPE_FUNC,    /* type_func: (params) -> ret */

    /* ---- parts ---- */
    AST_PARAM,        /* param: name [: type] [= default] */
    AST_KIND_COUNT
};

enum ast_op {
    OP_NONE,
    /* unary */
    OP_NEG, OP_POS, OP_INVERT, OP_NOT,
    /* binary arithmetic / bitwise */
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_FLOORDIV, OP_MOD, OP_POW,
    OP_LSHIFT, OP_RSHIFT, OP_BITAND, OP_BITOR, OP_BITXOR,
    /* logic (short-circuit) */
    OP_AND, OP_OR,
    /* comparisons */
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_IN, OP_NOT_IN, OP_IS, OP_IS_NOT,
    OP_COUNT
};

/* Config entry / attribute operators (spec §3.5). */
enum entry_op { ENTRY_UNION, ENTRY_OVERRIDE, ENTRY_INSERT, ENTRY_UNPACK };

enum quant_kind { QUANT_ALL, QUANT_ANY, QUANT_MAP, QUANT_FILTER };
enum schema_kind { SCHEMA_PLAIN, SCHEMA_MIXIN, SCHEMA_PROTOCOL };

struct ast {
    uint16_t kind; /* enum ast_kind */
    struct span span;
    union {
        const char *name; /* AST_NAME (NUL-terminated, '$' removed) */
        struct {
            int64_t ival;
            uint8_t suffix; /* enum unit_suffix */
        } num;
        double fval;
        struct {
            const struct strlit *lit;
            struct ast **exprs; /* exprs[i] is the parsed expression of lit->parts[i] when
                                   that part is STRPART_EXPR, else NULL */
        } str;
        struct {
            uint8_t op;
            struct ast *operand;
        } unary;
        struct {
            uint8_t op;
            struct ast *left, *right;
        } binary;
        struct {
            struct ast_list operands; /* n >= 2 */
            uint8_t *ops;             /* operands.n - 1 of enum ast_op */
        } compare;
        struct {
            struct ast *value, *type;
        } as_expr;
        struct {
            struct ast *body, *cond, *orelse;
        } ifexpr;
        struct {
            struct ast *value;
            const char *attr;
            bool optional; /* ?. */
        } select;
        struct {
            struct ast *value, *index;
            bool optional; /* ?[ */
        } index;
        struct {
            struct ast *value, *lo, *hi, *step;
            bool optional;
        } slice;
        struct {
            struct ast *func;
            struct ast_list args; /* positional exprs, then AST_KWARG */
        } call;
        struct {
            const char *name;
            struct ast *value;
        } kwarg;
        struct {
            struct ast_list items;
        } list;
        struct {
            struct ast_list entries;
        } config;
        struct {
            struct ast *key; /* NULL for **value; AST_NAME, AST_SELECT chain (a.b.c), AST_STR,
                                AST_INDEX (k[i]) or any expression */
            struct ast *value;
            uint8_t op;      /* enum entry_op */
        } entry;
        struct {
            struct ast *cond;       /* NULL for the else branch */
            struct ast_list items;  /* list items or config entries */
            struct ast *orelse;     /* next AST_LIST_IF / AST_CONFIG_IF (elif/else) or NULL */
        } cond_items;
        struct {
            struct ast *elt;           /* list comp: element; dict comp: an AST_ENTRY */
            struct ast_list clauses;   /* AST_COMP_FOR */
        } comp;
        struct {
            const char *key, *value;   /* loop variables; value NULL for one variable */
            struct span key_span, value_span;
            struct ast *iter;
            struct ast_list ifs;
        } comp_for;
        struct {
            struct ast *name;      /* AST_NAME or AST_SELECT chain */
            struct ast_list args;  /* as in calls */
            bool has_args;
            struct ast *config;    /* AST_CONFIG (may be empty) */
        } schema_expr;
        struct {
            struct ast_list params; /* AST_PARAM */
            struct ast *ret;        /* return type or NULL */
            struct ast_list body;   /* statements */
        } lambda;
        struct {
            uint8_t kind; /* enum quant_kind */
            const char *key, *value;
            struct span key_span, value_span;
            struct ast *target;
            struct ast *test;
            struct ast *cond; /* NULL without 'if' */
        } quant;

        /* statements */
        struct {
            const struct strlit *doc; /* module docstring or NULL */
            struct span doc_span;     /* its literal as written (scl fmt prints it so) */
            struct ast_list body;
            const char *filename;
        } module;
        struct {
            struct ast *value;
        } expr_stmt;
        struct {
            struct ast_list targets; /* AST_NAME / AST_SELECT / AST_INDEX chains */
            struct ast *type;        /* annotation or NULL */
            struct ast *value;
        } assign;
        struct {
            struct ast *target;
            uint8_t op; /* enum ast_op: OP_ADD for +=, ... */
            struct ast *value;
        } aug;
        struct {
            struct ast *target; /* AST_NAME */
            struct ast *value;  /* AST_SCHEMA_EXPR */
        } unify;
        struct {
            const char *path;  /* dotted path as written, without leading dots: "a.b.c" */
            uint32_t level;    /* number of leading dots (relative import) */
            const char *alias; /* NULL: last segment */
            const char *asname; /* the bound name: alias or last segment */
        } import;
        struct {
            const char *name;
            struct ast *type;
        } type_alias;
        struct {
            struct ast *test, *cond, *msg; /* cond and msg may be NULL */
        } check_expr; /* AST_ASSERT, AST_CHECK_EXPR */
        struct {
            struct ast *cond;
            struct ast_list body;
            struct ast_list orelse; /* else body; an elif is one AST_IF in it */
        } if_stmt;
        struct {
            const char *name;
            uint8_t kind;            /* enum schema_kind */
            bool is_rule;
            const struct strlit *doc;
            struct span doc_span;    /* the docstring literal as written */
            struct ast_list decorators;
            struct ast_list params;  /* AST_PARAM */
            struct ast_list parents; /* schema: at most one dotted name; rule: several */
            struct ast *for_host;    /* 'for Protocol' dotted name, or NULL */
            struct ast_list mixins;  /* dotted names */
            struct ast_list body;    /* AST_SCHEMA_ATTR, AST_INDEX_SIG, statements */
            struct ast_list checks;  /* AST_CHECK_EXPR */
        } schema;
        struct {
            const char *name;  /* identifier or string key */
            bool is_str_key;   /* written as a string literal */
            bool optional;     /* name?: T */
            struct ast_list decorators;
            struct ast *type;
            uint8_t op;        /* enum entry_op: '=' override, '+=' insert, ... */
            uint8_t aug_op;    /* enum ast_op for other augmented assignments, else OP_NONE */
            struct ast *value; /* default or NULL */
        } attr;
        struct {
            const char *key_name; /* [k: str]: ... ; NULL when unnamed */
            bool any_other;       /* [...str] */
            struct ast *key_type, *value_type;
            struct ast *value;    /* default or NULL */
        } index_sig;
        struct {
            struct ast *name; /* dotted name */
            struct ast_list args;
            bool has_args;
        } decorator;

        /* types */
        struct {
            const char *name; /* "bool" "int" "float" "str" or dotted "pkg.Schema" */
        } type_named;
        struct {
            struct ast *elem;
        } type_list;
        struct {
            struct ast *key, *value;
        } type_dict;
        struct {
            struct ast_list types;
        } type_union;
        struct {
            struct ast *value;
        } type_lit;
        struct {
            struct ast_list params; /* types */
            struct ast *ret;
        } type_func;

        /* parts */
        struct {
            const char *name;
            struct ast *type;    /* or NULL */
            struct ast *value;   /* default or NULL */
        } param;
    } u;
};

/* ---- construction helpers (ast.c) ---- */
struct ast *ast_new(struct arena *a, enum ast_kind kind, struct span span);
/* Appends; returns false on memory exhaustion. */
bool ast_list_push(struct arena *a, struct ast_list *l, struct ast *n);
/* Bytes the node takes: a node holds only its kind's member of the union. */
size_t ast_size(const struct ast *n);

const char *ast_kind_name(enum ast_kind kind);
/* The name an assignment target stands on: a in `a`, `a.b.c`, `a[0].b`, `(a).b`. */
struct ast *ast_target_root(struct ast *t);
const char *ast_op_name(enum ast_op op);     /* "+", "not in", ... */

/* Writes the tree as JSON (kind, span as [lo, hi] bytes plus fields) for tools and tests. */
typedef int (*ast_write_fn)(void *ud, const char *buf, size_t len);
int ast_dump_json(const struct ast *n, const struct source *src, ast_write_fn w, void *ud);

/* {=====================================================================
 * Node constructors called by the grammar actions (parser.y), one per action. They take
 * the parser (struct parser, parse.h) for its arena, source and diagnostics, check what the
 * grammar cannot (assignment targets, argument order, loop variables, duplicate index
 * signatures) and report it; they never look anything up. A NULL result means memory ran
 * out (p->oom is then set); a NULL statement is skipped by ast_list_add.
 * Tokens are passed by value; their spans become node spans.
 * ====================================================================} */
struct parser;

/* Lists, by value (left-recursive rules append to them). */
struct ast_list ast_list_none(void);
struct ast_list ast_list_one(struct parser *p, struct ast *n);
struct ast_list ast_list_add(struct parser *p, struct ast_list l, struct ast *n);

/* Expressions. */
struct ast *ast_name(struct parser *p, struct token name);
struct ast *ast_int(struct parser *p, struct token t);
struct ast *ast_float(struct parser *p, struct token t);
struct ast *ast_const(struct parser *p, enum ast_kind kind, struct token t);
struct ast *ast_paren(struct parser *p, struct token lp, struct ast *e, struct token rp);
struct ast *ast_unary(struct parser *p, enum ast_op op, struct token t, struct ast *operand);
struct ast *ast_binary(struct parser *p, enum ast_op op, struct ast *l, struct ast *r);
/* Appends to 'l' when it is itself a comparison (a < b < c is one AST_COMPARE). */
struct ast *ast_compare(struct parser *p, enum ast_op op, struct ast *l, struct ast *r);
struct ast *ast_as(struct parser *p, struct ast *value, struct ast *dotted);
struct ast *ast_ifexpr(struct parser *p, struct ast *body, struct ast *cond, struct ast *orelse);
struct ast *ast_select(struct parser *p, struct ast *value, struct token name, bool optional);
/* A slice without its value (lo:hi:step); ast_subscript completes it. */
struct ast *ast_slice_spec(struct parser *p, struct token colon, struct ast *lo, struct ast *hi,
                           struct ast *step);
/* value[sub] (AST_INDEX) or value[lo:hi:step] when 'sub' came from ast_slice_spec. */
struct ast *ast_subscript(struct parser *p, struct ast *value, struct ast *sub, bool optional,
                          struct token rb);
struct ast *ast_call(struct parser *p, struct ast *func, struct ast_list args, struct token rp);
struct ast *ast_kwarg(struct parser *p, struct token name, struct ast *value);
/* Appends a call argument; reports a positional argument after a keyword one. */
struct ast_list ast_args_add(struct parser *p, struct ast_list l, struct ast *arg);
struct ast *ast_list_expr(struct parser *p, struct token lb, const struct ast_list *items,
                          struct token rb);
struct ast *ast_starred(struct parser *p, struct token star, struct ast *e);
struct ast *ast_list_comp(struct parser *p, struct token lb, struct ast *elt,
                          struct ast_list clauses, struct token rb);
struct ast *ast_config(struct parser *p, struct token lb, const struct ast_list *entries,
                       struct token rb);
struct ast *ast_entry(struct parser *p, struct ast *key, enum entry_op op, struct ast *value);
struct ast *ast_entry_unpack(struct parser *p, struct token pow, struct ast *value);
struct ast *ast_dict_comp(struct parser *p, struct token lb, struct ast *entry,
                          struct ast_list clauses, struct token rb);
/* A comprehension whose clauses start where an item would ("[a, for x in y]", "[for …]"):
 * kind AST_LIST_COMP or AST_DICT_COMP; 'items' (NULL: none) must be one plain item,
 * otherwise the error is reported and NULL returned. */
struct ast *ast_comp_items(struct parser *p, enum ast_kind kind, struct token lb,
                           const struct ast_list *items, struct ast_list clauses, struct token rb);
/* Conditional list items / config entries: kind AST_LIST_IF or AST_CONFIG_IF; ast_cond_elif
 * appends an elif (cond) or else (cond NULL) branch at the end of the chain. */
struct ast *ast_cond_if(struct parser *p, enum ast_kind kind, struct token t, struct ast *cond,
                        struct ast_list items, struct token end);
struct ast *ast_cond_elif(struct parser *p, struct ast *head, struct token t, struct ast *cond,
                          struct ast_list items, struct token end);
/* for v1[, v2] in iter: loop variables are dotted names, checked here (E2L23). */
struct ast *ast_comp_for(struct parser *p, struct token t, struct ast_list vars, struct ast *iter);
struct ast *ast_comp_if(struct parser *p, struct ast *comp_for, struct ast *cond);
/* 'name' is an AST_NAME/AST_SELECT chain, or an AST_CALL of one (S(args) {…}). */
struct ast *ast_schema_expr(struct parser *p, struct ast *name, struct ast *config);
/* Lambda and quantifier heads set p->brace_hint for the feeder (parse.c). */
struct ast *ast_lambda_head(struct parser *p, struct token t, const struct ast_list *params,
                            struct ast *ret);
struct ast *ast_lambda(struct parser *p, struct ast *head, struct ast_list body, struct token rb);
struct ast *ast_quant_head(struct parser *p, enum quant_kind kind, struct token t,
                           struct ast_list vars, struct ast *target);
struct ast *ast_quant(struct parser *p, struct ast *head, struct ast *test, struct ast *cond,
                      struct token rb);

/* Types. */
struct ast *ast_type_any(struct parser *p, struct token t);
struct ast *ast_type_named(struct parser *p, struct ast *dotted);
struct ast *ast_type_list(struct parser *p, struct token lb, struct ast *elem, struct token rb);
struct ast *ast_type_dict(struct parser *p, struct token lb, struct ast *key, struct ast *value,
                          struct token rb);
struct ast *ast_type_union(struct parser *p, struct ast *l, struct ast *r);
struct ast *ast_type_literal(struct parser *p, struct ast *value);
struct ast *ast_type_func(struct parser *p, struct token lp, const struct ast_list *params,
                          struct token rp, struct ast *ret);
/* Assignment targets are parsed as expressions and not checked while parsing (KCL reports
 * a bad one at compile time: "'CallExpression' is an illegal expression for assignment").
 * ast_is_target: name, a.b, a[i] and chains of those. ast_kcl_expr_name: KCL's name of the
 * expression kind for that message. */
bool ast_is_target(const struct ast *n);
const char *ast_kcl_expr_name(const struct ast *n);
/* "a.b.c" of an AST_NAME/AST_SELECT chain (arena copy); NULL if it is not one. */
const char *ast_dotted_string(struct parser *p, const struct ast *dotted);

/* Statements. */
struct ast *ast_module(struct parser *p, struct ast_list body);
struct ast *ast_expr_stmt(struct parser *p, struct ast *e);
struct ast *ast_assign(struct parser *p, struct ast_list targets, struct ast *type,
                       struct ast *value);
struct ast *ast_ann_assign(struct parser *p, struct token name, struct ast *type,
                           struct ast *value);
struct ast *ast_aug_assign(struct parser *p, struct ast *target, int op, struct ast *value);
struct ast *ast_unify(struct parser *p, struct token name, struct ast *dotted,
                      const struct ast_list *args, struct ast *config);
struct ast *ast_import(struct parser *p, struct token t, uint32_t level, struct ast *dotted,
                       const struct token *alias);
struct ast *ast_type_alias(struct parser *p, struct token t, struct token name,
                           struct ast *type);
struct ast *ast_check_expr(struct parser *p, struct ast *test, struct ast *cond,
                           struct ast *msg);
struct ast *ast_assert(struct parser *p, struct token t, struct ast *check);
struct ast *ast_if(struct parser *p, struct token t, struct ast *cond, struct ast_list body);
struct ast *ast_if_elif(struct parser *p, struct ast *head, struct token t, struct ast *cond,
                        struct ast_list body);
struct ast *ast_if_else(struct parser *p, struct ast *head, struct ast_list body);
/* name: NAME or STRING token; op: OP_NONE for '=' (or no value when 'value' is NULL), else
 * the operator of an augmented assignment (OP_ADD for '+='). */
struct ast *ast_attr(struct parser *p, struct token name, bool optional, struct ast *type,
                     int op, struct ast *value);
/* [name: ...type] as a partial AST_INDEX_SIG; ast_index_sig completes it. */
struct ast *ast_index_key(struct parser *p, const struct token *name, bool any_other,
                          struct ast *type);
struct ast *ast_index_sig(struct parser *p, struct token lb, struct ast *key,
                          struct ast *value_type, struct ast *value);
struct ast *ast_param(struct parser *p, struct token name, struct ast *type, struct ast *value);
struct ast *ast_decorator(struct parser *p, struct token at, struct ast *name,
                          const struct ast_list *args, const struct token *rp);
/* Attaches decorators to a schema attribute (an annotated assignment becomes one). */
struct ast *ast_decorate(struct parser *p, struct ast_list decorators, struct ast *n);
/* Schemas and rules are built incrementally: the header makes the node, then body items,
 * mixin lines and checks are added; ast_schema_end finishes it. */
struct ast *ast_schema(struct parser *p, const struct ast_list *decorators, struct token kw,
                       struct token name, struct ast_list params, struct ast *parent,
                       struct ast *for_host);
struct ast *ast_rule(struct parser *p, const struct ast_list *decorators, struct token kw,
                     struct token name, struct ast_list params, struct ast_list parents,
                     struct ast *for_host);
struct ast *ast_schema_add(struct parser *p, struct ast *schema, struct ast *stmt);
struct ast *ast_schema_mixins(struct parser *p, struct ast *schema, struct token t,
                              struct ast_list names);
struct ast *ast_schema_check(struct parser *p, struct ast *schema, struct ast *check);
struct ast *ast_schema_end(struct parser *p, struct ast *schema);

#endif
