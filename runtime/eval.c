/* The evaluator: walks the syntax tree of a package and produces values.
 *
 * Package-level names are lazy (spec §3.6): each name keeps the list of top-level
 * statements that set it; reading a name first runs those of its setters that have not run
 * yet (in textual order), so a variable can be read before the line that sets it. While a
 * setter of 'x' is running, reading 'x' sees the value of the earlier setters only.
 * Every top-level statement runs at most once; the normal pass skips those already forced. */
#include "config.h"

#include "runtime/eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/schema.h"
#include "scl.h"
#include "stdlib/stdlib.h"

#define SPAN(n) ((n)->span)

static struct value exec_block(struct eval *ev, struct ast_list *body);
static void exec_stmt(struct eval *ev, struct ast *n);

/* {===== scopes */

struct scope *scope_push(struct eval *ev, enum scope_kind kind)
{
    struct scope *s = vm_zalloc(ev->vm, sizeof *s);
    s->parent = ev->scope;
    s->kind = (uint8_t)kind;
    ev->scope = s;
    return s;
}

void scope_pop(struct eval *ev, struct scope *s)
{
    ev->scope = s->parent;
}

static struct value *scope_slot(struct scope *s, struct str *name)
{
    for (uint32_t i = s->n; i-- > 0;)
        if (s->names[i] == name)
            return &s->vals[i];
    return NULL;
}

/* s itself when neither it nor a scope below it had to move, else a copy of s over 'parent'. */
static struct scope *scope_relink(struct eval *ev, struct scope *s, struct scope *parent)
{
    if (parent == s->parent && !s->on_stack)
        return s;
    struct scope *c = vm_alloc(ev->vm, sizeof *c);
    *c = *s;
    c->parent = parent;
    c->on_stack = false;
    if (s->on_stack && s->n) {
        /* a lambda call's slots may be in its frame too (call_lambda) */
        c->cap = s->n;
        c->names = vm_alloc(ev->vm, s->n * sizeof *c->names);
        c->vals = vm_alloc(ev->vm, s->n * sizeof *c->vals);
        memcpy(c->names, s->names, s->n * sizeof *c->names);
        memcpy(c->vals, s->vals, s->n * sizeof *c->vals);
    }
    return c;
}

/* A scope chain that outlives the current evaluation: config scopes on the C stack (and the
 * scopes above them) are copied; the rest is shared as it is. */
struct scope *scope_keep(struct eval *ev, struct scope *s)
{
    return s ? scope_relink(ev, s, scope_keep(ev, s->parent)) : NULL;
}

void scope_set(struct eval *ev, struct scope *s, struct str *name, struct value v)
{
    struct value *slot = scope_slot(s, name);
    if (slot) {
        *slot = v;
        return;
    }
    if (s->n == s->cap) {
        /* slots in a lambda call's frame (call_lambda) are not the arena's: vm_realloc
         * copies them out, as it does any block that is not the arena's last */
        uint32_t cap = s->cap ? s->cap * 2 : 4;
        s->names = vm_realloc(ev->vm, s->names, s->cap * sizeof *s->names, cap * sizeof *s->names);
        s->vals = vm_realloc(ev->vm, s->vals, s->cap * sizeof *s->vals, cap * sizeof *s->vals);
        s->cap = cap;
    }
    s->names[s->n] = name;
    s->vals[s->n] = v;
    s->n++;
}

/* The interned str of a name of the syntax tree (or a static string). Those texts never move
 * or change during a run, so a direct-mapped cache keyed by their address answers most
 * lookups without measuring or hashing the text. */
enum { EV_NAME_CACHE_MIN = 256, EV_GLOBAL_CACHE_MIN = 64 };

static inline size_t name_hash(const struct eval *ev, const char *s)
{
    return (size_t)(((uint64_t)(uintptr_t)s * 0x9E3779B97F4A7C15ull) >> 52) & ev->names_mask;
}

struct str *ev_name_len(struct eval *ev, const char *s, size_t len)
{
    size_t h = name_hash(ev, s);
    if (ev->names[h].key == s)
        return ev->names[h].val;
    if (++ev->names_misses > 2 * (ev->names_mask + 1) && ev->names_mask + 1 < EV_NAME_CACHE) {
        /* busy: twice the slots, filled again by the misses that follow */
        uint32_t size = 2 * (ev->names_mask + 1);
        ev->names = vm_zalloc(ev->vm, size * sizeof *ev->names);
        ev->names_mask = size - 1;
        ev->names_misses = 0;
        h = name_hash(ev, s);
    }
    struct str *r = str_intern(ev->vm, s, len);
    ev->names[h].key = s;
    ev->names[h].val = r;
    return r;
}

/* ev_name, for the evaluator's own hot paths: the text is measured only on a cache miss */
static inline struct str *name_of(struct eval *ev, const char *s)
{
    size_t h = name_hash(ev, s);
    if (ev->names[h].key == s)
        return ev->names[h].val;
    return ev_name_len(ev, s, strlen(s));
}

struct str *ev_name(struct eval *ev, const char *s)
{
    return name_of(ev, s);
}

/* {===== package globals */

static struct gvar *pkg_var(struct pkg *p, struct str *name)
{
    struct dict_entry *e = dict_find(p->index, name);
    return e ? p->vars[e->val.as.i] : NULL;
}

static struct gvar *pkg_var_add(struct eval *ev, struct pkg *p, struct str *name)
{
    struct gvar *g = pkg_var(p, name);
    if (g)
        return g;
    g = vm_zalloc(ev->vm, sizeof *g);
    g->name = name;
    g->val = v_undef();
    g->pending = v_undef();
    g->order = p->nvars;
    if (p->nvars == p->capvars) {
        uint32_t cap = p->capvars ? p->capvars * 2 : 16;
        p->vars = vm_realloc(ev->vm, p->vars, p->capvars * sizeof *p->vars, cap * sizeof *p->vars);
        p->capvars = cap;
    }
    p->vars[p->nvars] = g;
    dict_set(ev->vm, p->index, name, v_int(p->nvars));
    p->nvars++;
    return g;
}

static void gvar_add_setter(struct eval *ev, struct gvar *g, uint32_t stmt)
{
    if (g->nsetters && g->setters[g->nsetters - 1] == stmt)
        return;
    if (g->nsetters == g->cap) {
        uint32_t cap = g->cap ? g->cap * 2 : 2;
        g->setters = vm_realloc(ev->vm, g->setters, g->cap * sizeof *g->setters,
                                cap * sizeof *g->setters);
        g->cap = cap;
    }
    g->setters[g->nsetters++] = stmt;
}


static void collect_setters(struct eval *ev, struct pkg *p, struct ast *n, uint32_t stmt)
{
    switch (n->kind) {
    case AST_ASSIGN:
        for (uint32_t i = 0; i < n->u.assign.targets.n; i++) {
            struct ast *r = ast_target_root(n->u.assign.targets.v[i]);
            if (r->kind == AST_NAME) {
                struct gvar *g = pkg_var_add(ev, p, ev_name(ev, r->u.name));
                g->is_output = true;
                gvar_add_setter(ev, g, stmt);
            }
        }
        break;
    case AST_AUG_ASSIGN: {
        struct ast *r = ast_target_root(n->u.aug.target);
        if (r->kind == AST_NAME) {
            struct gvar *g = pkg_var_add(ev, p, ev_name(ev, r->u.name));
            g->is_output = true;
            gvar_add_setter(ev, g, stmt);
        }
        break;
    }
    case AST_UNIFY: {
        struct gvar *g = pkg_var_add(ev, p, ev_name(ev, n->u.unify.target->u.name));
        g->is_output = true;
        g->last_unify = n;
        gvar_add_setter(ev, g, stmt);
        break;
    }
    case AST_IF:
        for (uint32_t i = 0; i < n->u.if_stmt.body.n; i++)
            collect_setters(ev, p, n->u.if_stmt.body.v[i], stmt);
        for (uint32_t i = 0; i < n->u.if_stmt.orelse.n; i++)
            collect_setters(ev, p, n->u.if_stmt.orelse.v[i], stmt);
        break;
    case AST_SCHEMA:
    case AST_RULE:
        gvar_add_setter(ev, pkg_var_add(ev, p, ev_name(ev, n->u.schema.name)), stmt);
        break;
    case AST_TYPE_ALIAS:
        gvar_add_setter(ev, pkg_var_add(ev, p, ev_name(ev, n->u.type_alias.name)), stmt);
        break;
    default:
        break;
    }
}

static void run_gstmt(struct eval *ev, struct pkg *p, uint32_t i)
{
    struct gstmt *st = &p->stmts[i];
    if (st->state != STMT_NEW)
        return;
    st->state = STMT_RUNNING;
    struct ev_place saved = ev_enter(ev, p, st->file, NULL);
    exec_stmt(ev, st->node);
    ev_leave(ev, saved);
    st->state = STMT_DONE;
}

/* Runs the setters of 'g' that may run now and returns its value. */
static struct value gvar_force(struct eval *ev, struct pkg *p, struct gvar *g)
{
    if (g->settled)
        return g->val;
    uint32_t limit = g->nsetters;
    for (uint32_t k = 0; k < g->nsetters; k++) {
        if (p->stmts[g->setters[k]].state == STMT_RUNNING) {
            limit = k;
            break;
        }
    }
    for (uint32_t k = 0; k < limit; k++)
        run_gstmt(ev, p, g->setters[k]);
    /* none was running, so all have run now (setters are only added before evaluation) */
    g->settled = limit == g->nsetters;
    return g->val;
}

/* {===== modules and imports */

static struct value module_value(struct eval *ev, struct pkg *p, const char *name,
                                 const struct stdlib_module *sys)
{
    struct module *m = vm_zalloc(ev->vm, sizeof *m);
    m->pkg = p;
    m->name = name;
    if (sys) {
        m->members = dict_new(ev->vm, (uint32_t)sys->nfns);
        for (size_t i = 0; i < sys->nfns; i++) {
            const char *full = str_fmt(ev->vm, "%s.%s", name, sys->fns[i].name)->b;
            dict_set(ev->vm, m->members, ev_name(ev, sys->fns[i].name),
                     v_func(vm_native(ev->vm, full, sys->fns[i].fn)));
        }
        if (sys->consts)
            sys->consts(ev->vm, m->members);
    }
    struct value v = {V_MODULE, 0, 0, {.m = m}};
    return v;
}

/* {===== the evaluator's own system modules: manifests, runtime */

static struct value opt_get(struct value opts, const char *k)
{
    if (!v_is_dictlike(opts))
        return v_undef();
    for (uint32_t i = 0; i < opts.as.d->used; i++)
        if (opts.as.d->e[i].key && !strcmp(opts.as.d->e[i].key->b, k))
            return opts.as.d->e[i].val;
    return v_undef();
}

static struct value yaml_stream_fn(struct vm *vm, const struct callargs *a)
{
    struct eval *ev = vm->ev;
    struct value values, opts = v_undef();
    if (!arg_get(vm, a, 0, "values", &values))
        vm_raise(vm, "yaml_stream() missing 1 required positional argument: 'values'");
    bool has_opts = arg_get(vm, a, 1, "opts", &opts);
    if (values.tag != V_LIST)
        vm_raise(vm, "yaml_stream() values must be a list, got %s", v_type_name(values));
    unsigned flags = SCL_EMIT_SHOW_HIDDEN;
    const char *sep = "---";
    if (has_opts && v_is_dictlike(opts)) {
        struct value ip = opt_get(opts, "ignore_private");
        if (ip.tag == V_UNDEF || v_truthy(ip))
            flags &= ~(unsigned)SCL_EMIT_SHOW_HIDDEN;
        if (v_truthy(opt_get(opts, "sort_keys")))
            flags |= SCL_EMIT_SORT_KEYS;
        if (v_truthy(opt_get(opts, "ignore_none")))
            flags |= SCL_EMIT_DROP_NONE;
        struct value sp = opt_get(opts, "sep");
        if (sp.tag == V_STR)
            sep = sp.as.s->b;
    }
    ev->yaml_stream = values;
    ev->has_yaml_stream = true;
    ev->stream_flags = flags;
    ev->stream_sep = sep;
    return v_none();
}

/* vm_protect for code that goes on evaluating after a failure: an error unwinds from
 * wherever it was raised (inside a lambda, a schema body, another package), so the place the
 * evaluator was in is put back. */
bool ev_protect(struct eval *ev, void (*fn)(struct vm *vm, void *ud), void *ud)
{
    struct ev_place place = {ev->cur_pkg, ev->cur_file, ev->scope, ev->vm->span};
    unsigned schema_depth = ev->schema_depth;
    const char *defining = ev->defining;
    bool key_exprs = ev->key_exprs;
    if (vm_protect(ev->vm, fn, ud))
        return true;
    ev_leave(ev, place);
    ev->schema_depth = schema_depth;
    ev->defining = defining;
    ev->key_exprs = key_exprs;
    return false;
}

