/* Schemas: definition, instantiation with lazy attribute evaluation, checks; and the
 * checking/conversion of values against type annotations. */
#include "config.h"

#include "runtime/schema.h"

#include <string.h>

#include "scl.h"

static struct value lookup_dotted(struct eval *ev, struct ast *name)
{
    return eval_expr(ev, name);
}

const char *schema_type_name(const struct schema_type *st)
{
    return st ? st->name->b : "schema";
}

bool schema_is_sub(const struct schema_type *st, const struct schema_type *base)
{
    for (; st; st = st->parent)
        if (st == base)
            return true;
    return false;
}

bool schema_has_attr(const struct schema_type *st, struct str *name)
{
    return st && st->attr_index && dict_find(st->attr_index, name) != NULL;
}

static struct schema_attr *find_attr(const struct schema_type *st, struct str *name)
{
    if (!st->attr_index)
        return NULL;
    struct dict_entry *e = dict_find(st->attr_index, name);
    return e ? &st->attrs[e->val.as.i] : NULL;
}

static void add_attr(struct eval *ev, struct schema_type *st, struct str *name, struct ast *type,
                     bool optional, struct schema_type *owner, struct ast_list *decorators,
                     struct span span)
{
    struct schema_attr *a = find_attr(st, name);
    if (a) {
        /* redeclared (child or mixin): keep position, take the new type when given */
        if (type)
            a->type = type, a->owner = owner, a->span = span;
        a->optional = optional;
        if (decorators && decorators->n)
            a->decorators = decorators;
        return;
    }
    if (st->nattrs == st->capattrs) {
        uint32_t cap = st->capattrs ? st->capattrs * 2 : 8;
        st->attrs = vm_realloc(ev->vm, st->attrs, st->capattrs * sizeof *st->attrs,
                               cap * sizeof *st->attrs);
        st->capattrs = cap;
    }
    a = &st->attrs[st->nattrs];
    a->name = name;
    a->type = type;
    a->owner = owner;
    a->optional = optional;
    a->decorators = decorators;
    a->span = span;
    dict_set(ev->vm, st->attr_index, name, v_int(st->nattrs));
    st->nattrs++;
}

static void collect_attrs(struct eval *ev, struct schema_type *st, struct ast_list *body,
                          struct schema_type *owner)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *s = body->v[i];
        if (s->kind == AST_SCHEMA_ATTR) {
            add_attr(ev, st, ev_name(ev, s->u.attr.name), s->u.attr.type, s->u.attr.optional,
                     owner, &s->u.attr.decorators, s->span);
        } else if (s->kind == AST_ASSIGN) {
            for (uint32_t k = 0; k < s->u.assign.targets.n; k++) {
                struct ast *t = s->u.assign.targets.v[k];
                if (t->kind == AST_NAME) {
                    struct str *nm = ev_name(ev, t->u.name);
                    if (!find_attr(st, nm))
                        add_attr(ev, st, nm, s->u.assign.type, true, owner, NULL, s->span);
                }
            }
        } else if (s->kind == AST_IF) {
            collect_attrs(ev, st, &s->u.if_stmt.body, owner);
            collect_attrs(ev, st, &s->u.if_stmt.orelse, owner);
        } else if (s->kind == AST_INDEX_SIG) {
            st->index_sig = s;
            st->index_sig_owner = owner;
        }
    }
}

static struct schema_type *as_type(struct eval *ev, struct value v, struct ast *at, const char *what)
{
    if (v.tag == V_UNDEF && at->kind == AST_NAME) {
        /* the schema named here is being defined: its definition led back to this one */
        struct gstmt *g = eval_running_definition(ev, ev_name(ev, at->u.name));
        if (g)
            vm_raise_at(ev->vm, g->node->span, "E2L23", "CompileError",
                        "There is a circular reference between schemas %s, %s",
                        g->node->u.schema.name, ev->defining ? ev->defining : "?");
    }
    if (v.tag != V_TYPE || v.as.st->alias) {
        vm_raise_at(ev->vm, at->span, "E2D34", "IllegalInheritError",
                    "invalid %s object type, expect schema, got '%s'", what, v_type_name(v));
    }
    return v.as.st;
}

struct value schema_define(struct eval *ev, struct ast *n)
{
    struct vm *vm = ev->vm;
    struct schema_type *st = vm_zalloc(vm, sizeof *st);
    st->name = ev_name(ev, n->u.schema.name);
    st->node = n;
    ev->defining = n->u.schema.name;
    st->pkg = ev->cur_pkg;
    st->pkgpath = ev->cur_pkg->path;
    st->file = ev->cur_file;
    st->closure = scope_keep(ev, ev->scope);
    st->is_rule = n->kind == AST_RULE || n->u.schema.is_rule;
    /* a schema named ...Mixin is a mixin, ...Protocol a protocol, however declared */
    size_t nl = st->name->len;
    st->is_mixin = n->u.schema.kind == SCHEMA_MIXIN ||
                   (nl >= 5 && !strcmp(st->name->b + nl - 5, "Mixin"));
    st->is_protocol = n->u.schema.kind == SCHEMA_PROTOCOL ||
                      (nl >= 8 && !strcmp(st->name->b + nl - 8, "Protocol"));
    st->instances = list_new(vm, 0);
    if (!st->is_rule && n->u.schema.parents.n) {
        struct ast *pn = n->u.schema.parents.v[0];
        struct schema_type *parent = as_type(ev, lookup_dotted(ev, pn), pn, "schema inherit");
        if (parent->is_mixin && !st->is_mixin)
            vm_raise_at(vm, pn->span, "E2D34", "IllegalInheritError",
                        "invalid schema inherit object type, expect schema, got '%s'",
                        parent->name->b);
        for (struct schema_type *p = parent; p; p = p->parent)
            if (p == st)
                vm_raise_at(vm, pn->span, "E2D34", "IllegalInheritError",
                            "There is a circular reference between schemas");
        st->parent = parent;
    }
    if (n->u.schema.for_host)
        st->host = as_type(ev, lookup_dotted(ev, n->u.schema.for_host), n->u.schema.for_host,
                           "protocol");
    if (n->u.schema.mixins.n) {
        st->mixins = vm_alloc(vm, n->u.schema.mixins.n * sizeof *st->mixins);
        for (uint32_t i = 0; i < n->u.schema.mixins.n; i++) {
            struct ast *mn = n->u.schema.mixins.v[i];
            struct value mv = lookup_dotted(ev, mn);
            struct schema_type *m = as_type(ev, mv, mn, "mixin");
            if (!m->is_mixin)
                vm_raise_at(vm, mn->span, "E1001", "IllegalParameterError",
                            "a valid mixin name should end with 'Mixin', got '%s'", m->name->b);
            st->mixins[st->nmixins++] = m;
        }
    }
    /* The attribute table is made when first needed: a package defines every schema it
     * declares, and a program uses few of them (the k8s API's core group has 200) */
    st->attrs_pending = true;
    list_push(vm, ev->schema_types, (struct value){V_TYPE, 0, 0, {.st = st}});
    return (struct value){V_TYPE, 0, 0, {.st = st}};
}

