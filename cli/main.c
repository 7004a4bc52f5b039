/* scl: entry point and subcommand dispatch. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/project.h"

static const char usage[] =
    "usage: scl <command> [options] [files...]\n"
    "\n"
    "commands:\n"
    "  eval, run FILE...   evaluate and print YAML (or JSON with --format json)\n"
    "  parse FILE...       parse only; --ast prints the syntax tree as JSON\n"
    "  vet DATA CODE       validate JSON or YAML data with the schemas of CODE\n"
    "  import FILE...      KCL schemas from CRDs/OpenAPI/JSON Schema, configs from JSON/YAML\n"
    "  mod COMMAND         packages: init, add, pull, push, pkg, update, metadata, graph\n"
    "  function serve      the Crossplane composition-function server (function-kcl compatible)\n"
    "  function render     run a Pipeline Composition's KCL steps in-process (crossplane render)\n"
    "\n"
    "options:\n"
    "  -h, --help          this text\n"
    "  -v, --version       print the version\n";

int cli_write_file(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) != len;
}

/* stderr is unbuffered: one write per piece of a diagnostic made thousands of system calls
 * for a file full of errors, so the pieces are gathered here first. */
struct diag_buf {
    char b[16384];
    size_t n;
};

static void diag_flush(struct diag_buf *d)
{
    if (d->n)
        fwrite(d->b, 1, d->n, stderr);
    d->n = 0;
}

static int diag_put(void *ud, const char *s, size_t len)
{
    struct diag_buf *d = ud;
    if (len > sizeof d->b - d->n)
        diag_flush(d);
    if (len > sizeof d->b)
        return fwrite(s, 1, len, stderr) != len;
    memcpy(d->b + d->n, s, len);
    d->n += len;
    return 0;
}

void cli_print_diags(const scl_run *run)
{
    struct diag_buf d;
    d.n = 0;
    size_t n = scl_run_ndiags(run);
    for (size_t i = 0; i < n && i < CLI_MAX_DIAGS; i++)
        scl_diag_render(run, scl_run_diag(run, i), 0, diag_put, &d);
    diag_flush(&d);
    if (n > CLI_MAX_DIAGS)
        fprintf(stderr, "scl: %zu more diagnostics not shown\n", n - CLI_MAX_DIAGS);
}

int main(int argc, char **argv)
{
    if (scl_version() != SCL_VERSION_NUMBER) {
        fprintf(stderr, "scl: library version %s does not match the header\n",
                scl_version_string());
        return CLI_FAIL;
    }
    if (argc < 2) {
        fputs(usage, stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (!strcmp(cmd, "-v") || !strcmp(cmd, "-V") || !strcmp(cmd, "--version") ||
        !strcmp(cmd, "version")) {
        printf("scl %s\n", scl_version_string());
        return CLI_OK;
    }
    if (!strcmp(cmd, "parse"))
        return cmd_parse(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval") || !strcmp(cmd, "run"))
        return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "vet"))
        return cmd_vet(argc - 1, argv + 1);
    if (!strcmp(cmd, "import"))
        return cmd_import(argc - 1, argv + 1);
    if (!strcmp(cmd, "mod")) {
        /* the package commands live in the scl-mod helper (network libraries) */
        const char *helper = cli_mod_helper();
        argv[1] = (char *)helper;
        execv(helper, argv + 1);
        fprintf(stderr, "scl: cannot run %s: %s\n", helper, strerror(errno));
        return CLI_FAIL;
    }
    if (!strcmp(cmd, "function")) {
        /* the Crossplane function server and render live in the scl-function helper (gRPC) */
        const char *helper = cli_helper("scl-function", "SCL_FUNCTION_HELPER");
        argv[1] = (char *)helper;
        execv(helper, argv + 1);
        fprintf(stderr, "scl: cannot run %s: %s\n", helper, strerror(errno));
        return CLI_FAIL;
    }
    fprintf(stderr, "scl: unknown command '%s'\n%s", cmd, usage);
    return CLI_USAGE;
}
