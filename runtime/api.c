/* The public API (scl.h): contexts, runs, files, diagnostics. */
#include "config.h"

#include "scl.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lang/arena.h"
#include "lang/ast.h"
#include "lang/diag.h"
#include "lang/format.h"
#include "lang/parse.h"
#include "lang/source.h"
#include "runtime/emit.h"
#include "runtime/eval.h"
#include "runtime/loader.h"
#include "runtime/override.h"
#include "runtime/resolve.h"
#include "runtime/run.h"
#include "runtime/vet.h"
#include "runtime/vm_impl.h"
#include "stdlib/stdlib.h"

#include <dirent.h>
#include <sys/stat.h>


struct scl_ctx {
    scl_alloc_fn alloc;
    void *ud;
    struct arena_cache blocks; /* with the default allocator (its 'ud'): big blocks freed
                                  by one arena for the next, until the evaluation is over */
    scl_loader loader; /* version 0: the disk */
    struct mod_cache modules; /* parsed imported modules, reused by later runs */
    struct hook_cache hooks;  /* the loader's answers (scl_ctx_loader_cache) */
    atomic_int interrupt; /* scl_ctx_interrupt: pending until a run sees it */
};

struct run_file {
    const struct source *src;
    struct ast *module;
    /* The text when the run read the file itself: from the context's allocator, not the
     * arena, so that it can be freed as soon as the module cache holds its own copy. */
    char *buf;
    size_t bufsize;
    struct source *own; /* the run's entry for the file, which points at 'buf' */
    bool in_cache;      /* its text is the module cache's (mod_cache_read, mod_cache_text) */
    struct img_stat status; /* the file's, for the disk cache (known 0: none) */
};

struct scl_val {
    struct value v;
    struct vm *vm;
};

struct scl_run {
    scl_ctx *ctx;
    struct vm vm;
    struct eval ev;
    struct dict *options;   /* option() values */
    struct list *selectors; /* -S paths (str) */
    scl_val *result;
    struct arena arena; /* sources, syntax trees, values, diagnostics */
    struct source_map sm;
    struct diags diags;
    struct run_file *files;
    size_t nfiles, capfiles;
    unsigned flags;
    scl_write_fn out_w;
    void *out_ud;
    int parsed;
    const char *root;        /* scl_run_set_root, or NULL */
    struct override *overrides;
    uint32_t noverrides, capoverrides;
    struct ext_pkg *externals;
    uint32_t nexternals, capexternals;
    struct format_opts format; /* scl_format's indentation */
};

unsigned scl_version(void)
{
    return SCL_VERSION_NUMBER;
}

const char *scl_version_string(void)
{
    return PACKAGE_VERSION;
}


scl_ctx *scl_ctx_new(scl_alloc_fn alloc, void *ud)
{
    bool own = !alloc;
    if (own) {
        alloc = arena_default_alloc;
        ud = NULL;
    }
    scl_ctx *ctx = alloc(ud, NULL, 0, sizeof *ctx);
    if (!ctx)
        return NULL;
    memset(&ctx->blocks, 0, sizeof ctx->blocks);
    ctx->alloc = alloc;
    ctx->ud = own ? &ctx->blocks : ud;
    memset(&ctx->loader, 0, sizeof ctx->loader);
    atomic_init(&ctx->interrupt, 0);
    mod_cache_init(&ctx->modules, alloc, ud);
    memset(&ctx->hooks, 0, sizeof ctx->hooks);
    return ctx;
}

scl_status scl_ctx_set_cache_dir(scl_ctx *ctx, const char *dir)
{
    if (!ctx)
        return SCL_EINVAL;
    img_cache_close(&ctx->modules.disk);
    if (!dir)
        return SCL_OK;
    if (!*dir)
        return SCL_EINVAL;
    return img_cache_open(&ctx->modules.disk, dir, ctx->alloc, ctx->ud) ? SCL_OK : SCL_EINVAL;
}

/* Returns the big blocks the context's allocator keeps (scl_ctx.blocks): once a run's
 * evaluation is over, what it has not reused would only add to the memory it holds. */
static void ctx_trim(scl_ctx *ctx)
{
    if (ctx->ud == &ctx->blocks)
        arena_cache_trim(&ctx->blocks);
}

void scl_ctx_interrupt(scl_ctx *ctx)
{
    if (ctx)
        atomic_store(&ctx->interrupt, 1);
}

scl_status scl_run_set_limits(scl_run *run, const scl_limits *l)
{
    if (!run)
        return SCL_EINVAL;
    scl_limits z;
    memset(&z, 0, sizeof z);
    z.version = SCL_LIMITS_VERSION;
    if (!l)
        l = &z;
    if (l->version < 1 || l->version > SCL_LIMITS_VERSION)
        return SCL_EINVAL;
    run->vm.time_ms = l->time_ms;
    run->arena.limit = l->memory;
    run->arena.over = 0;
    run->vm.out_limit = l->output;
    run->vm.max_depth = l->depth ? l->depth : SCL_DEFAULT_DEPTH;
    return SCL_OK;
}

void scl_run_limits(const scl_run *run, scl_limits *out)
{
    memset(out, 0, sizeof *out);
    out->version = SCL_LIMITS_VERSION;
    out->time_ms = run->vm.time_ms;
    out->memory = run->arena.limit;
    out->output = run->vm.out_limit;
    out->depth = run->vm.max_depth;
}

scl_status scl_ctx_set_loader(scl_ctx *ctx, const scl_loader *loader)
{
    if (!ctx)
        return SCL_EINVAL;
    if (!loader) {
        memset(&ctx->loader, 0, sizeof ctx->loader);
        return SCL_OK;
    }
    if (loader->version < 1 || loader->version > SCL_LOADER_VERSION || !loader->resolve ||
        !loader->read_module)
        return SCL_EINVAL;
    ctx->loader = *loader;
    return SCL_OK;
}

void scl_ctx_loader_cache(scl_ctx *ctx, const char *scope, uint64_t ttl_ms)
{
    if (ctx)
        hook_cache_set(&ctx->hooks, scope, ttl_ms);
}