struct catch_call {
    struct value fn;
};

static void catch_run(struct vm *vm, void *ud)
{
    struct catch_call *c = ud;
    vm_call(vm, c->fn, NULL, 0);
}

static struct value catch_fn(struct vm *vm, const struct callargs *a)
{
    struct catch_call c;
    if (!arg_get(vm, a, 0, "func", &c.fn))
        vm_raise(vm, "catch() missing 1 required positional argument: 'func'");
    unsigned n = vm->diags->n, ne = vm->diags->nerrors;
    if (ev_protect(vm->ev, catch_run, &c))
        return v_undef();
    const char *msg = vm->last_error ? vm->last_error->message : "";
    vm->diags->n = n;
    vm->diags->nerrors = ne;
    return v_str(str_cstr(vm, msg));
}

static const struct native_def manifests_fns[] = {{"yaml_stream", yaml_stream_fn}};
static const struct native_def runtime_fns[] = {{"catch", catch_fn}};
static const struct stdlib_module eval_modules[] = {
    {"manifests", manifests_fns, 1, NULL},
    {"runtime", runtime_fns, 1, NULL},
};

static const struct stdlib_module *system_module(const char *name)
{
    for (size_t i = 0; i < sizeof eval_modules / sizeof eval_modules[0]; i++)
        if (!strcmp(eval_modules[i].name, name))
            return &eval_modules[i];
    return stdlib_module(name);
}

static struct value import_resolve(struct eval *ev, struct file_import *imp)
{
    if (imp->module.tag == V_MODULE)
        return imp->module;
    struct ast *n = imp->node;
    struct span saved = ev->vm->span;
    ev->vm->span = n->span;
    const char *path = n->u.import.path;
    if (n->u.import.level == 0) {
        const struct stdlib_module *sys = system_module(path);
        if (sys) {
            imp->module = module_value(ev, NULL, path, sys);
            ev->vm->span = saved;
            return imp->module;
        }
        if (!strncmp(path, "kcl_plugin.", 11) || !strcmp(path, "kcl_plugin"))
            vm_raise_at(ev->vm, n->span, "E2F04", "CannotFindModule",
                        "the plugin package `%s` is not found, please confirm if plugin mode is "
                        "enabled",
                        path);
    }
    struct pkg *p = imp->target ? imp->target : loader_import(ev, ev->cur_pkg, ev->cur_file, n);
    eval_pkg(ev, p);
    imp->module = module_value(ev, p, p->path, NULL);
    ev->vm->span = saved;
    return imp->module;
}

static struct value module_member(struct eval *ev, struct module *m, struct str *name,
                                  struct span span)
{
    if (m->members) {
        struct dict_entry *e = dict_find(m->members, name);
        if (e)
            return e->val;
    } else if (m->pkg) {
        struct gvar *g = pkg_var(m->pkg, name);
        if (g)
            return gvar_force(ev, m->pkg, g);
    }
    vm_raise_at(ev->vm, span, "E2G22", "TypeError", "attribute '%s' not found in 'module '%s''",
                name->b, m->name);
}

/* {===== name lookup */

/* The package-level answers for 'name' in 'p', from the cache or found now. */
static const struct ev_global_slot *global_slot(struct eval *ev, struct pkg *p, struct str *name)
{
    uint64_t key = ((uint64_t)(uintptr_t)name ^ ((uint64_t)(uintptr_t)p >> 4)) *
                   0x9E3779B97F4A7C15ull;
    struct ev_global_slot *c = &ev->globals[(size_t)(key >> 54) & ev->globals_mask];
    if (c->name == name && c->pkg == p && c->nvars == p->nvars && c->nfiles == p->nfiles)
        return c;
    if (++ev->globals_misses > 2 * (ev->globals_mask + 1) &&
        ev->globals_mask + 1 < EV_GLOBAL_CACHE) {
        uint32_t size = 2 * (ev->globals_mask + 1);
        ev->globals = vm_zalloc(ev->vm, size * sizeof *ev->globals);
        ev->globals_mask = size - 1;
        ev->globals_misses = 0;
        c = &ev->globals[(size_t)(key >> 54) & ev->globals_mask];
    }
    c->name = name;
    c->pkg = p;
    c->nvars = p->nvars;
    c->nfiles = p->nfiles;
    c->g = pkg_var(p, name);
    c->imported = false;
    for (uint32_t k = 0; k < p->nfiles && !c->imported; k++)
        for (uint32_t i = 0; i < p->files[k].nimports; i++)
            if (p->files[k].imports[i].name == name)
                c->imported = true;
    struct dict_entry *e = dict_find(ev->builtins, name);
    c->has_builtin = e != NULL;
    c->builtin = e ? e->val : v_undef();
    return c;
}

/* The cached package-level answer for 'name' in 'p' when it is final: a package variable
 * whose setters have all run, or a builtin that no variable or import hides. NULL when the
 * general walk must decide (cache miss, pending setters, imports). */
static inline const struct value *global_final(struct eval *ev, struct pkg *p, struct str *name)
{
    uint64_t key =
        ((uint64_t)(uintptr_t)name ^ ((uint64_t)(uintptr_t)p >> 4)) * 0x9E3779B97F4A7C15ull;
    const struct ev_global_slot *c = &ev->globals[(size_t)(key >> 54) & ev->globals_mask];
    if (c->name != name || c->pkg != p || c->nvars != p->nvars || c->nfiles != p->nfiles ||
        c->imported)
        return NULL;
    struct gvar *g = c->g;
    if (g)
        return g->nsetters && g->settled && g->defined ? &g->val : NULL;
    return c->has_builtin ? &c->builtin : NULL;
}

/* The general walk, from scope 'from' outwards, then the package, its imports, the builtins. */
static __attribute__((noinline)) struct value lookup_from(struct eval *ev, struct scope *from,
                                                          struct str *name, struct span span)
{
    /* a package variable, a schema attribute or an import may run more code from here */
    vm_check_stack(ev->vm);
    for (struct scope *s = from; s; s = s->parent) {
        if (s->kind == SCOPE_CONFIG) {
            /* keys written in the literal (not unpacked ones) are visible to later entries */
            struct dict_entry *e = dict_find(s->config, name);
            if (e && entry_named(e))
                return e->val;
            continue;
        }
        struct value *slot = scope_slot(s, name);
        if (slot)
            return *slot;
        if (s->kind == SCOPE_SCHEMA) {
            struct value v;
            if (schema_frame_lookup(ev, s->frame, name, &v))
                return v;
        }
    }
    struct pkg *p = ev->cur_pkg;
    const struct ev_global_slot *c = global_slot(ev, p, name);
    struct gvar *g = c->g;
    if (g && g->nsetters) {
        struct value v = gvar_force(ev, p, g);
        if (g->defined)
            return v;
    }
    if (c->imported) {
        struct pkg_file *f = &p->files[ev->cur_file];
        for (uint32_t i = 0; i < f->nimports; i++)
            if (f->imports[i].name == name)
                return import_resolve(ev, &f->imports[i]);
        /* KCL lets the files of one package see each other's imports */
        for (uint32_t k = 0; k < p->nfiles; k++) {
            struct pkg_file *o = &p->files[k];
            for (uint32_t i = 0; i < o->nimports; i++)
                if (o->imports[i].name == name) {
                    uint32_t saved = ev->cur_file;
                    ev->cur_file = k;
                    struct value m = import_resolve(ev, &o->imports[i]);
                    ev->cur_file = saved;
                    return m;
                }
        }
    }
    if (c->has_builtin)
        return c->builtin;
    if (g)
        return v_undef();
    vm_raise_at(ev->vm, span, "E2L23", "CompileError", "name '%s' is not defined", name->b);
}

struct value eval_lookup_name(struct eval *ev, struct str *name, struct span span)
{
    return lookup_from(ev, ev->scope, name, span);
}

/* A name no local or loop scope holds, read at the end of the scope chain: a settled
 * package variable or a builtin is answered from the cache without the general walk. */
static __attribute__((noinline)) struct value lookup_global(struct eval *ev, struct str *name,
                                                            struct span span)
{
    const struct value *v = global_final(ev, ev->cur_pkg, name);
    if (v)
        return *v;
    return lookup_from(ev, NULL, name, span);
}

/* A name whose text is not in the name cache yet (its first read). */
static __attribute__((noinline)) struct value lookup_name_uncached(struct eval *ev, struct ast *n)
{
    return lookup_from(ev, ev->scope, ev_name(ev, n->u.name), n->span);
}

static inline struct ev_loop_slot *loop_slot(struct eval *ev, const char *text)
{
    return &ev->loop_names[(size_t)(((uint64_t)(uintptr_t)text * 0x9E3779B97F4A7C15ull) >> 56) &
                           (EV_LOOP_CACHE - 1)];
}

/* A name read inside a loop scope whose answer is not cached: the walk of lookup_name, which
 * remembers a variable found in a loop scope or a lambda's local scope when only loop
 * scopes come before it (their names never change; a local scope may gain names, but only
 * from statements, which do not run while a loop scope is innermost), and a name that a
 * chain of loop scopes alone does not hold. */
static __attribute__((noinline)) struct value lookup_loop_name(struct eval *ev, struct ast *n)
{
    struct str *name = ev_name(ev, n->u.name);
    struct scope *s = ev->scope;
    bool loops_only = true;
    for (; s && (s->kind == SCOPE_LOOP || s->kind == SCOPE_LOCAL); s = s->parent) {
        for (uint32_t i = s->n; i-- > 0;) {
            if (s->names[i] != name)
                continue;
            if (loops_only)
                *loop_slot(ev, n->u.name) =
                    (struct ev_loop_slot){n->u.name, ev->scope, s, name, i, v_undef()};
            return s->vals[i];
        }
        loops_only = loops_only && s->kind == SCOPE_LOOP;
    }
    if (loops_only)
        *loop_slot(ev, n->u.name) =
            (struct ev_loop_slot){n->u.name, ev->scope, s, name, EV_LOOP_PAST, v_undef()};
    if (s)
        return lookup_from(ev, s, name, n->span);
    return lookup_global(ev, name, n->span);
}

/* A cached read past the loop scopes (EV_LOOP_PAST). A package-level answer that is final
 * is kept in the slot for the next reads. */
static __attribute__((noinline)) struct value
lookup_past_loops(struct eval *ev, struct ev_loop_slot *c, struct span span)
{
    if (c->at)
        return lookup_from(ev, c->at, c->name, span);
    const struct value *v = global_final(ev, ev->cur_pkg, c->name);
    if (!v)
        return lookup_from(ev, NULL, c->name, span);
    c->final = *v;
    c->idx = EV_LOOP_FINAL;
    return *v;
}

/* Reading a name: lambda locals and loop variables, the innermost scopes, are plain lists
 * searched here; the first config or schema scope, or the end of the chain, goes the long
 * way. */
static __attribute__((noinline)) struct value lookup_name(struct eval *ev, struct ast *n)
{
    /* only tail calls here, so that the usual path needs no frame */
    struct scope *s = ev->scope;
    if (s && s->kind == SCOPE_LOOP) {
        struct ev_loop_slot *c = loop_slot(ev, n->u.name);
        if (c->key != n->u.name || c->from != s)
            return lookup_loop_name(ev, n);
        if (c->idx < EV_LOOP_FINAL)
            return c->at->vals[c->idx];
        return c->idx == EV_LOOP_FINAL ? c->final : lookup_past_loops(ev, c, n->span);
    }
    size_t h = name_hash(ev, n->u.name);
    if (ev->names[h].key != n->u.name)
        return lookup_name_uncached(ev, n);
    struct str *name = ev->names[h].val;
    for (; s && (s->kind == SCOPE_LOOP || s->kind == SCOPE_LOCAL); s = s->parent)
        for (uint32_t i = s->n; i-- > 0;)
            if (s->names[i] == name)
                return s->vals[i];
    if (!s)
        return lookup_global(ev, name, n->span);
    return lookup_from(ev, s, name, n->span);
}

/* {===== calls */

