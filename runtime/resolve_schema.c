/* The resolver's tables: packages and their names, schemas and their attributes, imports,
 * and the types that annotations name. */
#include "config.h"

#include "runtime/resolve_int.h"

/* {=====================================================================
 * Packages: names, schemas and imports
 * ====================================================================} */

struct rattr *rs_schema_own_attr(const struct rschema *s, const char *name)
{
    uintptr_t k = (uintptr_t)rmap_get(&s->names, name);
    return k ? &s->attrs[k - 1] : NULL;
}

static void schema_add_attr(struct resolver *r, struct rschema *s, struct ast *n, const char *name,
                            struct ast *type, bool optional, struct span span)
{
    if (rs_schema_own_attr(s, name))
        return;
    s->attrs = rs_rgrow(r, s->attrs, &s->capattrs, s->nattrs, sizeof *s->attrs);
    struct rattr *a = &s->attrs[s->nattrs++];
    rmap_put(r, &s->names, name, (void *)(uintptr_t)s->nattrs);
    memset(a, 0, sizeof *a);
    a->name = name;
    a->node = n;
    a->type_node = type;
    a->optional = optional;
    a->span = span;
}

/* The names a schema body binds, and its attributes: declared ones, unifications, and (with
 * an unknown type) the targets of its plain assignments, at any depth of if-blocks. */
static void schema_collect(struct resolver *r, struct rschema *s, const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        switch (n->kind) {
        case AST_SCHEMA_ATTR:
            schema_add_attr(r, s, n, n->u.attr.name, n->u.attr.type, n->u.attr.optional,
                            rs_attr_name_span(r, n));
            break;
        case AST_UNIFY:
            schema_add_attr(r, s, n, n->u.unify.target->u.name, NULL, false,
                            n->u.unify.target->span);
            break;
        case AST_INDEX_SIG:
            if (!s->index_sig)
                s->index_sig = n;
            break;
        case AST_ASSIGN:
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = ast_target_root(n->u.assign.targets.v[k]);
                if (t->kind != AST_NAME)
                    continue;
                if (n->u.assign.type && t == n->u.assign.targets.v[k])
                    schema_add_attr(r, s, n, t->u.name, n->u.assign.type, false, t->span);
                else
                    schema_add_attr(r, s, n, t->u.name, NULL, false, t->span);
            }
            break;
        case AST_AUG_ASSIGN: {
            struct ast *t = ast_target_root(n->u.aug.target);
            if (t->kind == AST_NAME)
                schema_add_attr(r, s, n, t->u.name, NULL, false, t->span);
            break;
        }
        case AST_IF:
            schema_collect(r, s, &n->u.if_stmt.body);
            schema_collect(r, s, &n->u.if_stmt.orelse);
            break;
        default:
            break;
        }
    }
}

static struct rschema *schema_new(struct resolver *r, struct rpkg *rp, uint32_t file, struct ast *n)
{
    struct rschema *s = rs_rz(r, sizeof *s);
    s->node = n;
    s->pkg = rp;
    s->file = file;
    s->name = n->u.schema.name;
    s->is_rule = n->kind == AST_RULE;
    s->is_mixin = !s->is_rule && (n->u.schema.kind == SCHEMA_MIXIN || rs_ends_with(s->name, "Mixin"));
    s->is_protocol = !s->is_rule && n->u.schema.kind == SCHEMA_PROTOCOL;
    s->type.kind = RT_SCHEMA;
    s->type.u.schema = s;
    s->inst.kind = RT_SCHEMA;
    s->inst.instance = true;
    s->inst.u.schema = s;
    schema_collect(r, s, &n->u.schema.body);
    rp->schemas = rs_rgrow(r, rp->schemas, &rp->capschemas, rp->nschemas, sizeof *rp->schemas);
    rp->schemas[rp->nschemas++] = s;
    return s;
}

static struct rsym *sym_add(struct resolver *r, struct rpkg *rp, const char *name,
                            enum sym_kind kind, struct span span, uint32_t file)
{
    struct rsym *y = rmap_get(&rp->syms, name);
    if (y)
        return y;
    y = rs_rz(r, sizeof *y);
    y->name = name;
    y->kind = (uint8_t)kind;
    y->span = span;
    y->file = file;
    rmap_put(r, &rp->syms, name, y);
    return y;
}