void schema_make_attrs(struct eval *ev, struct schema_type *st)
{
    st->attrs_pending = false;
    st->attr_index = dict_new(ev->vm, 8);
    struct schema_type *parent = st->parent;
    if (parent) {
        schema_ready(ev, parent);
        for (uint32_t i = 0; i < parent->nattrs; i++) {
            struct schema_attr *a = &parent->attrs[i];
            add_attr(ev, st, a->name, a->type, a->optional, a->owner, a->decorators, a->span);
        }
        st->index_sig = parent->index_sig;
        st->index_sig_owner = parent->index_sig_owner;
    }
    collect_attrs(ev, st, &st->node->u.schema.body, st);
    for (uint32_t i = 0; i < st->nmixins; i++) {
        struct schema_type *m = st->mixins[i];
        schema_ready(ev, m);
        for (uint32_t k = 0; k < m->nattrs; k++) {
            struct schema_attr *a = &m->attrs[k];
            if (!find_attr(st, a->name))
                add_attr(ev, st, a->name, a->type, a->optional, a->owner, a->decorators,
                         a->span);
        }
    }
}

struct value type_alias_value(struct eval *ev, struct ast *n)
{
    struct schema_type *st = vm_zalloc(ev->vm, sizeof *st);
    st->name = ev_name(ev, n->u.type_alias.name);
    st->alias = n->u.type_alias.type;
    st->pkg = ev->cur_pkg;
    st->file = ev->cur_file;
    st->pkgpath = ev->cur_pkg->path;
    return (struct value){V_TYPE, 0, 0, {.st = st}};
}

/* {===== layout: the flattened body */

static void layout_collect_setters(struct eval *ev, struct schema_layout *L, struct ast *s,
                                   uint32_t idx);

static void layout_add_setter(struct eval *ev, struct schema_layout *L, struct str *name,
                              uint32_t idx)
{
    struct dict_entry *e = dict_find(L->setters, name);
    uint32_t k;
    if (!e) {
        L->sets = vm_realloc(ev->vm, L->sets, L->nsets * sizeof *L->sets,
                             (L->nsets + 1) * sizeof *L->sets);
        memset(&L->sets[L->nsets], 0, sizeof *L->sets);
        k = L->nsets++;
        dict_set(ev->vm, L->setters, name, v_int(k));
    } else {
        k = (uint32_t)e->val.as.i;
    }
    if (L->sets[k].n && L->sets[k].v[L->sets[k].n - 1] == idx)
        return;
    if (L->sets[k].n == L->sets[k].cap) {
        uint32_t cap = L->sets[k].cap ? L->sets[k].cap * 2 : 2;
        L->sets[k].v = vm_realloc(ev->vm, L->sets[k].v, L->sets[k].cap * sizeof(uint32_t),
                                  cap * sizeof(uint32_t));
        L->sets[k].cap = cap;
    }
    L->sets[k].v[L->sets[k].n++] = idx;
}


static void layout_collect_setters(struct eval *ev, struct schema_layout *L, struct ast *s,
                                   uint32_t idx)
{
    switch (s->kind) {
    case AST_SCHEMA_ATTR:
        if (s->u.attr.value)
            layout_add_setter(ev, L, ev_name(ev, s->u.attr.name), idx);
        break;
    case AST_ASSIGN:
        for (uint32_t k = 0; k < s->u.assign.targets.n; k++) {
            struct ast *r = ast_target_root(s->u.assign.targets.v[k]);
            if (r->kind == AST_NAME)
                layout_add_setter(ev, L, ev_name(ev, r->u.name), idx);
        }
        break;
    case AST_AUG_ASSIGN: {
        struct ast *r = ast_target_root(s->u.aug.target);
        if (r->kind == AST_NAME)
            layout_add_setter(ev, L, ev_name(ev, r->u.name), idx);
        break;
    }
    case AST_UNIFY:
        layout_add_setter(ev, L, ev_name(ev, s->u.unify.target->u.name), idx);
        break;
    case AST_IF:
        for (uint32_t k = 0; k < s->u.if_stmt.body.n; k++)
            layout_collect_setters(ev, L, s->u.if_stmt.body.v[k], idx);
        for (uint32_t k = 0; k < s->u.if_stmt.orelse.n; k++)
            layout_collect_setters(ev, L, s->u.if_stmt.orelse.v[k], idx);
        break;
    default:
        break;
    }
}

