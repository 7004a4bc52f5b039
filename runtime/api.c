/* The public API (scl.h): contexts, runs, files, diagnostics. */
#include "config.h"

#include "scl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lang/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/parse.h"
#include "lang/source.h"

struct scl_ctx {
    scl_alloc_fn alloc;
    void *ud;
};

struct run_file {
    struct source *src;
    struct ast *module;
};

struct scl_run {
    scl_ctx *ctx;
    struct arena arena; /* sources, syntax trees, values, diagnostics */
    struct source_map sm;
    struct diags diags;
    struct run_file *files;
    size_t nfiles, capfiles;
    unsigned flags;
    scl_write_fn out_w;
    void *out_ud;
    int parsed;
};

unsigned scl_version(void)
{
    return SCL_VERSION_NUMBER;
}

const char *scl_version_string(void)
{
    return PACKAGE_VERSION;
}

static void *libc_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

scl_ctx *scl_ctx_new(scl_alloc_fn alloc, void *ud)
{
    if (!alloc)
        alloc = libc_alloc;
    scl_ctx *ctx = alloc(ud, NULL, 0, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->alloc = alloc;
    ctx->ud = ud;
    return ctx;
}

void scl_ctx_free(scl_ctx *ctx)
{
    if (ctx)
        ctx->alloc(ctx->ud, ctx, sizeof *ctx, 0);
}

static int stdout_write(void *ud, const char *buf, size_t len)
{
    (void)ud;
    return fwrite(buf, 1, len, stdout) != len;
}

scl_run *scl_run_new(scl_ctx *ctx)
{
    if (!ctx)
        return NULL;
    scl_run *run = ctx->alloc(ctx->ud, NULL, 0, sizeof *run);
    if (!run)
        return NULL;
    memset(run, 0, sizeof *run);
    run->ctx = ctx;
    arena_init(&run->arena, ctx->alloc, ctx->ud);
    source_map_init(&run->sm, &run->arena);
    diags_init(&run->diags, &run->arena);
    run->out_w = stdout_write;
    return run;
}

void scl_run_free(scl_run *run)
{
    if (!run)
        return;
    arena_free(&run->arena);
    run->ctx->alloc(run->ctx->ud, run, sizeof *run, 0);
}

void scl_run_set_stdout(scl_run *run, scl_write_fn w, void *ud)
{
    run->out_w = w ? w : stdout_write;
    run->out_ud = ud;
}

void scl_run_set_flags(scl_run *run, unsigned flags)
{
    run->flags = flags;
}

static char *read_file(scl_run *run, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = arena_alloc(&run->arena, cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            buf = arena_realloc(&run->arena, buf, cap, cap * 2);
            cap *= 2;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err)
        return NULL;
    *len = n;
    return buf;
}

/* Display path of a file: absolute, as KCL prints it. */
static const char *display_path(scl_run *run, const char *file)
{
    if (file[0] == '/' || strchr(file, '<'))
        return file;
    char *abs = realpath(file, NULL);
    if (!abs)
        return file;
    char *p = arena_strndup(&run->arena, abs, strlen(abs));
    free(abs);
    return p ? p : file;
}

scl_status scl_run_add_file(scl_run *run, const char *file, const char *src, size_t len)
{
    if (!run || !file)
        return SCL_EINVAL;
    if (!src) {
        src = read_file(run, file, &len);
        if (!src) {
            struct span none = {0, 0, 0};
            diags_add(&run->diags, DIAG_ERROR, "E2F04", "CannotFindModule", none, false,
                      "Cannot find the module %s from %s: %s", file, file, strerror(errno));
            return SCL_EIO;
        }
    }
    if (run->nfiles == run->capfiles) {
        size_t cap = run->capfiles ? run->capfiles * 2 : 4;
        struct run_file *v = arena_realloc(&run->arena, run->files, run->capfiles * sizeof *v,
                                           cap * sizeof *v);
        if (!v)
            return SCL_ENOMEM;
        run->files = v;
        run->capfiles = cap;
    }
    struct source *s = source_map_add(&run->sm, display_path(run, file), src, len);
    if (!s)
        return SCL_ENOMEM;
    run->files[run->nfiles].src = s;
    run->files[run->nfiles].module = NULL;
    run->nfiles++;
    run->parsed = 0;
    return SCL_OK;
}

scl_status scl_run_parse(scl_run *run)
{
    if (!run)
        return SCL_EINVAL;
    for (size_t i = 0; i < run->nfiles; i++) {
        if (run->files[i].module)
            continue;
        run->files[i].module = parse_module(&run->arena, run->files[i].src, &run->diags);
        if (!run->files[i].module)
            return SCL_ENOMEM;
    }
    run->parsed = 1;
    return run->diags.nerrors ? SCL_ESYNTAX : SCL_OK;
}

scl_status scl_run_write_ast(const scl_run *run, size_t i, scl_write_fn w, void *ud)
{
    if (!run || i >= run->nfiles || !run->files[i].module)
        return SCL_EINVAL;
    return ast_dump_json(run->files[i].module, run->files[i].src, w, ud) ? SCL_EIO : SCL_OK;
}

size_t scl_run_ndiags(const scl_run *run)
{
    return run ? run->diags.n : 0;
}

size_t scl_run_nerrors(const scl_run *run)
{
    return run ? run->diags.nerrors : 0;
}

const scl_diag *scl_run_diag(const scl_run *run, size_t i)
{
    if (!run || i >= run->diags.n)
        return NULL;
    return (const scl_diag *)run->diags.v[i];
}

int scl_diag_is_error(const scl_diag *d)
{
    return ((const struct diag *)d)->level == DIAG_ERROR;
}

const char *scl_diag_code(const scl_diag *d)
{
    return ((const struct diag *)d)->code;
}

const char *scl_diag_kind(const scl_diag *d)
{
    return ((const struct diag *)d)->kind;
}

const char *scl_diag_message(const scl_diag *d)
{
    return ((const struct diag *)d)->message;
}

scl_span scl_diag_span(const scl_run *run, const scl_diag *d)
{
    const struct diag *g = (const struct diag *)d;
    scl_span out = {NULL, 0, 0, 0, 0};
    const struct source *s = source_map_get(&run->sm, g->labels[0].span.file);
    if (!s)
        return out;
    out.file = s->path;
    source_line_col(s, g->labels[0].span.lo, &out.line, &out.col);
    source_line_col(s, g->labels[0].span.hi, &out.end_line, &out.end_col);
    if (!g->labels[0].caret)
        out.col = out.end_col = 0;
    return out;
}

scl_status scl_diag_render(const scl_run *run, const scl_diag *d, int json, scl_write_fn w,
                           void *ud)
{
    return diag_render((const struct diag *)d, &run->sm, json, w, ud) ? SCL_EIO : SCL_OK;
}