static void pkg_collect(struct resolver *r, struct rpkg *rp, uint32_t file,
                        const struct ast_list *body)
{
    for (uint32_t i = 0; i < body->n; i++) {
        struct ast *n = body->v[i];
        switch (n->kind) {
        case AST_SCHEMA:
        case AST_RULE: {
            struct rsym *y = sym_add(r, rp, n->u.schema.name, SYM_SCHEMA, n->span, file);
            struct rschema *s = schema_new(r, rp, file, n);
            if (y->kind == SYM_SCHEMA && !y->schema)
                y->schema = s;
            break;
        }
        case AST_TYPE_ALIAS: {
            struct rsym *y = sym_add(r, rp, n->u.type_alias.name, SYM_ALIAS, n->span, file);
            if (y->kind == SYM_ALIAS && !y->alias)
                y->alias = n->u.type_alias.type;
            break;
        }
        case AST_ASSIGN:
            for (uint32_t k = 0; k < n->u.assign.targets.n; k++) {
                struct ast *t = ast_target_root(n->u.assign.targets.v[k]);
                if (t->kind == AST_NAME)
                    sym_add(r, rp, t->u.name, SYM_VAR, n->u.assign.targets.v[k]->span, file);
            }
            break;
        case AST_AUG_ASSIGN: {
            struct ast *t = ast_target_root(n->u.aug.target);
            if (t->kind == AST_NAME)
                sym_add(r, rp, t->u.name, SYM_VAR, n->u.aug.target->span, file);
            break;
        }
        case AST_UNIFY:
            sym_add(r, rp, n->u.unify.target->u.name, SYM_VAR, n->u.unify.target->span, file);
            break;
        case AST_IF:
            pkg_collect(r, rp, file, &n->u.if_stmt.body);
            pkg_collect(r, rp, file, &n->u.if_stmt.orelse);
            break;
        default:
            break;
        }
    }
}

struct rpkg *rpkg_of(struct resolver *r, struct pkg *p)
{
    for (uint32_t i = 0; i < r->npkgs; i++)
        if (r->pkgs[i]->pkg == p)
            return r->pkgs[i];
    struct rpkg *rp = rs_rz(r, sizeof *rp);
    rp->pkg = p;
    rp->files = rs_rz(r, (p->nfiles ? p->nfiles : 1) * sizeof *rp->files);
    r->pkgs = rs_rgrow(r, r->pkgs, &r->cappkgs, r->npkgs, sizeof *r->pkgs);
    r->pkgs[r->npkgs++] = rp;
    for (uint32_t f = 0; f < p->nfiles; f++) {
        struct ast_list *body = &p->files[f].module->u.module.body;
        uint32_t n = 0;
        for (uint32_t i = 0; i < body->n; i++)
            if (body->v[i]->kind == AST_IMPORT)
                n++;
        rp->files[f].imports = rs_rz(r, (n ? n : 1) * sizeof *rp->files[f].imports);
        for (uint32_t i = 0; i < body->n; i++) {
            struct ast *im = body->v[i];
            if (im->kind != AST_IMPORT)
                continue;
            struct rimport *ri = &rp->files[f].imports[rp->files[f].nimports++];
            ri->name = im->u.import.asname;
            ri->node = im;
        }
    }
    return rp;
}

void rs_collect_all(struct resolver *r)
{
    for (uint32_t i = 0; i < r->npkgs; i++) {
        struct rpkg *rp = r->pkgs[i];
        for (uint32_t f = 0; f < rp->pkg->nfiles; f++)
            pkg_collect(r, rp, f, &rp->pkg->files[f].module->u.module.body);
    }
}

/* Loading every imported package before running, as KCL does: an import that cannot be
 * resolved, a syntax error in an imported file and a cycle of imports are errors now, located
 * at the import, whether or not the name is used later. */
struct load_call {
    struct eval *ev;
    struct pkg *from;
    uint32_t file;
    struct ast *node;
    struct pkg *out;
};