static __attribute__((noinline)) struct value call_lambda(struct eval *ev, struct func *fn,
                                                          const struct callargs *a)
{
    struct ast *lam = (struct ast *)fn->lambda;
    struct vm *vm = ev->vm;
    if (++vm->depth > vm->max_depth)
        vm_raise_limit(vm, "maximum recursion depth exceeded");
    struct ev_place saved = fn->pkg ? ev_enter(ev, fn->pkg, fn->pkg_file, fn->closure)
                                    : ev_enter(ev, ev->cur_pkg, ev->cur_file, fn->closure);
    /* The call's scope and its first slots live in this frame, as a config literal's do:
     * a function made in the body copies the scopes it keeps (capture_scopes) and
     * scope_keep copies a scope on the stack, so nothing made by the call points here once
     * it returns, and a call takes no memory from the run for its arguments. */
    enum { INLINE_PARAMS = 4 };
    struct str *names[INLINE_PARAMS];
    struct value vals[INLINE_PARAMS];
    struct scope frame = {.parent = ev->scope, .kind = SCOPE_LOCAL, .on_stack = true};
    struct scope *s = &frame;
    ev->scope = s;
    struct ast_list *params = &lam->u.lambda.params;
    if (params->n) {
        /* room for exactly the parameters: a scope with more slots than its frame holds
         * stays in the arena until the run ends (body assignments grow it: scope_set) */
        bool inl = params->n <= INLINE_PARAMS;
        s->names = inl ? names : vm_alloc(vm, params->n * sizeof *s->names);
        s->vals = inl ? vals : vm_alloc(vm, params->n * sizeof *s->vals);
        s->cap = params->n;
    }
    if (a->npos > params->n)
        vm_raise_at(vm, a->span, "E2L23", "CompileError",
                    "%s() takes %u positional argument%s but %u were given", "lambda", params->n,
                    params->n == 1 ? "" : "s", a->npos);
    for (uint32_t i = 0; i < params->n; i++) {
        struct ast *pr = params->v[i];
        struct str *pname = ev_name(ev, pr->u.param.name);
        struct value v;
        bool have = false;
        if (i < a->npos) {
            v = a->pos[i];
            have = true;
        } else {
            for (uint32_t k = 0; k < a->nkw; k++)
                if (a->kwnames[k] == pname) {
                    v = a->kw[k];
                    have = true;
                }
        }
        if (!have) {
            if (pr->u.param.value) {
                v = eval_expr(ev, pr->u.param.value);
            } else {
                vm_raise_at(vm, a->span, "E2L23", "CompileError",
                            "%s() missing 1 required positional argument: '%s'", "lambda",
                            pname->b);
            }
        }
        if (pr->u.param.type)
            v = type_convert(ev, pr->u.param.type, v, pr->span);
        scope_set(ev, s, pname, v);
    }
    for (uint32_t k = 0; k < a->nkw; k++) {
        bool known = false;
        for (uint32_t i = 0; i < params->n; i++)
            if (ev_name(ev, params->v[i]->u.param.name) == a->kwnames[k])
                known = true;
        if (!known)
            vm_raise_at(vm, a->span, "E2L23", "CompileError",
                        "lambda() got an unexpected keyword argument '%s'", a->kwnames[k]->b);
    }
    struct value r = exec_block(ev, &lam->u.lambda.body);
    if (lam->u.lambda.ret)
        r = type_convert(ev, lam->u.lambda.ret, r, lam->span);
    ev_leave(ev, saved);
    vm->depth--;
    return r;
}

/* A native function called with its own receiver (a bound method) or none. Kept apart from
 * eval_call, whose usual paths then need no frame. */
static __attribute__((noinline)) struct value call_with_self(struct eval *ev, struct func *fn,
                                                             const struct callargs *a)
{
    struct callargs b = *a;
    b.self = fn->kind == FN_BOUND ? fn->self : v_undef();
    return fn->native(ev->vm, &b);
}

struct value eval_call(struct eval *ev, struct value fnv, const struct callargs *a)
{
    vm_poll(ev->vm);
    if (fnv.tag == V_TYPE)
        return schema_call(ev, fnv.as.st, a);
    if (fnv.tag != V_FUNC)
        vm_raise(ev->vm, "'%s' object is not callable", v_type_name(fnv));
    struct func *fn = fnv.as.fn;
    if (fn->kind == FN_LAMBDA)
        return call_lambda(ev, fn, a);
    if (fn->kind == FN_NATIVE && a->self.tag == V_UNDEF)
        return fn->native(ev->vm, a);
    return call_with_self(ev, fn, a);
}

struct value vm_call(struct vm *vm, struct value fn, const struct value *args, uint32_t nargs)
{
    struct callargs a;
    memset(&a, 0, sizeof a);
    a.pos = args;
    a.npos = nargs;
    a.span = vm->span;
    return eval_call(vm->ev, fn, &a);
}

static struct value select_attr(struct eval *ev, struct value v, struct str *attr, struct span span);

enum { ARGS_INLINE = 8 };

/* Evaluates call arguments into 'pos'/'kw' (ARGS_INLINE slots each, from the caller's stack)
 * or, for longer lists, into the arena. Callees copy what they keep. */
static void eval_args(struct eval *ev, struct ast_list *args, struct callargs *a, struct value *pos,
                      struct value *kw, struct str **names)
{
    uint32_t n = args->n, np = 0, nk = 0;
    if (n > ARGS_INLINE) {
        pos = vm_alloc(ev->vm, n * sizeof *pos);
        kw = vm_alloc(ev->vm, n * sizeof *kw);
        names = vm_alloc(ev->vm, n * sizeof *names);
    }
    for (uint32_t i = 0; i < n; i++) {
        struct ast *x = args->v[i];
        if (x->kind == AST_KWARG) {
            names[nk] = ev_name(ev, x->u.kwarg.name);
            kw[nk++] = eval_expr(ev, x->u.kwarg.value);
        } else {
            pos[np++] = eval_expr(ev, x);
        }
    }
    a->pos = pos;
    a->npos = np;
    a->kw = kw;
    a->kwnames = names;
    a->nkw = nk;
}

/* The str method named by the attribute text 'attr' of the syntax tree, or NULL; looked up by
 * name once per text. */
static native_fn str_method(struct eval *ev, const char *attr)
{
    size_t h = (size_t)(((uint64_t)(uintptr_t)attr * 0x9E3779B97F4A7C15ull) >> 56) &
               (EV_METHOD_CACHE - 1);
    struct ev_method_slot *m = &ev->methods[h];
    if (m->key != attr) {
        struct str *name = ev_name(ev, attr);
        m->key = attr;
        m->fn = stdlib_str_method(name->b, name->len);
    }
    return m->fn;
}

/* Whether the call's arguments are a single positional one. */
static inline bool one_positional(const struct ast *n)
{
    return n->u.call.args.n == 1 && n->u.call.args.v[0]->kind != AST_KWARG;
}

/* s.m(x) and f(x) of a native function: a str method or a builtin with one positional
 * argument, the usual s.startswith("x") or len(v), gets a one-value argument block instead
 * of the general one. 'recv' is the method's receiver, Undefined for a function. */
static inline __attribute__((always_inline)) struct value
call_native1(struct eval *ev, struct ast *n, native_fn fn, struct value recv)
{
    struct value arg = eval_expr(ev, n->u.call.args.v[0]);
    struct callargs a = {&arg, 1, NULL, NULL, 0, n->span, recv};
    struct vm *vm = ev->vm;
    vm->span = n->span;
    if (recv.tag == V_UNDEF)
        vm_poll(vm); /* as eval_call does */
    return fn(vm, &a);
}

/* The general call of eval_call_expr, with the arguments in a block of their own. 'v' is
 * the function, or for x.f(args) the receiver x: then 'method' is its str method, or NULL to
 * select the member f. */
static __attribute__((noinline)) struct value call_general(struct eval *ev, struct ast *n,
                                                           struct value v, native_fn method)
{
    struct vm *vm = ev->vm;
    struct ast *fx = n->u.call.func;
    struct value fn = v;
    if (fx->kind == AST_SELECT && !method)
        fn = select_attr(ev, v, ev_name(ev, fx->u.select.attr), fx->span);
    struct value pos[ARGS_INLINE], kw[ARGS_INLINE];
    struct str *names[ARGS_INLINE];
    struct callargs a; /* every field is set below */
    eval_args(ev, &n->u.call.args, &a, pos, kw, names);
    a.span = n->span;
    a.self = v_undef();
    vm->span = n->span;
    if (method) {
        a.self = v;
        return method(vm, &a);
    }
    return eval_call(ev, fn, &a);
}

/* f(args), x.f(args), x?.f(args). A str method is called on its receiver directly, without
 * making a bound function value. */
static __attribute__((noinline)) struct value eval_call_expr(struct eval *ev, struct ast *n)
{
    vm_check_stack(ev->vm);
    struct ast *fx = n->u.call.func;
    if (fx->kind == AST_SELECT) {
        struct value recv = eval_expr(ev, fx->u.select.value);
        /* x?.f(): the call is skipped with the member when x is falsy */
        if (fx->u.select.optional && !v_truthy(recv))
            return v_none();
        native_fn method = recv.tag == V_STR ? str_method(ev, fx->u.select.attr) : NULL;
        if (method && one_positional(n))
            return call_native1(ev, n, method, recv);
        return call_general(ev, n, recv, method);
    }
    struct value fn = eval_expr(ev, fx);
    if (fn.tag == V_FUNC && fn.as.fn->kind == FN_NATIVE && one_positional(n))
        return call_native1(ev, n, fn.as.fn->native, v_undef());
    return call_general(ev, n, fn, NULL);
}

static struct value option_fn(struct vm *vm, const struct callargs *a)
{
    struct eval *ev = vm->ev;
    struct value key, type = v_undef(), required = v_bool(false), def = v_none();
    if (!arg_get(vm, a, 0, "key", &key) || key.tag != V_STR)
        vm_raise(vm, "option() requires a string key");
    arg_get(vm, a, 1, "type", &type);
    arg_get(vm, a, 2, "required", &required);
    bool has_def = arg_get(vm, a, 3, "default", &def);
    struct dict_entry *e = ev->options ? dict_find(ev->options, key.as.s) : NULL;
    struct value v;
    if (!e || v_is_null(e->val)) {
        if (v_truthy(required) && !has_def)
            vm_raise(vm, "option('%s') must be initialized, try '-D %s=?' argument", key.as.s->b,
                     key.as.s->b);
        v = def;
    } else {
        v = e->val;
    }
    if (type.tag == V_STR && type.as.s->len && !v_is_null(v)) {
        const char *t = type.as.s->b;
        if (!strcmp(t, "str") && v.tag != V_STR) {
            v = v_str(v_to_str(vm, v));
        } else if (!strcmp(t, "int") && v.tag != V_INT) {
            if (v.tag == V_STR) {
                char *end;
                long long x = strtoll(v.as.s->b, &end, 10);
                if (*end || !v.as.s->len)
                    vm_raise(vm, "cannot use '%s' as type 'int'", v.as.s->b);
                v = v_int(x);
            } else if (v.tag == V_FLOAT) {
                v = v_int((int64_t)v.as.f);
            } else if (v.tag == V_BOOL) {
                v = v_int(v.as.i);
            } else {
                vm_raise(vm, "cannot use '%s' as type 'int'", v_to_str(vm, v)->b);
            }
        } else if (!strcmp(t, "float") && v.tag != V_FLOAT) {
            if (v.tag == V_STR) {
                char *end;
                double x = strtod(v.as.s->b, &end);
                if (*end || !v.as.s->len)
                    vm_raise(vm, "cannot use '%s' as type 'float'", v.as.s->b);
                v = v_float(x);
            } else if (v.tag == V_INT || v.tag == V_BOOL) {
                v = v_float((double)v.as.i);
            } else {
                vm_raise(vm, "cannot use '%s' as type 'float'", v_to_str(vm, v)->b);
            }
        } else if (!strcmp(t, "bool") && v.tag != V_BOOL) {
            if (v.tag == V_STR && (!strcmp(v.as.s->b, "True") || !strcmp(v.as.s->b, "true")))
                v = v_bool(true);
            else if (v.tag == V_STR && (!strcmp(v.as.s->b, "False") || !strcmp(v.as.s->b, "false")))
                v = v_bool(false);
            else
                v = v_bool(v_truthy(v));
        } else if (!strcmp(t, "list") && v.tag != V_LIST) {
            vm_raise(vm, "cannot use '%s' as type 'list'", v_to_str(vm, v)->b);
        } else if (!strcmp(t, "dict") && !v_is_dictlike(v)) {
            vm_raise(vm, "cannot use '%s' as type 'dict'", v_to_str(vm, v)->b);
        }
    }
    return v;
}

/* {===== strings */

/* The text of an interpolated string as it is written: 'p' is a buffer of 'cap' bytes on
 * the caller's stack or, once that is too small, in the arena. */
struct str_out {
    char *p;
    size_t len, cap;
    bool in_arena;
};

static __attribute__((noinline)) void str_out_grow(struct eval *ev, struct str_out *o, size_t n)
{
    if (n >= UINT32_MAX - o->len)
        vm_raise(ev->vm, "string too long");
    size_t cap = 2 * o->cap > o->len + n ? 2 * o->cap : o->len + n;
    if (o->in_arena) {
        o->p = vm_realloc(ev->vm, o->p, o->cap, cap);
    } else {
        char *p = vm_alloc(ev->vm, cap);
        memcpy(p, o->p, o->len);
        o->p = p;
        o->in_arena = true;
    }
    o->cap = cap;
}

/* Appends n bytes. Parts are mostly a few bytes long: those up to 16 are copied by two
 * overlapping fixed-size moves, which the compiler writes inline, not by a memcpy call. */
