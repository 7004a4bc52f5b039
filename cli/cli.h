/* The scl command: one function per subcommand, each nothing but calls into scl.h. */
#ifndef SCL_CLI_CLI_H
#define SCL_CLI_CLI_H

#include "scl.h"

/* Exit statuses. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cmd_parse(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_vet(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_lint(int argc, char **argv);
int cmd_doc(int argc, char **argv);

/* Renders the diagnostics of 'run' to stderr: the first CLI_MAX_DIAGS, then how many more
 * there are (random bytes give one per line). */
#define CLI_MAX_DIAGS 100
void cli_print_diags(const scl_run *run);
int cli_write_file(void *ud, const char *buf, size_t len); /* ud: FILE * */

/* A growing, malloc'd, NUL-terminated text; cli_buf_write is an scl_write_fn into it
 * (cli/report.c). Zero-initialise; free(p) when done. */
struct cli_buf {
    char *p;
    size_t n, cap;
};
int cli_buf_write(void *ud, const char *buf, size_t len);

/* {===== run limits (cli/limits.c): defaults no ordinary program meets */
#define CLI_DEFAULT_MAX_TIME   600  /* seconds */
#define CLI_DEFAULT_MAX_MEMORY 4096 /* MiB */
#define CLI_DEFAULT_MAX_OUTPUT 1024 /* MiB */
#define CLI_LIMITS_USAGE \
    "limits (a run over one ends with an E3M38 diagnostic and exit 1):\n" \
    "  --max-time SECONDS   wall time of the evaluation (also --timeout; suffix ms, s, m, h)\n" \
    "                       default 600 s\n" \
    "  --max-memory SIZE    memory of the evaluation (MiB, or suffix B, K, M, G) default 4G\n" \
    "  --max-output SIZE    bytes written (MiB, or suffix B, K, M, G) default 1G\n" \
    "  --max-depth N        nested calls and schema instantiations, default 2000\n"

/* The defaults above. */
void cli_limits_default(scl_limits *l);
/* When argv[*i] is a limit flag: takes it (and its value), sets *rc (CLI_OK or CLI_USAGE after
 * a message naming 'cmd') and returns 1; else returns 0. */
int cli_limit_arg(const char *cmd, int argc, char **argv, int *i, scl_limits *l, int *rc);

/* scl --version: scl's version and its libraries' (and the scl-mod helper's); cli/version.c. */
int cli_version(void);

#endif
