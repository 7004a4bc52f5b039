/* The resolver's own declarations, shared by its files: resolve.c (the walk and the checks),
 * types.c (the type algebra) and resolve_schema.c (packages, schemas, imports and type
 * annotations). Not part of the runtime's interface. */
#ifndef SCL_RUNTIME_RESOLVE_INT_H
#define SCL_RUNTIME_RESOLVE_INT_H

#include "runtime/resolve.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "runtime/loader.h"
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
    uint8_t kind;  /* enum rt_kind */
    bool instance; /* RT_SCHEMA: a value of the schema, not the schema itself */
    uint8_t suffix; /* RT_LIT_INT: enum unit_suffix of a unit literal (123K) */
    /* A hash of the structure t_equal compares, set when the type is built (0: not set, as
     * in the static types; t_hash computes it then). Equal types have equal hashes, so most
     * unequal pairs are told apart without walking them. */
    uint32_t hash;
    /* t_widen's result, kept in the types built here (hash set): a dict's value type repeats
     * the types of its attributes, so nested configs would be widened once per path to them,
     * 2^depth times, without it */
    const struct rtype *widened;
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
        } func;
        struct {
            struct rpkg *pkg; /* NULL for system modules and plugins */
            const char *path; /* as imported */
            bool system;      /* a system module (members known from the stdlib) */
        } mod;
    } u;
};

/* {=====================================================================
 * Packages, schemas and scopes
 * ====================================================================} */

/* A string-keyed hash map (open addressing) in the run's arena. */
struct rmap {
    const char **keys;
    void **vals;
    uint32_t cap, n;
};

/* A name a schema body binds: an attribute `name[?]: T [= v]` or `name: S {...}`, or the target
 * of a plain assignment (its type unknown). */
struct rattr {
    const char *name;
    struct ast *node;         /* AST_SCHEMA_ATTR, AST_UNIFY, AST_ASSIGN or AST_AUG_ASSIGN */
    struct ast *type_node;    /* the annotation; NULL for a unification (the schema named) */
    const struct rtype *type; /* resolved lazily */
    bool resolved, busy;
    bool optional;
    struct span span; /* the attribute's name */
};

struct rschema {
    struct ast *node;
    struct rpkg *pkg;
    uint32_t file;
    const char *name;
    bool is_mixin, is_protocol, is_rule;
    struct rattr *attrs; /* the first declaration of each attribute of its body */
    uint32_t nattrs, capattrs;
    struct rmap names; /* every name its body binds -> its position in 'attrs' + 1 */
    struct ast *index_sig;
    /* filled by schema_link */
    uint8_t link; /* 0: not yet, 1: linking, 2: done */
    struct rschema *parent;
    struct rschema **mixins;
    uint32_t nmixins;
    struct rschema *protocol;
    bool open; /* a parent, mixin or protocol is unknown: attributes not all known */
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
    bool busy; /* resolving the alias */
};

struct rpkg {
    struct pkg *pkg;
    struct rfile *files;
    struct rmap syms;
    struct rschema **schemas;
    uint32_t nschemas, capschemas;
    bool imports_loaded;
    bool loading;           /* its imports are being loaded: reaching it again is a cycle */
    struct ast *via;        /* while loading: the import being followed out of it */
    struct rpkg *via_pkg;   /* and the package it names */
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
    struct rmap index; /* name -> position + 1, once the scope is large */
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
    struct arena arena; /* everything the checks build; released when they end */
    struct diags *diags;
    unsigned nreports; /* errors reported (suggestions stop being computed after many) */
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
    struct ast *defining; /* the top-level "f = lambda …" whose lambda is being walked */
    const struct span *ann_at; /* where an undefined name in a type is reported, if not at it */
};

/* The types every check uses (types.c). */
extern const struct rtype T_ANY;
extern const struct rtype T_NONE;
extern const struct rtype T_BOOL;
extern const struct rtype T_INT;
extern const struct rtype T_FLOAT;
extern const struct rtype T_STR;
extern const struct rtype T_LIST_ANY;
extern const struct rtype T_LIST_INT;
extern const struct rtype T_LIST_STR;
extern const struct rtype T_DICT_ANY;
extern const struct rtype T_ITERABLE;
extern const struct rtype T_NUMBER;

/* The text of a string buffer (runtime's sbuf), "" when nothing was put. */
static inline const char *rs_sb_text(const struct sbuf *b)
{
    return b->p ? b->p : "";
}

/* Kinds of operands as KCL's operator table (calculation.rs) sees them; OT_UNKNOWN (any, a
 * unit literal, a union, a function, a schema type) takes no check. */