static inline void str_out_put(struct eval *ev, struct str_out *o, const char *s, size_t n)
{
    if (n > o->cap - o->len)
        str_out_grow(ev, o, n);
    char *d = o->p + o->len;
    if (n >= 8 && n <= 16) {
        memcpy(d, s, 8);
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n && n < 4) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    } else if (n) {
        memcpy(d, s, n);
    }
    o->len += n;
}

/* A string with interpolated parts. */
static __attribute__((noinline)) struct value eval_interp(struct eval *ev, struct ast *n)
{
    const struct strlit *lit = n->u.str.lit;
    vm_check_stack(ev->vm);
    /* one pass: each part is copied as soon as it is known into a buffer on the stack (in the
     * arena once it outgrows that), then the whole into the result; integers are written
     * without becoming strings of their own */
    char local[256];
    struct str_out o = {local, 0, sizeof local, false};
    for (uint32_t i = 0; i < lit->nparts; i++) {
        const struct strpart *pt = &lit->parts[i];
        if (pt->kind == STRPART_TEXT) {
            str_out_put(ev, &o, pt->text, pt->len);
            continue;
        }
        struct value v = eval_expr(ev, n->u.str.exprs[i]);
        struct str *t;
        if (pt->spec == STRSPEC_JSON) {
            t = v_to_json(ev->vm, v, 0, false, false, false);
        } else if (pt->spec == STRSPEC_YAML) {
            t = v_to_yaml(ev->vm, v, false, false, false);
        } else if (v.tag == V_STR) {
            t = v.as.s;
        } else if (v.tag == V_INT) {
            char num[STR_INT_MAX];
            size_t len;
            const char *d = str_int_text(v.as.i, num, &len);
            str_out_put(ev, &o, d, len);
            continue;
        } else {
            t = v_to_str(ev->vm, v);
        }
        str_out_put(ev, &o, t->b, t->len);
    }
    struct str *r = vm_alloc(ev->vm, sizeof *r + o.len + 1);
    r->flags = 0;
    r->len = (uint32_t)o.len;
    memcpy(r->b, o.p, o.len);
    r->b[o.len] = '\0';
    return v_str(r);
}

static struct value eval_str(struct eval *ev, struct ast *n)
{
    const struct strlit *lit = n->u.str.lit;
    if (lit->has_expr)
        return eval_interp(ev, n);
    /* interned once per run, keyed by the literal's text: syntax trees outlive runs */
    if (!lit->nparts)
        return v_str(ev_name(ev, ""));
    return v_str(ev_name_len(ev, lit->parts[0].text, lit->parts[0].len));
}

/* {===== config literals */

static struct str *key_str(struct eval *ev, struct value k, struct span span)
{
    if (k.tag == V_STR)
        return k.as.s;
    if (v_is_null(k) || k.tag == V_LIST || v_is_dictlike(k) || k.tag == V_FUNC)
        vm_raise_at(ev->vm, span, "E2A31", "IllegalAttributeError",
                    "invalid key type '%s' of the config", v_type_name(k));
    return v_to_str(ev->vm, k);
}

/* Whether a bare name key means its loop variable (comprehension/quantifier) value. */
static bool is_loop_var(struct eval *ev, struct str *name)
{
    for (struct scope *s = ev->scope; s; s = s->parent) {
        if (s->kind == SCOPE_LOOP && scope_slot(s, name))
            return true;
    }
    return false;
}

/* Splits an entry key into a path of names: a.b.c -> [a, b, c]; returns the count. */
static uint32_t key_path(struct eval *ev, struct ast *key, struct str **out, uint32_t max,
                         bool *dynamic, bool key_expr)
{
    *dynamic = false;
    if (key_expr && (key->kind == AST_NAME || key->kind == AST_SELECT)) {
        *dynamic = true;
        return 0;
    }
    if (key->kind == AST_NAME) {
        struct str *nm = ev_name(ev, key->u.name);
        if (is_loop_var(ev, nm)) {
            *dynamic = true;
            return 0;
        }
        out[0] = nm;
        return 1;
    }
    if (key->kind == AST_SELECT && !key->u.select.optional) {
        uint32_t k = key_path(ev, key->u.select.value, out, max, dynamic, false);
        if (*dynamic || k == 0 || k >= max) {
            *dynamic = true;
            return 0;
        }
        out[k] = ev_name(ev, key->u.select.attr);
        return k + 1;
    }
    if (key->kind == AST_STR && !key->u.str.lit->has_expr) {
        out[0] = eval_str(ev, key).as.s;
        return 1;
    }
    *dynamic = true;
    return 0;
}

/* `k[0]` / `k[-1]`: the list-element form of a config key takes an integer literal. */
static bool is_int_literal(const struct ast *n)
{
    if (n->kind == AST_UNARY && n->u.unary.op == OP_NEG)
        n = n->u.unary.operand;
    return n->kind == AST_INT && n->u.num.suffix == UNIT_NONE;
}

void eval_entry_into(struct eval *ev, struct dict *d, struct ast *en, bool strict)
{
    struct vm *vm = ev->vm;
    if (en->kind == AST_CONFIG_IF) {
        for (struct ast *br = en; br; br = br->u.cond_items.orelse) {
            if (!br->u.cond_items.cond || v_truthy(eval_expr(ev, br->u.cond_items.cond))) {
                for (uint32_t i = 0; i < br->u.cond_items.items.n; i++)
                    eval_entry_into(ev, d, br->u.cond_items.items.v[i], strict);
                break;
            }
        }
        return;
    }
    bool key_expr = ev->key_exprs;
    ev->key_exprs = false;
    vm->span = en->span;
    uint8_t op = en->u.entry.op;
    if (op == ENTRY_UNPACK) {
        struct value v = eval_expr(ev, en->u.entry.value);
        if (v_is_null(v))
            return;
        if (!v_is_dictlike(v))
            vm_raise(vm, "only dict and schema can be used ** unpack, got '%s'", v_type_name(v));
        for (uint32_t i = 0; i < v.as.d->used; i++) {
            struct dict_entry *e = &v.as.d->e[i];
            if (!e->key)
                continue;
            /* unpacked entries merge without conflict checks: a later one refines */
            struct dict_entry *r =
                op_merge_entry(vm, d, e->key, e->val, entry_op(e), entry_ins(e), false);
            if (entry_file(e))
                entry_copy_at(r, e);
            else
                entry_set_at(r, en->span.file, en->span.lo);
        }
        return;
    }
    struct ast *key = en->u.entry.key;
    int32_t ins = -1;
    struct ast *idx = NULL;
    if (!key_expr && key->kind == AST_INDEX && !key->u.index.optional &&
        key->u.index.value->kind == AST_NAME && is_int_literal(key->u.index.index) &&
        !is_loop_var(ev, ev_name(ev, key->u.index.value->u.name))) {
        idx = key->u.index.index;
        key = key->u.index.value;
    }
    struct str *path[64];
    bool dynamic;
    uint32_t np = key_path(ev, key, path, 64, &dynamic, key_expr);
    if (dynamic) {
        path[0] = key_str(ev, eval_expr(ev, key), key->span);
        np = 1;
    }
    struct value v = eval_expr(ev, en->u.entry.value);
    vm->span = en->span;
    if (idx) {
        /* k[i] op v: operate on one element of the existing list */
        struct value iv = eval_expr(ev, idx);
        int64_t i = arg_int(vm, iv, "list index");
        struct dict_entry *e = dict_find(d, path[0]);
        if (op == ENTRY_INSERT) {
            if (i != 0 && (!e || e->val.tag != V_LIST))
                vm_raise(vm, "index out of bounds: the list '%s' is empty", path[0]->b);
            if (i < 0 && e && e->val.tag == V_LIST)
                i += e->val.as.l->n;
            ins = (int32_t)(i < 0 ? 0 : i);
            op_merge_entry(vm, d, path[0], v, OPK_INSERT, ins, strict);
            return;
        }
        if (!e || e->val.tag != V_LIST)
            vm_raise(vm, "only list attribute can be indexed, got '%s'",
                     e ? v_type_name(e->val) : "UndefinedType");
        struct list *l = list_copy(vm, e->val.as.l);
        if (i < 0)
            i += l->n;
        if (i < 0 || i >= (int64_t)l->n)
            vm_raise(vm, "list index out of range: %lld", (long long)i);
        if (op == ENTRY_OVERRIDE) {
            if (v.tag == V_UNDEF) {
                memmove(&l->v[i], &l->v[i + 1], (l->n - (uint32_t)i - 1) * sizeof *l->v);
                l->n--;
            } else {
                l->v[i] = v;
            }
        } else {
            l->v[i] = op_unify(vm, l->v[i], v, strict);
        }
        e->val = v_list(l);
        return;
    }
    /* a.b.c op v  ==  a: {b: {c op v}} */
    for (uint32_t k = np - 1; k > 0; k--) {
        struct dict *inner = dict_new(vm, 1);
        struct dict_entry *ie = dict_set_op(vm, inner, path[k], v, op, ins);
        entry_set_at(ie, en->span.file, en->span.lo);
        v = v_dict(inner);
        op = ENTRY_UNION;
    }
    struct dict_entry *e = op_merge_entry(vm, d, path[0], v, op, ins, strict);
    entry_set_at(e, en->span.file, en->span.lo);
    if (!dynamic && ev->scope && ev->scope->kind == SCOPE_CONFIG && ev->scope->config == d)
        entry_set_named(e, true);
}

struct value eval_config(struct eval *ev, struct ast *n)
{
    struct dict *d = dict_new(ev->vm, n->u.config.entries.n);
    /* The scope lives only while the entries run (a lambda made in them keeps a copy:
     * capture_scopes), so it takes no memory from the run. An error unwinding past it leaves
     * ev->scope to whoever catches it (ev_protect). */
    struct scope s = {.parent = ev->scope, .kind = SCOPE_CONFIG, .on_stack = true, .config = d};
    ev->scope = &s;
    for (uint32_t i = 0; i < n->u.config.entries.n; i++)
        eval_entry_into(ev, d, n->u.config.entries.v[i], true);
    ev->scope = s.parent;
    return v_dict(d);
}

/* {===== lists and comprehensions */

static void list_items_into(struct eval *ev, struct list *l, struct ast_list *items)
{
    for (uint32_t i = 0; i < items->n; i++) {
        struct ast *it = items->v[i];
        if (it->kind == AST_STARRED) {
            struct value v = eval_expr(ev, it->u.unary.operand);
            if (v.tag == V_LIST) {
                for (uint32_t k = 0; k < v.as.l->n; k++)
                    list_push(ev->vm, l, v.as.l->v[k]);
            } else if (v_is_dictlike(v)) {
                for (uint32_t k = 0; k < v.as.d->used; k++)
                    if (v.as.d->e[k].key)
                        list_push(ev->vm, l, v_str(v.as.d->e[k].key));
            } else if (!v_is_null(v)) {
                ev->vm->span = it->span;
                vm_raise(ev->vm, "only list, dict and schema can be used * unpack, got '%s'",
                         v_type_name(v));
            }
        } else if (it->kind == AST_LIST_IF) {
            for (struct ast *br = it; br; br = br->u.cond_items.orelse) {
                if (!br->u.cond_items.cond || v_truthy(eval_expr(ev, br->u.cond_items.cond))) {
                    list_items_into(ev, l, &br->u.cond_items.items);
                    break;
                }
            }
        } else {
            list_push(ev->vm, l, eval_expr(ev, it));
        }
    }
}

/* Iterates 'coll' calling fn(ev, ud, key, value) with (index, item) for lists, (key, value)
 * for dicts, (index, char) for strings. */
typedef bool (*iter_fn)(struct eval *ev, void *ud, struct value k, struct value v);

static bool iterate(struct eval *ev, struct value coll, iter_fn fn, void *ud, struct span span)
{
    struct vm *vm = ev->vm;
    switch (coll.tag) {
    case V_LIST: {
        struct list *l = coll.as.l;
        for (uint32_t i = 0; i < l->n; i++) {
            vm_poll(vm);
            if (!fn(ev, ud, v_int(i), l->v[i]))
                return false;
        }
        return true;
    }
    case V_DICT:
    case V_SCHEMA: {
        struct dict *d = coll.as.d;
        for (uint32_t i = 0; i < d->used; i++) {
            vm_poll(vm);
            if (d->e[i].key && !fn(ev, ud, v_str(d->e[i].key), d->e[i].val))
                return false;
        }
        return true;
    }
    case V_STR: {
        const unsigned char *s = (const unsigned char *)coll.as.s->b;
        uint32_t n = coll.as.s->len, i = 0;
        int64_t idx = 0;
        while (i < n) {
            uint32_t k = 1;
            if (s[i] >= 0xf0)
                k = 4;
            else if (s[i] >= 0xe0)
                k = 3;
            else if (s[i] >= 0xc0)
                k = 2;
            if (i + k > n)
                k = n - i;
            vm_poll(vm);
            if (!fn(ev, ud, v_int(idx++), v_str(str_new(vm, (const char *)s + i, k))))
                return false;
            i += k;
        }
        return true;
    }
    case V_NONE:
    case V_UNDEF:
        return true;
    default:
        vm->span = span;
        vm_raise(vm, "'%s' object is not iterable", v_type_name(coll));
    }
}

