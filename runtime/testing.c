/* scl_test_path: KCL's test runner. A package's *_test.k files define `test_*` lambdas; each
 * case is one run of the whole package (its files, its test files and a generated main file
 * that calls the case named by option("_kcl_test_case_run")). */
#include "config.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "lang/ast.h"
#include "runtime/run.h"
#include "scl.h"

/* {===== a growing, malloc'd text */

struct text {
    char *p;
    size_t n, cap;
};

static int text_write(void *ud, const char *buf, size_t len)
{
    struct text *t = ud;
    if (t->n + len + 1 > t->cap) {
        size_t cap = (t->n + len + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return 1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->n, buf, len);
    t->n += len;
    t->p[t->n] = '\0';
    return 0;
}

static void text_puts(struct text *t, const char *s)
{
    text_write(t, s, strlen(s));
}

static const char *text_str(const struct text *t)
{
    return t->p ? t->p : "";
}

/* {===== file lists */

struct names {
    char **v;
    size_t n, cap;
};

static bool names_push(struct names *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        return false;
    l->v[l->n++] = copy;
    return true;
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static bool names_has(const struct names *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i], s))
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

static bool is_source(const char *name)
{
    return name[0] != '_' && name[0] != '.' && (ends_with(name, ".k") || ends_with(name, ".scl"));
}

static bool is_test_file(const char *name)
{
    return ends_with(name, "_test.k") || ends_with(name, "_test.scl");
}

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The entries of 'dir' (names only), sorted; dirs: directories, else regular files. */
static bool list_dir(const char *dir, bool dirs, struct names *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    struct dirent *e;
    bool ok = true;
    while (ok && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = malloc(strlen(dir) + strlen(e->d_name) + 2);
        if (!path) {
            ok = false;
            break;
        }
        sprintf(path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && (dirs ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode)))
            ok = names_push(out, e->d_name);
        free(path);
    }
    closedir(d);
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, cmp_str);
    return ok;
}

/* {===== one package */

static char *join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    if (p)
        sprintf(p, "%s/%s", dir, name);
    return p;
}

/* The cases of test files [first, nfiles) of 'run' (parsed), in order, without repeats. */
static void find_cases(scl_run *run, size_t first, struct names *cases)
{
    for (size_t i = first; i < scl_run_nfiles(run); i++) {
        struct ast *mod = run_file_module(run, i, NULL);
        if (!mod)
            continue;
        for (uint32_t j = 0; j < mod->u.module.body.n; j++) {
            const struct ast *s = mod->u.module.body.v[j];
            if (s->kind != AST_ASSIGN || !s->u.assign.value ||
                s->u.assign.value->kind != AST_LAMBDA)
                continue;
            for (uint32_t k = 0; k < s->u.assign.targets.n; k++) {
                const struct ast *t = s->u.assign.targets.v[k];
                if (t->kind == AST_NAME && !strncmp(t->u.name, "test_", 5) &&
                    !names_has(cases, t->u.name))
                    names_push(cases, t->u.name);
            }
        }
    }
}

/* The package's files, its test files and the generated main file; the cases go to 'cases'. */
static scl_status add_package(scl_run *run, const char *dir, struct names *cases)
{
    struct names files = {0};
    if (!list_dir(dir, false, &files)) {
        names_free(&files);
        return SCL_EIO;
    }
    scl_status st = SCL_OK;
    for (int pass = 0; pass < 2 && st == SCL_OK; pass++) {
        size_t first = scl_run_nfiles(run);
        for (size_t i = 0; i < files.n && st == SCL_OK; i++) {
            if (!is_source(files.v[i]) || is_test_file(files.v[i]) != (pass == 1))
                continue;
            char *path = join(dir, files.v[i]);
            st = path ? scl_run_add_file(run, path, NULL, 0) : SCL_ENOMEM;
            free(path);
        }
        if (pass == 1 && st == SCL_OK) {
            st = scl_run_parse(run);
            if (st == SCL_OK)
                find_cases(run, first, cases);
        }
    }
    names_free(&files);
    if (st != SCL_OK)
        return st;
    struct text main = {0};
    text_puts(&main, "# Generated by `scl test`; do not edit.\n"
                     "_kcl_test_case_run = option(\"_kcl_test_case_run\", type=\"str\", "
                     "default=\"\")\n");
    for (size_t i = 0; i < cases->n; i++) {
        text_puts(&main, "if _kcl_test_case_run == '");
        text_puts(&main, cases->v[i]);
        text_puts(&main, "': ");
        text_puts(&main, cases->v[i]);
        text_puts(&main, "()\n");
    }
    char *path = join(dir, "_kcl_test.k");
    st = path && main.p ? scl_run_add_file(run, path, main.p, main.n) : SCL_ENOMEM;
    free(path);
    free(main.p);
    return st;
}