enum operand_kind {
    OT_UNKNOWN,
    OT_NONE,
    OT_BOOL,
    OT_INT,
    OT_FLOAT,
    OT_STR,
    OT_LIST,
    OT_DICT,
    OT_SCHEMA
};

/* {=====================================================================
 * Functions shared by the resolver's files
 * ====================================================================} */

void *rs_rz(struct resolver *r, size_t n);
void *rs_ralloc(struct resolver *r, size_t n);
void *rs_rgrow(struct resolver *r, void *p, uint32_t *cap, uint32_t n, size_t size);
uint32_t rs_name_hash(const char *s);
void *rmap_get(const struct rmap *m, const char *k);
void rmap_put(struct resolver *r, struct rmap *m, const char *k, void *v);
bool rs_ends_with(const char *s, const char *suffix);
struct span rs_attr_name_span(struct resolver *r, struct ast *n);
struct diag *rs_report(struct resolver *r, const char *code, const char *kind, struct span span,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
const char *rs_suggest(struct resolver *r, const char *name, const char *const *cands, uint32_t n,
                    bool contained);
const struct rtype *t_list(struct resolver *r, const struct rtype *elem);
const struct rtype *t_dict(struct resolver *r, const struct rtype *key, const struct rtype *val,
                           const struct rt_attr *attrs, uint32_t nattrs);
const struct rtype *t_lit_str(struct resolver *r, const char *s);
const struct rtype *t_lit_int(struct resolver *r, int64_t i);
const struct rtype *t_lit_unit(struct resolver *r, int64_t i, uint8_t suffix);
const struct rtype *t_lit_float(struct resolver *r, double f);
const struct rtype *t_lit_bool(struct resolver *r, bool b);
bool t_is_any(const struct rtype *t);
const struct rtype *t_sup(struct resolver *r, const struct rtype *const *v, uint32_t n);
const struct rtype *t_sup2(struct resolver *r, const struct rtype *a, const struct rtype *b);
void t_print(struct sbuf *b, const struct rtype *t);
const char *t_str(struct resolver *r, const struct rtype *t);
const struct rtype *t_widen(struct resolver *r, const struct rtype *t);
bool t_concrete(const struct rtype *t);
enum operand_kind rs_operand_kind(const struct rtype *t);
bool rs_is_num_kind(enum operand_kind k);
bool rs_is_zero_lit(const struct rtype *t);
const struct rtype *rs_list_item(const struct rtype *t);
bool rschema_is_sub(const struct rschema *s, const struct rschema *base);
bool rs_assignable(const struct rtype *v, const struct rtype *e);
struct rattr *rs_schema_own_attr(const struct rschema *s, const char *name);
/* The package's entry, with its imports (loaded by rs_load_imports); its names and schemas
 * come with rs_collect_all, once every package is loaded (a program that checked clean before
 * needs none of them). */
struct rpkg *rpkg_of(struct resolver *r, struct pkg *p);
void rs_collect_all(struct resolver *r);
void rs_load_imports(struct resolver *r, struct rpkg *rp, unsigned depth);
bool rs_system_member(struct resolver *r, const char *path, const char *name);
struct rimport *rs_file_import(struct rpkg *rp, uint32_t file, const char *name);
struct rimport *rs_pkg_import(struct rpkg *rp, uint32_t file, const char *name);
struct rschema *rs_schema_ref(struct resolver *r, struct rpkg *rp, uint32_t file, const struct ast *n,
                           bool *known);
bool rs_is_name_chain(const struct ast *n);
const char *rs_dotted_name(struct resolver *r, const struct ast *n);
void rs_link_all(struct resolver *r, struct rpkg *rp);
bool rs_schema_is_open(const struct rschema *s, unsigned depth);
struct rattr *rs_schema_attr(struct rschema *s, const char *name);
struct ast *rs_schema_index_sig(const struct rschema *s);
bool rs_schema_has_name_d(const struct rschema *s, const char *name, unsigned depth);
void rs_schema_attr_names(struct resolver *r, const struct rschema *s, const char ***v, uint32_t *n,
                       uint32_t *cap, unsigned depth);
const struct rtype *rs_type_of_ann(struct resolver *r, struct rpkg *rp, uint32_t file, struct ast *t,
                                bool report_undefined);
const struct rtype *rs_alias_type(struct resolver *r, struct rpkg *rp, struct rsym *y);
const struct rtype *rs_attr_type(struct resolver *r, struct rschema *s, struct rattr *a);
const struct rtype *rs_schema_attr_type(struct resolver *r, struct rschema *s, struct rattr *a);
struct rt_param *rs_params_of(struct resolver *r, struct rpkg *rp, uint32_t file,
                           const struct ast_list *params);
void rs_schema_params(struct resolver *r, struct rschema *s);

#endif