scl_status scl_run_override(scl_run *run, const char *spec)
{
    if (!run || !spec)
        return SCL_EINVAL;
    struct override o;
    if (!override_parse(&run->arena, &run->sm, &run->diags, spec, &o)) {
        struct span none = {0, 0, 0};
        diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", none, false,
                  "invalid override spec '%s': expected path=value, path:value, path+=value or "
                  "path-", spec);
        return SCL_EINVAL;
    }
    if (run->noverrides == run->capoverrides) {
        uint32_t cap = run->capoverrides ? run->capoverrides * 2 : 4;
        struct override *v = arena_realloc(&run->arena, run->overrides,
                                           run->capoverrides * sizeof *v, cap * sizeof *v);
        if (!v)
            return SCL_ENOMEM;
        run->overrides = v;
        run->capoverrides = cap;
    }
    run->overrides[run->noverrides++] = o;
    return SCL_OK;
}

scl_status scl_run_set_root(scl_run *run, const char *dir)
{
    if (!run || !dir || !*dir)
        return SCL_EINVAL;
    char *real = realpath(dir, NULL);
    run->root = arena_printf(&run->arena, "%s", real ? real : dir);
    free(real);
    return run->root ? SCL_OK : SCL_ENOMEM;
}

scl_status scl_run_add_external(scl_run *run, const char *name, const char *dir)
{
    if (!run || !name || !*name || !dir || !*dir)
        return SCL_EINVAL;
    if (run->nexternals == run->capexternals) {
        uint32_t cap = run->capexternals ? run->capexternals * 2 : 8;
        struct ext_pkg *v = arena_realloc(&run->arena, run->externals,
                                          run->capexternals * sizeof *v, cap * sizeof *v);
        if (!v)
            return SCL_ENOMEM;
        run->externals = v;
        run->capexternals = cap;
    }
    char *real = realpath(dir, NULL);
    struct ext_pkg *e = &run->externals[run->nexternals];
    e->name = arena_printf(&run->arena, "%s", name);
    e->dir = arena_printf(&run->arena, "%s", real ? real : dir);
    free(real);
    if (!e->name || !e->dir)
        return SCL_ENOMEM;
    run->nexternals++;
    return SCL_OK;
}

void scl_ctx_free(scl_ctx *ctx)
{
    if (!ctx)
        return;
    mod_cache_free(&ctx->modules);
    hook_cache_free(&ctx->hooks);
    ctx_trim(ctx);
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
    run->sm.shared = &ctx->modules.sm;
    diags_init(&run->diags, &run->arena);
    run->out_w = stdout_write;
    vm_init(&run->vm, &run->arena, &run->diags);
    run->vm.interrupt = &ctx->interrupt;
    run->options = arena_zalloc(&run->arena, sizeof *run->options);
    run->selectors = arena_zalloc(&run->arena, sizeof *run->selectors);
    if (!run->options || !run->selectors) {
        scl_run_free(run);
        return NULL;
    }
    return run;
}

static void release_text(scl_run *run, struct run_file *f);

void scl_run_free(scl_run *run)
{
    if (!run)
        return;
    for (size_t i = 0; i < run->nfiles; i++)
        release_text(run, &run->files[i]);
    arena_free(&run->arena);
    ctx_trim(run->ctx);
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
    run->vm.flags = flags;
}

/* Grows a read buffer: in the run's arena, or with the context's allocator when 'heap'. */
static char *read_grow(scl_run *run, bool heap, char *p, size_t old_n, size_t new_n)
{
    if (heap)
        return run->ctx->alloc(run->ctx->ud, p, old_n, new_n);
    return arena_realloc(&run->arena, p, old_n, new_n);
}

/* The whole file, NUL-terminated: in the run's arena, or, when 'size' is given, from the
 * context's allocator (*size: the bytes to free). A file that does not fit the first 4 KB
 * is read on into a buffer of its size (one more byte to see the end) when it is a regular
 * file, so the text is held once; anything else (a pipe, a file still growing) grows the
 * buffer by doubling. */
static char *read_file_into(scl_run *run, const char *path, size_t *len, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    bool heap = size != NULL;
    char *buf = read_grow(run, heap, NULL, 0, cap);
    while (buf) {
        size_t k = fread(buf + n, 1, cap - n, f);
        n += k;
        if (k == 0)
            break;
        if (n == cap) {
            size_t want = cap * 2;
            struct stat st;
            if (cap == 4096 && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
                (uint64_t)st.st_size >= cap && (uint64_t)st.st_size < (uint64_t)SIZE_MAX - 1)
                want = (size_t)st.st_size + 1;
            char *p = read_grow(run, heap, buf, cap, want);
            if (!p && heap)
                run->ctx->alloc(run->ctx->ud, buf, cap, 0);
            buf = p;
            cap = want;
        }
    }
    int err = ferror(f);
    fclose(f);
    if (buf && err && heap)
        run->ctx->alloc(run->ctx->ud, buf, cap, 0);
    if (!buf || err)
        return NULL;
    buf[n] = '\0'; /* n < cap: a full buffer is always grown before the next read */
    *len = n;
    if (size)
        *size = cap;
    return buf;
}

static char *read_file(scl_run *run, const char *path, size_t *len)
{
    return read_file_into(run, path, len, NULL);
}

/* Frees the text the run read a file into, once nothing reads it any more; the run's entry
 * for the file is left as an empty text. */
