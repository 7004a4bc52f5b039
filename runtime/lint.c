/* scl_lint: KCL's lint checks (unused imports, re-imports, imports after other statements), per
 * file, as warnings on the run. */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "lang/ast.h"
#include "lang/diag.h"
#include "runtime/run.h"
#include "scl.h"

/* Every code shows as W1001: KCL declares W0411/W0404/W0413 but registers only W1001. */
#define LINT_CODE "W1001"

/* The names a file reads: heads of names, dotted names and schema type annotations. */
struct uses {
    const char **v;
    size_t n, cap;
    struct arena *arena;
};

static void use(struct uses *u, const char *name, size_t len)
{
    for (size_t i = 0; i < u->n; i++)
        if (!strncmp(u->v[i], name, len) && !u->v[i][len])
            return;
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 32;
        const char **v = arena_realloc(u->arena, u->v, u->cap * sizeof *v, cap * sizeof *v);
        if (!v)
            return;
        u->v = v;
        u->cap = cap;
    }
    const char *copy = arena_strndup(u->arena, name, len);
    if (copy)
        u->v[u->n++] = copy;
}

static bool used(const struct uses *u, const char *name)
{
    for (size_t i = 0; i < u->n; i++)
        if (!strcmp(u->v[i], name))
            return true;
    return false;
}

static void walk(struct uses *u, const struct ast *n);

static void walk_list(struct uses *u, const struct ast_list *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        walk(u, l->v[i]);
}

/* A dotted type name: "pkg.Schema" reads pkg. */
static void use_dotted(struct uses *u, const char *s)
{
    if (!s)
        return;
    const char *dot = strchr(s, '.');
    use(u, s, dot ? (size_t)(dot - s) : strlen(s));
}

static void walk(struct uses *u, const struct ast *n)
{
    if (!n)
        return;
    switch ((enum ast_kind)n->kind) {
    case AST_NAME:
        use(u, n->u.name, strlen(n->u.name));
        break;
    case AST_STR:
        if (n->u.str.lit && n->u.str.exprs)
            for (uint32_t i = 0; i < n->u.str.lit->nparts; i++)
                walk(u, n->u.str.exprs[i]);
        break;
    case AST_PAREN:
    case AST_UNARY:
    case AST_STARRED:
        walk(u, n->u.unary.operand);
        break;
    case AST_BINARY:
        walk(u, n->u.binary.left);
        walk(u, n->u.binary.right);
        break;
    case AST_COMPARE:
        walk_list(u, &n->u.compare.operands);
        break;
    case AST_AS:
        walk(u, n->u.as_expr.value);
        walk(u, n->u.as_expr.type);
        break;
    case AST_IFEXPR:
        walk(u, n->u.ifexpr.body);
        walk(u, n->u.ifexpr.cond);
        walk(u, n->u.ifexpr.orelse);
        break;
    case AST_SELECT:
        walk(u, n->u.select.value);
        break;
    case AST_INDEX:
        walk(u, n->u.index.value);
        walk(u, n->u.index.index);
        break;
    case AST_SLICE:
        walk(u, n->u.slice.value);
        walk(u, n->u.slice.lo);
        walk(u, n->u.slice.hi);
        walk(u, n->u.slice.step);
        break;
    case AST_CALL:
        walk(u, n->u.call.func);
        walk_list(u, &n->u.call.args);
        break;
    case AST_KWARG:
        walk(u, n->u.kwarg.value);
        break;
    case AST_LIST:
        walk_list(u, &n->u.list.items);
        break;
    case AST_CONFIG:
        walk_list(u, &n->u.config.entries);
        break;
    case AST_ENTRY:
        /* a key is a name written, not read, except inside expressions like k[i] */
        if (n->u.entry.key && n->u.entry.key->kind != AST_NAME &&
            n->u.entry.key->kind != AST_SELECT)
            walk(u, n->u.entry.key);
        walk(u, n->u.entry.value);
        break;
    case AST_LIST_IF:
    case AST_CONFIG_IF:
        walk(u, n->u.cond_items.cond);
        walk_list(u, &n->u.cond_items.items);
        walk(u, n->u.cond_items.orelse);
        break;
    case AST_LIST_COMP:
    case AST_DICT_COMP:
        walk(u, n->u.comp.elt);
        walk_list(u, &n->u.comp.clauses);
        break;
    case AST_COMP_FOR:
        walk(u, n->u.comp_for.iter);
        walk_list(u, &n->u.comp_for.ifs);
        break;
    case AST_SCHEMA_EXPR:
        walk(u, n->u.schema_expr.name);
        walk_list(u, &n->u.schema_expr.args);
        walk(u, n->u.schema_expr.config);
        break;
    case AST_LAMBDA:
        walk_list(u, &n->u.lambda.params);
        walk(u, n->u.lambda.ret);
        walk_list(u, &n->u.lambda.body);
        break;
    case AST_QUANT:
        walk(u, n->u.quant.target);
        walk(u, n->u.quant.test);
        walk(u, n->u.quant.cond);
        break;
    case AST_MODULE:
        walk_list(u, &n->u.module.body);
        break;
    case AST_EXPR_STMT:
        walk(u, n->u.expr_stmt.value);
        break;
    case AST_ASSIGN:
        /* a target's subscripts and selector bases beyond the root are reads */
        for (uint32_t i = 0; i < n->u.assign.targets.n; i++) {
            const struct ast *t = n->u.assign.targets.v[i];
            if (t->kind == AST_INDEX)
                walk(u, t->u.index.index);
        }
        walk(u, n->u.assign.type);
        walk(u, n->u.assign.value);
        break;
    case AST_AUG_ASSIGN:
        walk(u, n->u.aug.value);
        break;
    case AST_UNIFY:
        walk(u, n->u.unify.value);
        break;
    case AST_TYPE_ALIAS:
        walk(u, n->u.type_alias.type);
        break;
    case AST_ASSERT:
    case AST_CHECK_EXPR:
        walk(u, n->u.check_expr.test);
        walk(u, n->u.check_expr.cond);
        walk(u, n->u.check_expr.msg);
        break;
    case AST_IF:
        walk(u, n->u.if_stmt.cond);
        walk_list(u, &n->u.if_stmt.body);
        walk_list(u, &n->u.if_stmt.orelse);
        break;
    case AST_SCHEMA:
    case AST_RULE:
        walk_list(u, &n->u.schema.decorators);
        walk_list(u, &n->u.schema.params);
        walk_list(u, &n->u.schema.parents);
        walk(u, n->u.schema.for_host);
        walk_list(u, &n->u.schema.mixins);
        walk_list(u, &n->u.schema.body);
        walk_list(u, &n->u.schema.checks);
        break;
    case AST_SCHEMA_ATTR:
        walk_list(u, &n->u.attr.decorators);
        walk(u, n->u.attr.type);
        walk(u, n->u.attr.value);
        break;
    case AST_INDEX_SIG:
        walk(u, n->u.index_sig.key_type);
        walk(u, n->u.index_sig.value_type);
        walk(u, n->u.index_sig.value);
        break;
    case AST_DECORATOR:
        walk(u, n->u.decorator.name);
        walk_list(u, &n->u.decorator.args);
        break;
    case AST_TYPE_NAMED:
        use_dotted(u, n->u.type_named.name);
        break;
    case AST_TYPE_LIST:
        walk(u, n->u.type_list.elem);
        break;
    case AST_TYPE_DICT:
        walk(u, n->u.type_dict.key);
        walk(u, n->u.type_dict.value);
        break;
    case AST_TYPE_UNION:
        walk_list(u, &n->u.type_union.types);
        break;
    case AST_TYPE_FUNC:
        walk_list(u, &n->u.type_func.params);
        walk(u, n->u.type_func.ret);
        break;
    case AST_PARAM:
        walk(u, n->u.param.type);
        walk(u, n->u.param.value);
        break;
    default:
        break;
    }
}