static void load_fn(struct vm *vm, void *ud)
{
    (void)vm;
    struct load_call *c = ud;
    c->out = loader_import(c->ev, c->from, c->file, c->node);
}

static bool is_system_module(const char *path)
{
    return !strcmp(path, "manifests") || !strcmp(path, "runtime") || stdlib_module(path) ||
           !strncmp(path, "kcl_plugin", 10);
}

/* A cycle reached 'to' again: reported at the import that leaves 'to' along the cycle (a package
 * importing itself: that import). */
static void report_cycle(struct resolver *r, struct rpkg *from, struct ast *at, struct rpkg *to)
{
    if (from == to) {
        diags_add(r->diags, DIAG_ERROR, "E1001", "RecursiveLoad", at->span, true,
                  "Could not compiles due to cyclic import statements\n- %s",
                  to->pkg->nfiles ? to->pkg->files[0].src->path : to->pkg->path);
        return;
    }
    /* the edge out of 'to' along the cycle is the import it is following now */
    diags_add(r->diags, DIAG_ERROR, "E2L23", "CompileError", to->via ? to->via->span : at->span,
              true, "There is a circular reference between modules %s, %s", to->pkg->path,
              to->via_pkg ? to->via_pkg->pkg->path : from->pkg->path);
}

void rs_load_imports(struct resolver *r, struct rpkg *rp, unsigned depth)
{
    if (rp->imports_loaded)
        return;
    rp->imports_loaded = true;
    rp->loading = true;
    struct eval *ev = r->ev;
    for (uint32_t f = 0; f < rp->pkg->nfiles; f++) {
        for (uint32_t i = 0; i < rp->files[f].nimports; i++) {
            struct rimport *ri = &rp->files[f].imports[i];
            struct ast *n = ri->node;
            if (n->u.import.level == 0 && is_system_module(n->u.import.path)) {
                if (!strncmp(n->u.import.path, "kcl_plugin", 10)) {
                    diags_add(r->diags, DIAG_ERROR, "E2F04", "CannotFindModule", n->span, true,
                              "the plugin package `%s` is not found, please confirm if plugin "
                              "mode is enabled",
                              n->u.import.path);
                    continue;
                }
                ri->known = true;
                continue;
            }
            if (depth > 1000) {
                diags_add(r->diags, DIAG_ERROR, "E2F04", "CannotFindModule", n->span, true,
                          "imports nested too deeply");
                continue;
            }
            struct load_call c = {ev, rp->pkg, f, n, NULL};
            struct pkg *saved_pkg = ev->cur_pkg;
            uint32_t saved_file = ev->cur_file;
            bool ok = vm_protect(r->vm, load_fn, &c);
            ev->cur_pkg = saved_pkg;
            ev->cur_file = saved_file;
            if (!ok)
                continue; /* recorded */
            rp->pkg->files[f].imports[i].target = c.out;
            ri->pkg = rpkg_of(r, c.out);
            ri->known = true;
            if (ri->pkg->loading) {
                report_cycle(r, rp, n, ri->pkg);
                continue;
            }
            rp->via = n;
            rp->via_pkg = ri->pkg;
            rs_load_imports(r, ri->pkg, depth + 1);
            rp->via = NULL;
            rp->via_pkg = NULL;
        }
    }
    rp->loading = false;
}

/* Whether a system module has member 'name' (functions, then constants). */
bool rs_system_member(struct resolver *r, const char *path, const char *name)
{
    const struct stdlib_module *m = stdlib_module(path);
    if (!m)
        return true; /* the evaluator's own modules */
    for (size_t i = 0; i < m->nfns; i++)
        if (!strcmp(m->fns[i].name, name))
            return true;
    if (!m->consts)
        return false;
    struct dict *d = dict_new(r->vm, 8);
    m->consts(r->vm, d);
    for (uint32_t i = 0; i < d->used; i++)
        if (d->e[i].key && !strcmp(d->e[i].key->b, name))
            return true;
    return false;
}

struct rimport *rs_file_import(struct rpkg *rp, uint32_t file, const char *name)
{
    if (file >= rp->pkg->nfiles)
        return NULL;
    struct rfile *f = &rp->files[file];
    for (uint32_t i = 0; i < f->nimports; i++)
        if (!strcmp(f->imports[i].name, name))
            return &f->imports[i];
    return NULL;
}

