/* scl test [PKG...]: run the test_* lambdas of each package's *_test.k files and report as
 * `kcl test` does (spec tools.md §3). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "cli/report.h"
#include "pkg/io.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl test: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl test [PKG|PKG/...]... [--run REGEX] [--fail-fast] [-D key=value...]\n"
          "                [-E name=dir...] [--offline] " REPORT_USAGE "\n",
          stderr);
    return CLI_USAGE;
}

struct result {
    char *name, *error, *log;
    uint64_t duration_us;
};

struct results {
    struct result *v;
    size_t n, cap;
    char *fatal;     /* a compile-time error (rendered) */
    char *fatal_dir; /* the package it stopped in */
    bool oom;
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void on_case(void *ud, const char *name, const char *error, uint64_t duration_us,
                    const char *log)
{
    struct results *r = ud;
    if (!name) {
        free(r->fatal);
        free(r->fatal_dir);
        r->fatal = dup_or_null(error);
        r->fatal_dir = dup_or_null(log);
        return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct result *v = realloc(r->v, cap * sizeof *v);
        if (!v) {
            r->oom = true;
            return;
        }
        r->v = v;
        r->cap = cap;
    }
    struct result *c = &r->v[r->n++];
    c->name = strdup(name);
    c->error = dup_or_null(error);
    c->log = dup_or_null(log);
    c->duration_us = duration_us;
}

/* The compile-time error again, in a format other than pretty: the package is checked once more
 * in a run whose diagnostics the report renders. */
