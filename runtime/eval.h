/* The evaluator: packages, lazy global scopes, local scopes, schemas, and the value
 * operations the language defines (arithmetic, comparison, union). Internal. */
#ifndef SCL_RUNTIME_EVAL_H
#define SCL_RUNTIME_EVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/source.h"
#include "runtime/value.h"
#include "runtime/vm.h"
#include "runtime/vm_impl.h"

struct pkg;

/* A package-level name. Its setters are the top-level statements that assign it, in
 * textual order; reading the name runs the setters not run yet (spec §3.6). */
struct gvar {
    struct str *name;
    struct value val;
    uint32_t *setters;
    uint32_t nsetters, cap;
    uint32_t order; /* textual order of first definition (output order) */
    bool defined;   /* some setter ran */
    bool is_output; /* assigned by an assignment (not an import, schema or type alias) */
    bool settled;   /* every setter has run: the value is final */
    struct value pending; /* merged configs of `x: S {...}` statements run so far */
    struct ast *last_unify; /* the textually last `x: S {...}` statement */
};

/* One top-level statement of a package, with its run state. */
enum { STMT_NEW, STMT_RUNNING, STMT_DONE };
struct gstmt {
    struct ast *node;
    uint32_t file; /* index into pkg->files */
    uint8_t state;
};

/* The names an import binds are file-scoped. */
struct file_import {
    struct str *name;
    struct value module; /* V_MODULE, or Undefined while unresolved */
    struct ast *node;
    struct pkg *target;  /* the package it names, once loaded (before evaluation) */
};

struct pkg_file {
    struct ast *module;
    const struct source *src;
    struct file_import *imports;
    uint32_t nimports;
    bool plain; /* a regular file (not a link) found by listing its package's folder */
};

struct pkg {
    const char *path;       /* "__main__" or dotted package path */
    const char *key;        /* resolved directory or file (import cache key) */
    const char *dir;        /* directory of the package's files */
    const char *root;       /* root of the module it belongs to (imports resolve under it) */
    struct pkg_file *files;
    uint32_t nfiles, capfiles;
    struct gstmt *stmts;
    uint32_t nstmts, capstmts;
    struct gvar **vars;     /* in textual order of first definition */
    uint32_t nvars, capvars;
    struct dict *index;     /* name -> V_INT index into vars (fast lookup) */
    uint8_t state;          /* STMT_NEW / RUNNING / DONE */
    struct list *scalars;   /* values of top-level expression statements (main package) */
    struct span *scalar_spans; /* their statements */
    uint32_t capspans;
    struct value last_schema_scalar;
    bool has_schema_scalar;
    uint32_t schema_scalar_pos; /* index in 'scalars' where the last schema scalar goes */
    bool is_main;
};

struct module {
    struct pkg *pkg;          /* NULL for system modules */
    const char *name;         /* "math", "a.b" */
    struct dict *members;     /* system modules: functions and constants */
};

/* A local scope: a short list of (interned name, value). Lookups compare pointers. */
/* LOCAL: lambda bodies; LOOP: comprehension and quantifier variables; CONFIG: the keys of
 * a config literal being built; SCHEMA: a schema body (attributes via its frame). */
enum scope_kind { SCOPE_LOCAL, SCOPE_LOOP, SCOPE_CONFIG, SCOPE_SCHEMA };
struct schema_frame;
struct scope {
    struct scope *parent;
    uint8_t kind;
    bool on_stack; /* a config scope lives in eval_config's frame: copied when kept (scope_keep) */
    uint32_t n, cap;
    struct str **names;
    struct value *vals;
    struct dict *config;          /* SCOPE_CONFIG: the dict being built */
    struct schema_frame *frame;   /* SCOPE_SCHEMA */
};

struct schema_type;

enum { EV_NAME_CACHE = 4096, EV_METHOD_CACHE = 256, EV_GLOBAL_CACHE = 1024, EV_LOOP_CACHE = 256 };
#define EV_LOOP_PAST  UINT32_MAX
#define EV_LOOP_FINAL (UINT32_MAX - 1)

/* What a package-level read of a name finds once no local scope has it: the package's
 * variable, whether some file of the package imports the name, the builtin. Valid while the
 * package has the same variables and files (both only grow). */
