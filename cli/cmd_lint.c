/* scl lint [FILE|DIR...]: KCL's lint checks (spec tools.md §5). As in `kcl lint`, warnings count
 * as errors: any diagnostic is printed to stderr and the status is 1. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "cli/report.h"

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "scl lint: %s%s%s\n", msg, arg ? " " : "", arg ? arg : "");
    fputs("usage: scl lint [FILE|DIR...] [-E name=dir...] " REPORT_USAGE "\n", stderr);
    return CLI_USAGE;
}

/* -E name=dir */
static int add_external(scl_run *run, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return CLI_OK;
    char *name = strndup(kv, (size_t)(eq - kv));
    scl_status st = name ? scl_run_add_external(run, name, eq + 1) : SCL_ENOMEM;
    free(name);
    return st == SCL_OK ? CLI_OK : CLI_FAIL;
}

int cmd_lint(int argc, char **argv)
{
    enum report_format fmt = report_format_default();
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = ctx ? scl_run_new(ctx) : NULL;
    if (!run) {
        scl_ctx_free(ctx);
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    int rc = CLI_OK, ninputs = 0;
    const char *first = NULL;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        int took = report_take_flag(argc, argv, &i, &fmt);
        if (took < 0) {
            rc = CLI_USAGE;
        } else if (took) {
            continue;
        } else if (!strcmp(a, "-E") || !strcmp(a, "--external")) {
            rc =
                i + 1 < argc ? add_external(run, argv[++i]) : usage_error("missing value after", a);
        } else if (!strncmp(a, "--external=", 11)) {
            rc = add_external(run, a + 11);
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage_error("lint files", NULL);
            rc = -1;
        } else if (a[0] == '-' && a[1]) {
            rc = usage_error("unknown option", a);
        } else {
            if (!first)
                first = a;
            ninputs++;
            if (scl_run_add_path(run, a) != SCL_OK)
                rc = CLI_FAIL;
        }
    }
    if (rc == CLI_OK && !ninputs && scl_run_add_path(run, ".") != SCL_OK)
        rc = CLI_FAIL;
    if (rc == CLI_OK) {
        struct project proj = {0};
        struct pkg_err err;
        if (project_open(&proj, first, &err) == 0 && proj.root)
            scl_run_set_root(run, proj.root);
        project_close(&proj);
        scl_lint(run);
        rc = scl_run_ndiags(run) ? CLI_FAIL : CLI_OK;
        if (rc == CLI_OK)
            putchar('\n'); /* kcl prints the (empty) result */
    }
    if (rc == CLI_FAIL)
        report_diags(run, fmt, stderr);
    scl_run_free(run);
    scl_ctx_free(ctx);
    return rc < 0 ? CLI_OK : rc;
}