struct comp_state {
    struct ast *comp;
    uint32_t clause;
    struct scope *scope;
    struct list *out_list;
    struct dict *out_dict;
    uint32_t *slots; /* per clause: the scope slots of its key and value variables */
};

/* One entry of a dict comprehension. Its key is always an expression (a bare name is its
 * value, never the name itself), so the entry is the key's text, the value and the operator:
 * what eval_entry_into does for such a key, without its config-literal cases. */
static void comp_entry(struct eval *ev, struct dict *d, struct ast *en)
{
    if (en->kind != AST_ENTRY || en->u.entry.op == ENTRY_UNPACK) {
        ev->key_exprs = true;
        eval_entry_into(ev, d, en, true);
        return;
    }
    struct vm *vm = ev->vm;
    vm->span = en->span;
    struct ast *key = en->u.entry.key;
    struct str *k = key_str(ev, eval_expr(ev, key), key->span);
    struct value v = eval_expr(ev, en->u.entry.value);
    vm->span = en->span;
    /* a new key is simply added, as op_merge_entry would; an existing one is merged */
    bool added;
    struct dict_entry *e = dict_find_or_add(vm, d, k, v, en->u.entry.op, -1, &added);
    if (!added)
        e = op_merge_entry(vm, d, k, v, en->u.entry.op, -1, true);
    entry_set_at(e, en->span.file, en->span.lo);
}

static void comp_run(struct eval *ev, struct comp_state *cs, uint32_t clause);

struct comp_iter {
    struct comp_state *cs;
    struct ast *cf;
    uint32_t clause;
    bool two;
    bool is_list_or_str;
};

/* One item of clause 'clause': its variables are bound, then the conditions, then the next
 * clause or, after the last, the element. 'by_value': a single variable takes the item's
 * value (lists, strings) rather than its key (dicts). */
static inline __attribute__((always_inline)) void comp_item(struct eval *ev, struct comp_state *cs,
                                                            struct ast *cf, uint32_t clause,
                                                            bool two, bool by_value, struct value k,
                                                            struct value v)
{
    struct value *vals = cs->scope->vals;
    const uint32_t *slot = &cs->slots[2 * clause];
    if (two) {
        vals[slot[0]] = k;
        vals[slot[1]] = v;
    } else {
        vals[slot[0]] = by_value ? v : k;
    }
    for (uint32_t i = 0; i < cf->u.comp_for.ifs.n; i++)
        if (!v_truthy(eval_expr(ev, cf->u.comp_for.ifs.v[i])))
            return;
    if (clause + 1 < cs->comp->u.comp.clauses.n)
        comp_run(ev, cs, clause + 1);
    else if (cs->out_list) /* the last clause: the element, directly */
        list_push(ev->vm, cs->out_list, eval_expr(ev, cs->comp->u.comp.elt));
    else
        comp_entry(ev, cs->out_dict, cs->comp->u.comp.elt);
}

/* The step of 'iterate', for the collections comp_run does not walk itself. */
static bool comp_step(struct eval *ev, void *ud, struct value k, struct value v)
{
    struct comp_iter *it = ud;
    comp_item(ev, it->cs, it->cf, it->clause, it->two, it->is_list_or_str, k, v);
    return true;
}

/* A comprehension of one clause without conditions makes at most one element per item of
 * its collection: its result is allocated at that size at once, rather than grown (and, for
 * a dict, its index rebuilt) step by step. Nothing refers to the empty result yet. */
static void comp_presize(struct eval *ev, struct comp_state *cs, struct value coll)
{
    uint32_t n = coll.tag == V_LIST ? coll.as.l->n : v_is_dictlike(coll) ? coll.as.d->n : 0;
    if (n <= 8)
        return;
    if (cs->out_list && !cs->out_list->n)
        cs->out_list = list_new(ev->vm, n);
    else if (cs->out_dict && !cs->out_dict->n)
        cs->out_dict = dict_new(ev->vm, n);
}

static void comp_run(struct eval *ev, struct comp_state *cs, uint32_t clause)
{
    struct ast *comp = cs->comp;
    if (clause == comp->u.comp.clauses.n) {
        if (cs->out_list) {
            list_push(ev->vm, cs->out_list, eval_expr(ev, comp->u.comp.elt));
        } else {
            comp_entry(ev, cs->out_dict, comp->u.comp.elt);
        }
        return;
    }
    struct ast *cf = comp->u.comp.clauses.v[clause];
    struct value coll = eval_expr(ev, cf->u.comp_for.iter);
    if (comp->u.comp.clauses.n == 1 && !cf->u.comp_for.ifs.n)
        comp_presize(ev, cs, coll);
    bool two = cf->u.comp_for.value != NULL;
    /* lists and dicts are walked here, as 'iterate' would, without a call per item */
    struct vm *vm = ev->vm;
    if (coll.tag == V_LIST) {
        struct list *l = coll.as.l;
        for (uint32_t i = 0; i < l->n; i++) {
            vm_poll(vm);
            comp_item(ev, cs, cf, clause, two, true, v_int(i), l->v[i]);
        }
        return;
    }
    if (coll.tag == V_DICT || coll.tag == V_SCHEMA) {
        struct dict *d = coll.as.d;
        for (uint32_t i = 0; i < d->used; i++) {
            vm_poll(vm);
            if (d->e[i].key)
                comp_item(ev, cs, cf, clause, two, false, v_str(d->e[i].key), d->e[i].val);
        }
        return;
    }
    struct comp_iter it = {cs, cf, clause, two, coll.tag == V_STR};
    iterate(ev, coll, comp_step, &it, cf->span);
}

/* A comprehension's or quantifier's scope; the first of the run allocates the cache of
 * names read in loop scopes. */
static struct scope *loop_scope_push(struct eval *ev)
{
    if (!ev->loop_names)
        ev->loop_names = vm_zalloc(ev->vm, EV_LOOP_CACHE * sizeof *ev->loop_names);
    return scope_push(ev, SCOPE_LOOP);
}

static struct value eval_comp(struct eval *ev, struct ast *n)
{
    struct comp_state cs = {n, 0, NULL, NULL, NULL, NULL};
    cs.scope = loop_scope_push(ev);
    if (n->kind == AST_LIST_COMP)
        cs.out_list = list_new(ev->vm, 0);
    else
        cs.out_dict = dict_new(ev->vm, 0);
    /* loop variables must exist before the first iteration, for is_loop_var; the scope
     * holds no other names, so each keeps its slot and the steps store into it directly */
    uint32_t nclauses = n->u.comp.clauses.n, inline_slots[8];
    cs.slots = nclauses <= 4 ? inline_slots : vm_alloc(ev->vm, 2 * nclauses * sizeof *cs.slots);
    for (uint32_t i = 0; i < nclauses; i++) {
        struct ast *cf = n->u.comp.clauses.v[i];
        struct str *key = ev_name(ev, cf->u.comp_for.key);
        scope_set(ev, cs.scope, key, v_undef());
        struct str *val = key;
        if (cf->u.comp_for.value) {
            val = ev_name(ev, cf->u.comp_for.value);
            scope_set(ev, cs.scope, val, v_undef());
        }
        cs.slots[2 * i] = (uint32_t)(scope_slot(cs.scope, key) - cs.scope->vals);
        cs.slots[2 * i + 1] = (uint32_t)(scope_slot(cs.scope, val) - cs.scope->vals);
    }
    comp_run(ev, &cs, 0);
    scope_pop(ev, cs.scope);
    return cs.out_list ? v_list(cs.out_list) : v_dict(cs.out_dict);
}

struct quant_state {
    struct ast *q;
    struct scope *scope;
    bool is_list_or_str;
    bool result;
    struct list *out_list;
    struct dict *out_dict;
    uint32_t key_slot, value_slot; /* the scope slots of the variables */
};

static bool quant_step(struct eval *ev, void *ud, struct value k, struct value v)
{
    struct quant_state *qs = ud;
    struct ast *q = qs->q;
    if (q->u.quant.value) {
        qs->scope->vals[qs->key_slot] = k;
        qs->scope->vals[qs->value_slot] = v;
    } else {
        qs->scope->vals[qs->key_slot] = qs->is_list_or_str ? v : k;
    }
    if (q->u.quant.cond && !v_truthy(eval_expr(ev, q->u.quant.cond)))
        return true;
    switch (q->u.quant.kind) {
    case QUANT_ALL:
        if (!v_truthy(eval_expr(ev, q->u.quant.test))) {
            qs->result = false;
            return false;
        }
        return true;
    case QUANT_ANY:
        if (v_truthy(eval_expr(ev, q->u.quant.test))) {
            qs->result = true;
            return false;
        }
        return true;
    case QUANT_MAP: {
        struct value r = eval_expr(ev, q->u.quant.test);
        list_push(ev->vm, qs->out_list, r);
        return true;
    }
    default:
        if (v_truthy(eval_expr(ev, q->u.quant.test))) {
            if (qs->out_list)
                list_push(ev->vm, qs->out_list, v);
            else
                dict_set(ev->vm, qs->out_dict, k.as.s, v);
        }
        return true;
    }
}

static struct value eval_quant(struct eval *ev, struct ast *n)
{
    struct value coll = eval_expr(ev, n->u.quant.target);
    struct quant_state qs = {n, NULL, coll.tag == V_LIST || coll.tag == V_STR, false, NULL, NULL,
                             0, 0};
    qs.scope = loop_scope_push(ev);
    struct str *key = ev_name(ev, n->u.quant.key), *val = key;
    scope_set(ev, qs.scope, key, v_undef());
    if (n->u.quant.value) {
        val = ev_name(ev, n->u.quant.value);
        scope_set(ev, qs.scope, val, v_undef());
    }
    /* the scope holds only these names: each keeps its slot */
    qs.key_slot = (uint32_t)(scope_slot(qs.scope, key) - qs.scope->vals);
    qs.value_slot = (uint32_t)(scope_slot(qs.scope, val) - qs.scope->vals);
    switch (n->u.quant.kind) {
    case QUANT_ALL:
        qs.result = true;
        break;
    case QUANT_MAP:
        qs.out_list = list_new(ev->vm, 0);
        break;
    case QUANT_FILTER:
        if (v_is_dictlike(coll))
            qs.out_dict = dict_new(ev->vm, 0);
        else
            qs.out_list = list_new(ev->vm, 0);
        break;
    default:
        break;
    }
    iterate(ev, coll, quant_step, &qs, n->span);
    scope_pop(ev, qs.scope);
    switch (n->u.quant.kind) {
    case QUANT_ALL:
    case QUANT_ANY:
        return v_bool(qs.result);
    case QUANT_MAP:
        return v_list(qs.out_list);
    default:
        if (qs.out_dict) {
            struct value r = coll;
            r.as.d = qs.out_dict;
            dict_set_schema(ev->vm, qs.out_dict, dict_schema(coll.as.d));
            return r;
        }
        return v_list(qs.out_list);
    }
}

/* {===== member access */

static struct value select_attr(struct eval *ev, struct value v, struct str *attr, struct span span)
{
    struct vm *vm = ev->vm;
    switch (v.tag) {
    case V_DICT:
        return dict_get(v.as.d, attr);
    case V_SCHEMA: {
        struct dict_entry *e = dict_find(v.as.d, attr);
        if (e)
            return e->val;
        if (schema_has_attr(dict_schema(v.as.d), attr))
            return v_undef();
        vm->span = span;
        vm_raise(vm, "attribute '%s' not found in '%s'", attr->b, v_type_name(v));
    }
    case V_MODULE:
        return module_member(ev, v.as.m, attr, span);
    case V_STR: {
        native_fn m = stdlib_str_method(attr->b, attr->len);
        if (m)
            return vm_bound(vm, attr->b, m, v);
        break;
    }
    case V_TYPE:
        return schema_type_member(ev, v.as.st, attr, span);
    case V_NONE:
    case V_UNDEF:
        return v_none();
    default:
        break;
    }
    vm->span = span;
    vm_raise(vm, "'%s' object has no attribute '%s'", v_type_name(v), attr->b);
}

static int64_t norm_index(int64_t i, int64_t n)
{
    return i < 0 ? i + n : i;
}

static uint32_t utf8_count(const char *s, uint32_t n)
{
    uint32_t c = 0;
    for (uint32_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            c++;
    return c;
}

/* Byte offset of character index ci in s. */
static uint32_t utf8_offset(const char *s, uint32_t n, int64_t ci)
{
    uint32_t i = 0;
    int64_t c = 0;
    while (i < n) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (c == ci)
                return i;
            c++;
        }
        i++;
    }
    return n;
}

/* A type name as KCL's run-time subscript errors print it. */
static const char *subscr_type(struct value v)
{
    return v.tag == V_NONE ? "NoneType" : v_type_name(v);
}

