/* scl parse: stop after parsing; optionally dump the syntax tree. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/report.h"

static const char parse_usage[] = "usage: scl parse [--ast] FILE...\n"
                                  "\n"
                                  "Parses the files and stops: exit 0 when every file parses.\n"
                                  "  --ast    print each file's syntax tree as JSON\n";

int cmd_parse(int argc, char **argv)
{
    int ast = 0, nfiles = 0;
    scl_ctx *ctx = scl_ctx_new(NULL, NULL);
    scl_run *run = scl_run_new(ctx);
    if (!run) {
        fputs("scl: out of memory\n", stderr);
        return CLI_FAIL;
    }
    int rc = CLI_OK;
    enum report_format fmt = report_format_default();
    for (int i = 1; i < argc; i++) {
        int took = report_take_flag(argc, argv, &i, &fmt);
        if (took < 0) {
            rc = CLI_USAGE;
            goto out;
        }
        if (took)
            continue;
        if (!strcmp(argv[i], "--ast")) {
            ast = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(parse_usage, stdout);
            goto out;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "scl parse: unknown option '%s'\n", argv[i]);
            rc = CLI_USAGE;
            goto out;
        } else {
            if (scl_run_add_file(run, argv[i], NULL, 0) != SCL_OK)
                rc = CLI_FAIL;
            nfiles++;
        }
    }
    if (nfiles == 0) {
        fputs("usage: scl parse [--ast] " REPORT_USAGE " FILE...\n", stderr);
        rc = CLI_USAGE;
        goto out;
    }
    if (scl_run_parse(run) != SCL_OK)
        rc = CLI_FAIL;
    if (scl_run_ndiags(run))
        report_diags(run, fmt, stderr);
    if (rc == CLI_OK && ast) {
        for (int i = 0; i < nfiles; i++) {
            scl_run_write_ast(run, (size_t)i, cli_write_file, stdout);
            fputc('\n', stdout);
        }
    }
out:
    scl_run_free(run);
    scl_ctx_free(ctx);
    return rc;
}