/* An import name of 'file', else of another file of the package (files given together on a
 * command line share their imports). */
struct rimport *rs_pkg_import(struct rpkg *rp, uint32_t file, const char *name)
{
    struct rimport *ri = rs_file_import(rp, file, name);
    for (uint32_t f = 0; !ri && f < rp->pkg->nfiles; f++)
        ri = rs_file_import(rp, f, name);
    return ri;
}

/* The schema a dotted name (S or pkg.S) denotes from 'file' of 'rp'. *known is false when
 * the name can't be resolved before running (unknown package, not a schema name). */
struct rschema *rs_schema_ref(struct resolver *r, struct rpkg *rp, uint32_t file, const struct ast *n,
                           bool *known)
{
    (void)r;
    *known = false;
    if (n->kind == AST_NAME) {
        struct rsym *y = rmap_get(&rp->syms, n->u.name);
        if (y && y->kind == SYM_SCHEMA && y->schema) {
            *known = true;
            return y->schema;
        }
        return NULL;
    }
    if (n->kind == AST_SELECT && n->u.select.value->kind == AST_NAME) {
        struct rimport *ri = rs_pkg_import(rp, file, n->u.select.value->u.name);
        if (!ri || !ri->pkg)
            return NULL;
        struct rsym *y = rmap_get(&ri->pkg->syms, n->u.select.attr);
        if (y && y->kind == SYM_SCHEMA && y->schema) {
            *known = true;
            return y->schema;
        }
    }
    return NULL;
}

/* a, a.b, a.b.c: what KCL parses as one identifier (not a?.b) */
bool rs_is_name_chain(const struct ast *n)
{
    while (n->kind == AST_SELECT && !n->u.select.optional)
        n = n->u.select.value;
    return n->kind == AST_NAME;
}

const char *rs_dotted_name(struct resolver *r, const struct ast *n)
{
    if (n->kind == AST_NAME)
        return n->u.name;
    if (n->kind == AST_SELECT) {
        struct sbuf b;
        sbuf_init(&b, r->vm);
        sbuf_puts(&b, rs_dotted_name(r, n->u.select.value));
        sbuf_puts(&b, ".");
        sbuf_puts(&b, n->u.select.attr);
        return rs_sb_text(&b);
    }
    return "";
}

/* Resolves a schema's parent, mixins and protocol. Errors are reported for the main
 * package's schemas only ('report_errors'). */
static void schema_link(struct resolver *r, struct rschema *s, bool report_errors)
{
    if (s->link)
        return;
    s->link = 1;
    struct ast *n = s->node;
    bool known;
    if (!s->is_rule && n->u.schema.parents.n && n->u.schema.parents.v[0]) {
        struct ast *pn = n->u.schema.parents.v[0];
        struct rschema *p = rs_schema_ref(r, s->pkg, s->file, pn, &known);
        if (!known) {
            s->open = true;
        } else if (p->is_mixin || p->is_protocol || p->is_rule) {
            /* KCL: a schema inherits only from a schema */
            if (report_errors)
                rs_report(r, "E2D34", "IllegalInheritError", pn->span,
                       "invalid schema inherit object type, expect schema, got '%s'", p->name);
        } else {
            s->parent = p;
        }
    }
    if (s->is_rule) {
        /* parent rules carry no attributes */
        for (uint32_t i = 0; i < n->u.schema.parents.n; i++) {
            rs_schema_ref(r, s->pkg, s->file, n->u.schema.parents.v[i], &known);
            if (!known)
                s->open = true;
        }
    }
    s->mixins = rs_rz(r, (n->u.schema.mixins.n ? n->u.schema.mixins.n : 1) * sizeof *s->mixins);
    for (uint32_t i = 0; i < n->u.schema.mixins.n; i++) {
        struct ast *mn = n->u.schema.mixins.v[i];
        const char *last = mn->kind == AST_SELECT ? mn->u.select.attr
                           : mn->kind == AST_NAME ? mn->u.name
                                                  : "";
        /* KCL: mixins are named ...Mixin and are mixin schemas */
        if (report_errors && !rs_ends_with(last, "Mixin"))
            rs_report(r, "E1001", "NameError", mn->span,
                   "a valid mixin name should end with 'Mixin', got '%s'", last);
        struct rschema *m = rs_schema_ref(r, s->pkg, s->file, mn, &known);
        if (!known) {
            s->open = true;
        } else if (!m->is_mixin || m->is_protocol) {
            if (report_errors)
                rs_report(r, "E2D34", "IllegalInheritError", mn->span,
                       "illegal schema mixin object type, expected mixin, got '%s'",
                       rs_dotted_name(r, mn));
        } else {
            /* a mixin listed twice, or one that leads back here, is used once / not at all:
             * the mixin graph stays acyclic for the lookups below */
            bool seen = m == s || m->link == 1;
            for (uint32_t k = 0; k < s->nmixins && !seen; k++)
                seen = s->mixins[k] == m;
            if (!seen)
                s->mixins[s->nmixins++] = m;
        }
    }
    if (n->u.schema.for_host) {
        struct rschema *p = rs_schema_ref(r, s->pkg, s->file, n->u.schema.for_host, &known);
        if (!known)
            s->open = true;
        else
            s->protocol = p;
    }
    s->link = 2;
}