scl_status scl_run_add_test_package(scl_run *run, const char *dir, size_t *ncases)
{
    if (!run || !dir)
        return SCL_EINVAL;
    struct names cases = {0};
    scl_status st = add_package(run, dir, &cases);
    if (ncases)
        *ncases = cases.n;
    names_free(&cases);
    return st;
}

static void render_errors(scl_run *run, struct text *out)
{
    for (size_t i = 0; i < scl_run_ndiags(run); i++) {
        const scl_diag *d = scl_run_diag(run, i);
        if (scl_diag_is_error(d))
            scl_diag_render(run, d, 0, text_write, out);
    }
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

struct tester {
    scl_ctx *ctx;
    const scl_test_opts *opts; /* NULL: none */
    pcre2_code *re;            /* NULL: every case */
    bool bad_re;               /* an invalid --run pattern selects nothing */
    int fail_fast;
    scl_test_cb cb;
    void *ud;
    bool failed;
};

static bool selected(const struct tester *t, const char *name)
{
    if (t->bad_re)
        return false;
    if (!t->re)
        return true;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(t->re, NULL);
    if (!md)
        return false;
    int rc = pcre2_match(t->re, (PCRE2_SPTR)name, strlen(name), 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}

/* Runs the package in 'dir'; a status other than SCL_OK ends the whole call. */
/* The user's options and external packages, before the package's files. */
static scl_status apply_opts(const struct tester *t, scl_run *run)
{
    const scl_test_opts *o = t->opts;
    scl_status st = SCL_OK;
    for (size_t i = 0; o && i < o->nexternals && st == SCL_OK; i++)
        st = scl_run_add_external(run, o->ext_names[i], o->ext_dirs[i]);
    for (size_t i = 0; o && i < o->noptions && st == SCL_OK; i++)
        st = scl_run_option_text(run, o->option_keys[i], o->option_texts[i]);
    return st;
}

static scl_status test_package(struct tester *t, const char *dir)
{
    scl_run *run = scl_run_new(t->ctx);
    if (!run)
        return SCL_ENOMEM;
    struct names cases = {0};
    scl_status st = apply_opts(t, run);
    if (st == SCL_OK)
        st = add_package(run, dir, &cases);
    size_t nsel = 0;
    for (size_t i = 0; i < cases.n; i++)
        nsel += selected(t, cases.v[i]);
    if (st == SCL_OK && nsel) {
        /* compile-time errors stop everything, before any case runs */
        scl_run_set_flags(run, SCL_RUN_CHECK_ONLY);
        st = scl_run_eval(run);
    }
    if (st != SCL_OK) {
        struct text err = {0};
        render_errors(run, &err);
        t->cb(t->ud, NULL, text_str(&err), 0, dir);
        free(err.p);
        if (st == SCL_EEVAL)
            st = SCL_ETYPE; /* a compile-time error, whatever its code */
    }
    scl_run_free(run);
    for (size_t i = 0; i < cases.n && st == SCL_OK; i++) {
        if (!selected(t, cases.v[i]))
            continue;
        run = scl_run_new(t->ctx);
        scl_val *name = run ? scl_new_str(run, cases.v[i], strlen(cases.v[i])) : NULL;
        if (!name) {
            scl_run_free(run);
            st = SCL_ENOMEM;
            break;
        }
        struct text log = {0}, err = {0};
        scl_run_set_stdout(run, text_write, &log);
        uint64_t start = now_us();
        struct names again = {0};
        scl_status cs = scl_run_option(run, "_kcl_test_case_run", name);
        if (cs == SCL_OK)
            cs = apply_opts(t, run);
        if (cs == SCL_OK)
            cs = add_package(run, dir, &again);
        names_free(&again);
        if (cs == SCL_OK)
            cs = scl_run_eval(run);
        uint64_t dur = now_us() - start;
        if (cs != SCL_OK)
            render_errors(run, &err);
        if (cs != SCL_OK && !err.n)
            text_puts(&err, "test case failed\n");
        t->cb(t->ud, cases.v[i], cs == SCL_OK ? NULL : text_str(&err), dur, text_str(&log));
        free(log.p);
        free(err.p);
        scl_run_free(run);
        if (cs != SCL_OK) {
            t->failed = true;
            if (t->fail_fast)
                break;
        }
    }
    names_free(&cases);
    return st;
}

/* 'dir' and, when recursive, every directory below it, in sorted order; directories without a
 * test file are skipped. */
static scl_status test_tree(struct tester *t, const char *dir, bool recursive, unsigned depth)
{
    struct names files = {0};
    bool has_test = false;
    if (list_dir(dir, false, &files))
        for (size_t i = 0; i < files.n && !has_test; i++)
            has_test = is_source(files.v[i]) && is_test_file(files.v[i]);
    names_free(&files);
    scl_status st = has_test ? test_package(t, dir) : SCL_OK;
    if (st != SCL_OK || !recursive || depth > 64)
        return st;
    struct names dirs = {0};
    list_dir(dir, true, &dirs);
    for (size_t i = 0; i < dirs.n && st == SCL_OK; i++) {
        char *sub = join(dir, dirs.v[i]);
        st = sub ? test_tree(t, sub, true, depth + 1) : SCL_ENOMEM;
        free(sub);
    }
    names_free(&dirs);
    return st;
}

scl_status scl_test_path(scl_ctx *ctx, const char *path, const char *run_regex, int fail_fast,
                         scl_test_cb cb, void *ud)
{
    return scl_test_path_opts(ctx, path, run_regex, fail_fast, NULL, cb, ud);
}

scl_status scl_test_path_opts(scl_ctx *ctx, const char *path, const char *run_regex, int fail_fast,
                              const scl_test_opts *opts, scl_test_cb cb, void *ud)
{
    if (!ctx || !path || !cb)
        return SCL_EINVAL;
    if (opts && (opts->version < 1 || opts->version > SCL_TEST_OPTS_VERSION))
        return SCL_EINVAL;
    struct tester t = {ctx, opts, NULL, false, fail_fast, cb, ud, false};
    if (run_regex && *run_regex) {
        int ec;
        PCRE2_SIZE off;
        t.re =
            pcre2_compile((PCRE2_SPTR)run_regex, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
        t.bad_re = !t.re;
    }
    /* P/... : P and every package below it; "..." alone is "." */
    char *dir = strdup(path);
    if (!dir) {
        pcre2_code_free(t.re);
        return SCL_ENOMEM;
    }
    size_t n = strlen(dir);
    bool recursive = n >= 3 && !strcmp(dir + n - 3, "...");
    if (recursive) {
        dir[n - 3] = '\0';
        n -= 3;
    }
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    if (!n) {
        free(dir);
        dir = strdup(".");
    }
    /* a name with no '/' is a dotted package path: a.b is a/b */
    if (dir && !strchr(dir, '/') && dir[0] != '.' && !is_dir(dir))
        for (char *p = dir; *p; p++)
            if (*p == '.')
                *p = '/';
    scl_status st = !dir ? SCL_ENOMEM : is_dir(dir) ? test_tree(&t, dir, recursive, 0) : SCL_EIO;
    free(dir);
    pcre2_code_free(t.re);
    if (st != SCL_OK)
        return st;
    return t.failed ? SCL_EEVAL : SCL_OK;
}