static void report_fatal(const struct results *r, enum report_format fmt, const scl_test_opts *o)
{
    if (fmt == REPORT_PRETTY || !r->fatal_dir) {
        fputs(r->fatal ? r->fatal : "", stderr);
        return;
    }
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (run) {
        scl_run_set_flags(run, SCL_RUN_CHECK_ONLY);
        for (size_t i = 0; i < o->nexternals; i++)
            scl_run_add_external(run, o->ext_names[i], o->ext_dirs[i]);
        for (size_t i = 0; i < o->noptions; i++)
            scl_run_option_text(run, o->option_keys[i], o->option_texts[i]);
        if (scl_run_add_test_package(run, r->fatal_dir, NULL) == SCL_OK)
            scl_run_eval(run);
        report_diags(run, fmt, stderr);
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
}

/* -D key=value: split at the first '='. */
static int add_option(struct pkg_strs *keys, struct pkg_strs *texts, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return usage_error("expected key=value after -D, got", kv);
    char *key = strndup(kv, (size_t)(eq - kv));
    pkg_strs_push(keys, key);
    pkg_strs_push(texts, eq + 1);
    free(key);
    return CLI_OK;
}

/* -E name=dir */
static int add_external(struct pkg_strs *names, struct pkg_strs *dirs, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return usage_error("expected name=dir after -E, got", kv);
    char *name = strndup(kv, (size_t)(eq - kv));
    pkg_strs_push(names, name);
    pkg_strs_push(dirs, eq + 1);
    free(name);
    return CLI_OK;
}

/* The dependencies of the kcl.mod around 'pkg' (a PKG argument, "..." removed) join the
 * external packages, after -E (so kcl.mod wins, as in `scl run`). */
static int add_deps(const char *pkg, unsigned flags, struct pkg_strs *names, struct pkg_strs *dirs)
{
    char *dir = pkg_strdup(pkg);
    size_t n = strlen(dir);
    if (n >= 3 && !strcmp(dir + n - 3, "..."))
        dir[n - 3] = '\0';
    struct project proj = {0};
    struct pkg_err err;
    int rc = project_open(&proj, *dir ? dir : ".", &err);
    if (rc == 0 && proj.has_mod)
        rc = project_deps(&proj, NULL, flags, names, &err);
    if (rc != 0)
        fprintf(stderr, "error: %s\n", err.msg);
    for (size_t i = 0; rc == 0 && i < proj.dep_names.n; i++) {
        pkg_strs_push(names, proj.dep_names.v[i]);
        pkg_strs_push(dirs, proj.dep_dirs.v[i]);
    }
    project_close(&proj);
    free(dir);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

static int run_tests(int argc, char **argv, struct pkg_strs *keys, struct pkg_strs *texts,
                     struct pkg_strs *names, struct pkg_strs *dirs);

int cmd_test(int argc, char **argv)
{
    struct pkg_strs keys = {0}, texts = {0}, names = {0}, dirs = {0};
    int rc = run_tests(argc, argv, &keys, &texts, &names, &dirs);
    pkg_strs_free(&keys);
    pkg_strs_free(&texts);
    pkg_strs_free(&names);
    pkg_strs_free(&dirs);
    return rc;
}

static int run_tests(int argc, char **argv, struct pkg_strs *keys, struct pkg_strs *texts,
                     struct pkg_strs *names, struct pkg_strs *dirs)
{
    const char *regex = NULL;
    int fail_fast = 0;
    unsigned proj_flags = 0;
    enum report_format fmt = report_format_default();
    const char **pkgs = calloc((size_t)argc + 1, sizeof *pkgs);
    size_t npkgs = 0;
    if (!pkgs) {
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int took = report_take_flag(argc, argv, &i, &fmt);
        if (took < 0) {
            free(pkgs);
            return CLI_USAGE;
        }
        if (took)
            continue;
        if (!strcmp(a, "--run")) {
            if (i + 1 >= argc) {
                free(pkgs);
                return usage_error("missing value after", a);
            }
            regex = argv[++i];
        } else if (!strncmp(a, "--run=", 6)) {
            regex = a + 6;
        } else if (!strcmp(a, "--fail-fast") || !strcmp(a, "--fail_fast")) {
            fail_fast = 1;
        } else if (!strcmp(a, "-D") || !strcmp(a, "--argument") || !strcmp(a, "-E") ||
                   !strcmp(a, "--external")) {
            if (i + 1 >= argc) {
                free(pkgs);
                return usage_error("missing value after", a);
            }
            bool opt = a[1] == 'D' || a[2] == 'a';
            int r = opt ? add_option(keys, texts, argv[++i]) : add_external(names, dirs, argv[++i]);
            if (r != CLI_OK) {
                free(pkgs);
                return r;
            }
        } else if (!strncmp(a, "-D", 2) || !strncmp(a, "--argument=", 11)) {
            if (add_option(keys, texts, a[1] == 'D' ? a + 2 : a + 11) != CLI_OK) {
                free(pkgs);
                return CLI_USAGE;
            }
        } else if (!strncmp(a, "-E", 2) || !strncmp(a, "--external=", 11)) {
            if (add_external(names, dirs, a[1] == 'E' ? a + 2 : a + 11) != CLI_OK) {
                free(pkgs);
                return CLI_USAGE;
            }
        } else if (!strcmp(a, "--offline")) {
            proj_flags |= PROJECT_OFFLINE;
        } else if (!strcmp(a, "-V") || !strcmp(a, "--vendor")) {
            proj_flags |= PROJECT_VENDOR;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet") || !strcmp(a, "--no_style")) {
            /* accepted for compatibility */
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_error("run the tests of packages", NULL);
            free(pkgs);
            return CLI_OK;
        } else if (a[0] == '-' && a[1]) {
            free(pkgs);
            return usage_error("unknown option", a);
        } else {
            pkgs[npkgs++] = a;
        }
    }
    if (!npkgs)
        pkgs[npkgs++] = ".";
    if (add_deps(pkgs[0], proj_flags, names, dirs) != CLI_OK) {
        free(pkgs);
        return CLI_FAIL;
    }
    scl_test_opts opts = {SCL_TEST_OPTS_VERSION,         keys->n,  (const char *const *)keys->v,
                          (const char *const *)texts->v, names->n, (const char *const *)names->v,
                          (const char *const *)dirs->v};
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    if (!ctx) {
        free(pkgs);
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    struct results r = {0};
    int rc = CLI_OK;
    for (size_t i = 0; i < npkgs && rc == CLI_OK; i++) {
        scl_status st = scl_test_path_opts(ctx, pkgs[i], regex, fail_fast, &opts, on_case, &r);
        if (st == SCL_EIO) {
            fprintf(stderr, "scl test: %s is not a package directory\n", pkgs[i]);
            rc = CLI_FAIL;
        } else if (st != SCL_OK && st != SCL_EEVAL) {
            /* a compile-time error: the error alone, as kcl test prints it */
            report_fatal(&r, fmt, &opts);
            rc = CLI_FAIL;
        }
    }
    if (rc == CLI_OK && r.oom) {
        fputs("scl: out of memory\n", stderr);
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && r.n == 0) {
        puts("no test files");
    } else if (rc == CLI_OK) {
        size_t pass = 0;
        for (size_t i = 0; i < r.n; i++) {
            const struct result *c = &r.v[i];
            pass += c->error == NULL;
            printf("%s: %s (%llums)\n", c->name, c->error ? "FAIL" : "PASS",
                   (unsigned long long)(c->duration_us / 1000));
            /* the log when there is one, else the error (kcl's TestCaseInfo.Format) */
            const char *more = c->log && *c->log ? c->log : c->error;
            if (more && *more)
                printf("%s\n", more);
        }
        for (int k = 0; k < 80; k++)
            putchar('-');
        putchar('\n');
        if (pass)
            printf("PASS: %zu/%zu\n", pass, r.n);
        if (pass < r.n) {
            printf("FAIL: %zu/%zu\n", r.n - pass, r.n);
            fflush(stdout);
            fputc('\n', stderr); /* kcl returns an empty error, printed as an empty line */
            rc = CLI_FAIL;
        }
    }
    for (size_t i = 0; i < r.n; i++) {
        free(r.v[i].name);
        free(r.v[i].error);
        free(r.v[i].log);
    }
    free(r.v);
    free(r.fatal);
    free(r.fatal_dir);
    free(pkgs);
    scl_ctx_free(ctx);
    return rc;
}