void rs_link_all(struct resolver *r, struct rpkg *rp)
{
    for (uint32_t i = 0; i < rp->nschemas; i++)
        schema_link(r, rp->schemas[i], rp == r->pkgs[0]);
}

bool rs_schema_is_open(const struct rschema *s, unsigned depth)
{
    if (!s || depth > 64)
        return true;
    if (s->open)
        return true;
    if (s->parent && rs_schema_is_open(s->parent, depth + 1))
        return true;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if (rs_schema_is_open(s->mixins[i], depth + 1))
            return true;
    if (s->protocol && rs_schema_is_open(s->protocol, depth + 1))
        return true;
    return false;
}

/* The attribute 'name' of a schema: its own, then its mixins', then its parent's. */
static struct rattr *schema_attr_d(struct rschema *s, const char *name, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    struct rattr *a = rs_schema_own_attr(s, name);
    if (a)
        return a;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if ((a = schema_attr_d(s->mixins[i], name, depth + 1)))
            return a;
    if (s->protocol && (a = schema_attr_d(s->protocol, name, depth + 1)))
        return a;
    return schema_attr_d(s->parent, name, depth + 1);
}

struct rattr *rs_schema_attr(struct rschema *s, const char *name)
{
    return schema_attr_d(s, name, 0);
}

static struct ast *schema_index_sig_d(const struct rschema *s, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    if (s->index_sig)
        return s->index_sig;
    for (uint32_t i = 0; i < s->nmixins; i++) {
        struct ast *n = schema_index_sig_d(s->mixins[i], depth + 1);
        if (n)
            return n;
    }
    if (s->protocol) {
        struct ast *n = schema_index_sig_d(s->protocol, depth + 1);
        if (n)
            return n;
    }
    return schema_index_sig_d(s->parent, depth + 1);
}

struct ast *rs_schema_index_sig(const struct rschema *s)
{
    return schema_index_sig_d(s, 0);
}

bool rs_schema_has_name_d(const struct rschema *s, const char *name, unsigned depth)
{
    if (!s || depth > 64)
        return false;
    if (rmap_get(&s->names, name))
        return true;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if (rs_schema_has_name_d(s->mixins[i], name, depth + 1))
            return true;
    if (s->protocol && rs_schema_has_name_d(s->protocol, name, depth + 1))
        return true;
    return rs_schema_has_name_d(s->parent, name, depth + 1);
}

bool rschema_is_sub(const struct rschema *s, const struct rschema *base)
{
    if (base->is_protocol || base->is_mixin)
        return true;
    for (unsigned d = 0; s && d < 64; d++, s = s->parent) {
        if (s == base)
            return true;
        if (s->open)
            return true;
    }
    return false;
}