static void layout_append(struct eval *ev, struct schema_layout *L, struct schema_type *st)
{
    if (st->parent)
        layout_append(ev, L, st->parent);
    struct ast *n = st->node;
    struct ast_list *body = &n->u.schema.body;
    /* room for the whole body at once (one copy per schema of the chain, not one per
     * attribute) */
    L->stmts = vm_realloc(ev->vm, L->stmts, L->nstmts * sizeof *L->stmts,
                          (L->nstmts + body->n) * sizeof *L->stmts);
    L->owner = vm_realloc(ev->vm, L->owner, L->nstmts * sizeof *L->owner,
                          (L->nstmts + body->n) * sizeof *L->owner);
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *s = body->v[i];
        if (s->kind == AST_INDEX_SIG)
            continue;
        L->stmts[L->nstmts] = s;
        L->owner[L->nstmts] = st;
        layout_collect_setters(ev, L, s, L->nstmts);
        L->nstmts++;
    }
    struct ast_list *checks = &n->u.schema.checks;
    if (checks->n) {
        L->checks = vm_realloc(ev->vm, L->checks, L->nchecks * sizeof *L->checks,
                               (L->nchecks + checks->n) * sizeof *L->checks);
        L->check_owner = vm_realloc(ev->vm, L->check_owner, L->nchecks * sizeof *L->check_owner,
                                    (L->nchecks + checks->n) * sizeof *L->check_owner);
    }
    for (uint32_t i = 0; i < checks->n; i++) {
        L->checks[L->nchecks] = checks->v[i];
        L->check_owner[L->nchecks] = st;
        L->nchecks++;
    }
    for (uint32_t i = 0; i < st->nmixins; i++)
        layout_append(ev, L, st->mixins[i]);
}

static struct schema_layout *layout_get(struct eval *ev, struct schema_type *st)
{
    if (!st->layout) {
        struct schema_layout *L = vm_zalloc(ev->vm, sizeof *L);
        L->setters = dict_new(ev->vm, 8);
        layout_append(ev, L, st);
        st->layout = L;
    }
    return st->layout;
}

/* {===== frames */

static void run_frame_stmt(struct eval *ev, struct schema_frame *f, uint32_t i)
{
    if (f->state[i] != STMT_NEW)
        return;
    struct schema_layout *L = f->type->layout;
    f->state[i] = STMT_RUNNING;
    struct ev_place saved = ev_enter(ev, L->owner[i]->pkg, L->owner[i]->file, f->scope);
    eval_stmt(ev, L->stmts[i]);
    ev_leave(ev, saved);
    f->state[i] = STMT_DONE;
}

bool schema_frame_lookup(struct eval *ev, struct schema_frame *f, struct str *name,
                         struct value *out)
{
    struct schema_layout *L = f->type->layout;
    struct dict_entry *se = L ? dict_find(L->setters, name) : NULL;
    if (se) {
        uint32_t k = (uint32_t)se->val.as.i;
        uint32_t limit = L->sets[k].n;
        for (uint32_t j = 0; j < L->sets[k].n; j++)
            if (f->state[L->sets[k].v[j]] == STMT_RUNNING) {
                limit = j;
                break;
            }
        for (uint32_t j = 0; j < limit; j++)
            run_frame_stmt(ev, f, L->sets[k].v[j]);
    }
    struct dict_entry *e = dict_find(f->inst, name);
    if (e) {
        *out = e->val;
        return true;
    }
    if (se || schema_has_attr(f->type, name)) {
        *out = v_undef();
        return true;
    }
    return false;
}

static struct value apply_config(struct eval *ev, struct schema_frame *f, struct str *name,
                                 struct value v)
{
    struct dict_entry *c = f->config ? dict_find(f->config, name) : NULL;
    if (!c)
        return v;
    switch (entry_op(c)) {
    case OPK_OVERRIDE:
        return c->val;
    case OPK_INSERT: {
        struct dict *tmp = dict_new(ev->vm, 1);
        dict_set(ev->vm, tmp, name, v);
        op_merge_entry(ev->vm, tmp, name, c->val, OPK_INSERT, entry_ins(c), false);
        return dict_get(tmp, name);
    }
    default:
        return op_unify(ev->vm, v, c->val, false);
    }
}

static struct value convert(struct eval *ev, struct ast *t, struct value v, struct span span,
                            struct span at);

void schema_frame_assign(struct eval *ev, struct schema_frame *f, struct str *name, struct value v,
                         struct ast *type, struct span span, bool is_aug)
{
    (void)is_aug;
    struct schema_attr *a = find_attr(f->type, name);
    v = apply_config(ev, f, name, v);
    /* an instance made from a dict literal is located at the literal's first entry */
    struct span at = span;
    if (v.tag == V_DICT) {
        for (uint32_t i = 0; i < v.as.d->used; i++)
            if (v.as.d->e[i].key) {
                at = entry_span(&v.as.d->e[i], span);
                break;
            }
    }
    if (a && a->type && !type) {
        struct ev_place saved = ev_enter(ev, a->owner->pkg, a->owner->file, ev->scope);
        v = convert(ev, a->type, v, span, at);
        ev_leave(ev, saved);
    } else if (type) {
        v = convert(ev, type, v, span, at);
    }
    dict_set(ev->vm, f->inst, name, v);
}

struct value schema_attr_convert(struct eval *ev, struct schema_type *st, struct str *name,
                                 struct value v, struct span span)
{
    schema_ready(ev, st);
    struct schema_attr *a = find_attr(st, name);
    if (a && a->type) {
        struct ev_place saved = ev_enter(ev, a->owner->pkg, a->owner->file, ev->scope);
        /* a type error found at run time points at the attribute's declaration (the
         * resolver reports statically known ones at the config entry) */
        v = convert(ev, a->type, v, a->span, span);
        ev_leave(ev, saved);
    } else if (!a && st->index_sig) {
        v = type_convert(ev, st->index_sig->u.index_sig.value_type, v, span);
    }
    return v;
}

static _Noreturn void check_failed(struct eval *ev, struct span inst_span, struct ast *chk,
                                   const char *msg)
{
    struct vm *vm = ev->vm;
    struct diag *g = diags_add(vm->diags, DIAG_ERROR, "E3M38", "EvaluationError", inst_span,
                               true, "Instance check failed");
    /* KCL locates the failure where it evaluated last: the message, when there is one (the
     * last line of a check written over several lines) */
    struct span at = chk->u.check_expr.msg ? chk->u.check_expr.msg->span : chk->span;
    if (msg && *msg)
        diag_add_label(vm->diags, g, at, false, "Check failed on the condition: %s", msg);
    else
        diag_add_label(vm->diags, g, at, false, "Check failed on the condition");
    vm_throw_diag(vm, g);
}