static void release_text(scl_run *run, struct run_file *f)
{
    if (!f->buf)
        return;
    run->ctx->alloc(run->ctx->ud, f->buf, f->bufsize, 0);
    f->buf = NULL;
    f->own->text = "";
    f->own->len = 0;
    f->own->line_start = NULL; /* made again, of the empty text, if ever needed */
    f->own->nlines = 0;
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
    char *buf = NULL; /* read here: the source map can keep the buffer as it is */
    size_t bufsize = 0;
    bool in_cache = false;
    struct img_stat status = {0};
    const char *path = NULL;
    struct stat st;
    if (!src && run->ctx->modules.disk.dir && stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
        /* With the disk cache (a command's short-lived context): the text its pack holds for
         * this very version of the file, unread; else read straight into the module cache's
         * arena, whose source then needs no copy of it. The status is taken before reading:
         * a change made since shows as another status. */
        img_stat_of(&status, &st);
        path = display_path(run, file);
        src = mod_cache_text(&run->ctx->modules, path, &status, &len);
        if (!src)
            src = mod_cache_read(&run->ctx->modules, file, &len);
        in_cache = src != NULL;
        if (in_cache && len != status.size)
            status.known = 0;
    }
    if (!src) {
        src = buf = read_file_into(run, file, &len, &bufsize);
        if (!src) {
            struct span none = {0, 0, 0};
            diags_add(&run->diags, DIAG_ERROR, "E2F04", "CannotFindModule", none, false,
                      "Cannot find the module %s from %s: %s", file, file, strerror(errno));
            return SCL_EIO;
        }
    }
    struct source *s = NULL;
    if (run->nfiles == run->capfiles) {
        size_t cap = run->capfiles ? run->capfiles * 2 : 4;
        struct run_file *v = arena_realloc(&run->arena, run->files, run->capfiles * sizeof *v,
                                           cap * sizeof *v);
        if (v) {
            run->files = v;
            run->capfiles = cap;
        }
    }
    if (run->nfiles < run->capfiles) {
        if (!path)
            path = display_path(run, file);
        s = buf || in_cache ? source_map_add_owned(&run->sm, path, src, len)
                            : source_map_add(&run->sm, path, src, len);
    }
    if (!s) {
        if (buf)
            run->ctx->alloc(run->ctx->ud, buf, bufsize, 0);
        return SCL_ENOMEM;
    }
    struct run_file *f = &run->files[run->nfiles];
    f->src = s;
    f->module = NULL;
    f->buf = buf;
    f->bufsize = bufsize;
    f->own = s;
    f->in_cache = in_cache;
    f->status = status;
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

scl_status scl_format(scl_run *run, const char *file, const char *src, size_t len,
                      scl_write_fn w, void *ud)
{
    if (!run || !file || !w)
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
    struct source *s = source_map_add(&run->sm, display_path(run, file), src, len);
    if (!s)
        return SCL_ENOMEM;
    struct comments comments = {NULL, 0, 0};
    size_t nerrors = run->diags.nerrors;
    struct ast *module = parse_module_comments(&run->arena, s, &run->diags, &comments);
    if (!module)
        return SCL_ENOMEM;
    if (run->diags.nerrors > nerrors)
        return SCL_ESYNTAX;
    char *out;
    size_t n;
    if (!format_module(module, s, &comments, &run->format, &out, &n))
        return SCL_ENOMEM;
    int stop = n ? w(ud, out, n) : 0;
    free(out);
    return stop ? SCL_EIO : SCL_OK;
}

scl_status scl_run_set_format_indent(scl_run *run, unsigned width, int tabs)
{
    if (!run || width > 64)
        return SCL_EINVAL;
    run->format.indent_width = width;
    run->format.use_tabs = tabs != 0;
    return SCL_OK;
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

static scl_span label_span(const scl_run *run, const struct diag_label *l)
{
    scl_span out = {NULL, 0, 0, 0, 0};
    const struct source *s = source_map_get(&run->sm, l->span.file);
    if (!s)
        return out;
    out.file = s->path;
    source_line_col(s, l->span.lo, &out.line, &out.col);
    source_line_col(s, l->span.hi, &out.end_line, &out.end_col);
    if (!l->caret)
        out.col = out.end_col = 0;
    return out;
}

scl_span scl_diag_span(const scl_run *run, const scl_diag *d)
{
    return label_span(run, &((const struct diag *)d)->labels[0]);
}

size_t scl_diag_nlabels(const scl_diag *d)
{
    return d ? ((const struct diag *)d)->nlabels : 0;
}

const char *scl_diag_label(const scl_run *run, const scl_diag *d, size_t i, scl_span *span)
{
    const struct diag *g = (const struct diag *)d;
    if (!run || !g || i >= g->nlabels)
        return NULL;
    if (span)
        *span = label_span(run, &g->labels[i]);
    return g->labels[i].msg ? g->labels[i].msg : "";
}

size_t scl_diag_nnotes(const scl_diag *d)
{
    return d ? ((const struct diag *)d)->nnotes : 0;
}

const char *scl_diag_note(const scl_diag *d, size_t i)
{
    const struct diag *g = (const struct diag *)d;
    return g && i < g->nnotes ? g->notes[i] : NULL;
}

struct ast *run_file_module(scl_run *run, size_t i, const struct source **src)
{
    if (!run || i >= run->nfiles)
        return NULL;
    if (src)
        *src = run->files[i].src;
    return run->files[i].module;
}

struct diags *run_diags(scl_run *run)
{
    return &run->diags;
}

struct arena *run_arena(scl_run *run)
{
    return &run->arena;
}

scl_status scl_diag_render(const scl_run *run, const scl_diag *d, int json, scl_write_fn w,
                           void *ud)
{
    return diag_render((const struct diag *)d, &run->sm, json, w, ud) ? SCL_EIO : SCL_OK;
}

/* {===== values */

static scl_val *wrap(scl_run *run, struct value v)
{
    scl_val *w = arena_alloc(&run->arena, sizeof *w);
    if (w) {
        w->v = v;
        w->vm = &run->vm;
    }
    return w;
}

scl_val *scl_new_undefined(scl_run *run)
{
    return run ? wrap(run, v_undef()) : NULL;
}

scl_val *scl_new_none(scl_run *run)
{
    return run ? wrap(run, v_none()) : NULL;
}

scl_val *scl_new_bool(scl_run *run, int b)
{
    return run ? wrap(run, v_bool(b != 0)) : NULL;
}

scl_val *scl_new_int(scl_run *run, int64_t i)
{
    return run ? wrap(run, v_int(i)) : NULL;
}

scl_val *scl_new_float(scl_run *run, double f)
{
    return run ? wrap(run, v_float(f)) : NULL;
}

struct mk {
    const char *s;
    size_t len;
    int kind; /* 0 str, 1 list, 2 dict */
    struct value out;
};

static void mk_fn(struct vm *vm, void *ud)
{
    struct mk *m = ud;
    if (m->kind == 0)
        m->out = v_str(str_new(vm, m->s, m->len));
    else if (m->kind == 1)
        m->out = v_list(list_new(vm, 0));
    else
        m->out = v_dict(dict_new(vm, 0));
}

static scl_val *make(scl_run *run, const char *s, size_t len, int kind)
{
    if (!run)
        return NULL;
    struct mk m = {s, len, kind, v_undef()};
    if (!vm_protect(&run->vm, mk_fn, &m))
        return NULL;
    return wrap(run, m.out);
}

scl_val *scl_new_str(scl_run *run, const char *s, size_t len)
{
    return s ? make(run, s, len, 0) : NULL;
}

scl_val *scl_new_list(scl_run *run)
{
    return make(run, NULL, 0, 1);
}

scl_val *scl_new_dict(scl_run *run)
{
    return make(run, NULL, 0, 2);
}

struct put {
    struct value target, v;
    const char *key;
    size_t len;
};

static void list_push_fn(struct vm *vm, void *ud)
{
    struct put *p = ud;
    list_push(vm, p->target.as.l, p->v);
}

static void dict_set_fn(struct vm *vm, void *ud)
{
    struct put *p = ud;
    dict_set(vm, p->target.as.d, str_intern(vm, p->key, p->len), p->v);
}

scl_status scl_list_push(scl_run *run, scl_val *list, const scl_val *v)
{
    if (!run || !list || !v || list->v.tag != V_LIST)
        return SCL_EINVAL;
    struct put p = {list->v, v->v, NULL, 0};
    return vm_protect(&run->vm, list_push_fn, &p) ? SCL_OK : SCL_ENOMEM;
}

scl_status scl_dict_set(scl_run *run, scl_val *dict, const char *key, size_t len,
                        const scl_val *v)
{
    if (!run || !dict || !key || !v || !v_is_dictlike(dict->v))
        return SCL_EINVAL;
    struct put p = {dict->v, v->v, key, len};
    return vm_protect(&run->vm, dict_set_fn, &p) ? SCL_OK : SCL_ENOMEM;
}

scl_kind scl_val_kind(const scl_val *v)
{
    if (!v)
        return SCL_UNDEFINED;
    switch (v->v.tag) {
    case V_UNDEF:
        return SCL_UNDEFINED;
    case V_NONE:
        return SCL_NONE;
    case V_BOOL:
        return SCL_BOOL;
    case V_INT:
        return SCL_INT;
    case V_FLOAT:
    case V_UNIT:
        return SCL_FLOAT;
    case V_STR:
        return SCL_STR;
    case V_LIST:
        return SCL_LIST;
    case V_DICT:
        return SCL_DICT;
    case V_SCHEMA:
        return SCL_SCHEMA;
    case V_FUNC:
        return SCL_FUNC;
    default:
        return SCL_OTHER;
    }
}

size_t scl_val_len(const scl_val *v)
{
    if (!v)
        return 0;
    switch (v->v.tag) {
    case V_STR:
        return v->v.as.s->len;
    case V_LIST:
        return v->v.as.l->n;
    case V_DICT:
    case V_SCHEMA:
        return v->v.as.d->n;
    default:
        return 0;
    }
}

const scl_val *scl_val_at(const scl_val *v, size_t i, const char **key)
{
    if (key)
        *key = NULL;
    if (!v)
        return NULL;
    struct scl_run *run = (struct scl_run *)((char *)v->vm - offsetof(struct scl_run, vm));
    if (v->v.tag == V_LIST) {
        if (i >= v->v.as.l->n)
            return NULL;
        return wrap(run, v->v.as.l->v[i]);
    }
    if (v_is_dictlike(v->v)) {
        struct dict *d = v->v.as.d;
        size_t k = 0;
        for (uint32_t j = 0; j < d->used; j++) {
            if (!d->e[j].key)
                continue;
            if (k++ == i) {
                if (key)
                    *key = d->e[j].key->b;
                return wrap(run, d->e[j].val);
            }
        }
    }
    return NULL;
}

const scl_val *scl_val_get(const scl_val *v, const char *key)
{
    if (!v || !key || !v_is_dictlike(v->v))
        return NULL;
    struct dict *d = v->v.as.d;
    size_t len = strlen(key);
    for (uint32_t j = 0; j < d->used; j++) {
        struct str *k = d->e[j].key;
        if (k && k->len == len && !memcmp(k->b, key, len)) {
            struct scl_run *run = (struct scl_run *)((char *)v->vm - offsetof(struct scl_run, vm));
            return wrap(run, d->e[j].val);
        }
    }
    return NULL;
}

const char *scl_val_str(const scl_val *v, size_t *len)
{
    if (!v || v->v.tag != V_STR)
        return NULL;
    if (len)
        *len = v->v.as.s->len;
    return v->v.as.s->b;
}

int scl_val_int(const scl_val *v, int64_t *out)
{
    if (!v || v->v.tag != V_INT)
        return 0;
    *out = v->v.as.i;
    return 1;
}

int scl_val_float(const scl_val *v, double *out)
{
    if (!v)
        return 0;
    if (v->v.tag == V_FLOAT)
        *out = v->v.as.f;
    else if (v->v.tag == V_INT)
        *out = (double)v->v.as.i;
    else if (v->v.tag == V_UNIT)
        *out = v_unit_float(v->v);
    else
        return 0;
    return 1;
}

int scl_val_bool(const scl_val *v, int *out)
{
    if (!v || v->v.tag != V_BOOL)
        return 0;
    *out = (int)v->v.as.i;
    return 1;
}

const char *scl_val_type_name(const scl_val *v)
{
    return v ? v_type_name(v->v) : "UndefinedType";
}

struct emit_call {
    struct value v;
    unsigned flags;
    int json, indent;
    scl_write_fn w;
    void *ud;
    int rc;
};

/* A writer that counts bytes against the run's output budget. */
struct budget_writer {
    struct vm *vm;
    scl_write_fn w;
    void *ud;
    bool over;
};

static int budget_write(void *ud, const char *buf, size_t len)
{
    struct budget_writer *b = ud;
    struct vm *vm = b->vm;
    if (vm->out_limit && len > vm->out_limit - vm->out_used) {
        b->over = true;
        return 1;
    }
    vm->out_used += len;
    return b->w(b->ud, buf, len);
}

static void emit_fn(struct vm *vm, void *ud)
{
    struct emit_call *c = ud;
    if (c->json == 0) {
        c->rc = emit_yaml(vm, c->v, c->flags, c->w, c->ud);
    } else if (c->json == 1) {
        c->rc = emit_json_doc(vm, c->v, c->flags, c->w, c->ud);
    } else {
        struct sbuf b;
        sbuf_init(&b, vm);
        emit_json_text(&b, c->v, c->indent, c->flags);
        sbuf_putc(&b, '\n');
        c->rc = c->w(c->ud, b.p, b.n) ? EMIT_EWRITE : EMIT_OK;
    }
}

static scl_status emit_any(const scl_val *v, unsigned flags, int json, int indent, scl_write_fn w,
                           void *ud)
{
    if (!v || !w)
        return SCL_EINVAL;
    struct vm *vm = v->vm;
    struct budget_writer b = {vm, w, ud, false};
    struct emit_call c = {v->v, flags, json, indent, budget_write, &b, 0};
    unsigned n = vm->diags->n, ne = vm->diags->nerrors;
    if (!vm_protect(vm, emit_fn, &c)) {
        vm->diags->n = n;
        vm->diags->nerrors = ne;
        return SCL_EEVAL;
    }
    if (b.over)
        return SCL_ELIMIT;
    return c.rc ? SCL_EIO : SCL_OK;
}

scl_status scl_emit_yaml(const scl_val *v, unsigned flags, scl_write_fn w, void *ud)
{
    return emit_any(v, flags, 0, 0, w, ud);
}

scl_status scl_emit_json(const scl_val *v, unsigned flags, int indent, scl_write_fn w, void *ud)
{
    return emit_any(v, flags, indent < 0 ? 1 : 2, indent, w, ud);
}

/* {===== options and selectors */

/* Calls function 'fn' of system module 'mod' with one argument (json.decode, yaml.decode). */
static struct value call_stdlib(struct vm *vm, const char *mod, const char *fn, struct value arg)
{
    const struct stdlib_module *m = stdlib_module(mod);
    for (size_t i = 0; m && i < m->nfns; i++) {
        if (strcmp(m->fns[i].name, fn) != 0)
            continue;
        struct callargs a;
        memset(&a, 0, sizeof a);
        a.pos = &arg;
        a.npos = 1;
        return m->fns[i].fn(vm, &a);
    }
    vm_raise(vm, "%s.%s is missing", mod, fn);
}

struct decode_call {
    const char *mod;
    struct value arg, out;
};

/* Decodes text as JSON or YAML; false (nothing recorded) when it does not parse. */
static void decode_fn(struct vm *vm, void *ud)
{
    struct decode_call *d = ud;
    d->out = call_stdlib(vm, d->mod, "decode", d->arg);
}

/* Decodes 'text' with module 'mod' (json, yaml); false when it fails, the failure's message
 * in *why when why is not NULL (it lives in the run's arena). */
static bool try_decode_why(struct vm *vm, const char *mod, struct value text, struct value *out,
                           const char **why)
{
    struct decode_call dc = {mod, text, v_undef()};
    unsigned n = vm->diags->n, ne = vm->diags->nerrors;
    if (!vm_protect(vm, decode_fn, &dc)) {
        if (why)
            *why = vm->diags->n > n ? vm->diags->v[n]->message : NULL;
        vm->diags->n = n;
        vm->diags->nerrors = ne;
        return false;
    }
    *out = dc.out;
    return true;
}

static bool try_decode(struct vm *vm, const char *mod, struct value text, struct value *out)
{
    return try_decode_why(vm, mod, text, out, NULL);
}

static bool all_digits(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

struct opt_call {
    struct dict *options;
    const char *key, *text;
    struct value v;
    bool use_v;
};

static void opt_fn(struct vm *vm, void *ud)
{
    struct opt_call *o = ud;
    struct value v = o->v;
    if (!o->use_v) {
        const char *t = o->text;
        if (!strcmp(t, "True") || !strcmp(t, "true"))
            v = v_bool(true);
        else if (!strcmp(t, "False") || !strcmp(t, "false"))
            v = v_bool(false);
        else if (!strcmp(t, "None") || !strcmp(t, "null"))
            v = v_none();
        else if (all_digits(t) && strlen(t) < 19 && !(t[0] == '0' && t[1]))
            v = v_int(strtoll(t, NULL, 10));
        else if (*t == '{' || *t == '[' || *t == '"') {
            struct value text = v_str(str_cstr(vm, t));
            if (!try_decode(vm, "json", text, &v))
                v = text;
        } else {
            char *end;
            double d = strtod(t, &end);
            if (*t && !*end && strchr(t, '.') && !strpbrk(t, "eEnN"))
                v = v_float(d);
            else
                v = v_str(str_cstr(vm, t));
        }
    }
    dict_set(vm, o->options, str_cstr(vm, o->key), v);
}

scl_status scl_run_option(scl_run *run, const char *key, scl_val *v)
{
    if (!run || !key || !v)
        return SCL_EINVAL;
    struct opt_call o = {run->options, key, NULL, v->v, true};
    return vm_protect(&run->vm, opt_fn, &o) ? SCL_OK : SCL_ENOMEM;
}

scl_status scl_run_option_text(scl_run *run, const char *key, const char *text)
{
    if (!run || !key || !text)
        return SCL_EINVAL;
    struct opt_call o = {run->options, key, text, v_undef(), false};
    return vm_protect(&run->vm, opt_fn, &o) ? SCL_OK : SCL_ENOMEM;
}

struct sel_call {
    struct list *l;
    const char *path;
};

static void sel_fn(struct vm *vm, void *ud)
{
    struct sel_call *c = ud;
    list_push(vm, c->l, v_str(str_cstr(vm, c->path)));
}

scl_status scl_run_select(scl_run *run, const char *path)
{
    if (!run || !path)
        return SCL_EINVAL;
    struct sel_call c = {run->selectors, path};
    return vm_protect(&run->vm, sel_fn, &c) ? SCL_OK : SCL_ENOMEM;
}

/* {===== evaluation */

static struct value select_path(struct vm *vm, struct value v, const char *path)
{
    const char *p = path;
    while (*p) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        struct str *k = str_new(vm, p, len);
        if (!v_is_dictlike(v) || !dict_find(v.as.d, k)) {
            struct span none = {0, 0, 0};
            vm_raise_at(vm, none, "E3M38", "EvaluationError",
                        "invalid path select operand %s, value not found", path);
        }
        v = dict_get(v.as.d, k);
        p = dot ? dot + 1 : p + len;
    }
    return v;
}

static void eval_fn(struct vm *vm, void *ud)
{
    scl_run *run = ud;
    struct eval *ev = &run->ev;
    eval_init(ev, vm, &run->sm);
    ev->options = run->options;
    ev->root = run->root      ? run->root
               : run->nfiles ? loader_find_root(vm, run->files[0].src->path)
                             : ".";
    ev->externals = run->externals;
    ev->nexternals = run->nexternals;
    ev->host_loader = run->ctx->loader.version ? &run->ctx->loader : NULL;
    ev->mod_cache = &run->ctx->modules;
    ev->hook_cache = &run->ctx->hooks;
    const char *dir = ev->root;
    struct pkg *p = pkg_new(ev, "__main__", dir);
    p->is_main = true;
    p->root = ev->root;
    ev->main = p;
    for (size_t i = 0; i < run->nfiles; i++)
        pkg_add_file(ev, p, run->files[i].module, run->files[i].src);
    ev->cur_pkg = p;
    if (resolve_pkg(ev, p))
        vm_throw_diag(vm, vm->diags->v[vm->diags->n - 1]);
    if (run->ctx->ud == &run->ctx->blocks) /* only what the evaluation can reuse */
        arena_cache_fit(&run->ctx->blocks, vm->arena);
    if (run->flags & SCL_RUN_CHECK_ONLY) {
        run->result = NULL;
        return;
    }
    eval_pkg(ev, p);
    struct value r = ev->has_yaml_stream ? ev->yaml_stream : eval_module_output(ev, p);
    if (!ev->has_yaml_stream && !run->selectors->n)
        r = eval_layout_documents(ev, r);
    if (run->selectors->n) {
        if (run->selectors->n == 1) {
            r = select_path(vm, r, run->selectors->v[0].as.s->b);
        } else {
            struct list *l = list_new(vm, run->selectors->n);
            for (uint32_t i = 0; i < run->selectors->n; i++)
                list_push(vm, l, select_path(vm, r, run->selectors->v[i].as.s->b));
            r = v_list(l);
        }
    }
    run->result = wrap(run, r);
}

scl_status scl_run_eval(scl_run *run)
{
    if (!run)
        return SCL_EINVAL;
    /* Without overrides the trees are only read: take them from the context's cache, so a
     * host that runs the same program again (the function server) parses it once. */
    for (size_t i = 0; i < run->nfiles && !run->noverrides; i++) {
        struct run_file *f = &run->files[i];
        if (f->module)
            continue;
        const struct source *src = NULL;
        f->module = mod_cache_parse(&run->ctx->modules, f->src->path, f->src->text, f->src->len,
                                    f->in_cache, f->status.known ? &f->status : NULL,
                                    &run->diags, &src);
        if (f->module) {
            f->src = src;
            release_text(run, f);
        }
    }
    scl_status st = scl_run_parse(run);
    if (st != SCL_OK)
        return st;
    if (run->noverrides) {
        struct ast **mods = arena_alloc(&run->arena, run->nfiles * sizeof *mods);
        if (!mods)
            return SCL_ENOMEM;
        for (size_t i = 0; i < run->nfiles; i++)
            mods[i] = run->files[i].module;
        for (uint32_t i = 0; i < run->noverrides; i++)
            if (!override_apply(&run->arena, mods, run->nfiles, &run->overrides[i]))
                return SCL_ENOMEM;
        run->noverrides = 0; /* applied once */
    }
    run->vm.out_w = run->out_w;
    run->vm.out_ud = run->out_ud;
    run->vm.flags = run->flags;
    vm_start_clock(&run->vm);
    bool ok = vm_protect(&run->vm, eval_fn, run);
    ctx_trim(run->ctx);
    img_cache_release(&run->ctx->modules.disk);
    if (!ok) {
        run->result = NULL;
        const struct diag *g = run->vm.last_error;
        if (run->vm.limit_hit)
            return SCL_ELIMIT;
        if (g && !strcmp(g->code, "E2F04"))
            return SCL_EIMPORT;
        if (g && !strcmp(g->code, "E1001"))
            return SCL_ESYNTAX;
        if (g && !strcmp(g->code, "E2G22"))
            return SCL_ETYPE;
        return SCL_EEVAL;
    }
    return SCL_OK;
}

scl_status scl_run_eval_file(scl_run *run, const char *file, const char *src, size_t len)
{
    scl_status st = scl_run_add_file(run, file, src, len);
    return st == SCL_OK ? scl_run_eval(run) : st;
}

const scl_val *scl_run_result(const scl_run *run)
{
    return run ? run->result : NULL;
}

size_t scl_run_nfiles(const scl_run *run)
{
    return run ? run->nfiles : 0;
}

unsigned scl_run_flags(const scl_run *run)
{
    return run ? run->flags : 0;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool file_added(const scl_run *run, const char *path)
{
    char *abs = realpath(path, NULL);
    bool found = false;
    for (size_t i = 0; abs && i < run->nfiles && !found; i++)
        found = !strcmp(run->files[i].src->path, abs);
    free(abs);
    return found;
}

/* ${KCL_MOD} in an input path: the nearest directory at or above the working directory
 * that holds kcl.mod. */
static const char *expand_kcl_mod(scl_run *run, const char *path)
{
    static const char var[] = "${KCL_MOD}";
    if (strncmp(path, var, sizeof var - 1) != 0)
        return path;
    char *cwd = realpath(".", NULL);
    if (!cwd)
        return path;
    char *dir = arena_strndup(&run->arena, cwd, strlen(cwd));
    free(cwd);
    if (!dir)
        return path;
    for (;;) {
        char *mod = arena_printf(&run->arena, "%s/kcl.mod", dir);
        struct stat st;
        if (mod && stat(mod, &st) == 0)
            break;
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir) {
            dir = ".";
            break;
        }
        *slash = '\0';
    }
    char *r = arena_printf(&run->arena, "%s%s", dir, path + sizeof var - 1);
    return r ? r : path;
}

scl_status scl_run_add_path(scl_run *run, const char *path)
{
    if (!run || !path)
        return SCL_EINVAL;
    path = expand_kcl_mod(run, path);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return SCL_EIO;
        char *names[1024];
        size_t n = 0;
        struct dirent *e;
        while ((e = readdir(d)) && n < 1024) {
            size_t len = strlen(e->d_name);
            bool k = len > 2 && !strcmp(e->d_name + len - 2, ".k");
            bool s = len > 4 && !strcmp(e->d_name + len - 4, ".scl");
            /* a main-package directory compiles _x.k too (KCL tests '_' on the full path) */
            if ((k || s) && !strstr(e->d_name, "_test."))
                names[n++] = arena_printf(&run->arena, "%s/%s", path, e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_cstr);
        for (size_t i = 0; i < n; i++) {
            if (!names[i] || file_added(run, names[i]))
                continue;
            scl_status r = scl_run_add_file(run, names[i], NULL, 0);
            if (r != SCL_OK)
                return r;
        }
        return SCL_OK;
    }
    if (file_added(run, path))
        return SCL_OK;
    return scl_run_add_file(run, path, NULL, 0);
}

struct settings_call {
    scl_run *run;
    const char *path;
    struct value doc;
};

static bool truthy_key(struct value cfg, const char *k);
static struct value get_key(struct value cfg, const char *k);

static void settings_fn(struct vm *vm, void *ud)
{
    struct settings_call *c = ud;
    size_t len;
    char *text = loader_read(vm, c->path, &len);
    if (!text) {
        struct span none = {0, 0, 0};
        vm_raise_at(vm, none, "E2F04", "CannotFindModule", "cannot read settings file %s: %s",
                    c->path, strerror(errno));
    }
    struct value doc = v_undef();
    const char *why = NULL;
    bool ok = try_decode_why(vm, "yaml", v_str(str_new(vm, text, len)), &doc, &why);
    /* the file is a mapping; kcl_options a list of {key, value} mappings */
    struct value opts = get_key(doc, "kcl_options");
    bool valid = ok && (v_is_dictlike(doc) || doc.tag == V_NONE);
    if (valid && opts.tag != V_UNDEF && opts.tag != V_NONE) {
        valid = opts.tag == V_LIST;
        for (uint32_t i = 0; valid && i < opts.as.l->n; i++)
            valid = v_is_dictlike(opts.as.l->v[i]) && get_key(opts.as.l->v[i], "key").tag == V_STR;
    }
    if (!valid) {
        struct span none = {0, 0, 0};
        const char *base = strrchr(c->path, '/');
        /* why the YAML could not be read, located: "... at line L column C" -> path:L:C */
        unsigned long line = 0, col = 0;
        const char *at = why ? strstr(why, " at line ") : NULL;
        if (!ok && at && sscanf(at, " at line %lu column %lu", &line, &col) == 2)
            vm_raise_at(vm, none, "E3M38", "EvaluationError",
                        "Failed to load '%s', invalid setting file format\n%s:%lu:%lu: %.*s",
                        base ? base + 1 : c->path, c->path, line, col, (int)(at - why), why);
        vm_raise_at(vm, none, "E3M38", "EvaluationError",
                    "Failed to load '%s', invalid setting file format", base ? base + 1 : c->path);
    }
    c->doc = doc;
}

static bool truthy_key(struct value cfg, const char *k)
{
    if (!v_is_dictlike(cfg))
        return false;
    for (uint32_t i = 0; i < cfg.as.d->used; i++)
        if (cfg.as.d->e[i].key && !strcmp(cfg.as.d->e[i].key->b, k))
            return v_truthy(cfg.as.d->e[i].val);
    return false;
}

static struct value get_key(struct value cfg, const char *k)
{
    if (!v_is_dictlike(cfg))
        return v_undef();
    for (uint32_t i = 0; i < cfg.as.d->used; i++)
        if (cfg.as.d->e[i].key && !strcmp(cfg.as.d->e[i].key->b, k))
            return cfg.as.d->e[i].val;
    return v_undef();
}

scl_status scl_run_settings_file(scl_run *run, const char *path)
{
    if (!run || !path)
        return SCL_EINVAL;
    struct settings_call c = {run, path, v_undef()};
    if (!vm_protect(&run->vm, settings_fn, &c))
        return SCL_EIO;
    struct value cli = get_key(c.doc, "kcl_cli_configs");
    const char *files_keys[] = {"files", "file"};
    for (int k = 0; k < 2; k++) {
        struct value fl = get_key(cli, files_keys[k]);
        if (fl.tag != V_LIST)
            continue;
        for (uint32_t i = 0; i < fl.as.l->n; i++) {
            if (fl.as.l->v[i].tag != V_STR)
                continue;
            scl_status r = scl_run_add_path(run, fl.as.l->v[i].as.s->b);
            if (r != SCL_OK)
                return r;
        }
    }
    struct value maps = get_key(cli, "package_maps");
    if (v_is_dictlike(maps))
        for (uint32_t i = 0; i < maps.as.d->used; i++)
            if (maps.as.d->e[i].key && maps.as.d->e[i].val.tag == V_STR)
                scl_run_add_external(run, maps.as.d->e[i].key->b, maps.as.d->e[i].val.as.s->b);
    struct value sel = get_key(cli, "path_selector");
    if (sel.tag == V_LIST)
        for (uint32_t i = 0; i < sel.as.l->n; i++)
            if (sel.as.l->v[i].tag == V_STR)
                scl_run_select(run, sel.as.l->v[i].as.s->b);
    unsigned f = run->flags;
    if (truthy_key(cli, "strict_range_check"))
        f |= SCL_RUN_STRICT_RANGE;
    if (truthy_key(cli, "disable_none"))
        f |= SCL_EMIT_DROP_NONE;
    if (truthy_key(cli, "sort_keys"))
        f |= SCL_EMIT_SORT_KEYS;
    if (truthy_key(cli, "show_hidden"))
        f |= SCL_EMIT_SHOW_HIDDEN;
    if (truthy_key(cli, "debug"))
        f |= SCL_RUN_DEBUG;
    scl_run_set_flags(run, f);
    struct value opts = get_key(c.doc, "kcl_options");
    if (opts.tag == V_LIST) {
        for (uint32_t i = 0; i < opts.as.l->n; i++) {
            struct value kv = opts.as.l->v[i];
            struct value key = get_key(kv, "key");
            if (key.tag != V_STR)
                continue;
            scl_val *v = wrap(run, get_key(kv, "value"));
            if (!v || scl_run_option(run, key.as.s->b, v) != SCL_OK)
                return SCL_ENOMEM;
        }
    }
    return SCL_OK;
}

struct write_call {
    scl_run *run;
    int json;
    scl_write_fn w;
    void *ud;
    int rc;
};

static void write_fn(struct vm *vm, void *ud)
{
    struct write_call *c = ud;
    struct eval *ev = &c->run->ev;
    unsigned flags = c->run->flags &
                     (SCL_EMIT_SORT_KEYS | SCL_EMIT_SHOW_HIDDEN | SCL_EMIT_DROP_NONE | SCL_EMIT_STREAM);
    if (ev->has_yaml_stream && !c->json) {
        const char *sep = ev->stream_sep ? ev->stream_sep : "---";
        c->rc = emit_yaml_stream(vm, ev->yaml_stream.as.l,
                                 ev->stream_flags | (flags & (SCL_EMIT_SORT_KEYS | SCL_EMIT_STREAM)),
                                 sep, strlen(sep), c->w, c->ud);
    } else if (c->json) {
        c->rc = emit_json_doc(vm, c->run->result->v, flags, c->w, c->ud);
    } else {
        c->rc = emit_yaml(vm, c->run->result->v, flags, c->w, c->ud);
    }
}

scl_status scl_run_write(scl_run *run, int json, scl_write_fn w, void *ud)
{
    if (!run || !run->result || !w)
        return SCL_EINVAL;
    struct budget_writer b = {&run->vm, w, ud, false};
    struct write_call c = {run, json, budget_write, &b, 0};
    run->vm.limit_hit = false;
    if (!vm_protect(&run->vm, write_fn, &c))
        return run->vm.limit_hit ? SCL_ELIMIT : SCL_EEVAL;
    if (b.over) {
        struct span none = {0, 0, 0};
        diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", none, false,
                  "output exceeded its size budget of %zu bytes", run->vm.out_limit);
        return SCL_ELIMIT;
    }
    return c.rc ? SCL_EIO : SCL_OK;
}

/* {===== validating data (scl vet) */

static scl_status validate_doc(scl_run *run, struct ast *stmt)
{
    struct ast_list *body = &run->files[0].module->u.module.body;
    if (!ast_list_push(&run->arena, body, stmt))
        return SCL_ENOMEM;
    run->vm.out_w = run->out_w;
    run->vm.out_ud = run->out_ud;
    run->vm.flags = run->flags;
    vm_start_clock(&run->vm);
    bool ok = vm_protect(&run->vm, eval_fn, run);
    body->n--; /* the program is left as it was */
    run->result = NULL; /* the output is discarded */
    if (ok)
        return SCL_OK;
    const struct diag *g = run->vm.last_error;
    if (run->vm.limit_hit)
        return SCL_ELIMIT;
    if (g && !strcmp(g->code, "E2F04"))
        return SCL_EIMPORT;
    if (g && !strcmp(g->code, "E1001"))
        return SCL_ESYNTAX;
    if (g && !strcmp(g->code, "E2G22"))
        return SCL_ETYPE;
    return SCL_EEVAL;
}

scl_status scl_run_validate(scl_run *run, const char *file, const char *data, size_t len,
                            scl_data_format format, const char *schema, const char *attr)
{
    struct span none = {0, 0, 0};
    if (!run || (format != SCL_DATA_JSON && format != SCL_DATA_YAML) || (!file && !data))
        return SCL_EINVAL;
    if (!run->nfiles) {
        diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", none, false,
                  "Cannot find the kcl file, please check the file path validationTempKCLCode.k");
        return SCL_EINVAL;
    }
    const char *name = file ? file : "<data>";
    if (!data) {
        data = read_file(run, file, &len);
        if (!data) {
            struct diag *g = diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", none,
                                       false, "Failed to Load '%s'", file);
            if (g)
                diag_add_note(&run->diags, g, "%s", strerror(errno));
            return SCL_EIO;
        }
    }
    struct source *src = source_map_add(&run->sm, display_path(run, name), data, len);
    if (!src)
        return SCL_ENOMEM;
    scl_status st = scl_run_parse(run);
    if (st != SCL_OK)
        return st;
    struct ast **mods = arena_alloc(&run->arena, run->nfiles * sizeof *mods);
    if (!mods)
        return SCL_ENOMEM;
    for (size_t i = 0; i < run->nfiles; i++)
        mods[i] = run->files[i].module;
    if (!schema || !*schema)
        schema = vet_first_schema(mods, run->nfiles);

    struct ast_list docs = {0};
    struct vet_error err;
    enum vet_format fmt = format == SCL_DATA_YAML ? VET_YAML : VET_JSON;
    if (!vet_build(&run->arena, src, fmt, schema, &docs, &err)) {
        if (err.cause && !strcmp(err.cause, "out of memory"))
            return SCL_ENOMEM;
        struct diag *g;
        if (err.not_text)
            g = diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", err.at, true,
                          "Failed to Load '%s'", name);
        else
            g = diags_add(&run->diags, DIAG_ERROR, "E3M38", "EvaluationError", err.at, true,
                          "Failed to Load %s", fmt == VET_JSON ? "JSON" : "YAML");
        if (g && err.cause)
            diag_add_note(&run->diags, g, "%s", err.cause);
        return err.not_text ? SCL_EIO : SCL_ESYNTAX;
    }

    for (uint32_t i = 0; i < run->noverrides; i++)
        if (!override_apply(&run->arena, mods, run->nfiles, &run->overrides[i]))
            return SCL_ENOMEM;
    run->noverrides = 0; /* applied once */
    const char *target = arena_strndup(&run->arena, attr ? attr : "", attr ? strlen(attr) : 0);
    if (!target)
        return SCL_ENOMEM;
    for (uint32_t i = 0; i < docs.n; i++) {
        struct ast *doc = docs.v[i];
        struct ast *stmt = ast_new(&run->arena, AST_ASSIGN, doc->span);
        struct ast *name_node = ast_new(&run->arena, AST_NAME, doc->span);
        if (!stmt || !name_node)
            return SCL_ENOMEM;
        name_node->u.name = target;
        if (!ast_list_push(&run->arena, &stmt->u.assign.targets, name_node))
            return SCL_ENOMEM;
        stmt->u.assign.value = doc;
        st = validate_doc(run, stmt);
        if (st != SCL_OK) {
            struct diag *g = run->vm.last_error;
            if (g && docs.n > 1)
                diag_add_note(&run->diags, g, "in document %u of %u of %s", i + 1, docs.n,
                              src->path);
            return st;
        }
    }
    return SCL_OK;
}
