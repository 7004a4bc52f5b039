/* scl test [PKG...]: run the test_* lambdas of each package's *_test.k files and report as
 * `kcl test` does (spec tools.md §3). */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl test: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl test [PKG|PKG/...]... [--run REGEX] [--fail-fast] " REPORT_USAGE "\n",
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
static void report_fatal(const struct results *r, enum report_format fmt)
{
    if (fmt == REPORT_PRETTY || !r->fatal_dir) {
        fputs(r->fatal ? r->fatal : "", stderr);
        return;
    }
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (run) {
        scl_run_set_flags(run, SCL_RUN_CHECK_ONLY);
        if (scl_run_add_test_package(run, r->fatal_dir, NULL) == SCL_OK)
            scl_run_eval(run);
        report_diags(run, fmt, stderr);
    }
    scl_run_free(run);
    scl_ctx_free(ctx);
}

int cmd_test(int argc, char **argv)
{
    const char *regex = NULL;
    int fail_fast = 0;
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
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    if (!ctx) {
        free(pkgs);
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    struct results r = {0};
    int rc = CLI_OK;
    for (size_t i = 0; i < npkgs && rc == CLI_OK; i++) {
        scl_status st = scl_test_path(ctx, pkgs[i], regex, fail_fast, on_case, &r);
        if (st == SCL_EIO) {
            fprintf(stderr, "scl test: %s is not a package directory\n", pkgs[i]);
            rc = CLI_FAIL;
        } else if (st != SCL_OK && st != SCL_EEVAL) {
            /* a compile-time error: the error alone, as kcl test prints it */
            report_fatal(&r, fmt);
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