static void run_checks(struct eval *ev, struct schema_frame *f, struct span span)
{
    struct schema_layout *L = f->type->layout;
    struct ev_place saved = ev_enter(ev, ev->cur_pkg, ev->cur_file, f->scope);
    for (uint32_t i = 0; i < L->nchecks; i++) {
        struct ast *c = L->checks[i];
        ev->cur_pkg = L->check_owner[i]->pkg;
        ev->cur_file = L->check_owner[i]->file;
        ev->vm->span = c->span;
        if (c->u.check_expr.cond && !v_truthy(eval_expr(ev, c->u.check_expr.cond)))
            continue;
        if (v_truthy(eval_expr(ev, c->u.check_expr.test)))
            continue;
        const char *msg = NULL;
        if (c->u.check_expr.msg)
            msg = v_to_str(ev->vm, eval_expr(ev, c->u.check_expr.msg))->b;
        check_failed(ev, span, c, msg);
    }
    ev_leave(ev, saved);
}

static void check_required(struct eval *ev, struct value v, unsigned depth)
{
    if (depth > 64)
        return;
    if (v.tag == V_LIST) {
        for (uint32_t i = 0; i < v.as.l->n; i++)
            check_required(ev, v.as.l->v[i], depth + 1);
        return;
    }
    if (!v_is_dictlike(v))
        return;
    struct dict *d = v.as.d;
    if (v.tag == V_SCHEMA && dict_schema(d) && !dict_schema(d)->is_rule) {
        struct schema_type *st = dict_schema(d);
        for (uint32_t i = 0; i < st->nattrs; i++) {
            struct schema_attr *a = &st->attrs[i];
            if (a->optional)
                continue;
            struct value x = dict_get(d, a->name);
            if (v_is_null(x))
                vm_raise_at(ev->vm, d->inst->span, "E3M38", "EvaluationError",
                            "attribute '%s' of %s is required and can't be None or Undefined",
                            a->name->b, st->name->b);
        }
    }
    for (uint32_t i = 0; i < d->used; i++)
        if (d->e[i].key)
            check_required(ev, d->e[i].val, depth + 1);
}

/* A dict given for a schema-typed argument or index-signature value must carry every required
 * attribute that the schema does not compute itself: otherwise KCL reports the type mismatch
 * at the (last) missing attribute's declaration. */
static void check_dict_fits(struct eval *ev, struct ast *type, struct value v)
{
    if (!type || type->kind != AST_TYPE_NAMED || v.tag != V_DICT)
        return;
    struct value tv = resolve_named(ev, type);
    if (tv.tag != V_TYPE || tv.as.st->alias || !tv.as.st->node)
        return;
    struct schema_type *st = tv.as.st;
    schema_ready(ev, st);
    struct schema_layout *L = layout_get(ev, st);
    struct sbuf b;
    sbuf_init(&b, ev->vm);
    struct schema_attr *last = NULL;
    for (uint32_t i = 0; i < st->nattrs; i++) {
        struct schema_attr *a = &st->attrs[i];
        if (a->optional || dict_find(v.as.d, a->name) || dict_find(L->setters, a->name) ||
            (a->type && a->type->kind == AST_TYPE_LITERAL))
            continue;
        sbuf_printf(&b, "\nSchema %s's attribute %s is missing", st->name->b, a->name->b);
        last = a;
    }
    if (last)
        vm_raise_at(ev->vm, last->span, "E3M38", "EvaluationError",
                    "expect %s, got dict. For details:%s", st->name->b, sbuf_str(&b)->b);
}

static void bind_params(struct eval *ev, struct schema_type *st, struct scope *s,
                        const struct callargs *a, struct span span)
{
    /* As KCL's walk_arguments: a parameter without an argument or a default is None, and
     * arguments no parameter takes are dropped (the resolver rejects such calls where it
     * sees them; a dict converted to the schema passes none). */
    struct ast_list *params = &st->node->u.schema.params;
    uint32_t npos = a ? a->npos : 0;
    for (uint32_t i = 0; i < params->n; i++) {
        struct ast *pr = params->v[i];
        struct str *pname = ev_name(ev, pr->u.param.name);
        struct value v = v_undef();
        bool have = false;
        if (i < npos) {
            v = a->pos[i];
            have = true;
        } else if (a) {
            for (uint32_t k = 0; k < a->nkw; k++)
                if (a->kwnames[k] == pname)
                    v = a->kw[k], have = true;
        }
        if (!have && pr->u.param.value)
            v = eval_expr(ev, pr->u.param.value);
        else if (!have)
            v = v_none();
        if (pr->u.param.type) {
            check_dict_fits(ev, pr->u.param.type, v);
            v = type_convert(ev, pr->u.param.type, v, span);
            check_required(ev, v, 0);
        }
        scope_set(ev, s, pname, v);
    }
    if (st->parent && st->parent->node->u.schema.params.n && !params->n)
        bind_params(ev, st->parent, s, a, span);
}

/* @deprecated(version="", reason="", strict=True) on a schema or an attribute: using it is
 * an error when strict, otherwise allowed. */