struct ev_global_slot {
    struct str *name;
    struct pkg *pkg;
    uint32_t nvars, nfiles;
    struct gvar *g;     /* NULL: not a variable of the package */
    bool imported;      /* some file of the package imports the name */
    bool has_builtin;
    struct value builtin;
};

struct eval {
    struct vm *vm;
    struct ev_name_slot {
        const char *key; /* a name's text in the syntax tree */
        struct str *val; /* its interned str */
    } *names;            /* up to EV_NAME_CACHE slots from the run's arena (eval_init) */
    struct ev_method_slot {
        const char *key; /* an attribute name's text in the syntax tree */
        native_fn fn;    /* the str method of that name, NULL when there is none */
    } *methods;          /* EV_METHOD_CACHE slots, allocated with 'names' */
    struct ev_global_slot *globals; /* up to EV_GLOBAL_CACHE slots */
    /* Where a name read inside a comprehension or quantifier was found: with 'from' the
     * innermost (loop) scope at the read, the value is at->vals[idx]; or, when idx is
     * EV_LOOP_PAST, the loop scopes do not hold 'name' and the general walk goes on from
     * 'at', the first config or schema scope, or the package level when it is NULL; or,
     * when idx is EV_LOOP_FINAL, the package level answered 'final' (a settled variable
     * or a builtin). Loop scopes get their names before their first step and no others
     * later, so while 'from' is innermost the answer stays right. EV_LOOP_CACHE slots,
     * allocated with the first loop scope. */
    struct ev_loop_slot {
        const char *key; /* the name's text in the syntax tree */
        struct scope *from, *at;
        struct str *name;
        uint32_t idx;
        struct value final;
    } *loop_names;
    /* 'names' and 'globals' start small (a short program touches a few of their pages and
     * zeroes little) and double, up to the EV_*_CACHE sizes, as misses show they are busy */
    uint32_t names_mask, names_misses, globals_mask, globals_misses;
    struct source_map *sm;
    struct arena *arena;
    struct pkg *main;
    struct pkg **pkgs;      /* loaded packages (for import caching) */
    uint32_t npkgs, cappkgs;
    const char *root;       /* package root directory */
    struct ext_pkg {
        const char *name, *dir; /* -E name=dir; later entries win */
    } *externals;
    uint32_t nexternals;
    const struct scl_loader *host_loader; /* NULL: the disk */
    struct mod_cache *mod_cache;          /* the context's parsed imported modules, or NULL */
    struct hook_cache *hook_cache;        /* the context's memory of host loader answers */
    struct real_memo { const char *path, *real; } *reals; /* realpath() answers of this run */
    struct probe_memo *probes; /* loader.c: what each import target on the disk was, this run */
    uint32_t nreals, capreals;
    struct pkg *cur_pkg;    /* package whose code runs */
    uint32_t cur_file;      /* file index within cur_pkg */
    struct scope *scope;    /* innermost local scope (NULL at top level) */
    struct dict *options;   /* option() values: name -> value */
    struct dict *builtins;  /* name -> function */
    struct list *schema_types; /* every schema type (for instances()) */
    struct value yaml_stream; /* manifests.yaml_stream() values, Undefined if not called */
    bool has_yaml_stream;
    unsigned stream_flags;    /* SCL_EMIT_* of the yaml_stream() call */
    const char *stream_sep;
    struct value last;      /* value of the last statement run (lambda results) */
    unsigned schema_depth;  /* nesting of schema instantiations */
    const char *defining;   /* name of the schema whose definition runs (for messages) */
    bool key_exprs;         /* the next config entry is a dict comprehension's: its key is
                               an expression even when written as a name */
};

/* Where code runs: package, file, local scope and location. Code of another package, schema
 * or type runs between ev_enter and ev_leave, which restores the caller's place. */
struct ev_place {
    struct pkg *pkg;
    uint32_t file;
    struct scope *scope;
    struct span span;
};

static inline struct ev_place ev_enter(struct eval *ev, struct pkg *pkg, uint32_t file,
                                       struct scope *scope)
{
    struct ev_place saved = {ev->cur_pkg, ev->cur_file, ev->scope, ev->vm->span};
    ev->cur_pkg = pkg;
    ev->cur_file = file;
    ev->scope = scope;
    return saved;
}