/* "a.b" or ".a.b" as written. */
static const char *import_path(struct arena *a, const struct ast *im)
{
    if (!im->u.import.level)
        return im->u.import.path;
    char *s = arena_alloc(a, im->u.import.level + strlen(im->u.import.path) + 1);
    if (!s)
        return im->u.import.path;
    memset(s, '.', im->u.import.level);
    strcpy(s + im->u.import.level, im->u.import.path);
    return s;
}

/* The checks in KCL's order: import positions, then re-imports, then unused imports. */
static void lint_module(struct diags *d, struct arena *a, const struct ast *mod)
{
    const struct ast_list *body = &mod->u.module.body;
    struct uses u = {NULL, 0, 0, a};
    bool seen_other = false;
    for (uint32_t i = 0; i < body->n; i++) {
        const struct ast *s = body->v[i];
        if (s->kind != AST_IMPORT) {
            seen_other = true;
            walk(&u, s);
        } else if (seen_other) {
            struct diag *g =
                diags_add(d, DIAG_WARNING, LINT_CODE, "ImportPositionWarning", s->span, true,
                          "The import stmt should be placed at the top of the module");
            diag_add_note(d, g, "Consider moving tihs statement to the top of the file");
        }
    }
    for (uint32_t i = 0; i < body->n; i++) {
        const struct ast *s = body->v[i];
        if (s->kind != AST_IMPORT)
            continue;
        for (uint32_t j = 0; j < i; j++) {
            const struct ast *p = body->v[j];
            if (p->kind == AST_IMPORT && p->u.import.level == s->u.import.level &&
                !strcmp(p->u.import.path, s->u.import.path)) {
                struct diag *g =
                    diags_add(d, DIAG_WARNING, LINT_CODE, "ReimportWarning", s->span, true,
                              "Module '%s' is reimported multiple times", import_path(a, s));
                diag_add_note(d, g, "Consider removing this statement");
                break;
            }
        }
    }
    for (uint32_t i = 0; i < body->n; i++) {
        const struct ast *s = body->v[i];
        if (s->kind != AST_IMPORT || used(&u, s->u.import.asname))
            continue;
        struct diag *g = diags_add(d, DIAG_WARNING, LINT_CODE, "UnusedImportWarning", s->span, true,
                                   "Module '%s' imported but unused", import_path(a, s));
        diag_add_note(d, g, "Consider removing this statement");
    }
}

scl_status scl_lint(scl_run *run)
{
    if (!run)
        return SCL_EINVAL;
    scl_status st = scl_run_parse(run);
    if (st != SCL_OK)
        return st;
    unsigned flags = scl_run_flags(run);
    scl_run_set_flags(run, flags | SCL_RUN_CHECK_ONLY);
    st = scl_run_nfiles(run) ? scl_run_eval(run) : SCL_OK;
    scl_run_set_flags(run, flags);
    if (st == SCL_ESYNTAX || st == SCL_ENOMEM)
        return st;
    struct diags *d = run_diags(run);
    for (size_t i = 0; i < scl_run_nfiles(run); i++) {
        struct ast *mod = run_file_module(run, i, NULL);
        if (mod)
            lint_module(d, run_arena(run), mod);
    }
    return st;
}