static void check_deprecated(struct eval *ev, struct ast_list *decorators, const char *what,
                             struct span span)
{
    if (!decorators)
        return;
    for (uint32_t i = 0; i < decorators->n; i++) {
        struct ast *d = decorators->v[i];
        struct ast *nm = d->u.decorator.name;
        if (nm->kind != AST_NAME || strcmp(nm->u.name, "deprecated") != 0)
            continue;
        const char *version = "", *reason = "";
        bool strict = true;
        uint32_t pos = 0;
        for (uint32_t k = 0; k < d->u.decorator.args.n; k++) {
            struct ast *a = d->u.decorator.args.v[k];
            const char *key = NULL;
            struct ast *vx = a;
            if (a->kind == AST_KWARG)
                key = a->u.kwarg.name, vx = a->u.kwarg.value;
            else
                key = pos == 0 ? "version" : pos == 1 ? "reason" : "strict", pos++;
            struct value v = eval_expr(ev, vx);
            if (!strcmp(key, "version") && v.tag == V_STR)
                version = v.as.s->b;
            else if (!strcmp(key, "reason") && v.tag == V_STR)
                reason = v.as.s->b;
            else if (!strcmp(key, "strict"))
                strict = v_truthy(v);
        }
        if (!strict)
            continue;
        struct sbuf b;
        sbuf_init(&b, ev->vm);
        sbuf_printf(&b, "%s was deprecated ", what);
        if (*version)
            sbuf_printf(&b, "since version %s", version);
        if (*reason)
            sbuf_printf(&b, ", %s", reason);
        vm_raise_at(ev->vm, span, "E3M38", "EvaluationError", "%s", sbuf_str(&b)->b);
    }
}

/* The arguments outlive the call that passed them: instances keep them. */
static const struct callargs *copy_args(struct vm *vm, const struct callargs *a)
{
    struct callargs *c = vm_alloc(vm, sizeof *c);
    *c = *a;
    if (!a->npos && !a->nkw) {
        /* the usual `S {...}`: nothing to copy, nothing to keep */
        c->pos = c->kw = NULL;
        c->kwnames = NULL;
        return c;
    }
    struct value *pos = vm_alloc(vm, (a->npos + 1) * sizeof *pos);
    struct value *kw = vm_alloc(vm, (a->nkw + 1) * sizeof *kw);
    struct str **names = vm_alloc(vm, (a->nkw + 1) * sizeof *names);
    if (a->npos)
        memcpy(pos, a->pos, a->npos * sizeof *pos);
    if (a->nkw) {
        memcpy(kw, a->kw, a->nkw * sizeof *kw);
        memcpy(names, a->kwnames, a->nkw * sizeof *names);
    }
    c->pos = pos;
    c->kw = kw;
    c->kwnames = names;
    return c;
}

struct value schema_instantiate(struct eval *ev, struct schema_type *st, struct value config,
                                const struct callargs *args, struct span span)
{
    struct vm *vm = ev->vm;
    vm_poll(vm);
    if (++vm->depth > vm->max_depth) {
        vm->span = span;
        vm_raise_limit(vm, "maximum recursion depth exceeded");
    }
    if (st->node)
        check_deprecated(ev, &st->node->u.schema.decorators, st->name->b, span);
    schema_ready(ev, st);
    struct schema_layout *L = layout_get(ev, st);
    /* the frame outlives the call: lambdas made in the body keep its scope */
    struct schema_frame *fp = vm_zalloc(vm, sizeof *fp);
    fp->type = st;
    fp->config = v_is_dictlike(config) ? config.as.d : NULL;
    fp->inst = dict_new(vm, st->nattrs + (fp->config && st->index_sig ? fp->config->n : 0));
    struct schema_origin *o = NULL;
    if (fp->config || args) {
        o = vm_alloc(vm, sizeof *o);
        o->config = fp->config;
        o->args = args ? copy_args(vm, args) : NULL;
    }
    dict_set_inst(vm, fp->inst, st, span, o);
    fp->state = vm_zalloc(vm, L->nstmts + 1);
    struct scope *saved_scope = ev->scope;
    ev->scope = st->closure;
    fp->scope = scope_push(ev, SCOPE_SCHEMA);
    fp->scope->frame = fp;
    ev->scope = saved_scope;
    ev->schema_depth++;

    if (st->is_rule) {
        if (fp->config)
            for (uint32_t i = 0; i < fp->config->used; i++)
                if (fp->config->e[i].key)
                    dict_set(vm, fp->inst, fp->config->e[i].key, fp->config->e[i].val);
    } else {
        for (uint32_t i = 0; i < st->nattrs; i++) {
            /* an attribute typed by one literal has that literal as its default */
            struct ast *t = st->attrs[i].type;
            struct value v = v_undef();
            if (t && t->kind == AST_TYPE_LITERAL)
                v = eval_expr(ev, t->u.type_lit.value);
            dict_set(vm, fp->inst, st->attrs[i].name, v);
        }
        if (fp->config) {
            for (uint32_t i = 0; i < fp->config->used; i++) {
                struct dict_entry *c = &fp->config->e[i];
                if (!c->key)
                    continue;
                struct schema_attr *a = find_attr(st, c->key);
                if (!a) {
                    if (!st->index_sig) {
                        vm_raise_at(vm, span, "E2L23", "CompileError",
                                    "Cannot add member '%s' to schema '%s'", c->key->b,
                                    st->name->b);
                    }
                    continue;
                }
                check_deprecated(ev, a->decorators, a->name->b, span);
                struct value v = c->val;
                if (entry_op(c) == OPK_INSERT && v.tag == V_LIST)
                    v = apply_config(ev, fp, c->key, v_undef());
                struct dict_entry *ne = dict_set(
                    vm, fp->inst, c->key, schema_attr_convert(ev, st, c->key, v, entry_span(c, span)));
                /* the instance remembers the config operators for later unification */
                entry_set_op(ne, entry_op(c));
                entry_set_ins(ne, entry_ins(c));
            }
        }
    }
    if (st->node)
        bind_params(ev, st, fp->scope, args, span);
    for (uint32_t i = 0; i < L->nstmts; i++)
        run_frame_stmt(ev, fp, i);
    /* index signature: undeclared config keys, in config order */
    if (st->index_sig && fp->config) {
        struct ast *sig = st->index_sig;
        for (uint32_t i = 0; i < fp->config->used; i++) {
            struct dict_entry *c = &fp->config->e[i];
            if (!c->key || find_attr(st, c->key))
                continue;
            struct value v = c->val;
            /* `k = {...}` replaces the default, so the dict alone must fit the type */
            if (entry_op(c) == OPK_OVERRIDE || !sig->u.index_sig.value)
                check_dict_fits(ev, sig->u.index_sig.value_type, v);
            if (sig->u.index_sig.value) {
                struct scope *sv = ev->scope;
                ev->scope = fp->scope;
                if (sig->u.index_sig.key_name)
                    scope_set(ev, fp->scope, ev_name(ev, sig->u.index_sig.key_name), v_str(c->key));
                struct value def = eval_expr(ev, sig->u.index_sig.value);
                ev->scope = sv;
                v = op_unify(vm, def, v, false);
            }
            v = type_convert(ev, sig->u.index_sig.value_type, v, entry_span(c, span));
            dict_set(vm, fp->inst, c->key, v);
        }
    }
    if (L->nchecks) {
        if (st->index_sig && st->index_sig->u.index_sig.key_name && fp->config) {
            struct str *kn = ev_name(ev, st->index_sig->u.index_sig.key_name);
            bool any = false;
            for (uint32_t i = 0; i < fp->inst->used; i++) {
                struct dict_entry *e = &fp->inst->e[i];
                if (!e->key || find_attr(st, e->key))
                    continue;
                any = true;
                scope_set(ev, fp->scope, kn, v_str(e->key));
                run_checks(ev, fp, span);
            }
            if (!any)
                run_checks(ev, fp, span);
        } else {
            run_checks(ev, fp, span);
        }
    }
    ev->schema_depth--;
    struct value r = v_schema(fp->inst);
    if (ev->schema_depth == 0)
        check_required(ev, r, 0);
    for (struct schema_type *t = st; t; t = t->parent)
        list_push(vm, t->instances, r);
    vm->depth--;
    return r;
}

