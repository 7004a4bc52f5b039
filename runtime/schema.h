/* Schemas (spec §3.7), types and their checking/conversion (§3.8). Internal. */
#ifndef SCL_RUNTIME_SCHEMA_H
#define SCL_RUNTIME_SCHEMA_H

#include "runtime/eval.h"

struct schema_attr {
    struct str *name;
    struct ast *type;  /* annotation or NULL (any) */
    struct schema_type *owner; /* the schema that declared it (type context) */
    bool optional;
    struct ast_list *decorators;
    struct span span; /* the declaration: run-time type errors point here */
};

/* Statements of a schema body, flattened over the inheritance chain and mixins. */
struct schema_layout {
    struct ast **stmts;
    struct schema_type **owner; /* the schema each statement belongs to */
    uint32_t nstmts;
    struct dict *setters;       /* attr name -> V_INT index into 'sets' */
    struct { uint32_t *v; uint32_t n, cap; } *sets;
    uint32_t nsets;
    struct ast **checks;        /* check expressions: parent's, own, mixins' */
    struct schema_type **check_owner;
    uint32_t nchecks;
};

struct schema_type {
    struct str *name;
    const char *pkgpath;
    struct ast *node;           /* AST_SCHEMA / AST_RULE; NULL for aliases */
    struct ast *alias;          /* type alias: the aliased type */
    struct pkg *pkg;
    uint32_t file;
    struct scope *closure;
    struct schema_type *parent;
    struct schema_type **mixins;
    uint32_t nmixins;
    struct schema_type *host;   /* 'for Protocol' */
    struct schema_attr *attrs;  /* parent's first, then own, then mixins' */
    uint32_t nattrs, capattrs;
    bool attrs_pending;         /* attrs, attr_index and index_sig not made yet (schema_ready) */
    struct dict *attr_index;    /* name -> V_INT index into attrs */
    struct ast *index_sig;      /* own or inherited */
    struct schema_type *index_sig_owner;
    struct schema_layout *layout; /* built on first instantiation */
    struct list *instances;
    bool is_rule, is_mixin, is_protocol;
    bool resolved;
};

/* What an instance was made from: `inst | config` runs the schema again with them. */
struct schema_origin {
    struct dict *config;          /* NULL: none */
    const struct callargs *args;  /* NULL: none */
};

/* Per-instantiation state of a schema body. */
struct schema_frame {
    struct schema_type *type;
    struct dict *inst;
    struct dict *config;
    uint8_t *state;   /* STMT_* per layout statement */
    struct scope *scope;
};

struct value schema_define(struct eval *ev, struct ast *n);
struct value type_alias_value(struct eval *ev, struct ast *n);
struct value schema_expr(struct eval *ev, struct ast *n);
/* Instantiates the schema of expression 'n' (`S(args) {...}`) with 'config' instead of the
 * expression's own config. */
struct value schema_expr_config(struct eval *ev, struct ast *n, struct value config);
struct value schema_call(struct eval *ev, struct schema_type *st, const struct callargs *a);
struct value schema_instantiate(struct eval *ev, struct schema_type *st, struct value config,
                                const struct callargs *args, struct span span);
bool schema_frame_lookup(struct eval *ev, struct schema_frame *f, struct str *name,
                         struct value *out);
void schema_frame_assign(struct eval *ev, struct schema_frame *f, struct str *name, struct value v,
                         struct ast *type, struct span span, bool is_aug);
/* Makes the attribute table of a schema defined lazily (its parents' and mixins' first);
 * schema_ready is the check, inline on the paths that convert every attribute. */
void schema_make_attrs(struct eval *ev, struct schema_type *st);
static inline void schema_ready(struct eval *ev, struct schema_type *st)
{
    if (st->attrs_pending)
        schema_make_attrs(ev, st);
}
/* Of a schema whose table is made (one with instances or a running frame). */
bool schema_has_attr(const struct schema_type *st, struct str *name);
struct value schema_type_member(struct eval *ev, struct schema_type *st, struct str *name,
                                struct span span);
struct value schema_union(struct eval *ev, struct value a, struct value b);
struct value schema_attr_convert(struct eval *ev, struct schema_type *st, struct str *name,
                                 struct value v, struct span span);
void schema_recheck(struct eval *ev, struct value inst, struct span span);
bool schema_is_sub(const struct schema_type *st, const struct schema_type *base);

/* Checks v against the annotation 'type' and converts dicts to schema instances. */
struct value type_convert(struct eval *ev, struct ast *type, struct value v, struct span span);
/* The type or alias a named annotation (`S`, `pkg.S`) stands for, in the current package. */
struct value resolve_named(struct eval *ev, struct ast *t);
/* The annotation as KCL prints it: "[int]", "{str:Person}", "int | str". */
const char *type_str(struct eval *ev, struct ast *type);

#endif