static inline void ev_leave(struct eval *ev, struct ev_place saved)
{
    ev->cur_pkg = saved.pkg;
    ev->cur_file = saved.file;
    ev->scope = saved.scope;
    ev->vm->span = saved.span;
}

/* {===== eval.c */
bool ev_protect(struct eval *ev, void (*fn)(struct vm *vm, void *ud), void *ud);
struct scope *scope_push(struct eval *ev, enum scope_kind kind);
struct scope *scope_keep(struct eval *ev, struct scope *s);
void scope_pop(struct eval *ev, struct scope *s);
void scope_set(struct eval *ev, struct scope *s, struct str *name, struct value v);
struct str *ev_name(struct eval *ev, const char *s);
/* The same for text that is not NUL-terminated (keyed by the text's address). */
struct str *ev_name_len(struct eval *ev, const char *s, size_t len);
struct value eval_config(struct eval *ev, struct ast *n);
void eval_entry_into(struct eval *ev, struct dict *d, struct ast *en, bool strict);
struct value eval_block(struct eval *ev, struct ast_list *body);
void eval_stmt(struct eval *ev, struct ast *n);
struct value eval_module_output(struct eval *ev, struct pkg *p);
/* The running top-level statement that defines schema 'name' in the current package, if any. */
struct gstmt *eval_running_definition(struct eval *ev, struct str *name);
void eval_init(struct eval *ev, struct vm *vm, struct source_map *sm);
/* The documents a result is printed as, after `__settings__` output types (STANDALONE
 * instances become documents of their own, IGNORE ones are left out). */
struct value eval_layout_documents(struct eval *ev, struct value result);
struct value assign_path_get(struct eval *ev, struct value base, struct ast *t);

/* {===== loader.c: finding and parsing imported packages */
struct pkg *loader_import(struct eval *ev, struct pkg *from, uint32_t file, struct ast *import);
struct pkg *pkg_new(struct eval *ev, const char *path, const char *dir);
void pkg_add_file(struct eval *ev, struct pkg *p, struct ast *module, const struct source *src);

struct value eval_expr(struct eval *ev, struct ast *n);
void eval_pkg(struct eval *ev, struct pkg *p);
struct value eval_lookup_name(struct eval *ev, struct str *name, struct span span);
struct value eval_call(struct eval *ev, struct value fn, const struct callargs *a);

/* {===== ops.c: operators of §3.2–§3.5 */
struct value op_binary(struct vm *vm, unsigned op, struct value a, struct value b);
struct value op_unary(struct vm *vm, unsigned op, struct value a);
bool op_compare(struct vm *vm, unsigned op, struct value a, struct value b);
/* a | b (union): dicts merge recursively, lists element-wise, ints bit-or. */
struct value op_union(struct vm *vm, struct value a, struct value b);
/* a | b of two plain dicts (V_DICT) inside one chain a | b | c ...: the dicts the chain made
 * (kept in *own, NULL at the chain's start) are merged into in place, as no one else holds
 * them; the result is the same as op_union's. */
struct owned;
struct value op_union_owned(struct vm *vm, struct value a, struct value b, struct owned **own);
/* Unifies value 'v' into dict 'd' under 'key' with config operator 'op' (spec §3.5);
 * 'conflict' checks `:` conflicts (false inside schema default merging). */
struct dict_entry *op_merge_entry(struct vm *vm, struct dict *d, struct str *key, struct value v,
                                  unsigned op, int32_t ins, bool conflict);
/* The location an entry was written at, or 'fallback'. */
static inline struct span entry_span(const struct dict_entry *e, struct span fallback)
{
    uint32_t file = e ? entry_file(e) : 0;
    if (!file)
        return fallback;
    struct span s = {file, entry_lo(e), entry_lo(e) + 1};
    return s;
}
/* Unifies 'b' into 'a' with `:` semantics (conflict errors); returns the result. */
struct value op_unify(struct vm *vm, struct value a, struct value b, bool conflict);
int op_order(struct vm *vm, struct value a, struct value b); /* <0, 0, >0 or raises */

#endif