struct value schema_call(struct eval *ev, struct schema_type *st, const struct callargs *a)
{
    if (st->alias)
        vm_raise(ev->vm, "'%s' is a type alias and cannot be called", st->name->b);
    return schema_instantiate(ev, st, v_undef(), a, a->span);
}

struct value schema_expr(struct eval *ev, struct ast *n)
{
    return schema_expr_config(ev, n, v_undef());
}

struct value schema_expr_config(struct eval *ev, struct ast *n, struct value config)
{
    struct vm *vm = ev->vm;
    struct value t = eval_expr(ev, n->u.schema_expr.name);
    if (t.tag == V_TYPE && t.as.st->alias && t.as.st->alias->kind == AST_TYPE_NAMED) {
        /* type Alias = Schema: instantiate the schema */
        struct ev_place saved = ev_enter(ev, t.as.st->pkg, t.as.st->file, NULL);
        t = resolve_named(ev, t.as.st->alias);
        ev_leave(ev, saved);
    }
    if (t.tag == V_TYPE && !t.as.st->alias) {
        struct callargs a;
        memset(&a, 0, sizeof a);
        if (n->u.schema_expr.has_args) {
            uint32_t na = n->u.schema_expr.args.n, np = 0, nk = 0;
            struct value *pos = vm_alloc(vm, (na + 1) * sizeof *pos);
            struct value *kw = vm_alloc(vm, (na + 1) * sizeof *kw);
            struct str **names = vm_alloc(vm, (na + 1) * sizeof *names);
            for (uint32_t i = 0; i < na; i++) {
                struct ast *x = n->u.schema_expr.args.v[i];
                if (x->kind == AST_KWARG) {
                    names[nk] = ev_name(ev, x->u.kwarg.name);
                    kw[nk++] = eval_expr(ev, x->u.kwarg.value);
                } else {
                    pos[np++] = eval_expr(ev, x);
                }
            }
            a.pos = pos, a.npos = np, a.kw = kw, a.kwnames = names, a.nkw = nk;
        }
        a.span = n->span;
        /* instances made inside the config are checked for required attributes as part
         * of this one */
        ev->schema_depth++;
        struct value cfg = config.tag == V_UNDEF ? eval_config(ev, n->u.schema_expr.config) : config;
        ev->schema_depth--;
        vm->span = n->span;
        return schema_instantiate(ev, t.as.st, cfg, &a, n->span);
    }
    if (v_is_dictlike(t)) {
        struct value cfg = config.tag == V_UNDEF ? eval_config(ev, n->u.schema_expr.config) : config;
        vm->span = n->span;
        return schema_union(ev, t, cfg);
    }
    vm->span = n->span;
    vm_raise(vm, "'%s' object is not callable", v_type_name(t));
}

static struct value instances_fn(struct vm *vm, const struct callargs *a)
{
    struct schema_type *st = a->self.as.st;
    struct value full = v_bool(false);
    arg_get(vm, a, 0, "full_pkg", &full);
    struct list *out = list_new(vm, st->instances->n);
    struct pkg *main = vm->ev->main;
    for (uint32_t i = 0; i < st->instances->n; i++) {
        struct value inst = st->instances->v[i];
        bool in_main = false;
        /* made by the main package: its location is in one of the main files */
        for (uint32_t k = 0; k < main->nfiles && !in_main; k++)
            in_main = main->files[k].src->id == inst.as.d->inst->span.file;
        if (in_main || v_truthy(full))
            list_push(vm, out, inst);
    }
    return v_list(out);
}

struct value schema_type_member(struct eval *ev, struct schema_type *st, struct str *name,
                                struct span span)
{
    if (!strcmp(name->b, "instances"))
        return vm_bound(ev->vm, "instances", instances_fn, (struct value){V_TYPE, 0, 0, {.st = st}});
    vm_raise_at(ev->vm, span, "E3M38", "EvaluationError", "schema '%s' attribute '%s' not found",
                st->name->b, name->b);
}

