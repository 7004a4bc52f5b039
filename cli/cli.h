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

/* Renders every diagnostic of 'run' to stderr, in the format KCL_ERROR_FORMAT names (pretty). */
void cli_print_diags(const scl_run *run);
int cli_write_file(void *ud, const char *buf, size_t len); /* ud: FILE * */

/* scl --version: scl's version and its libraries' (and the scl-mod helper's); cli/version.c. */
int cli_version(void);

#endif