/* v[idx] as KCL's bin_subscr: a list or a str takes an int, a dict any key (a non-str one
 * reads Undefined), a schema a str; anything else is an error. */
static struct value index_value(struct eval *ev, struct value v, struct value idx, struct span span)
{
    struct vm *vm = ev->vm;
    vm->span = span;
    if (((v.tag == V_LIST || v.tag == V_STR) && idx.tag != V_INT) ||
        (v.tag == V_SCHEMA && idx.tag != V_STR))
        vm_raise(vm, "'%s' object is not subscriptable with '%s'", subscr_type(v),
                 subscr_type(idx));
    switch (v.tag) {
    case V_LIST: {
        int64_t i = norm_index(idx.as.i, v.as.l->n);
        if (i < 0 || i >= (int64_t)v.as.l->n)
            vm_raise(vm, "list index out of range: %lld", (long long)idx.as.i);
        return v.as.l->v[i];
    }
    case V_DICT:
    case V_SCHEMA:
        if (idx.tag != V_STR)
            return v_undef();
        return dict_get(v.as.d, idx.as.s);
    case V_STR: {
        uint32_t nc = utf8_count(v.as.s->b, v.as.s->len);
        int64_t i = norm_index(idx.as.i, nc);
        if (i < 0 || i >= (int64_t)nc)
            vm_raise(vm, "string index out of range: %lld", (long long)idx.as.i);
        uint32_t b0 = utf8_offset(v.as.s->b, v.as.s->len, i);
        uint32_t b1 = utf8_offset(v.as.s->b, v.as.s->len, i + 1);
        return v_str(str_new(vm, v.as.s->b + b0, b1 - b0));
    }
    default:
        vm_raise(vm, "'%s' object is not subscriptable with '%s'", subscr_type(v),
                 subscr_type(idx));
    }
}

static void slice_bounds(struct vm *vm, int64_t n, struct value lo, struct value hi,
                         struct value st, int64_t *start, int64_t *stop, int64_t *step)
{
    *step = st.tag == V_INT ? st.as.i : 1;
    if (*step == 0)
        vm_raise(vm, "slice step cannot be zero");
    if (*step > 0) {
        *start = lo.tag == V_INT ? lo.as.i : 0;
        *stop = hi.tag == V_INT ? hi.as.i : n;
        if (*start < 0)
            *start = *start + n < 0 ? 0 : *start + n;
        if (*stop < 0)
            *stop = *stop + n < 0 ? 0 : *stop + n;
        if (*start > n)
            *start = n;
        if (*stop > n)
            *stop = n;
    } else {
        *start = lo.tag == V_INT ? lo.as.i : n - 1;
        *stop = hi.tag == V_INT ? hi.as.i : -n - 1;
        if (*start < 0)
            *start = *start + n < 0 ? -1 : *start + n;
        if (*stop < 0)
            *stop = *stop + n < 0 ? -1 : *stop + n;
        if (*start >= n)
            *start = n - 1;
        if (*stop >= n)
            *stop = n - 1;
    }
}

static struct value slice_value(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    struct value v = eval_expr(ev, n->u.slice.value);
    if (n->u.slice.optional && !v_truthy(v))
        return v_none();
    struct value lo = n->u.slice.lo ? eval_expr(ev, n->u.slice.lo) : v_undef();
    struct value hi = n->u.slice.hi ? eval_expr(ev, n->u.slice.hi) : v_undef();
    struct value st = n->u.slice.step ? eval_expr(ev, n->u.slice.step) : v_undef();
    vm->span = n->span;
    int64_t start, stop, step;
    if (v.tag == V_LIST) {
        slice_bounds(vm, v.as.l->n, lo, hi, st, &start, &stop, &step);
        struct list *l = list_new(vm, 0);
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step)
            list_push(vm, l, v.as.l->v[i]);
        return v_list(l);
    }
    if (v.tag == V_STR) {
        uint32_t nc = utf8_count(v.as.s->b, v.as.s->len);
        slice_bounds(vm, nc, lo, hi, st, &start, &stop, &step);
        struct sbuf b;
        sbuf_init(&b, vm);
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
            uint32_t b0 = utf8_offset(v.as.s->b, v.as.s->len, i);
            uint32_t b1 = utf8_offset(v.as.s->b, v.as.s->len, i + 1);
            sbuf_put(&b, v.as.s->b + b0, b1 - b0);
        }
        return v_str(sbuf_str(&b));
    }
    if (v_is_null(v))
        return v_none();
    vm_raise(vm, "'%s' object is not subscriptable", v_type_name(v));
}

/* Closures capture by value (spec §3.6): the local and loop scopes a lambda sees are copied
 * when it is made, so later assignments and loop steps don't show through. Schema and config
 * scopes are shared (they are the object being built). */
static struct scope *capture_scopes(struct eval *ev, struct scope *s)
{
    if (!s)
        return NULL;
    struct scope *parent = capture_scopes(ev, s->parent);
    if (s->kind != SCOPE_LOCAL && s->kind != SCOPE_LOOP)
        return scope_relink(ev, s, parent);
    struct scope *c = vm_alloc(ev->vm, sizeof *c);
    *c = *s;
    c->parent = parent;
    c->cap = s->n;
    if (s->n) {
        c->names = vm_alloc(ev->vm, s->n * sizeof *c->names);
        c->vals = vm_alloc(ev->vm, s->n * sizeof *c->vals);
        memcpy(c->names, s->names, s->n * sizeof *c->names);
        memcpy(c->vals, s->vals, s->n * sizeof *c->vals);
    }
    return c;
}

/* {===== expressions */

/* a | b | c ... (the left-deep chain whose last union is n), operand after operand and union
 * after union as nested binary nodes are, with the dicts the chain makes merged into in place
 * (op_union_owned) */
static struct value eval_union_chain(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    uint32_t k = 0;
    for (struct ast *m = n; m->kind == AST_BINARY && m->u.binary.op == OP_BITOR; m = m->u.binary.left)
        k++;
    struct ast **chain = vm_alloc(vm, k * sizeof *chain);
    struct ast *m = n;
    for (uint32_t i = k; i-- > 0; m = m->u.binary.left)
        chain[i] = m;
    struct value acc = eval_expr(ev, chain[0]->u.binary.left);
    struct owned *own = NULL;
    for (uint32_t i = 0; i < k; i++) {
        struct value b = eval_expr(ev, chain[i]->u.binary.right);
        vm->span = chain[i]->span;
        if (acc.tag == V_DICT && b.tag == V_DICT) {
            acc = op_union_owned(vm, acc, b, &own);
        } else if (acc.tag == V_INT && b.tag == V_INT) {
            acc = op_binary(vm, OP_BITOR, acc, b);
        } else {
            acc = schema_union(ev, acc, b);
            own = NULL; /* its result may share dicts with values held elsewhere */
        }
    }
    return acc;
}

static __attribute__((noinline)) struct value eval_binary(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    vm_check_stack(vm);
    unsigned op = n->u.binary.op;
    if (op == OP_BITOR && n->u.binary.left->kind == AST_BINARY &&
        n->u.binary.left->u.binary.op == OP_BITOR)
        return eval_union_chain(ev, n);
    struct value a = eval_expr(ev, n->u.binary.left);
    if (op == OP_AND)
        return v_truthy(a) ? eval_expr(ev, n->u.binary.right) : a;
    if (op == OP_OR)
        return v_truthy(a) ? a : eval_expr(ev, n->u.binary.right);
    struct value b = eval_expr(ev, n->u.binary.right);
    vm->span = n->span;
    if (op == OP_BITOR && !(a.tag == V_INT && b.tag == V_INT))
        return schema_union(ev, a, b);
    return op_binary(vm, op, a, b);
}

static __attribute__((noinline)) struct value eval_unary(struct eval *ev, struct ast *n)
{
    vm_check_stack(ev->vm);
    struct value a = eval_expr(ev, n->u.unary.operand);
    ev->vm->span = n->span;
    return op_unary(ev->vm, n->u.unary.op, a);
}

/* v[i], v?.[i] */
static __attribute__((noinline)) struct value eval_index(struct eval *ev, struct ast *n)
{
    vm_check_stack(ev->vm);
    struct value v = eval_expr(ev, n->u.index.value);
    if (n->u.index.optional && !v_truthy(v))
        return v_none();
    struct value i = eval_expr(ev, n->u.index.index);
    return index_value(ev, v, i, n->span);
}

static struct value eval_compare(struct eval *ev, struct ast *n)
{
    vm_check_stack(ev->vm);
    struct value left = eval_expr(ev, n->u.compare.operands.v[0]);
    for (uint32_t i = 1; i < n->u.compare.operands.n; i++) {
        struct value right = eval_expr(ev, n->u.compare.operands.v[i]);
        ev->vm->span = n->span;
        if (!op_compare(ev->vm, n->u.compare.ops[i - 1], left, right))
            return v_bool(false);
        left = right;
    }
    return v_bool(true);
}

/* Every kind of expression but the leaves eval_expr answers itself. */
static __attribute__((noinline)) struct value eval_node(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    vm_check_stack(vm);
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        return lookup_name(ev, n);
    case AST_INT:
        if (n->u.num.suffix != UNIT_NONE)
            return v_unit(n->u.num.ival, n->u.num.suffix);
        return v_int(n->u.num.ival);
    case AST_FLOAT:
        return v_float(n->u.fval);
    case AST_STR:
        return eval_str(ev, n);
    case AST_TRUE:
        return v_bool(true);
    case AST_FALSE:
        return v_bool(false);
    case AST_NONE:
        return v_none();
    case AST_UNDEFINED:
        return v_undef();
    case AST_PAREN:
        return eval_expr(ev, n->u.unary.operand);
    case AST_UNARY:
        return eval_unary(ev, n);
    case AST_BINARY:
        return eval_binary(ev, n);
    case AST_COMPARE:
        return eval_compare(ev, n);
    case AST_AS: {
        struct value v = eval_expr(ev, n->u.as_expr.value);
        vm->span = n->span;
        return type_convert(ev, n->u.as_expr.type, v, n->span);
    }
    case AST_IFEXPR:
        if (v_truthy(eval_expr(ev, n->u.ifexpr.cond)))
            return eval_expr(ev, n->u.ifexpr.body);
        return eval_expr(ev, n->u.ifexpr.orelse);
    case AST_SELECT: {
        struct value v = eval_expr(ev, n->u.select.value);
        if (n->u.select.optional && !v_truthy(v))
            return v_none();
        return select_attr(ev, v, ev_name(ev, n->u.select.attr), n->span);
    }
    case AST_INDEX:
        return eval_index(ev, n);
    case AST_SLICE:
        return slice_value(ev, n);
    case AST_CALL:
        return eval_call_expr(ev, n);
    case AST_LIST: {
        struct list *l = list_new(vm, n->u.list.items.n);
        list_items_into(ev, l, &n->u.list.items);
        return v_list(l);
    }
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        return eval_comp(ev, n);
    case AST_CONFIG:
        return eval_config(ev, n);
    case AST_SCHEMA_EXPR:
        return schema_expr(ev, n);
    case AST_LAMBDA: {
        struct func *f = vm_zalloc(vm, sizeof *f);
        f->kind = FN_LAMBDA;
        f->name = "lambda";
        f->lambda = n;
        f->closure = capture_scopes(ev, ev->scope);
        f->pkg = ev->cur_pkg;
        f->pkg_file = ev->cur_file;
        return v_func(f);
    }
    case AST_QUANT:
        return eval_quant(ev, n);
    default:
        vm->span = n->span;
        vm_raise(vm, "cannot evaluate %s here", ast_kind_name((enum ast_kind)n->kind));
    }
}

/* Names and plain numbers, a good half of the nodes evaluated, are answered here, and the
 * most frequent inner nodes go straight to their own functions (each checks the stack
 * itself), all without the large frame of eval_node. */
struct value eval_expr(struct eval *ev, struct ast *n)
{
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        return lookup_name(ev, n);
    case AST_INT:
        if (n->u.num.suffix == UNIT_NONE)
            return v_int(n->u.num.ival);
        break;
    case AST_CALL:
        return eval_call_expr(ev, n);
    case AST_STR:
        return eval_str(ev, n);
    case AST_BINARY:
        return eval_binary(ev, n);
    case AST_COMPARE:
        return eval_compare(ev, n);
    case AST_INDEX:
        return eval_index(ev, n);
    case AST_UNARY:
        return eval_unary(ev, n);
    default:
        break;
    }
    return eval_node(ev, n);
}

/* {===== assignment */

/* Copies the container so that a member assignment never changes a shared value. */
static struct value copy_container(struct eval *ev, struct value v)
{
    if (v.tag == V_LIST)
        return v_list(list_copy(ev->vm, v.as.l));
    if (v_is_dictlike(v)) {
        struct value r = v;
        r.as.d = dict_copy(ev->vm, v.as.d);
        return r;
    }
    return v;
}

