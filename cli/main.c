/* scl: entry point and subcommand dispatch. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/project.h"
#include "cli/report.h"

static const char usage[] =
    "usage: scl <command> [options] [files...]\n"
    "\n"
    "commands:\n"
    "  eval, run FILE...   evaluate and print YAML (or JSON with --format json)\n"
    "  parse FILE...       parse only; --ast prints the syntax tree as JSON\n"
    "  fmt [PATH...]       format source files in place (KCL's layout); --check, --dry-run\n"
    "  vet DATA CODE       validate JSON or YAML data with the schemas of CODE\n"
    "  test [PKG...]       run the test_* lambdas of *_test.k files (PKG/... recurses)\n"
    "  lint [FILE|DIR...]  unused and misplaced imports (KCL's lint checks)\n"
    "  doc generate        Markdown documentation of a package's schemas\n"
    "  import FILE...      KCL schemas from CRDs/OpenAPI/JSON Schema, configs from JSON/YAML\n"
    "  mod COMMAND         packages: init, add, pull, push, pkg, update, metadata, graph\n"
    "  function serve      the Crossplane composition-function server (function-kcl compatible)\n"
    "  function render     run a Pipeline Composition's KCL steps in-process (crossplane render)\n"
    "\n"
    "options:\n"
    "  -h, --help          this text\n"
    "  -v, --version       print the versions of scl and of its libraries\n";

int cli_write_file(void *ud, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, (FILE *)ud) != len;
}

/* stderr is unbuffered: report_diags writes each diagnostic whole, and a person reads the
 * first CLI_MAX_DIAGS of a file full of errors. */
void cli_print_diags(const scl_run *run)
{
    report_diags(run, report_format_default(), stderr);
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
        return cli_version();
    }
    if (!strcmp(cmd, "parse"))
        return cmd_parse(argc - 1, argv + 1);
    if (!strcmp(cmd, "eval") || !strcmp(cmd, "run"))
        return cmd_eval(argc - 1, argv + 1);
    if (!strcmp(cmd, "vet"))
        return cmd_vet(argc - 1, argv + 1);
    if (!strcmp(cmd, "fmt"))
        return cmd_fmt(argc - 1, argv + 1);
    if (!strcmp(cmd, "test") || !strcmp(cmd, "t"))
        return cmd_test(argc - 1, argv + 1);
    if (!strcmp(cmd, "lint"))
        return cmd_lint(argc - 1, argv + 1);
    if (!strcmp(cmd, "doc") || !strcmp(cmd, "d"))
        return cmd_doc(argc - 1, argv + 1);
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