/* Every attribute name of a schema (for suggestions), own first. */
void rs_schema_attr_names(struct resolver *r, const struct rschema *s, const char ***v, uint32_t *n,
                       uint32_t *cap, unsigned depth)
{
    if (!s || depth > 64)
        return;
    for (uint32_t i = 0; i < s->nattrs; i++) {
        if (s->attrs[i].node && s->attrs[i].node->kind != AST_SCHEMA_ATTR &&
            s->attrs[i].node->kind != AST_UNIFY &&
            !(s->attrs[i].node->kind == AST_ASSIGN && s->attrs[i].type_node))
            continue;
        *v = rs_rgrow(r, *v, cap, *n, sizeof **v);
        (*v)[(*n)++] = s->attrs[i].name;
    }
    for (uint32_t i = 0; i < s->nmixins; i++)
        rs_schema_attr_names(r, s->mixins[i], v, n, cap, depth + 1);
    rs_schema_attr_names(r, s->parent, v, n, cap, depth + 1);
}

/* {=====================================================================
 * Type annotations
 * ====================================================================} */

const struct rtype *rs_alias_type(struct resolver *r, struct rpkg *rp, struct rsym *y)
{
    if (y->type)
        return y->type;
    if (y->busy || !y->alias)
        return &T_ANY;
    y->busy = true;
    const struct rtype *t = rs_type_of_ann(r, rp, y->file, y->alias, false);
    y->busy = false;
    y->type = t;
    return t;
}

static const struct rtype *named_type(struct resolver *r, struct rpkg *rp, uint32_t file,
                                      struct ast *t, bool report_undefined)
{
    const char *name = t->u.type_named.name;
    if (!strcmp(name, "bool"))
        return &T_BOOL;
    if (!strcmp(name, "int"))
        return &T_INT;
    if (!strcmp(name, "float"))
        return &T_FLOAT;
    if (!strcmp(name, "str"))
        return &T_STR;
    if (!strcmp(name, "any"))
        return &T_ANY;
    const char *dot = strchr(name, '.');
    if (dot) {
        char head[256];
        size_t k = (size_t)(dot - name);
        if (k >= sizeof head || strchr(dot + 1, '.'))
            return &T_ANY;
        memcpy(head, name, k);
        head[k] = '\0';
        struct rimport *ri = rs_pkg_import(rp, file, head);
        if (!ri || !ri->pkg)
            return &T_ANY;
        struct rsym *y = rmap_get(&ri->pkg->syms, dot + 1);
        if (y && y->kind == SYM_SCHEMA && y->schema)
            return &y->schema->inst;
        if (y && y->kind == SYM_ALIAS)
            return rs_alias_type(r, ri->pkg, y);
        if (!y && report_undefined)
            rs_report(r, "E2G22", "TypeError", t->span, "attribute '%s' not found in 'module '%s''",
                   dot + 1, ri->node->u.import.path);
        return &T_ANY;
    }
    struct rsym *y = rmap_get(&rp->syms, name);
    if (y && y->kind == SYM_SCHEMA && y->schema)
        return &y->schema->inst;
    if (y && y->kind == SYM_ALIAS)
        return rs_alias_type(r, rp, y);
    if (!y && report_undefined && !rs_pkg_import(rp, file, name) && !rmap_get(&r->builtins, name)) {
        /* KCL: a type names a schema or a type alias in scope */
        const char **cands = NULL;
        uint32_t nc = 0, cap = 0;
        for (uint32_t i = 0; i < rp->nschemas; i++) {
            cands = rs_rgrow(r, cands, &cap, nc, sizeof *cands);
            cands[nc++] = rp->schemas[i]->name;
        }
        rs_report(r, "E2L23", "CompileError", r->ann_at ? *r->ann_at : t->span,
               "name '%s' is not defined%s", name, rs_suggest(r, name, cands, nc, true));
    }
    return &T_ANY;
}