struct value assign_path_get(struct eval *ev, struct value base, struct ast *t);

/* Returns 'base' with the member path of target 't' (below its root) set to v. */
static struct value assign_path(struct eval *ev, struct value base, struct ast *t, struct value v,
                                int aug_op)
{
    struct vm *vm = ev->vm;
    if (t->kind == AST_NAME) {
        if (aug_op != OP_NONE) {
            vm->span = t->span;
            return aug_op == OP_BITOR ? schema_union(ev, base, v) : op_binary(vm, (unsigned)aug_op, base, v);
        }
        return v;
    }
    if (t->kind == AST_SELECT) {
        struct value outer = assign_path_get(ev, base, t->u.select.value);
        struct str *attr = ev_name(ev, t->u.select.attr);
        if (outer.tag == V_MODULE) {
            vm->span = t->span;
            vm_raise(vm,
                     "failed to update the dict. An iterable of key-value pairs was expected, but "
                     "got UndefinedType. Check if the syntax for updating the dictionary with the "
                     "attribute '%s' is correct",
                     attr->b);
        }
        if (v_is_null(outer))
            outer = v_dict(dict_new(vm, 1));
        if (!v_is_dictlike(outer)) {
            vm->span = t->span;
            vm_raise(vm, "'%s' object has no attribute '%s'", v_type_name(outer), attr->b);
        }
        outer = copy_container(ev, outer);
        struct value nv = v;
        if (aug_op != OP_NONE) {
            vm->span = t->span;
            struct value old = dict_get(outer.as.d, attr);
            nv = aug_op == OP_BITOR ? schema_union(ev, old, v) : op_binary(vm, (unsigned)aug_op, old, v);
        }
        if (outer.tag == V_SCHEMA)
            nv = schema_attr_convert(ev, dict_schema(outer.as.d), attr, nv, t->span);
        dict_set(vm, outer.as.d, attr, nv);
        if (outer.tag == V_SCHEMA)
            schema_recheck(ev, outer, t->span);
        return assign_path(ev, base, t->u.select.value, outer, OP_NONE);
    }
    if (t->kind == AST_INDEX) {
        struct value outer = assign_path_get(ev, base, t->u.index.value);
        struct value idx = eval_expr(ev, t->u.index.index);
        vm->span = t->span;
        if (outer.tag == V_LIST) {
            outer = copy_container(ev, outer);
            int64_t i = norm_index(arg_int(vm, idx, "list index"), outer.as.l->n);
            if (i < 0 || i >= (int64_t)outer.as.l->n)
                vm_raise(vm, "list assignment index out of range");
            struct value nv = v;
            if (aug_op != OP_NONE)
                nv = op_binary(vm, (unsigned)aug_op, outer.as.l->v[i], v);
            outer.as.l->v[i] = nv;
        } else if (v_is_dictlike(outer) || v_is_null(outer)) {
            if (v_is_null(outer))
                outer = v_dict(dict_new(vm, 1));
            outer = copy_container(ev, outer);
            struct str *k = key_str(ev, idx, t->span);
            struct value nv = v;
            if (aug_op != OP_NONE)
                nv = op_binary(vm, (unsigned)aug_op, dict_get(outer.as.d, k), v);
            dict_set(vm, outer.as.d, k, nv);
        } else {
            vm_raise(vm, "'%s' object does not support item assignment", v_type_name(outer));
        }
        return assign_path(ev, base, t->u.index.value, outer, OP_NONE);
    }
    if (t->kind == AST_PAREN)
        return assign_path(ev, base, t->u.unary.operand, v, aug_op);
    vm->span = t->span;
    vm_raise(vm, "invalid assignment target");
}

/* Value at target path 't' (below its root) inside 'base'. */
struct value assign_path_get(struct eval *ev, struct value base, struct ast *t)
{
    if (t->kind == AST_NAME)
        return base;
    if (t->kind == AST_PAREN)
        return assign_path_get(ev, base, t->u.unary.operand);
    if (t->kind == AST_SELECT) {
        struct value o = assign_path_get(ev, base, t->u.select.value);
        if (v_is_dictlike(o))
            return dict_get(o.as.d, ev_name(ev, t->u.select.attr));
        return v_undef();
    }
    if (t->kind == AST_INDEX) {
        struct value o = assign_path_get(ev, base, t->u.index.value);
        struct value idx = eval_expr(ev, t->u.index.index);
        if (o.tag == V_LIST || v_is_dictlike(o))
            return index_value(ev, o, idx, t->span);
        return v_undef();
    }
    return v_undef();
}

static bool file_import_named(struct eval *ev, struct str *name)
{
    struct pkg_file *f = &ev->cur_pkg->files[ev->cur_file];
    for (uint32_t i = 0; i < f->nimports; i++)
        if (f->imports[i].name == name)
            return !schema_has_attr(ev->scope && ev->scope->frame ? ev->scope->frame->type : NULL,
                                    name);
    return false;
}

/* Reads the current value of a root name for a member assignment. */
static struct value read_root(struct eval *ev, struct str *name, struct span span, bool *found)
{
    *found = true;
    for (struct scope *s = ev->scope; s; s = s->parent) {
        if (s->kind == SCOPE_CONFIG)
            continue;
        struct value *slot = scope_slot(s, name);
        if (slot)
            return *slot;
        /* a member assignment in a schema body changes an attribute, never an import */
        if (s->kind == SCOPE_SCHEMA && !file_import_named(ev, name)) {
            struct value v;
            if (schema_frame_lookup(ev, s->frame, name, &v))
                return v;
        }
    }
    if (!ev->scope || ev->scope->kind == SCOPE_SCHEMA) {
        struct gvar *g = pkg_var(ev->cur_pkg, name);
        if (g && g->defined)
            return g->val;
    }
    /* a module: assigning to its members is refused by assign_path */
    struct pkg_file *f = &ev->cur_pkg->files[ev->cur_file];
    for (uint32_t i = 0; i < f->nimports; i++)
        if (f->imports[i].name == name)
            return import_resolve(ev, &f->imports[i]);
    (void)span;
    *found = false;
    return v_undef();
}

static void store_name(struct eval *ev, struct str *name, struct value v, struct ast *type,
                       struct span span, bool is_aug)
{
    struct vm *vm = ev->vm;
    if (type)
        v = type_convert(ev, type, v, span);
    if (ev->scope) {
        /* innermost schema frame or local scope */
        struct scope *s = ev->scope;
        if (s->kind == SCOPE_SCHEMA) {
            schema_frame_assign(ev, s->frame, name, v, type, span, is_aug);
            return;
        }
        scope_set(ev, s, name, v);
        return;
    }
    struct pkg *p = ev->cur_pkg;
    struct gvar *g = pkg_var(p, name);
    if (!g) {
        vm->span = span;
        vm_raise(vm, "internal: unknown global '%s'", name->b);
    }
    g->val = v;
    g->defined = true;
}

static _Noreturn void illegal_target(struct eval *ev, struct ast *t)
{
    vm_raise_at(ev->vm, t->span, "E2L23", "CompileError",
                "'%s' is an illegal expression for assignment", ast_kcl_expr_name(ast_target_root(t)));
}

static void exec_assign(struct eval *ev, struct ast *n)
{
    struct value v = eval_expr(ev, n->u.assign.value);
    ev->last = v;
    for (uint32_t i = 0; i < n->u.assign.targets.n; i++) {
        struct ast *t = n->u.assign.targets.v[i];
        struct ast *r = ast_target_root(t);
        if (r->kind != AST_NAME)
            illegal_target(ev, t);
        struct str *name = ev_name(ev, r->u.name);
        if (t == r) {
            store_name(ev, name, v, n->u.assign.type, t->span, false);
            continue;
        }
        bool found;
        struct value base = read_root(ev, name, r->span, &found);
        base = assign_path(ev, base, t, v, OP_NONE);
        store_name(ev, name, base, NULL, t->span, false);
    }
}

static void exec_aug(struct eval *ev, struct ast *n)
{
    struct ast *t = n->u.aug.target;
    struct ast *r = ast_target_root(t);
    if (r->kind != AST_NAME)
        illegal_target(ev, t);
    struct str *name = ev_name(ev, r->u.name);
    struct value v = eval_expr(ev, n->u.aug.value);
    bool found;
    struct value base = read_root(ev, name, r->span, &found);
    if (!found)
        base = eval_lookup_name(ev, name, r->span);
    base = assign_path(ev, base, t, v, n->u.aug.op);
    store_name(ev, name, base, NULL, t->span, true);
}

/* {===== statements */

static void exec_if(struct eval *ev, struct ast *n)
{
    if (v_truthy(eval_expr(ev, n->u.if_stmt.cond)))
        exec_block(ev, &n->u.if_stmt.body);
    else
        exec_block(ev, &n->u.if_stmt.orelse);
}

static void exec_assert(struct eval *ev, struct ast *n)
{
    if (n->u.check_expr.cond && !v_truthy(eval_expr(ev, n->u.check_expr.cond)))
        return;
    if (v_truthy(eval_expr(ev, n->u.check_expr.test)))
        return;
    const char *msg = "";
    if (n->u.check_expr.msg) {
        struct value m = eval_expr(ev, n->u.check_expr.msg);
        msg = v_to_str(ev->vm, m)->b;
    }
    vm_raise_at(ev->vm, n->span, "E3M38", "EvaluationError", "%s", msg);
}

/* `x: S {...}` at top level (spec §3.6): the configs of all such statements for 'x' are
 * merged entry by entry (an `=` entry discards the earlier ones for its key) and the schema
 * is instantiated once, by the last of them. */
static void exec_top_unify(struct eval *ev, struct ast *n, struct str *name)
{
    struct pkg *p = ev->cur_pkg;
    struct gvar *g = pkg_var(p, name);
    struct ast *last = g->last_unify;
    ev->schema_depth++; /* instances in the config are checked with the whole */
    struct value cfg = eval_config(ev, n->u.unify.value->u.schema_expr.config);
    ev->schema_depth--;
    if (g->pending.tag == V_DICT) {
        struct dict *d = dict_copy(ev->vm, g->pending.as.d);
        for (uint32_t i = 0; i < cfg.as.d->used; i++) {
            struct dict_entry *e = &cfg.as.d->e[i];
            if (!e->key)
                continue;
            ev->vm->span = entry_span(e, n->span);
            struct dict_entry *r =
                op_merge_entry(ev->vm, d, e->key, e->val, entry_op(e), entry_ins(e), true);
            entry_set_at(r, entry_file(e), entry_lo(e));
        }
        cfg = v_dict(d);
    }
    g->pending = cfg;
    if (n != last)
        return;
    struct value v = schema_expr_config(ev, n->u.unify.value, cfg);
    bool found;
    struct value old = read_root(ev, name, n->span, &found);
    if (found && !v_is_null(old)) {
        ev->vm->span = n->span;
        v = schema_union(ev, old, v);
    }
    store_name(ev, name, v, NULL, n->span, false);
    ev->last = v;
}