struct value schema_union(struct eval *ev, struct value a, struct value b)
{
    struct vm *vm = ev->vm;
    struct schema_type *sty = a.tag == V_SCHEMA ? dict_schema(a.as.d) : NULL;
    if (sty && b.tag == V_DICT && sty->node && !sty->is_rule) {
        /* instance | config: the schema runs again on its config merged with the new one,
         * so that attributes computed from the changed ones follow them */
        struct schema_origin *o = a.as.d->inst->origin;
        struct dict *cfg = o && o->config ? dict_copy(vm, o->config) : dict_new(vm, 0);
        for (uint32_t i = 0; i < b.as.d->used; i++) {
            struct dict_entry *e = &b.as.d->e[i];
            if (!e->key)
                continue;
            struct dict_entry *r =
                op_merge_entry(vm, cfg, e->key, e->val, entry_op(e), entry_ins(e), false);
            entry_set_at(r, entry_file(e), entry_lo(e));
        }
        return schema_instantiate(ev, sty, v_dict(cfg), o ? o->args : NULL, vm->span);
    }
    if (a.tag == V_SCHEMA && v_is_dictlike(b)) {
        struct value r = op_union(vm, a, b);
        struct dict *d = r.as.d;
        struct schema_type *st = dict_schema(a.as.d);
        for (uint32_t i = 0; i < b.as.d->used; i++) {
            struct dict_entry *e = &b.as.d->e[i];
            if (!e->key)
                continue;
            if (!schema_has_attr(st, e->key) && !st->index_sig && !st->is_rule)
                vm_raise(vm, "Cannot add member '%s' to schema '%s'", e->key->b, st->name->b);
            struct dict_entry *de = dict_find(d, e->key);
            if (de)
                de->val = schema_attr_convert(ev, st, e->key, de->val, vm->span);
        }
        return r;
    }
    return op_union(vm, a, b);
}

/* After `_p.x = v` on an instance, its checks run again on the updated attributes: a frame
 * whose body counts as done, so that names read the instance as it is now. */
void schema_recheck(struct eval *ev, struct value inst, struct span span)
{
    struct schema_type *st = dict_schema(inst.as.d);
    if (!st || !st->node || st->is_rule)
        return;
    struct schema_layout *L = layout_get(ev, st);
    if (!L->nchecks)
        return;
    struct vm *vm = ev->vm;
    struct schema_frame *fp = vm_zalloc(vm, sizeof *fp);
    fp->type = st;
    fp->inst = inst.as.d;
    fp->state = vm_alloc(vm, L->nstmts + 1);
    memset(fp->state, STMT_DONE, L->nstmts + 1);
    struct scope *saved = ev->scope;
    ev->scope = st->closure;
    fp->scope = scope_push(ev, SCOPE_SCHEMA);
    fp->scope->frame = fp;
    ev->scope = saved;
    struct schema_origin *o = inst.as.d->inst->origin;
    if (o && o->args)
        bind_params(ev, st, fp->scope, o->args, span);
    run_checks(ev, fp, span);
}

/* {===== types */

const char *type_str(struct eval *ev, struct ast *t)
{
    struct vm *vm = ev->vm;
    if (!t)
        return "any";
    switch (t->kind) {
    case AST_TYPE_ANY:
        return "any";
    case AST_TYPE_NAMED:
        return t->u.type_named.name;
    case AST_TYPE_LIST:
        return str_fmt(vm, "[%s]", t->u.type_list.elem ? type_str(ev, t->u.type_list.elem) : "")->b;
    case AST_TYPE_DICT:
        return str_fmt(vm, "{%s:%s}", t->u.type_dict.key ? type_str(ev, t->u.type_dict.key) : "",
                       t->u.type_dict.value ? type_str(ev, t->u.type_dict.value) : "")
            ->b;
    case AST_TYPE_UNION: {
        struct sbuf b;
        sbuf_init(&b, vm);
        for (uint32_t i = 0; i < t->u.type_union.types.n; i++) {
            if (i)
                sbuf_puts(&b, " | ");
            sbuf_puts(&b, type_str(ev, t->u.type_union.types.v[i]));
        }
        return sbuf_str(&b)->b;
    }
    case AST_TYPE_LITERAL: {
        struct ast *v = t->u.type_lit.value;
        if (v->kind == AST_STR)
            return str_fmt(vm, "\"%s\"", v->u.str.lit->nparts ? v->u.str.lit->parts[0].text : "")->b;
        if (v->kind == AST_INT)
            return str_fmt(vm, "%lld%s", (long long)v->u.num.ival,
                           v->u.num.suffix ? v_unit_suffix_name(v->u.num.suffix) : "")
                ->b;
        if (v->kind == AST_FLOAT) {
            char buf[64];
            fmt_float(v->u.fval, false, buf, sizeof buf);
            return str_fmt(vm, "%s", buf)->b;
        }
        if (v->kind == AST_TRUE)
            return "True";
        if (v->kind == AST_FALSE)
            return "False";
        return "None";
    }
    case AST_TYPE_FUNC:
        return "function";
    default:
        return "any";
    }
}

static struct value literal_value(struct eval *ev, struct ast *v)
{
    return eval_expr(ev, v);
}

struct value resolve_named(struct eval *ev, struct ast *t)
{
    const char *name = t->u.type_named.name;
    const char *dot = strrchr(name, '.');
    if (!dot)
        return eval_lookup_name(ev, ev_name(ev, name), t->span);
    /* pkg.Schema: look the first segment up, then members */
    char buf[256];
    const char *p = name;
    struct value cur = v_undef();
    bool first = true;
    while (p) {
        const char *e = strchr(p, '.');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        struct str *seg = str_intern(ev->vm, buf, len);
        if (first) {
            cur = eval_lookup_name(ev, seg, t->span);
            first = false;
        } else if (cur.tag == V_MODULE) {
            if (cur.as.m->members) {
                cur = dict_get(cur.as.m->members, seg);
            } else {
                struct ev_place saved = ev_enter(ev, cur.as.m->pkg, 0, NULL);
                cur = eval_lookup_name(ev, seg, t->span);
                ev_leave(ev, saved);
            }
        } else {
            return v_undef();
        }
        p = e ? e + 1 : NULL;
    }
    return cur;
}

static bool is_basic(const char *n, const char *b)
{
    return !strcmp(n, b);
}