const struct rtype *rs_type_of_ann(struct resolver *r, struct rpkg *rp, uint32_t file, struct ast *t,
                                bool report_undefined)
{
    if (!t)
        return &T_ANY;
    switch (t->kind) {
    case AST_TYPE_NAMED:
        return named_type(r, rp, file, t, report_undefined);
    case AST_TYPE_LIST:
        return t_list(r, rs_type_of_ann(r, rp, file, t->u.type_list.elem, report_undefined));
    case AST_TYPE_DICT:
        return t_dict(r, rs_type_of_ann(r, rp, file, t->u.type_dict.key, report_undefined),
                      rs_type_of_ann(r, rp, file, t->u.type_dict.value, report_undefined), NULL, 0);
    case AST_TYPE_UNION: {
        uint32_t n = t->u.type_union.types.n;
        const struct rtype **v = rs_rz(r, (n ? n : 1) * sizeof *v);
        for (uint32_t i = 0; i < n; i++)
            v[i] = rs_type_of_ann(r, rp, file, t->u.type_union.types.v[i], report_undefined);
        return t_sup(r, v, n);
    }
    case AST_TYPE_LITERAL: {
        struct ast *v = t->u.type_lit.value;
        switch (v->kind) {
        case AST_INT:
            return v->u.num.suffix ? t_lit_unit(r, v->u.num.ival, v->u.num.suffix)
                                   : t_lit_int(r, v->u.num.ival);
        case AST_FLOAT:
            return t_lit_float(r, v->u.fval);
        case AST_STR:
            if (v->u.str.lit && !v->u.str.lit->has_expr) {
                const struct strlit *l = v->u.str.lit;
                return t_lit_str(r, l->nparts == 1 ? l->parts[0].text : l->nparts ? "" : "");
            }
            return &T_STR;
        case AST_TRUE:
            return t_lit_bool(r, true);
        case AST_FALSE:
            return t_lit_bool(r, false);
        case AST_NONE:
            return &T_NONE;
        default:
            return &T_ANY;
        }
    }
    default:
        return &T_ANY;
    }
}

const struct rtype *rs_attr_type(struct resolver *r, struct rschema *s, struct rattr *a)
{
    if (a->resolved)
        return a->type;
    if (a->busy)
        return &T_ANY;
    a->busy = true;
    const struct rtype *t = &T_ANY;
    if (a->type_node) {
        t = rs_type_of_ann(r, s->pkg, s->file, a->type_node, false);
    } else if (a->node && a->node->kind == AST_UNIFY) {
        bool known;
        struct rschema *u =
            rs_schema_ref(r, s->pkg, s->file, a->node->u.unify.value->u.schema_expr.name, &known);
        if (known)
            t = &u->inst;
    }
    a->busy = false;
    a->type = t;
    a->resolved = true;
    return t;
}

/* The owner of an attribute found by rs_schema_attr (its type resolves in the owner's file). */
static struct rschema *attr_owner_d(struct rschema *s, const struct rattr *a, unsigned depth)
{
    if (!s || depth > 64)
        return NULL;
    if (s->nattrs && a >= s->attrs && a < s->attrs + s->nattrs) /* (attrs NULL when none) */
        return s;
    struct rschema *o;
    for (uint32_t i = 0; i < s->nmixins; i++)
        if ((o = attr_owner_d(s->mixins[i], a, depth + 1)))
            return o;
    if (s->protocol && (o = attr_owner_d(s->protocol, a, depth + 1)))
        return o;
    return attr_owner_d(s->parent, a, depth + 1);
}

const struct rtype *rs_schema_attr_type(struct resolver *r, struct rschema *s, struct rattr *a)
{
    struct rschema *o = attr_owner_d(s, a, 0);
    return o ? rs_attr_type(r, o, a) : &T_ANY;
}

struct rt_param *rs_params_of(struct resolver *r, struct rpkg *rp, uint32_t file,
                           const struct ast_list *params)
{
    struct rt_param *v = rs_rz(r, (params->n ? params->n : 1) * sizeof *v);
    for (uint32_t i = 0; i < params->n; i++) {
        struct ast *p = params->v[i];
        v[i].name = p->u.param.name;
        v[i].type = rs_type_of_ann(r, rp, file, p->u.param.type, false);
        v[i].has_default = p->u.param.value != NULL;
        v[i].span = p->span;
    }
    return v;
}

void rs_schema_params(struct resolver *r, struct rschema *s)
{
    if (s->params_done)
        return;
    s->params_done = true;
    s->params = rs_params_of(r, s->pkg, s->file, &s->node->u.schema.params);
    s->nparams = s->node->u.schema.params.n;
}