static void exec_stmt(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    vm->span = n->span;
    switch ((enum ast_kind)n->kind) {
    case AST_EXPR_STMT: {
        struct value v = eval_expr(ev, n->u.expr_stmt.value);
        ev->last = v;
        if (!ev->scope && ev->cur_pkg->is_main) {
            struct ast *x = n->u.expr_stmt.value;
            if (x->kind == AST_CALL)
                break;
            if (x->kind == AST_SCHEMA_EXPR) {
                ev->cur_pkg->last_schema_scalar = v;
                ev->cur_pkg->has_schema_scalar = true;
                ev->cur_pkg->schema_scalar_pos = ev->cur_pkg->scalars->n;
            } else if (x->kind != AST_STR || !x->u.str.lit->triple) {
                struct pkg *p = ev->cur_pkg;
                if (p->scalars->n == p->capspans) {
                    uint32_t cap = p->capspans ? p->capspans * 2 : 8;
                    p->scalar_spans = vm_realloc(vm, p->scalar_spans, p->capspans * sizeof(struct span),
                                                 cap * sizeof(struct span));
                    p->capspans = cap;
                }
                p->scalar_spans[p->scalars->n] = n->span;
                list_push(vm, p->scalars, v);
            }
        }
        break;
    }
    case AST_ASSIGN:
        exec_assign(ev, n);
        break;
    case AST_AUG_ASSIGN:
        exec_aug(ev, n);
        ev->last = v_undef();
        break;
    case AST_UNIFY: {
        struct str *name = ev_name(ev, n->u.unify.target->u.name);
        if (!ev->scope && n->u.unify.value->kind == AST_SCHEMA_EXPR) {
            exec_top_unify(ev, n, name);
            break;
        }
        bool found;
        struct value old = read_root(ev, name, n->span, &found);
        struct value v;
        if (found && old.tag == V_SCHEMA && n->u.unify.value->kind == AST_SCHEMA_EXPR) {
            /* a repeated `attr: S {...}` merges its config into the instance */
            v = eval_config(ev, n->u.unify.value->u.schema_expr.config);
            vm->span = n->span;
            v = schema_union(ev, old, v);
        } else {
            v = eval_expr(ev, n->u.unify.value);
            if (found && !v_is_null(old)) {
                vm->span = n->span;
                v = schema_union(ev, old, v);
            }
        }
        store_name(ev, name, v, NULL, n->span, false);
        ev->last = v;
        break;
    }
    case AST_IF:
        exec_if(ev, n);
        ev->last = v_undef();
        break;
    case AST_ASSERT:
        exec_assert(ev, n);
        ev->last = v_undef();
        break;
    case AST_IMPORT:
    case AST_INDEX_SIG:
        break;
    case AST_SCHEMA_ATTR: {
        struct scope *sc = ev->scope;
        if (!n->u.attr.value || !sc || sc->kind != SCOPE_SCHEMA)
            break;
        struct str *name = ev_name(ev, n->u.attr.name);
        struct value v = eval_expr(ev, n->u.attr.value);
        if (n->u.attr.op == ENTRY_INSERT || n->u.attr.aug_op != OP_NONE) {
            struct value old;
            if (!schema_frame_lookup(ev, sc->frame, name, &old))
                old = v_undef();
            vm->span = n->span;
            unsigned op = n->u.attr.aug_op != OP_NONE ? n->u.attr.aug_op : OP_ADD;
            v = op_binary(vm, op, v_is_null(old) && op == OP_ADD ? v_list(list_new(vm, 0)) : old, v);
        }
        schema_frame_assign(ev, sc->frame, name, v, NULL, n->span, false);
        ev->last = v;
        break;
    }
    case AST_SCHEMA:
    case AST_RULE: {
        struct value t = schema_define(ev, n);
        struct gvar *g = pkg_var(ev->cur_pkg, ev_name(ev, n->u.schema.name));
        if (g && !ev->scope) {
            g->val = t;
            g->defined = true;
        }
        break;
    }
    case AST_TYPE_ALIAS: {
        struct gvar *g = pkg_var(ev->cur_pkg, ev_name(ev, n->u.type_alias.name));
        if (g && !ev->scope) {
            g->val = type_alias_value(ev, n);
            g->defined = true;
        }
        break;
    }
    default:
        vm_raise(vm, "cannot execute %s here", ast_kind_name((enum ast_kind)n->kind));
    }
}

static struct value exec_block(struct eval *ev, struct ast_list *body)
{
    ev->last = v_undef();
    for (uint32_t i = 0; i < body->n; i++)
        exec_stmt(ev, body->v[i]);
    return ev->last;
}

struct value eval_block(struct eval *ev, struct ast_list *body)
{
    return exec_block(ev, body);
}

void eval_stmt(struct eval *ev, struct ast *n)
{
    exec_stmt(ev, n);
}

/* {===== packages */

struct pkg *pkg_new(struct eval *ev, const char *path, const char *dir)
{
    struct pkg *p = vm_zalloc(ev->vm, sizeof *p);
    p->path = path;
    p->dir = dir;
    p->index = dict_new(ev->vm, 16);
    p->scalars = list_new(ev->vm, 0);
    p->last_schema_scalar = v_undef();
    if (ev->npkgs == ev->cappkgs) {
        uint32_t cap = ev->cappkgs ? ev->cappkgs * 2 : 8;
        ev->pkgs = vm_realloc(ev->vm, ev->pkgs, ev->cappkgs * sizeof *ev->pkgs, cap * sizeof *ev->pkgs);
        ev->cappkgs = cap;
    }
    ev->pkgs[ev->npkgs++] = p;
    return p;
}

void pkg_add_file(struct eval *ev, struct pkg *p, struct ast *module, const struct source *src)
{
    struct vm *vm = ev->vm;
    /* both arrays grow geometrically: a package of a few hundred files (the k8s API's core
     * group) would otherwise leave a copy of them in the arena per file */
    if (p->nfiles == p->capfiles) {
        uint32_t cap = p->capfiles ? p->capfiles * 2 : 4;
        p->files = vm_realloc(vm, p->files, p->capfiles * sizeof *p->files, cap * sizeof *p->files);
        p->capfiles = cap;
    }
    struct pkg_file *f = &p->files[p->nfiles];
    memset(f, 0, sizeof *f);
    f->module = module;
    f->src = src;
    struct ast_list *body = &module->u.module.body;
    uint32_t nimp = 0;
    for (uint32_t i = 0; i < body->n; i++)
        if (body->v[i]->kind == AST_IMPORT)
            nimp++;
    f->imports = vm_zalloc(vm, (nimp ? nimp : 1) * sizeof *f->imports);
    if (p->nstmts + body->n > p->capstmts) {
        uint32_t cap = p->capstmts ? p->capstmts * 2 : 16;
        while (cap < p->nstmts + body->n)
            cap *= 2;
        p->stmts = vm_realloc(vm, p->stmts, p->capstmts * sizeof *p->stmts, cap * sizeof *p->stmts);
        p->capstmts = cap;
    }
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        if (n->kind == AST_IMPORT) {
            struct file_import *imp = &f->imports[f->nimports++];
            imp->name = ev_name(ev, n->u.import.asname);
            imp->module = v_undef();
            imp->node = n;
        }
        uint32_t k = p->nstmts++;
        p->stmts[k].node = n;
        p->stmts[k].file = p->nfiles;
        p->stmts[k].state = STMT_NEW;
        collect_setters(ev, p, n, k);
    }
    p->nfiles++;
}

void eval_pkg(struct eval *ev, struct pkg *p)
{
    if (p->state == STMT_DONE)
        return;
    if (p->state == STMT_RUNNING)
        vm_raise(ev->vm, "There is a circular reference between modules");
    p->state = STMT_RUNNING;
    for (uint32_t i = 0; i < p->nstmts; i++)
        run_gstmt(ev, p, i);
    p->state = STMT_DONE;
}

/* The result document of the main package (spec §3.9 steps 1-3). */
struct value eval_module_output(struct eval *ev, struct pkg *p)
{
    struct vm *vm = ev->vm;
    struct list *scalars = list_copy(vm, p->scalars);
    if (p->has_schema_scalar) {
        /* only the last schema-instantiation expression statement counts */
        struct list *l = list_new(vm, scalars->n + 1);
        for (uint32_t i = 0; i < scalars->n; i++) {
            if (i == p->schema_scalar_pos)
                list_push(vm, l, p->last_schema_scalar);
            list_push(vm, l, scalars->v[i]);
        }
        if (p->schema_scalar_pos >= scalars->n)
            list_push(vm, l, p->last_schema_scalar);
        scalars = l;
    }
    struct dict *vars = dict_new(vm, p->nvars);
    bool show_hidden = (vm->flags & SCL_EMIT_SHOW_HIDDEN) != 0;
    for (uint32_t i = 0; i < p->nvars; i++) {
        struct gvar *g = p->vars[i];
        if (!g->is_output || !g->defined)
            continue;
        if (g->name->b[0] == '_' && !show_hidden)
            continue;
        if (g->val.tag == V_UNDEF || g->val.tag == V_FUNC || g->val.tag == V_TYPE ||
            g->val.tag == V_MODULE)
            continue;
        dict_set(vm, vars, g->name, g->val);
    }
    struct value result = v_undef();
    struct span where = {0, 0, 0};
    for (uint32_t i = 0; i < scalars->n; i++) {
        struct value s = scalars->v[i];
        if (s.tag == V_UNDEF)
            continue;
        if (!p->has_schema_scalar && i < p->scalars->n)
            where = p->scalar_spans[i];
        vm->span = where;
        if (result.tag == V_UNDEF) {
            result = s;
            continue;
        }
        if (v_is_dictlike(result) && v_is_dictlike(s))
            result = op_unify(vm, result, s, true);
        else if (!v_equal(result, s))
            vm_raise(vm, "conflicting values between %s and %s",
                     v_to_json(vm, s, 0, false, false, false)->b,
                     v_to_json(vm, result, 0, false, false, false)->b);
    }
    if (vars->n) {
        if (result.tag == V_UNDEF)
            result = v_dict(vars);
        else if (v_is_dictlike(result))
            result = op_unify(vm, result, v_dict(vars), true);
        else
            vm_raise(vm, "conflicting values between %s and %s", "{...}",
                     v_to_json(vm, result, 0, false, false, false)->b);
    }
    if (result.tag == V_UNDEF)
        result = v_dict(dict_new(vm, 0));
    return result;
}

void eval_init(struct eval *ev, struct vm *vm, struct source_map *sm)
{
    memset(ev, 0, sizeof *ev);
    ev->vm = vm;
    ev->sm = sm;
    ev->arena = vm->arena;
    vm->ev = ev;
    ev->names = vm_zalloc(vm, EV_NAME_CACHE_MIN * sizeof *ev->names);
    ev->names_mask = EV_NAME_CACHE_MIN - 1;
    ev->methods = vm_zalloc(vm, EV_METHOD_CACHE * sizeof *ev->methods);
    ev->globals = vm_zalloc(vm, EV_GLOBAL_CACHE_MIN * sizeof *ev->globals);
    ev->globals_mask = EV_GLOBAL_CACHE_MIN - 1;
    ev->yaml_stream = v_undef();
    ev->options = dict_new(vm, 0);
    size_t nb;
    const struct native_def *b = stdlib_builtins(&nb);
    ev->builtins = dict_new(vm, (uint32_t)nb + 1);
    for (size_t i = 0; i < nb; i++)
        dict_set(vm, ev->builtins, ev_name(ev, b[i].name), v_func(vm_native(vm, b[i].name, b[i].fn)));
    dict_set(vm, ev->builtins, ev_name(ev, "option"), v_func(vm_native(vm, "option", option_fn)));
    ev->schema_types = list_new(vm, 0);
}

/* {===== services the standard library asks of the evaluator (vm.h) */

struct value v_union(struct vm *vm, struct value a, struct value b)
{
    return vm->ev ? schema_union(vm->ev, a, b) : op_union(vm, a, b);
}

const char *vm_module_root(struct vm *vm)
{
    return vm->ev && vm->ev->root ? vm->ev->root : "";
}

const char *vm_current_file(struct vm *vm)
{
    struct eval *ev = vm->ev;
    if (!ev || !ev->cur_pkg || ev->cur_file >= ev->cur_pkg->nfiles)
        return "";
    return ev->cur_pkg->files[ev->cur_file].src->path;
}

struct gstmt *eval_running_definition(struct eval *ev, struct str *name)
{
    struct pkg *p = ev->cur_pkg;
    struct gvar *g = p ? pkg_var(p, name) : NULL;
    for (uint32_t k = 0; g && k < g->nsetters; k++) {
        struct gstmt *st = &p->stmts[g->setters[k]];
        if (st->state == STMT_RUNNING &&
            (st->node->kind == AST_SCHEMA || st->node->kind == AST_RULE))
            return st;
    }
    return NULL;
}

/* A top-level schema instance whose `__settings__` says output_type "STANDALONE" is its own
 * document after the main one; "IGNORE" leaves it out (KCL's output layout settings). */
struct value eval_layout_documents(struct eval *ev, struct value result)
{
    struct vm *vm = ev->vm;
    if (result.tag != V_DICT && result.tag != V_SCHEMA)
        return result;
    struct str *settings = ev_name(ev, "__settings__");
    struct str *output_type = ev_name(ev, "output_type");
    struct dict *d = result.as.d;
    struct dict *main = NULL;
    struct list *docs = NULL;
    for (uint32_t i = 0; i < d->used; i++) {
        struct dict_entry *e = &d->e[i];
        if (!e->key)
            continue;
        const char *kind = NULL;
        if (e->val.tag == V_SCHEMA) {
            struct value st = dict_get(e->val.as.d, settings);
            struct value ot = v_is_dictlike(st) ? dict_get(st.as.d, output_type) : v_undef();
            if (ot.tag == V_STR)
                kind = ot.as.s->b;
        }
        bool standalone = kind && !strcmp(kind, "STANDALONE");
        bool ignore = kind && !strcmp(kind, "IGNORE");
        if ((standalone || ignore) && !main) {
            /* first special entry: copy what came before it */
            main = dict_new(vm, d->n);
            for (uint32_t k = 0; k < i; k++)
                if (d->e[k].key)
                    dict_set_op(vm, main, d->e[k].key, d->e[k].val, entry_op(&d->e[k]),
                                entry_ins(&d->e[k]));
            docs = list_new(vm, 2);
        }
        if (standalone)
            list_push(vm, docs, e->val);
        else if (main && !ignore)
            dict_set_op(vm, main, e->key, e->val, entry_op(e), entry_ins(e));
    }
    if (!main)
        return result;
    if (!docs->n)
        return v_dict(main);
    struct list *out = list_new(vm, docs->n + 1);
    if (main->n)
        list_push(vm, out, v_dict(main));
    for (uint32_t i = 0; i < docs->n; i++)
        list_push(vm, out, docs->v[i]);
    return v_list(out);
}