/* Whether v already has type t (no conversion). */
static bool type_match(struct eval *ev, struct ast *t, struct value v)
{
    if (!t || v_is_null(v))
        return true;
    switch (t->kind) {
    case AST_TYPE_ANY:
        return true;
    case AST_TYPE_NAMED: {
        const char *n = t->u.type_named.name;
        if (is_basic(n, "int"))
            return v.tag == V_INT;
        if (is_basic(n, "float"))
            return v.tag == V_FLOAT || v.tag == V_INT;
        if (is_basic(n, "str"))
            return v.tag == V_STR;
        if (is_basic(n, "bool"))
            return v.tag == V_BOOL;
        if (is_basic(n, "number_multiplier") || is_basic(n, "units.NumberMultiplier"))
            return v.tag == V_UNIT;
        struct value tv = resolve_named(ev, t);
        if (tv.tag != V_TYPE)
            return false;
        if (tv.as.st->alias)
            return type_match(ev, tv.as.st->alias, v);
        return v.tag == V_SCHEMA && schema_is_sub(dict_schema(v.as.d), tv.as.st);
    }
    case AST_TYPE_LIST:
        if (v.tag != V_LIST)
            return false;
        for (uint32_t i = 0; i < v.as.l->n; i++)
            if (!type_match(ev, t->u.type_list.elem, v.as.l->v[i]))
                return false;
        return true;
    case AST_TYPE_DICT:
        if (!v_is_dictlike(v))
            return false;
        for (uint32_t i = 0; i < v.as.d->used; i++)
            if (v.as.d->e[i].key && !type_match(ev, t->u.type_dict.value, v.as.d->e[i].val))
                return false;
        return true;
    case AST_TYPE_UNION:
        for (uint32_t i = 0; i < t->u.type_union.types.n; i++)
            if (type_match(ev, t->u.type_union.types.v[i], v))
                return true;
        return false;
    case AST_TYPE_LITERAL: {
        /* same kind and equal: 0 does not match the literal type 0.0 */
        struct value lit = literal_value(ev, t->u.type_lit.value);
        if (lit.tag == V_UNIT)
            return v_equal(lit, v);
        return lit.tag == v.tag && v_equal(lit, v);
    }
    case AST_TYPE_FUNC:
        return v.tag == V_FUNC;
    default:
        return true;
    }
}

static _Noreturn void type_mismatch(struct eval *ev, struct ast *t, struct value v,
                                    struct span span)
{
    vm_raise_at(ev->vm, span, "E3M38", "EvaluationError", "expect %s, got %s", type_str(ev, t),
                v_type_name(v));
}

struct try_conv {
    struct ast *t;
    struct value v, out;
    struct span span, at;
};

static struct value convert(struct eval *ev, struct ast *t, struct value v, struct span span,
                            struct span at);

static void try_conv_fn(struct vm *vm, void *ud)
{
    struct try_conv *tc = ud;
    tc->out = convert(vm->ev, tc->t, tc->v, tc->span, tc->at);
}

/* Type errors are reported at 'span' (the assignment); instances made from dicts record
 * 'at' (where the dict was written), which required-attribute errors point to. */
static struct value convert(struct eval *ev, struct ast *t, struct value v, struct span span,
                            struct span at)
{
    if (!t || v_is_null(v))
        return v;
    switch (t->kind) {
    case AST_TYPE_ANY:
        return v;
    case AST_TYPE_NAMED: {
        const char *n = t->u.type_named.name;
        if (is_basic(n, "int") || is_basic(n, "float") || is_basic(n, "str") ||
            is_basic(n, "bool")) {
            if (!type_match(ev, t, v))
                type_mismatch(ev, t, v, span);
            return v;
        }
        if (type_match(ev, t, v))
            return v;
        struct value tv = resolve_named(ev, t);
        if (tv.tag == V_TYPE && tv.as.st->alias) {
            struct ev_place saved = ev_enter(ev, tv.as.st->pkg, tv.as.st->file, ev->scope);
            struct value r = convert(ev, tv.as.st->alias, v, span, at);
            ev_leave(ev, saved);
            return r;
        }
        if (tv.tag == V_TYPE && v.tag == V_DICT)
            return schema_instantiate(ev, tv.as.st, v, NULL, at);
        if (tv.tag == V_TYPE && v.tag == V_SCHEMA && tv.as.st->is_protocol)
            return v;
        type_mismatch(ev, t, v, span);
    }
    case AST_TYPE_LIST: {
        if (v.tag != V_LIST)
            type_mismatch(ev, t, v, span);
        if (!t->u.type_list.elem || type_match(ev, t, v))
            return v;
        struct list *l = list_new(ev->vm, v.as.l->n);
        for (uint32_t i = 0; i < v.as.l->n; i++)
            list_push(ev->vm, l, convert(ev, t->u.type_list.elem, v.as.l->v[i], span, at));
        return v_list(l);
    }
    case AST_TYPE_DICT: {
        if (!v_is_dictlike(v))
            type_mismatch(ev, t, v, span);
        if (!t->u.type_dict.value || type_match(ev, t, v))
            return v;
        struct value r = v;
        r.as.d = dict_copy(ev->vm, v.as.d);
        for (uint32_t i = 0; i < r.as.d->used; i++)
            if (r.as.d->e[i].key)
                r.as.d->e[i].val = convert(ev, t->u.type_dict.value, r.as.d->e[i].val, span,
                                           entry_span(&r.as.d->e[i], at));
        return r;
    }
    case AST_TYPE_UNION: {
        if (type_match(ev, t, v))
            return v;
        for (uint32_t i = 0; i < t->u.type_union.types.n; i++) {
            struct try_conv tc = {t->u.type_union.types.v[i], v, v_undef(), span, at};
            unsigned n = ev->vm->diags->n, ne = ev->vm->diags->nerrors;
            if (ev_protect(ev, try_conv_fn, &tc))
                return tc.out;
            ev->vm->diags->n = n;
            ev->vm->diags->nerrors = ne;
        }
        type_mismatch(ev, t, v, span);
    }
    default:
        if (!type_match(ev, t, v))
            type_mismatch(ev, t, v, span);
        return v;
    }
}

struct value type_convert(struct eval *ev, struct ast *t, struct value v, struct span span)
{
    return convert(ev, t, v, span, span);
}
